"""Failed sign-ins count per account and address together; the self-report form counts per reporter and
address (in-process, on the memory store; tests/e2e/test_gateway.py shares the count through Redis)."""

import httpx
import pytest

from gateway.app import create_app
from gateway.ratelimit import REPORTS_PER_REPORTER, RateLimits
from gateway.seed import DEMO_PASSWORD, seed_users
from shared.db import Database
from shared.settings import Settings
from tests.support.households import id_number

pytestmark = pytest.mark.usefixtures("clean_databases")
ATTACKER, OFFICE = ("203.0.113.7", 40000), ("198.51.100.20", 40000)
PROXY = "10.0.0.9"


async def _seeded(settings: Settings) -> None:
    db = Database.from_url(settings.database_url("gateway"))
    async with db.session_scope() as session:
        await seed_users(session)
    await db.dispose()


def _from(app: object, client: tuple[str, int]) -> httpx.AsyncClient:
    """Another caller of the same running app, connecting from `client`."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=client), base_url="http://gw")  # type: ignore[arg-type]


async def _login(client: httpx.AsyncClient, password: str, **headers: str) -> int:
    data = {"username": "banner", "password": password}
    return (await client.post("/auth/token", data=data, headers=headers)).status_code


async def test_a_stranger_cannot_lock_an_official_out(settings: Settings, asgi_client_factory) -> None:
    await _seeded(settings)
    app = create_app(settings)
    await asgi_client_factory(app)
    async with _from(app, ATTACKER) as attacker, _from(app, OFFICE) as office:
        assert [await _login(attacker, "guess") for _ in range(5)] == [401] * 5
        assert await _login(attacker, DEMO_PASSWORD) == 429  # the right password too, from there
        assert await _login(office, DEMO_PASSWORD) == 200


async def test_forwarded_addresses_count_only_from_a_trusted_proxy(
    settings: Settings, asgi_client_factory
) -> None:
    await _seeded(settings)
    app = create_app(settings.model_copy(update={"trusted_proxies": PROXY}))
    await asgi_client_factory(app)
    async with _from(app, ATTACKER) as attacker, _from(app, (PROXY, 443)) as ingress:
        # A direct caller cannot pose as a fresh address on each attempt.
        codes = [await _login(attacker, "guess", **{"X-Forwarded-For": f"192.0.2.{n}"}) for n in range(6)]
        assert codes == [401] * 5 + [429]
        # Through the ingress, the original client is the one counted.
        for _ in range(5):
            await _login(ingress, "guess", **{"X-Forwarded-For": ATTACKER[0]})
        assert await _login(ingress, DEMO_PASSWORD, **{"X-Forwarded-For": ATTACKER[0]}) == 429
        assert await _login(ingress, DEMO_PASSWORD, **{"X-Forwarded-For": OFFICE[0]}) == 200


async def test_a_village_office_may_report_for_ten_families_but_not_one_reporter_over_and_over(
    settings: Settings,
) -> None:
    limits = RateLimits.from_settings(settings)
    for _ in range(10):
        assert await limits.report_wait(OFFICE[0], id_number=id_number(), phone="13900001111") == 0
    same = {"id_number": id_number(), "phone": "13900002222"}
    waits = [await limits.report_wait(OFFICE[0], **same) for _ in range(REPORTS_PER_REPORTER.amount + 1)]
    assert waits[:-1] == [0] * REPORTS_PER_REPORTER.amount and waits[-1] > 0
    assert await limits.report_wait(ATTACKER[0], **same) == 0  # the reporter's count is per address
