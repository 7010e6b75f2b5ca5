"""The household pages in a real browser: registering through the form, errors next to the member's ID,
search in place, a category change appearing in the history, the import page, and the dashboard table."""

import csv
import io
import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from deploy.stack import Stack
from shared.idnumber import Sex, parse_id_number
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.household_data import new_id_number, register_household, unique_name

pytestmark = pytest.mark.browser

ASIER_VILLAGE = "150625100201"


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def fill_member(page: Page, index: int, *, name: str, id_number: str, relation: str) -> None:
    row = page.locator("#member-rows .member-row").nth(index)
    row.locator("input[name$='-name']").fill(name)
    row.locator("input[name$='-id_number']").fill(id_number)
    row.locator("select[name$='-relation']").select_option(label=relation)


def test_village_official_registers_a_household_and_finds_it(page: Page) -> None:
    head, child = unique_name("巴图"), unique_name("其其格")
    sign_in(page, "asier")
    page.locator(".mainnav").get_by_role("link", name="农牧户").click()
    expect(page.locator("h1")).to_have_text("农牧户")
    page.get_by_role("link", name="新增农牧户").click()
    expect(page).to_have_url(re.compile(r"/households/new$"))

    form = page.locator("#household-form")
    expect(form.locator("select[name=region_code]")).to_have_value(ASIER_VILLAGE)
    expect(form.locator("select[name=category] option", has_text="边缘易致贫户")).to_have_count(0)
    form.locator("select[name=category]").select_option(label="已脱贫不享受政策户")
    form.locator("input[name=address]").fill("阿斯尔嘎查二社 8 号")
    form.locator("input[name=phone]").fill("13800001234")
    form.locator("input[name=income_yuan]").fill("9876.5")
    form.locator("input[name=sheep]").fill("120")
    fill_member(page, 0, name=head, id_number=new_id_number(Sex.male), relation="户主")
    page.get_by_role("button", name="＋ 添加成员").click()
    expect(page.locator("#member-rows .member-row")).to_have_count(2)
    fill_member(
        page,
        1,
        name=child,
        id_number=new_id_number(Sex.female, born_after=2012, born_before=2016),
        relation="子女",
    )
    page.locator("#member-rows .member-row").nth(1).locator("select[name$='-school_stage']").select_option(
        label="小学"
    )
    shoot(page, "household-form")
    page.get_by_role("button", name="登记农牧户").click()

    expect(page).to_have_url(re.compile(r"/households/[0-9a-f-]{36}$"))
    expect(page.locator("#household-head h1")).to_contain_text(f"{head}户")
    expect(page.locator("#household-head")).to_contain_text("已脱贫不享受政策户")
    expect(page.locator("#household-head")).to_contain_text("9,876.50 元")
    expect(page.locator("#members tbody tr")).to_have_count(2)
    expect(page.locator("#members")).to_contain_text("子女")
    expect(page.locator("#history")).to_contain_text("登记")
    detail_url = page.url

    page.locator(".mainnav").get_by_role("link", name="农牧户").click()
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("searchbox").fill(head)
    expect(page.locator("#household-results tbody tr")).to_have_count(1)
    expect(page.locator("#household-results")).to_contain_text(head)
    expect(page).to_have_url(re.compile(r"/households\?.*q="))
    assert page.evaluate("window.__sameDocument") is True
    page.locator("#household-results").get_by_role("link", name=head).click()
    expect(page).to_have_url(detail_url)


def test_bad_check_digit_is_shown_next_to_that_members_id(page: Page) -> None:
    sign_in(page, "asier")
    page.goto("/households/new")
    form = page.locator("#household-form")
    form.locator("select[name=category]").select_option(label="一般农牧户")
    form.locator("input[name=address]").fill("阿斯尔嘎查三社 2 号")
    fill_member(page, 0, name=unique_name("额尔敦"), id_number=new_id_number(Sex.male), relation="户主")
    page.get_by_role("button", name="＋ 添加成员").click()
    good = new_id_number(Sex.female, born_after=1990, born_before=1995)
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    fill_member(page, 1, name=unique_name("萨仁"), id_number=bad, relation="配偶")
    page.get_by_role("button", name="登记农牧户").click()

    second = page.locator("#member-rows .member-row").nth(1)
    expect(second.locator(".field-error")).to_have_text("身份证号校验位错误")
    expect(second.locator("input[name$='-id_number']")).to_have_attribute("aria-invalid", "true")
    expect(second.locator("input[name$='-id_number']")).to_have_value(bad)
    expect(page.locator("#member-rows .member-row").nth(0).locator(".field-error")).to_have_count(0)
    expect(page.locator("input[name=address]")).to_have_value("阿斯尔嘎查三社 2 号")
    expect(page).to_have_url(re.compile(r"/households/new$"))
    shoot(page, "household-form-error")


