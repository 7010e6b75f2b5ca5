"""A service signs in as itself for background work, through the gateway like any partner system."""

import httpx

from deploy.stack import Stack
from shared.service_auth import ServiceCredentials, service_client_secret
from shared.settings import Settings
from tests.conftest import bearer


async def test_a_service_gets_and_reuses_its_own_token(live_stack: Stack) -> None:
    settings = Settings(gateway_url=live_stack.url("gateway"))
    async with httpx.AsyncClient() as client:
        credentials = ServiceCredentials(settings, "monitoring", client)
        token = await credentials.token()
        assert await credentials.token() == token
        me = (await client.get(live_stack.url("gateway") + "/auth/me", headers=bearer(token))).json()
    assert me == {
        "username": "svc-monitoring",
        "display_name": "monitoring service",
        "role": "service",
        "region": "150625",
    }


async def test_a_wrong_service_secret_is_refused(live_stack: Stack) -> None:
    settings = Settings(gateway_url=live_stack.url("gateway"), service_clients_secret="guessed")
    async with httpx.AsyncClient() as client:
        response = await client.post(
            live_stack.url("gateway") + "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "svc-payments",
                "client_secret": service_client_secret(settings, "payments"),
            },
        )
    assert response.status_code == 401
