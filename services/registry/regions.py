"""Queries and changes of the registry, always within the caller's region scope."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.models import Region, audit_log
from services.registry.schemas import RegionCreate, RegionPublic, RegionUpdate
from shared import audit
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.regions import Tier, parent_of
from shared.scope import fetch_in_scope, scoped


def _public(region: Region) -> RegionPublic:
    return RegionPublic(
        code=region.code,
        name=region.name,
        tier=Tier(region.tier),
        parent_code=region.parent_code,
        is_focus=region.is_focus,
    )


def build_tree(regions: list[Region]) -> list[RegionPublic]:
    """Nest regions under their parents; those whose parent is not in the list are roots."""
    nodes = {r.code: _public(r) for r in sorted(regions, key=lambda r: r.code)}
    roots: list[RegionPublic] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_code or "")
        (parent.children if parent else roots).append(node)
    return roots


async def region_tree(
    session: AsyncSession, *, principal: Principal, under: str | None = None
) -> list[RegionPublic]:
    """The part of the tree the caller may see, optionally from `under` down."""
    statement = scoped(select(Region), Region.code, principal)
    if under:
        statement = statement.where(Region.code.startswith(under, autoescape=True))
    return build_tree(list((await session.exec(statement)).all()))


async def get_region(session: AsyncSession, *, principal: Principal, code: str) -> Region:
    statement = scoped(select(Region), Region.code, principal).where(Region.code == code)
    return await fetch_in_scope(session, statement, what="region")


async def create_village(session: AsyncSession, *, principal: Principal, data: RegionCreate) -> RegionPublic:
    township_code = str(parent_of(data.code))
    township = (
        await session.exec(
            scoped(select(Region), Region.code, principal).where(
                Region.code == township_code, Region.tier == Tier.township
            )
        )
    ).first()
    if township is None:
        raise Invalid.field("code", f"no township {township_code} in scope for this village code")
    if await session.get(Region, data.code) is not None:
        raise Conflict(f"region {data.code} already exists")
    region = Region(
        code=data.code, name=data.name, tier=Tier.village, parent_code=township_code, is_focus=data.is_focus
    )
    session.add(region)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=region.code,
        action="region.create",
        entity="region",
        entity_id=region.code,
        after=region.model_dump(),
    )
    return _public(region)


async def update_region(
    session: AsyncSession, *, principal: Principal, region: Region, data: RegionUpdate
) -> RegionPublic:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if changes.get("is_focus") and region.tier != Tier.village:
        raise Invalid.field("is_focus", "only a village can be a focus village")
    before = region.model_dump()
    for name, value in changes.items():
        setattr(region, name, value)
    session.add(region)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=region.code,
        action="region.update",
        entity="region",
        entity_id=region.code,
        before=before,
        after=region.model_dump(),
    )
    return _public(region)
