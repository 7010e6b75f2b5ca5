"""Fixtures for the shared kernel: one migrated `monitoring` database per backend.

The monitoring database holds exactly the kernel tables (`audit_log`, `outbox`), so the audit chain and
the outbox are tested against the real migrations, on SQLite and on PostgreSQL, without depending on
any other process's migrations.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from services.monitoring.models import audit_log, outbox
from shared.db import Database
from shared.migrations import upgrade
from tests.conftest import _create_pg_database, _drop_pg_database, _pg_url


@pytest.fixture(scope="session")
def kernel_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a freshly migrated monitoring database on `backend`, dropped after the session."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('kernel') / 'monitoring.db'}"
    else:
        name = f"hj_test_kernel_{uuid.uuid4().hex[:8]}"
        asyncio.run(_create_pg_database(name))
        url = _pg_url(name)
    upgrade("monitoring", url)
    yield url
    if backend == "postgresql":
        asyncio.run(_drop_pg_database(str(make_url(url).database)))


async def open_empty_database(url: str) -> Database:
    """A `Database` on `url` whose kernel tables have been emptied."""
    db = Database.from_url(url)
    async with db.session_scope() as session:
        await session.execute(delete(audit_log))
        await session.execute(delete(outbox))
    return db


@pytest.fixture
async def db(kernel_database_url: str) -> AsyncIterator[Database]:
    """The kernel database with empty tables, disposed after the test."""
    database = await open_empty_database(kernel_database_url)
    yield database
    await database.dispose()
