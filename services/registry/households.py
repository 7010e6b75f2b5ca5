"""Households and members: registration, changes, category history and search, always within scope.

ID numbers are stored only encrypted (`shared.crypto`); they are decrypted for the roles that need the
full number and masked for everyone else.
"""

import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from anyio import to_thread
from sqlalchemy import ARRAY, String, Table, any_, bindparam, exists, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry import accounts, rules, stats
from services.registry.models import (
    CategoryChange,
    Household,
    HouseholdIncome,
    Member,
    Region,
    VillageCounter,
    audit_log,
)
from services.registry.schemas import (
    CategoryChangeIn,
    CategoryChangePublic,
    HouseholdBrief,
    HouseholdCreate,
    HouseholdPublic,
    HouseholdSummary,
    HouseholdUpdate,
    IncomePublic,
    MemberBrief,
    MemberIn,
    MemberPublic,
)
from shared import audit, months
from shared.auth import Principal
from shared.counters import reserve_numbers
from shared.crypto import FieldCipher
from shared.errors import Conflict, FieldProblem, Invalid
from shared.idnumber import Sex, mask_id_number
from shared.regions import Tier, is_within
from shared.roles import Role
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.service_auth import is_service_client
from shared.vocabulary.households import Category, LabourAbility, Relation, SchoolStage

# Roles whose work needs the full ID number (registration, review, department data comparison).
FULL_ID_ROLES = frozenset(
    {Role.village_official, Role.township_official, Role.banner_official, Role.department_officer}
)
ID_NUMBER_LENGTH = 18
# Inputs kept elsewhere than the household's own columns (members, incomes; the account through `accounts`).
NOT_COLUMNS = frozenset({"members", "income_per_capita_fen", "income_year", "payee_account"})


def sees_full_identity(principal: Principal) -> bool:
    return principal.role in FULL_ID_ROLES


class ProcedureOnly(Conflict):
    """A move into or out of a monitoring category by anyone but the monitoring procedure's own client."""

    title = "Monitoring procedure only"

    def __init__(self) -> None:
        reason = rules.PROCEDURE_ONLY
        super().__init__(reason, errors=[FieldProblem(field="category", reason=reason)])


def _check_procedure(principal: Principal, *categories: str | None) -> None:
    """Only monitoring's client (its outbox: confirmation, risk elimination) moves these categories."""
    if rules.procedure_bound(*categories) and not is_service_client(principal, "monitoring"):
        raise ProcedureOnly()


def _refuse(breaches: Sequence[rules.RuleBreach]) -> Invalid:
    errors = [FieldProblem(field=b.field, reason=b.reason) for b in breaches]
    return Invalid("; ".join(f"{e.field}: {e.reason}" for e in errors), errors=errors)


def scoped_households(principal: Principal) -> Any:
    """The only way this module reads households: inside the caller's region."""
    return scoped(select(Household), Household.region_code, principal)


async def get_household(session: AsyncSession, *, principal: Principal, household_id: uuid.UUID) -> Household:
    statement = scoped_households(principal).where(Household.id == household_id)
    return await fetch_in_scope(session, statement, what="household")


async def _village_in_scope(session: AsyncSession, principal: Principal, code: str) -> Region:
    region = await session.get(Region, code)
    if region is None or not is_within(code, principal.region):
        raise Invalid.field("region_code", "不在您的管辖范围内或不存在")
    if region.tier != Tier.village:
        raise Invalid.field("region_code", "户籍须登记在嘎查村一级")
    return region


def _checked_members(
    members: list[MemberIn], cipher: FieldCipher
) -> tuple[list[tuple[MemberIn, Sex, date, str]], list[rules.RuleBreach]]:
    """Validate each member and compute (member, sex, birth date, digest); collects every breach."""
    breaches = rules.check_one_head([m.relation for m in members])
    breaches += rules.check_distinct_ids([m.id_number for m in members])
    checked = []
    for index, member in enumerate(members):
        facts, problems = rules.check_member_identity(
            member.id_number, field=f"members.{index}", sex=member.sex, birth_date=member.birth_date
        )
        breaches += problems
        if facts is not None:
            checked.append((member, facts.sex, facts.birth_date, cipher.digest(facts.number)))
    return checked, breaches


