"""Confine the evaluator child: no network, a memory ceiling, offline model libraries, death with its parent."""

import ctypes
import os
import resource
import signal
import socket

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
NAMESPACE, GUARD = "namespace", "guard"
CREDENTIAL_NAMES = {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
CREDENTIAL_MARKERS = ("SECRET", "PASSWORD", "TOKEN", "ACCESS_KEY")


def confine(memory_bytes, device="cpu"):
    """Call first thing in the child; returns how the network was taken away."""
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    network = leave_network()
    forget_credentials()
    os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    limit_memory(memory_bytes, device)
    return network


def leave_network():
    """A network namespace of its own has only a loopback that is down; without root, fall back to a guard."""
    if _libc().unshare(CLONE_NEWNET) == 0:
        return NAMESPACE
    forbid_sockets()
    return GUARD


def forbid_sockets():
    """Best effort only: code that reaches for the `_socket` module directly gets past it."""
    socket.socket = _UnixOnlySocket


class _UnixOnlySocket(socket.socket):
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        # Wrapping a descriptor that already exists (socketpair, fromfd) opens nothing new.
        if fileno is None and family != socket.AF_UNIX:
            raise PermissionError("The evaluator has no network access.")
        super().__init__(family, type, proto, fileno)


def forget_credentials():
    """Database, broker and bucket credentials leave the environment: a unix socket needs no network."""
    for name in list(os.environ):
        if name in CREDENTIAL_NAMES or any(marker in name for marker in CREDENTIAL_MARKERS):
            del os.environ[name]


def limit_memory(memory_bytes, device):
    # The CUDA runtime reserves tens of GiB of address space it never touches, so on a GPU only the data
    # segment (heap and private mappings) can be capped; on the CPU the whole address space is.
    limit = resource.RLIMIT_DATA if device == "cuda" else resource.RLIMIT_AS
    resource.setrlimit(limit, (memory_bytes, memory_bytes))


def _libc():
    return ctypes.CDLL(None, use_errno=True)
