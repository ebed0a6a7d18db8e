"""Keyset cursors: where a listing page starts, as the sort key of the row it continues from.

A cursor is opaque to clients (base64 of a small JSON array): the sort it belongs to, the direction, and the
(value, id) of the last row shown (going forward) or the first (going back). The next page is the rows strictly
after that key, found by a range scan on the sort's (column, id) index, so page 10,000 costs what page 1 does,
and rows inserted or deleted meanwhile never make a page repeat or skip one.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Func

from hub.core.errors import Invalid

DATETIME_KEYS = {"created_at", "updated_at"}
# Sort columns some rows have no value in: those rows come last, and a cursor among them holds None.
NULLABLE_KEYS = {"verified_rank"}


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: object  # the sort column's value: a datetime, an int, a float, or None (NULLABLE_KEYS)
    pk: int
    backward: bool = False

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        raw = json.dumps([self.sort, value, self.pk, int(self.backward)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str, sort: str, column: str) -> Cursor:
    """The cursor `text` stands for, or Invalid when it is malformed or belongs to another sort."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor_sort, value, pk, backward = json.loads(raw)
        value = _typed(value, column)
        if not isinstance(pk, int) or isinstance(pk, bool) or backward not in (0, 1):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid("invalid_cursor", "The cursor is not one this listing gave out.", field="cursor") from None
    if cursor_sort != sort:
        raise Invalid(
            "invalid_cursor", f"The cursor belongs to the {cursor_sort!r} sort, not {sort!r}.", field="cursor"
        )
    return Cursor(sort, value, pk, bool(backward))


def _typed(value, column):
    if value is None and column in NULLABLE_KEYS:
        return None
    if column in DATETIME_KEYS:
        parsed = datetime.fromisoformat(value)  # a TypeError for anything but a string
        if parsed.tzinfo is None:
            raise ValueError
        return parsed
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError
    return value


class RowComparison(Func):
    """(a, b) < (x, y) in SQL: one condition a btree index on (a, b) answers with a range scan."""

    output_field = BooleanField()

    def __init__(self, left, operator, right):
        if len(left) != len(right) or operator not in ("<", ">"):
            raise ValueError("compare rows of the same width with < or >")
        self.operator, self.width = operator, len(left)
        super().__init__(*left, *right)

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"({left}) {self.operator} ({right})", params