async def _registered_elsewhere(
    session: AsyncSession, digests: list[str], *, household_id: uuid.UUID | None = None
) -> set[str]:
    """Which of these people already belong to another household (anywhere: one person, one household)."""
    statement = select(Member.id_digest).where(col(Member.id_digest).in_(digests))
    if household_id is not None:
        statement = statement.where(Member.household_id != household_id)
    return set((await session.exec(statement)).all())


async def _validated_members(
    session: AsyncSession,
    members: list[MemberIn],
    cipher: FieldCipher,
    *,
    household_id: uuid.UUID | None = None,
) -> list[tuple[MemberIn, Sex, date, str]]:
    checked, breaches = _checked_members(members, cipher)
    taken = await _registered_elsewhere(
        session, [digest for *_, digest in checked], household_id=household_id
    )
    breaches += [
        rules.RuleBreach(f"members.{members.index(member)}.id_number", "该身份证号已在其他家庭登记")
        for member, _, _, digest in checked
        if digest in taken
    ]
    if breaches:
        raise _refuse(breaches)
    return checked


def _member_values(
    household_id: uuid.UUID, position: int, checked: tuple[MemberIn, Sex, date, str], cipher: FieldCipher
) -> dict[str, Any]:
    """A member's row as stored: the ID number only encrypted, masked and digested."""
    member, sex, birth, digest = checked
    number = member.id_number.strip().upper()
    return {
        **member.model_dump(exclude={"id_number", "sex", "birth_date"}),
        "household_id": household_id,
        "id_digest": digest,
        "id_cipher": cipher.encrypt(number),
        "id_masked": mask_id_number(number),
        "sex": sex,
        "birth_date": birth,
        "position": position,
    }


def _people(checked: list[tuple[MemberIn, Sex, date, str]]) -> list[accounts.Person]:
    return [accounts.Person(member.name, digest, member.relation) for member, _, _, digest in checked]


def _member_rows(
    household_id: uuid.UUID, checked: list[tuple[MemberIn, Sex, date, str]], cipher: FieldCipher
) -> list[Member]:
    return [Member(**_member_values(household_id, i, facts, cipher)) for i, facts in enumerate(checked)]


def _head_name(members: list[MemberIn]) -> str:
    return next(m.name for m in members if m.relation == Relation.head)


async def _flush_members(session: AsyncSession) -> None:
    """Flush; a concurrent registration of the same person loses here, on the unique digest."""
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            "该身份证号已在其他家庭登记（同时提交）",
            errors=[FieldProblem(field="members", reason="该身份证号已在其他家庭登记")],
        ) from None


async def _set_income(
    session: AsyncSession, household_id: uuid.UUID, amount: int | None, year: int | None
) -> None:
    if amount is None:
        return
    year = year or datetime.now(UTC).year - 1
    existing = await session.get(HouseholdIncome, (household_id, year))
    if existing is None:
        session.add(HouseholdIncome(household_id=household_id, year=year, per_capita_fen=amount))
    else:
        existing.per_capita_fen = amount
        session.add(existing)


