"""A bank that contradicts itself never leads to a double payment: a `paid` for a failed line (or a `failed`
for a paid one) is recorded once as a discrepancy, holds the entitlement out of every new batch until a
banner official resolves it, and says so when the entitlement was batched again already. Many callbacks of
one batch at once complete it exactly once, with exact sums."""

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.payments.models import audit_log
from shared.audit import verify_chain
from shared.db import Database
from shared.settings import Settings
from tests.payments.conftest import XINI, YEAR
from tests.payments.test_batches import (
    BATCHES,
    approved,
    callback,
    draft,
    endpoint,
    lines_of,
    ok,
    sheep_claims,
)

pytestmark = pytest.mark.usefixtures("clean_databases")
DISCREPANCIES = "/api/v1/payments/discrepancies"
NOWHERE = "http://127.0.0.1:9/instructions"  # instructions are not the point here: callbacks are


async def disbursed(payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, quantities: list[int]):
    """A sheep batch of one claim per quantity, taken to the bank; its lines by ascending amount."""
    await sheep_claims(payments, registry, people, quantities)
    batch = await approved(payments, people)
    bank = await endpoint(payments, people, NOWHERE)
    await ok(await payments.post(f"{BATCHES}/{batch['id']}/disburse", headers=people["banner2"]))
    lines = sorted(await lines_of(payments, people, batch["id"]), key=lambda line: line["amount_fen"])
    return batch, bank["secret"], lines


async def reconciliation(payments: httpx.AsyncClient, people, batch_id: str) -> dict[str, Any]:
    return dict(await ok(await payments.get(f"{BATCHES}/{batch_id}/reconciliation", headers=people["xini"])))


async def resolve(payments: httpx.AsyncClient, headers, discrepancy_id: str, outcome: str) -> httpx.Response:
    body = {"outcome": outcome, "note": "已与代理银行核对流水"}
    return await payments.post(f"{DISCREPANCIES}/{discrepancy_id}/resolve", json=body, headers=headers)


async def listed(payments: httpx.AsyncClient, headers, **params: Any) -> dict[str, Any]:
    return dict(await ok(await payments.get(DISCREPANCIES, params=params, headers=headers)))


async def audit_actions(settings: Settings) -> list[str]:
    db = Database.from_url(settings.database_url("payments"))
    async with db.session_scope() as session:
        assert await verify_chain(session, audit_log) is None
        actions = list((await session.execute(select(audit_log.c.action))).scalars().all())
    await db.dispose()
    return actions


