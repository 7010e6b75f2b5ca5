"""A service is killed (SIGKILL) while another service's effect on it is in flight, and started again: the
effect lands exactly once. (Payments killed mid-dispatch to the bank is tests/payments/test_live.py.)

The receiver is frozen first (SIGSTOP), so the sender's request is provably under way when it dies.
"""

import asyncio
import uuid

import httpx

from deploy.bank_simulator import Ledger
from deploy.stack import Stack
from services.assets.dividends import idempotency_key as handover_key
from services.assets.models import outbox as assets_outbox
from services.monitoring.deliveries import confirm_key
from services.monitoring.models import outbox as monitoring_outbox
from tests.e2e.test_money_path import BATCHES, ok, paid_in_full
from tests.faults.bank import open_bank_account, simulated_bank
from tests.faults.crash import frozen_then_killed, in_flight, outbox_rows, send_again
from tests.faults.flows import Headers, dividend_batches_of, dividend_plan
from tests.faults.invariants import check_invariants
from tests.monitoring.test_e2e import open_case, register, step, to_notice_closed
from tests.payments.conftest import BAYIN, wait_for
from tests.payments.test_live import all_lines, serving

PLANS = "/api/v1/assets/distributions"


async def test_payments_killed_during_a_dividend_handover_makes_one_batch(
    fault_stack: Stack,
    gw: httpx.AsyncClient,
    people: dict[str, Headers],
    bank_records: list[Ledger],
) -> None:
    plan = await dividend_plan(
        gw, people["xini"], BAYIN, year=2021, income_fen=1_000_003, categories=["monitored"]
    )
    key = handover_key(uuid.UUID(plan["id"]))
    async with frozen_then_killed(fault_stack, "payments"):
        await ok(await gw.post(f"{PLANS}/{plan['id']}/approve", headers=people["banner"]))
        await wait_for(
            lambda: in_flight(fault_stack, "assets", assets_outbox, [key]),
            what="the handover to be under way to the frozen payments",
        )

    async def handed_over() -> bool:
        shown = await ok(await gw.get(f"{PLANS}/{plan['id']}", headers=people["banner"]))
        return shown["payment_batch_id"] is not None

    await wait_for(handed_over, seconds=90, what="the handover after payments restarted")
    shown = await ok(await gw.get(f"{PLANS}/{plan['id']}", headers=people["banner"]))
    assert await dividend_batches_of(gw, people["banner"], plan) == [shown["payment_batch_id"]]

    # The same handover once more, as after an assets crash between payments' answer and its record of it:
    # payments answers with the batch it made the first time.
    [(_, attempts, _)] = await outbox_rows(fault_stack, "assets", assets_outbox, [key])
    await send_again(fault_stack, "assets", assets_outbox, key)

    async def delivered_again() -> bool:
        [(status, now, _)] = await outbox_rows(fault_stack, "assets", assets_outbox, [key])
        return (status, now) == ("delivered", attempts + 1)

    await wait_for(delivered_again, what="the handover sent again")
    again = await ok(await gw.get(f"{PLANS}/{plan['id']}", headers=people["banner"]))
    assert (again["status"], again["payment_batch_id"]) == ("handed_over", shown["payment_batch_id"])
    assert await dividend_batches_of(gw, people["banner"], plan) == [shown["payment_batch_id"]]
    batch_id = shown["payment_batch_id"]
    lines = await all_lines(gw, people["banner"], batch_id)
    assert sorted((x["household_id"], x["amount_fen"]) for x in lines) == sorted(
        (x["household_id"], x["amount_fen"]) for x in plan["lines"]
    )

    account = await open_bank_account(gw, people["admin"])
    async with simulated_bank(fault_stack, account, bank_records) as bank, serving(bank, account.port):
        await ok(await gw.post(f"{BATCHES}/{batch_id}/disburse", headers=people["banner"]))
        await paid_in_full(gw, people["banner"], batch_id)
    paid = await ok(await gw.get(f"{PLANS}/{plan['id']}", headers=people["banner"]))
    assert (paid["status"], paid["payment_status"]) == ("paid", "completed")
    await check_invariants(fault_stack, gw, people["banner"], bank_records)


async def test_racing_confirmations_and_a_registry_crash_change_each_category_once(
    fault_stack: Stack,
    gw: httpx.AsyncClient,
    people: dict[str, Headers],
    checkers: list[Headers],
    bank_records: list[Ledger],
) -> None:
    homes = [await register(gw, people, category="lifted_supported", lifted_year=2019) for _ in range(3)]
    cases = [await open_case(gw, people, home["id"]) for home in homes]
    for case in cases:
        await to_notice_closed(gw, people, fault_stack, case["id"])
    keys = [confirm_key(uuid.UUID(case["id"])) for case in cases]

    async with frozen_then_killed(fault_stack, "registry"):
        answers = await asyncio.gather(
            *(step(gw, checker, case["id"], "confirm") for case in cases for checker in checkers)
        )
        for n, case in enumerate(cases):
            mine = answers[n * len(checkers) : (n + 1) * len(checkers)]
            assert sorted(a.status_code for a in mine) == [200] + [409] * (len(checkers) - 1), case["id"]
        await wait_for(
            lambda: in_flight(fault_stack, "monitoring", monitoring_outbox, keys),
            what="the category changes to be under way to the frozen registry",
        )

    async def all_delivered() -> bool:
        shown = [
            await ok(await gw.get(f"/api/v1/monitoring/cases/{c['id']}", headers=people["banner"]))
            for c in cases
        ]
        return all(s["registry_change"] == "delivered" for s in shown)

    await wait_for(all_delivered, seconds=90, what="the category changes after the registry restarted")
    deliveries = await ok(
        await gw.get("/api/v1/monitoring/deliveries", params={"page_size": 200}, headers=people["banner"])
    )
    mine = {d["idempotency_key"]: d for d in deliveries["items"] if d["idempotency_key"] in keys}
    assert len(mine) == len(keys) and all(d["attempts"] >= 2 for d in mine.values())
    replayed = mine[keys[0]]
    await ok(
        await gw.post(f"/api/v1/monitoring/deliveries/{replayed['id']}/replay", headers=people["banner"])
    )

    async def replay_delivered() -> bool:
        found = await ok(
            await gw.get("/api/v1/monitoring/deliveries", params={"page_size": 200}, headers=people["banner"])
        )
        [again] = [d for d in found["items"] if d["id"] == replayed["id"]]
        return again["status"] == "delivered" and again["attempts"] > replayed["attempts"]

    await wait_for(replay_delivered, seconds=30, what="the replayed category change")
    for home in homes:
        history = await ok(await gw.get(f"/api/v1/households/{home['id']}/history", headers=people["asier"]))
        assert [(h["to_category"], h["actor"]) for h in history] == [
            ("lifted_supported", "asier"),
            ("monitored", "svc-monitoring"),
        ]
        current = await ok(await gw.get(f"/api/v1/households/{home['id']}", headers=people["asier"]))
        assert current["category"] == "monitored"
    await check_invariants(fault_stack, gw, people["banner"], bank_records)
