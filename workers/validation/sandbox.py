"""Confine the evaluator child, which loads uploaded deltas: the strongest confinement the host allows.

- `bwrap`: the worker starts the child inside bubblewrap: new user, network, process, IPC and UTS namespaces,
  and a file system that holds only what evaluation reads (system libraries, the interpreter, the project, the
  worker's cache), read-only, with a private /tmp. The worker's secrets, other processes and the network are
  simply not there.
- `namespace`: without bubblewrap the child takes the network away itself (a network namespace of its own).
- `guard`: where the kernel allows no namespace either, a socket guard that is best effort.

In every mode the child's environment is built from an allowlist (no credentials), model libraries are
offline, memory has a ceiling, and the child dies with the worker.
"""

import ctypes
import functools
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
BWRAP, NAMESPACE, GUARD = "bwrap", "namespace", "guard"
MODES = (BWRAP, NAMESPACE, GUARD)  # strongest first
# The uid the child has inside bubblewrap: without a mapping to root, it holds no capabilities there.
SANDBOX_UID = 65534
# What the child's environment may hold; everything else (credentials above all) stays with the worker.
ENVIRONMENT_ALLOWLIST = (
    "PATH", "LANG", "LC_ALL", "TZ", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "OMP_NUM_THREADS",
    "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TORCH_NUM_THREADS",
)  # fmt: skip
# System files the dynamic loader, Python and torch read; the rest of /etc (keys, shadow) stays out.
SYSTEM_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd", "/etc/group",
    "/etc/nsswitch.conf",
)  # fmt: skip
TOP_LEVEL_LIBRARY_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64")
CREDENTIAL_NAMES = {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
CREDENTIAL_MARKERS = ("SECRET", "PASSWORD", "TOKEN", "ACCESS_KEY")


def child_environment(project_root: str | Path, home: str = "/tmp") -> dict:
    """The child's whole environment: the allowlist, the project on its path, offline model libraries."""
    env = {name: os.environ[name] for name in ENVIRONMENT_ALLOWLIST if name in os.environ}
    # glibc reserves 64 MiB of address space per malloc arena, up to eight per core: on a many-core host the
    # arenas alone would eat the address-space ceiling.
    env.update(
        PYTHONPATH=os.pathsep.join([str(project_root), client_root()]), PYTHONDONTWRITEBYTECODE="1",
        HOME=home, HF_HOME=f"{home}/hf",
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1", MALLOC_ARENA_MAX="4",
    )  # fmt: skip
    return env


@functools.cache
def bubblewrap_works() -> bool:
    """Whether bubblewrap is installed and the kernel lets this worker create its namespaces."""
    if not shutil.which("bwrap"):
        return False
    try:
        done = subprocess.run(
            [*bubblewrap_prefix({}, "cpu", readable=[]), "/bin/true"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def bubblewrap_prefix(env: Mapping[str, str], device: str, readable: Iterable[str]) -> list:
    """The bwrap arguments that run a command with `env`, seeing the system and the `readable` paths only."""
    devices = ["--dev-bind", "/dev", "/dev", "--ro-bind", "/sys", "/sys"] if device == "cuda" else ["--dev", "/dev"]
    settings = [arg for name, value in env.items() for arg in ("--setenv", name, value)]
    return [
        "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_UID), *_system_binds(), "--perms", "01777", "--tmpfs", "/tmp", *_binds(readable),
        *devices, "--proc", "/proc", "--clearenv", *settings, "--",
    ]  # fmt: skip


def _system_binds() -> list[str]:
    arguments = ["--ro-bind", "/usr", "/usr"]
    for path in TOP_LEVEL_LIBRARY_DIRS:
        if os.path.islink(path):  # a merged /usr: /bin -> usr/bin
            arguments += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            arguments += ["--ro-bind", path, path]
    for path in SYSTEM_FILES:
        arguments += ["--ro-bind-try", path, path]
    return arguments


def _binds(paths: Iterable[str]) -> list[str]:
    # After the private /tmp (a cache may live there); parents before children (a cache inside the project).
    unique = sorted({os.path.realpath(p) for p in paths}, key=len)
    return [arg for path in unique for arg in ("--ro-bind", path, path)]


def client_root() -> str:
    """The folder holding the `deltacenter` package this worker runs, so the child imports the same client even
    where it is installed in editable mode from outside the project and the environment."""
    import deltacenter

    return str(Path(deltacenter.__file__).resolve().parent.parent)


def interpreter_paths() -> list:
    """What running this interpreter reads: its installation and the virtual environment's packages."""
    return [sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))]


def launch(
    command: Sequence[str], *, pass_fds: Sequence[int], device: str, project_root: str | Path, readable: Sequence[str]
) -> tuple[subprocess.Popen, str]:
    """Start `command` (the child's interpreter and arguments) in the strongest confinement the host has.

    `readable` lists what the child must read besides the system and the interpreter (the worker's cache).
    Returns (process, mode); the child applies the rest of the mode itself (see `confine`).
    """
    if bubblewrap_works():
        env = child_environment(project_root)
        visible = [*interpreter_paths(), str(project_root), client_root(), *readable]
        argv = [*bubblewrap_prefix(env, device, visible), *command, BWRAP]
        return subprocess.Popen(argv, pass_fds=pass_fds, env=env), BWRAP
    env = child_environment(project_root, home=tempfile.gettempdir())
    return subprocess.Popen([*command, NAMESPACE], pass_fds=pass_fds, env=env), NAMESPACE


def confine(memory_bytes: int, device: str = "cpu", mode: str = NAMESPACE) -> str:
    """Call first thing in the child; returns the confinement it ended up in (see MODES)."""
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if mode != BWRAP:
        mode = leave_network()
    forget_credentials()
    limit_memory(memory_bytes, device)
    return mode


def leave_network() -> str:
    """A network namespace of its own (with a user namespace when not root) has only a loopback that is down;
    where the kernel allows neither, fall back to a guard."""
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if _libc().unshare(flags) == 0:
        return NAMESPACE
    forbid_sockets()
    return GUARD


def forbid_sockets() -> None:
    """Best effort only: code that reaches for the `_socket` module directly gets past it."""
    socket.socket = _UnixOnlySocket


class _UnixOnlySocket(socket.socket):
    def __init__(self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None) -> None:
        # Wrapping a descriptor that already exists (socketpair, fromfd) opens nothing new.
        if fileno is None and family != socket.AF_UNIX:
            raise PermissionError("The evaluator has no network access.")
        super().__init__(family, type, proto, fileno)


def forget_credentials() -> None:
    """Database, broker and bucket credentials leave the environment (already so, when started by `launch`)."""
    for name in list(os.environ):
        if name in CREDENTIAL_NAMES or any(marker in name for marker in CREDENTIAL_MARKERS):
            del os.environ[name]


def limit_memory(memory_bytes: int, device: str) -> None:
    # The CUDA runtime reserves tens of GiB of address space it never touches, so on a GPU only the data
    # segment (heap and private mappings) can be capped; on the CPU the whole address space is.
    limit = resource.RLIMIT_DATA if device == "cuda" else resource.RLIMIT_AS
    resource.setrlimit(limit, (memory_bytes, memory_bytes))


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)
