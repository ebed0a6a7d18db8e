"""Pytest plugin: point the hub at real services before Django loads its settings.

Services named in the environment are used as they are; the others are started as throwaway embedded
engines (Postgres, Redis, SeaweedFS) and stopped when the run ends.
"""

import os
import secrets

import pytest

_engines = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _engines
    from hub.devstack.harness import start_missing_engines

    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    # A queue of its own, so a development worker on the same broker never takes the tests' tasks.
    os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"test-{secrets.token_hex(4)}")
    _engines, engine_env = start_missing_engines()
    os.environ.update(engine_env)


def pytest_unconfigure(config):
    if _engines is not None:
        _engines.stop()
