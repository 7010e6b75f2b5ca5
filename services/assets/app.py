"""The assets service (扶贫资产与产业基金): the asset register and its incomes, dividend plans handed to
payments through the outbox, the industry development fund, entities, products and notices."""

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from services.assets import dividends
from services.assets.clients import PaymentsClient
from services.assets.models import outbox
from services.assets.routes import router
from shared.app import Extension, create_service_app
from shared.outbox import Dispatcher
from shared.registry_client import RegistryClient
from shared.service_auth import ServiceCredentials
from shared.settings import Settings, get_settings

PROCESS = "assets"
TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def peers(settings: Settings) -> Extension:
    """The lifespan extension: one pooled client for the registry and payments, and the outbox
    dispatcher that hands approved dividend plans to payments with this service's own token."""

    @contextlib.asynccontextmanager
    async def extension(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            app.state.registry = RegistryClient(http, settings.registry_url)
            app.state.payments = PaymentsClient(http, settings.payments_url)
            credentials = ServiceCredentials(settings, PROCESS, http)
            app.state.dispatcher = Dispatcher(
                app.state.db,
                outbox,
                {dividends.TOPIC: dividends.handover_handler(app.state.db, app.state.payments, credentials)},
            )
            async with app.state.dispatcher.in_background():
                yield

    return extension


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        process=PROCESS,
        title="杭锦旗 扶贫资产与产业基金 assets",
        routers=[router],
        extensions=[peers(settings)],
        settings=settings,
    )
