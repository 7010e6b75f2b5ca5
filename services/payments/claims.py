"""Claims: priced by the policy version in force, capped per household and year in the database, and
case-by-case amounts approved by a second official (maker-checker)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments import idempotency, policies, safety_net
from services.payments.clients import MonitoringClient
from services.payments.discrepancies import holds_entitlement
from services.payments.models import Claim, ClaimTotal, Line, audit_log
from services.payments.rules import (
    HERD_FIELDS,
    Breakdown,
    Subsidy,
    check_eligible,
    claim_year_problem,
    education_allowance,
    herd_problem,
    livestock_subsidy,
)
from services.payments.schemas import (
    BreakdownPublic,
    ClaimCreate,
    ClaimPublic,
    Entitlements,
    LivestockPublic,
    SafetyNetDuePublic,
    StudentPublic,
)
from shared import audit
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.months import today
from shared.registry_client import Household, RegistryClient
from shared.scope import ensure_in_scope, fetch_in_scope, narrowed, scoped
from shared.vocabulary.payments import FROM_MONITORING, LIVESTOCK, SAFETY_NET, ClaimStatus, Kind, Mode


def scoped_claims(principal: Principal) -> Any:
    """The only way this module reads claims: inside the caller's region."""
    return scoped(select(Claim), Claim.region_code, principal)


async def get_claim(session: AsyncSession, *, principal: Principal, claim_id: uuid.UUID) -> Claim:
    return await fetch_in_scope(session, scoped_claims(principal).where(Claim.id == claim_id), what="claim")


def to_public(claim: Claim) -> ClaimPublic:
    return ClaimPublic(
        **claim.model_dump(exclude={"requested", "eligible", "already_claimed", "rate_fen", "cap"}),
        breakdown=BreakdownPublic(
            requested=claim.requested,
            eligible=claim.eligible,
            already_claimed=claim.already_claimed,
            rate_fen=claim.rate_fen,
            cap=claim.cap,
        ),
    )


def head_of(household: Household) -> tuple[str, str]:
    """The payee: the head's name and masked ID number."""
    for member in household["members"]:
        if member["relation"] == "head":
            return member["name"], member["id_masked"]
    return household["head_name"], ""


async def _household(registry: RegistryClient, household_id: uuid.UUID, *, principal: Principal) -> Household:
    """The household as the registry shows it to the caller, inside the caller's scope, or 404."""
    household = await registry.household(household_id, token=principal.token)
    if household is None:
        raise NotFound("household not found")
    ensure_in_scope(household["region_code"], principal, what="household")
    return household


def _refuse_ineligible(household: Household) -> None:
    eligibility = check_eligible(household["category"])
    if not eligibility.eligible:
        raise Invalid.field("household_id", eligibility.reason)


async def _reserve(
    session: AsyncSession, *, household_id: uuid.UUID, kind: Kind, year: int, cap: int, requested: int
) -> tuple[int, int]:
    """Take up to `requested` units under the yearly cap; returns (claimed before, granted).

    The totals row is locked (FOR UPDATE on PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE)
    and the update is conditional, so concurrent claims never take more than the cap between them.
    """
    t = ClaimTotal.__table__  # type: ignore[attr-defined]
    key = (t.c.household_id == household_id) & (t.c.kind == kind) & (t.c.year == year)
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    await session.execute(
        dialect.insert(t)
        .values(household_id=household_id, kind=kind, year=year, cap=cap, claimed=0)
        .on_conflict_do_nothing()
    )
    claimed = int((await session.execute(select(t.c.claimed).where(key).with_for_update())).scalar_one())
    granted = min(requested, max(cap - claimed, 0))
    if granted:
        result = await session.execute(
            update(t).where(key, t.c.claimed + granted <= cap).values(claimed=t.c.claimed + granted, cap=cap)
        )
        if result.rowcount != 1:
            raise Conflict("该户本年度补贴数量刚被同时提交的申报占用，请重试")
    return claimed, granted


NO_EVIDENCE = "存栏记录已过时的申报须附动物检疫合格证明（或出栏票据）编号"


