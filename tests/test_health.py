"""Liveness answers from the process alone; readiness probes each component at most once every few seconds."""

import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from hub.core import health, objectstore

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_report():
    cache.delete(health.CACHE_KEY)
    cache.delete(health.LOCK_KEY)
    yield
    cache.delete(health.CACHE_KEY)


def _ready(client, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/api/health")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        cache.delete(health.CACHE_KEY)
        time.sleep(0.5)


def test_liveness_answers_without_touching_any_service(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_health_reports_every_component_up_with_a_live_worker(client, celery_worker):
    response = _ready(client)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "broker", "object_store", "workers"}
    assert celery_worker in body["components"]["workers"]["detail"]


def test_the_report_is_reused_for_a_few_seconds(client, monkeypatch):
    probes = []

    def counted():
        probes.append(1)
        return True, "ok"

    checks = {"thing": counted}
    for _ in range(5):
        health.cached_report(checks)
    assert len(probes) == 1
    monkeypatch.setattr(health, "CACHE_SECONDS", 0)
    health.cached_report(checks)
    assert len(probes) == 2


def test_health_is_503_when_the_object_store_is_down(client):
    objectstore.client.cache_clear()
    try:
        with override_settings(S3_ENDPOINT_URL="http://127.0.0.1:9"):
            started = time.monotonic()
            response = client.get("/api/health")
            elapsed = time.monotonic() - started
    finally:
        objectstore.client.cache_clear()
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["components"]["object_store"]["ok"] is False
    assert body["components"]["database"]["ok"] is True
    assert elapsed < 2 * health.PROBE_SECONDS + 1, "a component that is down does not hold the request long"


def test_probes_ignore_tokens_and_sessions_and_run_no_query(client, django_assert_num_queries):
    """A wrong token changes nothing, no cookie is set, no query runs (the bench measures what a storm costs)."""
    health.cached_report({"database": lambda: (True, "ok")})  # a report in the cache, as a probe storm finds it
    with django_assert_num_queries(0):
        live = client.get("/api/health/live", HTTP_AUTHORIZATION="Bearer dc_not-a-token")
        ready = client.get("/api/health", HTTP_AUTHORIZATION="Bearer dc_not-a-token")
    assert live.status_code == 200 and "Set-Cookie" not in live.headers
    assert ready.status_code == 200 and set(ready.json()["components"]) == {"database"}  # the cached report
    assert client.post("/api/health/live").status_code == 405  # other methods still go through the stack