async def test_a_paid_after_failed_is_recorded_once_holds_the_entitlement_until_resolved_not_paid(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, settings: Settings
) -> None:
    batch, secret, (paid, failed) = await disbursed(payments, registry, people, [4, 6])
    await ok(await callback(payments, people, secret, paid["id"], "paid"))
    await ok(await callback(payments, people, secret, failed["id"], "failed"))
    before = await reconciliation(payments, people, batch["id"])
    assert (before["paid_fen"], before["failed_fen"], before["discrepancies"]) == (40_000, 60_000, 0)

    contradiction = f"cb_{uuid.uuid4().hex}"
    first = await ok(await callback(payments, people, secret, failed["id"], "paid", webhook_id=contradiction))
    assert (first["applied"], first["line_status"], first["reported"]) == (False, "failed", "paid")
    assert first["discrepancy_id"]
    again = await ok(await callback(payments, people, secret, failed["id"], "paid", webhook_id=contradiction))
    assert again == first
    # The bank saying it again under a new webhook-id joins the open discrepancy.
    resent = await ok(await callback(payments, people, secret, failed["id"], "paid"))
    assert (resent["applied"], resent["discrepancy_id"]) == (False, first["discrepancy_id"])

    scraped = await payments.get("/metrics")
    assert 'payments_bank_discrepancies_total{held="failed",reported="paid"} 1.0' in scraped.text

    page = await listed(payments, people["banner"])
    [shown] = page["items"]
    assert page["total"] == 1
    assert shown | {"received_at": None} == {
        "id": first["discrepancy_id"],
        "line_id": failed["id"],
        "batch_id": batch["id"],
        "entitlement_key": f"claim:{failed['claim_id']}",
        "region_code": failed["region_code"],
        "amount_fen": 60_000,
        "held_status": "failed",
        "reported_status": "paid",
        "webhook_id": contradiction,
        "bank_reference": f"ICBC-{failed['id'][:8]}",
        "reason": None,
        "rebatched_line_id": None,
        "possible_double_payment": False,
        "received_at": None,
        "resolved_at": None,
        "resolved_by": None,
        "resolution": None,
        "resolution_note": None,
        "overpaid_fen": None,
    }
    held = await reconciliation(payments, people, batch["id"])
    assert held == before | {"discrepancies": 1}
    # Held: the failed claim does not come back in a new batch while the bank may have paid it.
    refused = await payments.post(
        BATCHES, json={"year": YEAR, "kind": "sheep", "region": XINI}, headers=people["xini"]
    )
    assert refused.status_code == 422, refused.text

    assert (await resolve(payments, people["xini"], shown["id"], "not_paid")).status_code == 403
    settled = await ok(await resolve(payments, people["banner"], shown["id"], "not_paid"))
    assert (settled["resolution"], settled["resolved_by"], settled["overpaid_fen"]) == (
        "not_paid",
        "banner",
        None,
    )
    assert settled["resolution_note"] == "已与代理银行核对流水" and settled["resolved_at"]
    assert (await resolve(payments, people["banner"], shown["id"], "paid")).status_code == 409
    assert (await listed(payments, people["banner"], open="true"))["total"] == 0
    assert (await listed(payments, people["banner"], open="false"))["total"] == 1
    assert await reconciliation(payments, people, batch["id"]) == before
    # Resolved as not paid, the entitlement is free: the failed claim is paid again in a new batch.
    second = await draft(payments, people["xini"])
    [redrafted] = await lines_of(payments, people, second["id"])
    assert redrafted["claim_id"] == failed["claim_id"]

    actions = await audit_actions(settings)
    assert (actions.count("discrepancy.record"), actions.count("discrepancy.resolve")) == (1, 1)
    assert actions.count("line.paid") == 1  # the contradicting `paid` never moved a line


