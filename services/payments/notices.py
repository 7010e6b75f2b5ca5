"""Publish before paying (先公示后发放): a submitted batch's notice period, the bodies that issue its
notice at each level with their supervision phones, and objections raised against its lines while it is
posted — an open one holds the batch from approval until a township official settles it."""

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.bank import audit_change
from services.payments.enums import ObjectionOutcome
from services.payments.models import Batch, Line, LineObjection, utcnow
from services.payments.schemas import NoticeIssuer, ObjectionCreate, ObjectionPublic, ObjectionSettle
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.months import BEIJING
from shared.regions import Tier, is_within
from shared.scope import scoped
from shared.vocabulary.payments import WAGES, BatchStatus, Kind, LineStatus

NATIONAL_HOTLINE = "12317"  # 全国乡村振兴（扶贫）监督举报电话
# The code of each level a region lies in, as long as the code of that tier.
LEVEL_DIGITS = ((Tier.village, 12), (Tier.township, 9), (Tier.banner, 6))
BODY = {Tier.village: "村民委员会", Tier.township: "人民政府", Tier.banner: "人民政府"}


# --- rules ----------------------------------------------------------------------------------------------


def notice_period(now: datetime, days: float) -> tuple[datetime, datetime]:
    """When a notice published `now` is posted and until when (the batch waits for the end)."""
    return now, now + timedelta(days=days)


def posting_problem(batch: Batch, now: datetime) -> str | None:
    """Why a batch may not be approved or disbursed yet because of its notice, in Chinese; None when it may.

    A batch handed over already approved (a dividend plan, noticed by assets) carries no notice of its own."""
    if batch.notice_until is not None and now < batch.notice_until:
        until = batch.notice_until.astimezone(BEIJING)
        return f"公示期至 {until:%Y-%m-%d %H:%M}（北京时间）结束，期满后方可审批或发放"
    return None


def parse_phones(setting: str) -> dict[str, str]:
    """`150625=0477-6721234,150625100=…` (setting PAYMENT_SUPERVISION_PHONES) as region → phone."""
    pairs = (item.split("=", 1) for item in setting.split(",") if "=" in item)
    return {code.strip(): phone.strip() for code, phone in pairs if code.strip() and phone.strip()}


def supervision_phone(region: str, phones: Mapping[str, str]) -> str:
    """The phone of `region`, else of the nearest region above it, else the national hotline."""
    for code in sorted((c for c in phones if is_within(region, c)), key=len, reverse=True):
        return phones[code]
    return NATIONAL_HOTLINE


def issuers(region: str, names: Mapping[str, str], phones: Mapping[str, str]) -> list[NoticeIssuer]:
    """The bodies that post a notice for `region`: its village's committee, its township's and the banner's
    government (嘎查村、苏木镇、旗三级公示), each with its supervision phone."""
    found = []
    for tier, digits in LEVEL_DIGITS:
        if len(region) < digits:
            continue
        code = region[:digits]
        found.append(
            NoticeIssuer(
                level=tier,
                region_code=code,
                name=f"{names.get(code, code)}{BODY[tier]}",
                supervision_phone=supervision_phone(code, phones),
            )
        )
    return found


# seed §五(一)4: the safety net is paid from the social-assistance and insurance funds it belongs to.
SAFETY_NET_FUNDS = {
    Kind.dibao_gradual_exit: "城乡居民最低生活保障资金",
    Kind.disability_living: "困难残疾人生活补贴资金",
    Kind.disability_nursing: "重度残疾人护理补贴资金",
    Kind.pension_premium: "城乡居民基本养老保险代缴资金",
    Kind.pension_loan: "城乡居民基本养老保险一次性补缴借款资金",
}


def fund_of(kind: Kind, purpose: str) -> tuple[str, str]:
    """The fund a batch pays from and what for, as its notice states it (seed §五(三), §五(一)4, §六(四))."""
    if kind == Kind.dividend:
        return "扶贫（衔接）项目资产收益", f"{purpose}，按经审批的收益分配方案分配到户"
    if kind in WAGES:
        return "旗级衔接推进乡村振兴专项资金", f"{purpose}，按岗位或务工记录核发"
    if kind == Kind.loan_interest_subsidy:
        return "旗级衔接推进乡村振兴专项资金", f"{purpose}，按小额信贷放款、还款记录和贴息利率核定到借款人"
    if kind in SAFETY_NET_FUNDS:
        return SAFETY_NET_FUNDS[kind], f"{purpose}，按户籍登记的成员信息和政策标准核定到人"
    return "旗级衔接推进乡村振兴专项资金", f"{purpose}，按政策标准补贴到户"


# --- objections -------------------------------------------------------------------------------------------


def public(objection: LineObjection) -> ObjectionPublic:
    return ObjectionPublic.model_validate(objection, from_attributes=True)


