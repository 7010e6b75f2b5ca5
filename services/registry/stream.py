"""The registry's bulk read for services: households in scope as NDJSON, one compact line each.

A payment run covers every household of a banner — at province scale a million (ARCHITECTURE.md
"Bulk paths"). The stream is one set-wise query in household-number order — members grouped per household
in one pass, households and heads hash-joined — not look-ups household by household: PostgreSQL runs it
once behind a server-side cursor; SQLite (which takes its write lock on BEGIN, so one read across a long
response would hold off every writer) runs it in keyset pages, each its own short read. A line carries only
what batch work needs: the household's id, number, village and category, the head as payee (name and the
masked ID number stored beside the encrypted one, so nothing is decrypted) and members' ages, school stages,
disability grades, 低保 and pension-insurance flags (the safety net's facts) — birth dates only for the roles
that see full ID numbers, since beside a masked number a birth date rebuilds it; with `school=true`, only
households with someone in school, and only those members; with `school_age_in=YEAR`, only those with
someone 6–15 on 1 September of YEAR, and only those members (decided here from the birth date, so a role
that sees only ages gets the same children). Each line carries the payee account masked; with
`with_account=true` (payments' own client and the officials who maintain accounts) also the account number,
decrypted here and appended to the line the database wrote, as the bank's instructions need it. With
`members=none` the lines carry no members (every household: the payee is all a claim batch needs); with a
fact (`disabled`, `dibao`, `insured`, `uninsured`) only those members, and only households with one. With
`with_income=true` each line carries the latest year's per-capita income (the 低保渐退期 is judged on it).

The database writes each line itself (PostgreSQL's `json_build_object`/`json_agg`, SQLite's
`json_object`/`json_group_array`): Python only joins a page's lines, so the stream's cost is the query's,
not an object and an encoding per household and member.
"""

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from typing import Any

from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import JSON, Integer, String, and_, case, cast, func, literal, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased
from sqlmodel import col

from services.registry import rules
from services.registry.accounts import sees_account_number
from services.registry.households import sees_full_identity
from services.registry.models import Household, HouseholdIncome, Member
from shared import months
from shared.auth import Principal
from shared.crypto import FieldCipher
from shared.db import Database
from shared.errors import Forbidden
from shared.scope import narrowed
from shared.vocabulary.households import Category, Relation, SchoolStage, StreamMembers

STREAM_PAGE = 5000  # households per keyset page: one query each
NDJSON = "application/x-ndjson"
# The one query's hash joins and sort kept in memory (a million households' pupils are ~100 MB), no parallel
# workers: each would build the whole grouped members side again, tripling the work on a small machine; no
# nested loops: before the tables have statistics (fresh, or just imported) a region's households look like
# one row, and a nested loop then builds the grouped members once per household (3,000 took a minute); no
# JIT: compiling the query's expressions took a second of the three a million-household stream took.
PLAN_SETTINGS = (
    "work_mem = '256MB'",
    "max_parallel_workers_per_gather = 0",
    "enable_nestloop = off",
    "jit = off",
)


class NDJSONResponse(StreamingResponse):
    media_type = NDJSON


class StreamMember(BaseModel):
    id: uuid.UUID
    name: str
    relation: Relation
    birth_date: date | None = Field(
        default=None, description="only for the roles that see full ID numbers; the others see `age`"
    )
    age: int = Field(description="whole years as of today in Asia/Shanghai")
    school_stage: SchoolStage
    # The facts payments' safety net is reckoned from (seed §五(一)4), as the household read shows them.
    disability_grade: int | None
    dibao: bool
    pension_insurance: bool


class StreamHousehold(BaseModel):
    """One NDJSON line of `GET /api/v1/households/stream`."""

    id: uuid.UUID
    number: str
    region_code: str
    category: Category
    head_name: str
    head_id_masked: str
    payee_name: str | None = Field(description="the account's payee; null without an account")
    bank_name: str | None
    account_number_masked: str | None
    account_number: str | None = Field(default=None, description="only with `with_account=true`")
    income_year: int | None = Field(default=None, description="only with `with_income=true`: the latest year")
    income_per_capita_fen: int | None = Field(default=None, description="only with `with_income=true`")
    members: list[StreamMember]


