"""The agent bank in the fault tests: an API client of role `bank` and the active webhook endpoint at the
gateway, and either the bank simulator (pays every line and calls back) or a silent receiver that only
records instructions, for tests that send the callbacks themselves."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from deploy.bank_simulator import CALLBACK_PATH, ClientCredentials, Ledger, create_app
from deploy.stack import Stack
from tests.conftest import bearer, free_port
from tests.e2e.test_money_path import ok
from tests.payments.test_live import login


@dataclass(frozen=True)
class BankAccount:
    """What payments knows of the bank: where instructions go, the secret both sides sign with, and the
    bank's API client for callbacks."""

    port: int
    secret: str
    client_id: str
    client_secret: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/instructions"


async def open_bank_account(gw: httpx.AsyncClient, admin: dict[str, str]) -> BankAccount:
    """Register a bank API client and make a free port the active endpoint (nothing listens there yet):
    proposed by `admin`, bound to the client, approved by the demo banner official."""
    client = await ok(
        await gw.post(
            "/api/v1/admin/clients",
            json={"name": "代理银行（故障测试）", "role": "bank", "region": "150625"},
            headers=admin,
        ),
        201,
    )
    port = free_port()
    endpoint = await ok(
        await gw.post(
            "/api/v1/payments/webhook-endpoints",
            json={"url": f"http://127.0.0.1:{port}/instructions", "bank_client_id": client["client_id"]},
            headers=admin,
        ),
        201,
    )
    approver = await login(gw, "banner")
    await ok(await gw.post(f"/api/v1/payments/webhook-endpoints/{endpoint['id']}/approve", headers=approver))
    return BankAccount(port, endpoint["secret"], client["client_id"], client["client_secret"])


async def bank_headers(gw: httpx.AsyncClient, account: BankAccount) -> dict[str, str]:
    """The bank's own token (client credentials), as it calls back."""
    response = await gw.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": account.client_id,
            "client_secret": account.client_secret,
        },
    )
    return bearer((await ok(response))["access_token"])


@asynccontextmanager
async def simulated_bank(stack: Stack, account: BankAccount, records: list[Ledger]) -> AsyncIterator[FastAPI]:
    """The bank simulator for `account`, paying every line; its ledger joins `records`. Not listening
    until the test serves it (`tests.payments.test_live.serving`), so a test decides when the bank is up."""
    async with httpx.AsyncClient(timeout=10) as token_client:
        credentials = ClientCredentials(
            token_client, stack.url("gateway"), account.client_id, account.client_secret
        )
        app = create_app(
            account.secret,
            stack.url("gateway") + CALLBACK_PATH,
            credentials,
            delay_seconds=0.05,
            failure_percent=0,
        )
        records.append(app.state.ledger)
        yield app
