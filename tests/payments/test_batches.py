"""Batches end to end on both databases: drafted in bulk, maker-checker, disbursed as signed webhooks to a
real bank receiver that is down, then busy, then up; callbacks signed, idempotent and forward-only;
reconciled to the fen; failed lines paid again, paid ones never."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.payments.models import audit_log, outbox
from shared.audit import verify_chain
from shared.db import Database
from shared.settings import Settings
from tests.conftest import free_port
from tests.payments.conftest import (
    BAYIN,
    XINI,
    YEAR,
    bank_receiver,
    register_household,
    signed,
    students,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("clean_databases")
BATCHES = "/api/v1/payments/batches"
CALLBACKS = "/api/v1/payments/bank-callbacks"
ENDPOINTS = "/api/v1/payments/webhook-endpoints"


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def sheep_claims(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, quantities: list[int]
) -> list[dict[str, Any]]:
    made = []
    for quantity in quantities:
        household = await register_household(registry, people["asier"])
        body = {"household_id": household["id"], "kind": "sheep", "year": YEAR, "quantity": quantity}
        made.append(
            await ok(await payments.post("/api/v1/payments/claims", json=body, headers=people["asier"]), 201)
        )
    return made


async def draft(payments: httpx.AsyncClient, headers, *, kind: str = "sheep", region: str = XINI) -> Any:
    body = {"year": YEAR, "kind": kind, "region": region}
    return await ok(await payments.post(BATCHES, json=body, headers=headers), 201)


async def approved(payments: httpx.AsyncClient, people, **kw: Any) -> Any:
    batch = await draft(payments, people["xini"], **kw)
    await ok(await payments.post(f"{BATCHES}/{batch['id']}/submit", headers=people["xini"]))
    return await ok(await payments.post(f"{BATCHES}/{batch['id']}/approve", headers=people["banner"]))


async def endpoint(payments: httpx.AsyncClient, people, url: str, **body: Any) -> Any:
    """The bank's endpoint as it takes effect: proposed by the banner admin (bound to the `bank` caller's
    client), approved by a banner official; the proposal's answer (with its secret), now active."""
    proposed = await ok(
        await payments.post(
            ENDPOINTS, json={"url": url, "bank_client_id": "bank-client", **body}, headers=people["admin"]
        ),
        201,
    )
    approved = await ok(
        await payments.post(f"{ENDPOINTS}/{proposed['id']}/approve", headers=people["banner3"])
    )
    return {**proposed, **approved}


async def lines_of(payments: httpx.AsyncClient, people, batch_id: str) -> list[dict[str, Any]]:
    body = await ok(await payments.get(f"{BATCHES}/{batch_id}/lines?page_size=500", headers=people["banner"]))
    return list(body["items"])


async def callback(
    payments: httpx.AsyncClient,
    people,
    secret: str,
    line_id: str,
    status: str,
    *,
    webhook_id: str | None = None,
    at: datetime | None = None,
) -> httpx.Response:
    body = {"instruction_id": line_id, "status": status, "bank_reference": f"ICBC-{line_id[:8]}"}
    if status != "paid":
        body["reason"] = "账户已销户" if status == "failed" else "退汇"
    raw, headers = signed(secret, body, webhook_id=webhook_id or f"cb_{uuid.uuid4().hex}", at=at)
    return await payments.post(CALLBACKS, content=raw, headers={**headers, **people["bank"]})


