"""Batches that can be corrected: readable numbers, a checker returning a batch to its maker, the maker
cancelling it (its claims come back), failed lines paid again once the account is fixed, and reconciliation
by the bank's statement (CSV and MT940), differences recorded as bank discrepancies."""

from typing import Any

import httpx
import pytest
from stdnum import luhn

from tests.payments.conftest import ASIER, XINI, YEAR, wait_for
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
from tests.support.households import household

pytestmark = pytest.mark.usefixtures("clean_databases")
BANK_URL = "http://127.0.0.1:9/instructions"  # never answers: the tests report as the bank themselves


def card(seed: int) -> str:
    """A 19-digit card number that passes Luhn."""
    body = f"621700{seed:012d}"
    return body + luhn.calc_check_digit(body)


async def with_account(registry: httpx.AsyncClient, people, number: str | None) -> dict[str, Any]:
    fields = (
        {"payee_account": {"bank_name": "中国农业银行杭锦旗支行", "account_number": number}} if number else {}
    )
    body = household(region_code=ASIER, **fields)
    return await ok(await registry.post("/api/v1/households", json=body, headers=people["asier"]), 201)


async def claim(payments: httpx.AsyncClient, people, household_id: str, quantity: int = 2) -> Any:
    body = {"household_id": household_id, "kind": "sheep", "year": YEAR, "quantity": quantity}
    return await ok(await payments.post("/api/v1/payments/claims", json=body, headers=people["asier"]), 201)


async def test_batches_are_numbered_per_year_and_kind(payments, registry, people) -> None:
    await sheep_claims(payments, registry, people, [1])
    first = await draft(payments, people["xini"])
    assert first["number"] == f"{YEAR}-肉羊-0001"
    await ok(await payments.post(f"{BATCHES}/{first['id']}/cancel", headers=people["xini"]))
    second = await draft(payments, people["xini"])  # the cancelled batch's claim comes back
    assert second["number"] == f"{YEAR}-肉羊-0002"


async def test_a_checker_returns_a_batch_and_its_maker_cancels_it(payments, registry, people) -> None:
    claims = await sheep_claims(payments, registry, people, [3, 4])
    batch = await draft(payments, people["xini"])
    path = f"{BATCHES}/{batch['id']}"
    assert (
        await payments.post(f"{path}/return", json={"reason": "x"}, headers=people["banner"])
    ).status_code == 409
    await ok(await payments.post(f"{path}/submit", headers=people["xini"]))
    empty = await payments.post(f"{path}/return", json={"reason": ""}, headers=people["banner"])
    assert empty.status_code == 422 and "reason" in empty.text
    assert (
        await payments.post(f"{path}/return", json={"reason": "数量待核"}, headers=people["xini"])
    ).status_code == 403  # a township official is no checker
    returned = await ok(
        await payments.post(f"{path}/return", json={"reason": "数量待核"}, headers=people["banner"])
    )
    assert (returned["status"], returned["return_reason"], returned["returned_by"]) == (
        "returned",
        "数量待核",
        "banner",
    )
    assert (await payments.post(f"{path}/approve", headers=people["banner2"])).status_code == 409
    other = await payments.post(f"{path}/cancel", headers=people["banner"])
    assert other.status_code == 409 and "制单人" in other.json()["detail"]  # only its maker cancels
    cancelled = await ok(await payments.post(f"{path}/cancel", headers=people["xini"]))
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_by"] == "xini"
    assert {line["status"] for line in await lines_of(payments, people, batch["id"])} == {"cancelled"}
    assert (await payments.post(f"{path}/submit", headers=people["xini"])).status_code == 409
    again = await draft(payments, people["xini"])  # its lines were released: the claims are batched again
    assert (again["line_count"], again["total_fen"]) == (2, sum(c["amount_fen"] for c in claims))


