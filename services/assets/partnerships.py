"""百企兴百村 / 村企共建 (seed §五(七)): an enterprise's commitments to a village, what it delivered with
evidence, the members its jobs employ, and the banner's ranking of partnerships by delivery."""

import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import rules
from services.assets.common import page_of, record, region_in_scope
from services.assets.entities import entity_serving
from services.assets.models import Commitment, Delivery, Entity, Partnership
from services.assets.schemas import (
    CommitmentPublic,
    DeliveryCreate,
    DeliveryPublic,
    MemberRef,
    PartnershipCreate,
    PartnershipPublic,
    PartnershipRanking,
    RankedPartnership,
)
from shared.auth import Principal
from shared.errors import Invalid
from shared.months import today
from shared.registry_client import RegistryClient
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.assets import CommitmentKind, EntityKind

ENTERPRISES = {EntityKind.leading_enterprise, EntityKind.enterprise}


async def get_partnership(
    session: AsyncSession, *, principal: Principal, partnership_id: uuid.UUID
) -> Partnership:
    statement = scoped(select(Partnership), Partnership.region_code, principal).where(
        Partnership.id == partnership_id
    )
    return await fetch_in_scope(session, statement, what="partnership")


async def _public(
    session: AsyncSession, partnerships: list[Partnership], *, today: date
) -> list[PartnershipPublic]:
    """Partnerships with their commitments, what was delivered against each, and the share delivered."""
    ids = [p.id for p in partnerships]
    if not ids:
        return []
    commitments: dict[uuid.UUID, list[Commitment]] = defaultdict(list)
    for c in await session.exec(
        select(Commitment)
        .where(col(Commitment.partnership_id).in_(ids))
        .order_by(col(Commitment.due_on), col(Commitment.id))
    ):
        commitments[c.partnership_id].append(c)
    deliveries: dict[uuid.UUID, list[Delivery]] = defaultdict(list)
    for d in await session.exec(
        select(Delivery)
        .where(col(Delivery.partnership_id).in_(ids))
        .order_by(col(Delivery.delivered_on), col(Delivery.id))
    ):
        deliveries[d.partnership_id].append(d)
    enterprises = {
        e.id: e
        for e in await session.exec(
            select(Entity).where(col(Entity.id).in_({p.enterprise_id for p in partnerships}))
        )
    }
    items = []
    for partnership in partnerships:
        delivered: dict[uuid.UUID, int] = defaultdict(int)
        for d in deliveries[partnership.id]:
            delivered[d.commitment_id] += d.amount
        rows = [
            CommitmentPublic(
                **c.model_dump(exclude={"partnership_id"}),
                delivered=delivered[c.id],
                delivered_bp=rules.share_bp(rules.delivered_share(c.amount, delivered[c.id])),
                overdue=c.due_on < today and delivered[c.id] < c.amount,
            )
            for c in commitments[partnership.id]
        ]
        enterprise = enterprises[partnership.enterprise_id]
        items.append(
            PartnershipPublic(
                **partnership.model_dump(),
                enterprise_name=enterprise.name,
                credit_code=enterprise.credit_code,
                commitments=rows,
                delivered_bp=rules.share_bp(rules.partnership_share([(c.amount, c.delivered) for c in rows])),
                deliveries=[
                    DeliveryPublic.model_validate(d, from_attributes=True) for d in deliveries[partnership.id]
                ],
            )
        )
    return items


async def detail(session: AsyncSession, partnership: Partnership) -> PartnershipPublic:
    return (await _public(session, [partnership], today=today()))[0]


async def create(
    session: AsyncSession, *, principal: Principal, data: PartnershipCreate
) -> PartnershipPublic:
    """Pair an enterprise (with a unified social credit code) with a village of the caller's scope."""
    region_in_scope(data.region_code, principal)
    enterprise = await entity_serving(
        session,
        principal=principal,
        entity_id=data.enterprise_id,
        region_code=data.region_code,
        field="enterprise_id",
    )
    if enterprise.kind not in ENTERPRISES or enterprise.credit_code is None:
        raise Invalid.field("enterprise_id", "须为登记了统一社会信用代码的企业")
    partnership = Partnership(
        enterprise_id=enterprise.id,
        region_code=data.region_code,
        signed_on=data.signed_on,
        created_by=principal.subject,
    )
    session.add(partnership)
    await session.flush()
    session.add_all(Commitment(partnership_id=partnership.id, **c.model_dump()) for c in data.commitments)
    await session.flush()
    await record(
        session,
        principal,
        region=partnership.region_code,
        action="partnership.create",
        entity="partnership",
        entity_id=partnership.id,
        after=data.model_dump(mode="json"),
    )
    return await detail(session, partnership)


