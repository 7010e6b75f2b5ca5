"""The three-guarantee pages over plain HTTP: every official reader opens the four lists, the forms only for
the roles the API lets write; a 控辍保学 follow-up recorded on the child's row, insurance whose 代缴 exceeds
the premium refused beside the field, a renovation taken to its acceptance through the row's form (the
household file shows it and the registry's housing flag comes back), and the lists exported."""

import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from deploy.stack import Stack
from gateway.web.render import today
from shared.idnumber import Sex
from tests.browser.household_data import api_token, new_id_number, register_household, unique_name
from tests.browser.test_monitoring import ASIER_VILLAGE, api
from tests.browser.test_pages_http import signed_in

LISTS = (
    "/guarantees/dropouts",
    "/guarantees/insurance",
    "/guarantees/renovations",
    "/guarantees/water-fixes",
)


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=20) as c:
        yield c


def household_with_a_child_out_of_school(gateway: str) -> dict:
    """A household in 阿斯尔 whose ten-year-old is recorded as not in school."""
    year = today().year
    body = {
        "region_code": ASIER_VILLAGE,
        "address": "测试路 2 号",
        "category": "lifted_supported",
        "members": [
            {"name": unique_name("测户"), "id_number": new_id_number(Sex.male), "relation": "head"},
            {
                "name": unique_name("辍学"),
                "id_number": new_id_number(Sex.female, born_after=year - 12, born_before=year - 9),
                "relation": "child",
                "school_stage": "none",
            },
        ],
    }
    answer = httpx.post(
        f"{gateway}/api/v1/households",
        json=body,
        headers={"authorization": f"Bearer {api_token(gateway, 'asier')}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def housing_flag_becomes(gateway: str, household_id: str, secure: bool) -> None:
    """Wait for the registry's housing flag, which monitoring's outbox sets in the background."""
    with api(gateway, "asier") as village:
        for _ in range(150):
            if village.get(f"/api/v1/households/{household_id}").json()["housing_secure"] is secure:
                return
            time.sleep(0.1)
    pytest.fail(f"the registry's housing flag did not become {secure}")


def test_the_pages_need_a_session(client: httpx.Client) -> None:
    for path in (*LISTS, "/guarantees/insurance/new", "/guarantees/renovations/new"):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith(f"/login?next={path}")


def test_the_auditor_reads_the_lists_but_gets_no_forms(client: httpx.Client) -> None:
    signed_in(client, "audit")
    for path in LISTS:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert "三保障" in answer.text and "导出" in answer.text
        assert 'href="/guarantees/water-fixes"' in answer.text  # the tabs reach every list
    assert 'id="new-insurance"' not in client.get("/guarantees/insurance").text
    assert "登记进度" not in client.get("/guarantees/renovations").text
    for path in ("/guarantees/insurance/new", "/guarantees/renovations/new", "/guarantees/water-fixes/new"):
        assert client.get(path).status_code == 403, path


def test_a_follow_up_is_recorded_on_the_childs_row(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    home = household_with_a_child_out_of_school(gateway)
    child = home["members"][1]
    csrf = signed_in(client, "asier")
    listed = client.get("/guarantees/dropouts", params={"region": ASIER_VILLAGE})
    assert f'id="child-{child["id"]}"' in listed.text and "尚未跟进" in listed.text
    body = {
        "csrf_token": csrf,
        "household_id": home["id"],
        "member_id": child["id"],
        "action": "home_schooling_delivered",
        "on": today().isoformat(),
        "note": "",
    }
    refused = client.post("/guarantees/dropouts/follow-ups", data=body)
    assert refused.status_code == 422 and "请填写情况说明" in refused.text
    saved = client.post("/guarantees/dropouts/follow-ups", data={**body, "note": "老师每周送教上门两次"})
    assert saved.status_code == 303, saved.text[:300]
    row = client.get("/guarantees/dropouts", params={"region": ASIER_VILLAGE}).text
    assert "送学上门" in row and "老师每周送教上门两次" in row
    exported = client.get("/exports/dropouts", params={"region": ASIER_VILLAGE, "format": "csv"})
    assert exported.status_code == 200 and child["name"] in exported.text and "送学上门" in exported.text


def test_insurance_paid_beyond_the_premium_is_refused_beside_the_field(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    home = register_household(gateway, "asier", ASIER_VILLAGE)
    csrf = signed_in(client, "asier")
    assert home["head_name"] in client.get(f"/guarantees/insurance/new?household_id={home['id']}").text
    body = {
        "csrf_token": csrf,
        "household_id": home["id"],
        "member_id": home["members"][0]["id"],
        "year": str(today().year),
        "enrolled": "true",
        "premium_yuan": "400",
        "paid_on_behalf_yuan": "400.01",
    }
    refused = client.post("/guarantees/insurance", data=body)
    assert refused.status_code == 422 and "代缴金额不能超过应缴保费" in refused.text
    assert (
        client.post("/guarantees/insurance", data={**body, "paid_on_behalf_yuan": "400"}).status_code == 303
    )
    with api(gateway, "banner") as banner:
        [record] = banner.get("/api/v1/monitoring/insurance", params={"household_id": home["id"]}).json()[
            "items"
        ]
    assert (record["premium_fen"], record["paid_on_behalf_fen"]) == (40_000, 40_000)
    assert home["head_name"] in client.get(f"/households/{home['id']}").text


def test_a_renovation_is_accepted_through_its_row_and_the_house_is_secure_again(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    home = register_household(gateway, "asier", ASIER_VILLAGE)
    day = today().isoformat()
    visit = {
        "household_id": home["id"], "visited_on": day, "education_secure": True, "medical_secure": True,
        "housing_secure": False, "water_secure": True, "income_per_capita_fen": 900_000,
        "rigid_expenditure_fen": 0, "note": "房屋墙体开裂",
    }  # fmt: skip
    with api(gateway, "asier") as village:
        assert village.post("/api/v1/monitoring/visits", json=visit).status_code == 201
    housing_flag_becomes(gateway, home["id"], False)
    csrf = signed_in(client, "asier")
    body = {
        "csrf_token": csrf,
        "household_id": home["id"],
        "grade": "d",
        "assessed_on": day,
        "kind": "rebuild",
        "subsidy_yuan": "40000",
        "started_on": "",
        "note": "",
    }
    made = client.post("/guarantees/renovations", data=body)
    assert made.status_code == 303, made.text[:300]
    record_id = made.headers["location"].split("#record-")[1]
    progress = f"/guarantees/renovations/{record_id}/progress"
    early = client.post(progress, data={"csrf_token": csrf, "completed_on": day})
    assert early.status_code == 422 and "须先登记开工日期" in early.text
    nameless = {"csrf_token": csrf, "started_on": day, "completed_on": day, "accepted_on": day}
    refused = client.post(progress, data=nameless)
    assert refused.status_code == 422 and "验收须写明验收单位或验收人" in refused.text
    accepted = client.post(progress, data={**nameless, "accepted_by": "旗住建局"})
    assert accepted.status_code == 303, accepted.text[:300]
    page = client.get("/guarantees/renovations", params={"accepted": "true"}).text
    assert f'id="record-{record_id}"' in page and "已验收" in page
    file = client.get(f"/households/{home['id']}").text
    assert "D级危房" in file and "旗住建局" in file
    exported = client.get("/exports/renovations", params={"household_id": home["id"], "format": "csv"})
    assert exported.status_code == 200 and "拆除翻建" in exported.text and "400000" not in exported.text
    housing_flag_becomes(gateway, home["id"], True)


def test_a_renovation_not_started_in_time_is_listed_as_overdue(
    client: httpx.Client, live_stack: Stack
) -> None:
    """Appraised 40 days ago and not started (30 days are given): the list's 是否逾期 filter finds it and
    its row says 逾期; the other filter leaves it out."""
    home = register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    csrf = signed_in(client, "asier")
    body = {
        "csrf_token": csrf, "household_id": home["id"], "grade": "c",
        "assessed_on": (today() - timedelta(days=40)).isoformat(), "kind": "reinforce",
        "subsidy_yuan": "12000", "started_on": "", "note": "",
    }  # fmt: skip
    made = client.post("/guarantees/renovations", data=body)
    assert made.status_code == 303, made.text[:300]
    row = f'id="record-{made.headers["location"].split("#record-")[1]}"'
    late = client.get("/guarantees/renovations", params={"overdue": "true", "region": ASIER_VILLAGE}).text
    assert row in late and "逾期</span>" in late.split(row)[1].split("</tr>")[0]
    on_time = client.get("/guarantees/renovations", params={"overdue": "false", "region": ASIER_VILLAGE}).text
    assert row not in on_time
