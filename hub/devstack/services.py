"""The long-running processes of the development stack, watched until one exits or we stop them."""

import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from hub.devstack.ports import accepts_connections
from hub.devstack.processes import spawn, stop_processes

# Gunicorn finishes in-flight requests and a Celery worker its current task before exiting.
STOP_TIMEOUT = 20
WEB_START_TIMEOUT = 60


class ServiceFailed(Exception):
    pass


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with status {returncode}"


class Services:
    def __init__(self) -> None:
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
        self.processes[name] = spawn(argv, env=env, cwd=cwd)

    def raise_if_any_exited(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ServiceFailed(f"{name} {describe_exit(process.returncode)} unexpectedly; stopping everything.")

    def watch(self, interval: float = 0.5) -> None:
        """Block until a service exits (raising ServiceFailed) or a signal interrupts us."""
        while True:
            self.raise_if_any_exited()
            time.sleep(interval)

    def wait_for_port(self, name: str, port: int, timeout: float = WEB_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not accepts_connections(port):
            self.raise_if_any_exited()
            if time.monotonic() > deadline:
                raise ServiceFailed(f"{name} did not accept connections on port {port} within {timeout:.0f} s.")
            time.sleep(0.2)

    def stop(self) -> None:
        stop_processes(list(self.processes.values()), STOP_TIMEOUT)
        self.processes.clear()
