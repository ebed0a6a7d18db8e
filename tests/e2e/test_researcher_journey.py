"""A researcher's first delta, end to end in headless Chromium with a real worker: sign up, create a token in the
browser, push with the CLI, watch the validation finish on the page without reloading it, then edit the card."""

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import create_token, sign_up
from tests.models import tiny_bert, tiny_lora

pytestmark = pytest.mark.django_db(transaction=True)


def _cli_push(live_server, token, directory, repo_id, backbone_hash, home):
    env = {
        **os.environ,
        "DELTACENTER_ENDPOINT": live_server.url,
        "DELTACENTER_TOKEN": token,
        "DELTACENTER_HOME": str(home),
        "DELTACENTER_CACHE": str(home / "cache"),
    }
    command = [sys.executable, "-m", "deltacenter.cli", "push", str(directory), repo_id, "--backbone", backbone_hash]
    return subprocess.run([*command, "--task", "sentiment"], env=env, capture_output=True, text=True, timeout=120)


def test_sign_up_push_with_the_cli_watch_it_validate_and_edit_the_card(
    page, live_server, celery_worker, suite, backbone_hash, tmp_path
):
    sign_up(page, "dora")
    page.goto("/settings/tokens")
    expect(page.get_by_label("Write")).to_be_checked()
    token = create_token(page)
    directory = tmp_path / "first-lora"
    tiny_lora(tiny_bert(seed=0)).save_pretrained(directory)

    pushed = _cli_push(live_server, token, directory, "dora/first-lora", backbone_hash, tmp_path)
    assert pushed.returncode == 0, pushed.stderr

    page.goto("/dora/first-lora")
    page.evaluate("window.notReloaded = true")
    badge = page.locator("header [data-validation-badge]")
    expect(badge).to_have_text(re.compile("scored"), timeout=120_000)
    expect(page.locator("#validation-section table")).to_contain_text(suite.name)
    assert page.evaluate("window.notReloaded") is True

    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Model card (README.md)").fill("# First LoRA\n\nRotten Tomatoes, three epochs.\n")
    page.get_by_label("Commit message").fill("Say how it was trained")
    page.get_by_role("button", name="Save card as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("Card saved as version 2")
    page.goto("/dora/first-lora")
    expect(page.get_by_role("article", name="Model card")).to_contain_text("Rotten Tomatoes, three epochs.")
