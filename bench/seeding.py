"""Deltas in bulk for the listing benchmarks: one INSERT ... SELECT over generate_series, a million in minutes.

Every value is a function of the row number, so two runs seed the same catalogue. The rows go through the
same triggers as any push (the facet counts follow them) and carry the search vector the hub would compute.
"""

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
