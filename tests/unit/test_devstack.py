"""The development stack's pieces that start no engine: configuration checks, process stopping, secrets."""

import os
import signal
import stat
import subprocess
import sys

import psutil
import pytest

from hub.devstack.engine import EngineError
from hub.devstack.harness import start_missing_engines
from hub.devstack.local_secrets import load_or_create_secrets
from hub.devstack.processes import spawn, stop_process
from hub.devstack.saved_env import load_hub_env, save_hub_env, saved_env_path
from tests.processes import gone


def test_it_refuses_a_partial_s3_configuration():
    environ = {"DATABASE_URL": "postgres://x/db", "CELERY_BROKER_URL": "redis://x", "S3_ENDPOINT_URL": "http://x"}
    with pytest.raises(EngineError, match="S3_BUCKET"):
        start_missing_engines(environ=environ)


def test_stop_kills_a_process_group_that_ignores_sigterm():
    stubborn = (
        "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); print('up', flush=True); "
        "time.sleep(60)"
    )
    process = spawn([sys.executable, "-c", stubborn], stdout=subprocess.PIPE)
    assert process.stdout.readline() == b"up\n"
    members = [p.pid for p in psutil.Process(process.pid).children()] + [process.pid]

    stop_process(process, timeout=0.5)
    process.stdout.close()

    assert process.returncode == -signal.SIGKILL
    assert all(gone(pid) for pid in members)


def test_secrets_are_created_once_and_reused_with_mode_0600(tmp_path):
    path = tmp_path / "var" / "secrets.json"

    first = load_or_create_secrets(path)
    second = load_or_create_secrets(path)

    assert first == second
    assert set(first) == {"SECRET_KEY", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"}
    assert len(first["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_saved_hub_environment_keeps_only_hub_settings_privately(tmp_path):
    save_hub_env(tmp_path, {"SECRET_KEY": "k" * 40, "DATABASE_URL": "postgres://x/y", "HOME": "/root"})
    assert load_hub_env(tmp_path) == {"SECRET_KEY": "k" * 40, "DATABASE_URL": "postgres://x/y"}
    assert stat.S_IMODE(saved_env_path(tmp_path).stat().st_mode) == 0o600
