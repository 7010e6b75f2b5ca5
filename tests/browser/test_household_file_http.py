"""The household file (一户一档), the village roster and the visit form over plain HTTP: every service's part
in the caller's scope, a notice (never a failed page) while a service is down, the PDF, a 404 page outside
the scope, and the four 保障 answers that must be chosen."""

import re
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from deploy.stack import Stack
from tests.browser.household_data import api_token, register_household
from tests.browser.test_pages_http import signed_in

ASIER_VILLAGE = "150625100201"
BAYIN_VILLAGE = "150625100202"
GUARANTEES = ("education_secure", "medical_secure", "housing_secure", "water_secure")


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=30) as c:
        yield c


def record_visit(gateway: str, household_id: str, **answers: bool) -> dict:
    body = {
        "household_id": household_id,
        "visited_on": date.today().isoformat(),
        **dict.fromkeys(GUARANTEES, True),
        **answers,
        "income_per_capita_fen": 900_000,
        "rigid_expenditure_fen": 0,
        "note": "入户核实",
    }
    headers = {"authorization": f"Bearer {api_token(gateway, 'asier-team')}"}
    answer = httpx.post(f"{gateway}/api/v1/monitoring/visits", json=body, headers=headers, timeout=20)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def record_result(gateway: str, household_id: str, visit_id: str) -> dict:
    """A new shed the visit saw, so verified at once (以奖代补)."""
    body = {
        "household_id": household_id, "what": "新建标准化棚圈", "quantity": 1, "unit": "座",
        "achieved_on": date.today().isoformat(), "visit_id": visit_id,
    }  # fmt: skip
    headers = {"authorization": f"Bearer {api_token(gateway, 'asier')}"}
    path = f"{gateway}/api/v1/monitoring/industry-results"
    answer = httpx.post(path, json=body, headers=headers, timeout=20)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def section(text: str, name: str) -> str:
    return text.split(f'id="section-{name}"')[1].split("</section>")[0]


