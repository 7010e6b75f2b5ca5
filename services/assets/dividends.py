"""Dividend plans (收益分配方案): split a village's asset income exactly, publish the plan to the village
(公示) for the notice period, approve it with maker-checker only then, keep its posts and collective parts
for the village (village_funds.py) and hand the households' part to payments exactly once through the outbox.

The payments contract this depends on (the payments service implements it):

    POST {payments_url}/api/v1/payments/batches/dividends
      headers: Authorization: Bearer <svc-assets token>, Idempotency-Key: assets-plan-<plan id>
      body:    {plan_id, year, region, purpose: "资产收益分红", lines: [{household_id, amount_fen}]}
      → 201 (created) or 200 (the same key again: the first answer) {batch_id, status}
      Payments reads the plan back (GET /api/v1/assets/distributions/{id}, its own token) and takes it
      only if it is approved with exactly these lines; the payees are the heads the registry records.
    GET  {payments_url}/api/v1/payments/batches/{batch_id} (caller's token) → {…, status, …}

2xx stores `batch_id` on the plan (handed_over); 5xx, 401, 409, 429 and connection errors retry with
backoff; any other 4xx gives up and shows the refusal on the plan (handover_failed).
"""

import logging
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from sqlalchemy import func, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import rules, village_funds
from services.assets.clients import PaymentsClient
from services.assets.common import page_of, record, region_in_scope
from services.assets.models import Asset, AssetIncome, DividendLine, DividendPlan, audit_log, outbox
from services.assets.schemas import (
    Distributable,
    HouseholdDividend,
    PlanCreate,
    PlanLine,
    PlanPublic,
    PlanSource,
    PlanSummary,
    SharesIn,
)
from shared import audit
from shared.auth import Principal
from shared.db import Database
from shared.errors import Conflict, Invalid, Unavailable
from shared.money import format_yuan
from shared.outbox import GiveUp, Handler, Message, RetryLater, enqueue
from shared.registry_client import RegistryClient
from shared.roles import Role
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.assets import AssetClass, PlanStatus
from shared.vocabulary.households import StreamMembers

log = logging.getLogger("hangjin.assets.dividends")

TOPIC = "payments.dividend_batch"
PURPOSE = "资产收益分红"
APPROVERS = frozenset({Role.banner_official, Role.township_official})
SERVICE_ACTOR = audit.Actor("svc-assets", "service")


def idempotency_key(plan_id: uuid.UUID) -> str:
    return f"assets-plan-{plan_id}"


async def get_plan(session: AsyncSession, *, principal: Principal, plan_id: uuid.UUID) -> DividendPlan:
    statement = scoped(select(DividendPlan), DividendPlan.region_code, principal)
    return await fetch_in_scope(session, statement.where(DividendPlan.id == plan_id), what="plan")


async def _lock_village_year(session: AsyncSession, region: str, year: int) -> None:
    """Serialise plan-making per village and year, so two plans never spend the same income.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writers are already serialised.
    """
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"assets-plan:{region}:{year}"}
        )


async def distributable(session: AsyncSession, *, region: str, year: int) -> tuple[int, int]:
    """The village's recorded operating-asset income for `year`, and what earlier plans already took.

    Income counts assets registered at the village itself (a township's assets are not a village's).
    Every plan but a cancelled one counts, drafts included, so two drafts cannot spend the same fen.
    """
    income = (
        await session.exec(
            select(func.coalesce(func.sum(AssetIncome.amount_fen), 0))
            .join(Asset, col(Asset.id) == col(AssetIncome.asset_id))
            .where(
                Asset.region_code == region,
                Asset.asset_class == AssetClass.operating,
                AssetIncome.year == year,
            )
        )
    ).one()
    planned = (
        await session.exec(
            select(func.coalesce(func.sum(DividendPlan.total_fen), 0)).where(
                DividendPlan.region_code == region,
                DividendPlan.year == year,
                DividendPlan.status != PlanStatus.cancelled,
            )
        )
    ).one()
    return int(income), int(planned)


