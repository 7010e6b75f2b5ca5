"""以奖代补 in a real browser (seed §五(五)): a village official records a household's new shed with the visit
that saw it, the result is listed as verified, and its 申报奖补 link opens the claim form with the result
picked; the reward claim is filed and waits for a second official. A household with no verified result is told
不干不补 on the claim form. The results page at 390 px fits the screen. Screenshots at 1280 and 390 px."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from gateway.web.render import today
from tests.browser.conftest import sign_in
from tests.browser.household_data import register_household
from tests.browser.test_dashboard import PHONE, assert_fits_a_phone
from tests.browser.test_monitoring import ASIER_VILLAGE, api, shoot
from tests.support.households import account

pytestmark = pytest.mark.browser


def visited(gateway: str, household_id: str) -> dict:
    """A visit to the household today by the village official, through the API."""
    body = {
        "household_id": household_id, "visited_on": today().isoformat(), "education_secure": True,
        "medical_secure": True, "housing_secure": True, "water_secure": True,
        "income_per_capita_fen": 900_000, "rigid_expenditure_fen": 0, "note": "入户查看新建棚圈",
    }  # fmt: skip
    with api(gateway, "asier") as client:
        answer = client.post("/api/v1/monitoring/visits", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["visit"])


def test_a_verified_result_leads_to_its_reward_claim_and_none_is_refused(
    page: Page, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    household = register_household(gateway, "asier", ASIER_VILLAGE, payee_account=account())
    visit = visited(gateway, household["id"])
    sign_in(page, "asier")

    page.goto(f"/monitoring/industry-results/new?household_id={household['id']}")
    form = page.locator("#result-form form")
    form.locator("input[name=what]").fill("新建标准化棚圈")
    form.locator("input[name=quantity]").fill("1")
    form.locator("input[name=unit]").fill("座")
    form.locator("select[name=visit_id]").select_option(visit["id"])
    shoot(page, "industry-result-form")
    form.get_by_role("button", name="登记成果").click()
    expect(page).to_have_url(re.compile(r"/monitoring/industry-results#result-[0-9a-f-]{36}$"))
    row = page.locator("#industry-results tr", has_text=household["number"]).first
    expect(row).to_contain_text("新建标准化棚圈")
    expect(row).to_contain_text("已核实")
    shoot(page, "industry-results")

    row.get_by_role("link", name="申报奖补").click()
    expect(page.locator("select[name=kind]")).to_have_value("industry_reward")
    picked = page.locator("#reward-results input[name=result_id]")
    expect(picked).to_be_checked()
    page.locator("input[name=amount_yuan]").fill("3000")
    page.get_by_role("button", name="提交申报").click()
    done = page.locator("#claim-form")
    expect(done).to_contain_text("申报已提交")
    expect(done).to_contain_text("待审批")
    expect(page.locator("#claim-amount")).to_have_text("3,000.00 元")

    nothing = register_household(gateway, "asier", ASIER_VILLAGE, payee_account=account())
    page.goto(f"/payments/claims/new?household_id={nothing['id']}&kind=industry_reward")
    expect(page.locator("#no-result")).to_contain_text("不干不补")


def test_the_results_page_fits_a_phone(browser: Browser, live_stack: Stack) -> None:
    context = browser.new_context(base_url=live_stack.url("gateway"), locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, "asier")
        for path in ("/monitoring/industry-results", "/monitoring/industry-results/new"):
            assert_fits_a_phone(page, path)
        page.goto("/monitoring/industry-results")
        shoot(page, "industry-results-390")
    finally:
        context.close()