async def register(
    session: AsyncSession, *, principal: Principal, cipher: FieldCipher, data: HouseholdCreate
) -> HouseholdPublic:
    """Register a household with its members; all or nothing."""
    _check_procedure(principal, data.category)
    await _village_in_scope(session, principal, data.region_code)
    checked = await _validated_members(session, data.members, cipher)
    account, breaches = accounts.columns(data.payee_account, _people(checked), cipher)
    if breaches:
        raise _refuse(breaches)
    [sequence] = await reserve_numbers(
        session, VillageCounter.__table__, key_column="region_code", key=data.region_code
    )
    household = Household(
        number=rules.household_number(data.region_code, sequence),
        head_name=_head_name(data.members),
        member_count=len(data.members),
        **data.model_dump(exclude=NOT_COLUMNS),
        **account,
    )
    session.add(household)
    await session.flush()
    session.add_all(_member_rows(household.id, checked, cipher))
    session.add(
        CategoryChange(
            household_id=household.id,
            from_category=None,
            to_category=data.category,
            reason="登记",
            effective_date=household.created_at.date(),
            actor=principal.subject,
            role=principal.role,
        )
    )
    await _set_income(session, household.id, data.income_per_capita_fen, data.income_year)
    await _flush_members(session)
    public = await to_public(session, household, principal=principal, cipher=cipher)
    await _audit(session, principal, household, "household.create", after=_audit_view(public))
    return public


async def update(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: FieldCipher,
    household: Household,
    data: HouseholdUpdate,
) -> HouseholdPublic:
    """Change a household's facts and, when given, replace its member list."""
    before = _audit_view(await to_public(session, household, principal=principal, cipher=cipher))
    changes = data.model_dump(exclude_unset=True, exclude=NOT_COLUMNS)
    for name, value in changes.items():
        setattr(household, name, value)
    people = None
    if data.members is not None:
        checked = await _validated_members(session, data.members, cipher, household_id=household.id)
        people = _people(checked)
        for member in (await session.exec(select(Member).where(Member.household_id == household.id))).all():
            await session.delete(member)
        await session.flush()
        session.add_all(_member_rows(household.id, checked, cipher))
        household.head_name = _head_name(data.members)
        household.member_count = len(data.members)
    await _update_account(session, cipher, household, data, people)
    await _set_income(session, household.id, data.income_per_capita_fen, data.income_year)
    household.updated_at = datetime.now(UTC)
    session.add(household)
    await _flush_members(session)
    public = await to_public(session, household, principal=principal, cipher=cipher)
    before, after = rules.changed_fields(before, _audit_view(public))
    await _audit(session, principal, household, "household.update", before=before, after=after)
    return public


async def _update_account(
    session: AsyncSession,
    cipher: FieldCipher,
    household: Household,
    data: HouseholdUpdate,
    people: list[accounts.Person] | None,
) -> None:
    """Set, replace or remove the payee account; a new member list (`people`) must still hold the payee."""
    given = "payee_account" in data.model_fields_set
    if not given and (people is None or household.payee_digest is None):
        return
    if people is None:
        rows = await session.exec(select(Member).where(Member.household_id == household.id))
        people = [accounts.Person(m.name, m.id_digest, m.relation) for m in rows]
    if given:
        values, breaches = accounts.columns(data.payee_account, people, cipher)
    else:
        name, breaches = accounts.renamed_payee(household, people)
        values = {"payee_name": name} if name is not None else {}
    if breaches:
        raise _refuse(breaches)
    for column, value in values.items():
        setattr(household, column, value)


async def change_category(
    session: AsyncSession,
    *,
    principal: Principal,
    household: Household,
    data: CategoryChangeIn,
    idempotency_key: str | None = None,
) -> CategoryChangePublic:
    """Move a household to another category, dated and reasoned, kept in its history.

    With an idempotency key (a monitoring confirmation delivered by the outbox), a repeat returns the
    change already made instead of making it twice.
    """
    _check_procedure(principal, household.category, data.category)
    if idempotency_key:
        done = (
            await session.exec(
                select(CategoryChange).where(CategoryChange.idempotency_key == idempotency_key)
            )
        ).first()
        if done is not None:
            if done.household_id != household.id:
                raise Invalid.field("Idempotency-Key", "已用于另一户的类别变更")
            return CategoryChangePublic.model_validate(done, from_attributes=True)
    if data.category == household.category:
        raise Invalid.field("category", "与当前类别相同")
    change = CategoryChange(
        household_id=household.id,
        from_category=household.category,
        to_category=data.category,
        reason=data.reason,
        effective_date=data.effective_date,
        actor=principal.subject,
        role=principal.role,
        idempotency_key=idempotency_key,
    )
    before = {"category": household.category}
    household.category = data.category
    household.updated_at = datetime.now(UTC)
    session.add_all([change, household])
    await session.flush()
    await _audit(
        session,
        principal,
        household,
        "household.category_change",
        before=before,
        after={
            "category": data.category,
            "reason": data.reason,
            "effective_date": data.effective_date.isoformat(),
        },
    )
    return CategoryChangePublic.model_validate(change, from_attributes=True)


