"""Business entities (新型经营主体, 帮扶企业) and the households a producer buys from."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets.common import page_of, record, region_in_scope
from services.assets.models import Entity, EntitySupplier
from services.assets.schemas import EntityCreate, EntityPublic
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.regions import is_within
from shared.registry_client import RegistryClient
from shared.scope import narrowed, scoped
from shared.vocabulary.assets import EntityKind


async def get_entity(session: AsyncSession, *, principal: Principal, entity_id: uuid.UUID) -> Entity:
    entity = (
        await session.exec(
            scoped(select(Entity), Entity.region_code, principal).where(Entity.id == entity_id)
        )
    ).first()
    if entity is None:
        raise NotFound("entity not found")
    return entity


async def entity_for(session: AsyncSession, *, principal: Principal, entity_id: uuid.UUID) -> Entity:
    """An entity named in a request body: 422 naming `entity_id` when unknown or outside scope."""
    try:
        return await get_entity(session, principal=principal, entity_id=entity_id)
    except NotFound:
        raise Invalid.field("entity_id", "经营主体不存在或不在您的管辖范围内") from None


async def entity_serving(
    session: AsyncSession, *, principal: Principal, entity_id: uuid.UUID, region_code: str, field: str
) -> Entity:
    """An entity named to work in `region_code`: one of the caller's scope, or of a tier above that holds
    the region (a township's enterprise serves its villages); 422 naming `field` otherwise."""
    entity = await session.get(Entity, entity_id)
    if entity is None or not (
        is_within(entity.region_code, principal.region) or is_within(region_code, entity.region_code)
    ):
        raise Invalid.field(field, "经营主体不存在或不在您的管辖范围内")
    return entity


async def _suppliers(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = await session.exec(
        select(EntitySupplier)
        .where(col(EntitySupplier.entity_id).in_(ids))
        .order_by(col(EntitySupplier.household_id))
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in rows:
        found.setdefault(row.entity_id, []).append(row.household_id)
    return found


def _entity_public(entity: Entity, suppliers: list[uuid.UUID]) -> EntityPublic:
    return EntityPublic(**entity.model_dump(), supplier_household_ids=suppliers)


async def create_entity(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, data: EntityCreate
) -> EntityPublic:
    """Register an entity with the households it buys from (each one the caller can see in the registry)."""
    region_in_scope(data.region_code, principal)
    suppliers = list(dict.fromkeys(data.supplier_household_ids))
    if suppliers:
        known = {uuid.UUID(h["id"]) for h in await registry.lookup(suppliers, token=principal.token)}
        unknown = [str(h) for h in suppliers if h not in known]
        if unknown:
            raise Invalid.field(
                "supplier_household_ids", f"农牧户不存在或不在您的管辖范围内：{', '.join(unknown[:5])}"
            )
    if data.credit_code is not None:
        taken = (await session.exec(select(Entity.id).where(Entity.credit_code == data.credit_code))).first()
        if taken is not None:
            raise Conflict("该统一社会信用代码已登记")
    entity = Entity(**data.model_dump(exclude={"supplier_household_ids"}))
    session.add(entity)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("该统一社会信用代码已登记（同时提交）") from None
    session.add_all(EntitySupplier(entity_id=entity.id, household_id=h) for h in suppliers)
    await session.flush()
    await record(
        session,
        principal,
        region=entity.region_code,
        action="entity.create",
        entity="entity",
        entity_id=entity.id,
        after=data.model_dump(mode="json"),
    )
    return _entity_public(entity, sorted(suppliers))


async def search_entities(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: EntityKind | None,
    region: str | None,
    page: int,
    page_size: int,
) -> tuple[list[EntityPublic], int]:
    statement = narrowed(select(Entity), Entity.region_code, principal, region)
    if kind is not None:
        statement = statement.where(Entity.kind == kind)
    rows, total = await page_of(
        session, statement, order_by=(col(Entity.name), col(Entity.id)), page=page, page_size=page_size
    )
    suppliers = await _suppliers(session, {e.id for e in rows}) if rows else {}
    return [_entity_public(e, suppliers.get(e.id, [])) for e in rows], total


async def entity_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.exec(select(Entity.id, Entity.name).where(col(Entity.id).in_(ids)))
    return dict(rows.all())