async def _herd_status(session: AsyncSession, *, data: ClaimCreate, herd: int, unit: str) -> ClaimStatus:
    """Approved at once within the herd on record (this year's earlier claims counted); above it refused, or
    sent for approval when the village says the record is out of date and names its evidence."""
    sold = await session.exec(
        select(func.coalesce(func.sum(Claim.quantity), 0)).where(
            Claim.household_id == data.household_id,
            Claim.kind == data.kind,
            Claim.year == data.year,
            Claim.status != ClaimStatus.rejected,
        )
    )
    problem = herd_problem(data.quantity, claimed_before=int(sold.one()), herd=herd, unit=unit)
    if problem is None:
        return ClaimStatus.approved
    if not data.herd_record_outdated:
        raise Invalid.field("quantity", problem)
    if not (data.evidence or "").strip():
        raise Invalid.field("evidence", NO_EVIDENCE)
    return ClaimStatus.pending_approval


async def _price(
    session: AsyncSession, *, data: ClaimCreate, household_id: uuid.UUID, herd: int | None
) -> tuple[Subsidy, int, ClaimStatus]:
    """The amount of a claim, why, under which policy version, and whether it still needs approval."""
    if data.kind == Kind.education:
        raise Invalid.field("kind", "教育生活补贴按在校学段自动核算（见 entitlements），无需申报")
    if data.kind in SAFETY_NET:
        raise Invalid.field("kind", f"{data.kind.label}按户籍登记的成员信息自动核算（见 entitlements）")
    if data.kind in FROM_MONITORING:
        raise Invalid.field(
            "kind", f"{data.kind.label}按监测帮扶中的岗位、务工或贷款记录核算，由发放批次直接读取，无需申报"
        )
    version, items = await policies.version_for_year(session, year=data.year)
    item = policies.item_for(items, data.kind)
    if data.herd_record_outdated and herd is None:
        raise Invalid.field("herd_record_outdated", "仅适用于牲畜出栏补贴")
    if item.mode == Mode.case_by_case:
        if data.amount_fen is None:
            raise Invalid.field("amount_fen", f"{data.kind.label}须填写申请金额（分）")
        # A case is one unit at the amount asked for; the quantity stays on the claim as information.
        return (
            Subsidy(data.amount_fen, Breakdown(1, 1, 0, data.amount_fen, None)),
            version.version,
            (ClaimStatus.pending_approval),
        )
    if data.amount_fen is not None:
        raise Invalid.field("amount_fen", "按标准计算的补贴不接受申请金额")
    assert item.cap_quantity is not None
    claimed, granted = await _reserve(
        session,
        household_id=household_id,
        kind=data.kind,
        year=data.year,
        cap=item.cap_quantity,
        requested=data.quantity,
    )
    if not granted:
        raise Invalid.field(
            "quantity",
            f"该户 {data.year} 年{data.kind.label}已补贴 {claimed}{item.unit}，已达每户每年上限 "
            f"{item.cap_quantity}{item.unit}",
        )
    status = ClaimStatus.approved
    if herd is not None:  # the units are reserved first: the totals row's lock orders the herd check too
        status = await _herd_status(session, data=data, herd=herd, unit=item.unit)
    return livestock_subsidy(data.kind, data.quantity, claimed, item), version.version, status


# seed §五(五): 以奖代补、先建后补、不干不补.
NO_RESULT = "不干不补：产业奖补只奖励嘎查村已登记、经入户走访核实的产业成果，请先登记成果并注明 result_id"


