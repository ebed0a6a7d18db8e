"""The listing benchmarks' catalogue: a throwaway database, deltas in bulk, timings and query plans.

Deltas are seeded by one INSERT ... SELECT over generate_series (a million in about two minutes). Every value
is a function of the row number, so two runs seed the same catalogue. The rows go through the same triggers
as any push (the facet counts follow them) and carry the search vector the hub would compute.
"""

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "client")]

TASKS = ("sentiment", "topics", "nli", "qa", "paraphrase", "ner", "summarisation", "")
TAGS = ("english", "small", "multilingual", "distilled", "legal", "medical", "code", "chat")
DATASETS = ("sst2", "imdb", "bbc", "mnli", "squad", "conll", "xsum", "tweets")
LICENSES = ("mit", "apache-2.0", "cc-by-4.0", "")
TYPES = ("lora", "adapter", "prefix", "prompt", "bitfit", "ia3", "compacter", "other")
WORDS = (
    "sentiment", "topic", "classifier", "tiny", "robust", "fast", "accurate", "news", "movie", "review",
    "tweet", "legal", "medical",
)  # fmt: skip
OWNERS = 200  # namespaces; the signed-in viewer owns the first: 1/200 of the deltas, a tenth of them private


def _array(values):
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]::text[]"


def _pick(values, index_sql):
    return f"({_array(values)})[1 + ({index_sql}) %% {len(values)}]"


INSERT_SQL = f"""
INSERT INTO deltas_delta (
    namespace_id, name, delta_type, backbone_id, task, train_datasets, test_datasets, tags, dict_tags, license,
    private, card, likes_count, downloads_count, created_at, updated_at, validated, verified_score, search_vector)
SELECT s.namespace_id, s.name, s.delta_type, s.backbone_id, s.task, s.train, s.test, s.tags, '{{}}'::jsonb,
       s.license, s.private, s.card, s.likes, s.downloads, s.created_at,
       s.created_at + (i %% 1000) * interval '1 minute', s.validated, s.score,
       setweight(to_tsvector('simple', concat_ws(' ', n.name, s.name, s.task, array_to_string(s.tags, ' '))), 'A')
       || setweight(to_tsvector('simple', array_to_string(s.train || s.test, ' ')), 'B')
       || setweight(to_tsvector('simple', s.card), 'C')
FROM (
    SELECT i,
        (%(namespaces)s::bigint[])[1 + i %% {OWNERS}] AS namespace_id,
        {_pick(TYPES, "i")} || '-' || {_pick(WORDS, "i / 3")} || '-' || {_pick(WORDS, "i / 41")} || '-' || i AS name,
        {_pick(TYPES, "i")} AS delta_type,
        (%(backbones)s::bigint[])[1 + (i / 3) %% array_length(%(backbones)s::bigint[], 1)] AS backbone_id,
        {_pick(TASKS, "i / 7")} AS task,
        ARRAY[{_pick(DATASETS, "i / 11")}] AS train,
        ARRAY[{_pick(DATASETS, "i / 13")}] AS test,
        ARRAY[{_pick(TAGS, "i")}, {_pick(TAGS, "i / 5")}] AS tags,
        {_pick(LICENSES, "i")} AS license,
        (i / 200) %% 10 = 0 AS private,
        'Trained for ' || {_pick(TASKS, "i / 7")} || ' on ' || {_pick(DATASETS, "i / 11")} || '. A '
            || {_pick(WORDS, "i / 17")} || ' ' || {_pick(WORDS, "i / 19")} || ' ' || {_pick(WORDS, "i / 23")}
            || ' delta.' AS card,
        (i * 104729) %% 5000 AS likes,
        (i * 7919) %% 100000 AS downloads,
        timestamptz '2024-01-01' + i * interval '1 second' AS created_at,
        i %% 3 = 0 AS validated,
        CASE WHEN i %% 3 = 0 THEN ((i * 31) %% 1000) / 1000.0 END AS score
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS i
) AS s JOIN accounts_namespace n ON n.id = s.namespace_id
"""


def seed_catalogue(backbones=8):
    """The owners (users with namespaces) and backbones the deltas refer to; returns (users, backbone ids)."""
    from django.contrib.auth import get_user_model

    from hub.deltas.models import Backbone

    User = get_user_model()
    users = [User.objects.create_user(f"owner{i}") for i in range(OWNERS)]  # signed in with force_login
    ids = [
        Backbone.objects.create(
            content_hash=f"{i:064x}", structure_hash=f"{i:064x}", name=f"backbone-{i}", num_parameters=10**8
        ).pk
        for i in range(1, backbones + 1)
    ]
    return users, ids


