"""The household read as the hot path answers it: one query, rows mapped to JSON without ORM objects or
response models.

`GET /households/{id}` is what every service and page looks a household up by; built as ORM objects and a
pydantic model it cost three queries and ~4 ms of CPU. Here the database builds the members and incomes as
JSON arrays beside the household's columns (the builders the stream uses), the scope is in the same WHERE,
and Python only masks or decrypts what the role may see and encodes the answer. The answer is the one
`households.to_public` gives the write routes (a test holds them equal for every role).
"""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from functools import lru_cache
from typing import Any

from fastapi.responses import Response
from pydantic_core import to_json
from sqlalchemy import JSON, bindparam, case, func, literal, null, select, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from services.registry import accounts
from services.registry.households import sees_full_identity, summary_row
from services.registry.models import Household, HouseholdIncome, Member
from services.registry.schemas import HouseholdPublic, MemberPublic
from services.registry.stream import _Json
from shared import months
from shared.auth import Principal
from shared.crypto import FieldCipher
from shared.db import Database
from shared.errors import NotFound
from shared.scope import scope_parameters, scoped_by_parameter

_TABLE = Household.__table__.c  # type: ignore[attr-defined]
# The household's columns the answer shows, in its order (derived from the schema, so a column added to it
# is read here too).
SHOWN = tuple(name for name in HouseholdPublic.model_fields if name in _TABLE)
MEMBER_FLAGS = ("chronic_disease", "serious_illness", "dibao", "tekun", "pension_insurance")


class JsonAnswer(Response):
    media_type = "application/json"

    def __init__(self, content: Any) -> None:
        super().__init__(to_json(content))


def _flag(json_: _Json, column: Any) -> Any:
    """A boolean as JSON true/false (SQLite stores 0/1, which `json_object` would give as numbers)."""
    if json_.postgresql:
        return column
    return func.json(case((column, literal("true")), else_=literal("false")))


def _member_item(json_: _Json, full: bool, today: date) -> Any:
    """One member as the answer shows it; `id_number` is the cipher text for the roles that see it whole
    (decrypted in Python: the key never reaches the database) and the stored mask for the others."""
    fields: dict[str, Any] = {}
    for name in MemberPublic.model_fields:
        if name == "id":
            fields[name] = json_.uuid(Member.id)
        elif name == "id_number":
            fields[name] = Member.id_cipher if full else Member.id_masked
        elif name == "birth_date":
            fields[name] = Member.birth_date if full else null()
        elif name == "age":
            fields[name] = json_.age(Member.birth_date, today)
        elif name in MEMBER_FLAGS:
            fields[name] = _flag(json_, getattr(Member, name))
        else:
            fields[name] = getattr(Member, name)
    return json_.object(**fields)


def _array(json_: _Json, item: Any, order: Any, *where: Any) -> Any:
    """A correlated JSON array of `item` over the rows `where` picks, in `order`; `[]` when none."""
    if json_.postgresql:
        array = select(func.json_agg(aggregate_order_by(item, order))).where(*where)
        return func.coalesce(array.scalar_subquery(), literal("[]").cast(JSON))
    # Correlated by name: a subquery in FROM is not correlated by default, and would read every household's.
    ordered = select(item.label("item")).where(*where).order_by(order).correlate(Household).subquery()
    return select(func.json_group_array(func.json(ordered.c.item))).scalar_subquery()


@lru_cache(maxsize=16)
def household_statement(full: bool, postgresql: bool, today: date) -> Any:
    """The household in the caller's scope, its members and incomes as JSON arrays: one statement, built
    once per shape (whole ID numbers or not, dialect, the day ages are counted on) with the household and
    the caller's region bound at execution (`household_id`, `scope`) — building it took about a third of a
    millisecond a read."""
    json_ = _Json(postgresql)
    members = _array(
        json_, _member_item(json_, full, today), col(Member.position), Member.household_id == Household.id
    )
    income = json_.object(year=HouseholdIncome.year, per_capita_fen=HouseholdIncome.per_capita_fen)
    incomes = _array(json_, income, col(HouseholdIncome.year), HouseholdIncome.household_id == Household.id)
    statement = select(
        *_TABLE,  # all of them: the payee account is shown from several
        type_coerce(members, JSON).label("members"),
        type_coerce(incomes, JSON).label("incomes"),
    )
    the_household = Household.id == bindparam("household_id", required=True)
    return scoped_by_parameter(statement, Household.region_code).where(the_household)


def _decoded(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else value


async def household(
    db: Database, *, principal: Principal, cipher: FieldCipher, household_id: uuid.UUID
) -> dict[str, Any]:
    """`GET /households/{id}`'s answer; 404 outside the caller's scope."""
    full = sees_full_identity(principal)
    statement = household_statement(full, db.is_postgres, months.today())
    async with read_connection(db) as conn:
        parameters = {"household_id": household_id} | scope_parameters(principal)
        row = (await conn.execute(statement, parameters)).first()
    if row is None:
        raise NotFound("household not found")
    members, incomes = _decoded(row.members), _decoded(row.incomes)
    if full:
        for member in members:
            member["id_number"] = cipher.decrypt(member["id_number"])
    account = accounts.public(row, principal=principal, cipher=cipher)  # type: ignore[arg-type]
    answer = summary_row({name: getattr(row, name) for name in SHOWN}, principal=principal)
    answer.update(
        income_per_capita_fen=incomes[-1]["per_capita_fen"] if incomes else None,
        incomes=incomes,
        payee_account=account.model_dump(mode="json") if account is not None else None,
        members=members,
    )
    return answer


@asynccontextmanager
async def read_connection(db: Database) -> AsyncIterator[AsyncConnection]:
    """A connection for one read statement: on PostgreSQL in autocommit, so the statement is the only
    round trip (no BEGIN and COMMIT around it)."""
    async with db.engine.connect() as conn:
        if db.is_postgres:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn
