"""In headless Chromium: picking a backbone on the upload form by searching, and the backbone page's code
generator (tick modules, choose a kind of delta, read the code and the count)."""

import pytest
from playwright.sync_api import expect

from hub.deltas.models import Backbone, Delta
from hub.deltas.peft_code import DeltaChoice, generate
from hub.deltas.shapes import facts
from tests.e2e.accessibility import assert_no_axe_violations
from tests.e2e.conftest import shot, sign_in
from tests.factories import store_backbone_weights
from tests.uploads import lora_files

pytestmark = pytest.mark.django_db(transaction=True)


def test_pick_a_backbone_on_the_upload_form_by_searching(page, alice, bob, backbone, tmp_path):
    twin = Backbone.objects.create(
        content_hash="3" * 64, structure_hash="2" * 64, name="tiny-bert", registered_by=bob, name_is_shared=True
    )
    Backbone.objects.filter(pk=backbone.pk).update(name_is_shared=True, registered_by=alice)
    paths = []
    for name, content in lora_files().items():
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    sign_in(page, "alice")
    page.goto("/new")
    expect(page.locator("input[name=backbone]")).to_have_count(0)  # no list of every backbone
    page.get_by_label("Search backbones").fill("tiny")  # answered as one types, without a reload
    choices = page.locator("#backbone-results input[name=backbone]")
    expect(choices).to_have_count(2)
    expect(page.locator("#backbone-results")).to_contain_text("registered by bob")
    assert_no_axe_violations(page)
    page.get_by_role("radio", name=f"tiny-bert {twin.content_hash[:12]}").check()
    shot(page, "upload-picker")
    page.get_by_label("Name", exact=True).fill("picked-lora")
    page.get_by_label("Files").set_input_files(paths)
    page.get_by_role("button", name="Upload and commit").click()
    page.wait_for_url("**/alice/picked-lora")
    assert Delta.objects.get(name="picked-lora").backbone == twin


def test_the_search_step_works_without_javascript(browser, live_server, alice, backbone):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "alice")
        page.goto("/new")
        page.get_by_label("Search backbones").fill("tiny")
        page.get_by_role("button", name="Search", exact=True).click()
        page.wait_for_url("**/new?backbone_q=tiny")
        expect(page.get_by_role("radio", name="tiny-bert")).to_have_count(1)
    finally:
        context.close()


def _store_tiny_bert(backbone):
    """A tiny BERT's config and weights as the backbone's."""
    from tests.models import tiny_bert

    model = tiny_bert(head=False)
    Backbone.objects.filter(pk=backbone.pk).update(config=model.config.to_dict())
    backbone.refresh_from_db()
    store_backbone_weights(backbone, model.state_dict())


def test_the_code_generator_writes_the_code_for_the_ticked_modules(page, backbone):
    _store_tiny_bert(backbone)
    page.goto(f"/backbones/{backbone.content_hash}")
    query = "encoder.layer.0–1.attention.self.query"
    value = "encoder.layer.0–1.attention.self.value"
    page.get_by_role("checkbox", name=f"query ({query})").click()
    page.get_by_role("checkbox", name=f"value ({value})").click()
    page.get_by_label("LoRA rank r").fill("4")
    page.get_by_label("LoRA rank r").press("Tab")
    lora = generate(facts(backbone), DeltaChoice("lora", targets=(query, value), r=4))
    expect(page.locator("#trainable-count")).to_have_text(f"{lora.trainable_parameters:,}")
    expect(page.locator("#delta-code-text")).to_contain_text("target_modules=['query', 'value']")
    shot(page, "code-generator")
    assert_no_axe_violations(page)

    page.get_by_role("radio", name="IA3").check()
    ia3 = generate(facts(backbone), DeltaChoice("ia3", targets=(query, value)))
    expect(page.locator("#trainable-count")).to_have_text(f"{ia3.trainable_parameters:,}")
    expect(page.get_by_label("LoRA rank r")).to_be_hidden()

    page.get_by_role("checkbox", name=f"freeze {query}").click()
    frozen = generate(facts(backbone), DeltaChoice("ia3", targets=(query, value), frozen=(query,)))
    expect(page.locator("#trainable-count")).to_have_text(f"{frozen.trainable_parameters:,}")
    assert frozen.trainable_parameters < ia3.trainable_parameters

    page.get_by_role("radio", name="BitFit").check()
    expect(page.locator("#delta-code-text")).to_contain_text('param.requires_grad = kind == "bias"')
    page.get_by_role("radio", name="Prefix tuning").check()
    expect(page.locator("#delta-code-text")).to_contain_text("PrefixTuningConfig")
    prefix = generate(facts(backbone), DeltaChoice("prefix"))
    expect(page.locator("#trainable-count")).to_have_text(f"{prefix.trainable_parameters:,}")
