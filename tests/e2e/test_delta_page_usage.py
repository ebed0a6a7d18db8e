"""In headless Chromium: a new user's first token is a write token, and a delta page shows its card and snippets."""

import pytest
from playwright.sync_api import expect

from hub.accounts.tokens import find_active_token
from tests.conftest import api_client_for
from tests.e2e.accessibility import assert_no_axe_violations
from tests.e2e.conftest import create_token, shot, sign_up
from tests.uploads import push, safetensors_bytes

pytestmark = pytest.mark.django_db(transaction=True)
# A plausible LoRA (A and B of one module), so the static checks of a worker running meanwhile pass it.
LORA = {
    "adapter_config.json": b'{"peft_type": "LORA", "r": 1, "task_type": "SEQ_CLS"}',
    "adapter_model.safetensors": safetensors_bytes(
        {f"base_model.model.encoder.layer.0.attention.self.query.lora_{ab}.weight": [0.5] for ab in "AB"}
    ),
}
CARD = (
    b"---\nbase_model: tiny-org/tiny-bert\nlicense: mit\ndatasets: [rotten-tomatoes]\n---\n"
    b"# Tiny sentiment LoRA\n\nTrained on **Rotten Tomatoes** reviews.\n"
)


def test_sign_up_make_a_write_token_and_read_a_deltas_card_and_snippets(page, alice, backbone, settings, live_server):
    settings.SITE_URL = live_server.url
    response = push(api_client_for(alice), "alice/tiny-sentiment", {**LORA, "README.md": CARD}, backbone)
    assert response.status_code == 201

    sign_up(page, "erin")
    page.goto("/settings/tokens")
    expect(page.get_by_label("Write")).to_be_checked()
    expect(page.get_by_label("Read")).not_to_be_checked()
    assert_no_axe_violations(page)
    token = find_active_token(create_token(page, "laptop"))  # the secret shown is one the API accepts
    assert token.user.username == "erin" and token.has_scope("write")
    expect(page.get_by_role("cell", name="read, write")).to_be_visible()

    page.goto("/alice/tiny-sentiment")
    shot(page, "delta-card-and-usage")
    assert_no_axe_violations(page, context={"include": [[".card-body"], [".usage"]]})
    card = page.get_by_role("article", name="Model card")
    expect(card.get_by_role("heading", name="Tiny sentiment LoRA")).to_be_visible()
    expect(card.locator("dt", has_text="License")).to_be_visible()
    expect(card.locator("dd", has_text="rotten-tomatoes")).to_be_visible()
    expect(page.get_by_role("heading", name="Use it")).to_be_visible()
    expect(page.locator("#usage-install")).to_contain_text('pip install "./client[torch]"')
    expect(page.locator("#usage-peft")).to_contain_text("PeftModel.from_pretrained(backbone, delta_dir)")
    expect(page.locator("#usage-peft")).to_contain_text('BACKBONE = "tiny-bert"')
    expect(page.locator("#usage-huggingface_hub-env")).to_contain_text(f"export HF_ENDPOINT={live_server.url}")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = page.locator("button[data-copy=usage-deltacenter]")
    copy.click()
    expect(copy).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f'from_finetuned("alice/tiny-sentiment", backbone, endpoint="{live_server.url}")' in copied
