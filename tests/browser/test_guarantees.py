"""The three-guarantee pages in a real browser: a village official records a household's drinking-water
problem with its fix, the water list shows it open, the row's 登记进度 marks it started and done, and the
household file lists it done; the four lists and a form fit a 390 px screen. Screenshots at 1280 and
390 px."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from gateway.web.render import today
from tests.browser.conftest import sign_in
from tests.browser.household_data import register_household
from tests.browser.test_dashboard import PHONE, assert_fits_a_phone
from tests.browser.test_monitoring import ASIER_VILLAGE, shoot

pytestmark = pytest.mark.browser


def test_a_water_problem_is_recorded_and_fixed_through_the_pages(page: Page, live_stack: Stack) -> None:
    household = register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    sign_in(page, "asier")
    page.goto("/guarantees/water-fixes")
    page.locator("#new-water-fix").click()
    page.locator("#household-pick input[name=q]").fill(household["number"])
    page.get_by_role("button", name="查找").click()
    page.locator("#household-options a").first.click()
    form = page.locator("#water-fix-form form")
    form.locator("select[name=problem]").select_option("quality")
    form.locator("select[name=fix]").select_option("purifier")
    form.locator("input[name=note]").fill("井水氟超标")
    shoot(page, "water-fix-form")
    form.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/guarantees/water-fixes#record-[0-9a-f-]{36}$"))
    row = page.locator("#water-fixes tr", has_text=household["number"]).first
    expect(row).to_contain_text("水质不达标")
    expect(row).to_contain_text("待整改")

    row.locator("summary", has_text="登记进度").click()
    day = today().isoformat()
    row.locator("input[name=started_on]").fill(day)
    row.locator("input[name=done_on]").fill(day)
    shoot(page, "water-fixes")
    row.get_by_role("button", name="保存").click()
    row = page.locator("#water-fixes tr", has_text=household["number"]).first
    expect(row).to_contain_text("已完成")
    expect(row.locator("summary")).to_have_count(0)

    page.goto(f"/households/{household['id']}")
    section = page.locator("#section-guarantees")
    expect(section).to_contain_text("水质不达标 · 净水设备")
    expect(section).to_contain_text("已完成")
    shoot(page, "household-guarantees")
    for path, name in (("/guarantees/dropouts", "dropouts"), ("/guarantees/insurance", "insurance")):
        page.goto(path)
        expect(page.locator("#results")).to_be_visible()
        shoot(page, name)


def test_the_guarantee_pages_fit_a_phone(browser: Browser, live_stack: Stack) -> None:
    context = browser.new_context(base_url=live_stack.url("gateway"), locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, "asier")
        for path in (
            "/guarantees/dropouts",
            "/guarantees/insurance",
            "/guarantees/renovations",
            "/guarantees/water-fixes",
            "/guarantees/renovations/new",
        ):
            assert_fits_a_phone(page, path)
        page.goto("/guarantees/renovations")
        shoot(page, "renovations-phone")
    finally:
        context.close()
