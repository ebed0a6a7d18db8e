"""Checks behind GET /api/health: one function per component, each returning (ok, detail)."""

from django.db import connection

from hub.core import objectstore

WORKER_PING_TIMEOUT = 1.5


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True, "ok"


def check_broker():
    from hub.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return True, "ok"


def check_object_store():
    objectstore.check_bucket()
    return True, "ok"


def check_workers():
    from hub.celery import app

    replies = app.control.ping(timeout=WORKER_PING_TIMEOUT) or []
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return False, "no worker answered"
    return True, names


CHECKS = {
    "database": check_database,
    "broker": check_broker,
    "object_store": check_object_store,
    "workers": check_workers,
}


def run_checks(checks=None):
    """Run every check; a check that raises is reported down with the error, never crashes the endpoint."""
    report = {}
    for name, check in (checks or CHECKS).items():
        try:
            ok, detail = check()
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        report[name] = {"ok": ok, "detail": detail}
    return report
