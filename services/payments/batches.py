"""Payment batches: drafted in bulk from approved claims and computed entitlements, submitted, approved by a
second official, disbursed through the outbox (one signed bank instruction per line), reconciled."""

import json
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import JSON, bindparam, exists, text, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments import idempotency, notices, policies, safety_net
from services.payments.clients import AssetsClient, MonitoringClient
from services.payments.discrepancies import holds_entitlement
from services.payments.enums import EndpointStatus
from services.payments.models import Batch, Claim, Line, WebhookEndpoint, audit_log, outbox
from services.payments.rules import (
    ELIGIBLE_CATEGORIES,
    batch_number,
    dividend_plan_problem,
    education_rates,
    education_students,
    reconcile,
)
from services.payments.schemas import (
    BatchCreate,
    BatchPublic,
    BatchReturn,
    DividendBatchCreate,
    DividendBatchCreated,
    LinePublic,
    NoticePublic,
    NoticeRow,
    ReconciliationPublic,
)
from shared import audit
from shared.auth import Principal
from shared.bank_accounts import account_problem
from shared.crypto import Sealer
from shared.errors import Conflict, Invalid, NotFound
from shared.masking import mask_name
from shared.money import format_yuan
from shared.outbox import OutboxStatus
from shared.regions import BANNER_CODE, is_within, tier_of
from shared.registry_client import RegistryClient
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.households import StreamMembers
from shared.vocabulary.payments import (
    FROM_MONITORING,
    SAFETY_NET,
    WAGES,
    BatchStatus,
    ClaimStatus,
    Kind,
    LineStatus,
)

TOPIC = "bank.disbursement"
EVENT_TYPE = "disbursement.requested"
INSERT_CHUNK = 500  # rows per multi-row INSERT (well under both databases' bound-parameter limits)


def utcnow() -> datetime:
    return datetime.now(UTC)


def scoped_batches(principal: Principal) -> Any:
    """The only way this module reads batches: those whose region lies inside the caller's scope."""
    return scoped(select(Batch), Batch.region_code, principal)


async def get_batch(session: AsyncSession, *, principal: Principal, batch_id: uuid.UUID) -> Batch:
    return await fetch_in_scope(session, scoped_batches(principal).where(Batch.id == batch_id), what="batch")


def to_public(batch: Batch) -> BatchPublic:
    return BatchPublic.model_validate(batch, from_attributes=True)


def line_public(line: Line) -> LinePublic:
    public = LinePublic.model_validate(line, from_attributes=True)
    detail = line.detail or {}
    if "member_id" in detail:  # a line for one member (the safety net, a wage) paid to the account's payee
        public.beneficiary = detail.get("name")
    return public


def purpose_of(batch: Batch) -> str:
    month = f"{batch.month}月" if batch.month else ""
    return f"{batch.year}年{month}{batch.purpose or Kind(batch.kind).label}"


async def _insert_records(
    session: AsyncSession, table: Any, columns: Sequence[str], records: AsyncIterable[tuple[Any, ...]]
) -> None:
    """Bulk rows (tuples in `columns` order) in the session's transaction: on PostgreSQL one binary COPY
    (through the session's own asyncpg connection) fed as the rows are made, so the database writes while
    they are still being computed; elsewhere multi-row INSERTs a chunk at a time — never a statement per
    row."""
    if session.bind.dialect.name != "postgresql":
        chunk: list[dict[str, Any]] = []
        async for record in records:
            chunk.append(dict(zip(columns, record, strict=True)))
            if len(chunk) == INSERT_CHUNK:
                await session.execute(table.insert().values(chunk))
                chunk = []
        if chunk:
            await session.execute(table.insert().values(chunk))
        return
    as_json = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    raw = await (await session.connection()).get_raw_connection()
    try:
        await raw.driver_connection.copy_records_to_table(
            table.name, records=_json_encoded(records, as_json), columns=list(columns)
        )
    except asyncpg.UniqueViolationError:
        raise Conflict("另一个批次同时纳入了相同的应发事项，请刷新后重试") from None


async def _json_encoded(
    records: AsyncIterable[tuple[Any, ...]], at: Sequence[int]
) -> AsyncIterator[tuple[Any, ...]]:
    """COPY takes a JSON column as its text."""
    async for record in records:
        if at:
            values = list(record)
            for i in at:
                if values[i] is not None:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
            record = tuple(values)
        yield record


