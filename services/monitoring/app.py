"""The monitoring service (防返贫动态监测与帮扶 monitoring)."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI

from services.monitoring.clients import RegistryClient
from services.monitoring.deliveries import (
    CATEGORY_CHANGE,
    GUARANTEES,
    MEMBER_FLAGS,
    category_change_handler,
    guarantees_handler,
    member_flags_handler,
)
from services.monitoring.employment_routes import employment_router
from services.monitoring.figures import figures_router
from services.monitoring.guarantee_routes import guarantee_router
from services.monitoring.models import outbox, utcnow
from services.monitoring.reward_routes import reward_router
from services.monitoring.routes import router
from services.monitoring.trends import trends_router
from shared.app import Extension, create_service_app
from shared.outbox import Dispatcher
from shared.registry_client import TIMEOUT
from shared.service_auth import ServiceCredentials
from shared.settings import Settings, get_settings


def registry_link(http_client: httpx.AsyncClient | None) -> Extension:
    """The registry client on `app.state.registry`: one pooled httpx client (or the one given, for tests
    that route it in-process), and this service's own credentials for background calls."""

    @asynccontextmanager
    async def extension(app: FastAPI) -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        async with AsyncExitStack() as stack:
            client = http_client or await stack.enter_async_context(httpx.AsyncClient(timeout=TIMEOUT))
            credentials = ServiceCredentials(settings, "monitoring", client)
            app.state.registry = RegistryClient(client, settings.registry_url, credentials=credentials)
            yield

    return extension


@asynccontextmanager
async def dispatcher(app: FastAPI) -> AsyncIterator[None]:
    """Deliver the outbox (a confirmation's registry category, a visit's 三保障 flags) in the background."""
    registry = app.state.registry
    handlers = {
        CATEGORY_CHANGE: category_change_handler(registry),
        GUARANTEES: guarantees_handler(registry),
        MEMBER_FLAGS: member_flags_handler(registry),
    }
    app.state.dispatcher = Dispatcher(app.state.db, outbox, handlers)
    async with app.state.dispatcher.in_background():
        yield


def create_app(settings: Settings | None = None, *, http_client: httpx.AsyncClient | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        process="monitoring",
        title="杭锦旗 防返贫动态监测与帮扶 monitoring",
        routers=[router, figures_router, trends_router, employment_router, guarantee_router, reward_router],
        extensions=[registry_link(http_client), dispatcher],
        settings=settings,
    )
    app.state.clock = utcnow  # replaced by tests that move time
    return app
