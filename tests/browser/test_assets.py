"""The assets pages in a real browser: a township official records an asset's income and drafts a dividend
plan from it through the form (households by number and head, amounts in yuan), publishes it to the village,
and another official approves it only then; the fund page with a repayment; the dashboard."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from deploy.stack import Stack
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.test_assets_http import WULAN, api, operating_asset

pytestmark = pytest.mark.browser


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def second_context(live_stack: Stack, browser: Browser) -> Iterator[BrowserContext]:
    """Another official's browser (its own cookies), beside the first."""
    ctx = browser.new_context(
        base_url=live_stack.url("gateway"), locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


def test_income_plan_and_approval_by_another_official(
    page: Page, second_context: BrowserContext, live_stack: Stack
) -> None:
    asset = operating_asset(live_stack.url("gateway"), "xini", WULAN)
    sign_in(page, "xini")
    page.locator(".mainnav").get_by_role("link", name="扶贫资产").click()
    expect(page.locator("h1")).to_have_text("扶贫资产")
    page.locator("#asset-filters select[name=region]").select_option(WULAN)
    expect(page).to_have_url(re.compile(rf"/assets\?region={WULAN}"))
    expect(page.locator("#asset-results")).to_contain_text(asset["name"])
    shoot(page, "assets")

    page.locator(f'#asset-results a[href="/assets/{asset["id"]}"]').click()
    expect(page.locator("#asset-head h1")).to_contain_text(asset["name"])
    income_form = page.locator("#income-form")
    income_form.locator("input[name=year]").fill("2025")
    income_form.locator("input[name=amount_yuan]").fill("1234.56")
    income_form.locator("input[name=note]").fill("光伏发电收入")
    income_form.get_by_role("button", name="登记收益").click()
    expect(page.locator("#income-table")).to_contain_text("1,234.56")
    expect(page.locator("#incomes .alert-ok")).to_contain_text("已登记 2025 年度收益")
    # The same year again: the service's Chinese refusal, next to the form.
    page.locator("#income-form input[name=year]").fill("2025")
    page.locator("#income-form input[name=amount_yuan]").fill("1")
    page.locator("#income-form").get_by_role("button", name="登记收益").click()
    expect(page.locator("#income-form .alert-error")).to_contain_text("2025 年度收益已登记")
    shoot(page, "assets-detail")

    # A plan from this income: the form comes filled in from it (its village, its year).
    income_row = page.locator("#income-table tr", has_text="2025 年")
    income_row.get_by_role("link", name="据此收益制定分配方案").click()
    expect(page).to_have_url(re.compile(rf"/assets/distributions/new\?asset={asset['id']}&year=2025$"))
    form = page.locator("#plan-form")
    expect(form.locator("#plan-source")).to_contain_text(f"据 {asset['name']} 2025 年收益 1,234.56 元制定")
    expect(form.locator("input[name=year]")).to_have_value("2025")
    expect(form.locator("select[name=region]")).to_have_value(WULAN)
    form.locator("input[name=total_yuan]").fill("1000.01")
    form.locator("input[name=share_households]").fill("70")
    expect(page.locator("#share-sum")).to_contain_text("110%")
    form.locator("input[name=share_public_posts]").fill("10")
    expect(page.locator("#share-sum")).to_contain_text("100%")
    for label in ("已脱贫享受政策户", "已脱贫不享受政策户", "一般农牧户"):
        form.get_by_label(label).check()
    form.get_by_role("button", name="生成分配方案").click()

    preview = page.locator("#plan-form.plan-preview")
    expect(preview).to_contain_text("方案已生成")
    expect(preview).to_contain_text("1,000.01 元")
    expect(page.locator("#preview-households")).to_have_text("700.01 元")  # 70% of 100001 fen, exactly
    lines = int(page.locator("#preview-lines").inner_text())
    assert lines > 0
    expect(page.locator("#preview-table tbody tr")).to_have_count(min(lines, 10))
    shoot(page, "assets-plan-preview")
    preview.get_by_role("link", name="查看方案详情").click()
    expect(page).to_have_url(re.compile(r"/assets/distributions/[0-9a-f-]{36}$"))
    plan_url = page.url
    expect(page.locator("#plan-status")).to_have_text("草稿")
    expect(page.locator("#plan-lines tbody tr")).to_have_count(lines)
    # Households by household number and head name, amounts in yuan to the fen; the income it came from.
    first = page.locator("#plan-lines tbody tr").first
    expect(first.locator("td").nth(1)).to_have_text(re.compile(r"^\d{6,}$"))
    expect(first.locator("td").nth(2)).not_to_be_empty()
    expect(first.locator("td").nth(3)).to_have_text(re.compile(r"^\d[\d,]*\.\d{2}$"))
    expect(page.locator("#plan-lines tfoot")).to_contain_text("700.01")
    expect(page.locator("#plan-source")).to_contain_text(asset["name"])
    shoot(page, "distribution-draft")

    # 公示 before 审批: another official finds nothing to approve until the village has seen the plan.
    checker = second_context.new_page()
    sign_in(checker, "banner")
    checker.goto(plan_url)
    expect(checker.locator("#plan-status")).to_have_text("草稿")
    expect(checker.get_by_role("button", name="审批通过")).to_have_count(0)
    expect(checker.locator("#plan-actions")).to_contain_text("方案须先在嘎查村公示")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布公示").click()
    expect(page.locator("#plan-actions .alert-ok")).to_contain_text("方案已在嘎查村公示")
    expect(page.locator("#plan-status")).to_have_text("公示中")
    expect(page.locator("#plan-notice")).to_contain_text("至")
    page.locator("#plan-notice").get_by_role("link", name="打印公示").click()  # what the village reads
    expect(page.locator(".notice-sheet h1")).to_contain_text("2025年度扶贫资产收益分配方案公示")
    notice_rows = page.locator("#notice-rows tbody tr")
    expect(notice_rows).to_have_count(lines)
    expect(notice_rows.first.locator("td").nth(1)).to_have_text(re.compile(r"^\d{6,}$"))
    expect(page.locator("#notice-total")).to_have_text("700.01")
    shoot(page, "distribution-notice")

    checker.reload()  # PAYMENT_NOTICE_DAYS is 0 here: the notice has already run
    expect(checker.locator("#plan-status")).to_have_text("公示中")
    checker.get_by_role("button", name="审批通过").click()
    expect(checker.locator("#plan-actions .alert-ok")).to_contain_text("方案已审批")
    expect(checker.locator("#plan-status")).to_have_text(re.compile("已审批|已移交发放"))
    expect(checker.locator("#plan-head")).to_contain_text("审批人 banner")
    # The posts' and the collective's parts are entered for the village, in yuan.
    expect(checker.locator("#plan-funds")).to_contain_text("公益岗位预算 100.00 元")
    expect(checker.locator("#plan-funds")).to_contain_text("村集体收入 200.00 元")

    # Later, whatever payments made of it is what the page says: a plan page, never an error page.
    checker.reload()
    expect(checker.locator("#plan-head h1")).to_contain_text("资产收益分配方案")
    expect(checker.locator("#plan-status")).to_have_text(re.compile("已审批|已移交发放|移交失败|已发放"))
    expect(checker.get_by_role("button", name="审批通过")).to_have_count(0)
    shoot(checker, "distribution")
    checker.set_viewport_size({"width": 390, "height": 844})
    shoot(checker, "distribution-phone")

    checker.goto("/assets/distributions")
    plan_link = checker.locator(f'#plan-table a[href="/assets/distributions/{plan_url.rsplit("/", 1)[1]}"]')
    expect(plan_link.first).to_be_visible()
    # The village's entries: listed with their plan, by year.
    checker.get_by_role("link", name="村级收益入账").click()
    checker.locator("#fund-filters select[name=year]").select_option("2025")
    entries = checker.locator("#fund-table tbody tr").filter(
        has=checker.locator(f'a[href="/assets/distributions/{plan_url.rsplit("/", 1)[1]}"]')
    )
    expect(entries).to_have_count(2)
    expect(entries.filter(has_text="公益岗位预算")).to_contain_text("100.00")
    expect(entries.filter(has_text="村集体收入")).to_contain_text("200.00")
    shoot(checker, "village-funds")


def test_fund_repayment_and_dashboard(page: Page, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    before = api(gateway, "banner", "GET", "/api/v1/assets/fund").json()
    sign_in(page, "banner")
    expect(page.locator("#dashboard-assets")).to_contain_text("经营性资产")
    expect(page.locator("#dashboard-fund")).to_contain_text("15,000,000.00 元")
    shoot(page, "assets-dashboard")

    page.goto("/assets/fund")
    expect(page.locator("#capital-preserved")).to_contain_text("保本")
    row = page.locator("#investments tbody tr", has_text="阿斯尔绒山羊")
    expect(row).to_contain_text("1:1")
    row.locator("summary").click()
    row.locator("input[name=income_yuan]").fill("88.8")
    row.locator("input[name=paid_on]").fill("2026-06-30")
    row.get_by_role("button", name="保存").click()
    row = page.locator("#investments tbody tr", has_text="阿斯尔绒山羊")
    expect(row.locator(".alert-ok")).to_contain_text("已登记回款")
    after = api(gateway, "banner", "GET", "/api/v1/assets/fund").json()
    assert after["income_fen"] == before["income_fen"] + 8_880
    page.reload()
    shoot(page, "fund")


def test_entity_catalogue_form_refreshes_the_list(page: Page) -> None:
    sign_in(page, "banner")
    page.goto("/assets/entities")
    expect(page.locator("#entity-table")).to_contain_text("鄂尔多斯天牧朔方农牧业有限公司")
    form = page.locator("#entity-form")
    form.locator("input[name=name]").fill("锡尼镇测试肉羊专业合作社")
    form.locator("select[name=kind]").select_option(label="专业合作组织")
    form.locator("select[name=region_code]").select_option("150625100204")
    form.locator("input[name=credit_code]").fill("bad")
    form.get_by_role("button", name="登记").click()
    expect(page.locator("#entity-form .field-error")).to_contain_text("统一社会信用代码应为 18 位")
    page.locator("#entity-form input[name=credit_code]").fill("")
    page.locator("#entity-form").get_by_role("button", name="登记").click()
    expect(page.locator("#entity-form .alert-ok")).to_contain_text("已登记经营主体锡尼镇测试肉羊专业合作社")
    expect(page.locator("#entity-table")).to_contain_text("锡尼镇测试肉羊专业合作社")
    shoot(page, "assets-entities")

    page.locator(".subnav").get_by_role("link", name="扶贫产品").click()
    expect(page.locator("#product-table")).to_contain_text("阿尔巴斯白绒山羊羊绒")
    shoot(page, "assets-products")
    page.locator(".subnav").get_by_role("link", name="收益分配").click()
    expect(page.locator("h1")).to_have_text("收益分配方案")
    shoot(page, "assets-distributions")
