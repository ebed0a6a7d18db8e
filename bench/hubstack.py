"""A throwaway hub for benchmarks: engines, a migrated database, gunicorn and a write token."""

import os
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "client")]

from hub.devstack.harness import start_missing_engines  # noqa: E402
from hub.devstack.ports import free_port  # noqa: E402
from hub.devstack.processes import spawn, stop_processes  # noqa: E402


def _manage(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def _wait_for(url, deadline=60):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {deadline} s")


@contextmanager
def celery_worker(env):
    """A Celery worker on the hub's queue, which it empties first (so it only runs what comes next)."""
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "workers", "purge", "-f"], cwd=ROOT, env=env, capture_output=True
    )
    worker = spawn(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool", "solo", "--loglevel", "WARNING"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield worker
    finally:
        stop_processes([worker], timeout=10)


@contextmanager
def running_hub(workers=2, settings=None, celery=False):
    """Yield (endpoint, token, env); everything started is stopped afterwards. `settings` adds variables;
    `celery` starts a Celery worker too."""
    env = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **(settings or {}),
    }
    engines, engine_env = start_missing_engines(environ=env)
    env.update(engine_env)
    server = worker = None
    try:
        _manage(env, "migrate", "--noinput")
        token = _manage(env, "create_token", f"bench{secrets.token_hex(3)}", "--write").strip().splitlines()[-1]
        port = free_port()
        server = spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hub.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "600",
                "--no-control-socket",
            ],
            env=env,
            cwd=ROOT,
            log_path=Path(engines.base_dir) / "gunicorn.log",
        )
        if celery:
            worker = spawn(
                [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool", "solo", "--loglevel", "WARNING"],
                env=env,
                cwd=ROOT,
                log_path=Path(engines.base_dir) / "celery.log",
            )
        endpoint = f"http://127.0.0.1:{port}"
        _wait_for(f"{endpoint}/api/health/live")
        yield endpoint, token, env
    finally:
        stop_processes([p for p in (server, worker) if p is not None], timeout=10)
        engines.stop()
