"""With real processes: the payments process is SIGKILLed while it sends a batch to the bank simulator, and
is started again — every instruction still reaches the bank and is paid exactly once."""

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from deploy.bank_simulator import CALLBACK_PATH, ClientCredentials, Ledger, create_app
from deploy.stack import Stack
from gateway.policy import PAYMENTS_RULES, RULES, known_route
from gateway.seed import DEMO_PASSWORD
from tests.conftest import TokenFactory, bearer, free_port
from tests.payments.conftest import XINI, wait_for

YEAR = 2024


def unnamed(path: str) -> str:
    """A route's path with its parameters' names left out (the gateway's table names them its own way)."""
    return re.sub(r"\{[^/]+\}", "{}", path)


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


@contextlib.asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started, what="the bank simulator")
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def all_lines(
    client: httpx.AsyncClient, headers: dict[str, str], batch_id: str
) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    page = 1
    while True:
        body = (
            await client.get(
                f"/api/v1/payments/batches/{batch_id}/lines?page={page}&page_size=500", headers=headers
            )
        ).json()
        lines += body["items"]
        if len(lines) >= body["total"]:
            return lines
        page += 1


async def test_a_payments_crash_mid_dispatch_loses_and_doubles_nothing(live_stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=live_stack.url("gateway"), timeout=60) as gw:
        admin, banner, banner2 = [await login(gw, u) for u in ("admin", "banner", "banner2")]
        client = (
            await gw.post(
                "/api/v1/admin/clients",
                json={"name": "代理银行（模拟）", "role": "bank", "region": "150625"},
                headers=admin,
            )
        ).json()
        port = free_port()
        endpoint = await gw.post(
            "/api/v1/payments/webhook-endpoints",
            json={"url": f"http://127.0.0.1:{port}/instructions", "bank_client_id": client["client_id"]},
            headers=admin,
        )
        assert endpoint.status_code == 201, endpoint.text
        approval = await gw.post(
            f"/api/v1/payments/webhook-endpoints/{endpoint.json()['id']}/approve", headers=banner
        )
        assert approval.status_code == 200, approval.text
        async with httpx.AsyncClient(timeout=10) as token_client:
            credentials = ClientCredentials(
                token_client, live_stack.url("gateway"), client["client_id"], client["client_secret"]
            )
            simulator = create_app(
                endpoint.json()["secret"],
                live_stack.url("gateway") + CALLBACK_PATH,
                credentials,
                delay_seconds=0.1,
                respond_delay_seconds=0.5,
            )
            ledger: Ledger = simulator.state.ledger
            async with serving(simulator, port):
                batch = await gw.post(
                    "/api/v1/payments/batches",
                    json={"year": YEAR, "kind": "education", "region": XINI},
                    headers=banner,
                )
                assert batch.status_code == 201, batch.text
                batch_id, total = batch.json()["id"], batch.json()["line_count"]
                assert total >= 15, "the demo township should have enough students for this test"
                assert (
                    await gw.post(f"/api/v1/payments/batches/{batch_id}/submit", headers=banner)
                ).status_code == 200
                assert (
                    await gw.post(f"/api/v1/payments/batches/{batch_id}/approve", headers=banner2)
                ).status_code == 200
                assert (
                    await gw.post(f"/api/v1/payments/batches/{batch_id}/disburse", headers=banner2)
                ).status_code == 200

                await wait_for(lambda: len(ledger.deliveries) >= 3, what="the first instructions")
                live_stack.processes["payments"].kill()
                live_stack.processes["payments"].wait()
                assert len(ledger.deliveries) < total, "the crash should come mid-dispatch"
                live_stack.start("payments")
                await asyncio.to_thread(live_stack.wait_ready, ["payments"])

                async def completed() -> bool:
                    response = await gw.get(f"/api/v1/payments/batches/{batch_id}", headers=banner)
                    return response.status_code == 200 and response.json()["status"] == "completed"

                await wait_for(completed, seconds=150, what="the batch to complete after the crash")

            lines = await all_lines(gw, banner, batch_id)
            assert len(lines) == total
            assert set(ledger.deliveries) == {line["id"] for line in lines}  # none lost
            assert ledger.rejected == 0
            assert ledger.outcomes == {
                line["id"]: line["status"] for line in lines
            }  # each reported and applied once
            assert ledger.callbacks_confirmed == set(ledger.outcomes)
            recon = (
                await gw.get(f"/api/v1/payments/batches/{batch_id}/reconciliation", headers=banner)
            ).json()
            paid = sum(line["amount_fen"] for line in lines if line["status"] == "paid")
            assert (recon["paid_fen"], recon["pending_fen"]) == (paid, 0)
            assert recon["paid_fen"] + recon["failed_fen"] == recon["total_fen"] == batch.json()["total_fen"]
            again = await gw.post(
                "/api/v1/payments/batches",
                json={"year": YEAR, "kind": "education", "region": XINI},
                headers=banner,
            )
            failed = [line for line in lines if line["status"] == "failed"]
            if failed:  # only the failed ones come back for a new batch; the paid never
                assert again.status_code == 201 and again.json()["line_count"] == len(failed)
            else:
                assert again.status_code == 422


def test_the_gateway_documents_and_guards_payments_routes(live_stack: Stack, token_for: TokenFactory) -> None:
    document = httpx.get(live_stack.url("gateway") + "/openapi.json", timeout=60).json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/payments")
        for method in operations
    }
    guarded = {
        (rule.method, unnamed(rule.path))
        for rule in (*RULES, *PAYMENTS_RULES)
        if rule.path.startswith("/api/v1/payments/")
    }
    assert {(method, unnamed(path)) for method, path in documented} == guarded
    for method, path in documented:
        assert known_route(method, re.sub(r"\{[^/]+\}", "x", path)), (method, path)
        operation = document["paths"][path][method.lower()]
        ok = next(code for code in operation["responses"] if code.startswith("2"))
        assert "$ref" in operation["responses"][ok]["content"]["application/json"]["schema"], (method, path)
    gateway = live_stack.url("gateway")
    bank = bearer(token_for("bank", "150625"))
    assert httpx.get(gateway + "/api/v1/payments/batches", headers=bank).status_code == 403
    auditor = bearer(token_for("auditor", "150625"))
    assert (
        httpx.post(gateway + "/api/v1/payments/bank-callbacks", json={}, headers=auditor).status_code == 403
    )
    assert httpx.get(gateway + "/api/v1/payments/policies?year=2025", headers=auditor).status_code == 200