def test_category_change_appears_in_the_history(page: Page, live_stack: Stack) -> None:
    household = register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    sign_in(page, "asier")
    page.goto(f"/households/{household['id']}")
    page.evaluate("window.__sameDocument = true")
    form = page.locator("#category-form")

    form.get_by_role("button", name="提交变更").click()
    expect(form.locator(".field-error").first).to_be_visible()

    form = page.locator("#category-form")
    expect(form.locator("select[name=category] option", has_text="脱贫监测户")).to_have_count(0)
    form.locator("select[name=category]").select_option(label="已脱贫不享受政策户")
    form.locator("textarea[name=reason]").fill("收入稳定，经村民代表会议评议不再享受政策")
    form.locator("input[name=effective_date]").fill(date.today().isoformat())
    form.get_by_role("button", name="提交变更").click()

    expect(page.locator("#category-form [role=status]")).to_contain_text("已变更为已脱贫不享受政策户")
    expect(page.locator("#household-head h1")).to_contain_text("已脱贫不享受政策户")
    latest = page.locator("#history .timeline li").first
    expect(latest).to_contain_text("已脱贫享受政策户")
    expect(latest).to_contain_text("已脱贫不享受政策户")
    expect(latest).to_contain_text("收入稳定")
    expect(latest).to_contain_text("asier")
    expect(page.locator("#history .timeline li")).to_have_count(2)
    assert page.evaluate("window.__sameDocument") is True
    shoot(page, "household-detail")


def test_list_filters_and_dashboard_table(page: Page, live_stack: Stack) -> None:
    register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    sign_in(page, "xini")
    expect(page.locator("#household-stats")).to_contain_text("阿斯尔嘎查")
    expect(page.locator("#household-stats tfoot")).to_contain_text("合计")
    shoot(page, "dashboard-households")

    page.goto("/households")
    page.locator("select[name=region]").select_option(value=ASIER_VILLAGE)
    expect(page).to_have_url(re.compile(rf"region={ASIER_VILLAGE}"))
    expect(page.locator("#household-results tbody tr").first).to_contain_text("阿斯尔嘎查")
    page.locator("select[name=category]").select_option(label="已脱贫享受政策户")
    expect(page).to_have_url(re.compile(r"category=lifted_supported"))
    expect(page.locator("#export-xlsx")).to_have_attribute("href", re.compile(r"category=lifted_supported"))
    shoot(page, "households")


def fresh_template(page: Page) -> bytes:
    """The CSV import template (through the page route, on the page's session) with fresh ID numbers:
    same birth dates and sexes, so the example household stays valid and has never been registered."""
    response = page.request.get("/households/import-template?format=csv")
    assert response.ok and "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.body().decode("utf-8-sig"))))
    header = next(i for i, row in enumerate(rows) if "身份证号" in row)
    column = rows[header].index("身份证号")
    for row in rows[header + 1 :]:
        if len(row) > column and row[column]:
            facts = parse_id_number(row[column])
            year = facts.birth_date.year
            row[column] = new_id_number(facts.sex, born_after=year, born_before=year)
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def test_import_reports_counts_then_errors_by_row(page: Page) -> None:
    sign_in(page, "asier")
    page.goto("/households")
    page.get_by_role("link", name="导入").click()
    expect(page.locator("h1")).to_have_text("导入农牧户")
    expect(page.get_by_role("link", name="下载 Excel 模板")).to_have_attribute(
        "href", "/households/import-template?format=xlsx"
    )
    sheet = {"name": "农牧户.csv", "mimeType": "text/csv", "buffer": fresh_template(page)}

    page.set_input_files("input[name=file]", files=[sheet])
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("#import-result [role=status]")).to_contain_text("成功导入 1 户 3 人")
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")

    page.set_input_files("input[name=file]", files=[sheet])  # the same people again: refused, row by row
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("#import-result [role=alert]")).to_contain_text("文件未导入")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.first).to_contain_text("身份证号")
    expect(errors.first).to_contain_text("已在其他家庭登记")
    shoot(page, "household-import")

    page.set_input_files(
        "input[name=file]", files=[{"name": "note.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("#import-result [role=alert]")).to_contain_text("文件未导入")
    expect(page.locator("#import-result")).not_to_contain_text("已在其他家庭登记")
