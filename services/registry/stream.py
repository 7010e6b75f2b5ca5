"""The registry's bulk read for services: households in scope as NDJSON, one compact line each.

A payment run covers every household of a banner — at province scale a million (ARCHITECTURE.md
"Bulk paths"). The stream walks the caller's households by household number in keyset pages, each page in
its own short read (SQLite takes its write lock on BEGIN, so one read across a long response would hold
off every writer), with two queries per page however large the page. A line carries only what batch work
needs: the household's id, number, village and category, the head as payee (name and masked ID number),
and members' birth dates and school stages; with `school=true`, only households with someone in school,
and only those members.
"""

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import exists, select
from sqlmodel import col

from services.registry.enums import Category, Relation, SchoolStage
from services.registry.models import Household, Member
from shared.auth import Principal
from shared.db import Database
from shared.scope import narrowed

STREAM_PAGE = 5000  # households per keyset page: two queries each
NDJSON = "application/x-ndjson"


class NDJSONResponse(StreamingResponse):
    media_type = NDJSON


class StreamMember(BaseModel):
    id: uuid.UUID
    name: str
    relation: Relation
    birth_date: date
    school_stage: SchoolStage


class StreamHousehold(BaseModel):
    """One NDJSON line of `GET /api/v1/households/stream`."""

    id: uuid.UUID
    number: str
    region_code: str
    category: Category
    head_name: str
    head_id_masked: str
    members: list[StreamMember]


def _in_school() -> Any:
    return col(Member.school_stage) != SchoolStage.none


def _households(
    principal: Principal, region: str | None, categories: Sequence[Category], school: bool
) -> Any:
    statement = narrowed(
        select(
            Household.id, Household.number, Household.region_code, Household.category, Household.head_name
        ),
        Household.region_code,
        principal,
        region,
    )
    if categories:
        statement = statement.where(col(Household.category).in_([str(c) for c in categories]))
    if school:
        statement = statement.where(exists().where(Member.household_id == Household.id, _in_school()))
    return statement.order_by(col(Household.number))


def _members(page: Any, school: bool) -> Any:
    """The members of the page's households (the head always, as the payee), by joining the page's key
    range rather than listing thousands of ids."""
    households = page.order_by(None).subquery()
    statement = select(
        Member.household_id,
        Member.id,
        Member.name,
        Member.relation,
        Member.id_masked,
        Member.birth_date,
        Member.school_stage,
    ).join(households, households.c.id == Member.household_id)
    if school:
        statement = statement.where((col(Member.relation) == Relation.head) | _in_school())
    return statement.order_by(col(Member.position))


def _line(household: Any, members: list[Any], school: bool) -> bytes:
    head = next((m for m in members if m.relation == Relation.head), None)
    listed = [m for m in members if m.school_stage != SchoolStage.none] if school else members
    item = {
        "id": str(household.id),
        "number": household.number,
        "region_code": household.region_code,
        "category": household.category,
        "head_name": head.name if head else household.head_name,
        "head_id_masked": head.id_masked if head else "",
        "members": [
            {
                "id": str(m.id),
                "name": m.name,
                "relation": m.relation,
                "birth_date": m.birth_date.isoformat(),
                "school_stage": m.school_stage,
            }
            for m in listed
        ],
    }
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def stream_households(
    db: Database,
    *,
    principal: Principal,
    region: str | None,
    categories: Sequence[Category],
    school: bool,
) -> AsyncIterator[bytes]:
    """NDJSON of the caller's households (narrowed to `region` and `categories`) in household-number order,
    a page's lines in one chunk."""
    statement = _households(principal, region, categories, school)
    last = ""
    while True:
        async with db.session_scope() as session:
            page = (
                await session.execute(statement.where(col(Household.number) > last).limit(STREAM_PAGE))
            ).all()
            if not page:
                return
            within = statement.where(col(Household.number) > last, col(Household.number) <= page[-1].number)
            members: dict[uuid.UUID, list[Any]] = {}
            for m in (await session.execute(_members(within, school))).all():
                members.setdefault(m.household_id, []).append(m)
        yield b"".join(_line(h, members.get(h.id, []), school) for h in page)
        if len(page) < STREAM_PAGE:
            return
        last = page[-1].number
