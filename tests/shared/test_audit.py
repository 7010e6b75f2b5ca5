"""The audit log's hash chain, on both databases: appends verify, an edit or a deletion is found, and
concurrent appends still form one chain (on PostgreSQL through the advisory lock)."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from services.monitoring.models import audit_log
from shared.audit import GENESIS, Actor, append, verify_chain
from shared.db import Database

# SQLModel's session nags about execute() on every Core statement; the kernel is Core on purpose.
pytestmark = pytest.mark.filterwarnings(r"ignore:(?s).*session\.exec\(\):DeprecationWarning")

OFFICIAL = Actor(subject="village-official-1", role="village_official")


async def record(db: Database, n: int, **changes: Any) -> None:
    """Append one audit record describing change number `n`, in its own transaction."""
    async with db.session_scope() as session:
        await append(
            session,
            audit_log,
            actor=OFFICIAL,
            region="150625100201",
            action="update",
            entity="household",
            entity_id=f"hh-{n}",
            before={"category": "ordinary", "n": n},
            after={"category": "marginal", "n": n, "note": "因病致贫", **changes},
        )


async def broken_at(db: Database) -> int | None:
    async with db.session_scope() as session:
        return await verify_chain(session, audit_log)


async def all_rows(db: Database) -> list[dict[str, Any]]:
    async with db.session_scope() as session:
        rows = (await session.execute(select(audit_log).order_by(audit_log.c.seq))).mappings().all()
    return [dict(r) for r in rows]


async def test_an_empty_log_verifies(db: Database) -> None:
    assert await broken_at(db) is None


async def test_appended_records_form_a_chain_that_verifies(db: Database) -> None:
    for n in range(5):
        await record(db, n)
    rows = await all_rows(db)
    assert len(rows) == 5
    assert rows[0]["prev_hash"] == GENESIS
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    assert rows[2]["after"] == {"category": "marginal", "n": 2, "note": "因病致贫"}
    assert (rows[0]["actor"], rows[0]["role"]) == ("village-official-1", "village_official")
    assert await broken_at(db) is None


async def test_records_with_no_before_or_after_verify(db: Database) -> None:
    async with db.session_scope() as session:
        await append(
            session, audit_log, actor=OFFICIAL, region="150625", action="login", entity="user", entity_id="u1"
        )
    await record(db, 1)
    assert await broken_at(db) is None


@pytest.mark.parametrize(
    "tampering",
    [
        {"after": {"category": "ordinary", "n": 2, "note": "因病致贫"}},
        {"before": None},
        {"actor": "someone-else"},
        {"region": "150625101001"},
        {"entity_id": "hh-99"},
    ],
    ids=["after", "before", "actor", "region", "entity_id"],
)
async def test_an_edited_row_is_found(db: Database, tampering: dict[str, Any]) -> None:
    for n in range(5):
        await record(db, n)
    third = (await all_rows(db))[2]["seq"]
    async with db.session_scope() as session:
        await session.execute(update(audit_log).where(audit_log.c.seq == third).values(**tampering))
    assert await broken_at(db) == third


async def test_a_deleted_middle_row_is_found_at_its_successor(db: Database) -> None:
    for n in range(5):
        await record(db, n)
    seqs = [r["seq"] for r in await all_rows(db)]
    async with db.session_scope() as session:
        await session.execute(delete(audit_log).where(audit_log.c.seq == seqs[2]))
    assert await broken_at(db) == seqs[3]


async def test_a_deleted_first_row_is_found(db: Database) -> None:
    for n in range(3):
        await record(db, n)
    seqs = [r["seq"] for r in await all_rows(db)]
    async with db.session_scope() as session:
        await session.execute(delete(audit_log).where(audit_log.c.seq == seqs[0]))
    assert await broken_at(db) == seqs[1]


async def test_a_rehashed_forgery_still_breaks_at_the_next_row(db: Database) -> None:
    for n in range(3):
        await record(db, n)
    rows = await all_rows(db)
    async with db.session_scope() as session:
        await session.execute(
            update(audit_log).where(audit_log.c.seq == rows[1]["seq"]).values(hash="f" * 64)
        )
    assert await broken_at(db) == rows[1]["seq"]


async def test_concurrent_appends_form_one_chain_without_a_fork(db: Database) -> None:
    await asyncio.gather(*(record(db, n) for n in range(12)))
    rows = await all_rows(db)
    assert len(rows) == 12
    assert len({r["prev_hash"] for r in rows}) == 12  # a fork would reuse a predecessor
    assert sorted(r["after"]["n"] for r in rows) == list(range(12))
    assert await broken_at(db) is None