async def history(session: AsyncSession, *, household: Household) -> list[CategoryChangePublic]:
    rows = await session.exec(
        select(CategoryChange)
        .where(CategoryChange.household_id == household.id)
        .order_by(col(CategoryChange.at), col(CategoryChange.id))
    )
    return [CategoryChangePublic.model_validate(r, from_attributes=True) for r in rows]


def _matching_members(q: str, cipher: FieldCipher, principal: Principal, region: str | None) -> Any | None:
    """The household ids of the members `q` names inside the caller's scope (narrowed to `region`): an ID
    number exactly (by digest), otherwise a prefix of any member's name (the head is a member, `head_name`
    only repeats the head's name for lists); None when `q` is a household number.

    Each is one index range — the digest's unique index, or members' (name, village, household id) — and
    the scope is the village each member carries (migration 0005), so no household is read to count."""
    if len(q) == ID_NUMBER_LENGTH and q[:17].isdigit():
        named = Member.id_digest == cipher.digest(q.upper())
    elif q.isdigit():
        return None
    else:
        named = col(Member.name).startswith(q, autoescape=True)
    return narrowed(select(Member.household_id).where(named), Member.region_code, principal, region)


def named_by(term: str, cipher: FieldCipher, principal: Principal, region: str | None) -> Any:
    """The households a search term names, as the list and the export both search: a member by ID number
    or name prefix, or a household number prefix."""
    members = _matching_members(term, cipher, principal, region)
    if members is not None:
        return col(Household.id).in_(members)
    return col(Household.number).startswith(term, autoescape=True)


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: FieldCipher,
    region: str | None,
    category: Category | None,
    q: str | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the caller's households, newest numbers last, with the total that matches.

    Without a search term the total is the sum of the village counters (exact, kept by the database), so a
    banner-wide list does not count a million rows on every page; a name or ID number search (without a
    category) counts the distinct households among the matching members' index entries."""
    statement = narrowed(select(*SUMMARY_COLUMNS), Household.region_code, principal, region)
    if category is not None:
        statement = statement.where(Household.category == category)
    term = (q or "").strip()
    if term:
        statement = statement.where(named_by(term, cipher, principal, region))
    members = _matching_members(term, cipher, principal, region) if term else None
    if members is not None and category is None:
        found = members.subquery()
        total = (await session.exec(select(func.count(func.distinct(found.c.household_id))))).one()
    elif term:
        total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    else:
        total = await stats.households_in(session, principal=principal, region=region, category=category)
    rows = await session.exec(
        statement.order_by(col(Household.number)).offset((page - 1) * page_size).limit(page_size)
    )
    return [summary_row(row._asdict(), principal=principal) for row in rows], total


# A list's columns, read as plain rows: a list page maps them to JSON without ORM objects or models.
SUMMARY_COLUMNS = tuple(Household.__table__.c[name] for name in HouseholdSummary.model_fields)  # type: ignore[attr-defined]


def summary_row(row: dict[str, Any], *, principal: Principal) -> dict[str, Any]:
    """A `SUMMARY_COLUMNS` row (or any household row) as the roles may see it: the phone masked for most."""
    if not sees_full_identity(principal):
        row["phone"] = rules.mask_phone(row["phone"])
    return row


