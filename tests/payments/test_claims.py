"""Policies, claims and entitlements over the payments API, with the real registry, on both databases."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.payments.models import Claim, ClaimTotal, audit_log
from shared.audit import verify_chain
from shared.db import Database
from shared.settings import Settings
from tests.payments.conftest import ASIER, BAYIN, XINI, YEAR, register_household, students

pytestmark = pytest.mark.usefixtures("clean_databases")
CLAIMS = "/api/v1/payments/claims"


@pytest.fixture
def village(as_role) -> dict[str, str]:
    return as_role("village_official", ASIER)


async def claim(
    payments: httpx.AsyncClient,
    headers: dict[str, str],
    household_id: str,
    *,
    expect: int = 201,
    **fields: Any,
) -> dict[str, Any]:
    body = {"household_id": household_id, "kind": "sheep", "year": YEAR, "quantity": 1, **fields}
    response = await payments.post(CLAIMS, json=body, headers=headers)
    assert response.status_code == expect, response.text
    return dict(response.json())


async def test_the_policy_in_force_is_the_plans_version_1(payments: httpx.AsyncClient, as_role) -> None:
    response = await payments.get("/api/v1/payments/policies?year=2025", headers=as_role("auditor"))
    assert response.status_code == 200, response.text
    policy = response.json()
    assert (policy["version"], policy["effective_from"]) == (1, "2021-01-01")
    assert policy["created_by"] == "实施方案规定标准"  # what the policy page shows: no internal reference
    rates = {(i["kind"], i["school_stage"]): (i["rate_fen"], i["cap_quantity"]) for i in policy["items"]}
    assert rates[("sheep", None)] == (10_000, 20)
    assert rates[("cattle", None)] == (100_000, 2)
    assert rates[("pig", None)] == (50_000, 4)
    assert rates[("education", "kindergarten")] == (375_000, None)
    assert rates[("education", "primary")] == (250_000, None)
    assert rates[("education", "junior")] == (280_000, None)
    assert rates[("education", "senior")] == (300_000, None)
    assert rates[("education", "tertiary")] == (400_000, None)
    assert rates[("public_welfare_post", None)] == (None, None)
    assert (
        await payments.get("/api/v1/payments/policies?year=2020", headers=as_role("auditor"))
    ).status_code == 404


async def test_fifteen_then_ten_sheep_pay_150000_then_50000_fen(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village
) -> None:
    household = await register_household(registry, village)
    first = await claim(payments, village, household["id"], quantity=15)
    second = await claim(payments, village, household["id"], quantity=10)
    assert (first["amount_fen"], second["amount_fen"]) == (150_000, 50_000)
    assert first["breakdown"] == {
        "requested": 15,
        "eligible": 15,
        "already_claimed": 0,
        "rate_fen": 10_000,
        "cap": 20,
    }
    assert second["breakdown"] == {
        "requested": 10,
        "eligible": 5,
        "already_claimed": 15,
        "rate_fen": 10_000,
        "cap": 20,
    }
    assert first["status"] == "approved" and first["policy_version"] == 1
    refused = await claim(payments, village, household["id"], quantity=1, expect=422)
    assert refused["errors"][0]["field"] == "quantity" and "上限" in refused["errors"][0]["reason"]


@pytest.mark.parametrize(("kind", "quantity", "fen"), [("cattle", 3, 200_000), ("pig", 5, 200_000)])
async def test_cattle_and_pig_caps(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village, kind: str, quantity: int, fen: int
) -> None:
    household = await register_household(registry, village)
    assert (await claim(payments, village, household["id"], kind=kind, quantity=quantity))[
        "amount_fen"
    ] == fen


async def test_concurrent_claims_never_exceed_the_cap(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village, settings: Settings
) -> None:
    household = await register_household(registry, village)
    body = {"household_id": household["id"], "kind": "sheep", "year": YEAR, "quantity": 3}
    responses = await asyncio.gather(*(payments.post(CLAIMS, json=body, headers=village) for _ in range(12)))
    created = [r.json() for r in responses if r.status_code == 201]
    assert {r.status_code for r in responses} <= {201, 409, 422}
    assert sum(c["breakdown"]["eligible"] for c in created) == 20
    assert sum(c["amount_fen"] for c in created) == 200_000
    db = Database.from_url(settings.database_url("payments"))
    async with db.session_scope() as session:
        total = (await session.execute(select(ClaimTotal.claimed))).scalar_one()
        paid = (await session.execute(select(func.sum(Claim.amount_fen)))).scalar_one()
    await db.dispose()
    assert (total, paid) == (20, 200_000)


@pytest.mark.parametrize("category", ["lifted_unsupported", "ordinary"])
async def test_an_ineligible_household_is_refused_with_the_reason(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village, category: str
) -> None:
    household = await register_household(registry, village, category=category)
    problem = await claim(payments, village, household["id"], expect=422)
    assert problem["errors"][0]["field"] == "household_id"
    assert "不在补贴范围内" in problem["errors"][0]["reason"]


async def test_a_household_outside_the_scope_is_not_found(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village, as_role
) -> None:
    household = await register_household(registry, as_role("village_official", BAYIN), region=BAYIN)
    await claim(payments, village, household["id"], expect=404)
    response = await payments.get(
        f"/api/v1/payments/households/{household['id']}/entitlements?year={YEAR}", headers=village
    )
    assert response.status_code == 404


async def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village, settings: Settings
) -> None:
    household = await register_household(registry, village)
    body = {"household_id": household["id"], "kind": "sheep", "year": YEAR, "quantity": 4}
    headers = {**village, "Idempotency-Key": "sale-2025-0001"}
    first = await payments.post(CLAIMS, json=body, headers=headers)
    again = await payments.post(CLAIMS, json=dict(reversed(body.items())), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    other = await payments.post(CLAIMS, json={**body, "quantity": 5}, headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    db = Database.from_url(settings.database_url("payments"))
    async with db.session_scope() as session:
        assert (await session.execute(select(func.count()).select_from(Claim))).scalar_one() == 1
        assert (await session.execute(select(ClaimTotal.claimed))).scalar_one() == 4
    await db.dispose()


async def test_a_new_policy_version_leaves_what_was_computed_alone(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village, as_role
) -> None:
    household = await register_household(registry, village)
    before = await claim(payments, village, household["id"], quantity=5)
    current = (await payments.get(f"/api/v1/payments/policies?year={YEAR}", headers=village)).json()
    items = [
        {k: v for k, v in i.items() if k != "label"}
        | ({"rate_fen": 15_000, "cap_quantity": 30} if i["kind"] == "sheep" else {})
        for i in current["items"]
    ]
    body = {"effective_from": f"{YEAR}-06-01", "items": items}
    assert (await payments.put("/api/v1/payments/policies", json=body, headers=village)).status_code == 403
    created = await payments.put("/api/v1/payments/policies", json=body, headers=as_role("banner_admin"))
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 2
    after = await claim(payments, village, household["id"], quantity=30)
    assert after["policy_version"] == 2
    assert after["breakdown"] == {
        "requested": 30,
        "eligible": 25,
        "already_claimed": 5,
        "rate_fen": 15_000,
        "cap": 30,
    }
    assert after["amount_fen"] == 25 * 15_000
    kept = (await payments.get(f"{CLAIMS}/{before['id']}", headers=village)).json()
    assert (kept["amount_fen"], kept["breakdown"]["rate_fen"], kept["policy_version"]) == (50_000, 10_000, 1)
    older_year = (await payments.get("/api/v1/payments/policies?year=2024", headers=village)).json()
    assert older_year["version"] == 1


async def test_a_policy_version_must_be_a_coherent_table(payments: httpx.AsyncClient, as_role) -> None:
    body = {
        "effective_from": "2026-01-01",
        "items": [
            {"kind": "sheep", "mode": "per_unit", "unit": "只", "rate_fen": 10_000},
            {"kind": "education", "mode": "per_unit", "unit": "人", "rate_fen": 1},
            {"kind": "industry", "mode": "case_by_case", "unit": "户", "rate_fen": 5},
        ],
    }
    response = await payments.put("/api/v1/payments/policies", json=body, headers=as_role("banner_admin"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"items.0.cap_quantity", "items.1.mode", "items.2.rate_fen"} <= fields


async def test_case_by_case_claims_wait_for_another_officials_approval(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village, as_role, settings: Settings
) -> None:
    household = await register_household(registry, village)
    missing = await claim(payments, village, household["id"], kind="industry", expect=422)
    assert missing["errors"][0]["field"] == "amount_fen"
    township = as_role("township_official", XINI, "xini")
    filed = await claim(
        payments, township, household["id"], kind="industry", amount_fen=300_000, evidence="购基础母羊"
    )
    assert filed["status"] == "pending_approval" and filed["amount_fen"] == 300_000
    own = await payments.post(f"{CLAIMS}/{filed['id']}/approve", headers=township)
    assert own.status_code == 409
    assert (await payments.post(f"{CLAIMS}/{filed['id']}/approve", headers=village)).status_code == 403
    other = as_role("banner_official", "150625", "banner")
    approved = await payments.post(f"{CLAIMS}/{filed['id']}/approve", json={"comment": "同意"}, headers=other)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "banner"
    assert (await payments.post(f"{CLAIMS}/{filed['id']}/approve", headers=other)).status_code == 409
    db = Database.from_url(settings.database_url("payments"))
    async with db.session_scope() as session:
        assert await verify_chain(session, audit_log) is None
        actions = (await session.execute(select(audit_log.c.action))).scalars().all()
    await db.dispose()
    assert actions == ["claim.create", "claim.approve"]


async def test_education_is_computed_not_claimed(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village
) -> None:
    household = await register_household(registry, village, members=students("primary"))
    problem = await claim(payments, village, household["id"], kind="education", expect=422)
    assert problem["errors"][0]["field"] == "kind"


async def test_entitlements_say_what_is_due_and_why(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village
) -> None:
    household = await register_household(
        registry, village, members=students("kindergarten", "junior", "tertiary", "none")
    )
    await claim(payments, village, household["id"], kind="cattle", quantity=1)
    response = await payments.get(
        f"/api/v1/payments/households/{household['id']}/entitlements?year={YEAR}", headers=village
    )
    assert response.status_code == 200, response.text
    due = response.json()
    assert due["eligible"] and due["category"] == "lifted_supported" and due["policy_version"] == 1
    assert due["education_fen"] == 375_000 + 280_000 + 400_000
    assert sorted(s["school_stage"] for s in due["students"]) == ["junior", "kindergarten", "tertiary"]
    caps = {x["kind"]: (x["claimed"], x["remaining"]) for x in due["livestock"]}
    assert caps == {"sheep": (0, 20), "cattle": (1, 1), "pig": (0, 4)}
    assert [c["kind"] for c in due["claims"]] == ["cattle"]


async def test_entitlements_of_an_ineligible_household_say_why_not(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village
) -> None:
    household = await register_household(registry, village, category="ordinary", members=students("primary"))
    due = (
        await payments.get(
            f"/api/v1/payments/households/{household['id']}/entitlements?year={YEAR}", headers=village
        )
    ).json()
    assert not due["eligible"] and "一般农牧户" in due["reason"] and due["education_fen"] == 0


async def test_roles_and_tokens(payments: httpx.AsyncClient, as_role) -> None:
    assert (await payments.get("/api/v1/payments/policies?year=2025")).status_code == 401
    body = {"household_id": "00000000-0000-0000-0000-000000000000", "kind": "sheep", "year": YEAR}
    for role in ("auditor", "bank", "work_team", "partner_agency"):
        assert (await payments.post(CLAIMS, json=body, headers=as_role(role))).status_code == 403


# --- claims with evidence: the herd on record and the claim year (issue 13 part 5) ---------------------


async def test_more_animals_than_the_herd_on_record_are_refused_and_nothing_is_taken(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village
) -> None:
    household = await register_household(registry, village)  # 45 sheep, 6 cattle, 10 pigs on record
    await registry.patch(f"/api/v1/households/{household['id']}", json={"sheep": 36}, headers=village)
    refused = await claim(
        payments, village, household["id"], quantity=40, evidence="检疫证明 1506250012", expect=422
    )
    assert [e["field"] for e in refused["errors"]] == ["quantity"]
    assert "存栏36只" in refused["errors"][0]["reason"]
    first = await claim(payments, village, household["id"], quantity=15)
    assert first["breakdown"]["already_claimed"] == 0  # the refused claim reserved nothing
    assert first["herd_on_record"] == 36 and first["herd_record_outdated"] is False
    # the year's claims together: 15 sold already, 22 more would be 37 of a herd of 36 (the cap, 20, is not
    # what refuses it: 5 more would still be subsidised)
    again = await claim(payments, village, household["id"], quantity=22, expect=422)
    assert again["errors"][0]["field"] == "quantity" and "已申报15只" in again["errors"][0]["reason"]
    cattle = await claim(payments, village, household["id"], kind="cattle", quantity=7, expect=422)
    assert cattle["errors"][0]["field"] == "quantity"


async def test_an_outdated_herd_record_sends_the_claim_for_approval_with_its_evidence(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village, as_role
) -> None:
    household = await register_household(registry, village)
    await registry.patch(f"/api/v1/households/{household['id']}", json={"sheep": 10}, headers=village)
    body = {"quantity": 15, "herd_record_outdated": True}
    no_evidence = await claim(payments, village, household["id"], expect=422, **body)
    assert [e["field"] for e in no_evidence["errors"]] == ["evidence"]
    filed = await claim(payments, village, household["id"], evidence="动物检疫合格证明 A15062500456", **body)
    assert (filed["status"], filed["herd_on_record"], filed["herd_record_outdated"]) == (
        "pending_approval",
        10,
        True,
    )
    assert filed["amount_fen"] == 150_000 and filed["evidence"] == "动物检疫合格证明 A15062500456"
    banner = as_role("banner_official", "150625", "banner")
    rejected = await payments.post(
        f"{CLAIMS}/{filed['id']}/reject", json={"comment": "存栏不实"}, headers=banner
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    # a rejected claim gives its units back under the cap, and its animals no longer count against the herd
    after = await claim(payments, village, household["id"], quantity=10)
    assert after["breakdown"]["already_claimed"] == 0 and after["status"] == "approved"
    misplaced = await claim(
        payments,
        village,
        household["id"],
        kind="industry",
        amount_fen=1,
        herd_record_outdated=True,
        expect=422,
    )
    assert misplaced["errors"][0]["field"] == "herd_record_outdated"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Last year's claims open all year here, so the window does not depend on the day the tests run."""
    return settings.model_copy(update={"previous_year_claims_until": "12-31"})


async def test_claims_only_for_this_year_and_last_year_until_the_configured_day(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, village
) -> None:
    household = await register_household(registry, village)
    next_year = await claim(payments, village, household["id"], year=YEAR + 1, expect=422)
    assert next_year["errors"][0]["field"] == "year" and "以后年度" in next_year["errors"][0]["reason"]
    long_ago = await claim(payments, village, household["id"], year=YEAR - 2, expect=422)
    assert long_ago["errors"][0]["field"] == "year"
    last_year = await claim(payments, village, household["id"], year=YEAR - 1)
    assert last_year["year"] == YEAR - 1