async def test_a_household_without_an_account_is_held_out_with_the_reason(payments, registry, people) -> None:
    good = await with_account(registry, people, card(1))
    bare = await with_account(registry, people, None)
    for h in (good, bare):
        await claim(payments, people, h["id"])
    batch = await draft(payments, people["xini"], region=ASIER)
    assert [line["household_id"] for line in await lines_of(payments, people, batch["id"])] == [good["id"]]
    assert batch["held"] == [
        {
            "household_id": bare["id"],
            "household_number": bare["number"],
            "region_code": ASIER,
            "reason": "未登记一卡通账户",
        }
    ]
    (line,) = await lines_of(payments, people, batch["id"])
    assert (line["payee_name"], line["bank_name"], line["account_masked"]) == (
        good["payee_account"]["payee_name"],
        "中国农业银行杭锦旗支行",
        f"{card(1)[:4]} **** **** {card(1)[-4:]}",
    )
    shown = await ok(await payments.get(f"{BATCHES}/{batch['id']}", headers=people["xini"]))
    assert shown["held"] == batch["held"]
    # …and once the village sets its account, the next draft takes it.
    body = {"payee_account": {"bank_name": "中国农业银行杭锦旗支行", "account_number": card(3)}}
    await ok(await registry.patch(f"/api/v1/households/{bare['id']}", json=body, headers=people["asier"]))
    later = await draft(payments, people["xini"], region=ASIER)
    assert [line["household_id"] for line in await lines_of(payments, people, later["id"])] == [bare["id"]]
    assert later["held"] == []


async def test_an_approved_claim_is_paid_after_its_household_leaves_the_supported_categories(
    payments, registry, people
) -> None:
    """Accounts come from the registry's stream of supported households; a claim approved before its household
    moved out of them is still paid, into the account the registry holds, and held out if there is none."""
    moved = await with_account(registry, people, card(5))
    moved_bare = await with_account(registry, people, None)
    stayed = await with_account(registry, people, card(6))
    for h in (moved, moved_bare, stayed):
        await claim(payments, people, h["id"])
        if h is not stayed:
            change = {
                "category": "lifted_unsupported",
                "reason": "稳定脱贫，不再享受政策",
                "effective_date": "2026-11-01",
            }
            path = f"/api/v1/households/{h['id']}/category-changes"
            await ok(await registry.post(path, json=change, headers=people["xini"]), 201)
    batch = await draft(payments, people["xini"], region=ASIER)
    lines = {line["household_id"]: line for line in await lines_of(payments, people, batch["id"])}
    assert set(lines) == {moved["id"], stayed["id"]}
    assert lines[moved["id"]]["account_masked"] == f"{card(5)[:4]} **** **** {card(5)[-4:]}"
    assert [(h["household_id"], h["reason"]) for h in batch["held"]] == [
        (moved_bare["id"], "未登记一卡通账户")
    ]


async def test_nothing_payable_is_refused_naming_the_households_held(payments, registry, people) -> None:
    bare = await with_account(registry, people, None)
    await claim(payments, people, bare["id"])
    refused = await payments.post(
        BATCHES, json={"year": YEAR, "kind": "sheep", "region": ASIER}, headers=people["xini"]
    )
    assert refused.status_code == 422
    assert bare["number"] in refused.text and "未登记一卡通账户" in refused.text


