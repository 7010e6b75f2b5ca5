"""Household plans (一户一策): one per household, a responsible cadre, measures with evidence, overdue
measures for the inbox, scope, and risk elimination reading the plan."""

from datetime import timedelta
from typing import Any

from tests.monitoring.conftest import ASIER, BANNER, BAYIN, Services, lifted_household

PLANS = "/api/v1/monitoring/plans"
CADRE = {"username": "zhang.min", "display_name": "张敏"}


async def make_plan(services: Services, household_id: str, **fields: Any) -> dict[str, Any]:
    body = {"household_id": household_id, "responsible": CADRE, **fields}
    response = await services.monitoring.post(
        PLANS, json=body, headers=services.headers("village_official", ASIER)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_one_plan_per_household_with_its_cadre_and_measures(services: Services) -> None:
    home = await services.register(**lifted_household())
    today = services.clock.now.date()
    plan = await make_plan(
        services,
        home["id"],
        measures=[
            {"kind": "industry", "target": "肉羊存栏增至 60 只", "due_on": str(today + timedelta(days=90))}
        ],
    )
    assert plan["responsible"] == CADRE
    assert [(m["kind"], m["status"], m["overdue"]) for m in plan["measures"]] == [
        ("industry", "planned", False)
    ]
    read = await services.monitoring.get(
        f"/api/v1/monitoring/households/{home['id']}/plan", headers=services.headers("work_team", ASIER)
    )
    assert read.status_code == 200 and read.json()["id"] == plan["id"]
    again = await services.monitoring.post(
        PLANS,
        json={"household_id": home["id"], "responsible": CADRE},
        headers=services.headers("village_official", ASIER),
    )
    assert again.status_code == 409


async def test_an_ordinary_household_has_no_plan_and_nothing_is_written(services: Services) -> None:
    home = await services.register(category="ordinary")
    response = await services.monitoring.post(
        PLANS,
        json={"household_id": home["id"], "responsible": CADRE},
        headers=services.headers("village_official", ASIER),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["household_id"]
    listed = await services.monitoring.get(PLANS, headers=services.headers("banner_official", BANNER))
    assert listed.json()["total"] == 0


async def test_a_measure_is_done_only_with_evidence_and_overdue_ones_reach_the_inbox(
    services: Services,
) -> None:
    home = await services.register(**lifted_household())
    today = services.clock.now.date()
    plan = await make_plan(services, home["id"])
    village = services.headers("village_official", ASIER)
    added = await services.monitoring.post(
        f"{PLANS}/{plan['id']}/measures",
        json={
            "kind": "employment",
            "target": "户主到扶贫车间务工",
            "due_on": str(today + timedelta(days=10)),
        },
        headers=village,
    )
    assert added.status_code == 201, added.text
    measure = f"{PLANS}/{plan['id']}/measures/{added.json()['id']}"
    overdue = {"overdue": "true", "region": ASIER}
    assert (await services.monitoring.get(PLANS, params=overdue, headers=village)).json()["total"] == 0
    services.clock.advance(days=11)
    late = (await services.monitoring.get(PLANS, params=overdue, headers=village)).json()
    assert [p["id"] for p in late["items"]] == [plan["id"]] and late["items"][0]["overdue_measures"] == 1
    no_evidence = await services.monitoring.patch(measure, json={"status": "done"}, headers=village)
    assert no_evidence.status_code == 422 and no_evidence.json()["errors"][0]["field"] == "evidence"
    done = await services.monitoring.patch(
        measure, json={"status": "done", "evidence": "务工合同及 3 个月工资流水"}, headers=village
    )
    assert done.status_code == 200 and done.json()["status"] == "done" and not done.json()["overdue"]
    assert (await services.monitoring.get(PLANS, params=overdue, headers=village)).json()["total"] == 0


async def test_plans_stay_in_their_village(services: Services) -> None:
    home = await services.register(**lifted_household())
    plan = await make_plan(services, home["id"])
    other = services.headers("village_official", BAYIN)
    assert (
        await services.monitoring.get(f"/api/v1/monitoring/households/{home['id']}/plan", headers=other)
    ).status_code == 404
    assert (await services.monitoring.get(PLANS, headers=other)).json()["total"] == 0
    patched = await services.monitoring.patch(
        f"{PLANS}/{plan['id']}", json={"wants_loan": True}, headers=other
    )
    assert patched.status_code == 404
    foreign = await services.monitoring.post(
        PLANS, json={"household_id": home["id"], "responsible": CADRE}, headers=other
    )
    assert foreign.status_code == 422  # the registry does not show the household to another village


async def test_a_done_plan_measure_counts_as_assistance_taken_for_elimination(services: Services) -> None:
    home = await services.register(**lifted_household())
    case = await services.confirmed(home["id"])
    village = services.headers("village_official", ASIER)
    await services.step(case["id"], "start_assistance", "village_official", ASIER)
    services.clock.advance(days=200)

    async def blockers() -> set[str]:
        response = await services.step(case["id"], "propose_elimination", "village_official", ASIER)
        assert response.status_code == 409
        return {e["field"] for e in response.json()["errors"]}

    assert "measures" in await blockers()
    plan = await make_plan(
        services,
        home["id"],
        measures=[{"kind": "industry", "target": "出栏肉羊 20 只", "due_on": str(services.clock.now.date())}],
    )
    assert "measures" in await blockers()  # planned, not yet taken
    await services.monitoring.patch(
        f"{PLANS}/{plan['id']}/measures/{plan['measures'][0]['id']}",
        json={"status": "done", "evidence": "出栏凭证"},
        headers=village,
    )
    assert "measures" not in await blockers()