def summary(household: Household, *, principal: Principal) -> HouseholdSummary:
    return HouseholdSummary(
        id=household.id,
        number=household.number,
        region_code=household.region_code,
        head_name=household.head_name,
        category=Category(household.category),
        member_count=household.member_count,
        address=household.address,
        phone=household.phone if sees_full_identity(principal) else rules.mask_phone(household.phone),
    )


def member_public(member: Member, *, principal: Principal, cipher: FieldCipher, today: date) -> MemberPublic:
    full = sees_full_identity(principal)
    return MemberPublic(
        id=member.id,
        name=member.name,
        id_number=cipher.decrypt(member.id_cipher) if full else member.id_masked,
        relation=Relation(member.relation),
        sex=Sex(member.sex),
        birth_date=member.birth_date if full else None,
        age=rules.age_on(member.birth_date, today),
        ethnicity=member.ethnicity,
        school_stage=SchoolStage(member.school_stage),
        disability_grade=member.disability_grade,
        chronic_disease=member.chronic_disease,
        serious_illness=member.serious_illness,
        labour_ability=LabourAbility(member.labour_ability),
        employment=member.employment,
        dibao=member.dibao,
        tekun=member.tekun,
        pension_insurance=member.pension_insurance,
    )


async def to_public(
    session: AsyncSession, household: Household, *, principal: Principal, cipher: FieldCipher
) -> HouseholdPublic:
    members = await session.exec(
        select(Member).where(Member.household_id == household.id).order_by(col(Member.position))
    )
    incomes = (
        await session.exec(
            select(HouseholdIncome)
            .where(HouseholdIncome.household_id == household.id)
            .order_by(col(HouseholdIncome.year))
        )
    ).all()
    today = months.today()
    return HouseholdPublic(
        **summary(household, principal=principal).model_dump(),
        **household.model_dump(
            include={
                "lifted_year",
                "relocated",
                "resettlement_site",
                "resettlement_site_id",
                "education_secure",
                "medical_secure",
                "housing_secure",
                "water_secure",
                "sheep",
                "cattle",
                "pigs",
                "created_at",
                "updated_at",
            }
        ),
        income_per_capita_fen=incomes[-1].per_capita_fen if incomes else None,
        incomes=[IncomePublic(year=i.year, per_capita_fen=i.per_capita_fen) for i in incomes],
        payee_account=accounts.public(household, principal=principal, cipher=cipher),
        members=[member_public(m, principal=principal, cipher=cipher, today=today) for m in members],
    )


# Left out of a member's audit view: a birth date beside the masked number rebuilds it; the row id and
# the age change without anyone editing the member.
UNAUDITED_MEMBER_FIELDS = frozenset({"id", "birth_date", "age"})


def _audit_view(public: HouseholdPublic) -> dict[str, Any]:
    """What the audit log keeps of a household: no full ID or account number, phone or birth date."""
    unaudited = {
        "created_at": True,
        "updated_at": True,
        "payee_account": {"account_number"},
        "members": {"__all__": set(UNAUDITED_MEMBER_FIELDS)},
    }
    view = public.model_dump(mode="json", exclude=unaudited)
    view["phone"] = rules.mask_phone(public.phone)
    for member in view["members"]:
        member["id_number"] = mask_id_number(member["id_number"])
    return view


async def _audit(
    session: AsyncSession, principal: Principal, household: Household, action: str, **change: Any
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=household.region_code,
        action=action,
        entity="household",
        entity_id=str(household.id),
        **change,
    )


class BulkRefused(Exception):
    """A bulk registration broke rules; nothing was written. `problems[i]` lists item i's breaches."""

    def __init__(self, problems: dict[int, list[rules.RuleBreach]]):
        super().__init__(f"{len(problems)} households refused")
        self.problems = problems


DIGEST_CHUNK = {"postgresql": 20_000, "sqlite": 900}  # digests per look-up query (SQLite: bound variables)
INSERT_CHUNK = 5000  # households checked and written at a time, so memory stays flat however many there are
Checked = list[tuple[MemberIn, Sex, date, str]]
Breaches = dict[int, list[rules.RuleBreach]]


