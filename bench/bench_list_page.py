"""Server time and SQL queries of the browse page over 100,000 deltas.

    python bench/bench_list_page.py [--deltas 100000] [--repeats 10]

Starts a throwaway Postgres (unless DATABASE_URL is set), migrates, seeds the deltas with varied backbones,
types, tasks, datasets, tags and licences, then renders `/` through Django's test client for several filter
and sort combinations at page sizes 12 to 96, as an anonymous visitor and as a signed-in owner. Prints p50
and p95 server time and the SQL query count of each. The page must issue the same number of queries at every
page size (facets and cards never query per row): the script exits with status 1 otherwise.
"""

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "client")]

QUERIES = (
    "",
    "sort=downloads",
    "task=sentiment",
    "tag=english&sort=likes",
    "delta_type=lora&validation=scored",
    "dataset=sst2&sort=score",
    "q=lora",
    "page=50",
)
TASKS = ("sentiment", "topics", "nli", "qa", "paraphrase", "ner", "summarisation", "")
TAGS = ("english", "small", "multilingual", "distilled", "legal", "medical", "code", "chat")
DATASETS = ("sst2", "imdb", "bbc", "mnli", "squad", "conll", "xsum", "tweets")
LICENSES = ("mit", "apache-2.0", "cc-by-4.0", "")
TYPES = ("lora", "adapter", "prefix", "prompt", "bitfit", "ia3", "compacter", "other")


def configure(environ):
    environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    environ.setdefault("ALLOWED_HOSTS", "testserver")
    # The page never touches S3 or the broker; settings only need well-formed addresses.
    for name, value in (
        ("S3_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("S3_BUCKET", "bench"),
        ("S3_ACCESS_KEY_ID", "bench"),
        ("S3_SECRET_ACCESS_KEY", "bench"),
        ("CELERY_BROKER_URL", "redis://127.0.0.1:9/0"),
    ):
        environ.setdefault(name, value)
    environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")


def start_database(base_dir):
    from hub.devstack.engine import start_engines
    from hub.devstack.postgres import PostgresEngine

    stack = start_engines([PostgresEngine(base_dir / "postgres")])
    os.environ.update(stack.env)
    return stack


def seed(count):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from hub.deltas.models import Backbone, Delta

    owner = get_user_model().objects.create_user("bench", password="bench-password-1")
    other = get_user_model().objects.create_user("other", password="bench-password-1")
    backbones = [
        Backbone.objects.create(
            content_hash=f"{i:064x}", structure_hash=f"{i:064x}", name=f"backbone-{i}", num_parameters=10**8
        )
        for i in range(1, 9)
    ]
    namespaces = [owner.namespace, other.namespace]
    batch = []
    for i in range(count):
        batch.append(
            Delta(
                namespace=namespaces[i % 2],
                name=f"{TYPES[i % 8]}-{i}",
                delta_type=TYPES[i % 8],
                backbone=backbones[(i // 3) % 8],
                task=TASKS[(i // 7) % 8],
                tags=[TAGS[i % 8], TAGS[(i // 5) % 8]],
                train_datasets=[DATASETS[(i // 11) % 8]],
                test_datasets=[DATASETS[(i // 13) % 8]],
                license=LICENSES[i % 4],
                private=i % 10 == 0,
                downloads_count=(i * 7919) % 100_000,
                likes_count=(i * 104_729) % 5000,
                validation_state="scored" if i % 3 == 0 else "unvalidated",
                verified_score=((i * 31) % 1000) / 1000 if i % 3 == 0 else None,
                verified_rank=((i * 31) % 1000) / 1000 if i % 3 == 0 else None,
            )
        )
        if len(batch) == 5000:
            Delta.objects.bulk_create(batch)
            batch = []
    Delta.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        words = "replace(name, '-', ' ') || ' ' || task"
        cursor.execute(f"UPDATE deltas_delta SET search_vector = to_tsvector('simple', {words})")
        cursor.execute("ANALYZE")
    return owner


def measure(client, query, per_page, repeats):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/?{query}&per_page={per_page}" if query else f"/?per_page={per_page}"
    client.get(url)  # warm caches and connections
    timings, queries = [], set()
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured))
    return timings, queries


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def show_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    print(f"queries for {url}:")
    for query in captured:
        print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:110]}")


def run(count, repeats, queries_too=False):
    import django
    from django.core.management import call_command
    from django.test import Client

    django.setup()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    owner = seed(count)
    print(f"seeded {count} deltas in {time.perf_counter() - started:.1f} s")
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(owner)
    if queries_too:
        show_queries(anonymous, "/")
        show_queries(signed_in, "/")
    from hub.web.browse import PAGE_SIZES  # the sizes the page accepts; any other falls back to the default

    ok = True
    print(f"{'who':<10} {'query':<32} {'per_page':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for who, client in (("anonymous", anonymous), ("owner", signed_in)):
        for query in QUERIES:
            counts = set()
            for per_page in PAGE_SIZES:
                timings, queries = measure(client, query, per_page, repeats)
                counts |= queries
                print(
                    f"{who:<10} {query or '(none)':<32} {per_page:>8} {percentile(timings, 0.5) * 1000:>8.1f}"
                    f" {percentile(timings, 0.95) * 1000:>8.1f} {'/'.join(map(str, sorted(queries))):>8}"
                )
            if len(counts) != 1:
                ok = False
                print(f"  FAIL: query count changes with page size: {sorted(counts)}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--show-queries", action="store_true", help="print each SQL query's time for one page")
    args = parser.parse_args()
    configure(os.environ)
    warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected for a bench
    base_dir = Path(tempfile.mkdtemp(prefix="bench-list-"))
    stack = None if os.environ.get("DATABASE_URL") else start_database(base_dir)
    try:
        ok = run(args.deltas, args.repeats, args.show_queries)
    finally:
        if stack is not None:
            stack.stop()
        shutil.rmtree(base_dir, ignore_errors=True)
    print("OK: constant queries per page size" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
