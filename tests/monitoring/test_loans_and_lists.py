"""Microcredit and departments' lists through the API: production only, repayments, the subsidy and
coverage; a list matched by ID number, its findings per household, and the case's data comparison."""

import asyncio
from typing import Any

from tests.monitoring.conftest import ASIER, BANNER, Services, lifted_household
from tests.support.households import id_number, member

LOANS = "/api/v1/monitoring/loans"


def loan(home: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "household_id": home["id"],
        "borrower_member_id": home["members"][0]["id"],
        "bank": "杭锦旗农村商业银行",
        "amount_fen": 3_000_000,
        "term_months": 12,
        "annual_rate_bp": 435,
        "purpose": "livestock",
        "disbursed_on": "2026-01-01",
        **fields,
    }


async def test_a_loan_for_consumption_is_refused_naming_purpose(services: Services) -> None:
    home = await services.register(**lifted_household())
    village = services.headers("village_official", ASIER)
    refused = await services.monitoring.post(LOANS, json=loan(home, purpose="consumption"), headers=village)
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["purpose"]
    ordinary = await services.register(category="ordinary")
    refused = await services.monitoring.post(LOANS, json=loan(ordinary), headers=village)
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["household_id"]
    assert (await services.monitoring.get(LOANS, headers=village)).json()["total"] == 0