async def _check_members(registry: RegistryClient, principal: Principal, members: list[MemberRef]) -> None:
    """Members are households the caller can see in the registry, and members of those households."""
    households = {
        uuid.UUID(h["id"]): {uuid.UUID(m["id"]) for m in h.get("members", [])}
        for h in await registry.lookup({m.household_id for m in members}, token=principal.token)
    }
    for index, member in enumerate(members):
        if member.household_id not in households:
            raise Invalid.field(f"members.{index}.household_id", "农牧户不存在或不在您的管辖范围内")
        if member.member_id is not None and member.member_id not in households[member.household_id]:
            raise Invalid.field(f"members.{index}.member_id", "不是该户成员")


async def deliver(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    partnership: Partnership,
    data: DeliveryCreate,
) -> PartnershipPublic:
    """Record what the enterprise delivered against one commitment, with its evidence; delivered jobs may
    name the members they employ (by the registry's ids)."""
    commitment = (
        await session.exec(
            select(Commitment).where(
                Commitment.id == data.commitment_id, Commitment.partnership_id == partnership.id
            )
        )
    ).first()
    if commitment is None:
        raise Invalid.field("commitment_id", "不是该结对的承诺事项")
    if data.delivered_on > today():
        raise Invalid.field("delivered_on", "不能晚于今天")
    problem = rules.delivery_members_problem(CommitmentKind(commitment.kind), data.amount, len(data.members))
    if problem:
        raise Invalid.field("members", problem)
    if len({(m.household_id, m.member_id) for m in data.members}) != len(data.members):
        raise Invalid.field("members", "人员重复")
    if data.members:
        await _check_members(registry, principal, data.members)
    session.add(
        Delivery(
            partnership_id=partnership.id,
            created_by=principal.subject,
            **data.model_dump(exclude={"members"}),
            members=[m.model_dump(mode="json") for m in data.members],
        )
    )
    await session.flush()
    await record(
        session,
        principal,
        region=partnership.region_code,
        action="partnership.deliver",
        entity="partnership",
        entity_id=partnership.id,
        after=data.model_dump(mode="json"),
    )
    return await detail(session, partnership)


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    region: str | None,
    enterprise_id: uuid.UUID | None,
    page: int,
    page_size: int,
) -> tuple[list[PartnershipPublic], int]:
    statement = narrowed(select(Partnership), Partnership.region_code, principal, region)
    if enterprise_id is not None:
        statement = statement.where(Partnership.enterprise_id == enterprise_id)
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(Partnership.region_code), col(Partnership.signed_on), col(Partnership.id)),
        page=page,
        page_size=page_size,
    )
    return await _public(session, rows, today=today()), total


async def ranking(session: AsyncSession, *, principal: Principal, region: str | None) -> PartnershipRanking:
    """Every partnership in scope ranked by delivered share (the banner's 百企兴百村 league table)."""
    commitments = select(Commitment.id, Commitment.partnership_id, Commitment.amount).join(
        Partnership, col(Partnership.id) == col(Commitment.partnership_id)
    )
    commitments = narrowed(commitments, Partnership.region_code, principal, region)
    delivered_rows = narrowed(
        select(Delivery.commitment_id, func.sum(Delivery.amount))
        .join(Partnership, col(Partnership.id) == col(Delivery.partnership_id))
        .group_by(col(Delivery.commitment_id)),
        Partnership.region_code,
        principal,
        region,
    )
    delivered = {c: int(total) for c, total in (await session.exec(delivered_rows)).all()}
    pairs: dict[uuid.UUID, list[tuple[int, int]]] = defaultdict(list)
    for commitment_id, partnership_id, amount in (await session.exec(commitments)).all():
        pairs[partnership_id].append((amount, delivered.get(commitment_id, 0)))
    partnerships = (
        await session.exec(
            narrowed(
                select(Partnership.id, Partnership.region_code, Entity.name).join(
                    Entity, col(Entity.id) == col(Partnership.enterprise_id)
                ),
                Partnership.region_code,
                principal,
                region,
            ).order_by(col(Entity.name), col(Partnership.region_code), col(Partnership.id))
        )
    ).all()
    places = {pid: (region_code, name) for pid, region_code, name in partnerships}
    shares = {pid: rules.partnership_share(pairs[pid]) for pid in places}
    return PartnershipRanking(
        items=[
            RankedPartnership(
                rank=rank,
                partnership_id=pid,
                enterprise_name=places[pid][1],
                region_code=places[pid][0],
                delivered_bp=rules.share_bp(shares[pid]),
            )
            for rank, pid in rules.rank_by_delivery(list(shares.items()))
        ]
    )
