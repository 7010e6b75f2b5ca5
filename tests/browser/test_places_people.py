"""Places, partners and people in a real browser: a resettlement site's gap closed through its facility
form and a household linked to it; a partnership paired and its delivery moving it up the ranking; a
product's four checks decided and a sale paying its supplier; an allocation turning the special-funds verdict
and back; a fund project created with its targets; a 第一书记 sent to a village and the assessment showing
them, exported."""

import re

import pytest
from playwright.sync_api import Page, expect

from deploy.stack import Stack
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.test_assets_http import ASIER, api

pytestmark = pytest.mark.browser
TUGURIGE = "150625100205"


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_site_gap_is_closed_through_its_facility_form_and_a_household_linked(
    page: Page, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    site = api(gateway, "xini", "GET", "/api/v1/resettlement-sites").json()["items"][0]
    linked = api(gateway, "xini", "GET", f"/api/v1/resettlement-sites/{site['id']}").json()[
        "linked_households"
    ]
    households = api(gateway, "xini", "GET", "/api/v1/households", params={"region": ASIER}).json()["items"]
    household = next(h for h in households if h["id"] not in {h["id"] for h in linked})
    sign_in(page, "xini")
    page.locator(".mainnav").get_by_role("link", name="安置点").click()
    expect(page.locator("#site-gaps")).to_contain_text("幸福家园互助养老服务中心")
    page.locator("#site-table a").first.click()
    expect(page.locator("#facility-elderly_care")).to_contain_text("补短板项目在建")

    form = page.locator("#facility-form")
    form.locator("select[name=facility]").select_option("water")
    form.locator("select[name=status]").select_option("in_progress")
    form.get_by_role("button", name="保存").click()  # being fixed, but no project named
    expect(page.locator("#facility-project-error")).to_contain_text(
        "补短板项目在建时须写明项目名称和完成期限"
    )
    expect(page.locator("#facility-water")).to_contain_text("完善")  # nothing written

    form = page.locator("#facility-form")
    form.locator("select[name=facility]").select_option("elderly_care")
    form.locator("select[name=status]").select_option("adequate")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#facility-elderly_care")).to_contain_text("完善")
    expect(page.locator("#work-share")).to_contain_text("%")
    expect(page.locator("#households a").first).to_have_attribute("href", re.compile(r"^/households/"))
    shoot(page, "places-site")

    page.locator("#link-form input[name=household]").fill("刘")
    page.locator("#link-form").get_by_role("button", name="关联").click()
    expect(page.locator("#link-household-error")).to_contain_text("对应多户")
    page.locator("#link-form input[name=household]").fill(household["number"])
    page.locator("#link-form").get_by_role("button", name="关联").click()
    expect(page.locator("#households")).to_contain_text(household["number"])

    page.locator(".crumbs a").click()
    expect(page.locator("#site-gaps")).not_to_contain_text("幸福家园互助养老服务中心")
    expect(page.locator("#site-table tbody tr").first).to_contain_text("无")


def test_a_delivery_moves_a_partnership_up_the_ranking(page: Page) -> None:
    sign_in(page, "banner")
    page.goto("/assets/partnerships")
    form = page.locator("#partnership-form")
    form.locator("select[name=enterprise_id]").select_option(label="杭锦旗库布其沙产业有限公司")
    form.locator("select[name=region_code]").select_option(TUGURIGE)
    form.locator("input[name=signed_on]").fill("2026-03-01")
    form.locator("input[name=amount-jobs]").fill("8")
    form.locator("input[name=due_on-jobs]").fill("2027-01-31")
    form.get_by_role("button", name="登记结对").click()
    expect(page.locator("#delivered-share")).to_have_text("0.0%")
    partnership = page.url.rsplit("/", 1)[1]

    page.goto("/assets/partnerships")
    row = page.locator("#partnership-ranking tr", has=page.locator(f'a[href$="{partnership}"]'))
    expect(row).to_contain_text("0.0%")
    rank_before = int(row.locator("td").first.inner_text())

    row.locator("a").click()
    delivery = page.locator("#delivery-form")
    delivery.locator("select[name=commitment_id]").select_option(index=1)
    delivery.locator("input[name=amount]").fill("8")
    delivery.locator("input[name=delivered_on]").fill("2026-11-20")
    delivery.locator("textarea[name=evidence]").fill("用工合同 8 份，2026年11月工资发放表")
    delivery.get_by_role("button", name="登记兑现").click()
    expect(page.locator("#delivered-share")).to_have_text("100.0%")
    expect(page.locator("#deliveries")).to_contain_text("8 人")

    page.goto("/assets/partnerships")
    row = page.locator("#partnership-ranking tr", has=page.locator(f'a[href$="{partnership}"]'))
    expect(row).to_contain_text("100.0%")
    assert int(row.locator("td").first.inner_text()) < rank_before
    shoot(page, "partnership-ranking")


def test_a_product_passes_its_four_checks_then_a_sale_pays_its_supplier(
    page: Page, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    household = api(gateway, "xini", "GET", "/api/v1/households", params={"region": ASIER}).json()["items"][0]
    entity = api(
        gateway,
        "xini",
        "POST",
        "/api/v1/assets/entities",
        json={
            "name": "阿斯尔嘎查沙棘合作社",
            "kind": "cooperative",
            "region_code": ASIER,
            "supplier_household_ids": [household["id"]],
        },
    ).json()
    product = api(
        gateway,
        "xini",
        "POST",
        "/api/v1/assets/products",
        json={
            "name": "阿斯尔沙棘原浆",
            "entity_id": entity["id"],
            "category": "林果产品",
            "certified_on": "2026-09-01",
            "certificate_no": "HJQ-FP-2026-009",
            "valid_until": "2029-08-31",
        },
    ).json()
    sign_in(page, "xini")
    page.goto("/assets/products")
    page.get_by_role("link", name="阿斯尔沙棘原浆").click()
    expect(page.locator("#product-head")).to_contain_text("四关审核未全部通过")
    for check, note in (("quality", "抽检合格"), ("price", "不高于市场均价"), ("integrity", "无失信记录")):
        form = page.locator("#check-form")
        form.locator("select[name=check]").select_option(check)
        form.get_by_label("通过", exact=True).check()
        form.locator("input[name=note]").fill(note)
        form.get_by_role("button", name="登记结论").click()
        expect(page.locator(f"#check-{check}")).to_contain_text("通过")
    expect(page.locator("#product-head")).to_contain_text("四关审核未全部通过")
    form = page.locator("#check-form")
    form.locator("select[name=check]").select_option("benefit")
    form.get_by_label("通过", exact=True).check()
    form.locator("input[name=note]").fill("带动监测户稳定增收")
    form.get_by_role("button", name="登记结论").click()
    expect(page.locator("#product-head")).to_contain_text("四关审核通过")

    sale = page.locator("#sale-form")
    sale.locator("select[name=channel]").select_option("counter")
    sale.locator("input[name=amount_yuan]").fill("1234.56")
    sale.locator("input[name=buyer]").fill("旗人民医院食堂")
    sale.locator(f'input[name="income-{household["id"]}"]').fill("300.05")
    sale.get_by_role("button", name="登记销售").click()
    expect(page.locator("#channels")).to_contain_text("消费扶贫专柜")
    expect(page.locator("#channels")).to_contain_text("1,234.56")
    expect(page.locator("#household-income")).to_have_text("300.05 元")
    expect(page.locator("#sales")).to_contain_text(household["head_name"])
    assert product["id"] in page.url


def test_an_allocation_turns_the_special_funds_verdict(page: Page) -> None:
    sign_in(page, "banner")
    page.goto("/assets/allocations?year=2026")
    expect(page.locator("#funds-verdict")).to_have_text("符合")

    def allocate(year: str, day: str) -> None:
        form = page.locator("#allocation-form")
        form.locator("select[name=project_id]").select_option(index=1)
        form.locator("input[name=year]").fill(year)
        form.locator("select[name=source]").select_option("banner_special")
        form.locator("input[name=amount_yuan]").fill("500000.01")
        form.locator("input[name=allocated_on]").fill(day)
        form.get_by_role("button", name="登记").click()
        expect(page).to_have_url(re.compile(rf"/assets/allocations\?year={year}$"))

    allocate("2025", "2025-12-01")  # last year's special fund now above this year's
    page.goto("/assets/allocations?year=2026")
    expect(page.locator("#funds-verdict")).to_have_text("低于上年度")
    expect(page.locator("#special-funds")).to_contain_text("减少 50,000.01 元")
    allocate("2026", "2026-12-01")
    expect(page.locator("#funds-verdict")).to_have_text("符合")
    expect(page.locator("#banner-special")).to_contain_text("3,500,000.01")


def test_a_fund_project_is_created_with_its_targets_and_allocated_to(page: Page) -> None:
    sign_in(page, "banner")
    page.goto("/assets/performance?year=2026")
    page.locator("#new-project").click()
    form = page.locator("#project-form")
    form.get_by_role("button", name="新建项目").click()  # nothing typed: each field says what it needs
    expect(form.locator("#project-name-error")).to_have_text("请填写项目名称（最多 200 字）")
    expect(form.locator("#project-targets-error")).to_have_text("请至少填写一项绩效目标")
    form.locator("input[name=name]").fill("图古日格嘎查饲草料基地建设项目")
    form.locator("select[name=region_code]").select_option(TUGURIGE)
    form.locator("input[name=implementer]").fill("锡尼镇人民政府")
    form.locator("input[name=timeline]").fill("2026年4月至2026年10月")
    form.locator("textarea[name=content]").fill("新建青贮窖 4 座，配套饲草料加工设备。")
    for row, (kind, indicator, comparison, value, unit) in enumerate(
        [("output", "新建青贮窖", "at_least", "4", "座"), ("benefit", "带动农牧户", "at_least", "30", "户")]
    ):
        form.locator(f"select[name=kind-{row}]").select_option(kind)
        form.locator(f"input[name=indicator-{row}]").fill(indicator)
        form.locator(f"select[name=comparison-{row}]").select_option(comparison)
        form.locator(f"input[name=target_value-{row}]").fill(value)
        form.locator(f"input[name=unit-{row}]").fill(unit)
    shoot(page, "project-form")
    form.get_by_role("button", name="新建项目").click()
    expect(page).to_have_url(re.compile(r"/assets/performance\?year=2026#project-[0-9a-f-]{36}$"))
    project = page.locator("section", has_text="图古日格嘎查饲草料基地建设项目")
    expect(project).to_contain_text("图古日格嘎查")
    expect(project.locator("tbody tr")).to_have_count(2)
    expect(project).to_contain_text("不低于 30 户")
    page.goto("/assets/allocations?year=2026")
    expect(page.locator("#allocation-form select[name=project_id]")).to_contain_text(
        "图古日格嘎查饲草料基地建设项目"
    )


def test_a_first_secretary_is_sent_and_assessed_and_the_assessment_exported(page: Page) -> None:
    sign_in(page, "banner")
    expect(page.locator(".who-name")).to_have_text("李红梅")
    page.goto("/people/assignments")
    form = page.locator("#assignment-form")
    form.locator("select[name=username]").select_option("asier-team")
    form.locator("select[name=kind]").select_option("first_secretary")
    form.locator("input[name=dispatching_unit]").fill("旗财政局")
    form.locator("input[name=starts_on]").fill("2026-01-01")
    form.locator("input[name=visits_per_month]").fill("2")
    form.get_by_role("button", name="派驻").click()
    expect(page.locator("#assignment-table")).to_contain_text("赵文静")
    expect(page.locator("#assignment-table")).to_contain_text("第一书记")

    page.locator(".mainnav").get_by_role("link", name="考核").click()
    page.locator("#assessment-filters select[name=region]").select_option(ASIER)
    page.locator("#assessment-filters").get_by_role("button", name="查看").click()
    secretary = page.locator("#official-assessment tr", has_text="第一书记")
    expect(secretary).to_contain_text("赵文静")
    expect(secretary).to_contain_text("旗财政局")
    expect(page.locator("#village-assessment")).to_contain_text("阿斯尔嘎查")
    shoot(page, "assessment")
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename == f"assessment-{ASIER}-2026.xlsx"
    with page.expect_download() as download:
        page.locator("#export-officials-csv").click()
    assert download.value.suggested_filename.endswith("-officials.csv")