async def test_repayments_settle_a_loan_and_overdue_loans_are_listed(services: Services) -> None:
    home = await services.register(**lifted_household())
    village = services.headers("village_official", ASIER)
    made = await services.monitoring.post(LOANS, json=loan(home), headers=village)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["due_on"], body["subsidy_rate_bp"], body["outstanding_fen"]) == (
        "2027-01-01",
        310,
        3_000_000,
    )
    url = f"{LOANS}/{body['id']}/repayments"
    too_much = await services.monitoring.post(
        url, json={"paid_on": "2026-02-01", "amount_fen": 3_000_001}, headers=village
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount_fen"
    services.clock.now = services.clock.now.replace(year=2027, month=3, day=1)
    late = await services.monitoring.get(LOANS, params={"overdue": "true"}, headers=village)
    assert [item["id"] for item in late.json()["items"]] == [body["id"]]
    paid = await services.monitoring.post(
        url, json={"paid_on": "2027-01-01", "amount_fen": 3_000_000}, headers=village
    )
    assert paid.status_code == 201 and paid.json()["status"] == "repaid" and not paid.json()["overdue"]
    assert paid.json()["interest_subsidy_fen"] == 93_000  # 30,000 yuan × 3.10 % for the year
    assert (await services.monitoring.get(LOANS, params={"overdue": "true"}, headers=village)).json()[
        "total"
    ] == 0


async def test_coverage_counts_households_wishing_to_borrow_against_those_lent_to(services: Services) -> None:
    village = services.headers("village_official", ASIER)
    homes = [await services.register(**lifted_household()) for _ in range(2)]
    for home in homes:
        plan = {"household_id": home["id"], "responsible": {"username": "zm", "display_name": "张敏"}}
        response = await services.monitoring.post(
            "/api/v1/monitoring/plans", json={**plan, "wants_loan": True}, headers=village
        )
        assert response.status_code == 201
    await services.monitoring.post(LOANS, json=loan(homes[0]), headers=village)
    coverage = (await services.monitoring.get(f"{LOANS}/coverage", headers=village)).json()
    assert coverage["villages"] == [{"village_code": ASIER, "wishing": 2, "lent": 1, "not_lent": 1}]


async def test_a_medical_list_finds_the_household_and_the_case_records_it(services: Services) -> None:
    sick_head = member("满都拉", "head")
    sick = await services.register(**lifted_household(members=[sick_head]))
    well = await services.register(**lifted_household())
    case = await services.open_case(well["id"])
    csv = "id_number,out_of_pocket_fen\n" + f"{sick_head['id_number']},900000\n{id_number()},100\n"
    response = await services.monitoring.post(
        "/api/v1/monitoring/department-lists",
        files={"file": ("医保.csv", csv.encode(), "text/csv")},
        data={"department": "medical_security", "year": "2026"},
        headers=services.headers("department_officer", BANNER),
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert (result["rows"], result["matched"], len(result["unmatched"])) == (2, 1, 1)
    [finding] = result["findings"]
    assert (finding["household_id"], finding["kind"]) == (sick["id"], "rigid_expenditure")
    assert finding["alert_id"] is not None  # no case open: an alert as department records raise
    listed = await services.monitoring.get(
        "/api/v1/monitoring/findings",
        params={"household_id": sick["id"]},
        headers=services.headers("village_official", ASIER),
    )
    assert [f["id"] for f in listed.json()["items"]] == [finding["id"]]
    await services.step(case["id"], "village_review", "work_team", ASIER)
    await services.step(case["id"], "village_review", "village_official", ASIER)
    compared = await services.step(case["id"], "data_comparison", "department_officer", BANNER)
    assert compared.json()["steps"][-1]["note"] == "行业部门数据比对：未发现风险"


async def test_a_bad_cell_refuses_the_whole_list(services: Services) -> None:
    csv = f"id_number,status\n{id_number()},dibao\n{id_number()},小康\n"
    response = await services.monitoring.post(
        "/api/v1/monitoring/department-lists",
        files={"file": ("民政.csv", csv.encode(), "text/csv")},
        data={"department": "civil_affairs", "year": "2026"},
        headers=services.headers("department_officer", BANNER),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["rows.3.status"]
    found = await services.monitoring.get(
        "/api/v1/monitoring/findings", headers=services.headers("banner_official", BANNER)
    )
    assert found.json()["total"] == 0


async def test_the_medical_and_civil_affairs_lists_set_the_members_flags_in_the_registry(
    services: Services,
) -> None:
    head = member("满都拉", "head")
    home = await services.register(**lifted_household(members=[head]))
    officer = services.headers("department_officer", BANNER)
    for department, csv in (
        ("medical_security", f"id_number,out_of_pocket_fen,serious_illness\n{head['id_number']},900000,是\n"),
        ("civil_affairs", f"id_number,status\n{head['id_number']},特困\n"),
    ):
        response = await services.monitoring.post(
            "/api/v1/monitoring/department-lists",
            files={"file": ("list.csv", csv.encode(), "text/csv")},
            data={"department": department, "year": "2026"},
            headers=officer,
        )
        assert response.status_code == 201, response.text
    village = services.headers("village_official", ASIER)

    async def flagged() -> bool:
        [person] = (await services.registry.get(f"/api/v1/households/{home['id']}", headers=village)).json()[
            "members"
        ]
        return (person["serious_illness"], person["tekun"], person["dibao"]) == (True, True, False)

    for _ in range(150):
        if await flagged():
            break
        await asyncio.sleep(0.1)
    assert await flagged()
    # Only monitoring's own client sets them: an official, or another service, is refused.
    body = {"source": "名单", "items": [{"member_id": home["members"][0]["id"], "flags": {"tekun": False}}]}
    for headers in (
        services.headers("banner_official", BANNER),
        services.headers("service", BANNER, "svc-assets"),
    ):
        refused = await services.registry.post("/api/v1/households/members/flags", json=body, headers=headers)
        assert refused.status_code == 403
    assert await flagged()


async def test_a_years_interest_subsidy_is_owed_to_payments_once_the_year_is_over(services: Services) -> None:
    """贴息 as payments reads it for a year's batch: each loan's share of the year, keyed once, to the
    borrower; not while the year runs, not while the loan is overdue; payments' own client only."""
    home = await services.register(**lifted_household())
    village = services.headers("village_official", ASIER)
    made = await services.monitoring.post(LOANS, json=loan(home, disbursed_on="2025-01-01"), headers=village)
    assert made.status_code == 201, made.text
    url = "/api/v1/monitoring/loan-subsidies"
    payments = services.headers("service", BANNER, "svc-payments")
    refused = await services.monitoring.get(url, params={"year": 2025, "region": ASIER}, headers=village)
    assert refused.status_code == 403
    services.clock.now = services.clock.now.replace(year=2025, month=12, day=31)
    running = await services.monitoring.get(url, params={"year": 2025, "region": ASIER}, headers=payments)
    assert running.status_code == 200 and running.json() == []  # the year still runs
    services.clock.now = services.clock.now.replace(year=2026, month=1, day=1)
    [owed] = (
        await services.monitoring.get(url, params={"year": 2025, "region": ASIER}, headers=payments)
    ).json()
    head = home["members"][0]
    assert (owed["key"], owed["amount_fen"], owed["payee_name"], owed["household_id"]) == (
        f"loan_interest_subsidy:2025:{made.json()['id']}",
        93_000,  # 30,000 yuan × 3.10 % for the year
        head["name"],
        home["id"],
    )
    assert owed["payee_id_masked"].endswith(head["id_number"][-4:])
    services.clock.now = services.clock.now.replace(year=2026, month=2, day=1)  # due 2026-01-01, unpaid
    overdue = await services.monitoring.get(url, params={"year": 2025, "region": ASIER}, headers=payments)
    assert overdue.json() == []  # 逾期不贴息