async def distributable_in(
    session: AsyncSession, *, principal: Principal, region: str, year: int
) -> Distributable:
    """What the caller's village may still distribute for `year` (the plan form shows it)."""
    region_in_scope(region, principal, field="region")
    income, planned = await distributable(session, region=region, year=year)
    return Distributable(
        region=region,
        year=year,
        income_fen=income,
        planned_fen=planned,
        left_fen=rules.distributable_fen(income, planned),
    )


async def _income_and_asset(session: AsyncSession, income_id: uuid.UUID) -> tuple[AssetIncome, Asset] | None:
    row = (
        await session.exec(
            select(AssetIncome, Asset)
            .join(Asset, col(Asset.id) == col(AssetIncome.asset_id))
            .where(AssetIncome.id == income_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def _source_income(session: AsyncSession, data: PlanCreate) -> AssetIncome | None:
    """The named income, if it is an operating asset's in the plan's village and year (422 otherwise)."""
    if data.income_id is None:
        return None
    found = await _income_and_asset(session, data.income_id)
    if found is None or found[1].region_code != data.region or found[1].asset_class != AssetClass.operating:
        raise Invalid.field("income_id", "不是该嘎查村经营性资产登记的收益")
    if found[0].year != data.year:
        raise Invalid.field("income_id", f"该收益属于 {found[0].year} 年度，与方案年度不一致")
    return found[0]


async def create_plan(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, data: PlanCreate
) -> PlanPublic:
    """Draft a plan: check the shares and the income left, fetch the village's sharing households from
    the registry (with the caller's token), split to the fen and keep every line."""
    region_in_scope(data.region, principal, field="region")
    shares = rules.Shares(**data.shares.model_dump())
    problem = rules.shares_problem(shares)
    if problem:
        raise Invalid.field("shares", problem)
    categories = sorted(set(data.categories))
    source = await _source_income(session, data)
    # The village's households of those categories, each paid to its head, known by number and head; the
    # odd fen of the split go to the first by household number, as officials read the list.
    heads = {
        (h["number"], uuid.UUID(h["id"])): h["head_name"]
        async for h in registry.stream(
            region=data.region, categories=categories, members=StreamMembers.none, token=principal.token
        )
    }
    await _lock_village_year(session, data.region, data.year)
    income, planned = await distributable(session, region=data.region, year=data.year)
    left = rules.distributable_fen(income, planned)
    if data.total_fen > left:
        raise Invalid.field(
            "total_fen",
            f"超过 {data.year} 年度可分配的经营性资产收益（收益 {format_yuan(income)} 元，"
            f"已分配 {format_yuan(planned)} 元，剩余 {format_yuan(left)} 元）",
        )
    households_fen = rules.largest_remainder(data.total_fen, shares.as_list())[0]
    if households_fen and not heads:
        raise Invalid.field("categories", "该嘎查村没有属于所选类别的农牧户，无法分配农牧户部分")
    parts, split = rules.split_dividend(data.total_fen, shares, list(heads))
    plan = DividendPlan(
        year=data.year,
        region_code=data.region,
        total_fen=data.total_fen,
        households_pct=shares.households,
        public_posts_pct=shares.public_posts,
        collective_pct=shares.collective,
        households_fen=parts.households_fen,
        public_posts_fen=parts.public_posts_fen,
        collective_fen=parts.collective_fen,
        categories=categories,
        income_id=source.id if source else None,
        status=PlanStatus.draft,
        made_by=principal.subject,
        made_role=principal.role,
    )
    session.add(plan)
    await session.flush()
    # A household due 0 fen (1 fen over 3 households) gets no payment line.
    lines = [
        {
            "id": uuid.uuid4(),
            "plan_id": plan.id,
            "household_id": household_id,
            "household_no": number,
            "payee_name": heads[number, household_id],
            "amount_fen": fen,
        }
        for (number, household_id), fen in split
        if fen > 0
    ]
    if lines:
        await session.execute(DividendLine.__table__.insert(), lines)  # type: ignore[attr-defined]
    await record(
        session,
        principal,
        region=plan.region_code,
        action="dividend_plan.create",
        entity="dividend_plan",
        entity_id=plan.id,
        after={**_audit_view(plan), "line_count": len(lines)},
    )
    return await to_public(session, plan, payment_status=None)


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    region: str | None,
    year: int | None,
    status: PlanStatus | None,
    page: int,
    page_size: int,
) -> tuple[list[PlanSummary], int]:
    statement = narrowed(select(DividendPlan), DividendPlan.region_code, principal, region)
    if year is not None:
        statement = statement.where(DividendPlan.year == year)
    if status is not None:
        statement = statement.where(DividendPlan.status == status)
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(DividendPlan.created_at).desc(), col(DividendPlan.id)),
        page=page,
        page_size=page_size,
    )
    counts = await _line_counts(session, [p.id for p in rows])
    return [summary(p, line_count=counts.get(p.id, 0)) for p in rows], total


