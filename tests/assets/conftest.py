"""Fixtures for the assets service: the real assets and registry apps in process, and a real HTTP peer
on 127.0.0.1 that plays the gateway's token endpoint and the payments contract the assets service
depends on (`services/assets/dividends.py`)."""

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from services.assets.app import create_app
from services.registry.app import create_app as create_registry_app
from services.registry.seed import seed_villages
from shared.db import Database
from shared.registry_client import RegistryClient
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import household

ASIER, BAYIN, XINI, BALAGONG_VILLAGE = "150625100201", "150625100202", "150625100", "150625101201"


@dataclass
class Payments:
    """Plays `POST /api/v1/payments/batches/dividends` and `GET /api/v1/payments/batches/{id}`.

    The first `failures` posts answer 503; `refuse` answers 422; `down` makes every request 503.
    A repeated Idempotency-Key gets the first answer's batch (200), as the contract requires.
    """

    token: str = ""
    failures: int = 0
    refuse: bool = False
    down: bool = False
    keys: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    batches: dict[str, str] = field(default_factory=dict)  # idempotency key → batch id
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    async def token_endpoint(self, request: web.Request) -> web.Response:
        form = await request.post()
        assert form["client_id"] == "svc-assets"
        return web.json_response({"access_token": self.token, "token_type": "bearer", "expires_in": 3600})

    async def create_batch(self, request: web.Request) -> web.Response:
        key = request.headers["Idempotency-Key"]
        self.keys.append(key)
        self.authorizations.append(request.headers.get("Authorization", ""))
        self.bodies.append(await request.json())
        if self.down or self.keys.count(key) <= self.failures:
            return web.Response(status=503, text="payments is restarting")
        if self.refuse:
            return web.json_response({"title": "Unprocessable", "detail": "bad lines"}, status=422)
        if key in self.batches:
            return web.json_response({"batch_id": self.batches[key], "status": "draft"}, status=200)
        self.batches[key] = f"batch-{next(self._ids)}"
        return web.json_response({"batch_id": self.batches[key], "status": "draft"}, status=201)

    async def get_batch(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=503)
        batch_id = request.match_info["batch_id"]
        if batch_id not in self.batches.values():
            return web.json_response({"title": "Not found"}, status=404)
        return web.json_response({"id": batch_id, "status": "approved"})


@pytest.fixture
async def payments(token_for: TokenFactory) -> AsyncIterator[Payments]:
    peer = Payments(token=token_for("service", "150625", "svc-assets"))
    app = web.Application()
    app.router.add_post("/auth/token", peer.token_endpoint)
    app.router.add_post("/api/v1/payments/batches/dividends", peer.create_batch)
    app.router.add_get("/api/v1/payments/batches/{batch_id}", peer.get_batch)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    peer.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield peer
    finally:
        await runner.cleanup()


@pytest.fixture
async def registry(settings: Settings, asgi_client_factory) -> httpx.AsyncClient:
    """The real registry app in process, with the demo villages."""
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        await seed_villages(session)
    await db.dispose()
    return await asgi_client_factory(create_registry_app(settings), "http://registry")


@pytest.fixture
async def app_and_client(
    settings: Settings,
    asgi_client_factory,
    payments: Payments,
    registry: httpx.AsyncClient,
    clean_databases: None,
) -> tuple[Any, httpx.AsyncClient]:
    """The assets app with its lifespan (and outbox dispatcher) running; payments and the gateway's
    token endpoint are the real HTTP peer, the registry is the real registry app in process."""
    assets_settings = settings.model_copy(update={"payments_url": payments.url, "gateway_url": payments.url})
    app = create_app(assets_settings)
    client = await asgi_client_factory(app)
    app.state.registry = RegistryClient(registry, "http://registry")
    return app, client


@pytest.fixture
def assets(app_and_client: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


@pytest.fixture
def as_role(token_for: TokenFactory) -> Callable[..., dict[str, str]]:
    def _headers(
        role: str = "village_official", region: str = ASIER, subject: str | None = None
    ) -> dict[str, str]:
        return bearer(token_for(role, region, subject))

    return _headers


async def register_household(
    registry: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    region: str = ASIER,
    category: str = "lifted_supported",
) -> dict[str, Any]:
    response = await registry.post(
        "/api/v1/households", json=household(region_code=region, category=category), headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def asset_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "阿斯尔嘎查肉羊养殖棚圈",
        "asset_class": "operating",
        "region_code": ASIER,
        "project": "2019年肉羊产业扶贫项目",
        "funding_source": "central",
        "funding_year": 2019,
        "value_fen": 120_000_000,
        **fields,
    }


async def create(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())
