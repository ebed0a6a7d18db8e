"""GET /api/deltas over a million deltas, against the same SQL run raw and the same listing over 10,000.

    python bench/bench_list_api.py [--deltas 1000000] [--repeats 40] [--shared-buffers 2GB] [--no-plans]

Starts a throwaway Postgres (or uses databases of its own on the server DATABASE_URL names), seeds two
catalogues in bulk, 10,000 deltas and --deltas (default 100,000), and times a few typical listings through
Django's test client, anonymous and with a bearer token, on both catalogues by turns, next to the listing's
own SQL statement (captured from the request) executed alone. Prints p50 and p95 of each, the API's p50
against the raw SQL's, and the API's figures against the same listing over 10,000 deltas; then EXPLAIN
ANALYZE of each listing's statement on the large catalogue.

Targets at a million deltas: API p95 under 100 ms, at most twice the same listing over 10,000, and API p50
at most five times the raw SQL's.
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


class Callers:
    """The anonymous and the token-bearing client of one catalogue, and each listing's address and SQL there."""

    def __init__(self, catalogue_):
        from django.contrib.auth.models import AnonymousUser
        from django.test import Client

        from hub.accounts.tokens import create_token

        catalogue_.use()
        owner = catalogue_.users[0]
        _, secret = create_token(owner, "bench", ["read"])
        self.clients = {
            "anonymous": (Client(), AnonymousUser()),
            "token": (Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), owner),
        }
        self.urls, self.sql = {}, {}
        for who, (client, user) in self.clients.items():
            cursors = {"recent": catalogue.deep_cursor("recent", 0.5, user)}
            for label, query in LISTINGS:
                url = "/api/deltas?" + query.format(**cursors)
                self.urls[who, label] = url
                self.sql[who, label] = listing_sql(client, url)

    def getter(self, who, label):
        client, url = self.clients[who][0], self.urls[who, label]

        def get():
            assert client.get(url).status_code == 200, url

        return get

    def raw(self, who, label):
        return lambda: run_sql(self.sql[who, label])


def listing_sql(client, url):
    """The statement that selects the listing's rows, as the API ran it for `url`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hub.deltas.listing_query import PAGE_SELECT

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    [sql] = [q["sql"] for q in captured if q["sql"].startswith(PAGE_SELECT)]
    return sql


def run_sql(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.fetchall()


def measure(catalogues, callers, repeats):
    (small, large), (base, big) = catalogues, callers
    print(
        f"\n{'caller':<10} {'listing':<18} {'10k p50':>8} {'10k p95':>8} {'API p50':>8} {'API p95':>8}"
        f" {'SQL p50':>8} {'SQL p95':>8} {'vs SQL':>7} {'p50 x':>6} {'p95 x':>6}",
        flush=True,
    )
    missed = []
    for who in ("anonymous", "token"):
        for label, _ in LISTINGS:
            actions = [(small, base.getter(who, label)), (large, big.getter(who, label)), (large, big.raw(who, label))]
            (b50, b95), (p50, p95), (sql50, sql95) = catalogue.by_turns(actions, repeats)
            flags = []
            if p95 >= TARGET_MS:
                flags.append(f"p95 >= {TARGET_MS} ms")
            if p95 / b95 > TARGET_RATIO:
                flags.append(f"p95 > {TARGET_RATIO}x the listing over {BASELINE:,}")
            if p50 / sql50 > TARGET_SQL_RATIO:
                flags.append(f"p50 > {TARGET_SQL_RATIO}x the raw SQL")
            print(
                f"{who:<10} {label:<18} {b50:8.1f} {b95:8.1f} {p50:8.1f} {p95:8.1f} {sql50:8.1f} {sql95:8.1f}"
                f" {p50 / sql50:6.1f}x {p50 / b50:6.2f} {p95 / b95:6.2f}  {'; '.join(flags)}",
                flush=True,
            )
            missed += [f"{who} {label}: {flag}" for flag in flags]
    print(f"\n(times in ms at {large}; the last two columns against the same listing at {small})")
    print("targets met" if not missed else "missed:\n  " + "\n  ".join(missed))


def plans(catalogue_, callers):
    from django.db import connection

    catalogue_.use()
    for (who, label), sql in callers.sql.items():
        print(f"\n== {who}, {label}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
            print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))


def run(size, repeats, show_plans):
    import django

    django.setup()
    print(catalogue.server_settings(), flush=True)
    catalogues = [catalogue.Catalogue(BASELINE), catalogue.Catalogue(size)]
    try:
        callers = [Callers(c) for c in catalogues]
        measure(catalogues, callers, repeats)
        if show_plans:
            plans(catalogues[1], callers[1])
    finally:
        for c in catalogues:
            c.drop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument(
        "--shared-buffers", default="2GB", help="the throwaway Postgres's cache (default 2GB; its own default: 128MB)"
    )
    parser.add_argument("--no-plans", dest="plans", action="store_false", help="leave out the EXPLAIN ANALYZE output")
    args = parser.parse_args()
    catalogue.configure(os.environ)
    base_dir = Path(tempfile.mkdtemp(prefix="bench-list-api-"))
    stack = catalogue.start_server(base_dir, args.shared_buffers)
    try:
        run(max(args.deltas, BASELINE), args.repeats, args.plans)
    finally:
        if stack is not None:
            stack.stop()
        shutil.rmtree(base_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
