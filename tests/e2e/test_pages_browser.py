"""End to end in headless Chromium: the pages as a person uses them, forms, CSRF cookies and all."""

import pytest
from playwright.sync_api import expect

from hub.deltas.models import Delta, Like
from tests.e2e.accessibility import sideways_overflow
from tests.e2e.conftest import create_token, shot, sign_in, sign_up
from tests.uploads import lora_files

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_then_create_and_revoke_a_token(page):
    sign_up(page, "dora")
    page.get_by_role("link", name="Tokens").first.click()
    page.wait_for_url("**/settings/tokens")
    expect(page.get_by_label("Write")).to_be_checked()
    secret = create_token(page, "laptop")
    assert page.locator("#new-token").inner_text() == secret
    shot(page, "tokens")
    page.reload()
    assert page.locator("#new-token").count() == 0
    page.get_by_role("button", name="Revoke token laptop").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")


def test_browse_filter_open_and_like(page, alice, bob, backbone):
    Delta.objects.create(
        namespace=alice.namespace,
        name="sst2-lora",
        delta_type="lora",
        backbone=backbone,
        task="sentiment",
        validation_state="scored",
        verified_score=0.9,
        verified_metric="accuracy",
        verified_rank=0.9,
    )
    Delta.objects.create(
        namespace=alice.namespace, name="news-adapter", delta_type="adapter", backbone=backbone, task="topics"
    )
    Delta.objects.create(namespace=alice.namespace, name="hidden", delta_type="lora", backbone=backbone, private=True)
    page.goto("/")
    assert page.get_by_role("link", name="alice/news-adapter").is_visible()
    assert page.get_by_text("hidden").count() == 0
    shot(page, "home")
    page.locator(".facet-value", has_text="sentiment").click()
    page.wait_for_url("**/?task=sentiment")
    assert page.get_by_role("link", name="alice/news-adapter").count() == 0
    sign_in(page, "bob")
    page.goto("/?task=sentiment")
    page.get_by_role("link", name="alice/sst2-lora").click()
    page.wait_for_url("**/alice/sst2-lora")
    page.get_by_role("button", name="Like").click()
    expect(page.get_by_role("button", name="Liked")).to_be_visible()
    assert Like.objects.filter(user=bob).count() == 1
    shot(page, "delta")


def test_copy_button_copies_the_pull_command(page, alice, backbone):
    Delta.objects.create(namespace=alice.namespace, name="sst2-lora", delta_type="lora", backbone=backbone)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/alice/sst2-lora")
    copy = page.locator("button[data-copy=usage-cli]")
    copy.click()
    expect(copy).to_have_text("Copied")  # the clipboard answers asynchronously
    assert "deltacenter pull alice/sst2-lora" in page.evaluate("navigator.clipboard.readText()")


def test_upload_a_delta_from_the_browser(page, alice, backbone, tmp_path):
    paths = []
    for name, content in lora_files().items():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    sign_in(page, "alice")
    page.goto("/new")
    page.get_by_label("Name", exact=True).fill("browser-lora")
    page.get_by_label("Search backbones").fill(backbone.name)
    page.get_by_role("radio", name=backbone.name).check()
    page.get_by_label("Files").set_input_files(paths)
    page.get_by_label("Task").fill("sentiment")
    page.get_by_label("Card").fill("# From the browser\n\nIt **works**.")
    shot(page, "upload")
    page.get_by_role("button", name="Upload and commit").click()
    page.wait_for_url("**/alice/browser-lora")
    expect(page.get_by_role("heading", name="From the browser")).to_be_visible()
    assert page.get_by_role("link", name="adapter_model.safetensors").is_visible()
    assert Delta.objects.get(name="browser-lora").versions.count() == 1


def test_moderator_approves_an_entry_and_it_reaches_the_leaderboard(page, alice, moderator, backbone):
    from tests.factories import make_delta, make_entry, make_suite, make_version

    suite = make_suite()
    make_entry(make_version(make_delta(alice.namespace, "sst2-lora", backbone), share=0.002), suite, 0.91)
    make_entry(
        make_version(make_delta(alice.namespace, "sst2-ia3", backbone, delta_type="ia3"), share=0.0001),
        suite,
        0.88,
        "approved",
    )
    sign_in(page, "carol")
    page.get_by_role("link", name="Review").click()
    page.wait_for_url("**/review/")
    page.get_by_label("Reason").fill("matches the claim within noise")
    shot(page, "review")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("pending → approved")).to_be_visible()
    page.goto("/leaderboards/sst2/1")
    rows = page.locator("tbody tr")
    assert rows.count() == 2 and "alice/sst2-lora" in rows.first.inner_text()
    assert page.locator("svg circle.dot").count() == 2
    shot(page, "leaderboard")


