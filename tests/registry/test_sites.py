"""Resettlement sites: the nine facilities and their follow-up, households linked in their own record, the
share of working-age people in work moving with the members' ages and jobs, gaps per township, scope."""

from datetime import date, timedelta

import httpx
import pytest

from shared import months
from shared.vocabulary.places import Facility
from tests.conftest import TokenFactory, bearer
from tests.support.households import id_number, member, register

pytestmark = pytest.mark.usefixtures("clean_databases")

XINI, BALAGONG = "150625100", "150625101"
ASIER = "150625100201"
SITES = "/api/v1/resettlement-sites"


def years_ago(years: int, days: int = 0) -> date:
    today = months.today()
    return today.replace(year=today.year - years) - timedelta(days=days)


def site(name: str = "锡尼镇幸福家园", region_code: str = XINI, **fields: object) -> dict[str, object]:
    return {"name": name, "region_code": region_code, "capacity": 3, **fields}


async def test_a_site_has_the_nine_facilities_unlisted_ones_a_gap(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    headers = bearer(token_for("township_official", XINI))
    facilities = [
        {"facility": "water", "status": "adequate"},
        {
            "facility": "clinic",
            "status": "in_progress",
            "project": {"name": "标准化卫生室", "due_on": "2027-06-30"},
        },
    ]
    response = await registry.post(SITES, json=site(facilities=facilities), headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    states = {f["facility"]: f["status"] for f in body["facilities"]}
    assert list(states) == [f.value for f in Facility]
    assert states["water"] == "adequate" and states["clinic"] == "in_progress"
    assert {states[f] for f in states if f not in {"water", "clinic"}} == {"gap"}
    assert body["gaps"] == 8 and body["households"] == 0 and body["work_share"] is None
    again = await registry.post(SITES, json=site(), headers=headers)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"facilities": [{"facility": "roads", "status": "in_progress"}]}, "facilities.0.project"),
        (
            {
                "facilities": [
                    {
                        "facility": "roads",
                        "status": "adequate",
                        "project": {"name": "道路硬化", "due_on": "2027-01-01"},
                    }
                ]
            },
            "facilities.0.project",
        ),
        (
            {"facilities": [{"facility": "roads", "status": "gap"}, {"facility": "roads", "status": "gap"}]},
            "facilities.1.facility",
        ),
        ({"region_code": "150625101"}, "region_code"),  # another township: outside the caller's scope
        ({"region_code": "150625999"}, "region_code"),
    ],
)
async def test_a_bad_site_is_refused_naming_the_field_and_nothing_is_written(
    registry: httpx.AsyncClient, token_for: TokenFactory, fields: dict[str, object], field: str
) -> None:
    headers = bearer(token_for("township_official", XINI))
    response = await registry.post(SITES, json=site(**fields), headers=headers)
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    assert (await registry.get(SITES, headers=headers)).json()["total"] == 0