async def household_dividends(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID, page: int, page_size: int
) -> tuple[list[HouseholdDividend], int]:
    """A household's lines in the plans of the caller's scope, newest year first (none outside it)."""
    statement = (
        scoped(select(DividendLine, DividendPlan), DividendPlan.region_code, principal)
        .join(DividendPlan, col(DividendPlan.id) == col(DividendLine.plan_id))
        .where(DividendLine.household_id == household_id)
    )
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(DividendPlan.year).desc(), col(DividendPlan.created_at).desc()),
        page=page,
        page_size=page_size,
    )
    return [
        HouseholdDividend(
            plan_id=plan.id,
            year=plan.year,
            region=plan.region_code,
            status=PlanStatus(plan.status),
            amount_fen=line.amount_fen,
            payment_batch_id=plan.payment_batch_id,
        )
        for line, plan in rows
    ], total


async def _line_counts(session: AsyncSession, plan_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not plan_ids:
        return {}
    rows = await session.exec(
        select(DividendLine.plan_id, func.count())
        .where(col(DividendLine.plan_id).in_(plan_ids))
        .group_by(col(DividendLine.plan_id))
    )
    return {plan_id: int(n) for plan_id, n in rows}


def _payload(plan: DividendPlan, lines: list[DividendLine]) -> dict[str, Any]:
    return {
        "plan_id": str(plan.id),
        "year": plan.year,
        "region": plan.region_code,
        "purpose": PURPOSE,
        "lines": [{"household_id": str(line.household_id), "amount_fen": line.amount_fen} for line in lines],
    }


async def _transition(session: AsyncSession, plan: DividendPlan, *, to: PlanStatus, **values: Any) -> None:
    """Move a plan on from the status it was read in; a concurrent transition of the same plan makes this
    one lose with 409."""
    result = await session.execute(
        update(DividendPlan)
        .where(col(DividendPlan.id) == plan.id, col(DividendPlan.status) == plan.status)
        .values(status=to, updated_at=datetime.now(UTC), **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("分配方案已被他人处理")
    await session.refresh(plan)


async def publish(
    session: AsyncSession, *, principal: Principal, plan: DividendPlan, notice_days: float | None
) -> PlanPublic:
    """Publish a draft to its village (公示) from now for the notice period (setting PAYMENT_NOTICE_DAYS,
    else rules.PLAN_NOTICE_DAYS); it may be approved only once the notice has run."""
    if plan.status != PlanStatus.draft:
        raise Conflict(f"分配方案状态为{PlanStatus(plan.status).label}，只有草稿可以公示")
    now = datetime.now(UTC)
    until = rules.plan_notice_until(now, notice_days)
    await _transition(
        session,
        plan,
        to=PlanStatus.in_notice,
        published_by=principal.subject,
        notice_posted_at=now,
        notice_until=until,
    )
    await record(
        session,
        principal,
        region=plan.region_code,
        action="dividend_plan.publish",
        entity="dividend_plan",
        entity_id=plan.id,
        before={"status": PlanStatus.draft},
        after={"status": PlanStatus.in_notice, "notice_until": until.isoformat()},
    )
    return await to_public(session, plan, payment_status=None)


async def approve(session: AsyncSession, *, principal: Principal, plan: DividendPlan) -> PlanPublic:
    """Approve a plan whose notice has run (maker-checker) and, in the same transaction, keep its posts and
    collective parts for the village and queue the households' part's handover to payments."""
    if principal.subject == plan.made_by:
        raise Conflict("制定分配方案的人不能审批同一方案")
    problem = rules.plan_approval_problem(PlanStatus(plan.status), plan.notice_until, datetime.now(UTC))
    if problem:
        raise Conflict(problem)
    await _transition(
        session, plan, to=PlanStatus.approved, approved_by=principal.subject, approved_at=datetime.now(UTC)
    )
    await village_funds.record_parts(session, principal=principal, plan=plan)
    lines = await _lines(session, plan.id)
    if lines:
        await enqueue(
            session,
            outbox,
            topic=TOPIC,
            payload=_payload(plan, lines),
            idempotency_key=idempotency_key(plan.id),
        )
    else:
        # Nothing to pay households (their share was 0): the plan is complete without a batch.
        plan.status = PlanStatus.handed_over
        session.add(plan)
        await session.flush()
    await record(
        session,
        principal,
        region=plan.region_code,
        action="dividend_plan.approve",
        entity="dividend_plan",
        entity_id=plan.id,
        before={"status": PlanStatus.in_notice},
        after={"status": plan.status, "approved_by": principal.subject},
    )
    return await to_public(session, plan, payment_status=None)


async def cancel(session: AsyncSession, *, principal: Principal, plan: DividendPlan) -> PlanPublic:
    """Withdraw a plan not yet approved (a draft, or one in its notice after an objection); its amount
    becomes distributable again."""
    before = PlanStatus(plan.status)
    if before not in (PlanStatus.draft, PlanStatus.in_notice):
        raise Conflict(f"分配方案状态为{before.label}，只有草稿或公示中的方案可以撤销")
    await _transition(session, plan, to=PlanStatus.cancelled)
    await record(
        session,
        principal,
        region=plan.region_code,
        action="dividend_plan.cancel",
        entity="dividend_plan",
        entity_id=plan.id,
        before={"status": before},
        after={"status": PlanStatus.cancelled},
    )
    return await to_public(session, plan, payment_status=None)


async def detail(
    session: AsyncSession, *, principal: Principal, payments: PaymentsClient, plan: DividendPlan
) -> PlanPublic:
    """A plan with its lines and, once handed over, its batch's status as payments reports it now."""
    payment_status = None
    if plan.payment_batch_id:
        payment_status = await payments.batch_status(token=principal.token, batch_id=plan.payment_batch_id)
    return await to_public(session, plan, payment_status=payment_status)


async def _lines(session: AsyncSession, plan_id: uuid.UUID) -> list[DividendLine]:
    rows = await session.exec(
        select(DividendLine)
        .where(DividendLine.plan_id == plan_id)
        .order_by(col(DividendLine.household_no), col(DividendLine.household_id))
    )
    return list(rows)


def summary(plan: DividendPlan, *, line_count: int, payment_status: str | None = None) -> PlanSummary:
    status = PlanStatus(plan.status)
    if status == PlanStatus.handed_over and payment_status == "completed":
        status = PlanStatus.paid
    return PlanSummary(
        id=plan.id,
        year=plan.year,
        region=plan.region_code,
        total_fen=plan.total_fen,
        shares=SharesIn(
            households=plan.households_pct, public_posts=plan.public_posts_pct, collective=plan.collective_pct
        ),
        categories=plan.categories,
        status=status,
        households_fen=plan.households_fen,
        public_posts_fen=plan.public_posts_fen,
        collective_fen=plan.collective_fen,
        line_count=line_count,
        made_by=plan.made_by,
        income_id=plan.income_id,
        published_by=plan.published_by,
        notice_posted_at=plan.notice_posted_at,
        notice_until=plan.notice_until,
        approved_by=plan.approved_by,
        approved_at=plan.approved_at,
        payment_batch_id=plan.payment_batch_id,
        handover_error=plan.handover_error,
        created_at=plan.created_at,
    )


async def _source(session: AsyncSession, plan: DividendPlan) -> PlanSource | None:
    found = await _income_and_asset(session, plan.income_id) if plan.income_id else None
    if found is None:
        return None
    income, asset = found
    return PlanSource(
        income_id=income.id,
        asset_id=asset.id,
        asset_name=asset.name,
        year=income.year,
        amount_fen=income.amount_fen,
    )


async def to_public(session: AsyncSession, plan: DividendPlan, *, payment_status: str | None) -> PlanPublic:
    lines = await _lines(session, plan.id)
    return PlanPublic(
        **summary(plan, line_count=len(lines), payment_status=payment_status).model_dump(),
        payment_status=payment_status,
        source=await _source(session, plan),
        village_funds=await village_funds.of_plan(session, plan),
        lines=[
            PlanLine(
                household_id=x.household_id,
                household_no=x.household_no,
                payee_name=x.payee_name,
                amount_fen=x.amount_fen,
            )
            for x in lines
        ],
    )


def _audit_view(plan: DividendPlan) -> dict[str, Any]:
    return {
        "year": plan.year,
        "region": plan.region_code,
        "total_fen": plan.total_fen,
        "shares": [plan.households_pct, plan.public_posts_pct, plan.collective_pct],
        "parts_fen": [plan.households_fen, plan.public_posts_fen, plan.collective_fen],
        "categories": plan.categories,
    }


# --- the handover, run by the outbox dispatcher ------------------------------------------------------


class TokenSource(Protocol):
    async def headers(self) -> dict[str, str]: ...


RETRYABLE_4XX = frozenset({401, 409, 429})


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


def handover_handler(db: Database, payments: PaymentsClient, credentials: TokenSource) -> Handler:
    """Deliver an approved plan's lines to payments as one dividend batch (at least once; payments
    deduplicates by the Idempotency-Key, so a repeat yields the same batch)."""

    async def deliver(message: Message) -> None:
        plan_id = uuid.UUID(message.payload["plan_id"])
        try:
            headers = await credentials.headers()
            response = await payments.hand_over(
                headers=headers, idempotency_key=message.idempotency_key, payload=message.payload
            )
        except (Unavailable, httpx.HTTPError) as exc:
            raise RetryLater(f"payments unreachable: {exc!r}") from None
        if response.is_success:
            batch_id = str(response.json()["batch_id"])
            await _handed_over(db, plan_id, batch_id)
            return
        if response.status_code >= 500 or response.status_code in RETRYABLE_4XX:
            raise RetryLater(f"payments answered {response.status_code}", retry_after=_retry_after(response))
        error = f"支付服务拒绝（{response.status_code}）：{response.text[:500]}"
        await _handover_failed(db, plan_id, error)
        raise GiveUp(error)

    return deliver


async def _handed_over(db: Database, plan_id: uuid.UUID, batch_id: str) -> None:
    async with db.session_scope() as session:
        plan = await session.get(DividendPlan, plan_id)
        if plan is None or (plan.status == PlanStatus.handed_over and plan.payment_batch_id == batch_id):
            return
        before = {"status": plan.status, "payment_batch_id": plan.payment_batch_id}
        plan.status, plan.payment_batch_id, plan.handover_error = PlanStatus.handed_over, batch_id, None
        plan.updated_at = datetime.now(UTC)
        session.add(plan)
        await session.flush()
        await audit.append(
            session,
            audit_log,
            actor=SERVICE_ACTOR,
            region=plan.region_code,
            action="dividend_plan.handed_over",
            entity="dividend_plan",
            entity_id=str(plan.id),
            before=before,
            after={"status": plan.status, "payment_batch_id": batch_id},
        )


async def _handover_failed(db: Database, plan_id: uuid.UUID, error: str) -> None:
    async with db.session_scope() as session:
        plan = await session.get(DividendPlan, plan_id)
        if plan is None or plan.status == PlanStatus.handed_over:
            return
        before = {"status": plan.status}
        plan.status, plan.handover_error, plan.updated_at = (
            PlanStatus.handover_failed,
            error,
            datetime.now(UTC),
        )
        session.add(plan)
        await session.flush()
        await audit.append(
            session,
            audit_log,
            actor=SERVICE_ACTOR,
            region=plan.region_code,
            action="dividend_plan.handover_failed",
            entity="dividend_plan",
            entity_id=str(plan.id),
            before=before,
            after={"status": plan.status, "error": error},
        )