PHONE = {"width": 390, "height": 844}


def box(locator):
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return found


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_pages_fit_a_phone_screen(phone, alice, backbone):
    from tests.factories import make_delta, make_entry, make_suite, make_version

    long_name = "a-rather-long-delta-name-for-small-screens"
    delta = make_delta(
        alice.namespace, long_name, backbone, task="sentiment", tags=["english"], train_datasets=["sst2"]
    )
    make_entry(make_version(delta, share=0.001), make_suite(), 0.91, "approved")
    for n in range(6):
        make_delta(alice.namespace, f"lora-{n}", backbone, task=f"task-{n}", tags=[f"tag-{n}"], license="mit")
    paths = ("/", "/?task=sentiment", f"/alice/{long_name}", "/leaderboards/", "/leaderboards/sst2/1", "/api/docs")
    for path in paths:
        phone.goto(path, wait_until="networkidle")
        assert sideways_overflow(phone) <= 0, f"{path} scrolls sideways by {sideways_overflow(phone)}px"
        shot(phone, "phone" + path.replace("/", "-").replace("?", "-"))

    phone.goto("/")
    filters, first_card = phone.locator("details.filters-disclosure"), phone.locator(".cards > li").first
    assert box(filters)["y"] < box(first_card)["y"], "the filters come before the results"
    assert not filters.evaluate("d => d.open") and box(first_card)["y"] < PHONE["height"], "results on the first screen"
    filters.locator("summary").click()
    expect(phone.locator(".facet-value", has_text="task-3")).to_be_visible()

    phone.goto("/leaderboards/sst2/1")
    for cell in (
        phone.get_by_role("columnheader", name="Verified score"),
        phone.locator("tbody tr td", has_text="0.91"),
    ):
        assert box(cell)["x"] + box(cell)["width"] <= PHONE["width"], "the score column is on screen"
    assert box(phone.locator(".chart .tick").first)["height"] >= 10, "chart labels are readable"

    phone.goto(f"/alice/{long_name}")
    sha = phone.locator("td code.hash")
    assert box(sha)["width"] > 300 and box(sha)["height"] < 30, "the sha256 stays on one line"
    files = phone.get_by_role("region", name="Files (table, scrolls)")
    assert files.get_attribute("tabindex") == "0"
    files.focus()
    for _ in range(3):
        phone.keyboard.press("ArrowRight")
    expect(files).not_to_have_js_property("scrollLeft", 0)


def shown_counts(page):
    """What the browse page shows: its total, the scored count, and each facet's {label: count}."""
    facets = {}
    for section in page.locator("section.facet").all():
        param = section.get_attribute("aria-labelledby").removeprefix("facet-")
        values = section.locator(".facet-value").all()
        facets[param] = {v.locator("span").first.inner_text(): v.locator(".count").inner_text() for v in values}
    verified = page.locator(".facet-value", has_text="Scored by the hub").locator(".count").inner_text()
    total = page.locator(".hero .meta").inner_text().split(" delta")[0]
    return total, verified, facets


def api_counts(page, query):
    body = page.request.get(f"/api/deltas/facets?{query}").json()  # with the page's session: the same viewer
    facets = {}
    for facet in body["facets"]:
        facets[facet["param"]] = {v["value"]: (v["label"], v["count"]["display"]) for v in facet["values"]}
    verified = facets.pop("validation").get("scored", ("", "0"))[1]  # the page's "Scored by the hub" switch
    shown = {param: dict(values.values()) for param, values in facets.items() if values}
    return body["total"]["display"], verified, shown


def test_the_page_shows_the_counts_the_api_gives(page, alice, bob, backbone):
    from tests.factories import make_delta

    make_delta(alice.namespace, "sst2-lora", backbone, task="sentiment", tags=["english"], validation_state="scored")
    make_delta(alice.namespace, "news-adapter", backbone, delta_type="adapter", task="topics", license="mit")
    make_delta(alice.namespace, "secret", backbone, task="sentiment", tags=["english", "private-tag"], private=True)
    make_delta(bob.namespace, "imdb-bitfit", backbone, delta_type="bitfit", task="sentiment", train_datasets=["imdb"])
    seen = {}
    for who in ("anonymous", "alice"):
        if who == "alice":
            sign_in(page, "alice")
        for query in ("", "task=sentiment"):
            page.goto(f"/?{query}")
            seen[who, query] = shown_counts(page)
            assert seen[who, query] == api_counts(page, query), (who, query)
    assert seen["anonymous", ""][0] == "3" and seen["alice", ""][0] == "4"
    assert "private-tag" not in seen["anonymous", "task=sentiment"][2]["tag"]
    assert seen["alice", "task=sentiment"][2]["tag"] == {"english": "2", "private-tag": "1"}
