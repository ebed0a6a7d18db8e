"""In headless Chromium: a moderator approves, the leaderboard sorts, exports and compares, and a delta page
follows its validation from running to scored without a reload."""

import csv
import io

import pytest
from playwright.sync_api import expect

from hub.evaluation import jobs
from tests.e2e.accessibility import assert_no_axe_violations, sideways_overflow
from tests.e2e.conftest import sign_in
from tests.factories import make_delta, make_entry, make_suite, make_version

pytestmark = pytest.mark.django_db(transaction=True)


def entry_with_baseline(namespace, name, backbone, suite, score, status="pending", share=0.001):
    version = make_version(make_delta(namespace, name, backbone), share=share)
    return make_entry(version, suite, score, status, trivial=0.5)


def test_a_moderator_approves_then_the_board_sorts_exports_and_compares(page, alice, bob, moderator, backbone):
    suite = make_suite()
    entry_with_baseline(alice.namespace, "strong", backbone, suite, 0.9, share=0.01)
    entry_with_baseline(bob.namespace, "untrained", backbone, suite, 0.5, "approved", share=0.0001)
    entry_with_baseline(alice.namespace, "modest", backbone, suite, 0.7, "approved", share=0.001)

    sign_in(page, moderator.username)
    page.goto("/review/")
    expect(page.locator(".review-item")).to_contain_text("margin +0.4000")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("pending → approved")).to_be_visible()

    page.goto("/leaderboards/sst2/1")
    names = page.locator("tbody tr td:nth-child(2)")
    expect(names).to_have_text(["alice/strong", "alice/modest", "bob/untrained"])
    expect(page.locator("svg line.baseline")).to_have_count(1)
    expect(page.get_by_role("heading", name="Legend")).to_be_visible()
    page.get_by_role("link", name="Trainable share").click()
    expect(names).to_have_text(["bob/untrained", "alice/modest", "alice/strong"])
    expect(page.get_by_role("columnheader", name="Trainable share")).to_have_attribute("aria-sort", "ascending")
    page.get_by_label("Only entries that beat the baseline").check()
    page.get_by_role("button", name="Filter").click()
    expect(names).to_have_text(["alice/strong", "alice/modest"])

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    with open(download.value.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert [(r["delta"], r["beats_baseline"]) for r in rows] == [("alice/strong", "True"), ("alice/modest", "True")]

    page.get_by_label("Compare alice/strong").check()
    page.get_by_label("Compare alice/modest").check()
    page.get_by_role("button", name="Compare the chosen deltas").click()
    page.wait_for_url("**/compare?delta=alice%2Fstrong&delta=alice%2Fmodest")
    expect(page.get_by_role("columnheader", name="alice/strong")).to_be_visible()
    expect(page.get_by_role("row", name="sst2 v1")).to_contain_text("best")


# The page polls with a growing delay of at most 10 s (static/js/validation-status.js): each change shows within it.
NEXT_POLL_MS = 12_000


def test_a_delta_page_follows_its_validation_without_a_reload(page, alice, backbone):
    suite = make_suite()
    delta = make_delta(alice.namespace, "live", backbone, task="sentiment")
    version = make_version(delta)
    job = jobs.request_validation(version)
    page.goto("/alice/live")
    badge = page.locator("header [data-validation-badge]")
    expect(badge).to_have_text("validation queued")
    page.evaluate("window.notReloaded = true")

    jobs.start(job.pk, "w1")
    expect(badge).to_have_text("validating…", timeout=NEXT_POLL_MS)
    jobs.set_stage(job.pk, f"evaluate:{suite.name}")
    expect(page.locator("[data-validation-detail]")).to_contain_text("evaluate:sst2", timeout=NEXT_POLL_MS)

    make_entry(version, suite, score=0.8, trivial=0.5)
    jobs.mark_scored(job.pk)
    expect(badge).to_have_text("✓ scored, beats baseline by 0.300", timeout=NEXT_POLL_MS)
    expect(page.locator("#validation-section table")).to_contain_text("+0.3000")
    assert page.evaluate("window.notReloaded") is True


def test_the_new_pages_are_accessible_and_fit_a_phone(browser, live_server, alice, bob, backbone):
    from hub.evaluation.models import ValidationJob

    suite = make_suite()
    entry_with_baseline(alice.namespace, "strong", backbone, suite, 0.9, "approved")
    entry_with_baseline(bob.namespace, "a-rather-long-delta-name-for-small-screens", backbone, suite, 0.5, "approved")
    broken = make_delta(alice.namespace, "broken", backbone, validation_state="failed")
    ValidationJob.objects.create(
        version=make_version(broken), status="failed", reason_code="shape_mismatch", reason="Shapes differ."
    )
    # Whole pages for the boards and the comparison; on a delta's page, the parts shown here.
    paths = {
        "/leaderboards/sst2/1": None,
        "/leaderboards/sst2/1?beats_baseline=1&sort=margin&dir=asc": None,
        "/compare?delta=alice/strong&delta=bob/a-rather-long-delta-name-for-small-screens": None,
        "/alice/broken": {"include": [["[data-validation-panel]"], ["#validation-section"]]},
        "/alice/strong": {"include": [["[data-validation-panel]"], ["#validation-section"]]},
    }
    for width in (1280, 390):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
        try:
            page = context.new_page()
            for path, part in paths.items():
                page.goto(path)
                overflow = sideways_overflow(page)
                assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
                if width == 1280:
                    assert_no_axe_violations(page, context=part)
        finally:
            context.close()