async def test_failed_lines_are_paid_again_once_the_account_passes(payments, registry, people) -> None:
    good = await with_account(registry, people, card(1))
    closed = await with_account(registry, people, card(4))
    paid = await with_account(registry, people, card(2))
    for h in (good, closed, paid):
        await claim(payments, people, h["id"])
    bank = await endpoint(payments, people, BANK_URL)
    batch = await approved(payments, people, region=ASIER)
    path = f"{BATCHES}/{batch['id']}"
    assert (await payments.post(f"{path}/repay-failed", headers=people["xini"])).status_code == 409
    await ok(await payments.post(f"{path}/disburse", headers=people["banner2"]))
    lines = {line["household_id"]: line for line in await lines_of(payments, people, batch["id"])}
    for h, status in ((good, "failed"), (closed, "returned"), (paid, "paid")):
        await ok(await callback(payments, people, bank["secret"], lines[h["id"]]["id"], status))
    assert (await ok(await payments.get(path, headers=people["xini"])))["status"] == "completed"
    # The village removes the closed account, and has no new one yet.
    gone = {"payee_account": None}
    await ok(await registry.patch(f"/api/v1/households/{closed['id']}", json=gone, headers=people["asier"]))

    repay = await ok(await payments.post(f"{path}/repay-failed", headers=people["xini"]), 201)
    assert (repay["status"], repay["repays_batch_id"], repay["number"]) == (
        "draft",
        batch["id"],
        f"{YEAR}-肉羊-0002",
    )
    again = await lines_of(payments, people, repay["id"])
    assert [line["household_id"] for line in again] == [good["id"]]  # not the one without an account
    assert again[0]["amount_fen"] == lines[good["id"]]["amount_fen"] and again[0]["status"] == "pending"
    # …the other comes once its account is set, with that account, and the one batched again never twice.
    body = {"payee_account": {"bank_name": "中国建设银行杭锦旗支行", "account_number": card(3)}}
    await ok(await registry.patch(f"/api/v1/households/{closed['id']}", json=body, headers=people["asier"]))
    later = await ok(await payments.post(f"{path}/repay-failed", headers=people["xini"]), 201)
    (line,) = await lines_of(payments, people, later["id"])
    assert (line["household_id"], line["bank_name"], line["account_masked"][-4:]) == (
        closed["id"],
        "中国建设银行杭锦旗支行",
        card(3)[-4:],
    )
    assert (await payments.post(f"{path}/repay-failed", headers=people["xini"])).status_code == 409


async def disbursed(
    payments, registry, people, quantities: list[int]
) -> tuple[dict[str, Any], list[Any], str]:
    await sheep_claims(payments, registry, people, quantities)
    bank = await endpoint(payments, people, BANK_URL)
    batch = await approved(payments, people)
    await ok(await payments.post(f"{BATCHES}/{batch['id']}/disburse", headers=people["banner2"]))
    lines = sorted(await lines_of(payments, people, batch["id"]), key=lambda line: line["amount_fen"])
    return batch, lines, bank["secret"]


def statement(rows: list[tuple[str, str, int, str, str]]) -> dict[str, Any]:
    text = "instruction_id,status,amount_fen,bank_reference,reason\n"
    text += "".join(",".join(str(cell) for cell in row) + "\n" for row in rows)
    return {"file": ("statement.csv", text.encode(), "text/csv")}


async def test_a_csv_statement_reconciles_line_by_line(payments, registry, people) -> None:
    batch, (a, b, c), secret = await disbursed(payments, registry, people, [1, 2, 3])
    path = f"{BATCHES}/{batch['id']}/statement"
    await ok(await callback(payments, people, secret, c["id"], "failed"))  # the bank said so before
    bad = statement([(a["id"], "paid", "1x", "R1", "")])
    refused = await payments.post(path, files=bad, headers=people["banner"])
    assert refused.status_code == 422 and "file" in refused.text and "第 1 行" in refused.text
    assert {line["status"] for line in await lines_of(payments, people, batch["id"])} == {"pending", "failed"}

    rows = [
        (a["id"], "paid", a["amount_fen"], "ICBC-A", ""),
        (b["id"], "paid", b["amount_fen"] + 1, "ICBC-B", ""),  # not what was instructed
        (c["id"], "paid", c["amount_fen"], "ICBC-C", ""),  # contradicts the failure reported
        ("00000000-0000-4000-8000-000000000000", "paid", 5, "ICBC-X", ""),
    ]
    result = await ok(await payments.post(path, files=statement(rows), headers=people["banner"]))
    assert result["format"] == "csv"
    by_row = {r["row"]: r for r in result["rows"]}
    assert (by_row[1]["applied"], by_row[1]["line_status"]) == (True, "paid")
    assert by_row[2]["applied"] is False and by_row[2]["discrepancy_id"] and "不符" in by_row[2]["problem"]
    assert by_row[3]["applied"] is False and by_row[3]["discrepancy_id"]
    assert by_row[4]["applied"] is False and "不是本批次" in by_row[4]["problem"]
    recon = result["reconciliation"]
    assert (recon["paid_fen"], recon["failed_fen"], recon["discrepancies"]) == (
        a["amount_fen"],
        c["amount_fen"],
        2,
    )
    assert recon["total_fen"] == recon["paid_fen"] + recon["failed_fen"] + recon["pending_fen"]
    listed = await ok(
        await payments.get("/api/v1/payments/discrepancies?open=true", headers=people["banner"])
    )
    assert {d["line_id"] for d in listed["items"]} == {b["id"], c["id"]}
    # The same file again changes nothing.
    repeat = await ok(await payments.post(path, files=statement(rows), headers=people["banner"]))
    assert not any(r["applied"] for r in repeat["rows"])
    listed = await ok(
        await payments.get("/api/v1/payments/discrepancies?open=true", headers=people["banner"])
    )
    assert listed["total"] == 2
    assert (
        await payments.post(path, files=statement(rows), headers=people["xini"])
    ).status_code == 403  # banner officials reconcile


