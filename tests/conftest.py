"""Test harness: every database test runs on SQLite and on PostgreSQL.

Each (backend, process) gets its own database, migrated once per session with the real Alembic
migrations; every test starts from empty tables. Under CI a missing PostgreSQL fails the run.
"""

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from deploy.manage import register_service_clients, seed
from deploy.stack import Stack
from shared.db import create_engine
from shared.migrations import upgrade
from shared.roles import Role
from shared.settings import PROCESSES, Settings
from tests.support.keys import KeyPair, make_keypair

PG_ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# The tests' bank receivers listen here; instructions may go nowhere else.
TEST_BANK_HOSTS = "127.0.0.1"
METRICS_TOKEN = "test-metrics-token"
BACKENDS = ("sqlite", "postgresql")


# Defects found by the whole suite and not yet mended, each named with what fails and why; they run and are
# reported (xfail, not strict: a mended one shows as XPASS), and the README's "Known defects" lists them.
KNOWN_DEFECTS: dict[str, str] = {
    "test_the_gateway_keeps_its_documented_contract[department_officer]": (
        "failed once in 24 runs on a loaded machine (a 503 from an upstream household read is suspected; the "
        "failing case was not captured)"
    ),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Races marked `postgresql_only` are left out on SQLite, which serialises every writer; known defects
    are marked as expected failures with their reason."""
    for item in items:
        reason = KNOWN_DEFECTS.get(item.name) or KNOWN_DEFECTS.get(item.originalname)  # type: ignore[attr-defined]
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
    left_out = {
        item
        for item in items
        if item.get_closest_marker("postgresql_only")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("backend") == "sqlite"
    }
    if left_out:
        config.hook.pytest_deselected(items=list(left_out))
        items[:] = [item for item in items if item not in left_out]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


async def _pg_reachable() -> bool:
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def require_postgres() -> None:
    if asyncio.run(_pg_reachable()):
        return
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}; CI needs it")
    pytest.skip("PostgreSQL is not reachable (set CI=1 to make this a failure)")


def redis_url() -> str:
    """Redis for the live stacks' shared revocation list and rate limits; without it (outside CI) they run
    on the in-process fallback and the tests that need Redis skip."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL}; CI needs it")
        return ""
    return TEST_REDIS_URL


