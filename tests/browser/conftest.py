"""Browser fixtures: Debian's Chromium driven by Playwright against the live stack (both backends)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from deploy.stack import Stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="module")
def browser(live_stack: Stack) -> Iterator[Browser]:
    """One Chromium per module and stack. Playwright's sync API keeps an event loop running while it is
    open, so it must close before any other test or fixture runs an event loop of its own."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(live_stack: Stack, browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) pointed at the gateway."""
    ctx = browser.new_context(
        base_url=live_stack.url("gateway"), locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in(page: Page, username: str, password: str = "hangjin-demo") -> None:
    """Fill in and submit the login form, as an official would."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
