"""A household's payment lines for its file (一户一档): each with its batch and the bank's result, and nothing
of a household outside the caller's scope (an empty page, not its existence)."""

import httpx
import pytest

from tests.payments.test_batches import callback
from tests.payments.test_discrepancies import disbursed

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_a_household_s_lines_carry_their_batch_and_bank_result_in_scope(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    batch, secret, (line,) = await disbursed(payments, registry, people, [5])
    await callback(payments, people, secret, line["id"], "paid")
    url = f"/api/v1/payments/households/{line['household_id']}/lines"
    for reader in ("asier", "xini", "banner"):
        answer = await payments.get(url, headers=people[reader])
        assert answer.status_code == 200, answer.text
        [found] = answer.json()["items"]
        assert (found["id"], found["batch_id"], found["amount_fen"]) == (line["id"], batch["id"], 50_000)
        assert (found["status"], found["batch_kind"], found["batch_year"]) == ("paid", "sheep", batch["year"])
        assert found["batch_status"] == "completed"
    for outsider in ("bayin", "balagong"):
        hidden = await payments.get(url, headers=people[outsider])
        assert hidden.status_code == 200 and hidden.json() == {
            "items": [],
            "total": 0,
            "page": 1,
            "page_size": 100,
        }