async def _check_result(
    session: AsyncSession, monitoring: MonitoringClient, *, principal: Principal, data: ClaimCreate
) -> None:
    """An industry reward names the household's result as monitoring records it, verified at a visit and
    not rewarded before; no other kind names one."""
    if data.kind != Kind.industry_reward:
        if data.result_id is not None:
            raise Invalid.field("result_id", "只有产业奖补（以奖代补）按产业成果申报")
        return
    if data.result_id is None:
        raise Invalid.field("result_id", NO_RESULT)
    result = await monitoring.industry_result(data.result_id, token=principal.token)
    if result is None or result["household_id"] != str(data.household_id):
        raise Invalid.field("result_id", "该户没有这项产业成果的登记（或不在您的管辖范围内）；" + NO_RESULT)
    if not result["verified"]:
        raise Conflict(f"先建后补：该户的“{result['what']}”尚未经入户走访核实，核实后方可申报奖补")
    rewarded = await session.exec(
        select(Claim.id).where(Claim.result_id == data.result_id, Claim.status != ClaimStatus.rejected)
    )
    if rewarded.first() is not None:
        raise Conflict(f"该户的“{result['what']}”已申报过奖补，每项成果只奖补一次")


async def file_claim(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    monitoring: MonitoringClient,
    data: ClaimCreate,
    previous_year_until: tuple[int, int],
    idempotency_key: str | None = None,
) -> ClaimPublic:
    """File a claim for a household in scope; livestock is priced and approved at once, capped per year
    (a claim over the cap gets the remainder) and checked against the herd on record; case-by-case kinds
    wait for approval. Only this year's claims, and last year's until `previous_year_until` (month, day).

    With an `Idempotency-Key`, a repeat of the same request answers with the first claim.
    """
    if idempotency_key:
        first = await idempotency.first_answer(session, principal=principal, key=idempotency_key, body=data)
        if first is not None:
            return ClaimPublic.model_validate(first[1])
    year_problem = claim_year_problem(data.year, today=today(), previous_until=previous_year_until)
    if year_problem is not None:
        raise Invalid.field("year", year_problem)
    household = await _household(registry, data.household_id, principal=principal)
    _refuse_ineligible(household)
    await _check_result(session, monitoring, principal=principal, data=data)
    herd = household[HERD_FIELDS[data.kind]] if data.kind in HERD_FIELDS else None
    subsidy, version, status = await _price(session, data=data, household_id=data.household_id, herd=herd)
    name, id_masked = head_of(household)
    b = subsidy.breakdown
    claim = Claim(
        household_id=data.household_id,
        household_number=household["number"],
        region_code=household["region_code"],
        payee_name=name,
        payee_id_masked=id_masked,
        kind=data.kind,
        year=data.year,
        quantity=data.quantity,
        requested=b.requested,
        eligible=b.eligible,
        already_claimed=b.already_claimed,
        rate_fen=b.rate_fen,
        cap=b.cap,
        amount_fen=subsidy.amount_fen,
        policy_version=version,
        status=status,
        evidence=data.evidence,
        herd_record_outdated=data.herd_record_outdated,
        herd_on_record=herd,
        result_id=data.result_id,
        created_by=principal.subject,
    )
    session.add(claim)
    await session.flush()
    public = to_public(claim)
    await _audit(session, principal, claim, "claim.create", after=public)
    if idempotency_key:
        await idempotency.remember(
            session, principal=principal, key=idempotency_key, body=data, status_code=201, response=public
        )
    return public


async def decide(
    session: AsyncSession, *, principal: Principal, claim: Claim, approve: bool, comment: str | None
) -> ClaimPublic:
    """Approve or reject a case-by-case claim; never by the official who filed it."""
    if claim.created_by == principal.subject:
        raise Conflict("申报人不能审批自己提交的申报（审核须由另一人进行）")
    before = to_public(claim)
    now = datetime.now(UTC)
    status = ClaimStatus.approved if approve else ClaimStatus.rejected
    result = await session.execute(
        update(Claim)
        .where(col(Claim.id) == claim.id, col(Claim.status) == ClaimStatus.pending_approval)
        .values(status=status, decided_by=principal.subject, decided_at=now, decision_comment=comment)
    )
    if result.rowcount != 1:
        raise Conflict(f"申报当前状态为 {claim.status}，不能再审批")
    if not approve and claim.kind in LIVESTOCK:
        await _release(session, claim)
    await session.refresh(claim)
    public = to_public(claim)
    await _audit(
        session, principal, claim, "claim.approve" if approve else "claim.reject", before=before, after=public
    )
    return public


