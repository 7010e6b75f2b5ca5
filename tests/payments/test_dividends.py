"""Dividend plans handed over by assets, on both databases: only by the assets service's own client, only
as assets shows the approved plan, payees from the registry; one approved batch per plan however often the
handover is delivered, refused whole when a line is wrong; then disbursed to a real bank receiver and
reconciled to the fen."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.payments.conftest import (
    ASIER,
    BANNER,
    BAYIN,
    YEAR,
    AssetsPlans,
    bank_receiver,
    register_household,
    wait_for,
)
from tests.payments.test_batches import BATCHES, callback, endpoint, lines_of, ok

pytestmark = pytest.mark.usefixtures("clean_databases")
DIVIDENDS = f"{BATCHES}/dividends"


@pytest.fixture
def svc_assets(as_role) -> dict[str, str]:
    """The assets service's own client-credentials identity (API client `svc-assets`, role `service`)."""
    return as_role("service", BANNER, "svc-assets")


def approved_in_assets(assets_plans: AssetsPlans, body: dict[str, Any], status: str = "approved") -> None:
    """Assets shows the plan `body` hands over, with the status given."""
    lines = [{**line, "payee_name": "assets 记的名字"} for line in body["lines"]]
    assets_plans.plans[body["plan_id"]] = {
        "id": body["plan_id"],
        "year": body["year"],
        "region": body["region"],
        "status": status,
        "households_fen": sum(line["amount_fen"] for line in lines),
        "lines": lines,
    }


async def plan(
    registry: httpx.AsyncClient, people, amounts: list[int], assets_plans: AssetsPlans
) -> dict[str, Any]:
    """A plan approved in assets, and the body assets hands over for it."""
    households = [await register_household(registry, people["asier"]) for _ in amounts]
    body = {
        "plan_id": str(uuid.uuid4()),
        "year": YEAR,
        "region": ASIER,
        "purpose": "资产收益分红",
        "lines": [
            {"household_id": h["id"], "amount_fen": fen} for h, fen in zip(households, amounts, strict=True)
        ],
    }
    approved_in_assets(assets_plans, body)
    return body


def key_of(body: dict[str, Any]) -> dict[str, str]:
    return {"Idempotency-Key": f"assets-plan-{body['plan_id']}"}


async def dividend_batches(payments: httpx.AsyncClient, people) -> int:
    listed = await ok(await payments.get(f"{BATCHES}?kind=dividend", headers=people["banner"]))
    return int(listed["total"])


async def test_a_plan_becomes_one_approved_batch_however_often_it_is_delivered(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, svc_assets, assets_plans
) -> None:
    body = await plan(registry, people, [12_345, 6_789, 1], assets_plans)
    missing = await payments.post(DIVIDENDS, json=body, headers=svc_assets)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "Idempotency-Key"
    headers = {**svc_assets, **key_of(body)}
    first = await ok(await payments.post(DIVIDENDS, json=body, headers=headers), 201)
    assert first["status"] == "approved" and (first["total_fen"], first["line_count"]) == (19_135, 3)
    assert assets_plans.reads == [f"/api/v1/assets/distributions/{body['plan_id']}"]
    for _ in range(2):
        assert await ok(await payments.post(DIVIDENDS, json=body, headers=headers)) == first
    twins = await asyncio.gather(*(payments.post(DIVIDENDS, json=body, headers=headers) for _ in range(3)))
    assert {r.status_code for r in twins} == {200} and {r.json()["batch_id"] for r in twins} == {
        first["batch_id"]
    }

    other = {**body, "lines": body["lines"][:2]}
    changed = await payments.post(DIVIDENDS, json=other, headers=headers)
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "Idempotency-Key"
    another_key = await payments.post(DIVIDENDS, json=body, headers={**svc_assets, "Idempotency-Key": "k2"})
    assert another_key.status_code == 409  # never a second batch for one plan

    listed = await ok(await payments.get(f"{BATCHES}?kind=dividend", headers=people["banner"]))
    assert [b["id"] for b in listed["items"]] == [first["batch_id"]]
    batch = listed["items"][0]
    assert (batch["kind"], batch["status"], batch["region_code"], batch["source_plan_id"]) == (
        "dividend",
        "approved",
        ASIER,
        body["plan_id"],
    )
    assert (batch["total_fen"], batch["line_count"], batch["created_by"]) == (19_135, 3, "svc-assets")
    heads = {
        h["id"]: h["head_name"]
        for h in (await registry.get(f"/api/v1/households?region={ASIER}", headers=people["asier"])).json()[
            "items"
        ]
    }
    lines = await lines_of(payments, people, first["batch_id"])
    assert sorted((x["household_id"], x["payee_name"], x["amount_fen"]) for x in lines) == sorted(
        (x["household_id"], heads[x["household_id"]], x["amount_fen"]) for x in body["lines"]
    )
    assert {(x["status"], x["claim_id"], x["rate_fen"]) for x in lines} == {("pending", None, None)}
    assert all(x["household_number"] for x in lines)


