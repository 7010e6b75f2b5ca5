"""Behind a TLS-terminating ingress: its forwarded scheme makes the session cookie `Secure`, but only when
the request comes from a trusted proxy; every answer says nosniff and names no server; a path with CR/LF
is a 400 problem (in-process; tests/e2e/test_gateway.py checks the real servers)."""

import re

import httpx
import pytest

from gateway.app import create_app
from gateway.principal import SESSION_COOKIE
from gateway.seed import DEMO_PASSWORD, seed_users
from shared.db import Database
from shared.errors import PROBLEM_JSON
from shared.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_databases")
PROXY = "10.0.0.9"


@pytest.fixture
async def app(settings: Settings, asgi_client_factory) -> object:
    db = Database.from_url(settings.database_url("gateway"))
    async with db.session_scope() as session:
        await seed_users(session)
    await db.dispose()
    app = create_app(settings.model_copy(update={"trusted_proxies": PROXY}))
    await asgi_client_factory(app)
    return app


async def _session_cookie(app: object, client: tuple[str, int]) -> str:
    """The Set-Cookie of a page sign-in sent over plain HTTP saying `X-Forwarded-Proto: https`."""
    transport = httpx.ASGITransport(app=app, client=client)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as browser:
        form = await browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        answer = await browser.post(
            "/login",
            data={"username": "banner", "password": DEMO_PASSWORD, "csrf_token": csrf.group(1)},
            headers={"X-Forwarded-Proto": "https", "Cookie": f"hj_csrf={browser.cookies['hj_csrf']}"},
        )
    assert answer.status_code == 303, answer.text
    [cookie] = [c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "=")]
    return cookie


async def test_the_session_cookie_is_secure_behind_a_trusted_ingress(app: object) -> None:
    assert "secure" in (await _session_cookie(app, (PROXY, 443))).lower().split("; ")
    assert "secure" not in (await _session_cookie(app, ("203.0.113.7", 5000))).lower().split("; ")


@pytest.mark.parametrize("path", ["/healthz", "/login", "/auth/me", "/api/v1/regions", "/nowhere"])
async def test_every_answer_says_nosniff_and_names_no_server(app: object, path: str) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        response = await client.get(path)
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert "server" not in response.headers


@pytest.mark.parametrize("path", ["/api/v1/households/%0d%0a", "/households/%0D%0ASet-Cookie:x=1", "/%0a"])
async def test_a_path_with_cr_or_lf_is_a_400_problem(app: object, path: str) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        response = await client.get(path)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["x-content-type-options"] == "nosniff"
