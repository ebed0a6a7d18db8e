"""Turning termination signals into an exception, and keeping them out of the way while we clean up."""

import signal
from contextlib import contextmanager

TERMINATING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopRequested(BaseException):
    """Like KeyboardInterrupt, a BaseException, so `except Exception` blocks cannot swallow it."""


def _raise_stop(signum, frame):
    raise StopRequested(signal.Signals(signum).name)


@contextmanager
def _handlers(handler):
    previous = {signum: signal.signal(signum, handler) for signum in TERMINATING}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def stop_on_signals():
    """Ctrl-C, SIGTERM and SIGHUP raise StopRequested."""
    return _handlers(_raise_stop)


def signals_ignored():
    """A second Ctrl-C must not cut a shutdown short and leave engines running; timeouts bound it instead."""
    return _handlers(signal.SIG_IGN)