def seed_deltas(users, backbones, start, stop, batch=250_000):
    """Insert deltas number `start` to `stop - 1`, then vacuum and analyze as a settled database would be."""
    from django.db import connection

    namespaces = [user.namespace.pk for user in users]
    with connection.cursor() as cursor:
        for first in range(start, stop, batch):
            params = {
                "namespaces": namespaces,
                "backbones": backbones,
                "start": first,
                "stop": min(stop, first + batch),
            }
            cursor.execute(INSERT_SQL, params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE deltas_delta")
        cursor.execute("VACUUM ANALYZE deltas_facetcount")


def configure(environ):
    """Settings for a hub that only needs its database: the page and the API never touch S3 or the broker."""
    environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    environ["ALLOWED_HOSTS"] = "testserver"
    for name, value in (
        ("S3_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("S3_BUCKET", "bench"),
        ("S3_ACCESS_KEY_ID", "bench"),
        ("S3_SECRET_ACCESS_KEY", "bench"),
        ("CELERY_BROKER_URL", "redis://127.0.0.1:9/0"),
    ):
        environ.setdefault(name, value)
    environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")


def start_database(base_dir, shared_buffers=None):
    """A throwaway Postgres, or, where DATABASE_URL names a server, a fresh database of our own on it.

    `shared_buffers` (e.g. "2GB") sizes the throwaway server's cache as a server for a large catalogue would
    be; Postgres's own default (128MB) holds a tenth of a million deltas. A named server is left as it is.
    """
    if os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/deltacenter_bench"
        _recreate_database()
        return None
    from hub.devstack.engine import start_engines
    from hub.devstack.postgres import PostgresEngine

    stack = start_engines([PostgresEngine(base_dir / "postgres")])
    if shared_buffers:
        _alter_system(stack.env["DATABASE_URL"], "shared_buffers", shared_buffers)
        stack.stop()  # shared_buffers takes a restart
        stack = start_engines([PostgresEngine(base_dir / "postgres")])
    os.environ.update(stack.env)
    return stack


def _connect(url, dbname=None):
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    server = {"host": db["HOST"], "port": db["PORT"] or None, "user": db["USER"], "password": db["PASSWORD"] or None}
    return psycopg.connect(**server, dbname=dbname or db["NAME"], autocommit=True)


def _alter_system(url, name, value):
    with _connect(url) as conn:
        conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")


def server_settings():
    """The Postgres settings that shape these timings, as one line."""
    from django.db import connection

    names = ("server_version", "shared_buffers", "work_mem", "effective_cache_size", "random_page_cost")
    with connection.cursor() as cursor:
        values = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
    return "Postgres: " + ", ".join(values)


def _recreate_database():
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with _connect(url, dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    print(server_settings(), flush=True)


def grow(users, backbones, have, want):
    """Seed deltas number `have` to `want - 1` and say how long it took."""
    started = time.perf_counter()
    seed_deltas(users, backbones, have, want)
    print(f"seeded deltas {have:,} to {want:,} in {time.perf_counter() - started:.0f} s", flush=True)


def percentiles(samples):
    """(p50, p95) of `samples`, in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[round(0.95 * (len(ordered) - 1))] * 1000


def timed(action, repeats):
    action()  # warm caches and connections
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def deep_cursor(sort, fraction, user=None):
    """The cursor of the page that starts `fraction` of the way down the listing in order `sort`."""
    from django.contrib.auth.models import AnonymousUser

    from hub.deltas.filters import SORTS
    from hub.deltas.keyset import Cursor
    from hub.deltas.listing import Viewer

    column = SORTS[sort]
    visible = Viewer.of(user or AnonymousUser()).deltas()
    row = visible.order_by(f"-{column}", "-pk").values_list(column, "pk")[int(visible.count() * fraction)]
    return Cursor(sort, *row).encode()


LISTING_TABLES = ("deltas_delta", "deltas_facetcount")


def explain(captured):
    """EXPLAIN ANALYZE of each captured query that reads the deltas or their counts."""
    from django.db import connection

    for query in captured:
        if not any(table in query["sql"] for table in LISTING_TABLES):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
        print(f"  {query['sql'][:150]}...")
        print("\n".join(f"    {line}" for line in plan))