async def _taken(session: AsyncSession, digests: list[str]) -> set[str]:
    """Which of these people are registered already: a few large queries (`= ANY(array)` on PostgreSQL)."""
    dialect = session.bind.dialect.name
    chunk = DIGEST_CHUNK.get(dialect, DIGEST_CHUNK["sqlite"])
    taken: set[str] = set()
    for start in range(0, len(digests), chunk):
        part = digests[start : start + chunk]
        if dialect == "postgresql":
            condition = Member.id_digest == any_(bindparam("digests", part, type_=ARRAY(String)))
        else:
            condition = col(Member.id_digest).in_(part)
        taken.update((await session.exec(select(Member.id_digest).where(condition))).all())
    return taken


def _check_chunk(
    items: Sequence[HouseholdCreate],
    cipher: FieldCipher,
    villages: set[str],
    first_seen: dict[str, int],
    offset: int,
    historical: bool,
) -> tuple[list[Checked], Breaches]:
    """The rules a chunk breaks that need no database; digests every member (CPU work, off the event loop).

    `first_seen` maps each digest to the household (numbered from the first chunk: `offset`) it came in;
    `historical`: the caller may load households already in the monitoring procedure's categories.
    """
    problems: Breaches = {}
    checked_items = []
    for index, item in enumerate(items):
        checked, breaches = _checked_members(item.members, cipher)
        if item.region_code not in villages:
            breaches.append(rules.RuleBreach("region_code", "不在您的管辖范围内或不是嘎查村"))
        if not historical and rules.procedure_bound(item.category):
            breaches.append(rules.RuleBreach("category", rules.PROCEDURE_ONLY + "；历史认定的农户由旗级导入"))
        breaches += accounts.payee_breaches(item.payee_account, _people(checked), cipher)
        for member, _, _, digest in checked:
            if first_seen.setdefault(digest, offset + index) != offset + index:
                breaches.append(
                    rules.RuleBreach(
                        f"members.{item.members.index(member)}.id_number",
                        f"与第 {first_seen[digest] + 1} 户成员重复",
                    )
                )
        checked_items.append(checked)
        if breaches:
            problems[index] = breaches
    return checked_items, problems


