"""Sign-out revokes, on the in-process fallback (no Redis): the gateway refuses the token afterwards, whether
it came as a bearer or as the pages' session cookie, even though it had verified it before."""

import re

import httpx
import pytest

from gateway.app import create_app
from gateway.principal import SESSION_COOKIE
from gateway.seed import DEMO_PASSWORD, seed_users
from shared.db import Database
from shared.settings import Settings
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("clean_databases")


@pytest.fixture
async def gateway(settings: Settings, asgi_client_factory) -> httpx.AsyncClient:
    assert not settings.redis_url
    db = Database.from_url(settings.database_url("gateway"))
    async with db.session_scope() as session:
        await seed_users(session)
    await db.dispose()
    return await asgi_client_factory(create_app(settings))


async def _token(gateway: httpx.AsyncClient, username: str = "banner") -> str:
    answer = await gateway.post("/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def test_a_token_used_after_logout_is_refused(gateway: httpx.AsyncClient) -> None:
    token, other = await _token(gateway), await _token(gateway)
    assert (await gateway.get("/auth/me", headers=bearer(token))).status_code == 200  # verified and cached
    assert (await gateway.post("/auth/logout", headers=bearer(token))).status_code == 204
    refused = await gateway.get("/auth/me", headers=bearer(token))
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert (await gateway.get("/api/v1/regions", headers=bearer(token))).status_code == 401
    assert (await gateway.post("/auth/logout", headers=bearer(token))).status_code == 401
    assert (await gateway.get("/auth/me", headers=bearer(other))).status_code == 200  # only that sign-in


async def test_logout_needs_a_token(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.post("/auth/logout")).status_code == 401


async def test_page_sign_out_revokes_the_session_token(gateway: httpx.AsyncClient) -> None:
    login = await gateway.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert csrf is not None
    signed_in = await gateway.post(
        "/login", data={"username": "banner", "password": DEMO_PASSWORD, "csrf_token": csrf.group(1)}
    )
    assert signed_in.status_code == 303, signed_in.text
    session_token = gateway.cookies[SESSION_COOKIE]
    assert (await gateway.get("/auth/me", headers=bearer(session_token))).status_code == 200
    page = await gateway.get("/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    assert (await gateway.post("/logout", data={"csrf_token": csrf.group(1)})).status_code == 303
    # A copy of the cookie kept elsewhere opens nothing any more: not the API, not the pages.
    assert (await gateway.get("/auth/me", headers=bearer(session_token))).status_code == 401
    gateway.cookies.set(SESSION_COOKIE, session_token)
    page = await gateway.get("/")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
