"""Users and API clients: sign-in checks and administration."""

import asyncio
import secrets

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway.models import ApiClient, User, audit_log
from gateway.passwords import hash_secret, verify_secret
from gateway.schemas import ClientCreate, ClientCreated, ClientPublic, UserCreate, UserPublic
from shared import audit
from shared.auth import Principal
from shared.db import Database
from shared.errors import Conflict, Invalid, Unauthorized
from shared.roles import ASSIGNABLE_ROLES, ROLE_LABELS, Role, role_fits_region

BAD_CREDENTIALS = "用户名或密码错误"


async def authenticate(db: Database, *, kind: str, name: str, secret: str) -> tuple[str, Role, str]:
    """Check a password (kind `user`) or client secret (kind `client`); returns (subject, role, region).

    Callers go through `gateway.signin.sign_in`, which counts the failures.
    """
    async with db.session_scope() as session:
        model = User if kind == "user" else ApiClient
        column = User.username if kind == "user" else ApiClient.client_id
        account = (await session.exec(select(model).where(column == name))).first()
    stored_hash = None
    if account is not None and account.is_active:
        stored_hash = account.password_hash if isinstance(account, User) else account.secret_hash
    # Argon2 is CPU-heavy by design: in a worker thread, so concurrent logins never stall the proxy.
    if await asyncio.to_thread(verify_secret, stored_hash, secret):
        assert account is not None
        return name, Role(account.role), account.region
    raise Unauthorized(BAD_CREDENTIALS)


def _check_role_region(role: Role, region: str) -> None:
    if role not in ASSIGNABLE_ROLES:
        raise Invalid.field("role", f"角色 {role} 只属于系统自身的服务，不能分配")
    if not role_fits_region(role, region):
        raise Invalid.field("region", f"{ROLE_LABELS[role]}不能设在该级区域（{region}）")


async def create_user(session: AsyncSession, *, principal: Principal, data: UserCreate) -> UserPublic:
    _check_role_region(data.role, data.region)
    if (await session.exec(select(User).where(User.username == data.username))).first() is not None:
        raise Conflict(f"username {data.username} already exists")
    user = User(
        username=data.username,
        password_hash=hash_secret(data.password),
        role=data.role,
        region=data.region,
        department=data.department,
        display_name=data.display_name,
    )
    session.add(user)
    await session.flush()
    public = UserPublic.model_validate(user, from_attributes=True)
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=user.region,
        action="user.create",
        entity="user",
        entity_id=str(user.id),
        after=public.model_dump(mode="json"),
    )
    return public


async def display_name(session: AsyncSession, *, subject: str) -> str | None:
    """The name a caller is shown by: an official's own, or the name of a client's system."""
    user = (await session.exec(select(User).where(User.username == subject))).first()
    if user is not None:
        return user.display_name
    return (await session.exec(select(ApiClient.name).where(ApiClient.client_id == subject))).first()


async def list_users(session: AsyncSession, *, page: int, page_size: int) -> tuple[list[UserPublic], int]:
    total = (await session.exec(select(func.count()).select_from(User))).one()
    rows = await session.exec(
        select(User).order_by(User.username).offset((page - 1) * page_size).limit(page_size)
    )
    return [UserPublic.model_validate(u, from_attributes=True) for u in rows], total


async def create_client(session: AsyncSession, *, principal: Principal, data: ClientCreate) -> ClientCreated:
    _check_role_region(data.role, data.region)
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=f"cli_{secrets.token_hex(8)}",
        name=data.name,
        secret_hash=hash_secret(secret),
        role=data.role,
        region=data.region,
    )
    session.add(client)
    await session.flush()
    public = ClientPublic.model_validate(client, from_attributes=True)
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=client.region,
        action="client.create",
        entity="api_client",
        entity_id=str(client.id),
        after=public.model_dump(mode="json"),
    )
    return ClientCreated(**public.model_dump(), client_secret=secret)


async def list_clients(session: AsyncSession, *, page: int, page_size: int) -> tuple[list[ClientPublic], int]:
    total = (await session.exec(select(func.count()).select_from(ApiClient))).one()
    rows = await session.exec(
        select(ApiClient).order_by(ApiClient.created_at).offset((page - 1) * page_size).limit(page_size)
    )
    return [ClientPublic.model_validate(c, from_attributes=True) for c in rows], total