async def test_linked_households_carry_the_site_and_its_work_share_follows_their_members(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    township = bearer(token_for("township_official", XINI))
    village = bearer(token_for("village_official", ASIER))
    created = (await registry.post(SITES, json=site(), headers=township)).json()
    working = member("巴特尔", id_number=id_number(birth=years_ago(40)), employment="外出务工")
    idle = member("乌日娜", "spouse", id_number=id_number(birth=years_ago(38)))
    child = member("其其格", "child", id_number=id_number(birth=years_ago(10)), labour_ability="none")
    elder = member("额吉", "parent", id_number=id_number(birth=years_ago(70)), employment="放牧")
    first = await register(registry, village, members=[working, idle, child, elder])
    second = await register(registry, village)

    response = await registry.post(
        f"{SITES}/{created['id']}/households", json={"household_ids": [first["id"]]}, headers=village
    )
    assert response.status_code == 200, response.text
    assert [h["id"] for h in response.json()["linked"]] == [first["id"]]
    # the village official links to its town's site, but reads sites placed in its own scope only
    assert (await registry.get(f"{SITES}/{created['id']}", headers=village)).status_code == 404
    body = (await registry.get(f"{SITES}/{created['id']}", headers=township)).json()
    assert (body["households"], body["people"], body["working_age"], body["working_age_in_work"]) == (
        1,
        4,
        2,
        1,
    )
    assert body["work_share"] == 0.5
    assert [h["id"] for h in body["linked_households"]] == [first["id"]]
    household = (await registry.get(f"/api/v1/households/{first['id']}", headers=village)).json()
    assert household["resettlement_site_id"] == created["id"]
    assert household["relocated"] and household["resettlement_site"] == "锡尼镇幸福家园"

    # The idle spouse finds work: the share moves.
    idle_now = {**idle, "employment": "公益性岗位"}
    patched = await registry.patch(
        f"/api/v1/households/{first['id']}",
        json={"members": [working, idle_now, child, elder]},
        headers=village,
    )
    assert patched.status_code == 200, patched.text
    after = (await registry.get(f"{SITES}/{created['id']}", headers=township)).json()
    assert after["work_share"] == 1.0

    changes = (await registry.get(f"/api/v1/households/{first['id']}/changes", headers=village)).json()
    assert any(c["field"] == "resettlement_site_id" for c in changes)
    await registry.post(
        f"{SITES}/{created['id']}/households", json={"household_ids": [second["id"]]}, headers=village
    )
    assert (await registry.get(f"{SITES}/{created['id']}", headers=township)).json()["households"] == 2


async def test_households_outside_scope_or_past_capacity_are_refused_and_none_linked(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    township = bearer(token_for("township_official", XINI))
    created = (await registry.post(SITES, json=site(capacity=1), headers=township)).json()
    mine = await register(registry, township)
    theirs = await register(
        registry, bearer(token_for("township_official", BALAGONG)), region_code="150625101201"
    )
    link = f"{SITES}/{created['id']}/households"
    response = await registry.post(link, json={"household_ids": [mine["id"], theirs["id"]]}, headers=township)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["household_ids.1"]
    other = await register(registry, township)
    response = await registry.post(link, json={"household_ids": [mine["id"], other["id"]]}, headers=township)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "household_ids"
    household = (await registry.get(f"/api/v1/households/{mine['id']}", headers=township)).json()
    assert household["resettlement_site_id"] is None


async def test_gaps_per_township_follow_the_facilities_and_flag_overdue_projects(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    banner = bearer(token_for("banner_official", "150625"))
    adequate = [{"facility": f.value, "status": "adequate"} for f in Facility]
    xini = (await registry.post(SITES, json=site(facilities=adequate), headers=banner)).json()
    await registry.post(SITES, json=site("新民村安置点", BALAGONG, facilities=adequate), headers=banner)
    assert (await registry.get(f"{SITES}/gaps", headers=banner)).json() == []

    late = {"status": "in_progress", "project": {"name": "污水管网", "due_on": str(years_ago(0, days=1))}}
    response = await registry.put(
        f"{SITES}/{xini['id']}/facilities/waste_and_sewage", json=late, headers=banner
    )
    assert response.status_code == 200 and response.json()["overdue"] is True
    [township] = (await registry.get(f"{SITES}/gaps", headers=banner)).json()
    assert (township["township_code"], township["township_name"], township["overdue"]) == (XINI, "锡尼镇", 1)
    assert [(g["site_name"], g["facility"]) for g in township["gaps"]] == [
        ("锡尼镇幸福家园", "waste_and_sewage")
    ]

    refused = await registry.put(
        f"{SITES}/{xini['id']}/facilities/waste_and_sewage", json={"status": "in_progress"}, headers=banner
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "project"
    done = await registry.put(
        f"{SITES}/{xini['id']}/facilities/waste_and_sewage", json={"status": "adequate"}, headers=banner
    )
    assert done.status_code == 200
    assert (await registry.get(f"{SITES}/gaps", headers=banner)).json() == []


async def test_sites_are_read_within_the_callers_scope(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    banner = bearer(token_for("banner_official", "150625"))
    xini = (await registry.post(SITES, json=site(), headers=banner)).json()
    await registry.post(SITES, json=site("新民村安置点", BALAGONG), headers=banner)
    balagong = bearer(token_for("township_official", BALAGONG))
    listed = (await registry.get(SITES, headers=balagong)).json()
    assert [s["name"] for s in listed["items"]] == ["新民村安置点"]
    assert (await registry.get(f"{SITES}/{xini['id']}", headers=balagong)).status_code == 404
    assert [g["township_code"] for g in (await registry.get(f"{SITES}/gaps", headers=balagong)).json()] == [
        BALAGONG
    ]
    moved = await registry.put(
        f"{SITES}/{xini['id']}/facilities/water", json={"status": "adequate"}, headers=balagong
    )
    assert moved.status_code == 404
    assert [
        s["name"]
        for s in (await registry.get(SITES, params={"region": XINI}, headers=banner)).json()["items"]
    ] == ["锡尼镇幸福家园"]
