"""Pytest plugin: point the hub at real services before Django loads its settings.

Services named in the environment are used as they are; the others are started as throwaway embedded
engines (Postgres, Redis, SeaweedFS) and stopped when the run ends. A run of unit tests only (every path
inside tests/unit, or `-m unit`) starts nothing: the settings get placeholders that reach no service.
"""

import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

UNIT_DIR = Path(__file__).resolve().parent / "unit"
# Hosts under .invalid never resolve, so a unit test that reaches for a service fails at once.
UNIT_PLACEHOLDERS = {
    "DATABASE_URL": "postgres://unit@no-database-in-unit-tests.invalid:5432/none",
    "CELERY_BROKER_URL": "redis://no-broker-in-unit-tests.invalid:6379/0",
    "S3_ENDPOINT_URL": "http://no-s3-in-unit-tests.invalid",
    "S3_BUCKET": "no-bucket",
    "S3_ACCESS_KEY_ID": "no-key",
    "S3_SECRET_ACCESS_KEY": "no-secret",
}
UNIT_UNSET = ("S3_PUBLIC_ENDPOINT_URL", "CELERY_RESULT_BACKEND")

_engines = None
_scratch = None


def is_unit_only(config) -> bool:
    options = config.known_args_namespace
    if (options.markexpr or "").strip() == "unit":
        return True
    paths = [Path(config.invocation_params.dir, arg.split("::")[0]).resolve() for arg in options.file_or_dir]
    return bool(paths) and all(path.is_relative_to(UNIT_DIR) for path in paths)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _engines, _scratch
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    _scratch = Path(tempfile.mkdtemp(prefix="deltacenter-tests-"))
    # The test process and the workers it starts share one backbone cache, away from the developer's.
    os.environ.setdefault("DELTACENTER_WORKER_CACHE", str(_scratch / "worker-cache"))
    if is_unit_only(early_config):
        os.environ.update(UNIT_PLACEHOLDERS)
        for name in UNIT_UNSET:
            os.environ.pop(name, None)
        return
    from hub.devstack.harness import start_missing_engines

    # A queue of its own, so a development worker on the same broker never takes the tests' tasks.
    os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"test-{secrets.token_hex(4)}")
    # Cache keys of their own too (rate-limit counters, the health report), on a Redis that others may share.
    os.environ.setdefault("DELTACENTER_CACHE_PREFIX", f"test-{secrets.token_hex(4)}")
    # Workers beat every second, so a test sees a fresh worker alive within moments.
    os.environ.setdefault("DELTACENTER_WORKER_BEAT_SECONDS", "1")
    _engines, engine_env = start_missing_engines()
    os.environ.update(engine_env)


def pytest_unconfigure(config):
    if _engines is not None:
        _engines.stop()
    if _scratch is not None:
        shutil.rmtree(_scratch, ignore_errors=True)
