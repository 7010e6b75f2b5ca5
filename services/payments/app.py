"""The payments service (惠民惠农补贴发放 payments): policy tables, claims, batches, bank instructions."""

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from fastapi import FastAPI

from services.payments.batches import TOPIC
from services.payments.clients import TIMEOUT, AssetsClient, MonitoringClient
from services.payments.figures import figures_router
from services.payments.models import outbox
from services.payments.routes import router
from services.payments.trends import trends_router
from services.payments.webhooks import BankSender
from shared.app import create_service_app
from shared.crypto import Sealer
from shared.outbox import Dispatcher, RetryPolicy
from shared.registry_client import RegistryClient
from shared.service_auth import ServiceCredentials, TokenSource
from shared.settings import Settings, get_settings

# Backoff from 5 s doubling to an hour between attempts, with jitter, for three days in all (then dead,
# visible in webhook-deliveries and replayable).
BANK_RETRY = RetryPolicy(base_seconds=5.0, max_delay_seconds=3600.0, give_up_after=timedelta(days=3))
BANK_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# One claim round (at most DISPATCH_BATCH deliveries in parallel, each within BANK_TIMEOUT) ends well
# inside the lease; a dispatcher killed mid-round leaves its instructions to be claimed again after it.
DISPATCH_BATCH = 10
DISPATCH_LEASE = timedelta(seconds=30)


def create_app(
    settings: Settings | None = None,
    *,
    registry: RegistryClient | None = None,
    assets: AssetsClient | None = None,
    monitoring: MonitoringClient | None = None,
    credentials: TokenSource | None = None,
    retry_policy: RetryPolicy = BANK_RETRY,
) -> FastAPI:
    """Build the service; tests inject the `registry`, `assets` and `monitoring` clients, this service's
    `credentials` and a fast retry policy."""
    settings = settings or get_settings()
    sealer = Sealer.from_setting(settings.instruction_encryption_keys)

    @contextlib.asynccontextmanager
    async def peers(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            app.state.sealer = sealer
            app.state.registry = registry or RegistryClient(client, settings.service_url("registry"))
            app.state.assets = assets or AssetsClient(client, settings.service_url("assets"))
            app.state.credentials = credentials or ServiceCredentials(settings, "payments", client)
            app.state.monitoring = monitoring or MonitoringClient(
                client, settings.service_url("monitoring"), app.state.credentials
            )
            yield

    @contextlib.asynccontextmanager
    async def bank_dispatcher(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=BANK_TIMEOUT) as client:
            app.state.dispatcher = Dispatcher(
                app.state.db,
                outbox,
                {TOPIC: BankSender(app.state.db, client, settings.bank_endpoint_hosts, sealer)},
                policy=retry_policy,
                batch_size=DISPATCH_BATCH,
                concurrency=DISPATCH_BATCH,
                lease=DISPATCH_LEASE,
            )
            async with app.state.dispatcher.in_background():
                yield

    return create_service_app(
        process="payments",
        title="杭锦旗 惠民惠农补贴发放 payments",
        routers=[router, figures_router, trends_router],
        extensions=[peers, bank_dispatcher],
        settings=settings,
    )