async def raise_objection(
    session: AsyncSession, *, principal: Principal, batch: Batch, line_id: uuid.UUID, data: ObjectionCreate
) -> ObjectionPublic:
    """Record an objection against a line of a batch whose notice is posted; one open objection a line."""
    now = utcnow()
    if batch.status != BatchStatus.submitted or batch.notice_until is None or now >= batch.notice_until:
        raise Conflict("只能在批次公示期内对发放明细提出异议")
    line = (
        await session.exec(
            scoped(select(Line), Line.region_code, principal).where(
                Line.id == line_id, Line.batch_id == batch.id
            )
        )
    ).first()
    if line is None:
        raise NotFound("line not found")
    if line.status != LineStatus.pending:
        raise Conflict(f"该明细当前状态为 {LineStatus(line.status).label}，不能再提出异议")
    if await open_objection(session, line.id) is not None:
        raise Conflict("该明细已有未处理的异议，请等待苏木镇处理")
    objection = LineObjection(
        line_id=line.id,
        batch_id=batch.id,
        region_code=line.region_code,
        household_number=line.household_number,
        reason=data.reason,
        raised_by=principal.subject,
        raised_at=now,
    )
    session.add(objection)
    await session.flush()  # a concurrent twin loses on the one-open-objection index (409)
    after = public(objection)
    await audit_change(
        session, principal, "objection.raise", "line_objection", objection.id, line.region_code,
        before={}, after=after.model_dump(mode="json"),
    )  # fmt: skip
    return after


async def open_objection(session: AsyncSession, line_id: uuid.UUID) -> LineObjection | None:
    return (
        await session.exec(
            select(LineObjection).where(
                LineObjection.line_id == line_id, col(LineObjection.settled_at).is_(None)
            )
        )
    ).first()


async def open_count(session: AsyncSession, batch_id: uuid.UUID) -> int:
    """Objections on a batch not yet settled (every region: one anywhere holds the whole batch)."""
    statement = select(func.count()).select_from(LineObjection)
    return int(
        (
            await session.exec(
                statement.where(LineObjection.batch_id == batch_id, col(LineObjection.settled_at).is_(None))
            )
        ).one()
    )


async def settle(
    session: AsyncSession, *, principal: Principal, objection_id: uuid.UUID, data: ObjectionSettle
) -> ObjectionPublic:
    """Settle an objection once: upheld takes its line out of the batch (its entitlement released, the batch's
    total reduced); dismissed leaves it. A second answer is 409."""
    objection = (
        await session.exec(
            scoped(select(LineObjection), LineObjection.region_code, principal)
            .where(LineObjection.id == objection_id)
            .with_for_update()
        )
    ).first()
    if objection is None:
        raise NotFound("objection not found")
    if objection.settled_at is not None:
        settled = objection.settled_at.astimezone(BEIJING)
        raise Conflict(f"该异议已于 {settled:%Y-%m-%d %H:%M} 由 {objection.settled_by} 处理")
    before = public(objection).model_dump(mode="json")
    if data.outcome == ObjectionOutcome.upheld:
        await _take_out(session, principal, objection, data.note)
    objection.settled_at, objection.settled_by = utcnow(), principal.subject
    objection.outcome, objection.note = data.outcome, data.note
    session.add(objection)
    await session.flush()
    after = public(objection)
    await audit_change(
        session, principal, "objection.settle", "line_objection", objection.id, objection.region_code,
        before=before, after=after.model_dump(mode="json"),
    )  # fmt: skip
    return after


async def _take_out(session: AsyncSession, principal: Principal, objection: LineObjection, note: str) -> None:
    """An upheld objection's line leaves its batch unsent (cancelled), so a later batch may pay it once put
    right; the batch's total and count follow."""
    line = await session.get(Line, objection.line_id, with_for_update=True)
    assert line is not None  # an objection's line is never deleted (foreign key)
    if line.status != LineStatus.pending:
        return
    line.status, line.reason, line.updated_at = LineStatus.cancelled, f"公示异议成立：{note}"[:200], utcnow()
    session.add(line)
    batch = await session.get(Batch, line.batch_id, with_for_update=True)
    assert batch is not None
    batch.total_fen -= line.amount_fen
    batch.line_count -= 1
    session.add(batch)
    await session.flush()
    await audit_change(
        session, principal, "line.cancelled", "line", line.id, line.region_code,
        before={"status": LineStatus.pending}, after={"status": LineStatus.cancelled, "reason": line.reason},
    )  # fmt: skip


async def objections(
    session: AsyncSession, *, principal: Principal, batch: Batch, page: int, page_size: int
) -> tuple[list[ObjectionPublic], int]:
    """A batch's objections in the caller's scope, open ones first, newest first."""
    statement = scoped(select(LineObjection), LineObjection.region_code, principal).where(
        LineObjection.batch_id == batch.id
    )
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(LineObjection.settled_at).is_not(None), col(LineObjection.raised_at).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [public(o) for o in rows.all()], int(total)


def notice_dates(batch: Batch) -> dict[str, Any]:
    """The notice's fixed dates as stored on submit (a reprint shows the same ones)."""
    posted = batch.notice_posted_at
    return {
        "published": posted is not None,
        "posted_at": posted,
        "posted_on": posted.astimezone(BEIJING).date() if posted else None,
        "until": batch.notice_until,
    }
