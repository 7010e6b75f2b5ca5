"""The audit log: every change, who made it, before and after — chained by hash so that an edited or
deleted row is detected by `verify_chain` (MISSION.md §6)."""

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal

GENESIS = "0" * 64


def audit_columns() -> list[Column[Any]]:
    """The columns of `audit_log`, for the table and for each service's first migration."""
    return [
        Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("id", Uuid, nullable=False, unique=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor", String(128), nullable=False),
        Column("role", String(32), nullable=False),
        Column("region", String(12), nullable=False),
        Column("action", String(64), nullable=False),
        Column("entity", String(64), nullable=False),
        Column("entity_id", String(64), nullable=False, index=True),
        Column("before", JSON, nullable=True),
        Column("after", JSON, nullable=True),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False, unique=True),
    ]


def audit_table(metadata: MetaData) -> Table:
    return Table("audit_log", metadata, *audit_columns())


@dataclass(frozen=True)
class Actor:
    """Who made a change: a principal, or a service acting on a delivered message."""

    subject: str
    role: str

    @classmethod
    def of(cls, principal: Principal) -> "Actor":
        return cls(principal.subject, principal.role.value)


def _utc_text(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def chain_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the row's canonical JSON."""
    body = {
        "id": str(row["id"]),
        "at": _utc_text(row["at"]),
        **{
            k: row[k] for k in ("actor", "role", "region", "action", "entity", "entity_id", "before", "after")
        },
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


async def _lock_chain(session: AsyncSession) -> None:
    """Serialise appends so two transactions never chain onto the same predecessor.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writers are already serialised (BEGIN IMMEDIATE).
    """
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('audit_log'))"))


@dataclass(frozen=True)
class Change:
    """One change to record: what happened to which record, in which region, before and after."""

    region: str
    action: str
    entity: str
    entity_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


async def append(session: AsyncSession, table: Table, *, actor: Actor, **change: Any) -> None:
    """Add one audit record in the caller's transaction; `region` is the changed record's, for scope."""
    await append_many(session, table, actor=actor, changes=[Change(**change)])


async def append_many(session: AsyncSession, table: Table, *, actor: Actor, changes: list[Change]) -> None:
    """Add audit records for a bulk change: one lock, one read of the chain's end, one multi-row insert."""
    if not changes:
        return
    await _lock_chain(session)
    last = select(table.c.hash).order_by(table.c.seq.desc()).limit(1)
    prev = (await session.execute(last)).scalar() or GENESIS
    now = datetime.now(UTC)
    rows = []
    for change in changes:
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "at": now,
            "actor": actor.subject,
            "role": actor.role,
            "region": change.region,
            "action": change.action,
            "entity": change.entity,
            "entity_id": change.entity_id,
            "before": _jsonable(change.before),
            "after": _jsonable(change.after),
            "prev_hash": prev,
        }
        row["hash"] = prev = chain_hash(row["prev_hash"], row)
        rows.append(row)
    await session.execute(table.insert(), rows)


def _jsonable(value: Mapping[str, Any] | None) -> Any:
    return None if value is None else json.loads(json.dumps(value, default=str))


async def verify_chain(session: AsyncSession, table: Table) -> int | None:
    """The `seq` of the first record that breaks the chain, or None when the whole log verifies."""
    prev = GENESIS
    result = await session.stream(select(table).order_by(table.c.seq))
    async for row in result.mappings():
        if row["prev_hash"] != prev or chain_hash(prev, row) != row["hash"]:
            return int(row["seq"])
        prev = row["hash"]
    return None
