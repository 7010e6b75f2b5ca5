"""In-process monitoring with the real registry and gateway apps behind its HTTP client (nothing stubbed),
a clock tests can move, and small helpers to register households and walk cases through the procedure."""

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from deploy.manage import register_service_clients
from gateway.app import create_app as create_gateway
from services.monitoring.app import create_app as create_monitoring
from services.registry.app import create_app as create_registry
from services.registry.seed import seed_villages
from shared.db import Database
from shared.months import BEIJING
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import household, member

AppClients = Callable[..., Awaitable[httpx.AsyncClient]]
ASIER, BAYIN, XINI = "150625100201", "150625100202", "150625100"
HUANGHE, BALAGONG, BANNER = "150625101202", "150625101", "150625"


@dataclass
class Clock:
    """`app.state.clock` for tests: now, until a test moves it."""

    now: datetime = field(default_factory=lambda: datetime.now(BEIJING))  # the service's zone: one today

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CountingTransport(httpx.AsyncBaseTransport):
    """Routes monitoring's calls to the in-process registry and gateway, counting them by path."""

    def __init__(self, apps: dict[str, FastAPI]):
        self.transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}
        self.calls: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[f"{request.method} {request.url.path}"] += 1
        return await self.transports[request.url.host].handle_async_request(request)


@dataclass
class Services:
    registry: httpx.AsyncClient
    monitoring: httpx.AsyncClient
    app: FastAPI
    transport: CountingTransport
    clock: Clock
    token_for: TokenFactory

    def headers(self, role: str, region: str, subject: str | None = None) -> dict[str, str]:
        return bearer(self.token_for(role, region, subject))

    async def register(self, region: str = ASIER, **fields: Any) -> dict[str, Any]:
        """A household registered by the village official of `region`, through the registry's API."""
        response = await self.registry.post(
            "/api/v1/households",
            json=household(region_code=region, **fields),
            headers=self.headers("village_official", region),
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def open_case(self, household_id: str, region: str = ASIER, **fields: Any) -> dict[str, Any]:
        body = {
            "household_id": household_id,
            "source": "village_screening",
            "risk_types": ["illness"],
            "description": "户主突发脑梗住院，自付医疗费用较高",
            **fields,
        }
        response = await self.monitoring.post(
            "/api/v1/monitoring/cases", json=body, headers=self.headers("village_official", region)
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def step(
        self, case_id: str, action: str, role: str, region: str, comment: str | None = "同意"
    ) -> httpx.Response:
        return await self.monitoring.post(
            f"/api/v1/monitoring/cases/{case_id}/transitions",
            json={"action": action, "comment": comment},
            headers=self.headers(role, region),
        )

    async def to_notice(self, case_id: str, village: str = ASIER) -> dict[str, Any]:
        """Walk a case to the public notice, each step by its tier."""
        township = village[:9]
        for action, role, region in (
            ("village_review", "work_team", village),  # the work team signs, then the committee
            ("village_review", "village_official", village),
            ("data_comparison", "department_officer", BANNER),
            ("township_review", "township_official", township),
            ("publish_notice", "township_official", township),
        ):
            response = await self.step(case_id, action, role, region)
            assert response.status_code == 200, response.text
        return dict(response.json())

    async def confirmed(self, household_id: str, village: str = ASIER) -> dict[str, Any]:
        case = await self.open_case(household_id, village)
        await self.to_notice(case["id"], village)
        self.clock.advance(days=5, seconds=1)
        response = await self.step(case["id"], "confirm", "banner_official", BANNER)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def calls(self, path: str) -> int:
        return sum(n for key, n in self.transport.calls.items() if key.endswith(path))


@pytest.fixture
async def services(
    settings: Settings, clean_databases: None, asgi_client_factory: AppClients, token_for: TokenFactory
) -> Services:
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        await seed_villages(session)
    await db.dispose()
    await register_service_clients(settings)
    registry_app, gateway_app = create_registry(settings), create_gateway(settings)
    registry = await asgi_client_factory(registry_app)
    await asgi_client_factory(gateway_app)
    transport = CountingTransport({"registry": registry_app, "gateway": gateway_app})
    # In-process transports hold no connections, so this client needs no closing.
    http = httpx.AsyncClient(transport=transport)
    linked = settings.model_copy(update={"registry_url": "http://registry", "gateway_url": "http://gateway"})
    app = create_monitoring(linked, http_client=http)
    clock = Clock()
    app.state.clock = clock
    monitoring = await asgi_client_factory(app)
    return Services(registry, monitoring, app, transport, clock, token_for)


def lifted_household(**fields: Any) -> dict[str, Any]:
    """Fields for a household lifted out of poverty, whose head can work."""
    return {"category": "lifted_supported", "lifted_year": 2019, **fields}


def no_labour_members() -> list[dict[str, Any]]:
    return [
        member("巴特尔", "head", labour_ability="none"),
        member("其其格", "spouse", labour_ability="none"),
    ]
