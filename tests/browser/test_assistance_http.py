"""The assistance pages over plain HTTP: every official reader opens the lists, the forms only for the roles
the API lets write, a refused write leaves nothing behind, and the fields the service refuses are said
beside them."""

import re
from collections.abc import Iterator

import httpx
import pytest

from deploy.stack import Stack
from tests.browser.household_data import register_household
from tests.browser.test_monitoring import ASIER_VILLAGE, api
from tests.browser.test_pages_http import signed_in

LISTS = (
    "/monitoring/plans",
    "/monitoring/findings",
    "/monitoring/loans",
    "/monitoring/loans/coverage",
    "/monitoring/posts",
    "/monitoring/trainings",
    "/monitoring/workshops",
)


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=20) as c:
        yield c


def test_assistance_pages_need_a_session(client: httpx.Client) -> None:
    for path in (*LISTS, "/monitoring/department-lists", "/monitoring/plans/new"):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith(f"/login?next={path}")


def test_the_auditor_reads_the_lists_but_gets_no_forms(client: httpx.Client) -> None:
    signed_in(client, "audit")
    for path in LISTS:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert "帮扶措施" in answer.text
    assert 'id="new-plan"' not in client.get("/monitoring/plans").text
    assert 'id="new-loan"' not in client.get("/monitoring/loans").text
    for path in ("/monitoring/plans/new", "/monitoring/loans/new", "/monitoring/posts/new"):
        assert client.get(path).status_code == 403, path
    assert client.get("/monitoring/department-lists").status_code == 403


def test_a_village_official_may_not_upload_a_departments_list(client: httpx.Client) -> None:
    csrf = signed_in(client, "asier")
    assert client.get("/monitoring/department-lists").status_code == 403
    refused = client.post(
        "/monitoring/department-lists",
        data={"csrf_token": csrf, "department": "medical_security", "year": "2026"},
        files={"file": ("yibao.csv", b"id_number,out_of_pocket_fen\n", "text/csv")},
    )
    assert refused.status_code == 403
    assert 'id="upload-list"' not in client.get("/monitoring/findings").text


def test_the_department_refused_a_plan_and_a_repayment_records_nothing(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    household = register_household(gateway, "asier", ASIER_VILLAGE)
    csrf = signed_in(client, "minzheng")
    body = {"csrf_token": csrf, "household_id": household["id"], "username": "x", "display_name": "某某"}
    assert client.post("/monitoring/plans", data=body).status_code == 403
    with api(gateway, "banner") as banner:
        plan = banner.get(f"/api/v1/monitoring/households/{household['id']}/plan")
        assert plan.status_code == 404
        loan = banner.get("/api/v1/monitoring/loans", params={"page_size": 1}).json()["items"][0]
    repay = {"csrf_token": csrf, "paid_on": "2026-01-01", "amount_yuan": "1.00"}
    assert client.post(f"/monitoring/loans/{loan['id']}/repayments", data=repay).status_code == 403
    with api(gateway, "banner") as banner:
        after = banner.get("/api/v1/monitoring/loans", params={"household_id": loan["household_id"]})
    assert [x["repaid_fen"] for x in after.json()["items"] if x["id"] == loan["id"]] == [loan["repaid_fen"]]


def test_a_consumption_loan_is_refused_beside_its_field(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    household = register_household(gateway, "asier", ASIER_VILLAGE)
    csrf = signed_in(client, "asier")
    form = client.get("/monitoring/loans/new", params={"household_id": household["id"]})
    assert form.status_code == 200
    member = household["members"][0]["id"]
    body = {
        "csrf_token": csrf,
        "household_id": household["id"],
        "borrower_member_id": member,
        "bank": "杭锦旗农村信用合作联社",
        "amount_yuan": "50000.005",
        "term_months": "36",
        "annual_rate": "4.35",
        "purpose": "consumption",
        "disbursed_on": "2026-03-01",
    }
    bad = client.post("/monitoring/loans", data=body)
    assert bad.status_code == 422
    assert 'id="loan-amount-error"' in bad.text  # a thousandth of a yuan is no amount
    bad = client.post("/monitoring/loans", data={**body, "amount_yuan": "50000.00"})
    assert bad.status_code == 422
    assert re.search(r'id="loan-purpose-error">[^<]+<', bad.text)
    with api(gateway, "banner") as banner:
        loans = banner.get("/api/v1/monitoring/loans", params={"household_id": household["id"]})
    assert loans.json()["total"] == 0
    lent = client.post("/monitoring/loans", data={**body, "amount_yuan": "50000.00", "purpose": "livestock"})
    assert lent.status_code == 303, lent.text
    listed = client.get("/monitoring/loans", params={"region": ASIER_VILLAGE, "overdue": "false"})
    assert "50,000.00" in listed.text and "养殖业" in listed.text


def test_a_list_with_a_bad_cell_is_refused_row_by_row_and_records_nothing(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    with api(gateway, "banner") as banner:
        before = banner.get("/api/v1/monitoring/findings", params={"page_size": 1}).json()["total"]
    csrf = signed_in(client, "minzheng")
    assert 'name="department"' in client.get("/monitoring/department-lists").text
    content = "id_number,out_of_pocket_fen\n11010519491231002X,九百\n".encode()
    refused = client.post(
        "/monitoring/department-lists",
        data={"csrf_token": csrf, "department": "medical_security", "year": "2026"},
        files={"file": ("yibao.csv", content, "text/csv")},
    )
    assert refused.status_code == 422
    assert re.search(r'id="cell-problems">\s*<li>第 2 行 out_of_pocket_fen：', refused.text)
    missing = client.post(
        "/monitoring/department-lists", data={"csrf_token": csrf, "department": "", "year": "2026"}
    )
    assert missing.status_code == 422
    assert 'id="list-department-error"' in missing.text and 'id="list-file-error"' in missing.text
    with api(gateway, "banner") as banner:
        after = banner.get("/api/v1/monitoring/findings", params={"page_size": 1}).json()["total"]
    assert after == before
