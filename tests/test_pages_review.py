"""review_entry: the one function the review queue and the admin use to change an entry's status."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hub.evaluation.models import ReviewEvent
from hub.evaluation.review import review_entry
from tests.factories import make_delta, make_entry, make_suite, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(alice, backbone):
    return make_entry(make_version(make_delta(alice.namespace, "x", backbone)), make_suite())


def test_it_records_each_change_in_order(entry, moderator):
    review_entry(entry, moderator, "flag", "suspicious jump")
    review_entry(entry, moderator, "approve")
    trail = [(e.from_status, e.to_status) for e in ReviewEvent.objects.filter(entry=entry)]
    assert trail == [("pending", "flagged"), ("flagged", "approved")]
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.reason == ""


def test_it_refuses_non_moderators(entry, alice):
    with pytest.raises(PermissionDenied):
        review_entry(entry, alice, "approve")
    assert not ReviewEvent.objects.exists()


def test_it_refuses_unknown_actions(entry, moderator):
    with pytest.raises(ValidationError):
        review_entry(entry, moderator, "delete")


def test_superusers_are_moderators(entry, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    assert review_entry(entry, admin, "reject", "wrong split").status == "rejected"
