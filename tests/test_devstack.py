"""The embedded engines start, answer, and stop without leaving a process behind."""

import os
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil
import pytest

from hub.devstack.engine import Engine, EngineError, start_engines
from hub.devstack.harness import start_missing_engines
from hub.devstack.local_secrets import load_or_create_secrets
from hub.devstack.ports import free_port
from hub.devstack.postgres import PostgresEngine, postmaster_process
from hub.devstack.processes import spawn, stop_process
from hub.devstack.redis_server import RedisEngine, answers_ping
from hub.devstack.seaweed import SeaweedEngine, s3_client

S3_VARIABLES = SeaweedEngine.provides


def _exited(pid):
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _gone(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not _exited(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class FailingEngine(Engine):
    name = "failing"

    def _start(self):
        raise EngineError("failing did not start")

    def stop(self):
        pass


def test_redis_engine_answers_ping_and_leaves_no_process(tmp_path):
    engine = RedisEngine(tmp_path / "redis", port=free_port(), persistent=False)
    env = engine.start()
    pid = engine.pid
    try:
        assert env == {"CELERY_BROKER_URL": f"redis://127.0.0.1:{engine.port}/0"}
        assert answers_ping(engine.port)
    finally:
        engine.stop()
    assert _gone(pid)


def test_postgres_engine_creates_its_database_and_stops_the_postmaster(tmp_path):
    import dj_database_url
    import psycopg

    engine = PostgresEngine(tmp_path / "postgres", database="hubtest")
    config = dj_database_url.parse(engine.start()["DATABASE_URL"])
    postmaster = postmaster_process(engine.data_dir)
    try:
        with psycopg.connect(host=config["HOST"], user=config["USER"], dbname=config["NAME"]) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("hubtest",)
    finally:
        engine.stop()
    assert _gone(postmaster.pid)
    assert postmaster_process(engine.data_dir) is None


def test_a_failed_start_stops_the_engines_already_running(tmp_path):
    class RecordingRedis(RedisEngine):
        def _start(self):
            env = super()._start()
            self.started_pid = self.pid
            return env

    redis = RecordingRedis(tmp_path / "redis", port=free_port(), persistent=False)

    with pytest.raises(EngineError, match="failing did not start"):
        start_engines([redis, FailingEngine()])

    assert redis.pid is None
    assert _gone(redis.started_pid)


def test_it_starts_only_the_engines_the_environment_lacks():
    environ = {"DATABASE_URL": "postgres://elsewhere/db", **{name: "given" for name in S3_VARIABLES}}
    stack, env = start_missing_engines(environ=environ)
    try:
        assert [engine.name for engine in stack.engines] == ["redis"]
        assert set(env) == {"CELERY_BROKER_URL"}
        pid = stack.engines[0].pid
    finally:
        stack.stop()
    assert _gone(pid)
    assert not stack.base_dir.exists()


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
    assert all(_gone(pid) for pid in members)


def test_secrets_are_created_once_and_reused_with_mode_0600(tmp_path):
    path = tmp_path / "var" / "secrets.json"

    first = load_or_create_secrets(path)
    second = load_or_create_secrets(path)

    assert first == second
    assert set(first) == {"SECRET_KEY", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"}
    assert len(first["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.fixture(scope="module")
def s3_env():
    """The run's S3 when one is configured (the test plugin starts one); otherwise a SeaweedFS of our own."""
    if all(os.environ.get(name) for name in S3_VARIABLES):
        yield {name: os.environ[name] for name in S3_VARIABLES}
        return
    others = {"DATABASE_URL": "postgres://unused/db", "CELERY_BROKER_URL": "redis://unused"}
    stack, env = start_missing_engines(environ=others)
    try:
        yield env
    finally:
        pid = stack.engines[0].pid
        stack.stop()
        assert _gone(pid)


def test_s3_stores_objects_and_rejects_a_tampered_presigned_url(s3_env):
    client = s3_client(s3_env["S3_ENDPOINT_URL"], s3_env["S3_ACCESS_KEY_ID"], s3_env["S3_SECRET_ACCESS_KEY"])
    bucket, key = s3_env["S3_BUCKET"], f"devstack-test/{os.getpid()}"
    client.put_object(Bucket=bucket, Key=key, Body=b"delta bytes")
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"delta bytes"

    url = client.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(urllib.request.Request(tampered, data=b"forged", method="PUT"), timeout=10)

    assert error.value.code == 403
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"delta bytes"
    client.delete_object(Bucket=bucket, Key=key)


def test_the_saved_hub_environment_keeps_only_hub_settings_privately(tmp_path):
    from hub.devstack.saved_env import load_hub_env, save_hub_env, saved_env_path

    save_hub_env(tmp_path, {"SECRET_KEY": "k" * 40, "DATABASE_URL": "postgres://x/y", "HOME": "/root"})
    assert load_hub_env(tmp_path) == {"SECRET_KEY": "k" * 40, "DATABASE_URL": "postgres://x/y"}
    assert stat.S_IMODE(saved_env_path(tmp_path).stat().st_mode) == 0o600
