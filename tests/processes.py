"""Waiting for processes to go, for tests that start and stop them."""

import time

import psutil


def _exited(pid):
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def gone(pid, timeout=5.0):
    """True once `pid` has exited (a zombie counts), False if it is still running after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not _exited(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
