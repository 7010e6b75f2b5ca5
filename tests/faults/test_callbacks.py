"""The bank's callbacks arrive as a real network delivers them: each signed result two or three times, the
lines in random order and at once, a `failed` after `paid` and a `paid` after `failed` (the bank
contradicting itself), a late `paid` after an instruction was replayed. Lines only move forward, each is
paid once, a contradiction is recorded as a discrepancy that holds its household out of a new batch, and
the batch reconciles to the fen."""

import asyncio
import random
from collections import Counter, defaultdict

import httpx

from deploy.bank_simulator import Ledger
from deploy.stack import Stack
from tests.e2e.test_money_path import BATCHES, ok
from tests.faults.bank import BankAccount, bank_headers, open_bank_account
from tests.faults.flows import Headers, deliveries_of, disburse, drafted
from tests.faults.invariants import check_invariants
from tests.payments.conftest import XINI, bank_receiver, signed, wait_for
from tests.payments.test_live import all_lines

YEAR = 2023
CALLBACKS = "/api/v1/payments/bank-callbacks"
PARALLEL = 8


async def report(
    gw: httpx.AsyncClient,
    account: BankAccount,
    bank: Headers,
    instruction_id: str,
    status: str,
    webhook_id: str,
) -> dict[str, object]:
    """One signed callback from the bank, as its API client; the same webhook-id carries the same body."""
    body = {"instruction_id": instruction_id, "status": status, "bank_reference": f"FT{instruction_id[:8]}"}
    if status == "failed":
        body["reason"] = "收款账户已冻结（故障测试）"
    raw, headers = signed(account.secret, body, webhook_id=webhook_id)
    return dict(await ok(await gw.post(CALLBACKS, content=raw, headers={**headers, **bank})))


async def test_repeated_reordered_and_late_callbacks_pay_each_line_once(
    fault_stack: Stack, gw: httpx.AsyncClient, people: dict[str, Headers], bank_records: list[Ledger]
) -> None:
    account = await open_bank_account(gw, people["admin"])
    bank = await bank_headers(gw, account)
    batch = await drafted(gw, people["xini"], year=YEAR, kind="education", region=XINI)
    async with bank_receiver(account.secret, account.port) as receiver:
        await disburse(gw, people, batch["id"])
        await wait_for(
            lambda: len(receiver.instructions()) == batch["line_count"],
            seconds=60,
            what="every instruction at the bank",
        )
        lines = await all_lines(gw, people["banner"], batch["id"])
        ids = [line["id"] for line in lines]
        seed = random.randrange(1 << 32)
        rng = random.Random(seed)
        failing = set(rng.sample(ids, 3))
        outcome = {i: "failed" if i in failing else "paid" for i in ids}
        sends = [(i, f"cb_{i}_{outcome[i]}") for i in ids for _ in range(rng.randint(2, 3))]
        rng.shuffle(sends)
        slots = asyncio.Semaphore(PARALLEL)

        async def send(instruction_id: str, webhook_id: str) -> dict[str, object]:
            async with slots:
                return await report(gw, account, bank, instruction_id, outcome[instruction_id], webhook_id)

        answers = await asyncio.gather(*(send(i, w) for i, w in sends))
        by_webhook = defaultdict(list)
        for (_, webhook_id), answer in zip(sends, answers, strict=True):
            by_webhook[webhook_id].append(answer)
        for webhook_id, same in by_webhook.items():
            first = same[0]
            assert all(a == first for a in same), f"seed {seed}: repeats of {webhook_id} answered differently"
            assert (first["applied"], first["line_status"]) == (True, first["reported"]), f"seed {seed}"

        paid = [i for i in ids if outcome[i] == "paid"]
        contradicted = {}
        for i in paid[:2]:  # the bank contradicts itself: the line stays paid, the contradiction is recorded
            late = await report(gw, account, bank, i, "failed", f"cb_{i}_failed")
            assert (late["applied"], late["line_status"]) == (False, "paid") and late["discrepancy_id"]
            contradicted[i] = late["discrepancy_id"]
        # A `paid` after `failed` may mean the money moved: never ignored, the household is held back.
        held_back = sorted(failing)[0]
        for _ in range(2):  # delivered twice, recorded once
            late = await report(gw, account, bank, held_back, "paid", f"cb_{held_back}_paid_late")
            assert (late["applied"], late["line_status"]) == (False, "failed") and late["discrepancy_id"]
        contradicted[held_back] = late["discrepancy_id"]

        replayed = paid[2]
        sent = await deliveries_of(gw, people["banner"], batch["id"])
        [delivery] = [d for d in sent if d["instruction_id"] == replayed]
        before = receiver.instructions()[replayed]
        await ok(
            await gw.post(
                f"/api/v1/payments/webhook-deliveries/{delivery['id']}/replay", headers=people["banner"]
            )
        )
        await wait_for(
            lambda: receiver.instructions()[replayed] == before + 1,
            what="the replayed instruction at the bank",
        )
        late = await report(gw, account, bank, replayed, "paid", f"cb_{replayed}_paid_again")
        assert (late["applied"], late["line_status"]) == (False, "paid")
        delivered = receiver.instructions()

    bank_records.append(Ledger(deliveries=Counter(delivered), outcomes=outcome, callbacks_confirmed=set(ids)))
    shown = await ok(await gw.get(f"{BATCHES}/{batch['id']}", headers=people["banner"]))
    assert shown["status"] == "completed"
    after = {line["id"]: line["status"] for line in await all_lines(gw, people["banner"], batch["id"])}
    assert after == outcome, f"seed {seed}"
    recon = await ok(await gw.get(f"{BATCHES}/{batch['id']}/reconciliation", headers=people["banner"]))
    amounts = {line["id"]: line["amount_fen"] for line in lines}
    assert (recon["paid_fen"], recon["failed_fen"], recon["pending_fen"]) == (
        sum(amounts[i] for i in paid),
        sum(amounts[i] for i in failing),
        0,
    )
    assert recon["discrepancies"] == 3
    listed = await ok(
        await gw.get("/api/v1/payments/discrepancies", params={"open": "true"}, headers=people["banner"])
    )
    mine = {d["line_id"]: d["id"] for d in listed["items"] if d["batch_id"] == batch["id"]}
    assert mine == contradicted, f"seed {seed}"
    # Only the failed households come back for a new batch, but not one the bank says it paid; a paid one
    # never does.
    again = await drafted(gw, people["xini"], year=YEAR, kind="education", region=XINI)
    households = {line["id"]: line["household_id"] for line in lines}
    redrafted = await all_lines(gw, people["banner"], again["id"])
    expected = sorted(households[i] for i in failing - {held_back})
    assert sorted(x["household_id"] for x in redrafted) == expected, f"seed {seed}"
    await check_invariants(fault_stack, gw, people["banner"], bank_records)
