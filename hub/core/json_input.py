"""JSON from clients, checked at the edge: every body, config file and header goes through `strict_loads`.

Refused with the place of the problem in the message: NaN and Infinity (and numbers too large to be finite), NUL
characters and lone surrogates in strings or keys (Postgres cannot store them), and nesting deeper than MAX_DEPTH.
Large integers are fine in JSON (tokenizer configs hold 10**30); the fields stored in 64-bit columns bound their own.
"""

import json
import math

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle

from hub.core.errors import Invalid

MAX_DEPTH = 64


class JsonInputError(ValueError):
    """Not JSON the hub accepts; `path` is where the problem is, e.g. `files[2].path`."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def _refuse_constant(name):
    raise JsonInputError(f"{name} is not a number JSON allows.")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise JsonInputError(f"{text[:20]} is too large to be a finite number.")
    return value


def strict_loads(text: str | bytes):
    """Parse and check JSON; JsonInputError says what is wrong and where."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonInputError("The body is not UTF-8.") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise JsonInputError(f"The JSON nests deeper than {MAX_DEPTH} levels.") from None
    except JsonInputError:
        raise
    except ValueError as exc:
        raise JsonInputError(f"Not valid JSON: {exc}") from None
    check_tree(value)
    return value


def check_tree(value) -> None:
    """Walk a parsed value without recursion: depth, and strings Postgres can store."""
    pending = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise JsonInputError(f"nests deeper than {MAX_DEPTH} levels.", path)
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, path, "key")
                pending.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, f"{path}[{index}]", depth + 1) for index, child in enumerate(item))


def _check_text(text: str, path: str, what: str = "text") -> None:
    if "\x00" in text:
        raise JsonInputError(f"the {what} holds a NUL character.", path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonInputError(f"the {what} holds a lone surrogate, which is not Unicode text.", path) from None


class WriteRateThrottle(ScopedRateThrottle):
    """The view's `throttle_scope` rate, counted on writes only: reading is never limited."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, with `strict_loads`: a refused body is a 400 that says where."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return strict_loads(raw)
        except JsonInputError as exc:
            if exc.path:
                raise Invalid("invalid_field", str(exc), field=exc.path) from None
            raise ParseError(f"JSON parse error - {exc}") from None