# The member each `members=` fact picks (`all` and `none` pick by no fact).
MEMBER_FACTS = {
    StreamMembers.disabled: col(Member.disability_grade).is_not(None),
    StreamMembers.dibao: col(Member.dibao).is_(True),
    StreamMembers.insured: col(Member.pension_insurance).is_(True),
    StreamMembers.uninsured: col(Member.pension_insurance).is_(False),
}


def _member_filter(school: bool, school_age_in: int | None, members: StreamMembers) -> list[Any]:
    """Which members the lines carry (and, when any filter is set, which households have a line)."""
    where = [col(Member.school_stage) != SchoolStage.none] if school else []
    if school_age_in is not None:
        born_after, born_by = rules.school_age_births(school_age_in)
        where += [col(Member.birth_date) > born_after, col(Member.birth_date) <= born_by]
    if members in MEMBER_FACTS:
        where.append(MEMBER_FACTS[members])
    return where


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

    def boolean(self, column: Any) -> Any:
        """A flag as JSON true/false (SQLite keeps booleans as 0/1)."""
        if self.postgresql:
            return column
        return func.json(case((column, "true"), else_="false"))

    def age(self, birth: Any, today: date) -> Any:
        """Whole years on `today`: (YYYYMMDD today − YYYYMMDD born) // 10000, in integers."""
        born = cast(
            func.to_char(birth, "YYYYMMDD") if self.postgresql else func.replace(birth, "-", ""), Integer
        )
        return (int(f"{today:%Y%m%d}") - born) // 10000

    def members(self, where: Sequence[Any], birth_dates: bool, today: date) -> Any:
        """(household_id, members) for every household with a member `where` picks: the members as one
        JSON array in position order, built in one pass over the members (grouped), not looked up
        household by household."""
        born = {"birth_date": Member.birth_date} if birth_dates else {}
        item = self.object(
            id=self.uuid(Member.id),
            name=Member.name,
            relation=Member.relation,
            **born,
            age=self.age(Member.birth_date, today),
            school_stage=Member.school_stage,
            disability_grade=Member.disability_grade,
            dibao=self.boolean(Member.dibao),
            pension_insurance=self.boolean(Member.pension_insurance),
        )
        if self.postgresql:
            array = func.json_agg(aggregate_order_by(item, col(Member.position)))
            return (
                select(Member.household_id, array.label("members"))
                .where(*where)
                .group_by(col(Member.household_id))
                .subquery()
            )
        ordered = (
            select(Member.household_id, item.label("item"))
            .where(*where)
            .order_by(col(Member.household_id), col(Member.position))
            .subquery()
        )
        array = func.json(func.json_group_array(func.json(ordered.c.item)))
        grouped = select(ordered.c.household_id, array.label("members")).group_by(ordered.c.household_id)
        return grouped.subquery()

    def array_or_empty(self, column: Any | None) -> Any:
        """A grouped array, `[]` for a household without one or when there is none (`column` None) (SQLite:
        `json()` again, since a JSON value coming out of a subquery is plain text to the enclosing
        `json_object`)."""
        empty = literal("[]")
        if self.postgresql:
            return empty.cast(JSON) if column is None else func.coalesce(column, empty.cast(JSON))
        return func.json(empty if column is None else func.coalesce(column, empty))

    def text(self, value: Any) -> Any:
        return cast(value, String) if self.postgresql else value


