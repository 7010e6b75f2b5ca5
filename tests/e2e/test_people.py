"""The people who do the work, through the gateway: officials carry their names, the banner assigns a 第一书记
to a village, and the assessment read from monitoring's and payments' figures moves when a visit is recorded;
it downloads as a workbook or CSV, for assessors only."""

import csv
import io
from datetime import date

import httpx
from openpyxl import load_workbook

from deploy.stack import Stack
from tests.conftest import bearer
from tests.e2e.test_admin import login, unique
from tests.security.objects import visit

ASIER, BAYIN, XINI = "150625100201", "150625100202", "150625100"
YEAR = date.today().year


def test_officials_carry_their_display_names(live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    me = httpx.get(gateway + "/auth/me", headers=bearer(login(live_stack, "asier-team"))).json()
    assert (me["username"], me["display_name"], me["role"]) == ("asier-team", "赵文静", "work_team")
    username = unique("cadre")
    created = httpx.post(
        gateway + "/api/v1/admin/users",
        headers=bearer(login(live_stack, "admin")),
        json={
            "username": username,
            "password": "a-long-password",
            "role": "township_official",
            "region": XINI,
            "display_name": "张敏",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["display_name"] == "张敏"
    own = httpx.get(
        gateway + "/auth/me", headers=bearer(login(live_stack, username, "a-long-password"))
    ).json()
    assert own["display_name"] == "张敏"


def official(assessment: dict, username: str, kind: str) -> dict:
    return next(o for o in assessment["officials"] if o["username"] == username and o["kind"] == kind)


def work_team_account(live_stack: Stack, village: str, display_name: str) -> str:
    """A new work team account of `village`: this test's 第一书记, whom no other test has sent anywhere."""
    username = unique("team")
    created = httpx.post(
        live_stack.url("gateway") + "/api/v1/admin/users",
        headers=bearer(login(live_stack, "admin")),
        json={
            "username": username,
            "password": "a-long-password",
            "role": "work_team",
            "region": village,
            "display_name": display_name,
        },
    )
    assert created.status_code == 201, created.text
    return username


def test_the_assessment_moves_when_a_visit_is_recorded(live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    banner = bearer(login(live_stack, "banner"))
    secretary = work_team_account(live_stack, BAYIN, "王志强")
    assignment = {
        "username": secretary,
        "kind": "first_secretary",
        "village_code": BAYIN,
        "dispatching_unit": "旗财政局",
        "starts_on": f"{YEAR}-01-01",
    }
    created = httpx.post(gateway + "/api/v1/admin/assignments", headers=banner, json=assignment)
    assert created.status_code == 201, created.text
    assert created.json()["display_name"] == "王志强"
    again = httpx.post(gateway + "/api/v1/admin/assignments", headers=banner, json=assignment)
    assert again.status_code == 409  # one 第一书记 per village at a time
    refused = httpx.post(
        gateway + "/api/v1/admin/assignments", headers=banner, json=assignment | {"kind": "responsible"}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "kind"

    township = bearer(login(live_stack, "xini"))
    params = {"year": YEAR, "region": XINI}

    def assessed() -> tuple[dict, dict]:
        response = httpx.get(gateway + "/api/v1/assessments", headers=township, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        village = next(v for v in body["villages"] if v["village_code"] == BAYIN)
        return village, official(body, secretary, "first_secretary")

    village_before, secretary_before = assessed()
    assert secretary_before["display_name"] == "王志强" and secretary_before["dispatching_unit"] == "旗财政局"
    team = bearer(login(live_stack, secretary, "a-long-password"))
    [home] = httpx.get(
        gateway + "/api/v1/households", headers=team, params={"region": BAYIN, "page_size": 1}
    ).json()["items"]
    recorded = httpx.post(
        gateway + "/api/v1/monitoring/visits",
        headers=team,
        json=visit(home["id"]) | {"visited_on": date.today().isoformat()},
    )
    assert recorded.status_code == 201, recorded.text
    village_after, secretary_after = assessed()
    assert village_after["visits_done"] == village_before["visits_done"] + 1
    assert secretary_after["visits_done"] == secretary_before["visits_done"] + 1

    workbook = httpx.get(gateway + "/api/v1/assessments/export", headers=township, params=params)
    assert workbook.status_code == 200
    sheets = load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert sheets.sheetnames == ["villages", "officials"]
    assert BAYIN in [row[0] for row in sheets["villages"].iter_rows(values_only=True)]
    table = httpx.get(
        gateway + "/api/v1/assessments/export",
        headers=township,
        params=params | {"format": "csv", "part": "officials"},
    )
    rows = list(csv.DictReader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert {secretary, "first_secretary"} <= {v for r in rows for v in (r["username"], r["kind"])}

    village_official = bearer(login(live_stack, "asier"))
    assert (
        httpx.get(gateway + "/api/v1/assessments", headers=village_official, params=params).status_code == 403
    )


def test_a_typed_unit_exports_as_text_never_as_a_formula(live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    unit = '=HYPERLINK("http://example.com","旗农牧局")'
    created = httpx.post(
        gateway + "/api/v1/admin/assignments",
        headers=bearer(login(live_stack, "banner")),
        json={
            "username": "asier-team",
            "kind": "work_team",
            "village_code": ASIER,
            "dispatching_unit": unit,
            "starts_on": f"{YEAR}-01-01",
        },
    )
    assert created.status_code == 201, created.text
    township, params = bearer(login(live_stack, "xini")), {"year": YEAR, "region": XINI}

    workbook = httpx.get(gateway + "/api/v1/assessments/export", headers=township, params=params)
    assert workbook.status_code == 200, workbook.text
    header, *rows = load_workbook(io.BytesIO(workbook.content), read_only=True)["officials"].values
    units = {row[header.index("dispatching_unit")] for row in rows}
    table = httpx.get(
        gateway + "/api/v1/assessments/export",
        headers=township,
        params=params | {"format": "csv", "part": "officials"},
    )
    assert table.status_code == 200, table.text
    units |= {r["dispatching_unit"] for r in csv.DictReader(io.StringIO(table.text.lstrip("\ufeff")))}
    assert "'" + unit in units and unit not in units
