"""Dividend plans handed over by assets, on both databases: one approved batch per plan however often the
handover is delivered, exactly the plan's lines, refused whole when a line is wrong; then disbursed to a
real bank receiver and reconciled to the fen."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.payments.conftest import (
    ASIER,
    BALAGONG,
    BANNER,
    BAYIN,
    YEAR,
    bank_receiver,
    register_household,
    wait_for,
)
from tests.payments.test_batches import BATCHES, callback, endpoint, lines_of, ok

pytestmark = pytest.mark.usefixtures("clean_databases")
DIVIDENDS = f"{BATCHES}/dividends"


@pytest.fixture
def svc_assets(as_role) -> dict[str, str]:
    """The assets service's own client-credentials identity (API client `svc-assets`)."""
    return as_role("banner_official", BANNER, "svc-assets")


async def plan(registry: httpx.AsyncClient, people, amounts: list[int]) -> dict[str, Any]:
    households = [await register_household(registry, people["asier"]) for _ in amounts]
    return {
        "plan_id": str(uuid.uuid4()),
        "year": YEAR,
        "region": ASIER,
        "purpose": "资产收益分红",
        "lines": [
            {"household_id": h["id"], "payee_name": h["head_name"], "amount_fen": fen}
            for h, fen in zip(households, amounts, strict=True)
        ],
    }


def key_of(body: dict[str, Any]) -> dict[str, str]:
    return {"Idempotency-Key": f"assets-plan-{body['plan_id']}"}


async def test_a_plan_becomes_one_approved_batch_however_often_it_is_delivered(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, svc_assets
) -> None:
    body = await plan(registry, people, [12_345, 6_789, 1])
    missing = await payments.post(DIVIDENDS, json=body, headers=svc_assets)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "Idempotency-Key"
    headers = {**svc_assets, **key_of(body)}
    first = await ok(await payments.post(DIVIDENDS, json=body, headers=headers), 201)
    assert first["status"] == "approved" and (first["total_fen"], first["line_count"]) == (19_135, 3)
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
    lines = await lines_of(payments, people, first["batch_id"])
    assert sorted((x["household_id"], x["payee_name"], x["amount_fen"]) for x in lines) == sorted(
        (x["household_id"], x["payee_name"], x["amount_fen"]) for x in body["lines"]
    )
    assert {(x["status"], x["claim_id"], x["rate_fen"]) for x in lines} == {("pending", None, None)}
    assert all(x["household_number"] for x in lines)


async def test_a_wrong_plan_is_refused_whole_and_only_banner_officials_hand_over(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, svc_assets, as_role
) -> None:
    body = await plan(registry, people, [500, 700])
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
        response = await payments.post(
            DIVIDENDS, json=bad, headers={**svc_assets, "Idempotency-Key": f"bad-{i}"}
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    outside = as_role("banner_official", BALAGONG, "balagong-official")
    response = await payments.post(DIVIDENDS, json=body, headers={**outside, **key_of(body)})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "region"
    assert (
        await payments.post(DIVIDENDS, json=body, headers={**people["xini"], **key_of(body)})
    ).status_code == 403
    drafted = await payments.post(
        BATCHES, json={"year": YEAR, "kind": "dividend", "region": ASIER}, headers=people["xini"]
    )
    assert drafted.status_code == 422
    assert (await ok(await payments.get(f"{BATCHES}?kind=dividend", headers=people["banner"])))["total"] == 0


async def test_a_dividend_batch_is_disbursed_and_reconciled_like_any_batch(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, svc_assets
) -> None:
    body = await plan(registry, people, [30_000, 20_001, 9_999])
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
