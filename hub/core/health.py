"""Readiness checks behind GET /api/health: one function per component, each bounded in time.

The report is cached for a few seconds and computed by one request at a time, so however many clients ask, the
components are probed at most once per period, and an anonymous request reads a cached value.
"""

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from hub.core import objectstore

CACHE_KEY = "health:report"
LOCK_KEY = "health:probing"
CACHE_SECONDS = 5
PROBE_SECONDS = 1.5


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True, "ok"


def check_broker():
    from hub.celery import app

    url = settings.CELERY_BROKER_URL
    if url.startswith("redis"):
        redis.Redis.from_url(url, socket_connect_timeout=PROBE_SECONDS, socket_timeout=PROBE_SECONDS).ping()
        return True, "ok"
    with app.connection_for_write(connect_timeout=PROBE_SECONDS) as conn:
        conn.ensure_connection(max_retries=0, timeout=PROBE_SECONDS)
    return True, "ok"


def check_object_store():
    objectstore.check_bucket(timeout=PROBE_SECONDS)
    return True, "ok"


def run_checks(checks: dict[str, Callable]) -> dict:
    """Run every check; one that raises is reported down with its error, never crashes the endpoint."""
    report = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            ok, detail = check()
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        report[name] = {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return report


def cached_report(checks: dict[str, Callable]) -> dict:
    """The newest report: probed again when older than CACHE_SECONDS, by whichever request takes the lock."""
    try:
        report = cache.get(CACHE_KEY)
        if report is not None and report["at"] > time.time() - CACHE_SECONDS:
            return report
        if report is not None and not cache.add(LOCK_KEY, 1, timeout=int(PROBE_SECONDS * len(checks)) + 1):
            return report  # another request is probing: this one answers with the last report
    except redis.RedisError:
        return {"at": time.time(), "components": run_checks(checks)}  # the cache (Redis) is down: probe directly
    report = {"at": time.time(), "components": run_checks(checks)}
    try:
        cache.set(CACHE_KEY, report, timeout=CACHE_SECONDS * 60)
        cache.delete(LOCK_KEY)
    except redis.RedisError:
        pass
    return report
