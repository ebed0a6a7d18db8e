import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hub.accounts.models import Membership, Namespace, Organization
from hub.accounts.namespaces import can_write, create_organization
from hub.deltas.models import Delta, StoredObject

pytestmark = pytest.mark.django_db

SHA = "ab" * 32


def test_a_digest_is_stored_once():
    StoredObject.objects.create(sha256=SHA, size=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        StoredObject.objects.create(sha256=SHA, size=10)


def test_namespace_names_are_unique_ignoring_case(alice):
    org = Organization.objects.create(display_name="Shouting Alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        Namespace.objects.create(name="ALICE", organization=org)


def test_a_namespace_has_exactly_one_owner(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Namespace.objects.create(name="nobody")


def test_users_get_a_namespace_and_write_only_there(alice, bob):
    assert alice.namespace.name == "alice"
    assert can_write(alice, alice.namespace)
    assert not can_write(bob, alice.namespace)


def test_organisation_roles_decide_who_may_write(alice, bob, carol):
    org = create_organization("lab", owner=alice)
    Membership.objects.create(organization=org, user=bob, role=Membership.Role.READ)
    assert can_write(alice, org.namespace)
    assert not can_write(bob, org.namespace)
    assert not can_write(carol, org.namespace)
    with pytest.raises(ValidationError, match="taken"):
        create_organization("Alice", owner=bob)


def test_private_deltas_are_visible_to_owners_and_org_members_only(alice, bob, carol, backbone):
    org = create_organization("lab", owner=alice)
    Membership.objects.create(organization=org, user=bob, role=Membership.Role.READ)
    secret = Delta.objects.create(
        namespace=org.namespace, name="secret", delta_type="lora", backbone=backbone, private=True
    )
    public = Delta.objects.create(namespace=alice.namespace, name="open", delta_type="lora", backbone=backbone)
    assert set(Delta.objects.visible_to(bob)) == {secret, public}
    assert set(Delta.objects.visible_to(carol)) == {public}
    from django.contrib.auth.models import AnonymousUser

    assert set(Delta.objects.visible_to(AnonymousUser())) == {public}


def test_a_delta_name_is_unique_in_its_namespace(alice, backbone):
    Delta.objects.create(namespace=alice.namespace, name="x", delta_type="lora", backbone=backbone)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delta.objects.create(namespace=alice.namespace, name="x", delta_type="bitfit", backbone=backbone)
