"""The monitoring pages over plain HTTP: the public self-report form (no login, CSRF, a rate limit per
reporter and address), the printable notice (no ID numbers or phones), the dashboard section, and the
guards."""

import re
from collections.abc import Iterator

import httpx
import pytest

from deploy.stack import Stack
from shared.idnumber import Sex
from tests.browser.household_data import new_id_number, unique_name
from tests.browser.test_monitoring import ASIER_VILLAGE, api, free_household, step
from tests.browser.test_pages_http import signed_in

FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
CONFIRMATION = "已提交，嘎查村将在15日内联系您"


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=20) as c:
        yield c


def report_csrf(client: httpx.Client) -> str:
    page = client.get("/report")
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def report_data(token: str, name: str, id_number: str) -> dict[str, str | list[str]]:
    return {
        "csrf_token": token,
        "village_code": ASIER_VILLAGE,
        "name": name,
        "phone": "13900001111",
        "id_number": id_number,
        "risk_types": ["illness", "income_drop"],
        "description": "家中老人重病，医药费负担重",
        "authorisation": "on",
    }


def test_monitoring_pages_need_a_session(client: httpx.Client) -> None:
    response = client.get("/monitoring/cases")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/monitoring/cases")


def test_report_without_login_creates_a_self_report(client: httpx.Client, live_stack: Stack) -> None:
    token = report_csrf(client)
    assert "hj_session" not in client.cookies
    name = unique_name("申报")
    id_number = new_id_number(Sex.female)
    refused = client.post("/report", data={**report_data(token, name, id_number), "csrf_token": "forged"})
    assert refused.status_code == 403

    bad = client.post("/report", data={**report_data(token, name, "123"), "phone": "12"})
    assert bad.status_code == 422
    assert 'id="report-phone-error"' in bad.text and 'id="report-id-error"' in bad.text

    answer = client.post("/report", data=report_data(token, name, id_number))
    assert answer.status_code == 201, answer.text
    assert CONFIRMATION in answer.text
    assert id_number not in answer.text
    with api(live_stack.url("gateway"), "banner") as banner:
        listed = banner.get("/api/v1/monitoring/self-reports", params={"page_size": 200})
        assert listed.status_code == 200, listed.text
    mine = [r for r in listed.json()["items"] if r["name"] == name]
    assert len(mine) == 1 and mine[0]["village_code"] == ASIER_VILLAGE


def test_notice_print_has_no_id_numbers_or_phones(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    household = free_household(gateway)
    with api(gateway, "asier") as asier:
        opened = asier.post(
            "/api/v1/monitoring/cases",
            json={
                "household_id": household["id"],
                "source": "village_screening",
                "risk_types": ["illness"],
                "description": "因病致贫风险",
            },
        )
        assert opened.status_code == 201, opened.text
        full = asier.get(f"/api/v1/households/{household['id']}").json()
    case_id = opened.json()["id"]
    step(gateway, "asier-team", case_id, "village_review")  # the work team signs first
    step(gateway, "asier", case_id, "village_review")
    step(gateway, "minzheng", case_id, "data_comparison")
    step(gateway, "xini", case_id, "township_review")
    step(gateway, "xini", case_id, "publish_notice")
    signed_in(client, "xini")

    page = client.get("/monitoring/notices/print", params={"region": ASIER_VILLAGE})
    assert page.status_code == 200, page.text
    text = page.text
    assert "防止返贫监测对象公示" in text and household["number"] in text and "异议截止" in text
    assert not FULL_ID.search(text), FULL_ID.search(text)
    for member in full["members"]:
        assert member["id_number"] not in text
    if full.get("phone"):
        assert full["phone"] not in text
    assert household["head_name"] in text  # named as the village notice names those proposed
    assert 'class="mainnav"' not in text

    # Confirming during the notice is refused, in Chinese, as a 422 swap.
    with httpx.Client(base_url=gateway, follow_redirects=False, timeout=20) as banner:
        csrf = signed_in(banner, "banner")
        refused = banner.post(
            f"/monitoring/cases/{case_id}/transitions",
            data={"action": "confirm", "comment": ""},
            headers={"HX-Request": "true", "X-CSRF-Token": csrf},
        )
    assert refused.status_code == 422
    assert "公示期未满" in refused.text


def test_dashboard_shows_monitoring_section(client: httpx.Client) -> None:
    signed_in(client, "xini")
    page = client.get("/")
    assert page.status_code == 200
    assert "防返贫监测" in page.text and 'id="dashboard-monitoring"' in page.text
    assert 'href="/monitoring/cases"' in page.text


def test_report_rate_limit(client: httpx.Client) -> None:
    """A village office files for ten families from one address; one reporter filing again and again is
    refused at the sixth (the count is per reporter and address, gateway/ratelimit.py)."""
    token = report_csrf(client)
    for _ in range(10):
        answer = client.post("/report", data=report_data(token, unique_name("代报"), new_id_number(Sex.male)))
        assert answer.status_code == 201, answer.text
    same = report_data(token, unique_name("限流"), new_id_number(Sex.female))
    codes = [client.post("/report", data=same).status_code for _ in range(6)]
    assert codes[0] == 201 and 429 not in codes[:5] and codes[5] == 429, codes
    refused = client.post("/report", data=same)
    assert refused.status_code == 429 and "提交过于频繁" in refused.text
    assert int(refused.headers["retry-after"]) > 0
