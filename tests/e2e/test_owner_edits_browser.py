"""End to end in headless Chromium: an owner edits a delta's card and tags, then finds the new version."""

import pytest
from playwright.sync_api import expect

from hub.deltas.models import Delta
from tests.conftest import api_client_for
from tests.e2e.accessibility import assert_no_axe_violations, sideways_overflow
from tests.e2e.conftest import shot, sign_in
from tests.uploads import lora_files, push

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_owner_edits_the_card_and_tags_then_sees_the_new_version(page, alice, backbone):
    assert push(api_client_for(alice), "alice/sst2-lora", lora_files(), backbone).status_code == 201
    sign_in(page, "alice")
    page.goto("/alice/sst2-lora")
    page.get_by_role("link", name="Settings").click()
    page.wait_for_url("**/alice/sst2-lora/settings")
    page.get_by_label("Model card (README.md)").fill("# Sentiment LoRA\n\nTrained on SST-2 for a week.\n")
    page.get_by_label("Commit message").fill("Describe the training")
    page.get_by_role("button", name="Save card as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("Card saved as version 2")
    page.get_by_role("textbox", name="Tags").fill("sentiment, english")
    page.get_by_role("button", name="Save tags").click()
    expect(page.get_by_role("status")).to_contain_text("Tags saved")
    history = page.get_by_role("table").filter(has_text="Changed the tags")
    expect(history).to_contain_text("Edited the card")
    page.get_by_role("link", name="Versions").click()
    page.wait_for_url("**/alice/sst2-lora/versions")
    page.get_by_role("row", name="Describe the training").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Version 2 of alice/sst2-lora")
    expect(page.get_by_role("table", name="Added")).to_contain_text("README.md")
    page.get_by_role("link", name="README.md").first.click()
    expect(page.locator("pre.file-text")).to_contain_text("Trained on SST-2 for a week.")
    page.goto("/alice/sst2-lora")
    expect(page.get_by_role("article", name="Model card")).to_contain_text("Trained on SST-2 for a week.")
    expect(page.get_by_role("link", name="sentiment")).to_be_visible()
    assert Delta.objects.get(name="sst2-lora").tags == ["english", "sentiment"]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_file_history_and_settings_pages_are_accessible_and_fit_the_width(page, alice, backbone, width):
    response = push(api_client_for(alice), "alice/sst2-lora", lora_files(), backbone, commit_message="First")
    commit = response.json()["commit_id"]
    sign_in(page, "alice")
    page.set_viewport_size({"width": width, "height": 900})
    # Of the delta page, only the parts made here: the rest of it is checked with the rest of the site.
    page.goto("/alice/sst2-lora")
    own_parts = {"include": [[".delta-nav"], ["section[aria-labelledby=downloads-by-month]"]]}
    assert_no_axe_violations(page, context=own_parts)
    for path in [
        f"/alice/sst2-lora/blob/{commit}/adapter_model.safetensors",
        f"/alice/sst2-lora/blob/{commit}/adapter_config.json",
        "/alice/sst2-lora/versions",
        f"/alice/sst2-lora/commit/{commit}",
        "/alice/sst2-lora/settings",
    ]:
        page.goto(path)
        assert_no_axe_violations(page)
        shot(page, f"{width}-{path.strip('/').replace('/', '_')[:80]}")
        overflow = sideways_overflow(page)
        assert overflow <= 0, f"{path} is {overflow} px wider than the window"