class BulkRegistration:
    """Many households registered chunk by chunk in the caller's one transaction (import, demo data).

    `add` checks a chunk against the rules and the registry and, while nothing has been refused, writes it
    at once (COPY on PostgreSQL), so only one chunk is ever held; after the first breach it only checks, so
    the caller still learns every breach, and must then roll back. Household numbers are reserved per chunk
    in that same transaction: a rolled-back registration consumes none. `finish` writes the one audit record.
    Only a banner official may load households in the monitoring procedure's categories: households
    identified before the system, whose history says so (`historical`).
    """

    def __init__(
        self, session: AsyncSession, *, principal: Principal, cipher: FieldCipher, villages: set[str]
    ) -> None:
        self._session, self._principal, self._cipher, self._villages = session, principal, cipher, villages
        self._historical = principal.role == Role.banner_official
        self._now = datetime.now(UTC)
        self._ranges: dict[str, list[str]] = {}
        self.refused = False
        self.households = 0
        self.members = 0

    @classmethod
    async def start(
        cls, session: AsyncSession, *, principal: Principal, cipher: FieldCipher
    ) -> "BulkRegistration":
        statement = scoped(select(Region.code), Region.code, principal).where(Region.tier == Tier.village)
        villages = set((await session.exec(statement)).all())
        await session.flush()  # anything pending goes first: the bulk inserts bypass the session
        return cls(session, principal=principal, cipher=cipher, villages=villages)

    async def add(
        self,
        items: Sequence[HouseholdCreate],
        *,
        first_seen: dict[str, int] | None = None,
        offset: int = 0,
        check_only: bool = False,
    ) -> tuple[Breaches, list[uuid.UUID]]:
        """Check `items` (breaches by index in `items`) and, unless anything was refused, write them;
        `check_only` refuses from here on (the caller found a problem of its own).

        People repeated across chunks are found through `first_seen` when the caller keeps one, else by the
        registry look-up once their first chunk is written.
        """
        checked_items, problems = await to_thread.run_sync(
            _check_chunk,
            items,
            self._cipher,
            self._villages,
            {} if first_seen is None else first_seen,
            offset,
            self._historical,
        )
        taken = await _taken(self._session, [digest for checked in checked_items for *_, digest in checked])
        for index, checked in enumerate(checked_items) if taken else ():
            for member, _, _, digest in checked:
                if digest in taken:
                    problems.setdefault(index, []).append(
                        rules.RuleBreach(
                            f"members.{items[index].members.index(member)}.id_number",
                            "该身份证号已在其他家庭登记",
                        )
                    )
        self.refused |= check_only or bool(problems)
        if self.refused:
            return problems, []
        numbers = await _reserve_all(self._session, items)
        tables, ids = await to_thread.run_sync(self._rows, items, checked_items, numbers)
        for model, rows in tables:
            await _insert(self._session, model.__table__, rows)
        self.households += len(items)
        self.members += sum(len(item.members) for item in items)
        return problems, ids

    def _rows(
        self,
        items: Sequence[HouseholdCreate],
        checked_items: list[Checked],
        numbers: dict[str, Iterator[int]],
    ) -> tuple[list[tuple[Any, list[dict[str, Any]]]], list[uuid.UUID]]:
        """A chunk's rows of each table, members encrypted (CPU work, off the event loop)."""
        now, principal, cipher = self._now, self._principal, self._cipher
        household_rows, member_rows, change_rows, income_rows = [], [], [], []
        ids: list[uuid.UUID] = []
        for item, checked in zip(items, checked_items, strict=True):
            household_id = uuid.uuid4()
            number = rules.household_number(item.region_code, next(numbers[item.region_code]))
            self._ranges.setdefault(item.region_code, [number, number])[1] = number
            household_rows.append(
                {
                    **item.model_dump(exclude=NOT_COLUMNS),
                    **accounts.columns(item.payee_account, _people(checked), cipher)[0],
                    "id": household_id,
                    "number": number,
                    "head_name": _head_name(item.members),
                    "member_count": len(item.members),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            member_rows += [
                {"id": uuid.uuid4(), **_member_values(household_id, position, facts, cipher)}
                for position, facts in enumerate(checked)
            ]
            historical = rules.procedure_bound(item.category)
            change_rows.append(
                {
                    "id": uuid.uuid4(),
                    "household_id": household_id,
                    "from_category": None,
                    "to_category": item.category,
                    "reason": rules.HISTORICAL_REASON if historical else "批量导入",
                    "historical": historical,
                    "effective_date": now.date(),
                    "actor": principal.subject,
                    "role": principal.role,
                    "at": now,
                    "idempotency_key": None,
                }
            )
            if item.income_per_capita_fen is not None:
                income_rows.append(
                    {
                        "household_id": household_id,
                        "year": item.income_year or now.year - 1,
                        "per_capita_fen": item.income_per_capita_fen,
                    }
                )
            ids.append(household_id)
        tables = [
            (Household, household_rows),
            (Member, member_rows),
            (CategoryChange, change_rows),
            (HouseholdIncome, income_rows),
        ]
        return tables, ids

    async def finish(self) -> None:
        """The one audit record of the whole registration (none when nothing was registered)."""
        if not self.households:
            return
        await audit.append(
            self._session,
            audit_log,
            actor=audit.Actor.of(self._principal),
            region=self._principal.region,
            action="household.import",
            entity="import",
            entity_id=str(uuid.uuid4()),
            after={
                "households": self.households,
                "members": self.members,
                "numbers": {
                    village: f"{first}–{last}" for village, (first, last) in sorted(self._ranges.items())
                },
            },
        )
        await _flush_members(self._session)


async def register_many(
    session: AsyncSession, *, principal: Principal, cipher: FieldCipher, items: Sequence[HouseholdCreate]
) -> list[uuid.UUID]:
    """Register many households at once (demo data): every item is checked and any breach refuses the whole
    lot (`BulkRefused`, naming every breach); the caller's transaction must then roll back, as the chunks
    before the first breach are already written. One audit record for the whole registration."""
    bulk = await BulkRegistration.start(session, principal=principal, cipher=cipher)
    problems: Breaches = {}
    first_seen: dict[str, int] = {}
    ids: list[uuid.UUID] = []
    for start in range(0, len(items), INSERT_CHUNK):
        found, written = await bulk.add(
            items[start : start + INSERT_CHUNK], first_seen=first_seen, offset=start
        )
        problems.update({start + index: breaches for index, breaches in found.items()})
        ids += written
    if problems:
        raise BulkRefused(problems)
    await bulk.finish()
    return ids


async def _insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows into a table in the session's transaction: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    if session.bind.dialect.name != "postgresql":
        await session.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    connection = await (await session.connection()).get_raw_connection()
    await connection.driver_connection.copy_records_to_table(
        table.name, records=[tuple(row[c] for c in columns) for row in rows], columns=columns
    )


async def _reserve_all(session: AsyncSession, items: Sequence[HouseholdCreate]) -> dict[str, Iterator[int]]:
    """Household numbers for every item: one counter update per village."""
    counts = Counter(item.region_code for item in items)
    numbers = {}
    for village in sorted(counts):
        reserved = await reserve_numbers(
            session, VillageCounter.__table__, key_column="region_code", key=village, count=counts[village]
        )
        numbers[village] = iter(reserved)
    return numbers


async def lookup(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: FieldCipher,
    household_ids: list[uuid.UUID],
    id_numbers: list[str],
) -> list[HouseholdBrief]:
    """Households in scope by id or by a member's ID number: three queries whatever the count."""
    digests = {cipher.digest(n.strip().upper()) for n in id_numbers}
    wanted = []
    if household_ids:
        wanted.append(col(Household.id).in_(household_ids))
    if digests:
        wanted.append(exists().where(Member.household_id == Household.id, col(Member.id_digest).in_(digests)))
    if not wanted:
        return []
    found = list((await session.exec(scoped_households(principal).where(or_(*wanted)))).all())
    full, today = sees_full_identity(principal), months.today()
    ids = [h.id for h in found]
    members: dict[uuid.UUID, list[Member]] = {}
    for m in (
        await session.exec(
            select(Member).where(col(Member.household_id).in_(ids)).order_by(col(Member.position))
        )
    ).all():
        members.setdefault(m.household_id, []).append(m)
    latest: dict[uuid.UUID, HouseholdIncome] = {}
    for income in (
        await session.exec(
            select(HouseholdIncome)
            .where(col(HouseholdIncome.household_id).in_(ids))
            .order_by(col(HouseholdIncome.year))
        )
    ).all():
        latest[income.household_id] = income
    return [
        HouseholdBrief(
            **h.model_dump(
                include={
                    "id",
                    "number",
                    "region_code",
                    "category",
                    "head_name",
                    "member_count",
                    "education_secure",
                    "medical_secure",
                    "housing_secure",
                    "water_secure",
                    "sheep",
                    "cattle",
                    "pigs",
                }
            ),
            income_per_capita_fen=latest[h.id].per_capita_fen if h.id in latest else None,
            income_year=latest[h.id].year if h.id in latest else None,
            payee_account=accounts.public(h, principal=principal, cipher=cipher),
            members=[
                MemberBrief(
                    **m.model_dump(include=set(MemberBrief.model_fields) - {"birth_date", "age", "matched"}),
                    birth_date=m.birth_date if full else None,
                    age=rules.age_on(m.birth_date, today),
                    matched=m.id_digest in digests,
                )
                for m in members.get(h.id, [])
            ],
        )
        for h in found
    ]