async def test_resolved_as_paid_the_line_is_paid_and_a_failed_for_a_paid_line_frees_it_when_not_paid(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    batch, secret, (paid, failed) = await disbursed(payments, registry, people, [4, 6])
    await ok(await callback(payments, people, secret, paid["id"], "paid"))
    await ok(await callback(payments, people, secret, failed["id"], "failed"))

    late_paid = await ok(await callback(payments, people, secret, failed["id"], "paid"))
    settled = await ok(await resolve(payments, people["banner"], late_paid["discrepancy_id"], "paid"))
    assert (settled["resolution"], settled["overpaid_fen"]) == ("paid", None)
    recon = await reconciliation(payments, people, batch["id"])
    assert (recon["paid_fen"], recon["failed_fen"], recon["pending_fen"], recon["discrepancies"]) == (
        100_000,
        0,
        0,
        0,
    )

    late_failed = await ok(await callback(payments, people, secret, paid["id"], "failed"))
    assert (late_failed["applied"], late_failed["line_status"]) == (False, "paid")
    [shown] = (await listed(payments, people["banner"], open="true"))["items"]
    assert (shown["id"], shown["held_status"], shown["reported_status"]) == (
        late_failed["discrepancy_id"],
        "paid",
        "failed",
    )
    assert (await reconciliation(payments, people, batch["id"]))["discrepancies"] == 1
    await ok(await resolve(payments, people["banner"], shown["id"], "not_paid"))
    statuses = {line["id"]: line["status"] for line in await lines_of(payments, people, batch["id"])}
    assert statuses == {paid["id"]: "failed", failed["id"]: "paid"}
    # The bank confirmed it did not pay: that claim, and only it, is batched again.
    second = await draft(payments, people["xini"])
    assert [line["claim_id"] for line in await lines_of(payments, people, second["id"])] == [paid["claim_id"]]


async def test_a_paid_after_the_entitlement_was_batched_again_is_a_possible_double_payment(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    _, secret, [failed] = await disbursed(payments, registry, people, [6])
    await ok(await callback(payments, people, secret, failed["id"], "failed"))
    second = await draft(payments, people["xini"])
    [again] = await lines_of(payments, people, second["id"])

    late = await ok(await callback(payments, people, secret, failed["id"], "paid"))
    [shown] = (await listed(payments, people["banner"]))["items"]
    assert (shown["id"], shown["rebatched_line_id"], shown["possible_double_payment"]) == (
        late["discrepancy_id"],
        again["id"],
        True,
    )
    settled = await ok(await resolve(payments, people["banner"], shown["id"], "paid"))
    # The money went out under the old line and the new one holds the entitlement: recover the old amount.
    assert (settled["resolution"], settled["overpaid_fen"]) == ("paid", 60_000)
    statuses = {line["id"]: line["status"] for line in await lines_of(payments, people, second["id"])}
    assert statuses == {again["id"]: "pending"}
    assert [line["status"] for line in await lines_of(payments, people, failed["batch_id"])] == ["failed"]


async def test_discrepancies_are_listed_in_the_callers_scope_only(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    batch, secret, [line] = await disbursed(payments, registry, people, [3])  # a household of 阿斯尔嘎查
    await ok(await callback(payments, people, secret, line["id"], "failed"))
    late = await ok(await callback(payments, people, secret, line["id"], "paid"))
    for who in ("asier", "xini", "banner"):
        page = await listed(payments, people[who])
        assert [d["id"] for d in page["items"]] == [late["discrepancy_id"]], who
    for who in ("bayin", "balagong"):  # the sibling village, another township
        assert await listed(payments, people[who]) == {"items": [], "total": 0, "page": 1, "page_size": 50}
    assert (await listed(payments, people["bayin"], region=line["region_code"]))["total"] == 0
    assert (await listed(payments, people["banner"], region="150625101"))["total"] == 0
    assert (await listed(payments, people["xini"], region=line["region_code"]))["total"] == 1
    assert (await payments.get(DISCREPANCIES, headers=people["bank"])).status_code == 403
    assert (await reconciliation(payments, people, batch["id"]))["discrepancies"] == 1


@pytest.mark.postgresql_only
async def test_sixty_callbacks_of_one_batch_at_once_complete_it_exactly_once(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, settings: Settings
) -> None:
    quantities = [1 + i % 20 for i in range(60)]
    batch, secret, lines = await disbursed(payments, registry, people, quantities)
    outcome = {line["id"]: "failed" if i % 7 == 0 else "paid" for i, line in enumerate(lines)}
    answers = await asyncio.gather(
        *(callback(payments, people, secret, line_id, status) for line_id, status in outcome.items())
    )
    assert [a.status_code for a in answers] == [200] * 60, [a.text for a in answers if a.status_code != 200]
    assert all(a.json()["applied"] for a in answers)

    shown = await ok(await payments.get(f"{BATCHES}/{batch['id']}", headers=people["banner"]))
    assert shown["status"] == "completed"
    final = await lines_of(payments, people, batch["id"])
    last_moved = max(datetime.fromisoformat(line["updated_at"]) for line in final)
    assert datetime.fromisoformat(shown["completed_at"]) >= last_moved, "completed before its last line"
    amounts = {line["id"]: line["amount_fen"] for line in lines}
    recon = await reconciliation(payments, people, batch["id"])
    assert (recon["total_fen"], recon["paid_fen"], recon["failed_fen"], recon["pending_fen"]) == (
        sum(amounts.values()),
        sum(amounts[i] for i, s in outcome.items() if s == "paid"),
        sum(amounts[i] for i, s in outcome.items() if s == "failed"),
        0,
    )
    assert recon["counts"]["paid"] + recon["counts"]["failed"] == 60 and recon["discrepancies"] == 0
    actions = await audit_actions(settings)
    assert actions.count("batch.complete") == 1
    assert actions.count("line.paid") + actions.count("line.failed") == 60
