"""The dashboard and the phone layout in a real browser: the inbox, a chart drawn with its Chinese labels,
an export with a filter, and the main pages at 390 px without sideways scrolling; screenshots at 1280 and
390 px for a person to look at."""

import csv
import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.test_assets_http import api

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# What sticks out on the right, for the failure message: the innermost elements past the viewport.
WIDE = """Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5).reverse()
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 30))"""
MAIN_PAGES = ("/", "/households", "/monitoring/cases", "/payments/batches", "/assets", "/monitoring/plans")
# The banner official's pages of places, people, assets and payments (the widest: every form is theirs), and
# the detail pages each reached by the first record of its list.
BANNER_PAGES = (
    *("/places/sites", "/people/assignments", "/people/assessment", "/assets/distributions"),
    *("/assets/fund", "/assets/entities", "/assets/products", "/assets/partnerships"),
    *("/assets/allocations", "/assets/performance", "/assets/allocations/notices", "/assets/projects/new"),
    *("/payments", "/payments/claims", "/payments/claims/new", "/payments/policies"),
    "/payments/bank-endpoints",
)
DETAIL_PAGES = (
    ("/places/sites/{}", "/api/v1/resettlement-sites"),
    ("/assets/{}", "/api/v1/assets"),
    ("/assets/products/{}", "/api/v1/assets/products"),
    ("/assets/partnerships/{}", "/api/v1/assets/partnerships"),
    ("/payments/batches/{}", "/api/v1/payments/batches"),
    ("/payments/batches/{}/notice", "/api/v1/payments/batches"),
)


def assert_fits_a_phone(page: Page, path: str) -> None:
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (path, width, page.evaluate(WIDE))


def test_the_inbox_and_the_charts_at_desktop_width(page: Page) -> None:
    sign_in(page, "banner")
    inbox = page.locator("#inbox")
    expect(inbox.get_by_role("heading", name="待我处理")).to_be_visible()
    approve = inbox.locator('[data-kind="batches_submitted"]')
    expect(approve).to_contain_text("发放批次待审批")
    approve.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/payments/batches/[0-9a-f-]{36}$"))
    page.go_back()
    charts = page.locator(".charts img")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 3
    # The image is decoded and drawn (an SVG that fails to parse has no natural size).
    assert page.evaluate(
        "Array.from(document.querySelectorAll('.charts img')).every(i => i.naturalWidth > 0)"
    )
    expect(page.locator(".brand-mn")).to_have_attribute("lang", "mn-Mong")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-charts-1280.png"), full_page=True)


def test_an_export_downloads_what_the_filtered_list_shows(page: Page) -> None:
    sign_in(page, "banner")
    page.goto("/assets?asset_class=public_welfare")
    with page.expect_download() as download:
        page.locator(".export-links").get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows and {row["类别"] for row in rows} == {"公益性资产"}


def test_the_main_pages_fit_a_phone_with_the_menu_behind_a_button(
    live_stack: Stack, browser: Browser
) -> None:
    context = browser.new_context(base_url=live_stack.url("gateway"), locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, "xini")
        for path in MAIN_PAGES:
            assert_fits_a_phone(page, path)
        page.goto("/")
        nav = page.locator(".mainnav")
        expect(nav).to_be_hidden()
        page.locator(".nav-button").click()
        expect(nav.get_by_role("link", name="防返贫监测")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard-390.png"), full_page=True)
        page.goto("/payments/batches")
        cell = page.locator("table.table tbody td[data-label]").first
        expect(cell).to_be_visible()  # a row is a card whose cells say their column
        page.screenshot(path=str(SCREENSHOTS / "batches-390.png"), full_page=True)
    finally:
        context.close()


def test_the_places_people_assets_and_payments_pages_fit_a_phone(live_stack: Stack, browser: Browser) -> None:
    gateway = live_stack.url("gateway")
    details = [
        page.format(api(gateway, "banner", "GET", listing, params={"page_size": 1}).json()["items"][0]["id"])
        for page, listing in DETAIL_PAGES
    ]
    context = browser.new_context(base_url=gateway, locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, "banner")
        for path in (*BANNER_PAGES, *details):
            assert_fits_a_phone(page, path)
        page.goto("/assets/fund")
        # The section links wrap whole onto lines, never a character per line: all one line high.
        heights = {round(link.bounding_box()["height"]) for link in page.locator(".subnav a").all()}
        assert len(heights) == 1, heights
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "fund-390.png"), full_page=True)
    finally:
        context.close()
