"""Every page of the site through axe-core, at desktop and phone width, as each kind of visitor sees it.

Add a page to PAGES when you add one to the site."""

from dataclasses import dataclass

import pytest
import torch

from hub.accounts.namespaces import create_organization
from hub.deltas.models import Delta
from hub.evaluation.models import ValidationJob
from tests.conftest import api_client_for
from tests.e2e.accessibility import axe_violations, describe_violations, sideways_overflow
from tests.e2e.conftest import sign_in, sign_up
from tests.factories import make_delta, make_entry, make_suite, make_version, store_backbone_weights
from tests.uploads import push, safetensors_bytes

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP, PHONE = 1280, 390
ANONYMOUS, MEMBER, MODERATOR = None, "alice", "carol"


# A card whose code blocks and table are wider than a phone: they scroll in their place, as regions told apart.
WIDE_LINE = "load_delta(" + ", ".join(f"argument_{i}={i}" for i in range(20)) + ")"
WIDE_CARD = (
    f"# Wide card\n\n```python\n{WIDE_LINE}\n```\n\n```bash\necho {WIDE_LINE}\n```\n\n"
    + "| "
    + " | ".join(f"column {i}" for i in range(12))
    + " |\n"
    + "|"
    + "---|" * 12
    + "\n| "
    + " | ".join(str(i) for i in range(12))
    + " |\n"
).encode()


@dataclass(frozen=True)
class Page:
    path: str
    viewers: tuple = (ANONYMOUS, MEMBER)
    status: int = 200


PAGES = [
    Page("/"),
    Page("/?task=sentiment&type=lora"),
    Page("/?q=sst2"),
    Page("/?q=nothing-matches-this"),
    Page("/alice/sst2-lora"),  # scored, with its module tree and a leaderboard entry
    Page("/alice/broken-lora"),  # failed validation, with its reason
    Page("/alice/sst2-lora/versions"),
    Page("/alice/sst2-lora/commit/{commit}"),
    Page("/alice/sst2-lora/blob/main/adapter_model.safetensors"),  # the header's tensor table
    Page("/alice/sst2-lora/settings", viewers=(MEMBER,)),
    Page("/backbones/"),
    Page("/backbones/?q=tiny"),
    Page("/backbones/" + "1" * 64),
    Page("/leaderboards/"),
    Page("/leaderboards/sst2/1"),
    Page("/review/", viewers=(MODERATOR,)),
    Page("/review/?status=approved", viewers=(MODERATOR,)),
    Page("/users/alice"),
    Page("/orgs/lab"),
    Page("/orgs/new", viewers=(MEMBER,)),
    Page("/settings/tokens", viewers=(MEMBER,)),
    Page("/new", viewers=(MEMBER,)),
    Page("/new?backbone_q=tiny", viewers=(MEMBER,)),  # the backbone picker's results without JavaScript
    Page("/login/", viewers=(ANONYMOUS,)),
    Page("/signup/", viewers=(ANONYMOUS,)),
    Page("/no/such-delta", status=404),
    Page("/api/docs"),
]


@pytest.fixture
def site(alice, bob, moderator, backbone):
    """A scored delta with its module tree on an approved leaderboard entry, a failed one, a pending entry to
    review, an organisation and a moderator."""
    create_organization("lab", alice, display_name="The Lab")
    layers = {
        f"encoder.layer.{i}.attention.self.{p}.weight": torch.zeros(1) for i in range(2) for p in ("query", "value")
    }
    store_backbone_weights(backbone, {"embeddings.word_embeddings.weight": torch.zeros(1), **layers})
    lora = {
        f"base_model.model.encoder.layer.{i}.attention.self.query.lora_{ab}.weight": [0.1]
        for i in range(2)
        for ab in "AB"
    }
    answer = push(
        api_client_for(alice),
        "alice/sst2-lora",
        {"adapter_model.safetensors": safetensors_bytes(lora), "README.md": WIDE_CARD},
        backbone,
        task="sentiment",
    )
    assert answer.status_code == 201, answer.content
    scored = Delta.objects.get(name="sst2-lora")
    Delta.objects.filter(pk=scored.pk).update(
        validation_state="scored", verified_score=0.91, verified_metric="accuracy", verified_rank=0.91, tags=["english"]
    )
    version = scored.versions.get()
    ValidationJob.objects.filter(version=version).update(status="scored", stage="done")
    suite = make_suite()
    make_entry(version, suite, 0.91, "approved")
    failed = make_delta(alice.namespace, "broken-lora", backbone, task="sentiment", validation_state="failed")
    ValidationJob.objects.update_or_create(
        version=make_version(failed),
        defaults={
            "status": "failed",
            "stage": "attach",
            "reason_code": "shape_mismatch",
            "reason": "lora_A has the wrong shape",
        },
    )
    pending = make_delta(bob.namespace, "imdb-ia3", backbone, delta_type="ia3", task="sentiment")
    make_entry(make_version(pending, share=0.0001), suite, 0.88)
    make_delta(alice.namespace, "secret-lora", backbone, task="sentiment", private=True)
    return {"commit": version.commit_id}


def _walk(browser, live_server, site, viewer, width):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    found = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        if viewer:
            sign_in(page, viewer)
        for entry in PAGES:
            if viewer not in entry.viewers:
                continue
            answer = page.goto(entry.path.format(**site))
            assert answer.status == entry.status, f"{entry.path} answered {answer.status}"
            if entry.path == "/api/docs":
                page.locator("#api-docs[data-rendered]").wait_for(state="attached")
            violations = axe_violations(page)
            if violations:
                found.append(f"{entry.path}:\n{describe_violations(violations)}")
            if sideways_overflow(page) > 0:
                found.append(f"{entry.path}: the page scrolls sideways at {width}px")
    finally:
        context.close()
    return found


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("viewer", [ANONYMOUS, MEMBER, MODERATOR], ids=["anonymous", "member", "moderator"])
def test_every_page_passes_axe(browser, live_server, site, viewer, width):
    found = _walk(browser, live_server, site, viewer, width)
    assert not found, f"axe found violations at {width}px as {viewer or 'anonymous'}:\n" + "\n".join(found)


def _refused_login(page):
    page.goto("/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").first.wait_for()


def _mismatched_signup(page):
    sign_up(page, "dora", confirmation="another pass phrase 42")
    page.get_by_role("alert").first.wait_for()


def _rejection_without_reason(page):
    sign_in(page, "carol")
    page.goto("/review/")
    page.get_by_role("button", name="Reject").click()
    page.locator(".message.error").wait_for()


def _approval(page):
    sign_in(page, "carol")
    page.goto("/review/")
    page.get_by_label("Reason").fill("matches the claim within noise")
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("status").wait_for()


# Pages in the state an action leaves them in: form errors, messages.
AFTER_ACTIONS = [_refused_login, _mismatched_signup, _rejection_without_reason, _approval]


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_form_errors_and_messages_pass_axe(browser, live_server, site, width):
    found = []
    for action in AFTER_ACTIONS:
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            action(page)
            violations = axe_violations(page)
            if violations:
                found.append(f"{action.__name__} ({page.url}):\n{describe_violations(violations)}")
        finally:
            context.close()
    assert not found, f"axe found violations at {width}px:\n" + "\n".join(found)
