"""Alembic, one environment per process (`gateway/migrations`, `services/<name>/migrations`).

`env.py` of each calls `run_env(metadata)`; `upgrade(process, url)` applies head programmatically
(`make run`, the tests, the Kubernetes migration Job).
"""

import asyncio
import importlib
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from shared.audit import audit_columns
from shared.db import Database, create_engine
from shared.outbox import outbox_columns
from shared.settings import get_settings


def _package(process: str) -> str:
    return process if process == "gateway" else f"services.{process}"


def alembic_config(process: str, url: str) -> Config:
    module = importlib.import_module(_package(process))
    config = Config()
    config.set_main_option("script_location", str(Path(str(module.__file__)).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s-%%(slug)s")
    config.attributes["process"] = process
    return config


def upgrade(process: str, url: str) -> None:
    """Bring `process`'s database to head. Blocking: call from a thread inside an event loop."""
    command.upgrade(alembic_config(process, url), "head")


async def is_current(db: Database, process: str) -> bool:
    """Whether the database is at least at the head revision the code expects.

    A revision this code does not know is a newer one applied by the release being rolled out
    (migrations stay compatible with the previous release), so old pods stay ready meanwhile.
    """
    script = ScriptDirectory.from_config(alembic_config(process, db.url))
    async with db.engine.connect() as conn:
        current = await conn.run_sync(lambda c: set(MigrationContext.configure(c).get_current_heads()))
    if not current:
        return False
    known = {rev.revision for rev in script.walk_revisions()}
    return current == set(script.get_heads()) or not current <= known


def run_env(metadata: MetaData, process: str) -> None:
    """The body of every `env.py`: online migrations over the async engine, batch mode for SQLite."""
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url(process)

    def _run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def _online() -> None:
        engine = create_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
        await engine.dispose()

    asyncio.run(_online())


def create_kernel_tables() -> None:
    """The shared kernel's tables (audit log, outbox), created by each service's first migration."""
    op.create_table("audit_log", *audit_columns())
    op.create_table("outbox", *outbox_columns())
