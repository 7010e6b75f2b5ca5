"""The monitoring pages in a real browser: village official asier opens a case through the form; after the
village review and the data comparison (taken over the API), township official xini finds it in its inbox
and sees only the step buttons it may press (苏木镇审核, not 旗级确认)."""

import random
import uuid

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.household_data import api_token

pytestmark = pytest.mark.browser

ASIER_VILLAGE = "150625100201"  # asier's village, in xini's township (150625100)
CLOSED = ("rejected", "risk_eliminated")
_rng = random.Random(uuid.uuid4().int)
_taken: set[str] = set()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def api(gateway: str, username: str) -> httpx.Client:
    headers = {"authorization": f"Bearer {api_token(gateway, username)}"}
    return httpx.Client(base_url=gateway, headers=headers, timeout=20)


def free_household(gateway: str, village: str = ASIER_VILLAGE) -> dict:
    """A demo household of `village` (found as banner) with no open monitoring case."""
    with api(gateway, "banner") as client:
        listed = client.get("/api/v1/households", params={"region": village, "page_size": 100})
        assert listed.status_code == 200, listed.text
        items = [h for h in listed.json()["items"] if h["id"] not in _taken]
        _rng.shuffle(items)
        for household in items:
            cases = client.get("/api/v1/monitoring/cases", params={"household_id": household["id"]})
            assert cases.status_code == 200, cases.text
            if all(c["status"] in CLOSED for c in cases.json()["items"]):
                _taken.add(household["id"])
                return dict(household)
    raise AssertionError(f"no household without an open case left in {village}")


def step(gateway: str, username: str, case_id: str, action: str) -> dict:
    with api(gateway, username) as client:
        answer = client.post(
            f"/api/v1/monitoring/cases/{case_id}/transitions", json={"action": action, "comment": "同意"}
        )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_case_opened_by_village_reaches_township_inbox(browser: Browser, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    household = free_household(gateway)
    ctx = browser.new_context(base_url=gateway, locale="zh-CN", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    try:
        page = ctx.new_page()
        sign_in(page, "asier")
        page.locator(".mainnav").get_by_role("link", name="防返贫监测").click()
        expect(page).to_have_url(f"{gateway}/monitoring/cases")
        expect(page.locator("#tab-inbox")).to_have_attribute("aria-current", "page")
        form = page.locator("#case-form")
        form.locator("input[name=q]").fill(household["number"])
        radio = form.locator(f"input[name=household_id][value='{household['id']}']")
        radio.check()
        form.locator("select[name=source]").select_option("village_screening")
        form.locator("input[name=risk_types][value=illness]").check()
        form.locator("input[name=risk_types][value=income_drop]").check()
        form.locator("textarea[name=description]").fill("户主突发重病住院，医疗支出较大，家庭收入骤减。")
        form.locator("button[type=submit]").click()
        created = page.locator("#created-case")
        expect(created).to_be_visible()
        case_id = (created.get_attribute("href") or "").rsplit("/", 1)[-1]
        uuid.UUID(case_id)
        shoot(page, "monitoring")

        # Before the village review, asier (not xini) has the step; then asier and minzheng take theirs.
        page.goto(f"/monitoring/cases/{case_id}")
        expect(page.locator("[data-action=village_review]")).to_be_visible()
        expect(page.locator("[data-action=confirm]")).to_have_count(0)
        step(gateway, "asier-team", case_id, "village_review")  # the work team signs first
        step(gateway, "asier", case_id, "village_review")
        step(gateway, "minzheng", case_id, "data_comparison")

        xini = ctx.browser.new_context(
            base_url=gateway, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        try:
            xpage = xini.new_page()
            xpage.set_default_timeout(10_000)
            sign_in(xpage, "xini")
            xpage.goto("/monitoring/cases")
            row = xpage.locator(f"#cases tr[data-case='{case_id}']")
            expect(row).to_be_visible()
            expect(row).to_contain_text("已数据比对")
            shoot(xpage, "monitoring_inbox")
            row.get_by_role("link").click()
            expect(xpage).to_have_url(f"{gateway}/monitoring/cases/{case_id}")
            expect(xpage.locator("[data-action=township_review]")).to_have_text("苏木镇审核")
            expect(xpage.locator("[data-action=confirm]")).to_have_count(0)
            expect(xpage.locator("[data-action=village_review]")).to_have_count(0)
            expect(xpage.locator("#timeline")).to_contain_text("行业部门数据比对")
            expect(xpage.locator("#timeline")).to_contain_text("minzheng")
            shoot(xpage, "case")

            # A rejection needs a reason: the error shows next to the field, in Chinese.
            xpage.locator("[data-action=reject]").click()
            expect(xpage.locator("#step-reject-error")).to_contain_text("驳回须说明理由")

            xpage.locator("form:has([data-action=township_review]) input[name=comment]").fill("情况属实")
            xpage.locator("[data-action=township_review]").click()
            expect(xpage.locator("#case-actions .alert-ok")).to_contain_text("苏木镇审核")
            expect(xpage.locator(".case-head [data-status]").first).to_have_text("苏木镇已审核")
            expect(xpage.locator("[data-action=publish_notice]")).to_be_visible()
            expect(xpage.locator("[data-action=township_review]")).to_have_count(0)
            shoot(xpage, "case_reviewed")
        finally:
            xini.close()
    finally:
        ctx.close()


def test_report_form_renders_without_login(page: Page) -> None:
    page.goto("/report")
    expect(page.get_by_role("heading", name="防返贫一键申报")).to_be_visible()
    expect(page.locator(".mainnav")).to_have_count(0)
    assert page.locator("select[name=village_code] option").count() > 1
    page.locator("button[type=submit]").click()
    expect(page.locator("#report-name-error")).to_be_visible()
    expect(page.locator("#report-authorisation-error")).to_be_visible()
    shoot(page, "report")
