"""Typed readers for the environment variables that configure the hub.

Each reader fails loudly with the variable's name, so a bad deployment stops at start-up
instead of misbehaving later.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING = object()


def _raw(name, default):
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"{name} must be set in the environment.")
        return None
    return value.strip()


def env_str(name, default=_MISSING):
    value = _raw(name, default)
    return default if value is None else value


def env_bool(name, default=False):
    value = _raw(name, default)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {value!r}.")


def env_int(name, default=_MISSING, minimum=None):
    value = _raw(name, default)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name, default=()):
    value = _raw(name, None)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name, schemes, default=_MISSING):
    value = _raw(name, default)
    if value is None:
        return default
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in schemes or not rest:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with {allowed}; got {value!r}.")
    return value
