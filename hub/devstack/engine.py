"""The shape every embedded engine shares, and a stack that starts several and always stops them."""

import logging
import time

from hub.devstack.processes import stop_process

logger = logging.getLogger("hub.devstack")


class EngineError(RuntimeError):
    pass


class Engine:
    """An embedded service.

    `start()` returns the environment variables that point the hub at it; `stop()` is safe to
    call at any time, including after a failed or interrupted start.
    """

    name = "engine"
    # The variables that, when all present in the environment, mean an existing service is used instead.
    provides: tuple[str, ...] = ()

    def start(self) -> dict[str, str]:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def needed_ports(self) -> list[int]:
        """Loopback ports it listens on, checked before anything starts."""
        return []

    def _start(self) -> dict[str, str]:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class ChildProcessEngine(Engine):
    """An engine that is one child process of ours, stopped with SIGTERM (then SIGKILL after `stop_timeout`)."""

    stop_timeout = 15
    _process = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self) -> None:
        stop_process(self._process, self.stop_timeout)
        self._process = None


def wait_until_ready(is_ready, *, engine: str, log_path, timeout: float, process=None) -> None:
    """Poll `is_ready()` until it returns True; fail with the engine's name and log on death or deadline."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        if process is not None and process.poll() is not None:
            raise EngineError(f"{engine} exited with status {process.returncode} while starting; see {log_path}")
        try:
            if is_ready():
                return
        except Exception as error:
            last_error = error
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise EngineError(f"{engine} was not ready after {timeout:.0f} s{detail}; see {log_path}")
        time.sleep(0.1)


def is_configured(engine: Engine | type[Engine], environ) -> bool:
    """True when the environment already names this service; a partial set is a mistake worth stopping for."""
    present = [name for name in engine.provides if environ.get(name)]
    if present and len(present) < len(engine.provides):
        missing = ", ".join(name for name in engine.provides if name not in present)
        raise EngineError(
            f"{', '.join(present)} set but {missing} not: set all of them to use an existing "
            f"{engine.name}, or none to start an embedded one."
        )
    return bool(present)


class EngineStack:
    """Engines started so far, stopped in reverse order."""

    def __init__(self):
        self.engines: list[Engine] = []
        self.env: dict[str, str] = {}

    def start(self, engine: Engine) -> dict[str, str]:
        started_at = time.monotonic()
        env = engine.start()
        logger.info("%s ready in %.1f s", engine.name, time.monotonic() - started_at)
        self.engines.append(engine)
        self.env.update(env)
        return env

    def stop(self) -> None:
        failures = []
        while self.engines:
            engine = self.engines.pop()
            stopping_at = time.monotonic()
            try:
                engine.stop()
                logger.info("%s stopped in %.1f s", engine.name, time.monotonic() - stopping_at)
            except Exception as error:
                failures.append(f"{engine.name}: {error}")
        if failures:
            raise EngineError("could not stop cleanly: " + "; ".join(failures))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def start_engines(engines, stack: EngineStack | None = None) -> EngineStack:
    """Start each engine in order; on any failure or Ctrl-C, stop those already running and re-raise."""
    stack = EngineStack() if stack is None else stack
    try:
        for engine in engines:
            stack.start(engine)
    except BaseException:
        stack.stop()
        raise
    return stack
