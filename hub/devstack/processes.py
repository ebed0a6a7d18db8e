"""Child processes that run in their own process group and leave nothing behind when stopped."""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    # Runs in the child between fork and exec. If we are killed outright (SIGKILL, OOM), the
    # kernel sends SIGTERM to the child instead of leaving it running without an owner.
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(argv, *, env=None, cwd=None, log_path=None, stdout=None) -> subprocess.Popen:
    """Start argv in a new session, so a Ctrl-C at the terminal reaches only us and we stop it in order.

    Output goes to log_path when given, else to `stdout` (default: inherited).
    """
    log = open(log_path, "ab") if log_path else None  # noqa: SIM115 - the child keeps it; closed below
    try:
        return subprocess.Popen(
            [str(arg) for arg in argv],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log or stdout,
            stderr=subprocess.STDOUT if (log or stdout) else None,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    finally:
        if log:
            log.close()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    # The group id is the leader's pid (start_new_session). Linux never hands out a pid that is
    # still in use as a group id, so while the group exists it is ours even after the leader died.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop_processes(processes, timeout: float) -> None:
    """SIGTERM each process group, wait up to `timeout` for all, SIGKILL whatever is left."""
    processes = [process for process in processes if process is not None]
    for process in processes:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    for process in processes:
        # Members that outlived their leader, e.g. workers of a master that was killed.
        _signal_group(process, signal.SIGKILL)


def stop_process(process, timeout: float) -> None:
    stop_processes([process], timeout)
