"""The gateway: token issuer, access policy, reverse proxy to the services, and the officials' pages."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway.assessments import router as people_router
from gateway.audit import router as audit_router
from gateway.metrics import install_gateway_metrics
from gateway.openapi import merged_openapi
from gateway.principal import SESSION_COOKIE
from gateway.ratelimit import RateLimits
from gateway.routes import admin, proxy, router, unrouted
from gateway.tokens import TokenIssuer
from gateway.upstreams import Upstreams, is_proxied
from gateway.web import STATIC_DIR
from gateway.web.errors import install_page_errors
from gateway.web.routes import router as web_router
from shared.app import operation_id
from shared.auth import TokenVerifier
from shared.body_limit import BodyLimit
from shared.db import Database
from shared.errors import PROBLEM_RESPONSES, install_error_handlers
from shared.hardening import Hardening
from shared.health import router as health_router
from shared.observability import RequestIdMiddleware, configure_logging
from shared.revocation import RevocationLookup, open_revocations
from shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.require_secrets("gateway")
    configure_logging("gateway", settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database.from_url(settings.database_url("gateway"), echo=settings.sql_echo)
        app.state.issuer = TokenIssuer.from_file(
            settings.jwt_private_key_file, lifetime=timedelta(minutes=settings.access_token_minutes)
        )
        app.state.revocations = open_revocations(settings)
        app.state.verifier = TokenVerifier.from_file(
            settings.jwt_public_key_file, revocations=app.state.revocations
        )
        app.state.limits = RateLimits.from_settings(settings)
        try:
            async with Upstreams.open(settings, trace_configs=[upstream_calls.trace(settings)]) as upstreams:
                app.state.upstreams = upstreams
                yield
        finally:
            await app.state.revocations.close()
            await app.state.db.dispose()

    app = FastAPI(
        title="杭锦旗巩固衔接系统 gateway",
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        responses=PROBLEM_RESPONSES,
        generate_unique_id_function=operation_id,
    )
    app.state.process = "gateway"
    app.state.settings = settings
    install_error_handlers(app)
    install_page_errors(app)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> dict[str, Any]:
        """The gateway's routes and every service's public API in one document."""
        return await merged_openapi(request.app, request.app.state.upstreams)

    app.include_router(proxy)
    app.include_router(health_router)
    app.include_router(router)
    app.include_router(admin)
    app.include_router(audit_router)
    app.include_router(people_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(unrouted)
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.registry_import_max_bytes
    )
    app.add_middleware(RevocationLookup, cookie=SESSION_COOKIE, checked_elsewhere=is_proxied)
    app.add_middleware(RequestIdMiddleware)
    if settings.trusted_proxies:  # behind the ingress: its X-Forwarded-Proto/For, and no one else's
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.add_middleware(Hardening)
    upstream_calls = install_gateway_metrics(app)
    return app