async def test_only_the_assets_service_hands_over_and_only_the_plan_assets_approved(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, svc_assets, assets_plans, as_role
) -> None:
    """The side door: a banner official (or any other caller) posting an "approved" batch of made-up
    lines, payees and amounts, for a plan that need not exist. Refused, and nothing written."""
    body = await plan(registry, people, [500, 700], assets_plans)
    for caller in (
        people["banner"],
        people["admin"],
        people["xini"],
        as_role("service", BANNER, "svc-monitoring"),
        as_role("banner_official", BANNER, "svc-assets"),  # the name is not the identity: the role is
    ):
        assert (
            await payments.post(DIVIDENDS, json=body, headers={**caller, **key_of(body)})
        ).status_code == 403
    headers = {**svc_assets, **key_of(body)}
    unknown = {**body, "plan_id": str(uuid.uuid4())}
    inflated = {**body, "lines": [{**body["lines"][0], "amount_fen": 50_000}, body["lines"][1]]}
    draft = await plan(registry, people, [300], assets_plans)
    approved_in_assets(assets_plans, draft, status="draft")
    other_year = {**body, "year": YEAR - 1}
    for bad, field in (
        (unknown, "plan_id"),
        (inflated, "lines"),
        ({**body, "lines": body["lines"][:1]}, "lines"),
        (draft, "plan_id"),
        (other_year, "year"),
    ):
        response = await payments.post(DIVIDENDS, json=bad, headers={**headers, **key_of(bad)})
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    assert await dividend_batches(payments, people) == 0

    named = {**body, "lines": [{**line, "payee_name": "冒名顶替"} for line in body["lines"]]}
    created = await ok(await payments.post(DIVIDENDS, json=named, headers=headers), 201)
    lines = await lines_of(payments, people, created["batch_id"])
    assert "冒名顶替" not in {x["payee_name"] for x in lines}
    assert "assets 记的名字" not in {x["payee_name"] for x in lines}


async def test_a_wrong_plan_is_refused_whole(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, svc_assets, assets_plans
) -> None:
    body = await plan(registry, people, [500, 700], assets_plans)
    stranger = await register_household(registry, people["bayin"], region=BAYIN)
    first_line = body["lines"][0]
    wrong: list[tuple[dict[str, Any], str]] = [
        ({**body, "lines": []}, "lines"),
        ({**body, "lines": [{**first_line, "amount_fen": 0}]}, "lines.0.amount_fen"),
        ({**body, "lines": [first_line, {**first_line, "amount_fen": 9}]}, "lines.1.household_id"),
        (
            {**body, "lines": [first_line, {**first_line, "household_id": stranger["id"]}]},
            "lines.1.household_id",
        ),
        ({**body, "lines": [{**first_line, "household_id": str(uuid.uuid4())}]}, "lines.0.household_id"),
    ]
    for i, (bad, field) in enumerate(wrong):
        approved_in_assets(assets_plans, bad)  # even a plan assets shows pays only households it may
        response = await payments.post(
            DIVIDENDS, json=bad, headers={**svc_assets, "Idempotency-Key": f"bad-{i}"}
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    reasons = []
    for i, household_id in enumerate((stranger["id"], str(uuid.uuid4()))):
        bad = {**body, "lines": [first_line, {**first_line, "household_id": household_id}]}
        approved_in_assets(assets_plans, bad)
        response = await payments.post(
            DIVIDENDS, json=bad, headers={**svc_assets, "Idempotency-Key": f"why-{i}"}
        )
        reasons.append(response.json()["errors"][0]["reason"])
    assert reasons[0].startswith("该户不属于") and reasons[1] == "户籍中没有该户"
    drafted = await payments.post(
        BATCHES, json={"year": YEAR, "kind": "dividend", "region": ASIER}, headers=people["xini"]
    )
    assert drafted.status_code == 422
    assert await dividend_batches(payments, people) == 0


async def test_a_dividend_batch_is_disbursed_and_reconciled_like_any_batch(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, svc_assets, assets_plans
) -> None:
    body = await plan(registry, people, [30_000, 20_001, 9_999], assets_plans)
    created = await ok(await payments.post(DIVIDENDS, json=body, headers={**svc_assets, **key_of(body)}), 201)
    batch_id = created["batch_id"]
    port = free_port()
    bank = await endpoint(payments, people, f"http://127.0.0.1:{port}/instructions")
    async with bank_receiver(bank["secret"], port) as receiver:
        disbursing = await ok(await payments.post(f"{BATCHES}/{batch_id}/disburse", headers=people["banner"]))
        assert (disbursing["status"], disbursing["disbursed_by"]) == ("disbursing", "banner")
        await wait_for(lambda: len(receiver.instructions()) == 3, what="every instruction delivered")
        assert {d["data"]["purpose"] for d in receiver.deliveries} == {f"{YEAR}年资产收益分红"}
        assert sorted(d["data"]["amount_fen"] for d in receiver.deliveries) == [9_999, 20_001, 30_000]
    for line in await lines_of(payments, people, batch_id):
        await ok(await callback(payments, people, bank["secret"], line["id"], "paid"))
    final = await ok(await payments.get(f"{BATCHES}/{batch_id}", headers=people["banner"]))
    assert final["status"] == "completed"
    recon = await ok(await payments.get(f"{BATCHES}/{batch_id}/reconciliation", headers=people["asier"]))
    assert (recon["total_fen"], recon["paid_fen"], recon["failed_fen"], recon["pending_fen"]) == (
        60_000,
        60_000,
        0,
        0,
    )
