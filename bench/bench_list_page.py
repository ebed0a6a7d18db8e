"""Server time and SQL queries of the browse page over a million deltas, against the same page over 10,000.

    python bench/bench_list_page.py [--deltas 1000000] [--repeats 40] [--shared-buffers 2GB] [--no-plans]

Starts a throwaway Postgres (or uses databases of its own on the server DATABASE_URL names), seeds two
catalogues in bulk, 10,000 deltas and --deltas (default 100,000), and renders `/` through Django's test
client for several filters, sorts, searches and a page deep in the listing, as an anonymous visitor and as a
signed-in owner (whose private deltas count for them), on both catalogues by turns. Prints p50 and p95 server
time of each page on both, their ratio, and the SQL query count; then EXPLAIN ANALYZE of each page's listing
queries on the large catalogue.

Targets at a million deltas: p95 under 100 ms, and at most twice the same page over 10,000. The page must
issue the same number of queries at every page size and catalogue size: the script exits with status 1
otherwise.
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
    ("type + scored", "delta_type=lora&validation=scored"),
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


class Viewers:
    """The anonymous and the signed-in client of one catalogue, and each page's address there."""

    def __init__(self, catalogue_):
        from django.contrib.auth.models import AnonymousUser
        from django.test import Client

        catalogue_.use()
        owner = catalogue_.users[0]
        signed_in = Client()
        signed_in.force_login(owner)  # the session lives in this catalogue's database
        self.clients = {"anonymous": (Client(), AnonymousUser()), "owner": (signed_in, owner)}
        self.urls = {who: self._urls(user) for who, (_, user) in self.clients.items()}

    @staticmethod
    def _urls(user):
        """Each page's address; the deep ones start halfway down the catalogue."""
        cursors = {sort: catalogue.deep_cursor(sort, 0.5, user) for sort in ("recent", "downloads")}
        return {label: "/?" + query.format(**cursors) for label, query in PAGES}

    def getter(self, who, label, per_page=None):
        client, url = self.clients[who][0], self.urls[who][label]
        url = f"{url}&per_page={per_page}" if per_page else url

        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get


def query_counts(catalogues, viewers, who, label):
    """The page's query count at page sizes 12 and 96, on each catalogue."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for catalogue_, views in zip(catalogues, viewers, strict=True):
        catalogue_.use()
        for per_page in (12, 96):
            get = views.getter(who, label, per_page)
            get()
            with CaptureQueriesContext(connection) as captured:
                get()
            counts.append(len(captured))
    return counts


def measure(catalogues, viewers, repeats):
    head = f"{'10k p50':>8} {'10k p95':>8} {'p50':>8} {'p95':>8} {'p50 x':>6} {'p95 x':>6}"
    print(f"\n{'viewer':<10} {'page':<20} {head}  queries", flush=True)
    ok, missed = True, []
    for who in ("anonymous", "owner"):
        for label, _ in PAGES:
            actions = [(c, v.getter(who, label)) for c, v in zip(catalogues, viewers, strict=True)]
            (b50, b95), (p50, p95) = catalogue.by_turns(actions, repeats)
            counts = query_counts(catalogues, viewers, who, label)
            flags = []
            if p95 >= TARGET_MS:
                flags.append(f"p95 >= {TARGET_MS} ms")
            if p95 / b95 > TARGET_RATIO:
                flags.append(f"p95 > {TARGET_RATIO}x the page over {BASELINE:,}")
            if len(set(counts)) != 1:
                ok = False
                flags.append(f"queries vary with page or catalogue size: {counts}")
            print(
                f"{who:<10} {label:<20} {b50:8.1f} {b95:8.1f} {p50:8.1f} {p95:8.1f} {p50 / b50:6.2f} {p95 / b95:6.2f}"
                f"  {counts[-1]:>3}  {'; '.join(flags)}",
                flush=True,
            )
            missed += [f"{who} {label}: {flag}" for flag in flags]
    print(f"\n(times in ms at {catalogues[1]}; ratios against the same page at {catalogues[0]})")
    print("targets met" if not missed else "missed:\n  " + "\n  ".join(missed))
    return ok


def plans(catalogue_, views):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    catalogue_.use()
    for who in views.clients:
        for label, _ in PAGES:
            with CaptureQueriesContext(connection) as captured:
                views.getter(who, label)()
            print(f"\n== {who}, {label}: {views.urls[who][label][:80]}")
            catalogue.explain(captured)


def run(size, repeats, show_plans):
    import django

    django.setup()
    print(catalogue.server_settings(), flush=True)
    catalogues = [catalogue.Catalogue(BASELINE), catalogue.Catalogue(size)]
    try:
        viewers = [Viewers(c) for c in catalogues]
        ok = measure(catalogues, viewers, repeats)
        if show_plans:
            plans(catalogues[1], viewers[1])
    finally:
        for c in catalogues:
            c.drop()
    return ok


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
    warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected for a bench
    base_dir = Path(tempfile.mkdtemp(prefix="bench-list-"))
    stack = catalogue.start_server(base_dir, args.shared_buffers)
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
