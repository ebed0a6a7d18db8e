"""The import layers: each part of the project imports only the parts below it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each package may import from this project, besides itself. Anything not listed is forbidden.
ALLOWED = {
    "hub.core": {"hub.env", "hub.celery", "deltacenter"},
    "hub.accounts": {"hub.core"},
    "hub.deltas": {"hub.core", "hub.accounts", "deltacenter"},
    "hub.evaluation": {"hub.core", "hub.accounts", "hub.deltas", "hub.celery"},
    "hub.api": {"hub.core", "hub.accounts", "hub.deltas", "hub.evaluation", "deltacenter"},
    "hub.hf": {"hub.core", "hub.accounts", "hub.deltas", "hub.evaluation", "deltacenter"},
    "hub.web": {"hub.core", "hub.accounts", "hub.deltas", "hub.evaluation", "deltacenter"},
    "hub.devstack": set(),
    "deltacenter": set(),
    "workers": {"hub", "deltacenter"},
}
PROJECT_PACKAGES = ("hub", "workers", "deltacenter")


def _package_of(module):
    return max((p for p in ALLOWED if module == p or module.startswith(p + ".")), key=len, default=None)


def _modules():
    for base, prefix in (
        (ROOT / "hub", "hub"),
        (ROOT / "workers", "workers"),
        (ROOT / "client/deltacenter", "deltacenter"),
    ):
        for path in base.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(base).with_suffix("").parts
            yield ".".join((prefix, *parts)).removesuffix(".__init__"), path


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _violations():
    for module, path in _modules():
        package = _package_of(module)
        if package is None:
            continue
        for imported in _imports(path):
            if not imported.startswith(PROJECT_PACKAGES) or imported.startswith(package):
                continue
            if not any(imported == allowed or imported.startswith(allowed + ".") for allowed in ALLOWED[package]):
                yield f"{module} imports {imported}"


def test_every_package_imports_only_the_layers_below_it():
    assert sorted(_violations()) == []


@pytest.mark.parametrize("module", ["hub.core", "hub.deltas", "hub.devstack", "deltacenter"])
def test_the_rules_cover_the_package(module):
    assert _package_of(module) == module
