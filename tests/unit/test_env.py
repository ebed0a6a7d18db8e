"""The typed environment readers, their registry, and the README table generated from it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hub import env
from workers.validation.sandbox import ENVIRONMENT_ALLOWLIST

ROOT = Path(__file__).resolve().parents[2]
# Variables the evaluator child's environment copies from the worker's when present; they configure nothing of ours.
NOT_CONFIGURATION = set(ENVIRONMENT_ALLOWLIST)
ENV_READ = re.compile(
    r"""(?:env_\w+\(\s*|environ\.get\(\s*|environ\[\s*|getenv\(\s*)["']([A-Z][A-Z0-9_]*)["']""", re.MULTILINE
)


@pytest.fixture(autouse=True)
def own_registry(monkeypatch):
    """Readers called here register into a registry of their own, not the one the settings filled."""
    monkeypatch.setattr(env, "REGISTRY", {})


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "two", "", "0.1.2"])
def test_a_float_refuses_what_is_not_a_finite_number(monkeypatch, value):
    monkeypatch.setenv("SOME_RATIO", value)
    with pytest.raises(ImproperlyConfigured, match="SOME_RATIO must be a"):
        env.env_float("SOME_RATIO", default=0.5, description="A ratio")


def test_a_float_reads_numbers_and_keeps_its_minimum(monkeypatch):
    monkeypatch.setenv("SOME_RATIO", " 1e-3 ")
    assert env.env_float("SOME_RATIO", default=0.5, minimum=0, description="A ratio") == 0.001
    monkeypatch.setenv("SOME_RATIO", "-0.1")
    with pytest.raises(ImproperlyConfigured, match="SOME_RATIO must be at least 0"):
        env.env_float("SOME_RATIO", default=0.5, minimum=0, description="A ratio")
    monkeypatch.delenv("SOME_RATIO")
    assert env.env_float("SOME_RATIO", default=0.5, description="A ratio") == 0.5


def test_strings_check_their_length_and_choices(monkeypatch):
    monkeypatch.setenv("SOME_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="SOME_KEY must be at least 8 characters"):
        env.env_str("SOME_KEY", min_length=8, description="A key")
    monkeypatch.setenv("SOME_LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="SOME_LEVEL must be one of INFO, DEBUG; got 'LOUD'"):
        env.env_str("SOME_LEVEL", default="INFO", choices=("INFO", "DEBUG"), description="A level")


def test_a_missing_required_variable_is_named(monkeypatch):
    monkeypatch.delenv("SOME_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SOME_URL must be set"):
        env.env_url("SOME_URL", ("https",), description="An address")


def test_every_reader_registers_its_variable(monkeypatch):
    monkeypatch.setenv("SOME_COUNT", "3")
    env.env_int("SOME_COUNT", default=1, minimum=1, description="How many")
    env.env_list("SOME_HOSTS", default=["a"], description="Which hosts")
    assert env.REGISTRY["SOME_COUNT"] == env.Variable("SOME_COUNT", "integer", 1, "How many")
    assert env.REGISTRY["SOME_HOSTS"].default == ("a",)


def test_a_variable_needs_a_one_line_description():
    with pytest.raises(ValueError, match="SOME_FLAG needs a one-line description"):
        env.env_bool("SOME_FLAG", description="")


def test_one_variable_cannot_be_declared_twice_differently():
    env.env_int("SOME_COUNT", default=1, description="How many")
    env.env_int("SOME_COUNT", default=1, description="How many")
    with pytest.raises(ValueError, match="SOME_COUNT is declared twice"):
        env.env_int("SOME_COUNT", default=2, description="How many")


def _readme_configuration_table():
    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_the_readme_table_is_the_generated_one():
    bare = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG")}
    generated = subprocess.run(
        [sys.executable, "-m", "hub.env"], cwd=ROOT, env=bare, capture_output=True, text=True, timeout=60
    )
    assert generated.returncode == 0, generated.stderr
    assert _readme_configuration_table() == generated.stdout.splitlines(), "regenerate it: python -m hub.env"


def test_the_registry_holds_the_worker_settings_with_their_defaults():
    registry = env.documented_registry()
    assert registry["DELTACENTER_CLAIM_TOLERANCE"] == env.Variable(
        "DELTACENTER_CLAIM_TOLERANCE", "number", 0.02, registry["DELTACENTER_CLAIM_TOLERANCE"].description
    )
    assert registry["SECRET_KEY"].required
    assert env.REGISTRY == {}  # gathering it left the live registry alone


def _variables_read_in(*folders):
    found = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for name in ENV_READ.findall(path.read_text()):
                found.setdefault(name, path.relative_to(ROOT))
    return found


def test_every_variable_the_hub_and_workers_read_is_registered_or_documented():
    read = _variables_read_in("hub", "workers")
    registry = env.documented_registry()
    readme = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    undocumented = {
        name: str(path)
        for name, path in read.items()
        if name not in registry and name not in NOT_CONFIGURATION and f"`{name}`" not in readme
    }
    assert undocumented == {}
    assert {"DELTACENTER_EVAL_TIMEOUT_SECONDS", "DELTACENTER_VAR_DIR"} <= set(read)  # the scan works


def test_every_variable_the_client_reads_is_in_its_readme():
    read = _variables_read_in("client/deltacenter")
    readme = (ROOT / "client" / "README.md").read_text()
    assert {name: str(path) for name, path in read.items() if name not in readme} == {}
    assert "DELTACENTER_TOKEN" in read
