"""A household walked in a real browser by the village's work team: from the village roster to the visit
form (the four 保障 answers chosen, none pre-set), the alert its water finding raises, grouped under the
household, turned into a case, and back from the case to the household file (一户一档) that now holds the
visit, the alert and the case, the shed recorded for 以奖代补 and the nursing allowance the head's disability
makes due. Screenshots of the file and the roster at 1280 and 390 px wide."""

import pytest
from playwright.sync_api import Page, expect

from deploy.stack import Stack
from gateway.web.render import today
from tests.browser.conftest import sign_in
from tests.browser.household_data import register_household
from tests.browser.test_monitoring import api, shoot

pytestmark = pytest.mark.browser

ASIER_VILLAGE = "150625100201"
PHONE = {"width": 390, "height": 844}


def test_from_the_roster_through_a_visit_an_alert_and_a_case_to_the_household_file(
    page: Page, live_stack: Stack, backend: str
) -> None:
    gateway = live_stack.url("gateway")
    home = register_household(gateway, "asier", ASIER_VILLAGE, head_facts={"disability_grade": 1})
    shed = {
        "household_id": home["id"], "what": "新建标准化棚圈", "quantity": 1, "unit": "座",
        "achieved_on": today().isoformat(),
    }  # fmt: skip
    with api(gateway, "asier") as village:
        assert village.post("/api/v1/monitoring/industry-results", json=shed).status_code == 201
    row = f"#roster-{home['id']}"
    sign_in(page, "asier-team")

    page.goto("/roster")
    expect(page.locator(row)).to_contain_text("从未走访")
    expect(page.locator(row)).to_contain_text("待首次走访")
    shoot(page, f"roster-{backend}")
    page.locator(f"{row} >> text=走访").last.click()

    expect(page.locator("h1")).to_have_text("入户走访")
    expect(page.locator("#visit-form")).to_contain_text(home["head_name"])
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)  # nothing answered for the visitor
    page.fill("input[name=income_yuan]", "3000")  # below the line: a second alert beside water
    page.fill("input[name=rigid_yuan]", "0")
    page.click("#visit-form button[type=submit]")  # three answers and water still missing
    expect(page.locator("#visit-form")).to_contain_text("请选择是或否")
    for name in ("education_secure", "medical_secure", "housing_secure"):
        page.check(f"input[name={name}][value=yes]")
    page.check("input[name=water_secure][value=no]")
    page.click("#visit-form button[type=submit]")
    expect(page.locator("#visit-form [role=status]")).to_contain_text("走访已记录")
    expect(page.locator("#visit-form [role=status]")).to_contain_text("饮水")

    page.goto("/monitoring/alerts")
    group = page.locator(f"#alerts-{home['id']}")
    expect(group).to_contain_text(home["head_name"])
    expect(group.locator(f'a[href="/households/{home["id"]}"]')).to_have_count(1)
    group.get_by_role("button", name="转为监测对象").click()
    expect(page.locator("#alert-results [role=status]")).to_contain_text("已转为监测对象")
    group = page.locator(f"#alerts-{home['id']}")  # the other alert is still open…
    expect(group.get_by_role("button", name="转为监测对象")).to_have_count(0)  # …but a case is open now
    group.locator("a", has_text="已有监测案件").click()

    expect(page.locator("#case-household")).to_have_text(home["number"])
    page.click("#case-household")
    expect(page.locator("h1").first).to_contain_text(home["head_name"])
    expect(page.locator("#section-cases")).to_contain_text("申请")
    expect(page.locator("#section-visits")).to_contain_text("否")
    expect(page.locator("#section-alerts")).to_contain_text("饮水")
    expect(page.locator("#section-claims")).to_be_visible()
    expect(page.locator("#section-results")).to_contain_text("新建标准化棚圈")
    expect(page.locator("#section-results")).to_contain_text("待走访核实")  # no visit has seen it yet
    nursing = page.locator("#section-dues tr[data-due=disability_nursing]")
    expect(nursing).to_contain_text(home["head_name"])
    expect(nursing).to_contain_text("1,800.00")
    expect(page.locator("#file-notices")).to_have_count(0)
    shoot(page, f"household-file-{backend}")
    page.set_viewport_size(PHONE)
    page.reload()
    shoot(page, f"household-file-390-{backend}")
    page.goto("/roster")
    expect(page.locator(row)).not_to_contain_text("从未走访")
    shoot(page, f"roster-390-{backend}")