async def _insert_many(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk rows given as dicts with the same keys."""
    if rows:
        columns = list(rows[0])
        await _insert_records(session, table, columns, _as_records(rows, columns))


def _line_row(batch_id: uuid.UUID, now: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "batch_id": batch_id,
        "status": LineStatus.pending,
        "bank_reference": None,
        "reason": None,
        "created_at": now,
        "updated_at": now,
        **fields,
    }


# `payment_lines` columns in the order lines are written: an education run builds each line as a tuple
# in this order straight away (one per pupil's household across the banner), claim lines are put in it.
LINE_COLUMNS = (
    "id", "batch_id", "entitlement_key", "claim_id", "household_id", "household_number", "region_code",
    "payee_name", "payee_id_masked", "bank_name", "account_masked", "amount_fen", "quantity", "rate_fen",
    "policy_version", "detail", "status", "bank_reference", "reason", "created_at", "updated_at",
)  # fmt: skip
# What a claim's line takes from the claim.
CLAIM_LINE_COLUMNS = (
    "id", "household_id", "household_number", "region_code", "payee_id_masked", "amount_fen", "eligible",
    "rate_fen", "policy_version", "evidence",
)  # fmt: skip


def stream_account(household: dict[str, Any]) -> dict[str, Any] | None:
    """The payee account of a streamed household (flat fields there) as a looked-up one carries it."""
    if not household.get("account_number_masked"):
        return None
    fields = ("payee_name", "bank_name", "account_number_masked", "account_number")
    return {k: household.get(k) for k in fields}


def sealed(sealer: Sealer, account_number: str | None) -> str | None:
    """An instruction's account number as it waits in the outbox: sealed; None (no account) stays None."""
    return sealer.encrypt(account_number) if account_number else None


def account_columns(account: dict[str, Any]) -> dict[str, Any]:
    """What a line keeps of the account it pays into: the payee, the bank and the number masked (the number
    itself stays in the registry, read again when the batch is disbursed)."""
    return {
        "payee_name": account["payee_name"],
        "bank_name": account["bank_name"],
        "account_masked": account["account_number_masked"],
    }


def held_entry(household_id: Any, number: str, region_code: str, reason: str) -> dict[str, Any]:
    """A household held out of a batch, as the batch lists it (`held`)."""
    return {
        "household_id": str(household_id),
        "household_number": number,
        "region_code": region_code,
        "reason": reason,
    }


async def _accounts(
    registry: RegistryClient, household_ids: Iterable[uuid.UUID], *, token: str
) -> dict[str, dict[str, Any] | None]:
    """Households' payee accounts with their numbers, by id: one bulk read per 1000 on this service's own
    token (payments' client is shown the numbers)."""
    found = await registry.lookup(household_ids, token=token)
    return {h["id"]: h.get("payee_account") for h in found}


async def _payable(
    registry: RegistryClient, rows: list[dict[str, Any]], held: list[dict[str, Any]], *, token: str
) -> list[dict[str, Any]]:
    """The rows whose household's account a bank can pay into, each with that account; the others are held
    out (appended to `held` with the reason)."""
    accounts = await _accounts(registry, {row["household_id"] for row in rows}, token=token)
    payable = []
    for row in rows:
        account = accounts.get(str(row["household_id"]))
        if problem := account_problem(account):
            held.append(held_entry(row["household_id"], row["household_number"], row["region_code"], problem))
        else:
            payable.append(row | account_columns(account))  # type: ignore[arg-type]
    return payable


@dataclass(frozen=True)
class Draft:
    """What each kind's lines are drafted from: who drafts, the batch asked for and the one being written,
    the registry on this service's own token, and the list of households held out (with the reason)."""

    principal: Principal
    registry: RegistryClient
    own_token: str
    data: BatchCreate
    batch_id: uuid.UUID
    now: datetime
    held: list[dict[str, Any]]


async def _claim_lines(session: AsyncSession, draft: Draft) -> AsyncIterator[tuple[Any, ...]]:
    """Approved claims of the kind, year and region that no live line holds (failed or returned ones come
    back; a paid one never does), one line each (`LINE_COLUMNS`), made as its household's account arrives.

    The claims are read first, as plain rows (the COPY then has the connection to itself). Their payees'
    accounts come as education's do: the registry's stream of the region's eligible households with their
    accounts, on this service's own token (ARCHITECTURE.md "Bulk paths"), so the lines are written while
    the stream runs. A household whose account a bank cannot pay into is held out (`held`); one the stream
    no longer carries (its category changed after the claim was approved) is looked up by id at the end.
    """
    live = exists().where(col(Line.claim_id) == col(Claim.id), holds_entitlement())
    columns = (col(getattr(Claim, c)) for c in CLAIM_LINE_COLUMNS)
    statement = narrowed(select(*columns), Claim.region_code, draft.principal, draft.data.region).where(
        Claim.kind == draft.data.kind,
        Claim.year == draft.data.year,
        Claim.status == ClaimStatus.approved,
        Claim.amount_fen > 0,
        ~live,
    )
    owed: dict[str, list[Any]] = {}
    for claim in (await session.execute(statement)).all():
        owed.setdefault(str(claim.household_id), []).append(claim)
    pending = str(LineStatus.pending)

    def lines_of(household_id: str, account: dict[str, Any] | None) -> Iterator[tuple[Any, ...]]:
        claims = owed.pop(household_id)
        if problem := account_problem(account):
            first = claims[0]
            draft.held.append(held_entry(household_id, first.household_number, first.region_code, problem))
            return
        for c in claims:
            yield (
                uuid.uuid4(), draft.batch_id, f"claim:{c.id}", c.id, c.household_id, c.household_number,
                c.region_code, account["payee_name"], c.payee_id_masked, account["bank_name"],  # type: ignore[index]
                account["account_number_masked"], c.amount_fen, c.eligible, c.rate_fen,  # type: ignore[index]
                c.policy_version, {"claim_id": str(c.id), "evidence": c.evidence}, pending, None, None,
                draft.now, draft.now,
            )  # fmt: skip

    async def lines() -> AsyncIterator[tuple[Any, ...]]:
        if not owed:
            return
        async for household in draft.registry.stream(
            region=draft.data.region,
            categories=ELIGIBLE_CATEGORIES,
            members=StreamMembers.none,
            token=draft.own_token,
            with_account=True,
        ):
            if household["id"] in owed:
                for line in lines_of(household["id"], stream_account(household)):
                    yield line
        if owed:
            accounts = await _accounts(draft.registry, list(owed), token=draft.own_token)
            for household_id in list(owed):
                for line in lines_of(household_id, accounts.get(household_id)):
                    yield line

    return lines()


async def _held_keys(session: AsyncSession, kind: Kind, year: int | None) -> set[str]:
    """The entitlements of `kind` (in `year`; None: any year) a live line holds already: one query, whatever
    the count."""
    statement = (
        select(Line.entitlement_key)
        .join(Batch, col(Batch.id) == col(Line.batch_id))
        .where(Batch.kind == kind, holds_entitlement())
    )
    if year is not None:
        statement = statement.where(Batch.year == year)
    return set((await session.exec(statement)).all())


async def _education_lines(session: AsyncSession, draft: Draft) -> AsyncIterator[tuple[Any, ...]]:
    """Education living allowances computed from the registry's school stages, one line per household
    (`LINE_COLUMNS`), each as soon as its household arrives.

    One bulk read: the registry streams the region's eligible households that have someone in school, with
    their accounts, on this service's own token (ARCHITECTURE.md "Bulk paths"); a household whose account a
    bank cannot pay into is held out (`held`). The policy and the year's held entitlements are read here,
    before the lines are written (the COPY has the connection to itself), and the rates looked up once, so a
    household costs a parse, a dict look-up per pupil and a tuple.
    """
    version, items = await policies.version_for_year(session, year=draft.data.year)
    rates = education_rates(items)
    batched = await _held_keys(session, Kind.education, draft.data.year)
    pending = str(LineStatus.pending)
    prefix = f"education:{draft.data.year}:"

    async def lines() -> AsyncIterator[tuple[Any, ...]]:
        async for household in draft.registry.stream(
            region=draft.data.region,
            categories=ELIGIBLE_CATEGORIES,
            school=True,
            token=draft.own_token,
            with_account=True,
        ):
            key = prefix + household["id"]
            if key in batched or household["category"] not in ELIGIBLE_CATEGORIES:
                continue
            if not is_within(household["region_code"], draft.principal.region):
                continue
            students = education_students(household["members"], rates)
            if not students:
                continue
            account = stream_account(household)
            if problem := account_problem(account):
                draft.held.append(
                    held_entry(household["id"], household["number"], household["region_code"], problem)
                )
                continue
            yield (
                uuid.uuid4(), draft.batch_id, key, None, uuid.UUID(household["id"]), household["number"],
                household["region_code"], account["payee_name"], household["head_id_masked"],  # type: ignore[index]
                account["bank_name"], account["account_number_masked"],  # type: ignore[index]
                sum(s["rate_fen"] for s in students), len(students), None, version.version,
                {"students": students}, pending, None, None, draft.now, draft.now,
            )  # fmt: skip

    return lines()


async def _safety_net_lines(session: AsyncSession, draft: Draft) -> AsyncIterator[tuple[Any, ...]]:
    """A safety-net kind's dues (seed §五(一)4), one line per member (`LINE_COLUMNS`), computed by
    `safety_net.dues` from the registry's facts, less those a live line holds; a household whose account a
    bank cannot pay into is held out (`held`). One bulk read, as for education, each household's lines made
    as it arrives: the stream of the region's supported households carries members' ages, school stages,
    grades and flags, and the accounts (this service's own token), narrowed to the categories and members
    the kind can pay (`safety_net.STREAMED`), with the latest income for the 渐退期."""
    version, items = await policies.version_for_year(session, year=draft.data.year)
    batched = await _held_keys(
        session, draft.data.kind, None if draft.data.kind == Kind.pension_loan else draft.data.year
    )
    pending = str(LineStatus.pending)

    def lines_of(household: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
        due = [
            (key, d)
            for d in safety_net.dues(draft.data.kind, household, items, draft.data.year)
            if (key := safety_net.entitlement_key(draft.data.kind, draft.data.year, d.member_id))
            not in batched
        ]
        if not due:
            return
        account = stream_account(household)
        if problem := account_problem(account):
            draft.held.append(
                held_entry(household["id"], household["number"], household["region_code"], problem)
            )
            return
        for key, d in due:
            detail = {
                "member_id": d.member_id,
                "name": d.name,
                "disability_grade": d.disability_grade,
                "reason": d.reason,
            }
            yield (
                uuid.uuid4(), draft.batch_id, key, None, uuid.UUID(household["id"]), household["number"],
                household["region_code"], account["payee_name"], household["head_id_masked"],  # type: ignore[index]
                account["bank_name"], account["account_number_masked"], d.amount_fen, d.quantity,  # type: ignore[index]
                d.rate_fen, version.version, detail, pending, None, None, draft.now, draft.now,
            )  # fmt: skip

    async def lines() -> AsyncIterator[tuple[Any, ...]]:
        categories, members = safety_net.STREAMED[draft.data.kind]
        async for household in draft.registry.stream(
            region=draft.data.region,
            categories=categories,
            members=members,
            with_income=draft.data.kind == Kind.dibao_gradual_exit,
            token=draft.own_token,
            with_account=True,
        ):
            if is_within(household["region_code"], draft.principal.region):
                for line in lines_of(household):
                    yield line

    return lines()


async def _monitoring_lines(
    session: AsyncSession, draft: Draft, monitoring: MonitoringClient
) -> list[dict[str, Any]]:
    """What monitoring records as owed — the month's wages (a post's month, a member's month of labour) or
    the year's 贴息 of each loan —, each keyed once, less those a live line holds: an entitlement is paid
    once however often a batch is drafted."""
    if draft.data.kind == Kind.loan_interest_subsidy:
        owed = await monitoring.loan_subsidies_owed(year=draft.data.year, region=draft.data.region)
    else:
        owed = await monitoring.wages_owed(
            kind=draft.data.kind,
            month=f"{draft.data.year:04d}-{draft.data.month:02d}",
            region=draft.data.region,
        )
    owed = [w for w in owed if w["amount_fen"] > 0 and is_within(w["region_code"], draft.principal.region)]
    held = set(
        await session.exec(
            select(Line.entitlement_key).where(
                col(Line.entitlement_key).in_([w["key"] for w in owed]), holds_entitlement()
            )
        )
    )
    return [
        _line_row(
            draft.batch_id,
            draft.now,
            entitlement_key=w["key"],
            claim_id=None,
            household_id=uuid.UUID(w["household_id"]),
            household_number=w["household_number"],
            region_code=w["region_code"],
            payee_name=w["payee_name"],
            payee_id_masked=w["payee_id_masked"],
            amount_fen=w["amount_fen"],
            quantity=None,
            rate_fen=None,
            policy_version=NO_POLICY_VERSION,
            detail=w["detail"],
        )
        for w in owed
        if w["key"] not in held
    ]


async def _counted(batch: Batch, records: AsyncIterable[tuple[Any, ...]]) -> AsyncIterator[tuple[Any, ...]]:
    """Pass `LINE_COLUMNS` records through, adding each to the batch's total and line count."""
    amount_at = LINE_COLUMNS.index("amount_fen")
    async for record in records:
        batch.total_fen += record[amount_at]
        batch.line_count += 1
        yield record


async def _as_records(
    rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> AsyncIterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(row[c] for c in columns)


async def create_batch(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    monitoring: MonitoringClient,
    own_token: str,
    data: BatchCreate,
) -> BatchPublic:
    """Draft a batch of every approved claim or computed entitlement of the kind, year (and, for wages,
    month) and region that no other batch holds; lines are written in bulk, each with the payee account
    the registry shows this service, and households whose account a bank cannot pay into are held out
    (listed in the batch with the reason)."""
    if not is_within(data.region, principal.region):
        raise Invalid.field("region", "不在您的管辖范围内")
    if data.kind == Kind.dividend:
        raise Invalid.field("kind", "资产收益分红批次由资产管理中已审批的分配方案移交生成，不能在此起草")
    if (data.kind in WAGES) != (data.month is not None):
        raise Invalid.field("month", "工资类批次（按月）须指明月份，其他批次不指明月份")
    now = utcnow()
    batch = Batch(
        year=data.year,
        month=data.month,
        kind=data.kind,
        region_code=data.region,
        status=BatchStatus.draft,
        created_by=principal.subject,
        created_at=now,
        number=await _next_number(session, year=data.year, kind=data.kind),
    )
    session.add(batch)
    await session.flush()
    draft = Draft(principal, registry, own_token, data, batch.id, now, held=[])
    if data.kind in FROM_MONITORING:
        rows = await _monitoring_lines(session, draft, monitoring)
        records = _as_records(await _payable(registry, rows, draft.held, token=own_token), LINE_COLUMNS)
    elif data.kind == Kind.education:
        records = await _education_lines(session, draft)
    elif data.kind in SAFETY_NET:
        records = await _safety_net_lines(session, draft)
    else:
        records = await _claim_lines(session, draft)
    # A concurrent draft holding the same entitlement loses here, on the live-entitlement unique index (409);
    # the whole batch rolls back with it.
    await _insert_records(session, Line.__table__, LINE_COLUMNS, _counted(batch, records))  # type: ignore[attr-defined]
    if not batch.line_count:
        month = f"{data.month} 月" if data.month else ""
        place = await registry.region_name(data.region, token=own_token)
        nothing = f"{place}没有可纳入批次的 {data.year} 年{month}{data.kind.label}"
        if held := draft.held:
            number, reason = held[0]["household_number"], held[0]["reason"]
            nothing += f"（{len(held)} 户收款账户未通过校验，如 {number}：{reason}）"
        raise Invalid.field("kind", nothing)
    batch.held = draft.held or None
    session.add(batch)
    await session.flush()
    public = to_public(batch)
    await _audit(session, principal, batch, "batch.create", after=public)
    return public


async def _next_number(session: AsyncSession, *, year: int, kind: Kind) -> str:
    """The next readable number of the year and kind; creators of one year and kind take turns on
    PostgreSQL (SQLite writers are serialised already), and the unique index backs it."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"batch_number:{year}:{kind}"}
        )
    made = (await session.exec(select(func.count()).where(Batch.year == year, Batch.kind == kind))).one()
    return batch_number(year, kind, int(made) + 1)


# A dividend or wage line is priced by its source (the plan, the post or the labour), not by a policy table.
NO_POLICY_VERSION = 0


def _distinct_lines(data: DividendBatchCreate) -> dict[str, int]:
    """The plan's lines as household → fen, each household listed once (422 naming the repeat)."""
    lines: dict[str, int] = {}
    for i, line in enumerate(data.lines):
        if str(line.household_id) in lines:
            raise Invalid.field(f"lines.{i}.household_id", "同一户在分配方案中出现多次")
        lines[str(line.household_id)] = line.amount_fen
    return lines


async def _check_plan(assets: AssetsClient, data: DividendBatchCreate, *, token: str) -> None:
    """The batch is the plan assets approved, read from assets itself: what the body says proves nothing."""
    lines = _distinct_lines(data)
    plan = await assets.plan(data.plan_id, token=token)
    if plan is None:
        raise Invalid.field("plan_id", "资产收益服务中没有该分配方案")
    if problem := dividend_plan_problem(plan, year=data.year, region=data.region, lines=lines):
        raise Invalid.field(*problem)


async def _dividend_payees(
    registry: RegistryClient, data: DividendBatchCreate, *, token: str
) -> dict[uuid.UUID, dict[str, Any]]:
    """The plan's households as the registry records them, each living in the plan's region: one streamed
    read of the region's households without members (each line carries the head and the account), the
    few it does not carry looked up to say why; any such household refuses the whole plan (422)."""
    wanted = {line.household_id for line in data.lines}
    households = {}
    async for household in registry.stream(
        region=data.region, categories=(), members=StreamMembers.none, token=token
    ):
        if (household_id := uuid.UUID(household["id"])) in wanted:
            households[household_id] = household
    if len(households) < len(wanted):
        elsewhere = {h["id"] for h in await registry.lookup(wanted - set(households), token=token)}
        for i, line in enumerate(data.lines):
            if line.household_id not in households:
                place = await registry.region_name(data.region, token=token)
                reason = f"该户不属于{place}" if str(line.household_id) in elsewhere else "户籍中没有该户"
                raise Invalid.field(f"lines.{i}.household_id", reason)
    return households


async def create_dividend_batch(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    assets: AssetsClient,
    token: str,
    data: DividendBatchCreate,
    idempotency_key: str,
) -> tuple[bool, DividendBatchCreated]:
    """Turn an approved dividend plan into one batch, approved already (the plan passed maker-checker in
    assets), with exactly the plan's lines and the registry's payees; returns whether it was created now
    or is the first answer to the same `Idempotency-Key`. `token` is this service's own, for the reads."""
    first = await idempotency.first_answer(session, principal=principal, key=idempotency_key, body=data)
    if first is not None:
        return False, DividendBatchCreated.model_validate(first[1])
    if not is_within(data.region, principal.region):
        raise Invalid.field("region", "不在您的管辖范围内")
    existing = (await session.exec(select(Batch.id).where(Batch.source_plan_id == data.plan_id))).first()
    if existing is not None:
        raise Conflict(f"分配方案 {data.plan_id} 已移交为批次 {existing}（幂等键不同）")
    await _check_plan(assets, data, token=token)
    households = await _dividend_payees(registry, data, token=token)
    now = utcnow()
    batch = Batch(
        year=data.year,
        kind=Kind.dividend,
        region_code=data.region,
        status=BatchStatus.approved,
        total_fen=sum(line.amount_fen for line in data.lines),
        line_count=len(data.lines),
        created_by=principal.subject,
        created_at=now,
        approved_by=principal.subject,
        approved_at=now,
        source_plan_id=data.plan_id,
        purpose=data.purpose,
        number=await _next_number(session, year=data.year, kind=Kind.dividend),
    )
    session.add(batch)
    await session.flush()  # a concurrent twin loses here, on the one-batch-per-plan unique index (409)
    rows = []
    for line in data.lines:
        household = households[line.household_id]
        # The plan's every line, as approved in assets: an account the bank cannot pay into is refused by
        # the bank, and the line paid again (repay-failed) once the village has corrected it.
        rows.append(
            _line_row(
                batch.id,
                now,
                entitlement_key=f"dividend:{data.plan_id}:{line.household_id}",
                claim_id=None,
                household_id=line.household_id,
                household_number=household["number"],
                region_code=household["region_code"],
                payee_name=household["payee_name"] or household["head_name"],
                payee_id_masked=household["head_id_masked"],
                bank_name=household["bank_name"],
                account_masked=household["account_number_masked"],
                amount_fen=line.amount_fen,
                quantity=None,
                rate_fen=None,
                policy_version=NO_POLICY_VERSION,
                detail={"plan_id": str(data.plan_id)},
            )
        )
    await _insert_many(session, Line.__table__, rows)  # type: ignore[attr-defined]
    await _audit(session, principal, batch, "batch.create_dividend", after=to_public(batch))
    created = DividendBatchCreated(
        batch_id=batch.id,
        status=BatchStatus(batch.status),
        total_fen=batch.total_fen,
        line_count=batch.line_count,
    )
    await idempotency.remember(
        session, principal=principal, key=idempotency_key, body=data, status_code=201, response=created
    )
    return True, created


async def _move(
    session: AsyncSession, batch: Batch, *, expected: Sequence[BatchStatus], values: dict[str, Any]
) -> None:
    """Change a batch's status only if it is still one of `expected`: of two concurrent requests, one wins."""
    result = await session.execute(
        update(Batch).where(col(Batch.id) == batch.id, col(Batch.status).in_(list(expected))).values(**values)
    )
    if result.rowcount != 1:
        await session.refresh(batch)
        needed = "或".join(s.label for s in expected)
        raise Conflict(f"批次当前状态为{BatchStatus(batch.status).label}，不能执行此操作（需为{needed}）")
    await session.refresh(batch)


def _refuse_maker(batch: Batch, principal: Principal) -> None:
    if principal.subject in (batch.created_by, batch.submitted_by):
        raise Conflict("制单人或提交人不能审批或发放本批次（审核须由另一人进行）")


async def submit(
    session: AsyncSession, *, principal: Principal, batch: Batch, notice_days: float | None
) -> BatchPublic:
    """The maker hands a draft (or a returned batch) over for approval, and its notice is published with
    fixed dates: for `notice_days` (setting PAYMENT_NOTICE_DAYS) or the policy version's `notice_days`."""
    if notice_days is None:
        version, _ = await policies.version_for_year(session, year=batch.year)
        notice_days = version.notice_days
    before = to_public(batch)
    now = utcnow()
    posted, until = notices.notice_period(now, notice_days)
    await _move(
        session,
        batch,
        expected=(BatchStatus.draft, BatchStatus.returned),
        values={
            "status": BatchStatus.submitted,
            "submitted_by": principal.subject,
            "submitted_at": now,
            "notice_posted_at": posted,
            "notice_until": until,
        },
    )
    return await _audited(session, principal, batch, "batch.submit", before)


async def _refuse_unposted(session: AsyncSession, batch: Batch) -> None:
    """409 while the notice is posted or an objection raised during it is not settled, or when objections
    took every line out."""
    if not batch.line_count:
        raise Conflict("本批次已没有待发放的明细")
    if problem := notices.posting_problem(batch, utcnow()):
        raise Conflict(problem)
    if held := await notices.open_count(session, batch.id):
        raise Conflict(f"本批次有 {held} 条公示异议尚未由苏木镇处理，处理后方可审批或发放")


async def approve(session: AsyncSession, *, principal: Principal, batch: Batch) -> BatchPublic:
    """A banner official other than the maker and the submitter approves (maker-checker), once the notice
    period is over and no objection is open."""
    _refuse_maker(batch, principal)
    await _refuse_unposted(session, batch)
    before = to_public(batch)
    await _move(
        session,
        batch,
        expected=(BatchStatus.submitted,),
        values={"status": BatchStatus.approved, "approved_by": principal.subject, "approved_at": utcnow()},
    )
    return await _audited(session, principal, batch, "batch.approve", before)


async def disburse(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    own_token: str,
    sealer: Sealer,
    batch: Batch,
) -> BatchPublic:
    """Send an approved batch to the bank: one outbox message per line, written with the status change, for
    the endpoint active now (the dispatcher signs and delivers them). Each instruction carries the payee
    account as the registry holds it now (one bulk read on this service's own token), so a correction made
    during the notice is the one paid into; the line keeps what it was sent to. The account number waits in
    the outbox sealed (`account_number_sealed`): the queue holds no account in clear, as the registry holds
    none."""
    _refuse_maker(batch, principal)
    await _refuse_unposted(session, batch)
    endpoint = (
        await session.exec(select(WebhookEndpoint).where(WebhookEndpoint.status == EndpointStatus.active))
    ).first()
    if endpoint is None:
        raise Conflict("尚未登记代理银行的接收地址（webhook endpoint），不能发放")
    before = to_public(batch)
    now = utcnow()
    await _move(
        session,
        batch,
        expected=(BatchStatus.approved,),
        values={
            "status": BatchStatus.disbursing,
            "disbursed_by": principal.subject,
            "disbursed_at": now,
            "endpoint_id": endpoint.id,
        },
    )
    lines = (
        await session.exec(
            select(Line).where(Line.batch_id == batch.id, col(Line.status) != LineStatus.cancelled)
        )
    ).all()
    accounts = await _accounts(registry, {line.household_id for line in lines}, token=own_token)
    sent_to = {line.id: accounts.get(str(line.household_id)) or {} for line in lines}
    await _record_accounts(session, lines, sent_to)
    purpose = purpose_of(batch)
    messages = [
        {
            "id": uuid.uuid4(),
            "topic": TOPIC,
            "idempotency_key": str(line.id),
            "payload": {
                "endpoint_id": str(endpoint.id),
                "timestamp": now.isoformat(),
                "instruction_id": str(line.id),
                "batch_id": str(batch.id),
                "household_id": str(line.household_id),
                "payee_name": sent_to[line.id].get("payee_name") or line.payee_name,
                "bank_name": sent_to[line.id].get("bank_name"),
                "account_number_sealed": sealed(sealer, sent_to[line.id].get("account_number")),
                "amount_fen": line.amount_fen,
                "purpose": purpose,
            },
            "status": OutboxStatus.pending,
            "attempts": 0,
            "next_attempt_at": now,
            "locked_until": None,
            "last_error": None,
            "created_at": now,
            "delivered_at": None,
        }
        for line in lines
    ]
    await _insert_many(session, outbox, messages)
    return await _audited(session, principal, batch, "batch.disburse", before)


async def _record_accounts(
    session: AsyncSession, lines: Sequence[Line], accounts: dict[uuid.UUID, dict[str, Any]]
) -> None:
    """Lines whose account changed since drafting keep the one they are sent to (one statement for all)."""
    changed = [
        {"line_id": line.id, **account_columns(account)}
        for line in lines
        if (account := accounts[line.id]).get("account_number_masked")
        and (line.payee_name, line.bank_name, line.account_masked) != tuple(account_columns(account).values())
    ]
    if changed:
        table = Line.__table__  # type: ignore[attr-defined]
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("line_id"))
            .values(
                payee_name=bindparam("payee_name"),
                bank_name=bindparam("bank_name"),
                account_masked=bindparam("account_masked"),
            ),
            changed,
        )


async def return_to_maker(
    session: AsyncSession, *, principal: Principal, batch: Batch, data: BatchReturn
) -> BatchPublic:
    """A checker (a banner official other than its maker and submitter) sends a submitted batch back with
    the reason; its maker may cancel it, or submit it again (a new notice period)."""
    _refuse_maker(batch, principal)
    before = to_public(batch)
    await _move(
        session,
        batch,
        expected=(BatchStatus.submitted,),
        values={
            "status": BatchStatus.returned,
            "returned_by": principal.subject,
            "returned_at": utcnow(),
            "return_reason": data.reason,
        },
    )
    return await _audited(session, principal, batch, "batch.return", before)


async def cancel(session: AsyncSession, *, principal: Principal, batch: Batch) -> BatchPublic:
    """Its maker cancels a draft or returned batch: its lines are taken out (cancelled), so their claims and
    entitlements come back for a later batch."""
    if principal.subject != batch.created_by:
        raise Conflict("只有制单人可以撤销本批次")
    before = to_public(batch)
    now = utcnow()
    await _move(
        session,
        batch,
        expected=(BatchStatus.draft, BatchStatus.returned),
        values={"status": BatchStatus.cancelled, "cancelled_by": principal.subject, "cancelled_at": now},
    )
    await session.execute(
        update(Line)
        .where(col(Line.batch_id) == batch.id, col(Line.status) == LineStatus.pending)
        .values(status=LineStatus.cancelled, reason="批次已撤销", updated_at=now)
    )
    return await _audited(session, principal, batch, "batch.cancel", before)


REPAYABLE = (LineStatus.failed, LineStatus.returned)


async def repay_failed(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, batch: Batch
) -> BatchPublic:
    """Draft a new batch of exactly a completed batch's failed and returned lines whose households now pass
    the account checks (read from the registry on the caller's token) and whose entitlement nothing else
    holds; the others stay for a later attempt."""
    if batch.status != BatchStatus.completed:
        raise Conflict("只有发放完毕的批次可以对失败明细重新发放")
    failed = (
        await session.exec(
            scoped(select(Line), Line.region_code, principal)
            .where(Line.batch_id == batch.id, col(Line.status).in_(list(REPAYABLE)))
            .order_by(col(Line.household_number), col(Line.id))
        )
    ).all()
    if not failed:
        raise Conflict("本批次没有失败或退回的明细")
    taken = set(
        (
            await session.exec(
                select(Line.entitlement_key).where(
                    col(Line.entitlement_key).in_([line.entitlement_key for line in failed]),
                    holds_entitlement(),
                )
            )
        ).all()
    )
    found = await registry.lookup({line.household_id for line in failed}, token=principal.token)
    households = {h["id"]: h for h in found}
    due = [
        line
        for line in failed
        if line.entitlement_key not in taken
        and str(line.household_id) in households
        and account_problem(households[str(line.household_id)].get("payee_account")) is None
    ]
    if not due:
        raise Conflict("失败明细的农牧户账户仍未通过校验（或已由其他批次重新发放），请先更正账户")
    now = utcnow()
    repay = Batch(
        year=batch.year,
        month=batch.month,
        kind=batch.kind,
        region_code=batch.region_code,
        status=BatchStatus.draft,
        total_fen=sum(line.amount_fen for line in due),
        line_count=len(due),
        created_by=principal.subject,
        created_at=now,
        purpose=batch.purpose,
        repays_batch_id=batch.id,
        number=await _next_number(session, year=batch.year, kind=Kind(batch.kind)),
    )
    session.add(repay)
    await session.flush()
    rows = [
        _line_row(repay.id, now, **{c: getattr(line, c) for c in LINE_COLUMNS if c not in _FRESH})
        | account_columns(households[str(line.household_id)]["payee_account"])
        | {"detail": (line.detail or {}) | {"repays_line_id": str(line.id)}}
        for line in due
    ]
    await _insert_many(session, Line.__table__, rows)  # type: ignore[attr-defined]
    public = to_public(repay)
    await _audit(session, principal, repay, "batch.repay_failed", after=public)
    return public


# What a line paid again gets afresh (`_line_row`); the rest is the failed line's.
_FRESH = frozenset({"id", "batch_id", "status", "bank_reference", "reason", "created_at", "updated_at"})


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    status: BatchStatus | None,
    year: int | None,
    kind: Kind | None,
    region: str | None,
    page: int,
    page_size: int,
) -> tuple[list[BatchPublic], int]:
    statement = narrowed(select(Batch), Batch.region_code, principal, region)
    for column, value in ((Batch.status, status), (Batch.year, year), (Batch.kind, kind)):
        if value is not None:
            statement = statement.where(column == value)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(Batch.created_at).desc(), col(Batch.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [to_public(b) for b in rows.all()], int(total)


def _scoped_lines(principal: Principal, batch: Batch) -> Any:
    """A batch's lines the caller may see (a village official only its village's)."""
    return scoped(select(Line), Line.region_code, principal).where(Line.batch_id == batch.id)


async def lines(
    session: AsyncSession,
    *,
    principal: Principal,
    batch: Batch,
    status: LineStatus | None,
    page: int,
    page_size: int,
) -> tuple[list[LinePublic], int]:
    statement = _scoped_lines(principal, batch)
    if status is not None:
        statement = statement.where(Line.status == status)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(Line.household_number), col(Line.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [line_public(line) for line in rows.all()], int(total)


async def reconciliation(
    session: AsyncSession, *, principal: Principal, batch: Batch
) -> ReconciliationPublic:
    """Sums by outcome, computed in the database (one grouped query)."""
    lines_ = _scoped_lines(principal, batch).subquery()
    rows = (
        await session.execute(
            select(lines_.c.status, func.count(), func.coalesce(func.sum(lines_.c.amount_fen), 0)).group_by(
                lines_.c.status
            )
        )
    ).all()
    sums = reconcile((LineStatus(status), int(amount)) for status, _, amount in rows)
    counts = {s: 0 for s in LineStatus} | {LineStatus(status): int(n) for status, n, _ in rows}
    return ReconciliationPublic(batch_id=batch.id, counts=counts, **vars(sums))


async def notice(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    batch: Batch,
    region: str | None,
    own_token: str,
    phones: dict[str, str],
) -> NoticePublic:
    """The public disclosure list at village, township or banner level: names and ID numbers masked, the
    fund, the posting period fixed on submit, and the bodies issuing it at each level with their
    supervision phones (the names above the caller's scope read on this service's own token)."""
    region = region or (
        batch.region_code if is_within(batch.region_code, principal.region) else principal.region
    )
    if not is_within(region, principal.region):
        raise NotFound("region not found")
    statement = narrowed(select(Line), Line.region_code, principal, region).where(Line.batch_id == batch.id)
    rows = (await session.exec(statement.order_by(col(Line.region_code), col(Line.household_number)))).all()
    rows = [line for line in rows if line.status != LineStatus.cancelled]
    names = await registry.region_names(BANNER_CODE, token=own_token)
    total = sum(line.amount_fen for line in rows)
    kind = Kind(batch.kind)
    purpose = purpose_of(batch)
    source, use = notices.fund_of(kind, purpose)
    return NoticePublic(
        batch_id=batch.id,
        number=batch.number,
        title=f"{names.get(region, region)} {purpose}发放公示",
        fund_source=source,
        fund_use=use,
        **notices.notice_dates(batch),
        issuers=notices.issuers(region, names, phones),
        kind=kind,
        kind_label=kind.label,
        year=batch.year,
        region_code=region,
        region_name=names.get(region),
        level=tier_of(region),
        total_fen=total,
        total_yuan=format_yuan(total),
        rows=[
            NoticeRow(
                household_number=line.household_number,
                village_code=line.region_code,
                village_name=names.get(line.region_code),
                payee_name=mask_name(line.payee_name),
                id_masked=line.payee_id_masked,
                amount_fen=line.amount_fen,
                amount_yuan=format_yuan(line.amount_fen),
            )
            for line in rows
        ],
    )


async def _audited(
    session: AsyncSession, principal: Principal, batch: Batch, action: str, before: BatchPublic
) -> BatchPublic:
    after = to_public(batch)
    await _audit(session, principal, batch, action, before=before, after=after)
    return after


async def _audit(
    session: AsyncSession,
    principal: Principal,
    batch: Batch,
    action: str,
    *,
    before: BatchPublic | None = None,
    after: BatchPublic | None = None,
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=batch.region_code,
        action=action,
        entity="batch",
        entity_id=str(batch.id),
        before=before.model_dump(mode="json") if before else None,
        after=after.model_dump(mode="json") if after else None,
    )
