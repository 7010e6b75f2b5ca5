"""The common frame of every service: database, token verification, errors, request ids, health."""

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.audit_api import audit_router
from shared.auth import TokenVerifier, get_principal
from shared.body_limit import BodyLimit
from shared.db import Database
from shared.errors import PROBLEM_RESPONSES, DomainError, install_error_handlers, problem_response
from shared.hardening import Hardening
from shared.health import router as health_router
from shared.metrics import OutboxMetrics, install
from shared.migrations import upgrade
from shared.observability import RequestIdMiddleware, configure_logging
from shared.revocation import RevocationLookup, open_revocations
from shared.settings import Settings, get_settings

Extension = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def operation_id(route: APIRoute) -> str:
    """The route function's name (`list_households`): the name partners' generated clients call it by."""
    return route.name


class RequireToken:
    """Deny by default: every `/api/` request needs a valid bearer token before it is even routed.

    The principal is left on the request for `PrincipalDep`; the internal network is not trusted.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            request = Request(scope)
            try:
                get_principal(request)
            except DomainError as exc:
                response = problem_response(
                    exc.status, exc.title, exc.detail, request=request, headers=exc.headers
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_service_app(
    *,
    process: str,
    title: str,
    routers: Sequence[APIRouter] = (),
    extensions: Sequence[Extension] = (),
    settings: Settings | None = None,
) -> FastAPI:
    """Build one service: its routers behind token auth, plus health, errors, request ids and metrics.

    `extensions` are async context managers entered in the lifespan after the database is open
    (the outbox dispatcher, clients of other services).
    """
    settings = settings or get_settings()
    settings.require_secrets(process)
    configure_logging(process, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.database_url(process)
        if settings.migrate_on_start:
            await asyncio.to_thread(upgrade, process, url)
        app.state.db = Database.from_url(url, echo=settings.sql_echo)
        app.state.revocations = open_revocations(settings)
        app.state.verifier = TokenVerifier.from_file(
            settings.jwt_public_key_file, revocations=app.state.revocations
        )
        try:
            async with AsyncExitStack() as stack:
                for extension in extensions:
                    await stack.enter_async_context(extension(app))
                yield
        finally:
            await app.state.revocations.close()
            await app.state.db.dispose()

    app = FastAPI(
        title=title,
        version="1.0.0",
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
        generate_unique_id_function=operation_id,
    )
    app.state.process = process
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(audit_router(process))
    for router in routers:
        app.include_router(router)
    app.add_middleware(RequireToken)
    app.add_middleware(RevocationLookup)
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.registry_import_max_bytes
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(Hardening)
    install(app).on_scrape(OutboxMetrics(app))  # every service's database holds an outbox
    return app
