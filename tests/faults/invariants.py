"""What must hold after any fault, checked in one place against the databases, the gateway and the banks:
nothing lost, nothing doubled, reconciliation exact to the fen, every audit chain intact — and an edited
audit row found by the chain."""

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import MetaData, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from deploy.bank_simulator import Ledger
from deploy.stack import Stack
from services.payments.models import Batch, Claim, Line
from services.payments.rules import LIVE_LINE_STATUSES, reconcile
from shared.audit import audit_table, verify_chain
from shared.db import Database
from shared.settings import PROCESSES
from shared.vocabulary.payments import BatchStatus, ClaimStatus, LineStatus
from tests.e2e.test_money_path import ok

AUDIT = audit_table(MetaData())


async def check_invariants(
    stack: Stack, gw: httpx.AsyncClient, reader: dict[str, str], banks: Sequence[Ledger]
) -> None:
    """Every invariant of the money path and of the audit log, for the whole stack as it is now.

    `reader` may read every batch (a banner official); `banks` are the records of every bank that was
    sent instructions, each mapping an instruction id to the one outcome it reported.
    """
    claims, batches, lines = await _payments_rows(stack)
    _each_approved_claim_in_one_live_line(claims, lines)
    await _batches_reconcile(gw, reader, batches, lines)
    _paid_as_the_bank_paid(lines, banks)
    for process in PROCESSES:
        await _audit_chain_holds(process, stack.env[f"{process.upper()}_DATABASE_URL"])


async def paid_before(stack: Stack) -> Ledger:
    """The bank that paid what was paid before the faults began (the demo's year of payments): its lines
    count as that bank's, so the invariants hold the system to every bank that ever paid."""
    _, _, lines = await _payments_rows(stack)
    earlier = Ledger()
    for line in lines:
        if line.status == LineStatus.paid:
            earlier.deliveries[str(line.id)] += 1
            earlier.outcomes[str(line.id)] = "paid"
    return earlier


async def _payments_rows(stack: Stack) -> tuple[list[Claim], list[Batch], list[Line]]:
    db = Database.from_url(stack.env["PAYMENTS_DATABASE_URL"])
    try:
        async with db.session_scope() as session:
            claims = list((await session.exec(select(Claim))).all())
            batches = list((await session.exec(select(Batch))).all())
            lines = list((await session.exec(select(Line))).all())
    finally:
        await db.dispose()
    return claims, batches, lines


def _each_approved_claim_in_one_live_line(claims: list[Claim], lines: list[Line]) -> None:
    """Every approved claim with an amount is in exactly one batch line that is not failed or returned."""
    live = Counter(line.claim_id for line in lines if line.status in LIVE_LINE_STATUSES)
    for claim in claims:
        if claim.status == ClaimStatus.approved and claim.amount_fen > 0:
            assert live[claim.id] == 1, f"claim {claim.id} is in {live[claim.id]} live lines"
    approved = {c.id for c in claims if c.status == ClaimStatus.approved}
    assert all(line.claim_id in approved for line in lines if line.claim_id), (
        "a line pays an unapproved claim"
    )
    held = Counter(line.entitlement_key for line in lines if line.status in LIVE_LINE_STATUSES)
    assert [key for key, n in held.items() if n > 1] == [], "an entitlement is held by two live lines"


async def _batches_reconcile(
    gw: httpx.AsyncClient, reader: dict[str, str], batches: list[Batch], lines: list[Line]
) -> None:
    """Each batch's total is its lines' sum, and the reconciliation the users see is the lines' sums by
    outcome, to the fen; a completed batch has no open line."""
    by_batch: dict[uuid.UUID, list[Line]] = defaultdict(list)
    for line in lines:
        by_batch[line.batch_id].append(line)
    for batch in batches:
        mine = by_batch[batch.id]
        assert (batch.line_count, batch.total_fen) == (len(mine), sum(x.amount_fen for x in mine)), batch.id
        expected = reconcile((LineStatus(x.status), x.amount_fen) for x in mine)
        shown = await ok(await gw.get(f"/api/v1/payments/batches/{batch.id}/reconciliation", headers=reader))
        assert (shown["total_fen"], shown["paid_fen"], shown["failed_fen"], shown["pending_fen"]) == (
            expected.total_fen,
            expected.paid_fen,
            expected.failed_fen,
            expected.pending_fen,
        ), batch.id
        assert shown["counts"] == {s: sum(x.status == s for x in mine) for s in LineStatus}, batch.id
        if batch.status == BatchStatus.completed:
            assert expected.pending_fen == 0, f"completed batch {batch.id} has open lines"


def _paid_as_the_bank_paid(lines: list[Line], banks: Sequence[Ledger]) -> None:
    """The system shows paid exactly what the banks paid: each instruction paid by one bank once, no
    entitlement paid by two instructions, and per household the paid total is what the banks paid."""
    paid_by_banks = Counter(
        instruction for bank in banks for instruction, outcome in bank.outcomes.items() if outcome == "paid"
    )
    assert [i for i, n in paid_by_banks.items() if n > 1] == [], "an instruction was paid by two banks"
    assert all(bank.deliveries[i] >= 1 for bank in banks for i in bank.outcomes), "paid without instruction"
    by_id = {str(line.id): line for line in lines}
    assert set(paid_by_banks) <= set(by_id), "a bank paid an instruction the system never sent"
    bank_paid = [by_id[i] for i in paid_by_banks]
    system_paid = [line for line in lines if line.status == LineStatus.paid]
    assert {str(x.id) for x in system_paid} == set(paid_by_banks), "system and banks disagree on what is paid"
    twice = Counter(line.entitlement_key for line in bank_paid)
    assert [key for key, n in twice.items() if n > 1] == [], "an entitlement was paid twice"
    assert _per_household(system_paid) == _per_household(bank_paid)


def _per_household(lines: list[Line]) -> dict[uuid.UUID, int]:
    totals: dict[uuid.UUID, int] = defaultdict(int)
    for line in lines:
        totals[line.household_id] += line.amount_fen
    return dict(totals)


def tampered(after: Any) -> dict[str, Any]:
    """The row's `after` with an amount raised by one fen, or its status changed when it has no amount."""
    after = dict(after) if isinstance(after, dict) else {}
    amounts = sorted(k for k, v in after.items() if k.endswith("_fen") and isinstance(v, int))
    if amounts:
        return {**after, amounts[0]: after[amounts[0]] + 1}
    return {**after, "status": f"{after.get('status')}-edited"}


async def _audit_chain_holds(process: str, url: str) -> None:
    """The process's audit chain verifies; editing one row's `after` is reported at exactly that row.

    The edit is made in a transaction that is rolled back, so the log is unchanged for everyone else.
    """
    db = Database.from_url(url)
    try:
        async with db.engine.connect() as conn, AsyncSession(bind=conn) as session:
            assert await verify_chain(session, AUDIT) is None, f"{process}: the audit chain does not verify"
            rows = (await session.execute(select(AUDIT.c.seq, AUDIT.c.after).order_by(AUDIT.c.seq))).all()
            if not rows:
                return  # nothing recorded yet, nothing to edit
            with_amount = [r for r in rows if any(k.endswith("_fen") for k in (r.after or {}))]
            seq, after = (with_amount or rows)[len(with_amount or rows) // 2]
            await session.execute(update(AUDIT).where(AUDIT.c.seq == seq).values(after=tampered(after)))
            assert await verify_chain(session, AUDIT) == seq, f"{process}: an edited audit row went unnoticed"
            await session.rollback()
            assert await verify_chain(session, AUDIT) is None, f"{process}: the edit was not undone"
    finally:
        await db.dispose()