@pytest.fixture(scope="session")
def keypair(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return make_keypair(tmp_path_factory.mktemp("keys"))


async def _create_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _pg_url(name: str) -> str:
    base = make_url(PG_ADMIN_DSN).set(drivername="postgresql+asyncpg", database=name)
    return base.render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        require_postgres()
    return str(request.param)


@contextmanager
def provisioned_databases(backend: str, folder: Path) -> Iterator[dict[str, str]]:
    """One migrated database per process on `backend`, dropped afterwards."""
    run = uuid.uuid4().hex[:8]
    if backend == "sqlite":
        urls = {p: f"sqlite+aiosqlite:///{folder / p}.db" for p in PROCESSES}
    else:
        urls = {p: _pg_url(f"hj_test_{p}_{run}") for p in PROCESSES}
        for url in urls.values():
            asyncio.run(_create_pg_database(str(make_url(url).database)))
    try:
        for process, url in urls.items():
            upgrade(process, url)
        yield urls
    finally:
        if backend == "postgresql":
            for url in urls.values():
                asyncio.run(_drop_pg_database(str(make_url(url).database)))


@pytest.fixture(scope="session")
def database_urls(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Databases for in-process tests; each test empties them first (`clean_databases`)."""
    with provisioned_databases(backend, tmp_path_factory.mktemp("sqlite")) as urls:
        yield urls


def make_settings(urls: dict[str, str], keypair: KeyPair) -> Settings:
    return Settings(
        hangjin_env="test",
        jwt_private_key_file=keypair.private_file,
        jwt_public_key_file=keypair.public_file,
        secret_key="test-secret-key",
        bank_endpoint_hosts=TEST_BANK_HOSTS,
        payment_notice_days=0,  # batches are approved right after submit unless a test posts a notice period
        **{f"{p}_database_url": url for p, url in urls.items()},
    )


@pytest.fixture(scope="session")
def live_stack(backend: str, keypair: KeyPair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The five processes as real servers on free ports, on their own databases with the demo seed."""
    with seeded_stack(backend, keypair, tmp_path_factory.mktemp("live")) as stack:
        yield stack


@contextmanager
def seeded_stack(backend: str, keypair: KeyPair, folder: Path) -> Iterator[Stack]:
    """Fresh databases on `backend` with the demo seed, and the five processes serving them."""
    with provisioned_databases(backend, folder) as urls:
        settings = make_settings(urls, keypair)
        asyncio.run(register_service_clients(settings))
        asyncio.run(seed(settings))
        env = {
            "HANGJIN_ENV": "test",
            "JWT_PRIVATE_KEY_FILE": str(keypair.private_file),
            "JWT_PUBLIC_KEY_FILE": str(keypair.public_file),
            "SECRET_KEY": settings.secret_key,
            "SERVICE_CLIENTS_SECRET": settings.service_clients_secret,
            "METRICS_TOKEN": METRICS_TOKEN,  # as in production: /metrics only with the scrape token
            "LOG_LEVEL": "WARNING",
            "BANK_ENDPOINT_HOSTS": TEST_BANK_HOSTS,
            "PAYMENT_NOTICE_DAYS": "0",
            "REDIS_URL": redis_url(),
            "REDIS_KEY_PREFIX": f"hj-test-{uuid.uuid4().hex[:12]}",  # parallel runs never share a key
            **{f"{p.upper()}_DATABASE_URL": url for p, url in urls.items()},
        }
        stack = Stack(ports={p: free_port() for p in PROCESSES}, env=env)
        try:
            stack.start_all()
            yield stack
        finally:
            stack.stop_all()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings(database_urls: dict[str, str], keypair: KeyPair) -> Settings:
    return make_settings(database_urls, keypair)


# Rows the migrations themselves insert (reference data), kept when a test empties the tables.
MIGRATION_ROWS = {
    "regions": "tier <> 'village'",
    "policy_versions": "version = 1",
    "policy_items": "version_id IN (SELECT id FROM policy_versions WHERE version = 1)",
    "funds": "1 = 1",
}
_tables: dict[str, list[str]] = {}


async def _table_names(conn: AsyncConnection, url: str) -> list[str]:
    """Tables children first, reflected once per database."""
    if url not in _tables:
        metadata = MetaData()
        await conn.run_sync(metadata.reflect)
        _tables[url] = [t.name for t in reversed(metadata.sorted_tables) if t.name != "alembic_version"]
    return _tables[url]


async def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            names = await _table_names(conn, url)
            emptied = [n for n in names if n not in MIGRATION_ROWS]
            if conn.dialect.name == "postgresql" and emptied:
                await conn.execute(
                    text("TRUNCATE " + ", ".join(f'"{n}"' for n in emptied) + " RESTART IDENTITY")
                )
                emptied = []
            for name in names:
                keep = MIGRATION_ROWS.get(name)
                if keep or name in emptied:
                    await conn.execute(
                        text(f'DELETE FROM "{name}"' + (f" WHERE NOT ({keep})" if keep else ""))
                    )
    finally:
        await engine.dispose()


@pytest.fixture
async def clean_databases(database_urls: dict[str, str]) -> None:
    """Every test that touches a database starts from empty tables."""
    for url in database_urls.values():
        await _empty_tables(url)


TokenFactory = Callable[..., str]


@pytest.fixture
def token_for(keypair: KeyPair) -> TokenFactory:
    """Mint a real RS256 token, as the gateway would, for a role and region."""
    from gateway.tokens import TokenIssuer

    issuer = TokenIssuer.from_file(keypair.private_file)

    def _token(role: Role | str, region: str, subject: str | None = None) -> str:
        return issuer.issue(
            subject=subject or f"{role}-{region}", role=Role(role), region=region
        ).access_token

    return _token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def asgi_client_factory() -> AsyncIterator[Callable[..., object]]:
    """Open an in-process client on an app with its lifespan running; closed after the test."""
    async with AsyncExitStack() as stack:

        async def _open(app: object, base_url: str = "http://testserver") -> httpx.AsyncClient:
            await stack.enter_async_context(app.router.lifespan_context(app))  # type: ignore[attr-defined]
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)  # type: ignore[arg-type]
            )

        yield _open