async def test_a_batch_holds_every_approved_claim_once_and_keeps_maker_and_checker_apart(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    claims = await sheep_claims(payments, registry, people, [15, 20, 3])
    batch = await draft(payments, people["banner"])
    assert (batch["status"], batch["line_count"], batch["total_fen"]) == ("draft", 3, 380_000)
    lines = await lines_of(payments, people, batch["id"])
    assert sorted(line["amount_fen"] for line in lines) == sorted(c["amount_fen"] for c in claims)
    assert {line["rate_fen"] for line in lines} == {10_000} and {
        line["policy_version"] for line in lines
    } == {1}
    assert {line["status"] for line in lines} == {"pending"}
    again = await payments.post(
        BATCHES, json={"year": YEAR, "kind": "sheep", "region": XINI}, headers=people["xini"]
    )
    assert again.status_code == 422  # nothing left that no batch holds
    assert again.json()["errors"][0]["reason"] == f"锡尼镇没有可纳入批次的 {YEAR} 年肉羊出栏补贴"
    assert (
        await payments.post(f"{BATCHES}/{batch['id']}/approve", headers=people["banner2"])
    ).status_code == 409
    await ok(await payments.post(f"{BATCHES}/{batch['id']}/submit", headers=people["banner"]))
    own = await payments.post(f"{BATCHES}/{batch['id']}/approve", headers=people["banner"])
    assert own.status_code == 409 and own.headers["content-type"] == "application/problem+json"
    assert (
        await payments.post(f"{BATCHES}/{batch['id']}/approve", headers=people["xini"])
    ).status_code == 403
    done = await ok(await payments.post(f"{BATCHES}/{batch['id']}/approve", headers=people["banner2"]))
    assert (done["status"], done["approved_by"]) == ("approved", "banner2")
    no_bank = await payments.post(f"{BATCHES}/{batch['id']}/disburse", headers=people["banner2"])
    assert no_bank.status_code == 409
    listed = await ok(await payments.get(f"{BATCHES}?status=approved&year={YEAR}", headers=people["xini"]))
    assert [b["id"] for b in listed["items"]] == [batch["id"]]
    assert (await payments.get(f"{BATCHES}/{batch['id']}", headers=people["balagong"])).status_code == 404
    assert (await ok(await payments.get(f"{BATCHES}?year={YEAR}", headers=people["balagong"])))["total"] == 0


async def test_two_concurrent_approvals_one_wins(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    await sheep_claims(payments, registry, people, [2])
    batch = await draft(payments, people["xini"])
    await ok(await payments.post(f"{BATCHES}/{batch['id']}/submit", headers=people["xini"]))
    responses = await asyncio.gather(
        payments.post(f"{BATCHES}/{batch['id']}/approve", headers=people["banner2"]),
        payments.post(f"{BATCHES}/{batch['id']}/approve", headers=people["banner3"]),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]


async def test_concurrent_drafts_never_hold_one_claim_twice(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    await sheep_claims(payments, registry, people, [1, 2])
    body = {"year": YEAR, "kind": "sheep", "region": XINI}
    responses = await asyncio.gather(
        *(payments.post(BATCHES, json=body, headers=people["xini"]) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses)[0] == 201
    assert [r.status_code for r in responses].count(201) == 1
    assert {r.status_code for r in responses} <= {201, 409, 422}


async def test_disbursement_survives_a_bank_that_is_down_then_busy_then_up(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, settings: Settings
) -> None:
    await sheep_claims(payments, registry, people, [15, 20, 3, 1, 7])
    batch = await approved(payments, people)
    port = free_port()
    bank = await endpoint(payments, people, f"http://127.0.0.1:{port}/instructions")
    assert bank["secret"].startswith("whsec_")
    async with bank_receiver(bank["secret"], port, started=False) as receiver:
        disbursing = await ok(
            await payments.post(f"{BATCHES}/{batch['id']}/disburse", headers=people["banner2"])
        )
        assert (disbursing["status"], disbursing["endpoint_id"]) == ("disbursing", bank["id"])

        async def all_failed_once() -> bool:
            body = (
                await payments.get("/api/v1/payments/webhook-deliveries", headers=people["banner"])
            ).json()
            return body["total"] == 5 and all(d["attempts"] >= 1 and d["last_error"] for d in body["items"])

        await wait_for(all_failed_once, what="attempts against a bank that is down")
        receiver.status = 503
        await receiver.start()
        await wait_for(lambda: receiver.busy >= 5, what="503 answers")
        receiver.status = 200
        await wait_for(lambda: len(receiver.instructions()) == 5, what="every instruction delivered")
        lines = await lines_of(payments, people, batch["id"])
        assert set(receiver.instructions()) == {line["id"] for line in lines}
        assert receiver.rejected == 0
        event = receiver.deliveries[0]
        assert event["type"] == "disbursement.requested"
        assert set(event["data"]) == {
            "instruction_id",
            "batch_id",
            "household_id",
            "payee_name",
            "bank_name",
            "account_number",
            "amount_fen",
            "purpose",
        }
        assert (
            event["data"]["batch_id"] == batch["id"] and event["data"]["purpose"] == f"{YEAR}年肉羊出栏补贴"
        )
        # Each instruction carries its household's account as the registry holds it: number, bank, payee.
        ids = [line["household_id"] for line in lines]
        found = await ok(
            await registry.post(
                "/api/v1/households/lookup", json={"household_ids": ids}, headers=people["banner"]
            )
        )
        accounts = {h["id"]: h["payee_account"] for h in found["items"]}
        sent_to = {
            d["data"]["household_id"]: (
                d["data"]["account_number"],
                d["data"]["bank_name"],
                d["data"]["payee_name"],
            )
            for d in receiver.deliveries
        }
        held = {i: (a["account_number"], a["bank_name"], a["payee_name"]) for i, a in accounts.items()}
        assert sent_to == held

        async def all_sent() -> bool:
            return {line["status"] for line in await lines_of(payments, people, batch["id"])} == {"sent"}

        await wait_for(all_sent, what="lines marked sent")

        async def all_delivered() -> bool:
            # The line is marked sent by the handler; the delivery is recorded just after, on its own.
            deliveries = (
                await payments.get(
                    "/api/v1/payments/webhook-deliveries?status=delivered", headers=people["banner"]
                )
            ).json()
            return deliveries["total"] == 5

        await wait_for(all_delivered, what="deliveries recorded as delivered")

    first, *rest = lines
    for line in lines:
        result = await ok(await callback(payments, people, bank["secret"], line["id"], "paid"))
        assert (result["applied"], result["line_status"]) == (True, "paid")
    final = await ok(await payments.get(f"{BATCHES}/{batch['id']}", headers=people["banner"]))
    assert final["status"] == "completed" and final["completed_at"]
    recon = await ok(await payments.get(f"{BATCHES}/{batch['id']}/reconciliation", headers=people["xini"]))
    assert recon | {"counts": None} == {
        "batch_id": batch["id"],
        "total_fen": 460_000,
        "paid_fen": 460_000,
        "failed_fen": 0,
        "pending_fen": 0,
        "counts": None,
        "discrepancies": 0,
    }

    # A duplicate (same webhook-id) gets the first result; a late or backward report changes nothing.
    duplicate_id = f"cb_{uuid.uuid4().hex}"
    returned = await ok(
        await callback(payments, people, bank["secret"], first["id"], "returned", webhook_id=duplicate_id)
    )
    assert (returned["applied"], returned["line_status"]) == (True, "returned")
    repeat = await ok(
        await callback(payments, people, bank["secret"], first["id"], "returned", webhook_id=duplicate_id)
    )
    assert repeat == returned
    late = await ok(await callback(payments, people, bank["secret"], first["id"], "paid"))
    assert (late["applied"], late["line_status"]) == (False, "returned")
    late_failed = await ok(await callback(payments, people, bank["secret"], rest[0]["id"], "failed"))
    assert (late_failed["applied"], late_failed["line_status"]) == (False, "paid")
    recon = await ok(await payments.get(f"{BATCHES}/{batch['id']}/reconciliation", headers=people["banner"]))
    assert recon["paid_fen"] + recon["failed_fen"] + recon["pending_fen"] == recon["total_fen"] == 460_000
    assert recon["failed_fen"] == first["amount_fen"]
    assert recon["counts"] == {"pending": 0, "sent": 0, "paid": 4, "failed": 0, "returned": 1, "cancelled": 0}

    db = Database.from_url(settings.database_url("payments"))
    async with db.session_scope() as session:
        assert await verify_chain(session, audit_log) is None
        actions = (await session.execute(select(audit_log.c.action))).scalars().all()
        queued = (await session.execute(select(outbox.c.payload))).scalars().all()
    await db.dispose()
    # The instructions wait in the outbox with their account numbers sealed: none of them in clear.
    assert len(queued) == 5 and all(message["account_number_sealed"] for message in queued)
    stored = "".join(json.dumps(message) for message in queued)
    assert not [number for number, _, _ in sent_to.values() if number in stored]
    assert actions.count("line.sent") == 5 and actions.count("line.paid") == 5
    assert {
        "batch.create",
        "batch.submit",
        "batch.approve",
        "batch.disburse",
        "batch.complete",
        "line.returned",
    } <= set(actions)


async def test_callbacks_are_refused_without_a_valid_signature_in_time(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    await sheep_claims(payments, registry, people, [1])
    batch = await approved(payments, people)
    bank = await endpoint(payments, people, "http://127.0.0.1:9/instructions")
    await ok(await payments.post(f"{BATCHES}/{batch['id']}/disburse", headers=people["banner2"]))
    [line] = await lines_of(payments, people, batch["id"])
    wrong = await callback(
        payments, people, "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", line["id"], "paid"
    )
    assert wrong.status_code == 401 and wrong.headers["content-type"] == "application/problem+json"
    stale = await callback(
        payments, people, bank["secret"], line["id"], "paid", at=datetime.now(UTC) - timedelta(minutes=6)
    )
    assert stale.status_code == 400 and stale.headers["content-type"] == "application/problem+json"
    future = await callback(
        payments, people, bank["secret"], line["id"], "paid", at=datetime.now(UTC) + timedelta(minutes=6)
    )
    assert future.status_code == 400
    raw, headers = signed(
        bank["secret"],
        {"instruction_id": line["id"], "status": "paid", "bank_reference": "X"},
        webhook_id="w1",
    )
    tampered = raw.replace(b'"X"', b'"Y"')
    assert (
        await payments.post(CALLBACKS, content=tampered, headers={**headers, **people["bank"]})
    ).status_code == 401
    unsigned = {k: v for k, v in headers.items() if k != "webhook-signature"}
    assert (
        await payments.post(CALLBACKS, content=raw, headers={**unsigned, **people["bank"]})
    ).status_code == 400
    assert (
        await payments.post(CALLBACKS, content=raw, headers={**headers, **people["banner"]})
    ).status_code == 403
    assert (await payments.post(CALLBACKS, content=raw, headers=headers)).status_code == 401
    unknown = await callback(payments, people, bank["secret"], str(uuid.uuid4()), "paid")
    assert unknown.status_code == 404
    assert (await lines_of(payments, people, batch["id"]))[0]["status"] == "pending"


async def test_failed_lines_are_paid_again_in_a_new_batch_and_paid_ones_never(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    claims = await sheep_claims(payments, registry, people, [4, 6])
    batch = await approved(payments, people)
    bank = await endpoint(payments, people, "http://127.0.0.1:9/instructions")
    await ok(await payments.post(f"{BATCHES}/{batch['id']}/disburse", headers=people["banner2"]))
    paid, failed = sorted(await lines_of(payments, people, batch["id"]), key=lambda line: line["amount_fen"])
    await ok(await callback(payments, people, bank["secret"], paid["id"], "paid"))
    await ok(await callback(payments, people, bank["secret"], failed["id"], "failed"))
    assert (await ok(await payments.get(f"{BATCHES}/{batch['id']}", headers=people["xini"])))[
        "status"
    ] == "completed"
    recon = await ok(await payments.get(f"{BATCHES}/{batch['id']}/reconciliation", headers=people["xini"]))
    assert (recon["paid_fen"], recon["failed_fen"], recon["pending_fen"]) == (40_000, 60_000, 0)

    second = await draft(payments, people["xini"])
    [again] = await lines_of(payments, people, second["id"])
    assert (again["claim_id"], again["amount_fen"]) == (failed["claim_id"], 60_000)
    assert again["claim_id"] == claims[1]["id"] and again["id"] != failed["id"]
    nothing = await payments.post(
        BATCHES, json={"year": YEAR, "kind": "sheep", "region": XINI}, headers=people["xini"]
    )
    assert (
        nothing.status_code == 422
    )  # the paid claim is never drafted again, the failed one is held by `second`


async def test_an_education_batch_is_computed_from_school_stages(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    a = await register_household(registry, people["asier"], members=students("primary", "tertiary"))
    b = await register_household(registry, people["bayin"], region=BAYIN, members=students("kindergarten"))
    await register_household(registry, people["asier"], category="ordinary", members=students("junior"))
    await register_household(registry, people["asier"], members=students("none"))
    batch = await draft(payments, people["xini"], kind="education")
    assert (batch["line_count"], batch["total_fen"]) == (2, 250_000 + 400_000 + 375_000)
    amounts = {
        line["household_id"]: line["amount_fen"] for line in await lines_of(payments, people, batch["id"])
    }
    assert amounts == {a["id"]: 650_000, b["id"]: 375_000}
    again = await payments.post(
        BATCHES, json={"year": YEAR, "kind": "education", "region": XINI}, headers=people["xini"]
    )
    assert again.status_code == 422
    outside = await payments.post(
        BATCHES, json={"year": YEAR, "kind": "education", "region": XINI}, headers=people["balagong"]
    )
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "region"

    notice = await ok(await payments.get(f"{BATCHES}/{batch['id']}/notice", headers=people["xini"]))
    assert (notice["level"], notice["region_name"], notice["total_fen"]) == ("township", "锡尼镇", 1_025_000)
    assert {r["payee_name"] for r in notice["rows"]} == {"巴*尔"}
    assert all("*" in r["id_masked"] and len(r["id_masked"]) == 18 for r in notice["rows"])
    village = await ok(
        await payments.get(f"{BATCHES}/{batch['id']}/notice?region={BAYIN}", headers=people["xini"])
    )
    assert village["level"] == "village" and [r["amount_yuan"] for r in village["rows"]] == ["3,750.00"]
    assert village["rows"][0]["village_name"] == "巴音乌素嘎查"


async def test_one_bank_endpoint_at_a_time_and_deliveries_can_be_replayed(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    first = await endpoint(payments, people, "http://127.0.0.1:9/old")
    custom = "whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    second = await endpoint(payments, people, "http://127.0.0.1:9/new", secret=custom)
    assert second["secret"] == custom
    listed = (await ok(await payments.get("/api/v1/payments/webhook-endpoints", headers=people["banner"])))[
        "items"
    ]
    assert {e["id"]: e["status"] for e in listed} == {first["id"]: "retired", second["id"]: "active"}
    assert all("secret" not in e for e in listed)
    assert (
        await payments.post(
            "/api/v1/payments/webhook-endpoints", json={"url": "http://x"}, headers=people["banner"]
        )
    ).status_code == 403

    await sheep_claims(payments, registry, people, [1])
    port = free_port()
    async with bank_receiver(custom, port) as receiver:
        await ok(
            await payments.delete(
                f"/api/v1/payments/webhook-endpoints/{second['id']}", headers=people["admin"]
            )
        )
        third = await endpoint(payments, people, f"http://127.0.0.1:{port}/instructions")
        receiver.secret = third["secret"]
        batch = await approved(payments, people)
        await ok(await payments.post(f"{BATCHES}/{batch['id']}/disburse", headers=people["banner2"]))
        await wait_for(lambda: len(receiver.deliveries) == 1, what="the delivery")
        [delivery] = (
            await ok(await payments.get("/api/v1/payments/webhook-deliveries", headers=people["banner"]))
        )["items"]
        assert delivery["endpoint_id"] == third["id"]
        await wait_for(
            lambda: _status(payments, people, delivery["id"], "delivered"), what="the delivery recorded"
        )
        replayed = await ok(
            await payments.post(
                f"/api/v1/payments/webhook-deliveries/{delivery['id']}/replay", headers=people["banner"]
            )
        )
        assert replayed["status"] == "pending"
        await wait_for(lambda: len(receiver.deliveries) == 2, what="the replay")
        assert receiver.instructions() == {delivery["instruction_id"]: 2}  # same webhook-id: one instruction
        assert receiver.rejected == 0
    missing = await payments.post(
        f"/api/v1/payments/webhook-deliveries/{uuid.uuid4()}/replay", headers=people["banner"]
    )
    assert missing.status_code == 404


async def _status(payments: httpx.AsyncClient, people, delivery_id: str, status: str) -> bool:
    items = (await payments.get("/api/v1/payments/webhook-deliveries", headers=people["banner"])).json()[
        "items"
    ]
    return any(d["id"] == delivery_id and d["status"] == status for d in items)
