"""The registry's bulk read for services: households in scope as NDJSON, one compact line each.

A payment run covers every household of a banner — at province scale a million (ARCHITECTURE.md
"Bulk paths"). The stream walks the caller's households by household number in keyset pages, each page in
its own short read (SQLite takes its write lock on BEGIN, so one read across a long response would hold
off every writer), with one query per page however large the page. A line carries only what batch work
needs: the household's id, number, village and category, the head as payee (name and the masked ID
number stored beside the encrypted one, so nothing is decrypted) and members' birth dates and school
stages; with `school=true`, only households with someone in school, and only those members.

The database writes each line itself (PostgreSQL's `json_build_object`/`json_agg`, SQLite's
`json_object`/`json_group_array`): Python only joins a page's lines, so the stream's cost is the query's,
not an object and an encoding per household and member.
"""

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import String, and_, cast, exists, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased
from sqlmodel import col

from services.registry.enums import Category, Relation, SchoolStage
from services.registry.models import Household, Member
from shared.auth import Principal
from shared.db import Database
from shared.scope import narrowed

STREAM_PAGE = 5000  # households per keyset page: one query each
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


class _Json:
    """The dialect's JSON builders, the one place PostgreSQL and SQLite differ here."""

    def __init__(self, postgresql: bool):
        self.postgresql = postgresql

    def object(self, **fields: Any) -> Any:
        build = func.json_build_object if self.postgresql else func.json_object
        return build(*(part for name, value in fields.items() for part in (literal(name), value)))

    def uuid(self, column: Any) -> Any:
        """A UUID as its canonical text (SQLite stores 32 hex digits without dashes)."""
        if self.postgresql:
            return column
        parts = [
            func.substr(column, start, length)
            for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        ]
        return func.printf("%s-%s-%s-%s-%s", *parts)

    def members(self, school: bool) -> Any:
        """The household's members (with `school`, only those in school) as a JSON array in position order."""
        where = [Member.household_id == Household.id, *([_in_school()] if school else [])]
        item = self.object(
            id=self.uuid(Member.id),
            name=Member.name,
            relation=Member.relation,
            birth_date=Member.birth_date,
            school_stage=Member.school_stage,
        )
        if self.postgresql:
            return (
                select(func.json_agg(aggregate_order_by(item, col(Member.position))))
                .where(*where)
                .scalar_subquery()
            )
        ordered = (
            select(item.label("item"))
            .where(*where)
            .order_by(col(Member.position))
            .correlate(Household)
            .subquery()
        )
        return func.json(select(func.json_group_array(func.json(ordered.c.item))).scalar_subquery())

    def text(self, value: Any) -> Any:
        return cast(value, String) if self.postgresql else value


def _lines(
    principal: Principal, region: str | None, categories: Sequence[Category], school: bool, postgresql: bool
) -> Any:
    """(number, line) of the caller's households in number order; the head joined once as the payee."""
    json = _Json(postgresql)
    head = aliased(Member)
    line = json.object(
        id=json.uuid(Household.id),
        number=Household.number,
        region_code=Household.region_code,
        category=Household.category,
        head_name=func.coalesce(head.name, Household.head_name),
        head_id_masked=func.coalesce(head.id_masked, ""),
        members=json.members(school),
    )
    statement = narrowed(
        select(Household.number, json.text(line)), Household.region_code, principal, region
    ).outerjoin(head, and_(head.household_id == Household.id, head.relation == Relation.head))
    if categories:
        statement = statement.where(col(Household.category).in_([str(c) for c in categories]))
    if school:
        statement = statement.where(exists().where(Member.household_id == Household.id, _in_school()))
    return statement.order_by(col(Household.number))


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
    statement = _lines(principal, region, categories, school, db.is_postgres)
    last = ""
    while True:
        async with db.session_scope() as session:
            page = (
                await session.execute(statement.where(col(Household.number) > last).limit(STREAM_PAGE))
            ).all()
        if not page:
            return
        yield "".join(f"{line}\n" for _, line in page).encode()
        if len(page) < STREAM_PAGE:
            return
        last = page[-1][0]
