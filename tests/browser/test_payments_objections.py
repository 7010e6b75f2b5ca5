"""Objections to a batch's notice through the pages (先公示后发放, issue 13 part 3): while the notice is
posted a village official raises an objection on a line; once the period is over the banner still cannot
approve while it is open; the township upholds it, which takes the line out (已撤出) and leaves the other, and
the batch is approved. Payments runs here with a notice period of NOTICE_SECONDS (the stack's is 0)."""

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from tests.browser.conftest import sign_in
from tests.browser.household_data import register_household
from tests.browser.test_assistance import signed_in_page
from tests.browser.test_payments import ASIER_VILLAGE, YEAR, api, shoot
from tests.browser.test_payments_flow import file_claim, line_row
from tests.support.households import account

pytestmark = pytest.mark.browser
NOTICE_SECONDS = 45


@pytest.fixture
def posted_notices(live_stack: Stack) -> Iterator[None]:
    """Payments restarted with a notice period of NOTICE_SECONDS, and put back as the stack had it."""
    before = live_stack.env
    live_stack.stop("payments")
    live_stack.env = {**before, "PAYMENT_NOTICE_DAYS": str(NOTICE_SECONDS / 86_400)}
    try:
        live_stack.start("payments")
        live_stack.wait_ready(["payments"])
        yield
    finally:
        live_stack.stop("payments")
        live_stack.env = before
        live_stack.start("payments")
        live_stack.wait_ready(["payments"])


def test_an_objection_holds_its_line_out_until_the_township_settles_it(
    page: Page, browser: Browser, live_stack: Stack, posted_notices: None
) -> None:
    gateway = live_stack.url("gateway")
    objected, kept = (
        register_household(gateway, "asier", ASIER_VILLAGE, sheep=40, payee_account=account())
        for _ in range(2)
    )
    file_claim(gateway, objected["id"], 3)
    file_claim(gateway, kept["id"], 4)
    with api(gateway, "xini") as township:
        drafted = township.post(
            "/api/v1/payments/batches", json={"year": YEAR, "kind": "sheep", "region": ASIER_VILLAGE}
        )
        assert drafted.status_code == 201, drafted.text
        batch_id = drafted.json()["id"]
        submitted = township.post(f"/api/v1/payments/batches/{batch_id}/submit")
        assert submitted.status_code == 200, submitted.text
    until = datetime.fromisoformat(submitted.json()["notice_until"])

    # The village hears an objection while the notice is posted and records it on the line.
    sign_in(page, "asier")
    page.goto(f"/payments/batches/{batch_id}")
    row = line_row(page, objected["number"])
    row.locator("summary", has_text="提出异议").click()
    row.locator("input[name=reason]").fill("群众反映该户出栏肉羊系代他人出售，数量待核实")
    row.get_by_role("button", name="记录异议").click()
    expect(page.locator("#batch-body [role=status]")).to_contain_text("异议已记录")
    objection = page.locator("#batch-objections tr[data-objection]", has_text=objected["number"])
    expect(objection).to_contain_text("代他人出售")
    expect(objection).to_contain_text("待苏木镇处理")  # the village does not settle it
    expect(line_row(page, objected["number"]).locator("summary", has_text="提出异议")).to_have_count(0)
    expect(line_row(page, kept["number"]).locator("summary", has_text="提出异议")).to_have_count(1)
    shoot(page, "batch-objection-raised")

    # The period runs out; the banner still cannot approve while the objection is open.
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 1)
    banner = signed_in_page(browser, gateway, "banner")
    township = signed_in_page(browser, gateway, "xini")
    try:
        banner.on("dialog", lambda dialog: dialog.accept())
        banner.goto(f"/payments/batches/{batch_id}")
        banner.get_by_role("button", name="审批通过").click()
        expect(banner.locator("#batch-body [role=alert]")).to_contain_text("1 条公示异议尚未由苏木镇处理")
        expect(banner.locator("#batch-status")).to_have_text("已提交")
        expect(banner.locator("#batch-objections form")).to_have_count(0)  # settling is the township's

        # The township upholds it: the line leaves the batch, the other stays.
        township.goto(f"/payments/batches/{batch_id}")
        objection = township.locator("#batch-objections tr[data-objection]", has_text=objected["number"])
        objection.locator("select[name=outcome]").select_option("upheld")
        objection.locator("input[name=note]").fill("经核实，该户实际出栏 0 只，异议成立")
        objection.get_by_role("button", name="处理").click()
        expect(township.locator("#batch-body [role=status]")).to_contain_text("异议已处理")
        objection = township.locator("#batch-objections tr[data-objection]", has_text=objected["number"])
        expect(objection).to_contain_text("异议成立，已移出本批次")
        expect(objection).to_contain_text("xini")
        expect(line_row(township, objected["number"])).to_contain_text("已撤出")
        expect(line_row(township, kept["number"])).to_contain_text("待发送")
        shoot(township, "batch-objection-settled")

        banner.reload()
        banner.get_by_role("button", name="审批通过").click()
        expect(banner.locator("#batch-status")).to_have_text("已审批")
        expect(line_row(banner, objected["number"])).to_contain_text("已撤出")
        expect(line_row(banner, kept["number"])).to_contain_text("待发送")
        expect(banner).to_have_url(re.compile(rf"/payments/batches/{batch_id}$"))
    finally:
        banner.context.close()
        township.context.close()
