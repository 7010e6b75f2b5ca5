"""A household's employment for its file — posts, workshop jobs, work relief and trainings — and the wages
owed for a month, which payments reads when it drafts a wage batch."""

import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import engagements, posts
from services.monitoring.employment_schemas import EmploymentRecord, HouseholdEmployment, WageEntitlement
from services.monitoring.models import Engagement, Post, Training, WorkReliefProject, Workshop
from shared.auth import Principal
from shared.scope import scoped
from shared.vocabulary.payments import Kind

SOURCES: dict[str, type[Training | Workshop | WorkReliefProject]] = {
    engagements.TRAINING: Training,
    engagements.WORKSHOP: Workshop,
    engagements.WORK_RELIEF: WorkReliefProject,
}


def _title(source: Any) -> str:
    return str(source.course if isinstance(source, Training) else source.name)


async def of_household(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID
) -> HouseholdEmployment:
    """Every post, job, month of labour and training of the household's members within the caller's scope."""
    held = await session.exec(
        scoped(select(Post), Post.region_code, principal)
        .where(Post.household_id == household_id)
        .order_by(col(Post.starts_on))
    )
    records = [
        EmploymentRecord(
            kind="post",
            title=p.name,
            member_id=p.holder_member_id,
            member_name=p.holder_name,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            amount_fen=p.monthly_wage_fen,
        )
        for p in held
    ]
    engaged = list(
        await session.exec(
            scoped(select(Engagement), Engagement.region_code, principal)
            .where(Engagement.household_id == household_id)
            .order_by(col(Engagement.started_on), col(Engagement.month))
        )
    )
    sources: dict[uuid.UUID, Any] = {}
    for kind, model in SOURCES.items():
        ids = [e.source_id for e in engaged if e.kind == kind]
        if ids:
            sources |= {s.id: s for s in await session.exec(select(model).where(col(model.id).in_(ids)))}
    for e in engaged:
        source = sources[e.source_id]
        records.append(
            EmploymentRecord(
                kind=e.kind,
                title=_title(source),
                member_id=e.member_id,
                member_name=e.member_name,
                starts_on=e.started_on or getattr(source, "starts_on", None),
                ends_on=getattr(source, "ends_on", None),
                month=e.month or None,
                amount_fen=e.amount_fen,
                certificate=e.certificate,
            )
        )
    return HouseholdEmployment(records=records)


async def wages_owed(
    session: AsyncSession, *, principal: Principal, kind: Kind, region: str, month: str
) -> list[WageEntitlement]:
    """The wages of `kind` owed for `month` in `region`: posts' monthly wages or work-relief labour."""
    if kind == Kind.post_wage:
        return await posts.wage_entitlements(session, principal=principal, region=region, month=month)
    return await engagements.work_relief_entitlements(
        session, principal=principal, region=region, month=month
    )
