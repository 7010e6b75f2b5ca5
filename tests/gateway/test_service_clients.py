"""The services' own clients hold the `service` role, which no one can give an account or a client."""

import pytest
from sqlmodel import func, select

from gateway.accounts import create_client, create_user
from gateway.app import create_app
from gateway.models import ApiClient, User
from gateway.schemas import ClientCreate, UserCreate
from gateway.seed import ensure_service_clients
from shared.auth import Principal
from shared.db import Database
from shared.errors import Invalid
from shared.roles import Role
from shared.service_auth import is_service_client, service_client_id, service_client_secret
from shared.settings import Settings

EMPTY_DATABASES = pytest.mark.usefixtures("clean_databases")
ADMIN = Principal(subject="admin", role=Role.banner_admin, region="150625")


@EMPTY_DATABASES
async def test_service_clients_are_re_roled_from_banner_official(
    settings: Settings, asgi_client_factory
) -> None:
    """A deployment whose service clients were banner officials gets them back as `service` clients."""
    db = Database.from_url(settings.database_url("gateway"))
    async with db.session_scope() as session:
        session.add(
            ApiClient(
                client_id=service_client_id("assets"),
                name="old",
                secret_hash="x",
                role=Role.banner_official,
                region="150625100",
            )
        )
    async with db.session_scope() as session:
        await ensure_service_clients(session, settings)
    async with db.session_scope() as session:
        roles = {(c.role, c.region) for c in (await session.exec(select(ApiClient))).all()}
    await db.dispose()
    assert roles == {(Role.service, "150625")}
    gateway = await asgi_client_factory(create_app(settings))
    form = {
        "grant_type": "client_credentials",
        "client_id": service_client_id("assets"),
        "client_secret": service_client_secret(settings, "assets"),
    }
    token = (await gateway.post("/auth/token", data=form)).json()["access_token"]
    me = (await gateway.get("/auth/me", headers={"authorization": f"Bearer {token}"})).json()
    assert (me["username"], me["role"]) == ("svc-assets", "service")


@EMPTY_DATABASES
async def test_no_account_or_client_can_be_given_the_service_role(settings: Settings) -> None:
    db = Database.from_url(settings.database_url("gateway"))
    async with db.session_scope() as session:
        with pytest.raises(Invalid) as client_refused:
            await create_client(
                session, principal=ADMIN, data=ClientCreate(name="冒充", role=Role.service, region="150625")
            )
        with pytest.raises(Invalid) as user_refused:
            user = UserCreate(username="svc-x", password="long-enough", role=Role.service, region="150625")
            await create_user(session, principal=ADMIN, data=user)
    async with db.session_scope() as session:
        written = (await session.exec(select(func.count()).select_from(ApiClient))).one() + (
            await session.exec(select(func.count()).select_from(User))
        ).one()
    await db.dispose()
    assert [e.field for e in client_refused.value.errors] == ["role"]
    assert [e.field for e in user_refused.value.errors] == ["role"]
    assert written == 0


def test_a_service_client_is_known_by_its_role_and_its_own_subject() -> None:
    assert is_service_client(Principal("svc-assets", Role.service, "150625"), "assets")
    assert not is_service_client(Principal("svc-monitoring", Role.service, "150625"), "assets")
    assert not is_service_client(Principal("svc-assets", Role.banner_official, "150625"), "assets")
