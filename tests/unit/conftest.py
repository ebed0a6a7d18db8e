"""Unit tests need no service: they are marked `unit`, and one that asks for the database fails at once."""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SERVICE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "celery_worker"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.unit)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not item.path.is_relative_to(HERE):
        return
    wanted = SERVICE_FIXTURES.intersection(item.fixturenames)
    if item.get_closest_marker("django_db") or wanted:
        reason = f"fixtures {sorted(wanted)}" if wanted else "the django_db mark"
        pytest.fail(f"Unit tests run without services, but this one asks for {reason}: move it out of tests/unit.")