def test_the_file_gathers_what_every_service_holds(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    home = register_household(gateway, "asier", ASIER_VILLAGE, head_facts={"disability_grade": 1})
    visit = record_visit(gateway, home["id"], water_secure=False)
    result = record_result(gateway, home["id"], visit["visit"]["id"])
    signed_in(client, "asier")
    page = client.get(f"/households/{home['id']}")
    assert page.status_code == 200
    text = page.text
    for name in ("cases", "visits", "alerts", "claims", "lines", "dividends", "results", "dues"):
        assert f'id="section-{name}"' in text, name
    results = section(text, "results")
    assert "新建标准化棚圈" in results and "已核实" in results
    assert f'href="/monitoring/industry-results#result-{result["id"]}"' in results
    dues = section(text, "dues")  # the head's grade-1 disability: 12 months of the nursing allowance
    nursing = dues.split('data-due="disability_nursing"')[1].split("</tr>")[0]
    assert "重度残疾人护理补贴" in nursing and home["head_name"] in nursing
    assert "12 × 150.00" in nursing and "1,800.00" in nursing
    visits = text.split('id="section-visits"')[1].split("</section>")[0]
    assert date.today().isoformat() in visits and "入户核实" in visits
    alerts = text.split('id="section-alerts"')[1].split("</section>")[0]
    assert "饮水安全" in alerts
    assert "暂无监测案件" in text and "暂时无法读取" not in text
    assert f'href="/monitoring/visits/new?household_id={home["id"]}"' in text
    assert f'href="/households/{home["id"]}/file.pdf"' in text

    pdf = client.get(f"/households/{home['id']}/file.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and re.findall(rb"/Count (\d+)", pdf.content) == [b"1"]  # one page


def test_the_file_says_what_it_could_not_read_while_payments_is_down(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    home = register_household(gateway, "asier", ASIER_VILLAGE)
    record_visit(gateway, home["id"])
    signed_in(client, "asier")
    live_stack.stop("payments")
    try:
        page = client.get(f"/households/{home['id']}")
        pdf = client.get(f"/households/{home['id']}/file.pdf")
    finally:
        live_stack.start("payments")
        live_stack.wait_ready(["payments"])
    assert page.status_code == 200 and pdf.status_code == 200
    assert "补贴发放服务暂时无法读取" in page.text
    claims = page.text.split('id="section-claims"')[1].split("</section>")[0]
    assert "补贴发放服务暂时无法读取" in claims and "暂无补贴申请" not in claims
    assert "补贴发放服务暂时无法读取" in section(page.text, "dues")
    visits = page.text.split('id="section-visits"')[1].split("</section>")[0]
    assert "入户核实" in visits  # the other services still answer
    assert home["head_name"] in page.text


def test_another_villages_household_is_a_404_page_and_not_on_the_roster(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    other = register_household(gateway, "bayin", BAYIN_VILLAGE)
    own = register_household(gateway, "asier", ASIER_VILLAGE)
    signed_in(client, "asier-team")
    for path in (f"/households/{other['id']}", f"/households/{other['id']}/file.pdf"):
        refused = client.get(path)
        assert refused.status_code == 404 and "未找到" in refused.text
        assert other["head_name"] not in refused.text
    roster = client.get("/roster")
    assert roster.status_code == 200
    assert other["number"] not in roster.text and own["number"] in roster.text
    numbers = re.findall(r'<td class="mono nowrap">(\d+)</td>', roster.text)
    assert numbers and all(n.startswith(ASIER_VILLAGE) for n in numbers)


def test_the_roster_puts_households_never_visited_before_those_just_visited(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    visited = register_household(gateway, "asier", ASIER_VILLAGE)
    never = register_household(gateway, "asier", ASIER_VILLAGE)
    record_visit(gateway, visited["id"])
    signed_in(client, "asier-team")
    text = client.get("/roster").text
    assert text.index(f'id="roster-{never["id"]}"') < text.index(f'id="roster-{visited["id"]}"')
    row = text.split(f'id="roster-{visited["id"]}"')[1].split("</tr>")[0]
    assert date.today().isoformat() in row and "逾期" not in row
    assert "从未走访" in text.split(f'id="roster-{never["id"]}"')[1].split("</tr>")[0]
    assert client.get("/roster").headers["cache-control"] == "no-store"
    with httpx.Client(base_url=live_stack.url("gateway"), timeout=30) as township:
        signed_in(township, "xini")  # a township official does not keep a village roster
        assert township.get("/roster").status_code == 403


def test_the_four_answers_start_unanswered_and_must_be_chosen(
    client: httpx.Client, live_stack: Stack
) -> None:
    home = register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    csrf = signed_in(client, "asier-team")
    form = client.get("/monitoring/visits/new", params={"household_id": home["id"]})
    assert form.status_code == 200 and home["head_name"] in form.text
    assert "checked" not in form.text.split('class="yesno"')[1].split("</div>")[0]
    answers = {"education_secure": "yes", "medical_secure": "yes", "housing_secure": "no"}  # water left out
    body = {
        "csrf_token": csrf,
        "household_id": home["id"],
        "visited_on": date.today().isoformat(),
        "income_yuan": "9000",
        "rigid_yuan": "0",
        **answers,
    }
    refused = client.post("/monitoring/visits/new", data=body)
    assert refused.status_code == 422
    water = refused.text.split("饮水安全有保障")[1].split("</fieldset>")[0]
    assert "请选择是或否" in water and 'aria-invalid="true"' in refused.text
    listed = client.get(f"/households/{home['id']}").text.split('id="section-visits"')[1]
    assert "暂无走访记录" in listed.split("</section>")[0]  # nothing half-written
    done = client.post("/monitoring/visits/new", data={**body, "water_secure": "no"})
    assert done.status_code == 200 and "走访已记录" in done.text
