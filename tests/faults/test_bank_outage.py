"""The agent bank is down when a batch is disbursed: every instruction fails and waits in the outbox; the
bank comes back, the retries reach it, and every line ends paid exactly once."""

import httpx

from deploy.bank_simulator import Ledger
from deploy.stack import Stack
from tests.e2e.test_money_path import paid_in_full
from tests.faults.bank import open_bank_account, simulated_bank
from tests.faults.flows import Headers, deliveries_of, disburse, drafted, sheep_claims
from tests.faults.invariants import check_invariants
from tests.payments.conftest import BAYIN, YEAR, wait_for
from tests.payments.test_live import all_lines, serving


async def test_instructions_outlast_a_bank_outage_and_each_line_is_paid_once(
    fault_stack: Stack, gw: httpx.AsyncClient, people: dict[str, Headers], bank_records: list[Ledger]
) -> None:
    account = await open_bank_account(gw, people["admin"])
    claims = await sheep_claims(gw, people["bayin"], BAYIN, year=YEAR, count=12)
    batch = await drafted(gw, people["xini"], year=YEAR, kind="sheep", region=BAYIN)
    assert (batch["line_count"], batch["total_fen"]) == (len(claims), sum(c["amount_fen"] for c in claims))
    async with simulated_bank(fault_stack, account, bank_records) as bank:
        await disburse(gw, people, batch["id"])

        async def all_refused() -> bool:
            found = await deliveries_of(gw, people["banner"], batch["id"])
            return len(found) == len(claims) and all(d["attempts"] >= 1 for d in found)

        await wait_for(all_refused, seconds=30, what="every instruction to meet the closed bank")
        waiting = await deliveries_of(gw, people["banner"], batch["id"])
        assert {d["status"] for d in waiting} == {"pending"}
        assert all("bank unreachable" in d["last_error"] for d in waiting)
        lines = await all_lines(gw, people["banner"], batch["id"])
        assert {line["status"] for line in lines} == {"pending"}

        async with serving(bank, account.port):
            await paid_in_full(gw, people["banner"], batch["id"])
        ledger: Ledger = bank.state.ledger

    line_ids = {line["id"] for line in lines}
    assert set(ledger.deliveries) == line_ids and set(ledger.outcomes) == line_ids
    assert ledger.callbacks_confirmed == line_ids and ledger.rejected == 0
    delivered = await deliveries_of(gw, people["banner"], batch["id"])
    assert {d["status"] for d in delivered} == {"delivered"}
    assert all(d["attempts"] >= 2 for d in delivered), "each instruction went out again after the outage"
    await check_invariants(fault_stack, gw, people["banner"], bank_records)