async def _release(session: AsyncSession, claim: Claim) -> None:
    """A rejected livestock claim gives back the units it reserved under the yearly cap."""
    t = ClaimTotal.__table__  # type: ignore[attr-defined]
    await session.execute(
        update(t)
        .where(t.c.household_id == claim.household_id, t.c.kind == claim.kind, t.c.year == claim.year)
        .values(claimed=t.c.claimed - claim.eligible)
    )


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    household_id: uuid.UUID | None,
    kind: Kind | None,
    year: int | None,
    status: ClaimStatus | None,
    region: str | None,
    page: int,
    page_size: int,
) -> tuple[list[ClaimPublic], int]:
    statement = narrowed(select(Claim), Claim.region_code, principal, region)
    for column, value in (
        (Claim.household_id, household_id),
        (Claim.kind, kind),
        (Claim.year, year),
        (Claim.status, status),
    ):
        if value is not None:
            statement = statement.where(column == value)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(Claim.created_at).desc(), col(Claim.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [to_public(c) for c in rows.all()], int(total)


async def entitlements(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    household_id: uuid.UUID,
    year: int,
) -> Entitlements:
    """What a household is due in `year` and why: eligibility, education per student, livestock caps left,
    and the safety net per member (seed §五(一)4)."""
    household = await _household(registry, household_id, principal=principal)
    eligibility = check_eligible(household["category"])
    version, items = await policies.version_for_year(session, year=year)
    education = education_allowance(household["members"], year, items)
    totals = {
        t.kind: t.claimed
        for t in (
            await session.exec(
                select(ClaimTotal).where(ClaimTotal.household_id == household_id, ClaimTotal.year == year)
            )
        ).all()
    }
    livestock = [
        LivestockPublic(
            kind=i.kind,
            rate_fen=i.rate_fen,
            cap=i.cap_quantity,
            claimed=totals.get(i.kind, 0),
            remaining=max(i.cap_quantity - totals.get(i.kind, 0), 0) if eligibility.eligible else 0,
        )
        for i in items
        if i.kind in LIVESTOCK and i.mode == Mode.per_unit and i.rate_fen and i.cap_quantity
    ]
    claims, _ = await search(
        session,
        principal=principal,
        household_id=household_id,
        kind=None,
        year=year,
        status=None,
        region=None,
        page=1,
        page_size=200,
    )
    return Entitlements(
        household_id=household_id,
        year=year,
        category=household["category"],
        eligible=eligibility.eligible,
        reason=eligibility.reason,
        policy_version=version.version,
        education_fen=education.amount_fen if eligibility.eligible else 0,
        students=[StudentPublic(**vars(s)) for s in education.students],
        livestock=livestock,
        safety_net=[
            SafetyNetDuePublic(**vars(due), amount_fen=due.amount_fen)
            for due in await _unlent(session, safety_net.all_dues(household, items, year), year)
        ],
        claims=claims,
    )


async def _unlent(session: AsyncSession, dues: list[safety_net.Due], year: int) -> list[safety_net.Due]:
    """The dues less a pension loan a live line holds already: lent once a life, it is due no more, whatever
    the year (a yearly due stays: it is this year's, paid or not)."""
    loans = [d for d in dues if d.kind == Kind.pension_loan]
    keys = {safety_net.entitlement_key(d.kind, year, d.member_id) for d in loans}
    if not keys:
        return dues
    statement = select(Line.entitlement_key).where(col(Line.entitlement_key).in_(keys), holds_entitlement())
    lent = set((await session.exec(statement)).all())
    return [d for d in dues if safety_net.entitlement_key(d.kind, year, d.member_id) not in lent]


async def _audit(
    session: AsyncSession,
    principal: Principal,
    claim: Claim,
    action: str,
    *,
    before: ClaimPublic | None = None,
    after: ClaimPublic | None = None,
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=claim.region_code,
        action=action,
        entity="claim",
        entity_id=str(claim.id),
        before=before.model_dump(mode="json") if before else None,
        after=after.model_dump(mode="json") if after else None,
    )
