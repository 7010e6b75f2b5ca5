"""Payments in-process: the real registry app behind an ASGI transport, the payments app on top of it,
the plan's policy version (migration rows the harness keeps when it empties the tables), and a real bank
receiver."""

import asyncio
import importlib.util
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiohttp import web
from standardwebhooks import Webhook

import services.payments
from services.payments.app import create_app as create_payments
from services.payments.clients import AssetsClient
from services.registry.app import create_app as create_registry
from services.registry.seed import seed_villages
from shared.db import Database
from shared.outbox import RetryPolicy
from shared.registry_client import RegistryClient
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import account, household, member

ASIER, BAYIN, HUANGHE = "150625100201", "150625100202", "150625101202"
XINI, BALAGONG, BANNER = "150625100", "150625101", "150625"
FAST = RetryPolicy(base_seconds=0.05, max_delay_seconds=0.2)
YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year  # claims are taken for the current year


def payments_migration(slug: str) -> Any:
    """A payments migration as a module: those that seed policy figures (the rule tests check them)."""
    folder = Path(services.payments.__file__).parent / "migrations" / "versions"
    [path] = folder.glob(f"*-{slug}.py")
    spec = importlib.util.spec_from_file_location(f"payments_{slug}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PLAN = payments_migration("policies_claims_batches")  # version 1 as first seeded
SAFETY_NET_PLAN = payments_migration("safety_net_and_rewards")  # its safety net, computed since


@pytest.fixture
async def registry(settings: Settings, clean_databases: None, asgi_client_factory) -> httpx.AsyncClient:
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        await seed_villages(session)
    await db.dispose()
    return await asgi_client_factory(create_registry(settings))


@dataclass
class FixedToken:
    """The payments service's own credentials, as a token minted for `svc-payments`."""

    value: str

    async def token(self) -> str:
        return self.value


@dataclass
class AssetsPlans:
    """The assets service's plan read, as payments calls it: the plans put here, each shown only to the
    payments service's own token (every read is kept in `reads`)."""

    token: str
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.reads.append(request.url.path)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return httpx.Response(403)
        plan = self.plans.get(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(200, json=plan) if plan else httpx.Response(404)


@pytest.fixture
def assets_plans(token_for: TokenFactory) -> AssetsPlans:
    return AssetsPlans(token_for("service", BANNER, "svc-payments"))


@pytest.fixture
async def payments(
    settings: Settings, registry: httpx.AsyncClient, assets_plans: AssetsPlans, asgi_client_factory
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(assets_plans.handle)) as assets_http:
        app = create_payments(
            settings,
            registry=RegistryClient(registry, str(registry.base_url)),
            assets=AssetsClient(assets_http, "http://assets"),
            credentials=FixedToken(assets_plans.token),
            retry_policy=FAST,
        )
        yield await asgi_client_factory(app)


@pytest.fixture
def as_role(token_for: TokenFactory) -> Callable[..., dict[str, str]]:
    def _headers(role: str, region: str = BANNER, subject: str | None = None) -> dict[str, str]:
        return bearer(token_for(role, region, subject))

    return _headers


@pytest.fixture
def people(as_role: Callable[..., dict[str, str]]) -> dict[str, dict[str, str]]:
    return {
        "asier": as_role("village_official", ASIER, "asier"),
        "bayin": as_role("village_official", BAYIN, "bayin"),
        "xini": as_role("township_official", XINI, "xini"),
        "balagong": as_role("township_official", BALAGONG, "balagong"),
        "banner": as_role("banner_official", BANNER, "banner"),
        "banner2": as_role("banner_official", BANNER, "banner2"),
        "banner3": as_role("banner_official", BANNER, "banner3"),
        "admin": as_role("banner_admin", BANNER, "admin"),
        "bank": as_role("bank", BANNER, "bank-client"),
    }


async def register_household(
    registry: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    region: str = ASIER,
    category: str = "lifted_supported",
    members: list[dict[str, Any]] | None = None,
    payee_account: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A household with a payee account (`account()` unless given): batches hold out those without."""
    body = household(
        region_code=region, category=category, members=members, payee_account=payee_account or account()
    )
    response = await registry.post("/api/v1/households", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def students(*stages: str) -> list[dict[str, Any]]:
    return [member("巴特尔", "head")] + [
        member(f"学生{i}", "child", school_stage=s) for i, s in enumerate(stages)
    ]


# --- a real bank receiver -----------------------------------------------------------------------------


@dataclass
class BankReceiver:
    """The agent bank: verifies each instruction's signature with the standardwebhooks library, answers
    `status`, and counts instructions by id (a repeat of one webhook-id is the same instruction)."""

    secret: str
    port: int
    status: int = 200
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    busy: int = 0
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/instructions"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            event = Webhook(self.secret).verify(body, dict(request.headers))
        except Exception:
            self.rejected += 1
            return web.Response(status=400, text="bad signature")
        if self.status != 200:
            self.busy += 1
            return web.Response(status=self.status, headers={"Retry-After": "0"}, text="busy")
        assert request.headers["webhook-id"] == event["data"]["instruction_id"]
        self.deliveries.append(event)
        return web.json_response({"accepted": event["data"]["instruction_id"]})

    def instructions(self) -> Counter[str]:
        return Counter(d["data"]["instruction_id"] for d in self.deliveries)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/instructions", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@asynccontextmanager
async def bank_receiver(secret: str, port: int, *, started: bool = True) -> AsyncIterator[BankReceiver]:
    receiver = BankReceiver(secret=secret, port=port)
    if started:
        await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


async def wait_for(predicate: Callable[[], Any], *, seconds: float = 20.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def signed(
    secret: str,
    body: dict[str, Any],
    *,
    webhook_id: str,
    at: datetime | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A bank callback signed the Standard Webhooks way."""
    raw = json.dumps(body, ensure_ascii=False)
    at = at or datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, raw),
    }
    return raw.encode(), headers