def _lines(
    principal: Principal,
    region: str | None,
    categories: Sequence[Category],
    member_filter: Sequence[Any] | None,
    postgresql: bool,
    with_income: bool = False,
) -> Any:
    """(number, line) of the caller's households in number order. Set-wise: the members (with a
    `member_filter`, those it picks: the rows the stream is driven from) grouped per household once, the
    head joined once as the payee, so the cost is a few hash joins, not index look-ups per household.
    Without a `member_filter` (None), no members: each household's line with an empty list. `with_income`
    adds the latest year's per-capita income (one index look-up per line, so only when asked)."""
    json = _Json(postgresql)
    head = aliased(Member)
    chosen = [col(Household.category).in_([str(c) for c in categories])] if categories else []
    households = narrowed(select(Household.id), Household.region_code, principal, region).where(*chosen)
    # The members of the streamed households only: grouping (and building JSON for) every member the filter
    # picks across the database and dropping most at the join cost twice the time at a million households.
    members = (
        None
        if member_filter is None
        else json.members(
            [*member_filter, col(Member.household_id).in_(households)],
            sees_full_identity(principal),
            months.today(),
        )
    )
    line = json.object(
        id=json.uuid(Household.id),
        number=Household.number,
        region_code=Household.region_code,
        category=Household.category,
        head_name=func.coalesce(head.name, Household.head_name),
        head_id_masked=func.coalesce(head.id_masked, ""),
        payee_name=Household.payee_name,
        bank_name=Household.bank_name,
        account_number_masked=Household.account_masked,
        **(_latest_income() if with_income else {}),
        members=json.array_or_empty(None if members is None else members.c.members),
    )
    selected = select(Household.number, json.text(line), Household.account_cipher)
    statement = narrowed(selected, Household.region_code, principal, region)
    if members is not None:
        statement = statement.join(members, members.c.household_id == Household.id, isouter=not member_filter)
    payee = and_(head.household_id == Household.id, head.relation == Relation.head)
    return statement.outerjoin(head, payee).where(*chosen).order_by(col(Household.number))


def _latest_income() -> dict[str, Any]:
    """The household's latest income year and its per-capita figure, as correlated look-ups (each the
    newest row of the household's on the primary key)."""

    def newest(column: Any) -> Any:
        of_household = select(column).where(HouseholdIncome.household_id == Household.id)
        return of_household.order_by(col(HouseholdIncome.year).desc()).limit(1).scalar_subquery()

    return {
        "income_year": newest(HouseholdIncome.year),
        "income_per_capita_fen": newest(HouseholdIncome.per_capita_fen),
    }


Decrypt = Callable[[str], str]


def account_reader(principal: Principal, cipher: FieldCipher, *, with_account: bool) -> Decrypt | None:
    """How the stream reads account numbers: only when asked, and only for the roles that see them (checked
    before the response starts: a refusal cannot come in the middle of a stream)."""
    if not with_account:
        return None
    if not sees_account_number(principal):
        raise Forbidden("无权读取收款账号")
    return cipher.decrypt


async def stream_households(
    db: Database,
    *,
    principal: Principal,
    region: str | None,
    categories: Sequence[Category],
    school: bool,
    school_age_in: int | None = None,
    members: StreamMembers = StreamMembers.all,
    with_income: bool = False,
    decrypt: Decrypt | None = None,
) -> AsyncIterator[bytes]:
    """NDJSON of the caller's households (narrowed to `region` and `categories`) in household-number order,
    `STREAM_PAGE` lines per chunk.

    PostgreSQL runs the query once and hands its rows over through a server-side cursor (a read holds no
    lock there); SQLite, whose transactions take the write lock, reads keyset pages in short transactions.
    With `decrypt` (`account_reader`), each line carries its account number; `members` says which members
    (`StreamMembers`)."""
    member_filter = None if members == StreamMembers.none else _member_filter(school, school_age_in, members)
    statement = _lines(principal, region, categories, member_filter, db.is_postgres, with_income)
    if db.is_postgres:
        async with db.session_scope() as session:
            for setting in PLAN_SETTINGS:
                await session.execute(text(f"SET LOCAL {setting}"))
            result = await session.stream(statement.execution_options(yield_per=STREAM_PAGE))
            async for page in result.partitions():
                yield _ndjson(page, decrypt)
        return
    last = ""
    while True:
        async with db.session_scope() as session:
            page = (
                await session.execute(statement.where(col(Household.number) > last).limit(STREAM_PAGE))
            ).all()
        if not page:
            return
        yield _ndjson(page, decrypt)
        if len(page) < STREAM_PAGE:
            return
        last = page[-1][0]


def _ndjson(page: Sequence[Any], decrypt: Decrypt | None) -> bytes:
    """A page's lines; with `decrypt`, each with its account number (digits: nothing to escape) appended."""
    if decrypt is None:
        return "".join(f"{line}\n" for _, line, _ in page).encode()
    return "".join(
        f'{line[:-1]},"account_number":"{decrypt(sealed)}"}}\n' if sealed else f"{line}\n"
        for _, line, sealed in page
    ).encode()
