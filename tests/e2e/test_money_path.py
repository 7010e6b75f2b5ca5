"""The money path with real processes, through the gateway: a claim or an approved dividend plan becomes a
batch, a banner official disburses it, the bank simulator (its own process, as under `make run`) pays
every line through signed webhooks and callbacks, and the batch reconciles to the fen."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from deploy.bank_simulator import refusal
from deploy.stack import Stack
from tests.conftest import free_port
from tests.payments.conftest import ASIER, BAYIN, YEAR, wait_for
from tests.payments.test_live import all_lines, login

BATCHES = "/api/v1/payments/batches"


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
async def bank(live_stack: Stack) -> AsyncIterator[str]:
    """A bank API client made by `admin`, the simulator proposed by `admin` as the endpoint bound to that
    client and approved by `banner`, started as its own process, failing nothing; yields the simulator's
    URL."""
    gateway = live_stack.url("gateway")
    port = free_port()
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as gw:
        admin, banner = await login(gw, "admin"), await login(gw, "banner")
        client = await ok(
            await gw.post(
                "/api/v1/admin/clients",
                json={"name": "代理银行（模拟）", "role": "bank", "region": "150625"},
                headers=admin,
            ),
            201,
        )
        url = f"http://127.0.0.1:{port}/instructions"
        body = {"url": url, "bank_client_id": client["client_id"]}
        endpoint = await ok(
            await gw.post("/api/v1/payments/webhook-endpoints", json=body, headers=admin), 201
        )
        await ok(
            await gw.post(f"/api/v1/payments/webhook-endpoints/{endpoint['id']}/approve", headers=banner)
        )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "deploy.bank_simulator",
        *("--port", str(port), "--gateway", gateway, "--client-id", client["client_id"]),
        *("--delay", "0.05", "--failure-percent", "0"),
        env={
            **os.environ,
            "BANK_SIMULATOR_SECRET": endpoint["secret"],
            "BANK_SIMULATOR_CLIENT_SECRET": client["client_secret"],
        },
    )

    async def answers() -> bool:
        assert process.returncode is None, "the bank simulator exited"
        try:
            async with httpx.AsyncClient(timeout=2) as probe:
                return (await probe.get(url)).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        await wait_for(answers, what="the bank simulator")
        yield url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 15)


async def refusals(
    gw: httpx.AsyncClient, headers: dict[str, str], lines: list[dict[str, Any]]
) -> dict[str, str]:
    """The lines the bank refuses for their account, with the reason it gives (the simulator's own checks
    run on the accounts the registry holds)."""
    ids = list({line["household_id"] for line in lines})
    found = await ok(await gw.post("/api/v1/households/lookup", json={"household_ids": ids}, headers=headers))
    accounts = {h["id"]: h.get("payee_account") or {} for h in found["items"]}
    return {
        line["id"]: reason
        for line in lines
        if (reason := refusal(dict(accounts[line["household_id"]], payee_name=line["payee_name"]), {}))
    }


async def paid_in_full(gw: httpx.AsyncClient, headers: dict[str, str], batch_id: str) -> dict[str, Any]:
    """Wait (bounded) for the batch to complete; every line paid but those whose account the bank refuses,
    failed with its reason; the reconciliation to the fen."""

    async def completed() -> bool:
        body = await ok(await gw.get(f"{BATCHES}/{batch_id}", headers=headers))
        return body["status"] == "completed"

    # Generous: the simulator reports every line at once and retries with backoff on a loaded machine.
    await wait_for(completed, seconds=150, what="the bank to pay the batch")
    batch = await ok(await gw.get(f"{BATCHES}/{batch_id}", headers=headers))
    lines = await all_lines(gw, headers, batch_id)
    refused = await refusals(gw, headers, lines)
    assert len(lines) == batch["line_count"]
    assert {x["id"]: (x["status"], x["reason"]) for x in lines} == {
        x["id"]: ("failed", refused[x["id"]]) if x["id"] in refused else ("paid", None) for x in lines
    }
    assert all(line["bank_reference"].startswith("SIM") for line in lines)
    recon = await ok(await gw.get(f"{BATCHES}/{batch_id}/reconciliation", headers=headers))
    failed = sum(x["amount_fen"] for x in lines if x["id"] in refused)
    assert recon["total_fen"] == batch["total_fen"] == sum(x["amount_fen"] for x in lines)
    assert (recon["paid_fen"], recon["failed_fen"], recon["pending_fen"]) == (
        recon["total_fen"] - failed,
        failed,
        0,
    )
    return batch


async def test_a_livestock_claim_is_paid_through_the_bank(live_stack: Stack, bank: str) -> None:
    async with httpx.AsyncClient(base_url=live_stack.url("gateway"), timeout=60) as gw:
        asier, xini, banner = [await login(gw, u) for u in ("asier", "xini", "banner")]
        households = await ok(
            await gw.get(
                "/api/v1/households",
                params={"region": ASIER, "category": "marginal", "page_size": 1},
                headers=asier,
            )
        )
        household = households["items"][0]
        claim = await ok(
            await gw.post(
                "/api/v1/payments/claims",
                json={"household_id": household["id"], "kind": "sheep", "year": YEAR, "quantity": 7},
                headers=asier,
            ),
            201,
        )
        assert (claim["status"], claim["amount_fen"]) == ("approved", 7 * 100_00)

        batch = await ok(
            await gw.post(BATCHES, json={"year": YEAR, "kind": "sheep", "region": ASIER}, headers=xini), 201
        )
        batch_id = batch["id"]
        lines = await all_lines(gw, banner, batch_id)
        assert claim["id"] in {line["claim_id"] for line in lines}
        await ok(await gw.post(f"{BATCHES}/{batch_id}/submit", headers=xini))
        await ok(await gw.post(f"{BATCHES}/{batch_id}/approve", headers=banner))
        disbursing = await ok(await gw.post(f"{BATCHES}/{batch_id}/disburse", headers=banner))
        assert disbursing["status"] == "disbursing"
        await paid_in_full(gw, banner, batch_id)


async def test_an_approved_dividend_plan_is_handed_to_payments_and_paid(live_stack: Stack, bank: str) -> None:
    async with httpx.AsyncClient(base_url=live_stack.url("gateway"), timeout=60) as gw:
        xini, banner = [await login(gw, u) for u in ("xini", "banner")]
        asset = await ok(
            await gw.post(
                "/api/v1/assets",
                json={
                    "name": "巴音乌素嘎查光伏电站",
                    "asset_class": "operating",
                    "region_code": BAYIN,
                    "funding_source": "central",
                    "funding_year": 2023,
                    "value_fen": 50_000_000,
                },
                headers=xini,
            ),
            201,
        )
        income = 1_000_001
        await ok(
            await gw.post(
                f"/api/v1/assets/{asset['id']}/incomes",
                json={"year": 2024, "amount_fen": income},
                headers=xini,
            ),
            201,
        )
        plan = await ok(
            await gw.post(
                "/api/v1/assets/distributions",
                json={
                    "year": 2024,
                    "region": BAYIN,
                    "total_fen": income,
                    "shares": {"households": 60, "public_posts": 20, "collective": 20},
                    "categories": ["lifted_supported", "marginal", "monitored"],
                },
                headers=xini,
            ),
            201,
        )
        assert plan["lines"] and plan["households_fen"] == sum(x["amount_fen"] for x in plan["lines"])
        # published to the village first (公示; PAYMENT_NOTICE_DAYS is 0 here), approved once it has run
        await ok(await gw.post(f"/api/v1/assets/distributions/{plan['id']}/publish", headers=xini))
        await ok(await gw.post(f"/api/v1/assets/distributions/{plan['id']}/approve", headers=banner))

        async def handed_over() -> bool:
            body = await ok(await gw.get(f"/api/v1/assets/distributions/{plan['id']}", headers=banner))
            return body["payment_batch_id"] is not None

        await wait_for(handed_over, seconds=90, what="the plan's handover to payments")
        shown = await ok(await gw.get(f"/api/v1/assets/distributions/{plan['id']}", headers=banner))
        batch_id = shown["payment_batch_id"]
        batch = await ok(await gw.get(f"{BATCHES}/{batch_id}", headers=banner))
        assert (batch["kind"], batch["status"], batch["source_plan_id"]) == (
            "dividend",
            "approved",
            plan["id"],
        )
        assert (batch["total_fen"], batch["line_count"]) == (plan["households_fen"], len(plan["lines"]))
        lines = await all_lines(gw, banner, batch_id)
        assert sorted((x["household_id"], x["amount_fen"]) for x in lines) == sorted(
            (x["household_id"], x["amount_fen"]) for x in plan["lines"]
        )

        await ok(await gw.post(f"{BATCHES}/{batch_id}/disburse", headers=banner))
        await paid_in_full(gw, banner, batch_id)
        paid = await ok(await gw.get(f"/api/v1/assets/distributions/{plan['id']}", headers=banner))
        assert (paid["status"], paid["payment_status"]) == ("paid", "completed")
