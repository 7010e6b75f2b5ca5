"""Token issuing: password and client-credentials grants, the rate limit, /auth/me and the JWKS."""

import httpx
import pytest
from jose import jwk, jwt

from gateway.accounts import create_client
from gateway.app import create_app
from gateway.schemas import ClientCreate
from gateway.seed import DEMO_PASSWORD, seed_users
from shared.auth import Principal
from shared.db import Database
from shared.errors import PROBLEM_JSON
from shared.roles import Role
from shared.settings import JWT_AUDIENCE, JWT_ISSUER, Settings
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("clean_databases")


async def _seeded(settings: Settings) -> None:
    db = Database.from_url(settings.database_url("gateway"))
    async with db.session_scope() as session:
        await seed_users(session)
    await db.dispose()


@pytest.fixture
async def gateway(settings: Settings, asgi_client_factory) -> httpx.AsyncClient:
    await _seeded(settings)
    return await asgi_client_factory(create_app(settings))


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/auth/token", data={"username": username, "password": password})


async def test_password_grant_issues_a_token_verifiable_with_the_published_key(
    gateway: httpx.AsyncClient,
) -> None:
    response = await _login(gateway, "xini", DEMO_PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    [key] = (await gateway.get("/.well-known/jwks.json")).json()["keys"]
    claims = jwt.decode(
        body["access_token"],
        jwk.construct(key, "RS256"),
        algorithms=["RS256"],
        audience=JWT_AUDIENCE,
        issuer=JWT_ISSUER,
    )
    assert (claims["sub"], claims["role"], claims["region"]) == ("xini", "township_official", "150625100")
    assert claims["jti"] and claims["exp"] > claims["iat"]
    assert jwt.get_unverified_header(body["access_token"])["kid"] == key["kid"]


@pytest.mark.parametrize(("username", "password"), [("xini", "wrong-password"), ("nobody", DEMO_PASSWORD)])
async def test_bad_credentials_are_401_problem_json(
    gateway: httpx.AsyncClient, username: str, password: str
) -> None:
    response = await _login(gateway, username, password)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == "用户名或密码错误"


async def test_repeated_failures_lock_the_account_even_for_the_right_password(
    gateway: httpx.AsyncClient,
) -> None:
    for _ in range(5):
        assert (await _login(gateway, "asier", "guess")).status_code == 401
    locked = await _login(gateway, "asier", DEMO_PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert (await _login(gateway, "bayin", DEMO_PASSWORD)).status_code == 200


async def test_a_success_clears_earlier_failures(gateway: httpx.AsyncClient) -> None:
    for _ in range(4):
        await _login(gateway, "asier", "guess")
    assert (await _login(gateway, "asier", DEMO_PASSWORD)).status_code == 200
    for _ in range(4):
        await _login(gateway, "asier", "guess")
    assert (await _login(gateway, "asier", DEMO_PASSWORD)).status_code == 200


async def test_client_credentials_grant(gateway: httpx.AsyncClient, settings: Settings) -> None:
    db = Database.from_url(settings.database_url("gateway"))
    admin = Principal(subject="admin", role=Role.banner_admin, region="150625")
    async with db.session_scope() as session:
        created = await create_client(
            session, principal=admin, data=ClientCreate(name="旗农商银行", role=Role.bank, region="150625")
        )
    await db.dispose()
    grant = {"grant_type": "client_credentials", "client_id": created.client_id}
    ok = await gateway.post("/auth/token", data={**grant, "client_secret": created.client_secret})
    assert ok.status_code == 200
    me = (await gateway.get("/auth/me", headers=bearer(ok.json()["access_token"]))).json()
    assert me == {
        "username": created.client_id,
        "display_name": "旗农商银行",  # a client's system is shown by its name
        "role": "bank",
        "region": "150625",
    }
    assert (await gateway.post("/auth/token", data={**grant, "client_secret": "nope"})).status_code == 401


async def test_missing_form_fields_name_the_field(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/auth/token", data={"username": "xini"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "username"
    bad_grant = await gateway.post("/auth/token", data={"grant_type": "implicit"})
    assert bad_grant.status_code == 422 and bad_grant.json()["errors"][0]["field"] == "grant_type"


async def test_me_requires_a_token(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/auth/me")).status_code == 401
    token = (await _login(gateway, "admin", DEMO_PASSWORD)).json()["access_token"]
    assert (await gateway.get("/auth/me", headers=bearer(token))).json() == {
        "username": "admin",
        "display_name": "王建国",
        "role": "banner_admin",
        "region": "150625",
    }
