"""The embedded engines start, answer, and stop without leaving a process behind."""

import os
import urllib.error
import urllib.request

import pytest

from hub.devstack.engine import Engine, EngineError, start_engines
from hub.devstack.harness import start_missing_engines
from hub.devstack.ports import free_port
from hub.devstack.postgres import PostgresEngine, postmaster_process
from hub.devstack.redis_server import RedisEngine, answers_ping
from hub.devstack.seaweed import SeaweedEngine, s3_client
from tests.processes import gone

S3_VARIABLES = SeaweedEngine.provides


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
    assert gone(pid)


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
    assert gone(postmaster.pid)
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
    assert gone(redis.started_pid)


def test_it_starts_only_the_engines_the_environment_lacks():
    environ = {"DATABASE_URL": "postgres://elsewhere/db", **{name: "given" for name in S3_VARIABLES}}
    stack, env = start_missing_engines(environ=environ)
    try:
        assert [engine.name for engine in stack.engines] == ["redis"]
        assert set(env) == {"CELERY_BROKER_URL"}
        pid = stack.engines[0].pid
    finally:
        stack.stop()
    assert gone(pid)
    assert not stack.base_dir.exists()


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
        assert gone(pid)


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