def mt940(entries: list[tuple[str, str, int, str]]) -> bytes:
    """An MT940 statement: one :61:/:86: pair per (mark, instruction id, fen, bank reference)."""
    lines = [":20:STMT1", ":25:ABC/150625", ":28C:1/1", ":60F:C261201CNY1000000,00"]
    for mark, instruction, fen, reference in entries:
        lines += [
            f":61:2612011201{mark}{fen // 100},{fen % 100:02d}NTRFNONREF//{reference}",
            f":86:{instruction}",
        ]
    lines.append(":62F:C261201CNY1000000,00")
    return ("\r\n".join(lines) + "\r\n").encode()


async def test_an_mt940_statement_pays_debits_and_returns_credits(payments, registry, people) -> None:
    batch, (a, b), _ = await disbursed(payments, registry, people, [1, 2])
    raw = mt940([("D", a["id"], a["amount_fen"], "MT-A"), ("D", b["id"], b["amount_fen"], "MT-B")])
    path = f"{BATCHES}/{batch['id']}/statement"
    result = await ok(
        await payments.post(path, files={"file": ("s.sta", raw, "text/plain")}, headers=people["banner"])
    )
    assert result["format"] == "mt940" and all(r["applied"] for r in result["rows"])
    shown = {line["id"]: line for line in await lines_of(payments, people, batch["id"])}
    assert (shown[a["id"]]["status"], shown[a["id"]]["bank_reference"]) == ("paid", "MT-A")

    async def completed() -> bool:
        return (await ok(await payments.get(f"{BATCHES}/{batch['id']}", headers=people["banner"])))[
            "status"
        ] == "completed"

    await wait_for(completed, what="the batch completed by its statement")
    back = mt940([("C", b["id"], b["amount_fen"], "MT-B2")])
    result = await ok(
        await payments.post(path, files={"file": ("s2.sta", back, "text/plain")}, headers=people["banner"])
    )
    assert (
        result["rows"][0]["line_status"] == "returned"
        and result["reconciliation"]["failed_fen"] == b["amount_fen"]
    )
    garbled = await payments.post(
        path, files={"file": ("s.sta", b":20:X\r\n:61:nonsense\r\n", "text/plain")}, headers=people["banner"]
    )
    assert garbled.status_code == 422 and "file" in garbled.text


async def test_a_statement_waits_for_the_batch_to_be_disbursed(payments, registry, people) -> None:
    await sheep_claims(payments, registry, people, [1])
    batch = await draft(payments, people["xini"], region=XINI)
    answer = await payments.post(
        f"{BATCHES}/{batch['id']}/statement", files=statement([]), headers=people["banner"]
    )
    assert answer.status_code == 409
