"""Choosing loopback ports that nothing else listens on."""

import random
import socket

from hub.devstack.engine import EngineError

LOOPBACK = "127.0.0.1"

# Blocks are drawn below Linux's ephemeral range (32768+) even after the gRPC offset some
# engines add, so outgoing connections cannot grab them between the check and the bind.
BLOCK_RANGE = (12000, 22000)


class PortInUse(EngineError):
    pass


def free_port() -> int:
    """A port the kernel considers free right now on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a server could listen on the port: like servers do, ignore connections in TIME_WAIT."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def require_free_ports(owner: str, ports) -> None:
    busy = [port for port in ports if not port_is_free(port)]
    if busy:
        listed = ", ".join(str(port) for port in busy)
        raise PortInUse(f"{owner} needs port(s) {listed} on {LOOPBACK}, but something already listens there.")


def free_port_block(offsets, attempts: int = 200) -> int:
    """A base port such that base + offset is free for every offset."""
    low, high = BLOCK_RANGE
    for _ in range(attempts):
        base = random.randrange(low, high)
        if all(port_is_free(base + offset) for offset in offsets):
            return base
    raise PortInUse(f"no free block of ports for offsets {sorted(offsets)} in {low}-{high}.")


def accepts_connections(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False
