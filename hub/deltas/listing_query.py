"""The SQL of a delta listing, written out: which deltas a viewer sees, what each filter keeps, and the page.

Every visit to the front page, every `GET /api/deltas`, `/api/models` and `deltacenter ls` runs one of these
statements. Through the ORM, building and compiling the statement and making model instances of its rows took
longer than Postgres took to run it; here each part is a fixed SQL fragment with its parameters, joined in a few
string operations, and rows come back as plain tuples. Conditions refer to the delta as `d`, as the facet
declarations (hub.deltas.facets) do.
"""

from collections import namedtuple
from dataclasses import dataclass

from django.db import connection

from hub.accounts.models import Namespace
from hub.deltas.models import Backbone, Delta
from hub.deltas.search import CONFIG

# What a listing shows of each delta: not its card, search vector or dictionary tags (large, and shown only on
# its own page), and of its namespace and backbone only their names.
LISTED_COLUMNS = tuple(
    f.attname for f in Delta._meta.concrete_fields if f.name not in ("card", "search_vector", "dict_tags")
)
# The namespace's and backbone's columns a row carries, by name: `n` is the namespace, `b` the backbone.
JOINED = {
    "namespace_name": "n.name",
    "backbone_hash": "b.content_hash",
    "backbone_name": "b.name",
    "backbone_name_is_shared": "b.name_is_shared",
}
# Each row ends with its sort key (the value a cursor resumes from): a column, or the relevance of a search.
ListedDelta = namedtuple("ListedDelta", (*LISTED_COLUMNS, *JOINED, "sort_key"))
_KEY_POSITION = len(ListedDelta._fields)  # ORDER BY the sort key by its place: the expression is not repeated

_SELECTED = ", ".join([*(f"d.{column}" for column in LISTED_COLUMNS), *JOINED.values()])
PAGE_SELECT = f"SELECT {_SELECTED}"  # how every page's statement begins
_JOINS = "JOIN accounts_namespace AS n ON n.id = d.namespace_id LEFT JOIN deltas_backbone AS b ON b.id = d.backbone_id"


@dataclass(frozen=True)
class Where:
    """Conditions joined by AND, each an SQL fragment with its own parameters."""

    parts: tuple = ()
    params: tuple = ()

    def and_(self, sql, params=()):
        """These conditions and `sql` with its `params`, as a new Where."""
        return Where((*self.parts, sql), (*self.params, *params))

    @property
    def sql(self):
        return " AND ".join(self.parts) or "TRUE"


def readable(namespace_ids, sees_everything):
    """The live deltas a viewer may see: the public ones, and the private ones of `namespace_ids` (or all)."""
    where = Where().and_("d.deleted_at IS NULL")
    if sees_everything:
        return where
    if not namespace_ids:
        return where.and_("NOT d.private")
    return where.and_("(NOT d.private OR d.namespace_id = ANY(%s::bigint[]))", [list(namespace_ids)])


# --- what each filter keeps -------------------------------------------------------------------------------------


def any_of(column, values, cast="text"):
    if len(values) == 1:
        # Equality, not ANY: Postgres then reads an index on (column, sort key) in the sort's order.
        return f"d.{column} = %s::{cast}", [values[0]]
    return f"d.{column} = ANY(%s::{cast}[])", [list(values)]


def same_text(column, value):
    # UPPER(column) = UPPER(value): the delta_task_upper_idx and delta_license_upper_idx indexes answer it.
    return f"UPPER(d.{column}::text) = UPPER(%s)", [value]


def holds(columns, value):
    # A varchar[] operand, as the column is: the GIN index on each array column answers @>.
    sql = " OR ".join(f"d.{column} @> %s::varchar[]" for column in columns)
    return f"({sql})" if len(columns) > 1 else sql, [[value]] * len(columns)


# --- search -----------------------------------------------------------------------------------------------------

NAME_KEY = 'LOWER(d.name) COLLATE "C"'  # the delta_name_key_idx index: both LIKE 'prefix%' and order by name
_QUERY = f"websearch_to_tsquery('{CONFIG}'::regconfig, %s)"
_WORDS = f"d.search_vector @@ {_QUERY}"


def name_starts(prefix):
    return f"{NAME_KEY} LIKE %s", [connection.ops.prep_for_like_query(prefix) + "%"]


def words_or_backbone(search_text):
    if not search_text.backbones:
        return _WORDS, [search_text.text]
    return f"({_WORDS} OR d.backbone_id = ANY(%s::bigint[]))", [search_text.text, list(search_text.backbones)]


def matches(search_text):
    """Deltas whose words match the SearchText (web search syntax), or whose name starts with it, or whose backbone
    it names."""
    words, params = words_or_backbone(search_text)
    if search_text.prefix is None:
        return words, params
    starts, starts_params = name_starts(search_text.prefix)
    return f"({words} OR {starts})", [*params, *starts_params]


