"""Server time and SQL queries of the browse page, at 10,000 deltas and at --deltas (default 100,000).

    python bench/bench_list_page.py [--deltas 1000000] [--repeats 20] [--shared-buffers 2GB] [--no-plans]

Starts a throwaway Postgres (or uses a database of its own on the server DATABASE_URL names), migrates, seeds
10,000 deltas in bulk and renders `/` through Django's test client for several filters, sorts, searches and a
page deep in the listing, as an anonymous visitor and as a signed-in owner (whose private deltas count for
them). Then it grows the catalogue to --deltas and measures again. Prints p50 and p95 server time of each
page at both sizes, their ratio, and the SQL query count, then EXPLAIN ANALYZE of each page's listing queries.

Targets at a million deltas: p95 under 100 ms, and at most twice the same page at 10,000. The page must issue
the same number of queries at every page size: the script exits with status 1 otherwise.
"""

import argparse
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from bench import catalogue  # noqa: E402

BASELINE = 10_000
PAGES = (
    ("front page", ""),
    ("by downloads", "sort=downloads"),
    ("task", "task=sentiment"),
    ("tag, by likes", "tag=english&sort=likes"),
    ("type + verified", "delta_type=lora&validated=true"),
    ("dataset, by score", "dataset=sst2&sort=score"),
    ("author", "author=owner7"),
    ("backbone + licence", "backbone=backbone-3&license=mit"),
    ("search", "q=lora"),
    ("search, 2 words", "q=movie review"),
    ("name prefix", "q=lora-movie"),
    ("halfway down", "cursor={recent}"),
    ("halfway, downloads", "sort=downloads&cursor={downloads}"),
)
TARGET_MS, TARGET_RATIO = 100, 2


def urls(user):
    """Each page's address; the deep ones start halfway down the catalogue as it is now."""
    cursors = {sort: catalogue.deep_cursor(sort, 0.5, user) for sort in ("recent", "downloads")}
    return {label: "/?" + query.format(**cursors) for label, query in PAGES}


def measure(client, user, repeats):
    """label -> (p50, p95, query counts at page sizes 12 and 96)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    for label, url in urls(user).items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        p50, p95 = catalogue.timed(get, repeats)
        counts = []
        for per_page in (12, 96):
            with CaptureQueriesContext(connection) as captured:
                client.get(f"{url}&per_page={per_page}")
            counts.append(len(captured))
        results[label] = (p50, p95, counts)
    return results


def report(size, baseline, large):
    head = f"{'10k p50':>8} {'10k p95':>8} {'p50':>8} {'p95':>8} {'p50 x':>6} {'p95 x':>6}"
    print(f"\n{'viewer':<10} {'page':<20} {head}  queries")
    ok, missed = True, []
    for who in baseline:
        for label, (p50, p95, counts) in large[who].items():
            b50, b95, base_counts = baseline[who][label]
            flags = []
            if p95 >= TARGET_MS:
                flags.append(f"p95 >= {TARGET_MS} ms")
            if p95 / b95 > TARGET_RATIO:
                flags.append(f"p95 > {TARGET_RATIO}x the 10k page")
            if len(set(counts + base_counts)) != 1:
                ok = False
                flags.append(f"queries vary with page size or catalogue: {base_counts} / {counts}")
            print(
                f"{who:<10} {label:<20} {b50:8.1f} {b95:8.1f} {p50:8.1f} {p95:8.1f} {p50 / b50:6.2f} {p95 / b95:6.2f}"
                f"  {counts[0]:>3}  {'; '.join(flags)}"
            )
            missed += [f"{who} {label}: {flag}" for flag in flags]
    print(f"\n(times in ms at {size:,} deltas; ratios against the same page at {BASELINE:,})")
    print("targets met" if not missed else "missed:\n  " + "\n  ".join(missed))
    return ok


def plans(clients):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for who, (client, user) in clients.items():
        for label, url in urls(user).items():
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            print(f"\n== {who}, {label}: {url[:80]}")
            catalogue.explain(captured)


def run(size, repeats, show_plans):
    catalogue.setup_django()
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client

    users, backbones = catalogue.seed_catalogue()
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(users[0])
    clients = {"anonymous": (anonymous, AnonymousUser()), "owner": (signed_in, users[0])}
    catalogue.grow(users, backbones, 0, BASELINE)
    baseline = {who: measure(client, user, repeats) for who, (client, user) in clients.items()}
    catalogue.grow(users, backbones, BASELINE, size)
    large = {who: measure(client, user, repeats) for who, (client, user) in clients.items()}
    ok = report(size, baseline, large)
    if show_plans:
        plans(clients)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--shared-buffers", default="2GB", help="the throwaway Postgres's cache (default 2GB; its own default: 128MB)"
    )
    parser.add_argument("--no-plans", dest="plans", action="store_false", help="leave out the EXPLAIN ANALYZE output")
    args = parser.parse_args()
    catalogue.configure(os.environ)
    warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected for a bench
    base_dir = Path(tempfile.mkdtemp(prefix="bench-list-"))
    stack = catalogue.start_database(base_dir, args.shared_buffers)
    try:
        ok = run(max(args.deltas, BASELINE), args.repeats, args.plans)
    finally:
        if stack is not None:
            stack.stop()
        shutil.rmtree(base_dir, ignore_errors=True)
    print("OK: constant queries per page" if ok else "FAILED: the query count changes")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
