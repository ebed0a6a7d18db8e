"""Start-up fails loudly, naming the variable, when the environment is wrong."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

ROOT = settings.BASE_DIR


def _check(**overrides):
    env = {**os.environ, **overrides}
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SECRET_KEY", None, "SECRET_KEY must be set"),
        ("SECRET_KEY", "short", "at least 32 characters"),
        ("DATABASE_URL", None, "DATABASE_URL must be set"),
        ("DATABASE_URL", "sqlite:///db.sqlite3", "DATABASE_URL must be a URL starting with postgres://"),
        ("CELERY_BROKER_URL", "localhost:6379", "CELERY_BROKER_URL must be a URL"),
        ("S3_BUCKET", None, "S3_BUCKET must be set"),
        ("DEBUG", "maybe", "DEBUG must be a boolean"),
        ("S3_PRESIGN_SECONDS", "ten", "S3_PRESIGN_SECONDS must be an integer"),
        ("DELTACENTER_VALIDATION_QUEUES", "hub:4096,big", "DELTACENTER_VALIDATION_QUEUES must list queue:MiB pairs"),
    ],
)
def test_it_refuses_to_start_with_a_bad_variable(variable, value, message):
    result = _check(**{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_it_starts_with_the_test_environment():
    result = _check()
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
