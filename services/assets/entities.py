"""Business entities (新型经营主体) and the certified poverty-relief product catalogue (扶贫产品认定)."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets.common import page_of, record, region_in_scope
from services.assets.models import Entity, Product
from services.assets.schemas import EntityCreate, EntityPublic, ProductCreate, ProductPublic
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
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


async def create_entity(session: AsyncSession, *, principal: Principal, data: EntityCreate) -> EntityPublic:
    region_in_scope(data.region_code, principal)
    if data.credit_code is not None:
        taken = (await session.exec(select(Entity.id).where(Entity.credit_code == data.credit_code))).first()
        if taken is not None:
            raise Conflict("该统一社会信用代码已登记")
    entity = Entity(**data.model_dump())
    session.add(entity)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("该统一社会信用代码已登记（同时提交）") from None
    await record(
        session,
        principal,
        region=entity.region_code,
        action="entity.create",
        entity="entity",
        entity_id=entity.id,
        after=data.model_dump(mode="json"),
    )
    return EntityPublic.model_validate(entity, from_attributes=True)


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
    return [EntityPublic.model_validate(e, from_attributes=True) for e in rows], total


def _product_public(product: Product, entity_name: str, today: date) -> ProductPublic:
    return ProductPublic(
        **product.model_dump(exclude={"created_at"}),
        created_at=product.created_at,
        entity_name=entity_name,
        valid=product.certified_on <= today <= product.valid_until,
    )


async def certify_product(
    session: AsyncSession, *, principal: Principal, data: ProductCreate
) -> ProductPublic:
    """Add a certified product to the catalogue, under its entity's region."""
    entity = await entity_for(session, principal=principal, entity_id=data.entity_id)
    if data.valid_until < data.certified_on:
        raise Invalid.field("valid_until", "有效期截止日不能早于认定日期")
    taken = (
        await session.exec(select(Product.id).where(Product.certificate_no == data.certificate_no))
    ).first()
    if taken is not None:
        raise Conflict("该认定证书编号已登记")
    product = Product(**data.model_dump(), region_code=entity.region_code)
    session.add(product)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("该认定证书编号已登记（同时提交）") from None
    await record(
        session,
        principal,
        region=product.region_code,
        action="product.certify",
        entity="product",
        entity_id=product.id,
        after=data.model_dump(mode="json"),
    )
    return _product_public(product, entity.name, datetime.now(UTC).date())


async def search_products(
    session: AsyncSession,
    *,
    principal: Principal,
    category: str | None,
    entity_id: uuid.UUID | None,
    region: str | None,
    valid_on: date | None,
    page: int,
    page_size: int,
) -> tuple[list[ProductPublic], int]:
    """The catalogue within scope (by the entity's region); `valid_on` keeps certificates in force."""
    statement = narrowed(select(Product), Product.region_code, principal, region)
    if category:
        statement = statement.where(Product.category == category)
    if entity_id is not None:
        statement = statement.where(Product.entity_id == entity_id)
    if valid_on is not None:
        statement = statement.where(
            col(Product.certified_on) <= valid_on, col(Product.valid_until) >= valid_on
        )
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(Product.category), col(Product.name), col(Product.id)),
        page=page,
        page_size=page_size,
    )
    names = await entity_names(session, {p.entity_id for p in rows})
    today = datetime.now(UTC).date()
    return [_product_public(p, names[p.entity_id], today) for p in rows], total


async def entity_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.exec(select(Entity.id, Entity.name).where(col(Entity.id).in_(ids)))
    return dict(rows.all())
