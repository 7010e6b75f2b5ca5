"""The money path through the pages, as the officials would walk it: the banner admin proposes the agent
bank's receiver and a second official approves it; a township official drafts a sheep batch and submits it
(its notice published; PAYMENT_NOTICE_DAYS is 0 here), a banner official approves and disburses it, the bank
simulator pays the good account and refuses a closed one with its reason shown on the page; the village
corrects that account, the failed line is drafted again and paid."""

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from deploy.stack import Stack
from services.registry.demo import BANK_REFUSALS
from tests.browser.conftest import sign_in
from tests.browser.test_payments import ASIER_VILLAGE, YEAR, api, fresh_household, shoot
from tests.conftest import free_port
from tests.support.households import card

pytestmark = pytest.mark.browser
CLOSED = next(number for number, reason in BANK_REFUSALS.items() if reason == "账户已销户")


@pytest.fixture
def bank_client(live_stack: Stack) -> dict:
    """An API client of role bank, made by the banner admin (the simulator signs in with it)."""
    with api(live_stack.url("gateway"), "admin") as admin:
        body = {"name": "代理银行（模拟）", "role": "bank", "region": "150625"}
        answer = admin.post("/api/v1/admin/clients", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def start_simulator(gateway: str, port: int, secret: str, client: dict) -> subprocess.Popen[bytes]:
    """The bank simulator as its own process, failing only the accounts a bank would refuse."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deploy.bank_simulator",
            "--port",
            str(port),
            "--gateway",
            gateway,
            "--client-id",
            client["client_id"],
            "--delay",
            "0.05",
            "--failure-percent",
            "0",
        ],
        env={
            **os.environ,
            "BANK_SIMULATOR_SECRET": secret,
            "BANK_SIMULATOR_CLIENT_SECRET": client["client_secret"],
        },
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the bank simulator exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/instructions", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise AssertionError("the bank simulator did not start")


def set_account(gateway: str, household_id: str, number: str) -> None:
    """The village records the household's 一卡通 (the head as payee)."""
    body = {"payee_account": {"bank_name": "中国农业银行杭锦旗支行", "account_number": number}}
    with api(gateway, "asier") as client:
        answer = client.patch(f"/api/v1/households/{household_id}", json=body)
    assert answer.status_code == 200, answer.text


def file_claim(gateway: str, household_id: str, quantity: int) -> dict:
    with api(gateway, "asier") as client:
        body = {"household_id": household_id, "kind": "sheep", "year": YEAR, "quantity": quantity}
        answer = client.post("/api/v1/payments/claims", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def line_row(page: Page, number: str) -> Locator:
    return page.locator("#lines tbody tr", has_text=number)


def through_the_bank(maker: Page, checker: Page) -> None:
    """The maker submits the batch open on `maker`; the checker approves and disburses it on the same URL
    and the page follows the bank until every line is final."""
    maker.get_by_role("button", name="提交审批").click()
    expect(maker.locator("#batch-status")).to_have_text("已提交")
    expect(maker.locator("#batch-notice-period")).to_contain_text("公示期")
    checker.goto(maker.url)
    checker.get_by_role("button", name="审批通过").click()
    expect(checker.locator("#batch-status")).to_have_text("已审批")
    checker.get_by_role("button", name="发放", exact=True).click()
    expect(checker.locator("#batch-status")).to_have_text("已发放完毕", timeout=60_000)


def test_a_batch_goes_to_the_bank_and_its_refused_line_is_paid_once_the_account_is_fixed(
    page: Page, browser: Browser, live_stack: Stack, bank_client: dict
) -> None:
    gateway = live_stack.url("gateway")
    good = fresh_household(gateway, "asier", ASIER_VILLAGE)
    closed = fresh_household(gateway, "asier", ASIER_VILLAGE)
    set_account(gateway, good["id"], card())
    set_account(gateway, closed["id"], CLOSED)  # well-formed: only the bank knows it is closed
    file_claim(gateway, good["id"], 3)
    file_claim(gateway, closed["id"], 4)

    # The banner admin proposes the bank's receiver; a second official puts it in force.
    port = free_port()
    url = f"http://127.0.0.1:{port}/instructions"
    admin = browser.new_context(base_url=gateway, locale="zh-CN", viewport={"width": 1280, "height": 900})
    checker_context = browser.new_context(
        base_url=gateway, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    simulator = None
    try:
        proposer = admin.new_page()
        sign_in(proposer, "admin")
        proposer.goto("/payments/bank-endpoints")
        form = proposer.locator("#endpoint-form")
        form.locator("input[name=url]").fill(url)
        form.locator("input[name=bank_client_id]").fill(bank_client["client_id"])
        form.get_by_role("button", name=re.compile("提出")).click()
        secret = proposer.locator("#endpoint-secret").inner_text()
        assert secret.startswith("whsec_")
        proposed = proposer.locator("#endpoint-pending tbody tr", has_text=url)
        expect(proposed).to_contain_text("admin")
        expect(proposed.get_by_role("button", name="批准启用")).to_have_count(0)  # not the admin's to approve
        shoot(proposer, "bank-endpoint-proposed")

        checker = checker_context.new_page()
        checker.on("dialog", lambda dialog: dialog.accept())
        sign_in(checker, "banner")
        checker.goto("/payments/bank-endpoints")
        checker.locator("#endpoint-pending tbody tr", has_text=url).get_by_role(
            "button", name="批准启用"
        ).click()
        expect(checker.locator("#endpoint-active")).to_contain_text(url)
        simulator = start_simulator(gateway, port, secret, bank_client)

        # The township drafts the village's sheep batch.
        sign_in(page, "xini")
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto("/payments/batches")
        draft = page.locator("#batch-form")
        draft.locator("select[name=year]").select_option(str(YEAR))
        draft.locator("select[name=kind]").select_option(label="肉羊出栏补贴")
        draft.locator("select[name=region]").select_option(value=ASIER_VILLAGE)
        draft.get_by_role("button", name="生成草稿批次").click()
        expect(page).to_have_url(re.compile(r"/payments/batches/[0-9a-f-]{36}$"))
        expect(line_row(page, good["number"])).to_contain_text("**** ****")
        expect(line_row(page, closed["number"])).to_contain_text(f"{CLOSED[:4]} **** **** {CLOSED[-4:]}")
        through_the_bank(page, checker)
        expect(line_row(checker, good["number"])).to_contain_text("已到账")
        refused = line_row(checker, closed["number"])
        expect(refused).to_contain_text("失败")
        expect(refused.locator(".line-reason")).to_have_text("账户已销户")
        shoot(checker, "batch-bank-refused")

        # The village corrects the account; the maker pays the failed line again in a new batch.
        set_account(gateway, closed["id"], card())
        page.goto(checker.url)
        page.get_by_role("button", name="失败明细重新发放").click()
        expect(page).not_to_have_url(checker.url)  # the new draft's page
        expect(page).to_have_url(re.compile(r"/payments/batches/[0-9a-f-]{36}$"))
        expect(page.locator("#batch-status")).to_have_text("草稿")
        expect(line_row(page, closed["number"])).to_be_visible()
        expect(line_row(page, good["number"])).to_have_count(0)
        through_the_bank(page, checker)
        expect(line_row(checker, closed["number"])).to_contain_text("已到账")
        shoot(checker, "batch-repaid")
    finally:
        if simulator is not None:
            simulator.terminate()
            simulator.wait(15)
        admin.close()
        checker_context.close()


def test_a_pending_claim_offers_approve_and_a_visible_reject(page: Page, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    household = fresh_household(gateway, "asier", ASIER_VILLAGE)
    with api(gateway, "asier") as client:
        body = {
            "household_id": household["id"],
            "kind": "sheep",
            "year": YEAR,
            "quantity": 200,  # more than the register holds: the village says the record is out of date
            "herd_record_outdated": True,
            "evidence": "动物检疫合格证明 A15062500789",
        }
        answer = client.post("/api/v1/payments/claims", json=body)
    assert answer.status_code == 201 and answer.json()["status"] == "pending_approval", answer.text
    sign_in(page, "xini")
    page.goto("/payments/claims?status=pending_approval")
    row = page.locator("#claims tbody tr", has_text=household["number"])
    approve, reject = row.get_by_role("button", name="批准"), row.get_by_role("button", name="驳回")
    expect(approve).to_be_visible()
    expect(reject).to_be_visible()
    ink, ground = reject.evaluate("b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
    assert ink != ground and ground not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), (ink, ground)
    shoot(page, "claims-pending")
    reject.click()
    expect(page.locator("#claims tbody tr", has_text=household["number"])).to_have_count(0)  # off this list
