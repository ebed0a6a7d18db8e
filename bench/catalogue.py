"""The listing benchmarks' catalogues: databases of deltas seeded in bulk, timings and query plans.

A benchmark seeds two catalogues on one Postgres server, the baseline (10,000 deltas) and the large one, and
times each listing on both by turns, so the load the machine carries at any moment weighs on both alike.
Deltas are seeded by one INSERT ... SELECT over generate_series (a million in about two minutes). Every value
is a function of the row number, so two catalogues hold the same first deltas. The rows go through the same
triggers as any push (the facet counts follow them) and carry the search vector the hub would compute.
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
    namespace_id, name, delta_type, backbone_id, backbone_binding, base_model_name, task, train_datasets,
    test_datasets, tags, dict_tags, license, private, card, likes_count, downloads_count, created_at, updated_at,
    validation_state, verified_score, verified_metric, verified_rank, search_vector)
SELECT s.namespace_id, s.name, s.delta_type, s.backbone_id, 'hash', '', s.task, s.train, s.test, s.tags,
       '{{}}'::jsonb, s.license, s.private, s.card, s.likes, s.downloads, s.created_at,
       s.created_at + (i %% 1000) * interval '1 minute',
       CASE WHEN s.scored THEN 'scored' ELSE 'unvalidated' END, s.score,
       CASE WHEN s.scored THEN 'accuracy' ELSE '' END, s.score,
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
        i %% 3 = 0 AS scored,
        CASE WHEN i %% 3 = 0 THEN ((i * 31) %% 1000) / 1000.0 END AS score
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS i
) AS s JOIN accounts_namespace n ON n.id = s.namespace_id
"""


def seed_owners(backbones=8):
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
    """Settings for a hub that needs its database and its cache (Redis, see start_server): the page and the API
    never touch S3."""
    environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    environ["ALLOWED_HOSTS"] = "testserver"
    for name, value in (
        ("S3_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("S3_BUCKET", "bench"),
        ("S3_ACCESS_KEY_ID", "bench"),
        ("S3_SECRET_ACCESS_KEY", "bench"),
    ):
        environ.setdefault(name, value)
    environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")


def start_server(base_dir, shared_buffers=None):
    """A throwaway Postgres, unless DATABASE_URL names a server (then the catalogues are databases of our own
    on it, and its settings are left as they are), and a throwaway Redis unless CELERY_BROKER_URL names one.

    `shared_buffers` (e.g. "2GB") sizes the throwaway server's cache as a server for a large catalogue would
    be; Postgres's own default (128MB) holds about a tenth of a million deltas.
    """
    from hub.devstack.engine import is_configured, start_engines
    from hub.devstack.harness import THROWAWAY_ENGINES
    from hub.devstack.postgres import PostgresEngine
    from hub.devstack.redis_server import RedisEngine

    # The cache (sessions' lockouts, rate limits) lives in Redis.
    missing = [kind for kind in (PostgresEngine, RedisEngine) if not is_configured(kind, os.environ)]

    def engines():
        return [THROWAWAY_ENGINES[kind](base_dir) for kind in missing]

    if not missing:
        return None
    stack = start_engines(engines())
    if shared_buffers and "DATABASE_URL" in stack.env:
        with _connect(stack.env["DATABASE_URL"]) as conn:
            conn.execute(f"ALTER SYSTEM SET shared_buffers = '{shared_buffers}'")
        stack.stop()  # shared_buffers takes a restart
        stack = start_engines(engines())
    os.environ.update(stack.env)
    return stack


def _connect(url, dbname=None):
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    server = {"host": db["HOST"], "port": db["PORT"] or None, "user": db["USER"], "password": db["PASSWORD"] or None}
    return psycopg.connect(**server, dbname=dbname or db["NAME"], autocommit=True)


class Catalogue:
    """A database of `size` deltas with their owners; `use()` points Django's connection at it."""

    def __init__(self, size):
        self.size = size
        self.database = f"deltacenter_bench_{size}"
        with _connect(os.environ["DATABASE_URL"], dbname="postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.use()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        self.users, self.backbones = seed_owners()
        started = time.perf_counter()
        seed_deltas(self.users, self.backbones, 0, size)
        print(f"seeded {size:,} deltas in {time.perf_counter() - started:.0f} s", flush=True)

    def drop(self):
        from django.db import connections

        connections["default"].close()
        with _connect(os.environ["DATABASE_URL"], dbname="postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def use(self):
        from django.db import connections

        connection = connections["default"]
        if connection.settings_dict["NAME"] != self.database:
            connection.close()
            connection.settings_dict["NAME"] = self.database

    def __str__(self):
        return f"{self.size:,} deltas"


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


def percentiles(samples):
    """(p50, p95) of `samples`, in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[round(0.95 * (len(ordered) - 1))] * 1000


def by_turns(actions, repeats, rounds=4):
    """Time each (catalogue, action) `repeats` times, in `rounds` turns across them; (p50, p95) of each."""
    samples = [[] for _ in actions]
    for round_number in range(rounds):
        for (catalogue, action), timings in zip(actions, samples, strict=True):
            catalogue.use()
            action()  # warm caches and the connection
            for _ in range(repeats // rounds + (round_number < repeats % rounds)):
                start = time.perf_counter()
                action()
                timings.append(time.perf_counter() - start)
    return [percentiles(timings) for timings in samples]


def deep_cursor(sort, fraction, user=None):
    """The cursor of the page that starts `fraction` of the way down the listing in order `sort`."""
    from django.contrib.auth.models import AnonymousUser

    from hub.deltas.filters import SORTS
    from hub.deltas.keyset import Cursor
    from hub.deltas.models import Delta

    column = SORTS[sort]
    visible = Delta.objects.visible_to(user or AnonymousUser())
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
