"""List and search latency with 100,000 seeded deltas: the API vs the same query in raw SQL.

Prints p50 and p95 of each, and their ratio, for a few typical queries (anonymous caller, first page).
"""

import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "client")]
N_DELTAS = int(os.environ.get("BENCH_DELTAS", "100000"))
REPEATS = 30
TASKS = ["sentiment", "topic", "nli", "qa", "ner", "paraphrase"]
TAGS = ["demo", "small", "fast", "english", "multilingual", "distilled", "baseline", "sota"]
DATASETS = ["imdb", "rotten-tomatoes", "bbc-news", "sst2", "mnli", "squad", "conll2003", "tweets"]
WORDS = [
    "sentiment", "topic", "classifier", "lora", "adapter", "tiny", "robust", "fast", "accurate", "news", "movie",
    "review", "tweet",
]  # fmt: skip


def _environment():
    from hub.devstack.harness import start_missing_engines

    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    engines, env = start_missing_engines()
    os.environ.update(env)
    if "DATABASE_URL" not in env:  # an existing server: work in a database of our own
        os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/deltacenter_bench"
    return engines


def _ensure_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def _seed():
    from django.contrib.auth import get_user_model
    from django.db import connection

    from hub.deltas.models import Backbone, Delta

    rng = random.Random(0)
    users = [get_user_model().objects.create_user(f"user{i}") for i in range(200)]
    backbones = [
        Backbone.objects.create(
            content_hash=secrets.token_hex(32),
            structure_hash=secrets.token_hex(32),
            name=f"backbone-{i}",
            num_parameters=10**8,
        )
        for i in range(20)
    ]
    batch = []
    for i in range(N_DELTAS):
        words = rng.sample(WORDS, 3)
        batch.append(
            Delta(
                namespace=users[i % len(users)].namespace,
                name=f"{'-'.join(words)}-{i}",
                delta_type=rng.choice(Delta.DeltaType.values),
                backbone=rng.choice(backbones),
                task=rng.choice(TASKS),
                train_datasets=[rng.choice(DATASETS)],
                tags=rng.sample(TAGS, 2),
                private=rng.random() < 0.1,
                card=" ".join(rng.choices(WORDS, k=30)),
                downloads_count=rng.randint(0, 10**5),
                likes_count=rng.randint(0, 500),
                validation_state="scored" if rng.random() < 0.5 else "unvalidated",
            )
        )
        if len(batch) == 5000:
            Delta.objects.bulk_create(batch)
            batch = []
    Delta.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE deltas_delta d SET search_vector =
              setweight(to_tsvector('simple', n.name || ' ' || d.name || ' ' || d.task || ' ' ||
                                    array_to_string(d.tags, ' ')), 'A') ||
              setweight(to_tsvector('simple', array_to_string(d.train_datasets, ' ')), 'B') ||
              setweight(to_tsvector('simple', d.card), 'C')
            FROM accounts_namespace n WHERE n.id = d.namespace_id""")
        cursor.execute("ANALYZE")


VISIBLE = "d.deleted_at IS NULL AND NOT d.private"
QUERIES = {
    "newest": (
        "/api/deltas",
        f"SELECT d.* FROM deltas_delta d WHERE {VISIBLE} ORDER BY d.created_at DESC, d.id DESC LIMIT 21",
    ),
    "type+task": (
        "/api/deltas?delta_type=lora&task=sentiment",
        f"SELECT d.* FROM deltas_delta d WHERE {VISIBLE} AND d.delta_type='lora' AND upper(d.task)=upper('sentiment') "
        "ORDER BY d.created_at DESC, d.id DESC LIMIT 21",
    ),
    "tag, by downloads": (
        "/api/deltas?tag=sota&sort=downloads",
        f"SELECT d.* FROM deltas_delta d WHERE {VISIBLE} AND d.tags @> ARRAY['sota']::varchar[] "
        "ORDER BY d.downloads_count DESC, d.id DESC LIMIT 21",
    ),
    "full text": (
        "/api/deltas?q=movie%20review",
        f"SELECT d.* FROM deltas_delta d WHERE {VISIBLE} "
        "AND d.search_vector @@ websearch_to_tsquery('simple', 'movie review') "
        "ORDER BY d.created_at DESC, d.id DESC LIMIT 21",
    ),
}


def _percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def _time(action):
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


def main():
    engines = _environment()
    try:
        import django

        django.setup()
        _ensure_database()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        _seed()
        print(f"seeded {N_DELTAS} deltas in {time.perf_counter() - start:.0f} s")
        client = Client()

        def sql(query):
            with connection.cursor() as cursor:
                cursor.execute(query)
                cursor.fetchall()

        print(f"{'query':<20} {'API p50':>9} {'API p95':>9} {'SQL p50':>9} {'SQL p95':>9} {'p50 ratio':>10}")
        for label, (url, raw) in QUERIES.items():
            assert client.get(url).status_code == 200
            api50, api95 = _time(lambda url=url: client.get(url))
            sql50, sql95 = _time(lambda raw=raw: sql(raw))
            print(f"{label:<20} {api50:8.1f}ms {api95:8.1f}ms {sql50:8.1f}ms {sql95:8.1f}ms {api50 / sql50:9.1f}x")
    finally:
        engines.stop()


if __name__ == "__main__":
    main()
