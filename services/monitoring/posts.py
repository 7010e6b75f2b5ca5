"""Public-welfare posts (公益性岗位, seed §五(八)): a member holds one for a term at a monthly wage, given
first to lifted-out and marginal people; read within the caller's scope, and owed month by month."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import employment_rules, members
from services.monitoring.clients import RegistryClient
from services.monitoring.employment_schemas import PostCreate, PostPublic, WageEntitlement
from services.monitoring.models import Post, audit_log, aware
from shared import audit
from shared.auth import Principal
from shared.errors import Invalid
from shared.scope import narrowed


def post_public(post: Post, today: date) -> PostPublic:
    return PostPublic.model_validate(
        {
            **post.model_dump(),
            "active": post.starts_on <= today <= post.ends_on,
            "recorded_at": aware(post.recorded_at),
        }
    )


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    region: str | None,
    household_id: uuid.UUID | None,
    active: bool | None,
    page: int,
    page_size: int,
    today: date,
) -> tuple[list[PostPublic], int]:
    """Posts in scope; `active=true` keeps those whose term covers today."""
    statement = narrowed(select(Post), Post.region_code, principal, region)
    if household_id is not None:
        statement = statement.where(Post.household_id == household_id)
    if active is not None:
        current = (col(Post.starts_on) <= today) & (col(Post.ends_on) >= today)
        statement = statement.where(current if active else ~current)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(Post.region_code), col(Post.starts_on).desc(), col(Post.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [post_public(p, today) for p in rows], int(total)


async def create_post(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, data: PostCreate, now: datetime
) -> PostPublic:
    """Appoint a member to a post; a holder outside the priority categories needs a stated reason."""
    [person] = await members.people(
        registry, principal, [(data.household_id, data.holder_member_id)], field="holder_member_id"
    )
    household = person.household
    if reason := employment_rules.holder_refusal(household.category, data.priority_exception):
        raise Invalid.field("priority_exception", reason)
    post = Post(
        name=data.name,
        household_id=household.id,
        region_code=household.region_code,
        household_number=household.number,
        category=household.category,
        holder_member_id=person.member.id,
        holder_name=person.member.name,
        holder_id_masked=person.member.id_masked,
        monthly_wage_fen=data.monthly_wage_fen,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        priority_exception=(data.priority_exception or "").strip() or None,
        recorded_by=principal.subject,
        recorded_at=now,
    )
    session.add(post)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=post.region_code,
        action="post.create",
        entity="public_welfare_post",
        entity_id=str(post.id),
        after={"name": post.name, "monthly_wage_fen": post.monthly_wage_fen, "category": post.category},
    )
    return post_public(post, now.date())


async def wage_entitlements(
    session: AsyncSession, *, principal: Principal, region: str, month: str
) -> list[WageEntitlement]:
    """Each post's wage for `month` in `region`: one entitlement per post whose term touches the month."""
    first, last = employment_rules.month_bounds(month)
    statement: Any = (
        narrowed(select(Post), Post.region_code, principal, region)
        .where(Post.starts_on <= last, Post.ends_on >= first)
        .order_by(col(Post.region_code), col(Post.household_number), col(Post.id))
    )
    owed = []
    for post in await session.exec(statement):
        amount = employment_rules.wage_for_month(post.monthly_wage_fen, post.starts_on, post.ends_on, month)
        owed.append(
            WageEntitlement(
                key=employment_rules.post_wage_key(post.id, month),
                household_id=post.household_id,
                household_number=post.household_number,
                region_code=post.region_code,
                payee_name=post.holder_name,
                payee_id_masked=post.holder_id_masked,
                amount_fen=amount,
                # the holder beside the account's payee: the batch line says whose wage it is
                detail={
                    "post_id": str(post.id),
                    "post": post.name,
                    "month": month,
                    "member_id": str(post.holder_member_id),
                    "name": post.holder_name,
                },
            )
        )
    return owed