def relevance(search_text):
    """How well a delta matches the SearchText: the weighted full-text rank, plus a half when it is on a backbone
    the text names, plus one when its name starts with the text. A double precision value, so a cursor can carry
    it exactly (ts_rank itself is a real)."""
    sql = f"ts_rank(d.search_vector, {_QUERY})::double precision"
    params = [search_text.text]
    if search_text.backbones:
        sql += " + CASE WHEN d.backbone_id = ANY(%s::bigint[]) THEN 0.5 ELSE 0.0 END"
        params.append(list(search_text.backbones))
    if search_text.prefix is not None:
        starts, starts_params = name_starts(search_text.prefix)
        sql += f" + CASE WHEN {starts} THEN 1.0 ELSE 0.0 END"
        params += starts_params
    return sql, params


def search_parts(where, search_text):
    """The deltas `where` keeps that the SearchText matches, as its two ways of matching apart, each answered by an
    index of its own: [those whose words or backbone match, (those whose name starts with it)]. One condition
    OR-ing them makes Postgres read both indexes whole, however few rows it needs."""
    parts = [where.and_(*words_or_backbone(search_text))]
    if search_text.prefix is not None:
        parts.append(where.and_(*name_starts(search_text.prefix)))
    return parts


def relevance_pool(where, search_text, size):
    """SQL and parameters of the ids relevance ranks among the deltas `where` keeps: `size` of each kind at most,
    the newest whose words or backbone match, and the first by name among those whose name starts with the text.
    A common word matches much of a large catalogue and ranking reads every candidate's search vector, so only
    these are ranked. Each part is read in the order of an index, up to `size` rows."""
    orders = ("d.created_at DESC, d.id DESC", NAME_KEY)
    parts = search_parts(where, search_text)
    sql = " UNION ALL ".join(
        f"(SELECT d.id FROM deltas_delta AS d WHERE {part.sql} ORDER BY {order} LIMIT %s)"
        for part, order in zip(parts, orders, strict=False)
    )
    return sql, [param for part in parts for param in (*part.params, size)]


# --- the page ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a page's rows come from: the deltas `where` keeps (or, with `ranked_ids`, those of its (SQL, params)
    among them), in the order of `key`, an SQL expression of `d` with its parameters."""

    where: Where
    key: tuple  # (SQL, params)
    ranked_ids: tuple | None = None


def page(source, after, backward, count, valued_only=False):
    """`count` ListedDelta rows of `source` in (key, id) order, best first (`backward`: worst first), strictly past
    `after`, a (key, id) pair, if given; with `valued_only`, only the rows whose key is not NULL."""
    if count <= 0:
        return []
    key_sql, key_params = source.key
    where = source.where
    if source.ranked_ids is not None:
        where = where.and_(f"d.id IN ({source.ranked_ids[0]})", source.ranked_ids[1])
    if valued_only:
        where = where.and_(f"{key_sql} IS NOT NULL", key_params)
    if after is not None:
        where = where.and_(f"({key_sql}, d.id) {'>' if backward else '<'} (%s, %s)", [*key_params, *after])
    direction = "ASC" if backward else "DESC"
    sql = (
        f"{PAGE_SELECT}, {key_sql} FROM deltas_delta AS d {_JOINS} WHERE {where.sql}"
        f" ORDER BY {_KEY_POSITION} {direction}, d.id {direction} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key_params, *where.params, count])
        return [ListedDelta._make(row) for row in cursor.fetchall()]


def sample(alternatives, columns, size):
    """SQL and parameters of `size` deltas (in no order, with their `columns`) among those that any of the Wheres
    `alternatives` keeps. Each alternative is read on its own, up to `size` rows: when fewer than `size` come
    back in all, each alternative was read whole, so the sample holds every match."""
    selected = ", ".join(f"d.{column}" for column in ("id", *columns))
    if len(alternatives) == 1:
        [where] = alternatives
        return f"SELECT {selected} FROM deltas_delta AS d WHERE {where.sql} LIMIT %s", [*where.params, size]
    ids = " UNION ALL ".join(f"(SELECT d.id FROM deltas_delta AS d WHERE {w.sql} LIMIT %s)" for w in alternatives)
    params = [param for where in alternatives for param in (*where.params, size)]
    return f"SELECT {selected} FROM deltas_delta AS d WHERE d.id IN ({ids}) LIMIT %s", [*params, size]


BACKBONE_COLUMNS = ("id", "content_hash", "name", "name_is_shared")


def as_delta(row):
    """The Delta of a ListedDelta, with its namespace and backbone: for pages and views that use its methods."""
    db = connection.alias
    delta = Delta.from_db(db, LISTED_COLUMNS, row[: len(LISTED_COLUMNS)])
    delta.namespace = Namespace.from_db(db, ("id", "name"), (row.namespace_id, row.namespace_name))
    backbone = (row.backbone_id, row.backbone_hash, row.backbone_name, row.backbone_name_is_shared)
    delta.backbone = None if row.backbone_id is None else Backbone.from_db(db, BACKBONE_COLUMNS, backbone)
    return delta
