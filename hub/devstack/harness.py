"""Engines for a test run: only the services the environment lacks, in throwaway directories."""

import atexit
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from hub.devstack.engine import EngineStack, is_configured, start_engines
from hub.devstack.ports import free_port
from hub.devstack.postgres import PostgresEngine
from hub.devstack.redis_server import RedisEngine
from hub.devstack.seaweed import SeaweedEngine, SeaweedPorts

TEST_BUCKET = "deltacenter-test"


class ThrowawayEngines(EngineStack):
    """An engine stack that also deletes its base directory when it created it."""

    def __init__(self, base_dir: Path, owns_base_dir: bool):
        super().__init__()
        self.base_dir = base_dir
        self.owns_base_dir = owns_base_dir

    def stop(self) -> None:
        atexit.unregister(self.stop)
        try:
            super().stop()
        finally:
            if self.owns_base_dir:
                shutil.rmtree(self.base_dir, ignore_errors=True)


def _throwaway_seaweed(base_dir: Path) -> SeaweedEngine:
    return SeaweedEngine(
        base_dir / "s3",
        ports=SeaweedPorts.free_block(),
        access_key="test" + secrets.token_hex(8),
        secret_key=secrets.token_urlsafe(30),
        bucket=TEST_BUCKET,
    )


# Free ports only, so a test run never collides with the development stack's fixed ones.
THROWAWAY_ENGINES = {
    PostgresEngine: lambda base_dir: PostgresEngine(base_dir / "postgres"),
    RedisEngine: lambda base_dir: RedisEngine(base_dir / "redis", port=free_port(), persistent=False),
    SeaweedEngine: _throwaway_seaweed,
}


def start_missing_engines(base_dir=None, environ=None) -> tuple[ThrowawayEngines, dict[str, str]]:
    """Start the engines whose variables `environ` (default: os.environ) lacks.

    Data goes under `base_dir`, or under a new temporary directory that stop() deletes.
    Returns the running stack and the variables the started engines provide; the caller
    merges them into its environment and calls `stack.stop()` when done.
    """
    environ = os.environ if environ is None else environ
    missing = [kind for kind in THROWAWAY_ENGINES if not is_configured(kind, environ)]
    owns_base_dir = base_dir is None
    base_dir = Path(tempfile.mkdtemp(prefix="deltacenter-engines-") if owns_base_dir else base_dir).resolve()
    stack = ThrowawayEngines(base_dir, owns_base_dir)
    try:
        engines = [THROWAWAY_ENGINES[kind](base_dir) for kind in missing]
    except BaseException:
        stack.stop()
        raise
    start_engines(engines, stack)
    # A run that ends before its caller's stop() (say, pytest failing to configure) still stops in order.
    atexit.register(stack.stop)
    return stack, dict(stack.env)
