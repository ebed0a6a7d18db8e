"""Real headless Chromium against the live test server.

Where Chromium is not installed they are skipped, except in CI (CI=true), whose script installs it: there
a missing browser is a failure."""

import os
import re
import shutil

import pytest

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")
NEW_PASSWORD = "a long pass phrase 42"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
# Offline machine: keep Chromium from reaching for update, sync and other background services.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is not at {CHROMIUM}; .ci/run installs Debian's chromium package.")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    # Playwright's sync API keeps an event loop on this thread; the tests' own ORM calls are still synchronous.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username, password="correct horse battery"):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/users/{username}")


def sign_up(page, username, password=NEW_PASSWORD, confirmation=None):
    """Fill in and send the sign-up form; a `confirmation` other than the password leaves the page on its errors."""
    page.goto("/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password confirmation").fill(password if confirmation is None else confirmation)
    page.get_by_role("button", name="Create account").click()
    if confirmation is None or confirmation == password:
        page.wait_for_url(f"**/users/{username}")


def create_token(page, name="laptop") -> str:
    """Create a token with the form's default scopes on the tokens page (open already); the secret it shows once."""
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create token").click()
    return re.search(r"dc_\S+", page.locator("#new-token").inner_text()).group(0)


def shot(page, name):
    """A full-page screenshot into $E2E_SCREENSHOTS, where it is set."""
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)
