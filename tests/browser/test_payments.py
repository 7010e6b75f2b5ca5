"""The payments pages in a real browser: a village official files a sheep claim and watches the breakdown
follow the quantity typed; a township official drafts and submits a batch; a banner official approves and
disburses it while the progress bar polls; the maker-checker refusal is shown in Chinese."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.household_data import api_token, register_household
from tests.support.households import account

pytestmark = pytest.mark.browser

ASIER_VILLAGE = "150625100201"  # asier's village, in xini's township
BAYIN_VILLAGE = "150625100202"  # bayin's village, same township
YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year
SHEEP_CAP = 20


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def api(gateway: str, username: str) -> httpx.Client:
    headers = {"authorization": f"Bearer {api_token(gateway, username)}"}
    return httpx.Client(base_url=gateway, headers=headers, timeout=20)


def fresh_household(gateway: str, username: str, village: str) -> dict:
    """A new household of `village` with nothing claimed this year, a registered flock larger than any claim
    here (a claim may not sell more head than the register holds) and a payee account the bank pays into:
    registered for the test, so no other test's claims can have used it up."""
    return register_household(gateway, username, village, sheep=40, payee_account=account())


def file_sheep_claim(gateway: str, username: str, village: str, quantity: int = 3) -> dict:
    household = fresh_household(gateway, username, village)
    with api(gateway, username) as client:
        body = {"household_id": household["id"], "kind": "sheep", "year": YEAR, "quantity": quantity}
        answer = client.post("/api/v1/payments/claims", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def draft_batch(gateway: str, username: str, region: str) -> dict:
    with api(gateway, username) as client:
        answer = client.post(
            "/api/v1/payments/batches", json={"year": YEAR, "kind": "sheep", "region": region}
        )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_village_official_files_a_sheep_claim_with_a_live_breakdown(page: Page, live_stack: Stack) -> None:
    household = fresh_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    sign_in(page, "asier")
    page.locator(".mainnav").get_by_role("link", name="补贴发放").click()
    expect(page).to_have_url(re.compile(r"/payments/batches$"))
    page.get_by_role("link", name="补贴申报").first.click()
    expect(page).to_have_url(re.compile(r"/payments/claims/new$"))
    preview = page.locator("#claim-preview")
    expect(preview).to_contain_text("请先查找并选择农牧户")

    page.get_by_role("searchbox").fill(household["head_name"])
    option = page.locator("#household-options .option", has_text=household["number"])
    expect(option).to_be_visible()
    option.click()
    expect(preview.locator("#preview-remaining")).to_have_text(f"{SHEEP_CAP} 只")
    expect(preview.locator("#preview-amount")).to_have_text("100.00 元")  # the form starts at 1 head

    quantity = page.locator("input[name=quantity]")
    quantity.fill("")
    quantity.press_sequentially("25", delay=50)
    expect(preview.locator("#preview-amount")).to_have_text("2,000.00 元")  # capped at 20 head
    expect(preview).to_contain_text("超出上限部分不补贴")
    quantity.fill("")
    quantity.press_sequentially("12", delay=50)
    expect(preview.locator("#preview-amount")).to_have_text("1,200.00 元")
    expect(preview).to_contain_text("预计")
    page.locator("input[name=evidence]").fill("出栏票据 2024-0815")
    shoot(page, "claim")

    page.get_by_role("button", name="提交申报").click()
    done = page.locator("#claim-form[role=status]")
    expect(done).to_contain_text("申报已提交")
    expect(done.locator("#claim-amount")).to_have_text("1,200.00 元")
    expect(done).to_contain_text(household["number"])
    shoot(page, "claim-done")

    page.get_by_role("link", name="查看申报记录").click()
    expect(page.locator("#claims tbody")).to_contain_text(household["number"])
    expect(page.locator("#claims tbody tr", has_text=household["number"])).to_contain_text("已批准")
    shoot(page, "payments-claims")


def test_an_ineligible_household_is_refused_next_to_the_household(page: Page, live_stack: Stack) -> None:
    with api(live_stack.url("gateway"), "asier") as client:
        listed = client.get("/api/v1/households", params={"region": ASIER_VILLAGE, "category": "ordinary"})
    household = listed.json()["items"][0]
    sign_in(page, "asier")
    page.goto(f"/payments/claims/new?household_id={household['id']}")
    expect(page.locator("#preview-ineligible")).to_be_visible()
    page.get_by_role("button", name="提交申报").click()
    error = page.locator("#claim-household-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile(r"[\u4e00-\u9fff]"))
    expect(page.locator("#claim-form input[name=household_id]:checked")).to_have_value(household["id"])


def test_township_drafts_and_submits_and_the_banner_approves_and_disburses(
    page: Page, browser: Browser, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    claim = file_sheep_claim(gateway, "asier", ASIER_VILLAGE, quantity=4)

    sign_in(page, "xini")
    page.on("dialog", lambda dialog: dialog.accept())  # submit, approve and disburse ask first
    page.goto("/payments/batches")
    form = page.locator("#batch-form")
    form.locator("select[name=year]").select_option(str(YEAR))
    form.locator("select[name=kind]").select_option(label="肉羊出栏补贴")
    form.locator("select[name=region]").select_option(value=ASIER_VILLAGE)
    form.get_by_role("button", name="生成草稿批次").click()
    expect(page).to_have_url(re.compile(r"/payments/batches/[0-9a-f-]{36}$"))
    batch_url = page.url
    expect(page.locator("#batch-status")).to_have_text("草稿")
    expect(page.locator("#lines tbody")).to_contain_text(claim["household_number"])
    expect(page.locator("#lines tbody tr", has_text=claim["household_number"])).to_contain_text("待发送")
    expect(page.locator("#reconciliation")).to_contain_text("✓")

    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("#batch-actions [role=status]")).to_contain_text("批次已提交")
    expect(page.locator("#batch-status")).to_have_text("已提交")
    expect(page.get_by_role("button", name="审批通过")).to_have_count(0)  # a township official never approves
    # …and approving anyway (a forged post on the page's own session) is refused in Chinese.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "hj_csrf")
    forced = page.request.post(f"{batch_url}/approve", form={"csrf_token": token})
    assert forced.status == 403 and "您的角色无权使用此功能" in forced.text()
    page.reload()
    expect(page.locator("#batch-status")).to_have_text("已提交")
    shoot(page, "batch-submitted")

    banner = browser.new_context(base_url=gateway, locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        other = banner.new_page()
        other.on("dialog", lambda dialog: dialog.accept())
        sign_in(other, "banner")
        other.goto(batch_url)
        other.get_by_role("button", name="审批通过").click()
        expect(other.locator("#batch-status")).to_have_text("已审批")
        expect(other.locator("#batch-actions [role=status]")).to_contain_text("批次已审批")
        other.get_by_role("button", name="发放", exact=True).click()
        expect(other.locator("#batch-status")).to_have_text("发放中")
        progress = other.locator("#batch-progress")
        expect(progress).to_have_attribute("hx-trigger", "every 2s")
        expect(progress.locator("progress")).to_be_visible()
        expect(other.locator("#reconciliation")).to_contain_text("✓ 账目平衡")
        with other.expect_response(re.compile(r"/progress$")) as polled:
            pass
        assert polled.value.ok
        shoot(other, "batch")

        other.get_by_role("link", name="公示名单").click()
        expect(other.locator("h1")).to_contain_text("发放公示")
        expect(other.locator("#notice-rows tbody")).to_contain_text(claim["household_number"])
        expect(other.locator(".mainnav")).to_have_count(0)
        shoot(other, "payments-notice")
    finally:
        banner.close()


def test_the_submitter_cannot_approve_its_own_batch(page: Page, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    file_sheep_claim(gateway, "bayin", BAYIN_VILLAGE)
    batch = draft_batch(gateway, "banner2", BAYIN_VILLAGE)
    sign_in(page, "banner2")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/payments/batches/{batch['id']}")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("#batch-status")).to_have_text("已提交")
    expect(page.locator("#batch-number")).to_have_text(batch["number"])
    expect(page.get_by_role("button", name="审批通过")).to_have_count(0)  # the maker is not offered approve
    # …and approving anyway (a forged post on the page's own session) is refused in Chinese.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "hj_csrf")
    forced = page.request.post(f"/payments/batches/{batch['id']}/approve", form={"csrf_token": token})
    assert "制单人或提交人不能审批或发放本批次" in forced.text()
    page.reload()
    expect(page.locator("#batch-status")).to_have_text("已提交")
    shoot(page, "batch-refused")

    page.goto("/payments/batches")
    expect(page.locator("#batches tbody")).to_contain_text(batch["number"])
    shoot(page, "payments")
    page.goto("/")
    expect(page.locator("#dashboard-payments")).to_contain_text("已提交")
    shoot(page, "payments-dashboard")


def test_policy_table_and_the_admins_new_version_form(page: Page) -> None:
    sign_in(page, "admin")
    page.goto("/payments/policies")
    table = page.locator("#policy-table")
    expect(table).to_contain_text("肉羊出栏补贴")
    expect(table).to_contain_text("教育生活补贴 · 高中（含中职）")
    expect(table).to_contain_text("3,750.00 / 人·年")
    expect(page.locator("#policy-history")).to_contain_text("第 1 版")
    form = page.locator("#policy-form")
    form.get_by_role("button", name="发布新版本").click()
    expect(form.locator("#policy-date-error")).to_have_text("请选择生效日期")
    shoot(page, "payments-policies")
