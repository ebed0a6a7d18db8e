"""Rules that need no database: safe names, reserved namespaces, storage keys and token scopes."""

import pytest
from django.core.exceptions import ValidationError

from hub.accounts.names import validate_name, validate_namespace_name
from hub.accounts.tokens import normalise_scopes
from hub.deltas.models import object_key


def test_object_keys_are_built_from_the_digest():
    assert object_key("abcdef" + "0" * 58) == "objects/ab/cd/abcdef" + "0" * 58


@pytest.mark.parametrize("name", ["a/b", "..", "...", "a..b", "x" * 97, "", "-lead", "sp ace"])
def test_it_rejects_unsafe_names(name):
    with pytest.raises(ValidationError):
        validate_name(name)


@pytest.mark.parametrize("name", ["bert-lora-sst2", "v1.0", "A_b", "x" * 96])
def test_it_accepts_safe_names(name):
    validate_name(name)


def test_reserved_namespaces_are_refused():
    with pytest.raises(ValidationError, match="reserved"):
        validate_namespace_name("admin")


def test_write_scope_implies_read_and_admin_implies_all():
    assert normalise_scopes(["write"]) == ["read", "write"]
    assert normalise_scopes(["admin"]) == ["admin", "read", "write"]
    with pytest.raises(ValueError, match="delete"):
        normalise_scopes(["delete"])
