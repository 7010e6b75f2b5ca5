"""Industry results (seed §五(五) 以奖代补、先建后补) through the API on both databases: recorded by the
village, verified by a visit to the same household on or after the result (once), read in scope."""

from datetime import timedelta

from tests.monitoring.conftest import ASIER, BAYIN, Services, lifted_household
from tests.monitoring.test_discovery import visit

RESULTS = "/api/v1/monitoring/industry-results"


def result_body(household_id: str, achieved_on: str, **fields: object) -> dict[str, object]:
    return {"household_id": household_id, "what": "新建标准化棚圈", "quantity": 1, "unit": "座",
            "achieved_on": achieved_on, **fields}  # fmt: skip


async def test_a_visit_to_its_household_on_or_after_it_verifies_a_result_once(services: Services) -> None:
    village = services.headers("village_official", ASIER)
    home = await services.register(**lifted_household())
    neighbour = await services.register(**lifted_household())
    today = services.clock.now.date()
    early = await visit(services, home["id"], (today - timedelta(days=30)).isoformat())
    seen = await visit(services, home["id"], today.isoformat())
    theirs = await visit(services, neighbour["id"], today.isoformat())

    recorded = await services.monitoring.post(
        RESULTS, json=result_body(home["id"], (today - timedelta(days=10)).isoformat()), headers=village
    )
    assert recorded.status_code == 201, recorded.text
    result = recorded.json()
    assert (result["verified"], result["verified_by"], result["visit_id"]) == (False, None, None)
    verify = f"{RESULTS}/{result['id']}/verification"
    for visit_id in (early["visit"]["id"], theirs["visit"]["id"]):  # before the result; another household
        refused = await services.monitoring.post(verify, json={"visit_id": visit_id}, headers=village)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "visit_id"
    verified = await services.monitoring.post(verify, json={"visit_id": seen["visit"]["id"]}, headers=village)
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] and verified.json()["verified_on"] == today.isoformat()
    assert verified.json()["verified_by"] == seen["visit"]["visitor"]
    again = await services.monitoring.post(verify, json={"visit_id": seen["visit"]["id"]}, headers=village)
    assert again.status_code == 409

    listed = await services.monitoring.get(RESULTS, params={"verified": "true"}, headers=village)
    assert [r["id"] for r in listed.json()["items"]] == [result["id"]]


async def test_a_result_with_its_visit_is_verified_at_once_and_stays_in_scope(services: Services) -> None:
    village = services.headers("work_team", ASIER)
    home = await services.register(**lifted_household())
    today = services.clock.now.date().isoformat()
    seen = await visit(services, home["id"], today)
    body = result_body(home["id"], today, what="出栏肉羊", quantity=30, unit="只")
    body["visit_id"] = seen["visit"]["id"]
    made = await services.monitoring.post(RESULTS, json=body, headers=village)
    assert made.status_code == 201 and made.json()["verified"], made.text

    elsewhere = services.headers("village_official", BAYIN)
    one = await services.monitoring.get(f"{RESULTS}/{made.json()['id']}", headers=elsewhere)
    assert one.status_code == 404
    assert (await services.monitoring.get(RESULTS, headers=elsewhere)).json()["total"] == 0
    future = result_body(home["id"], "2099-01-01")
    refused = await services.monitoring.post(RESULTS, json=future, headers=village)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "achieved_on"
    township = services.headers("township_official", ASIER[:9])
    assert (await services.monitoring.post(RESULTS, json=body, headers=township)).status_code == 403
