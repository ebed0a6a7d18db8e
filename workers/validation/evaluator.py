"""The worker's handle on its evaluator child: start it, pass it requests, stop it when it overruns or dies.

One long-lived child per worker process keeps backbones warm between jobs; a child that is killed takes
its warm backbones with it, and the next request starts a fresh one.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from workers.validation.messages import receive, send
from workers.validation.sandbox import BWRAP, launch

logger = logging.getLogger(__name__)
LAST_EVENTS = ("done", "failed", "unavailable", "error")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class EvaluationTimedOut(Exception):
    """The child did not finish before the deadline and was killed."""


class EvaluatorDied(Exception):
    """The child exited in the middle of a request."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"The evaluator process died (exit code {exitcode}).")
        self.exitcode = exitcode


class Evaluator:
    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._process = self._connection = None
        self.mode = None  # how the running child is confined (see sandbox.MODES)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def request(self, message: dict, on_event: Callable[[dict], object], deadline: float) -> dict:
        """Send one request; hand every event to on_event and return the last one (see LAST_EVENTS)."""
        self._ensure_running()
        try:
            send(self._connection, message)
            while True:
                event = self._next_event(deadline)
                if any(key in event for key in LAST_EVENTS):
                    return event
                on_event(event)
        except BaseException:
            # Interrupted mid-request (a time limit, a failed write): the next request would read the rest
            # of this one's events, so the child goes and the next request starts a fresh one.
            self.stop()
            raise

    def stop(self) -> int | None:
        """Kill the child, if any; returns its exit code."""
        if self._process is None:
            return None
        self._process.kill()
        exitcode = self._process.wait()
        self._connection.close()
        self._process = self._connection = None
        return exitcode

    def _ensure_running(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self.stop()
        # A fresh interpreter rather than multiprocessing: fork would copy the worker's database connections,
        # and Celery's pool processes are daemonic, which multiprocessing forbids to have children.
        settings.DELTACENTER_WORKER_CACHE.mkdir(parents=True, exist_ok=True)
        ours, theirs = multiprocessing.Pipe()
        command = [
            sys.executable,
            "-m",
            "workers.validation.child",
            str(theirs.fileno()),
            str(settings.DELTACENTER_EVAL_MEMORY_BYTES),
            str(settings.DELTACENTER_WORKER_BACKBONE_MEMORY_MB * 1024**2),
            self.device,
        ]
        self._process, self.mode = launch(
            command,
            pass_fds=[theirs.fileno()],
            device=self.device,
            project_root=PROJECT_ROOT,
            readable=[str(settings.DELTACENTER_WORKER_CACHE)],
        )
        theirs.close()
        self._connection = ours
        if self.mode != BWRAP:
            logger.warning(
                "The evaluator runs without bubblewrap (confined by %s): it shares the worker's view of the disk."
                " Install bubblewrap to confine it fully.",
                self.mode,
            )

    def _next_event(self, deadline: float) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self._connection.poll(remaining):
            self.stop()
            raise EvaluationTimedOut()
        try:
            return receive(self._connection)
        except (EOFError, OSError, ValueError):
            raise EvaluatorDied(self.stop()) from None


_evaluator: Evaluator | None = None


def evaluator(device: str = "cpu") -> Evaluator:
    """This worker process's evaluator."""
    global _evaluator
    if _evaluator is None or _evaluator.device != device:
        if _evaluator is not None:
            _evaluator.stop()
        _evaluator = Evaluator(device)
    return _evaluator
