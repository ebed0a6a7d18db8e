"""GET /api/deltas against the same SQL run raw, at 10,000 deltas and at --deltas (default 100,000).

    python bench/bench_list_api.py [--deltas 1000000] [--repeats 30] [--shared-buffers 2GB] [--no-plans]

Starts a throwaway Postgres (or uses a database of its own on the server DATABASE_URL names), seeds 10,000
deltas in bulk, and times a few typical listings through Django's test client, anonymous and with a bearer
token, next to the listing's own SQL statement (captured from the request) executed alone. Then it grows the
catalogue to --deltas and measures again. Prints p50 and p95 of each, the API's p50 against the raw SQL's,
and each API figure against the same listing at 10,000 deltas; then EXPLAIN ANALYZE of each listing query.

Targets at a million deltas: API p95 under 100 ms, at most twice the 10,000-delta figure, and API p50 at most
five times the raw SQL's.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from bench import catalogue  # noqa: E402

BASELINE = 10_000
LISTINGS = (
    ("newest", ""),
    ("type + task", "delta_type=lora&task=sentiment"),
    ("tag, by downloads", "tag=english&sort=downloads"),
    ("full text", "q=movie review"),
    ("author", "author=owner7"),
    ("halfway down", "cursor={recent}"),
)
TARGET_MS, TARGET_RATIO, TARGET_SQL_RATIO = 100, 2, 5


def listing_sql(client, url):
    """The statement that selects the listing's rows, as the API ran it for `url`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    [sql] = [q["sql"] for q in captured if q["sql"].startswith('SELECT "deltas_delta"."id"')]
    return sql


def run_sql(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.fetchall()


def measure(clients, repeats):
    """(viewer, listing) -> (API p50, p95, SQL p50, p95, the SQL)."""
    results = {}
    for who, (client, user) in clients.items():
        cursors = {"recent": catalogue.deep_cursor("recent", 0.5, user)}
        for label, query in LISTINGS:
            url = "/api/deltas?" + query.format(**cursors)

            def get(client=client, url=url):
                assert client.get(url).status_code == 200

            sql = listing_sql(client, url)
            api, raw = catalogue.timed(get, repeats), catalogue.timed(lambda sql=sql: run_sql(sql), repeats)
            results[(who, label)] = (*api, *raw, sql)
    return results


def report(size, baseline, large):
    print(
        f"\n{'viewer':<10} {'listing':<18} {'10k p50':>8} {'10k p95':>8} {'API p50':>8} {'API p95':>8}"
        f" {'SQL p50':>8} {'SQL p95':>8} {'vs SQL':>7} {'p50 x':>6} {'p95 x':>6}"
    )
    missed = []
    for key, (p50, p95, sql50, sql95, _) in large.items():
        b50, b95 = baseline[key][:2]
        flags = []
        if p95 >= TARGET_MS:
            flags.append(f"p95 >= {TARGET_MS} ms")
        if p95 / b95 > TARGET_RATIO:
            flags.append(f"p95 > {TARGET_RATIO}x the 10k listing")
        if p50 / sql50 > TARGET_SQL_RATIO:
            flags.append(f"p50 > {TARGET_SQL_RATIO}x the raw SQL")
        print(
            f"{key[0]:<10} {key[1]:<18} {b50:8.1f} {b95:8.1f} {p50:8.1f} {p95:8.1f} {sql50:8.1f} {sql95:8.1f}"
            f" {p50 / sql50:6.1f}x {p50 / b50:6.2f} {p95 / b95:6.2f}  {'; '.join(flags)}"
        )
        missed += [f"{key[0]} {key[1]}: {flag}" for flag in flags]
    print(f"\n(times in ms at {size:,} deltas; the last two columns against the same listing at {BASELINE:,})")
    print("targets met" if not missed else "missed:\n  " + "\n  ".join(missed))


def plans(large):
    from django.db import connection

    for (who, label), (*_, sql) in large.items():
        print(f"\n== {who}, {label}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
            print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))


def run(size, repeats, show_plans):
    catalogue.setup_django()
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client

    from hub.accounts.tokens import create_token

    users, backbones = catalogue.seed_catalogue()
    _, secret = create_token(users[0], "bench", ["read"])
    clients = {
        "anonymous": (Client(), AnonymousUser()),
        "token": (Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), users[0]),
    }
    catalogue.grow(users, backbones, 0, BASELINE)
    baseline = measure(clients, repeats)
    catalogue.grow(users, backbones, BASELINE, size)
    large = measure(clients, repeats)
    report(size, baseline, large)
    if show_plans:
        plans(large)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--shared-buffers", default="2GB", help="the throwaway Postgres's cache (default 2GB; its own default: 128MB)"
    )
    parser.add_argument("--no-plans", dest="plans", action="store_false", help="leave out the EXPLAIN ANALYZE output")
    args = parser.parse_args()
    catalogue.configure(os.environ)
    base_dir = Path(tempfile.mkdtemp(prefix="bench-list-api-"))
    stack = catalogue.start_database(base_dir, args.shared_buffers)
    try:
        run(max(args.deltas, BASELINE), args.repeats, args.plans)
    finally:
        if stack is not None:
            stack.stop()
        shutil.rmtree(base_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
