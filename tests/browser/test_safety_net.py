"""The safety net on the batches page (seed §五(一)4): a township official drafts a 重度残疾人护理补贴
batch for a village from the registry's facts, as an education batch is drafted; its lines name the member
each is for. The policy page shows the allowances by grade and the gradual-exit months."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from deploy.stack import Stack
from shared.idnumber import Sex
from tests.browser.conftest import sign_in
from tests.browser.household_data import api_token, new_id_number, unique_name
from tests.browser.test_monitoring import ASIER_VILLAGE, shoot
from tests.support.households import account

pytestmark = pytest.mark.browser
YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year


def disabled_household(gateway: str) -> str:
    """A supported household of 阿斯尔嘎查 whose head has a grade-1 disability; the head's name."""
    head = unique_name("测残")
    body = {
        "region_code": ASIER_VILLAGE, "address": "测试路 2 号", "category": "lifted_supported",
        "members": [
            {"name": head, "id_number": new_id_number(Sex.male), "relation": "head", "disability_grade": 1}
        ],
        "payee_account": account(),
    }  # fmt: skip
    answer = httpx.post(
        f"{gateway}/api/v1/households",
        json=body,
        headers={"authorization": f"Bearer {api_token(gateway, 'asier')}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return head


def test_a_nursing_allowance_batch_is_drafted_from_the_registry(page: Page, live_stack: Stack) -> None:
    head = disabled_household(live_stack.url("gateway"))
    sign_in(page, "xini")
    page.goto("/payments/batches")
    form = page.locator("#batch-form")
    form.locator("select[name=year]").select_option(str(YEAR))
    form.locator("select[name=kind]").select_option(label="重度残疾人护理补贴")
    form.locator("select[name=region]").select_option(value=ASIER_VILLAGE)
    form.get_by_role("button", name="生成草稿批次").click()
    expect(page).to_have_url(re.compile(r"/payments/batches/[0-9a-f-]{36}$"))
    row = page.locator("#lines tbody tr", has_text=f"受益人：{head}")
    expect(row).to_contain_text("12 × 150.00")
    expect(row).to_contain_text("1,800.00")
    shoot(page, "batch-nursing")


def test_the_policy_page_shows_the_safety_net_by_grade_and_months(page: Page) -> None:
    sign_in(page, "banner")
    page.goto("/payments/policies")
    table = page.locator("#policy-table")
    expect(table.locator("tr", has_text="重度残疾人护理补贴 · 二级")).to_contain_text("100.00 / 人·月")
    expect(table.locator("tr", has_text="低保渐退期")).to_contain_text("6 个月")
    expect(table.locator("tr", has_text="养老保险一次性借款")).to_contain_text("每人一次")
    shoot(page, "payments-policies-safety-net")
