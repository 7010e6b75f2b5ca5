"""One async engine and session factory per process, for SQLite (aiosqlite) and PostgreSQL (asyncpg).

Sessions commit in exactly one place, `session_scope` (used by the `SessionDep` dependency and by
background work); services only add and flush.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.sql import sqltypes
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

# A process keeps up to 30 PostgreSQL connections (deploy/k8s/README.md counts them), 20 of them open
# between requests: with fewer kept (10), 50 concurrent reads opened and closed overflow connections all
# the time, a new server process each, and that churn, not the queries, set a service's throughput.
POOL_SIZE = 20
MAX_OVERFLOW = 10
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_base() -> type[SQLModel]:
    """A declarative base with its own metadata, so each service's migrations see only its tables."""
    mapper_registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))

    class Base(SQLModel, registry=mapper_registry):
        pass

    return Base


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Serialise SQLite writers up front (BEGIN IMMEDIATE) instead of failing late on lock upgrades.

    The embedded default serves one banner on one machine; PostgreSQL is the production database.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _in_utc(impl: type[sqltypes.DateTime]) -> type[sqltypes.DateTime]:
    """The dialect's datetime type, storing UTC and reading it back with its offset.

    SQLite (and a column without a time zone) keeps no offset: an aware value would be stored as its wall
    time and every value read back naive, so an API answer would lose its offset (RFC 3339 needs one).
    """

    class UtcDateTime(impl):  # type: ignore[valid-type,misc]
        cache_ok = True

        def bind_processor(self, dialect: Any) -> Any:
            inner = super().bind_processor(dialect)
            keeps_offset = self.timezone and dialect.name != "sqlite"

            def process(value: Any) -> Any:
                if isinstance(value, datetime) and value.tzinfo is not None and not keeps_offset:
                    value = value.astimezone(UTC).replace(tzinfo=None)
                return inner(value) if inner else value

            return process

        def result_processor(self, dialect: Any, coltype: Any) -> Any:
            inner = super().result_processor(dialect, coltype)

            def process(value: Any) -> Any:
                value = inner(value) if inner else value
                if isinstance(value, datetime) and value.tzinfo is None:
                    return value.replace(tzinfo=UTC)
                return value

            return process

    return UtcDateTime


def _datetimes_in_utc(engine: AsyncEngine) -> AsyncEngine:
    """Every datetime column of every table on this engine stores and returns UTC, offset included."""
    dialect = engine.dialect
    impl = dialect.colspecs.get(sqltypes.DateTime, sqltypes.DateTime)
    dialect.colspecs = {**dialect.colspecs, sqltypes.DateTime: _in_utc(impl)}
    return engine


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return _datetimes_in_utc(engine)
    engine = create_async_engine(
        url, echo=echo, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_pre_ping=True
    )
    return _datetimes_in_utc(engine)


@dataclass
class Database:
    """The engine and session factory of one process, kept on `app.state.db`."""

    url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False) -> "Database":
        engine = create_engine(url, echo=echo)
        return cls(url, engine, async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def session_scope(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commit if the block succeeds, roll back otherwise."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


async def get_database(request: Request) -> Database:
    """A coroutine, so FastAPI calls it on the event loop rather than in a worker thread."""
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    async with db.session_scope() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
# Commit before the answer leaves (scope="function"): by default FastAPI ends a yield dependency after the
# response is sent, so a client could be told 201 and read the old state, or never learn the commit failed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
