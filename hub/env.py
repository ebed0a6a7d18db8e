"""Typed readers for the environment variables that configure the hub and its workers.

Each reader fails loudly with the variable's name, so a bad deployment stops at start-up instead of
misbehaving later, and records the variable in REGISTRY: `python -m hub.env` prints that registry as the
README's configuration table.
"""

import math
import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
REQUIRED = object()


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str
    default: object
    description: str

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


REGISTRY: dict[str, Variable] = {}
# While documenting, readers ignore the environment and stand in for required values, so the settings
# module runs to its end and registers every variable.
_documenting = False


def _register(name: str, kind: str, default: object, description: str) -> None:
    if not description or "\n" in description:
        raise ValueError(f"{name} needs a one-line description.")
    variable = Variable(name, kind, default, description)
    if REGISTRY.setdefault(name, variable) != variable:
        raise ValueError(f"{name} is declared twice with different types, defaults or descriptions.")


def _raw(name: str, default: object) -> str | None:
    value = None if _documenting else os.environ.get(name)
    if value is None:
        if default is REQUIRED and not _documenting:
            raise ImproperlyConfigured(f"{name} must be set in the environment.")
        return None
    return value.strip()


def env_str(name: str, *, description: str, default=REQUIRED, min_length: int = 0, choices=None) -> str | None:
    _register(name, "choice" if choices else "string", default, description)
    value = _raw(name, default)
    if value is None:
        return "x" * min_length if default is REQUIRED else default
    if len(value) < min_length:
        raise ImproperlyConfigured(f"{name} must be at least {min_length} characters long.")
    if choices and value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def env_bool(name: str, *, description: str, default: bool = False) -> bool:
    _register(name, "boolean", default, description)
    value = _raw(name, default)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {value!r}.")


def env_int(name: str, *, description: str, default=REQUIRED, minimum: int | None = None) -> int:
    _register(name, "integer", default, description)
    value = _raw(name, default)
    if value is None:
        return default if default is not REQUIRED else (minimum or 0)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None
    return _at_least(name, number, minimum)


def env_float(name: str, *, description: str, default=REQUIRED, minimum: float | None = None) -> float:
    _register(name, "number", default, description)
    value = _raw(name, default)
    if value is None:
        return default if default is not REQUIRED else float(minimum or 0)
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name} must be a finite number, not {value!r}.")
    return _at_least(name, number, minimum)


def _at_least(name, number, minimum):
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, *, description: str, default=()) -> list[str]:
    _register(name, "list", tuple(default), description)
    value = _raw(name, default)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, schemes, *, description: str, default=REQUIRED) -> str | None:
    _register(name, "URL", default, description)
    value = _raw(name, default)
    if value is None:
        return f"{schemes[0]}://placeholder" if default is REQUIRED else default
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in schemes or not rest:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with {allowed}; got {value!r}.")
    return value


def documented_registry() -> dict[str, Variable]:
    """Every variable the settings read, gathered by running the settings module on an empty environment."""
    global REGISTRY, _documenting
    import importlib.util

    spec = importlib.util.find_spec("hub.settings")
    live = REGISTRY
    REGISTRY, _documenting = {}, True
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        return REGISTRY
    finally:
        REGISTRY, _documenting = live, False


def _shown_default(variable: Variable) -> str:
    default = variable.default
    if variable.required:
        return "required"
    if default is None or default == ():
        return "(none)"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, tuple):
        return f"`{','.join(default)}`"
    return f"`{default}`"


def markdown_table(registry: dict[str, Variable]) -> str:
    """The README's configuration table."""
    rows = ["| variable | type | default | meaning |", "| --- | --- | --- | --- |"]
    for variable in registry.values():
        meaning = variable.description.replace("|", "\\|")
        rows.append(f"| `{variable.name}` | {variable.kind} | {_shown_default(variable)} | {meaning} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    # Run as a script this file is __main__; the settings register into hub.env, so use that module's functions.
    from hub import env

    print(env.markdown_table(env.documented_registry()), end="")
