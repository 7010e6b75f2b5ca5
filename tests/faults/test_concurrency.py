"""Requests that race, through the gateway with real tokens, against PostgreSQL: claims for one household
and kind up to the yearly cap, checkers approving and disbursing the same batch, checkers approving the
same dividend plan. (Racing case confirmations are in test_crashes.py, with the registry crash.)"""

import asyncio
from collections import Counter

import httpx

from deploy.bank_simulator import Ledger
from deploy.stack import Stack
from tests.e2e.test_money_path import BATCHES, ok, paid_in_full
from tests.faults.bank import open_bank_account, simulated_bank
from tests.faults.flows import (
    Headers,
    deliveries_of,
    dividend_batches_of,
    dividend_plan,
    drafted,
    eligible_households,
)
from tests.faults.invariants import check_invariants
from tests.payments.conftest import ASIER, YEAR, wait_for
from tests.payments.test_live import all_lines, serving

CLAIMS = "/api/v1/payments/claims"
RACERS = 10


def one_wins(answers: list[httpx.Response]) -> None:
    assert sorted(a.status_code for a in answers) == [200] + [409] * (len(answers) - 1), [
        (a.status_code, a.text[:200]) for a in answers
    ]


async def test_racing_claims_stay_within_the_cap_and_racing_checkers_act_once(
    fault_stack: Stack,
    gw: httpx.AsyncClient,
    people: dict[str, Headers],
    checkers: list[Headers],
    bank_records: list[Ledger],
) -> None:
    policy = await ok(
        await gw.get("/api/v1/payments/policies", params={"year": YEAR}, headers=people["asier"])
    )
    [cap] = [item["cap_quantity"] for item in policy["items"] if item["kind"] == "sheep"]
    each = cap // 4 + 1  # the racers ask for far more than the cap between them
    # Its flock on record holds every head the granted racers sold: the cap, not the herd, stops them.
    [household_id] = await eligible_households(gw, people["asier"], ASIER, 1, sheep=cap + each)
    due = await ok(
        await gw.get(
            f"/api/v1/payments/households/{household_id}/entitlements",
            params={"year": YEAR},
            headers=people["asier"],
        )
    )
    [sheep] = [x for x in due["livestock"] if x["kind"] == "sheep"]
    assert (sheep["claimed"], sheep["cap"]) == (0, cap)
    rate = sheep["rate_fen"]
    filers = (people["asier"], people["xini"])

    async def claim(n: int) -> httpx.Response:
        body = {"household_id": household_id, "kind": "sheep", "year": YEAR, "quantity": each}
        headers = {**filers[n % 2], "Idempotency-Key": f"race-{household_id}-{n}"}
        return await gw.post(CLAIMS, json=body, headers=headers)

    answers = await asyncio.gather(*(claim(n) for n in range(RACERS)))
    codes = Counter(a.status_code for a in answers)
    assert set(codes) == {201, 422}, [(a.status_code, a.text[:200]) for a in answers]
    granted = [a.json() for a in answers if a.status_code == 201]
    assert sum(c["breakdown"]["eligible"] for c in granted) == cap
    assert all(c["amount_fen"] == c["breakdown"]["eligible"] * rate for c in granted)
    first = next(n for n, a in enumerate(answers) if a.status_code == 201)
    repeat = await claim(first)  # a client retrying the same request gets its first claim back
    assert (repeat.status_code, repeat.json()["id"]) == (201, answers[first].json()["id"])
    due = await ok(
        await gw.get(
            f"/api/v1/payments/households/{household_id}/entitlements",
            params={"year": YEAR},
            headers=people["asier"],
        )
    )
    [sheep] = [x for x in due["livestock"] if x["kind"] == "sheep"]
    assert (sheep["claimed"], sheep["remaining"]) == (cap, 0)

    batch = await drafted(gw, people["xini"], year=YEAR, kind="sheep", region=ASIER)
    assert (batch["line_count"], batch["total_fen"]) == (len(granted), cap * rate)
    await ok(await gw.post(f"{BATCHES}/{batch['id']}/submit", headers=people["xini"]))
    one_wins(
        await asyncio.gather(*(gw.post(f"{BATCHES}/{batch['id']}/approve", headers=c) for c in checkers))
    )
    account = await open_bank_account(gw, people["admin"])
    async with simulated_bank(fault_stack, account, bank_records) as bank, serving(bank, account.port):
        one_wins(
            await asyncio.gather(*(gw.post(f"{BATCHES}/{batch['id']}/disburse", headers=c) for c in checkers))
        )
        await paid_in_full(gw, people["banner"], batch["id"])
    lines = await all_lines(gw, people["banner"], batch["id"])
    assert {line["claim_id"] for line in lines} == {c["id"] for c in granted}
    assert len(await deliveries_of(gw, people["banner"], batch["id"])) == len(lines)  # sent once, not 4×
    assert set(bank.state.ledger.deliveries) == {line["id"] for line in lines}
    await check_invariants(fault_stack, gw, people["banner"], bank_records)


async def test_racing_checkers_approve_a_dividend_plan_once(
    fault_stack: Stack,
    gw: httpx.AsyncClient,
    people: dict[str, Headers],
    checkers: list[Headers],
    bank_records: list[Ledger],
) -> None:
    plan = await dividend_plan(
        gw, people["xini"], ASIER, year=2020, income_fen=2_000_007, categories=["monitored"]
    )
    one_wins(
        await asyncio.gather(
            *(gw.post(f"/api/v1/assets/distributions/{plan['id']}/approve", headers=c) for c in checkers)
        )
    )

    async def handed_over() -> bool:
        shown = await ok(await gw.get(f"/api/v1/assets/distributions/{plan['id']}", headers=people["banner"]))
        return shown["payment_batch_id"] is not None

    await wait_for(handed_over, seconds=60, what="the plan's handover to payments")
    [batch_id] = await dividend_batches_of(gw, people["banner"], plan)
    batch = await ok(await gw.get(f"{BATCHES}/{batch_id}", headers=people["banner"]))
    assert (batch["status"], batch["total_fen"]) == ("approved", plan["households_fen"])
    await check_invariants(fault_stack, gw, people["banner"], bank_records)
