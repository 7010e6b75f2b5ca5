"""Employment through the API: posts given first to lifted-out and marginal people, the wages a month owes
(read by payments' own client only), trainings, workshops, work relief, and a household's employment."""

from typing import Any

from tests.monitoring.conftest import ASIER, BANNER, HUANGHE, Services, lifted_household

POSTS = "/api/v1/monitoring/posts"
WAGES = "/api/v1/monitoring/wage-entitlements"


def post(home: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "name": "村级保洁员",
        "household_id": home["id"],
        "holder_member_id": home["members"][0]["id"],
        "monthly_wage_fen": 80_000,
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        **fields,
    }


def payments_headers(services: Services) -> dict[str, str]:
    return services.headers("service", BANNER, "svc-payments")


async def test_a_post_outside_the_priority_needs_a_reason_and_one_from_another_household_is_refused(
    services: Services,
) -> None:
    village = services.headers("village_official", ASIER)
    ordinary = await services.register(category="ordinary")
    refused = await services.monitoring.post(POSTS, json=post(ordinary), headers=village)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "priority_exception"
    lifted = await services.register(**lifted_household())
    stranger = post(lifted, holder_member_id=ordinary["members"][0]["id"])
    refused = await services.monitoring.post(POSTS, json=stranger, headers=village)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "holder_member_id"
    assert (await services.monitoring.get(POSTS, headers=village)).json()["total"] == 0
    reason = {"priority_exception": "本嘎查无符合条件的脱贫人口报名"}
    made = await services.monitoring.post(POSTS, json=post(ordinary, **reason), headers=village)
    assert made.status_code == 201, made.text
    assert made.json()["holder_name"] == ordinary["members"][0]["name"]


async def test_the_wages_a_month_owes_are_keyed_per_post_and_read_by_payments_only(
    services: Services,
) -> None:
    village = services.headers("village_official", ASIER)
    home = await services.register(**lifted_household())
    made = (
        await services.monitoring.post(POSTS, json=post(home, starts_on="2026-06-16"), headers=village)
    ).json()
    elsewhere = await services.register(HUANGHE, **lifted_household())
    await services.monitoring.post(
        POSTS, json=post(elsewhere), headers=services.headers("village_official", HUANGHE)
    )
    params = {"kind": "post_wage", "month": "2026-06", "region": ASIER}
    assert (await services.monitoring.get(WAGES, params=params, headers=village)).status_code == 403
    june = (await services.monitoring.get(WAGES, params=params, headers=payments_headers(services))).json()
    assert [(w["key"], w["amount_fen"], w["payee_name"]) for w in june] == [
        (f"post_wage:{made['id']}:2026-06", 40_000, home["members"][0]["name"])
    ]
    holder = {k: june[0]["detail"][k] for k in ("member_id", "name")}  # whose wage, beside the payee
    assert holder == {"member_id": home["members"][0]["id"], "name": home["members"][0]["name"]}
    before = {**params, "month": "2026-05"}
    assert (
        await services.monitoring.get(WAGES, params=before, headers=payments_headers(services))
    ).json() == []
    bad = await services.monitoring.get(
        WAGES, params={**params, "month": "2026-6"}, headers=payments_headers(services)
    )
    assert bad.status_code == 422


async def test_labour_on_a_project_is_recorded_once_a_month_and_owed_once(services: Services) -> None:
    village = services.headers("village_official", ASIER)
    home = await services.register(**lifted_household())
    project = await services.monitoring.post(
        "/api/v1/monitoring/work-relief",
        json={
            "name": "嘎查道路养护以工代赈项目",
            "village_code": ASIER,
            "starts_on": "2026-04-01",
            "ends_on": "2026-10-31",
        },
        headers=village,
    )
    assert project.status_code == 201, project.text
    url = f"/api/v1/monitoring/work-relief/{project.json()['id']}/labour"
    labour = {
        "household_id": home["id"],
        "member_id": home["members"][0]["id"],
        "days": 20,
        "amount_fen": 300_000,
    }
    outside = await services.monitoring.post(
        url, json={"month": "2026-11", "labour": [labour]}, headers=village
    )
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "month"
    first = await services.monitoring.post(
        url, json={"month": "2026-05", "labour": [labour]}, headers=village
    )
    assert first.status_code == 201 and first.json()["wages_fen"] == 300_000
    again = await services.monitoring.post(
        url, json={"month": "2026-05", "labour": [labour]}, headers=village
    )
    assert again.status_code == 409
    params = {"kind": "work_relief_wage", "month": "2026-05", "region": BANNER}
    owed = (await services.monitoring.get(WAGES, params=params, headers=payments_headers(services))).json()
    assert [(w["amount_fen"], w["detail"]["days"]) for w in owed] == [(300_000, "20")]
    assert owed[0]["detail"]["member_id"] == home["members"][0]["id"]


async def test_a_households_employment_lists_its_post_job_labour_and_training(services: Services) -> None:
    village = services.headers("village_official", ASIER)
    home = await services.register(**lifted_household())
    head, spouse = (m["id"] for m in home["members"])
    await services.monitoring.post(POSTS, json=post(home), headers=village)
    workshop = await services.monitoring.post(
        "/api/v1/monitoring/workshops",
        json={
            "name": "阿斯尔嘎查扶贫车间",
            "village_code": ASIER,
            "operator": "杭锦旗绒毛制品合作社",
            "employees": [{"household_id": home["id"], "member_id": spouse, "hired_on": "2026-03-01"}],
        },
        headers=village,
    )
    assert workshop.status_code == 201, workshop.text
    trainee = {"household_id": home["id"], "member_id": head, "certificate": "NM2026-0001"}
    training = {
        "course": "肉羊养殖技术",
        "provider": "杭锦旗职业技能培训中心",
        "region": ASIER,
        "starts_on": "2026-03-10",
        "ends_on": "2026-03-14",
        "trainees": [trainee, trainee],
    }
    repeated = await services.monitoring.post("/api/v1/monitoring/trainings", json=training, headers=village)
    assert repeated.status_code == 422 and repeated.json()["errors"][0]["field"] == "trainees.1.member_id"
    made = await services.monitoring.post(
        "/api/v1/monitoring/trainings", json={**training, "trainees": [trainee]}, headers=village
    )
    assert made.status_code == 201 and made.json()["trainees"][0]["certificate"] == "NM2026-0001"
    url = f"/api/v1/monitoring/households/{home['id']}/employment"
    records = (await services.monitoring.get(url, headers=village)).json()["records"]
    assert sorted((r["kind"], r["title"]) for r in records) == [
        ("post", "村级保洁员"),
        ("training", "肉羊养殖技术"),
        ("workshop", "阿斯尔嘎查扶贫车间"),
    ]
    other_village = services.headers("village_official", HUANGHE)
    assert (await services.monitoring.get(url, headers=other_village)).json()["records"] == []
    listed = await services.monitoring.get("/api/v1/monitoring/workshops", headers=other_village)
    assert listed.json()["total"] == 0
