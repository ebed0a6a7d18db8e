"""Start-up fails loudly, naming the variable, when the environment is wrong."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start_django(**overrides):
    env = {**os.environ, **overrides}
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "hub.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


BAD_ENVIRONMENTS = [
    ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters"),
    ({"DATABASE_URL": None}, "DATABASE_URL must be set"),
    ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "DATABASE_URL must be a URL starting with postgres://"),
    ({"CELERY_BROKER_URL": "localhost:6379"}, "CELERY_BROKER_URL must be a URL"),
    ({"S3_BUCKET": None}, "S3_BUCKET must be set"),
    ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
    ({"S3_PRESIGN_SECONDS": "ten"}, "S3_PRESIGN_SECONDS must be an integer"),
    ({"DELTACENTER_VALIDATION_QUEUES": "hub:4096,big"}, "DELTACENTER_VALIDATION_QUEUES must list queue:MiB pairs"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG, INFO"),
    ({"DELTACENTER_CLAIM_TOLERANCE": "nan"}, "DELTACENTER_CLAIM_TOLERANCE must be a finite number"),
    ({"DELTACENTER_CLAIM_TOLERANCE": "2%"}, "DELTACENTER_CLAIM_TOLERANCE must be a number"),
    ({"DELTACENTER_WORKER_BACKBONE_MEMORY_MB": "lots"}, "DELTACENTER_WORKER_BACKBONE_MEMORY_MB must be an integer"),
    ({"DELTACENTER_EVAL_MEMORY_BYTES": "1024"}, "DELTACENTER_EVAL_MEMORY_BYTES must be at least 1073741824"),
    (
        {"DELTACENTER_EVAL_TIMEOUT_SECONDS": "600", "CELERY_TASK_SOFT_TIME_LIMIT": "700"},
        "DELTACENTER_EVAL_TIMEOUT_SECONDS (600) must stay at least 120 s under CELERY_TASK_SOFT_TIME_LIMIT (700)",
    ),
    (
        {"DELTACENTER_VALIDATION_HEARTBEAT_SECONDS": "60", "DELTACENTER_VALIDATION_STALE_SECONDS": "120"},
        "DELTACENTER_VALIDATION_STALE_SECONDS must exceed twice DELTACENTER_VALIDATION_HEARTBEAT_SECONDS",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_ENVIRONMENTS, ids=["+".join(o) for o, _ in BAD_ENVIRONMENTS])
def test_it_refuses_to_start_with_a_bad_variable(overrides, message):
    result = _start_django(**overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_it_starts_with_the_test_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "Q7x!p@9#Lm$2&vR^5*tW(8)yZ-3_nB=4+cF",
    "DEBUG": None,
    "DJANGO_ALLOW_ASYNC_UNSAFE": None,  # set by the browser tests' harness; never in a deployment
    "DELTACENTER_SITE_URL": "https://hub.example.org",
    "ALLOWED_HOSTS": "hub.example.org",
}


def test_the_production_settings_pass_the_deployment_checks():
    env = {**os.environ, **PRODUCTION}
    env = {key: value for key, value in env.items() if value is not None}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked_for():
    result = _start_django(DEBUG=None)
    assert result.returncode == 0, result.stderr
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env={key: value for key, value in {**os.environ, "DEBUG": None}.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.stdout.strip() == "False"
