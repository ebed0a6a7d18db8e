import pytest
from django.test import override_settings

from hub.core import objectstore

pytestmark = pytest.mark.django_db


def test_health_reports_every_component_up_with_a_live_worker(client, celery_worker):
    response = client.get("/api/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "broker", "object_store", "workers"}
    assert celery_worker in body["components"]["workers"]["detail"]


def test_health_is_503_when_the_object_store_is_down(client):
    objectstore.client.cache_clear()
    try:
        with override_settings(S3_ENDPOINT_URL="http://127.0.0.1:9"):
            response = client.get("/api/health")
    finally:
        objectstore.client.cache_clear()
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["components"]["object_store"]["ok"] is False
    assert body["components"]["database"]["ok"] is True
