"""Assistance as work, in a real browser: the banner's 民政 officer uploads the 医保 list with a member's
out-of-pocket cost above the year's threshold; the finding raises an alert, the village opens a case on it and
the department's data comparison records the finding; the village official then makes the household's plan
(一户一策), adds a measure, cannot complete it without evidence, completes it with evidence, and appoints a
member to a public-welfare post whose first month's wage payments batches and sends to the bank, paid into
the household's account: the line names the account's holder (the head, the payee) and the post's holder (the
spouse) beside it.
Screenshots of the plan page and of the coverage page (应贷尽贷)."""

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from gateway.web.render import today
from shared.idnumber import Sex
from tests.browser.conftest import sign_in
from tests.browser.household_data import new_id_number, register_household, unique_name
from tests.browser.test_monitoring import ASIER_VILLAGE, api, shoot, step
from tests.support.households import account

pytestmark = pytest.mark.browser


def signed_in_page(browser: Browser, gateway: str, username: str) -> Page:
    context = browser.new_context(base_url=gateway, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, username)
    return page


def medical_list(id_number: str, out_of_pocket_fen: int) -> bytes:
    return f"id_number,out_of_pocket_fen,serious_illness\n{id_number},{out_of_pocket_fen},是\n".encode()


def test_a_medical_finding_becomes_a_case_and_a_plan_with_a_post(browser: Browser, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    spouse = {"name": unique_name("测妻"), "id_number": new_id_number(Sex.female), "relation": "spouse"}
    household = register_household(gateway, "asier", ASIER_VILLAGE, payee_account=account(), others=[spouse])
    year = today().year
    with api(gateway, "banner") as banner:
        record = banner.get(f"/api/v1/households/{household['id']}").json()
        limits = banner.get(f"/api/v1/monitoring/thresholds/{year}").json()
    head = next(m for m in record["members"] if m["relation"] == "head")
    wife = next(m for m in record["members"] if m["relation"] == "spouse")
    assert "*" not in head["id_number"], "the banner official reads the full ID number"
    cost = limits["medical_out_of_pocket_fen"] + 123_456

    # The department uploads its list; the result names the household and its finding.
    officer = signed_in_page(browser, gateway, "minzheng")
    try:
        officer.goto("/monitoring/findings")
        officer.locator("#upload-list").click()
        form = officer.locator("#list-form form")
        form.locator("select[name=department]").select_option("medical_security")
        form.locator("input[name=year]").fill(str(year))
        form.locator("input[name=file]").set_input_files(
            {"name": "yibao.csv", "mimeType": "text/csv", "buffer": medical_list(head["id_number"], cost)}
        )
        form.locator("button[type=submit]").click()
        expect(officer.locator("#matched")).to_have_text("1")
        found = officer.locator(f"#list-result tr[data-household='{household['id']}']")
        expect(found).to_contain_text("刚性支出较大")
        expect(found).to_contain_text("阿斯尔嘎查")
        expect(found).to_contain_text(f"{cost // 100:,}.{cost % 100:02d}")
        expect(found).to_contain_text("已预警")

        with api(gateway, "asier") as asier:
            findings = asier.get("/api/v1/monitoring/findings", params={"household_id": household["id"]})
            alert_id = findings.json()["items"][0]["alert_id"]
            case = asier.post(f"/api/v1/monitoring/alerts/{alert_id}/open-case", json={})
            assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        step(gateway, "asier-team", case_id, "village_review")
        step(gateway, "asier", case_id, "village_review")

        # The department takes the data comparison step on the case page; the step records the finding.
        officer.goto(f"/monitoring/cases/{case_id}")
        expect(officer.locator("#case-findings")).to_contain_text("医保年度自付")
        officer.locator("[data-action=data_comparison]").click()
        expect(officer.locator("#timeline")).to_contain_text("行业部门数据比对发现 1 项：医保局")
    finally:
        officer.context.close()

    village = signed_in_page(browser, gateway, "asier")
    try:
        village.goto("/monitoring/plans")
        village.locator("#new-plan").click()
        village.locator("#household-pick input[name=q]").fill(household["number"])
        village.locator("#household-pick button[type=submit]").click()
        village.locator("#household-options a").first.click()
        village.locator("#plan-form input[name=wants_loan]").check()
        village.locator("#plan-form button[type=submit]").click()
        expect(village).to_have_url(f"{gateway}/monitoring/plans/{household['id']}")
        expect(village.locator("#plan-responsible")).to_have_text("巴特尔")

        adding = village.locator("#measure-form form")
        adding.locator("select[name=kind]").select_option("medical")
        adding.locator("input[name=target]").fill("落实大病专项救治，年内自付比例降至 10% 以下")
        adding.locator("button[type=submit]").click()
        row = village.locator("#measures tr[data-measure]").first
        expect(row).to_contain_text("健康帮扶")
        expect(row.locator("[data-status]")).to_have_text("计划中")
        measure_id = row.get_attribute("data-measure") or ""
        uuid.UUID(measure_id)

        # Done without evidence is refused beside the evidence; with it, the measure is done.
        row.locator("summary").click()
        row.locator("select[name=status]").select_option("done")
        row.locator("button[type=submit]").click()
        expect(village.locator(f"#measure-{measure_id}-evidence-error")).to_be_visible()
        row = village.locator(f"#measure-{measure_id}")
        row.locator("select[name=status]").select_option("done")
        row.locator("textarea[name=evidence]").fill("旗医保局大病救治结算单（2026 第 118 号）")
        row.locator("button[type=submit]").click()
        expect(village.locator(f"#measure-{measure_id} [data-status]")).to_contain_text("已完成")
        shoot(village, "assistance_plan")

        # A public-welfare post for the spouse, the household being lifted out (no reason needed).
        village.goto(f"/monitoring/posts/new?household_id={household['id']}")
        post = village.locator("#post-form form")
        post.locator("input[name=name]").fill("村级保洁员")
        post.locator("select[name=holder_member_id]").select_option(wife["id"])
        post.locator("input[name=monthly_wage_yuan]").fill("800.50")
        post.locator("button[type=submit]").click()
        expect(village).to_have_url(f"{gateway}/monitoring/posts")
        village.locator("#post-filters select[name=region]").select_option(ASIER_VILLAGE)
        listed = village.locator("#posts tr", has_text=wife["name"])
        expect(listed).to_contain_text("村级保洁员")
        expect(listed).to_contain_text("800.50")

        # The month's wages are batched by payments: the township drafts, the banner approves and sends.
        month = today()
        with api(gateway, "xini") as xini:
            body = {"year": month.year, "month": month.month, "kind": "post_wage", "region": ASIER_VILLAGE}
            drafted = xini.post("/api/v1/payments/batches", json=body)
            assert drafted.status_code == 201, drafted.text
            batch_id = drafted.json()["id"]
            assert xini.post(f"/api/v1/payments/batches/{batch_id}/submit").status_code == 200
        with api(gateway, "banner") as banner:
            for action in ("approve", "disburse"):
                answer = banner.post(f"/api/v1/payments/batches/{batch_id}/{action}")
                assert answer.status_code == 200, answer.text
        # The bank pays the household's account: the line names its holder (the payee) and the account, and
        # whose wage it is (the post's holder) beside them.
        village.goto(f"/payments/batches/{batch_id}")
        payee = record["payee_account"]
        wage = village.locator("#lines tbody tr", has_text=household["number"])
        assert payee["payee_name"] == head["name"]
        expect(wage).to_contain_text(payee["payee_name"])
        expect(wage).to_contain_text(f"受益人：{wife['name']}")
        expect(wage).to_contain_text(payee["account_number_masked"])
        expect(wage).to_contain_text("800.50")
        expect(village.locator("#batch-status")).to_have_text("发放中")

        village.goto("/monitoring/loans/coverage")
        expect(village.locator(f"#coverage tr[data-village='{ASIER_VILLAGE}']")).to_be_visible()
        shoot(village, "assistance_coverage")
    finally:
        village.context.close()


def test_the_overdue_filter_lists_the_demo_plan_with_its_overdue_measure(page: Page) -> None:
    sign_in(page, "asier")
    page.goto("/monitoring/plans")
    page.locator("#plan-filters select[name=overdue]").select_option("true")
    expect(page).to_have_url(re.compile(r"overdue=true"))  # pushed once the list is swapped
    rows = page.locator("#plans tr[data-household]")
    expect(rows.first).to_contain_text("项逾期")
    for text in rows.all_inner_texts():
        assert "项逾期" in text
    rows.first.get_by_role("link").click()
    overdue = page.locator("#measures tr.is-overdue")
    expect(overdue.first).to_contain_text("逾期")
    expect(overdue.first.locator("summary")).to_have_text("更新进度")
    shoot(page, "assistance_plan_overdue")


def test_every_assistance_list_shows_the_demo(page: Page) -> None:
    sign_in(page, "asier")
    page.locator(".mainnav").get_by_role("link", name="帮扶措施").click()
    for tab, rows in (
        ("数据比对", ".findings tr[data-finding]"),
        ("小额信贷", "#loans tr[data-loan]"),
        ("公益性岗位", "#posts tr[data-post]"),
        ("技能培训", "#trainings tr[data-training]"),
        ("扶贫车间", "#workshops tr[data-workshop]"),
    ):
        page.locator("nav.tabs").get_by_role("link", name=tab).click()
        expect(page.locator("nav.tabs [aria-current=page]")).to_have_text(tab)
        expect(page.locator(rows).first).to_be_visible()
        shoot(page, f"assistance_{rows.split()[0].strip('#.')}")
    page.goto("/monitoring/loans?overdue=true")
    expect(page.locator("#loans tr[data-loan]").first.locator(".badge-overdue")).to_have_text("逾期")
