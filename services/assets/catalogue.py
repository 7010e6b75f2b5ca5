"""The certified product catalogue (扶贫产品认定, 目录管理) and consumption assistance (消费帮扶, §五(三)3):
the four certification checks as recorded decisions, and sales by channel with the income that reached the
producer's supplying households."""

import uuid
from datetime import date

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import rules
from services.assets.common import page_of, record
from services.assets.entities import entity_for, entity_names
from services.assets.models import EntitySupplier, Product, ProductCheck, Sale, SaleIncome
from services.assets.schemas import (
    ChannelTotal,
    CheckCreate,
    CheckPublic,
    HouseholdIncome,
    ProductCreate,
    ProductDetail,
    ProductPublic,
    SaleCreate,
    SalePage,
    SalePublic,
)
from shared import months
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.assets import CertificationCheck, SalesChannel


async def get_product(session: AsyncSession, *, principal: Principal, product_id: uuid.UUID) -> Product:
    statement = scoped(select(Product), Product.region_code, principal).where(Product.id == product_id)
    return await fetch_in_scope(session, statement, what="product")


async def _latest_checks(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, list[ProductCheck]]:
    """The latest decision on each check of each product (a later decision replaces an earlier one)."""
    rows = await session.exec(
        select(ProductCheck)
        .where(col(ProductCheck.product_id).in_(ids))
        .order_by(col(ProductCheck.decided_at), col(ProductCheck.id))
    )
    latest: dict[uuid.UUID, dict[str, ProductCheck]] = {}
    for check in rows:
        latest.setdefault(check.product_id, {})[check.check] = check
    return {product_id: list(by_check.values()) for product_id, by_check in latest.items()}


async def _sales_totals(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """Each product's sales and the part of them paid to households, in fen."""
    sold = dict(
        (
            await session.exec(
                select(Sale.product_id, func.sum(Sale.amount_fen))
                .where(col(Sale.product_id).in_(ids))
                .group_by(col(Sale.product_id))
            )
        ).all()
    )
    paid = dict(
        (
            await session.exec(
                select(Sale.product_id, func.sum(SaleIncome.amount_fen))
                .join(SaleIncome, col(SaleIncome.sale_id) == col(Sale.id))
                .where(col(Sale.product_id).in_(ids))
                .group_by(col(Sale.product_id))
            )
        ).all()
    )
    return {i: (int(sold.get(i) or 0), int(paid.get(i) or 0)) for i in ids}


async def product_public(session: AsyncSession, products: list[Product]) -> list[ProductPublic]:
    """Products as the catalogue shows them: certificate, the four checks, certified or not, sales."""
    ids = {p.id for p in products}
    names = await entity_names(session, {p.entity_id for p in products})
    checks = await _latest_checks(session, ids) if ids else {}
    totals = await _sales_totals(session, ids) if ids else {}
    today = months.today()
    items = []
    for product in products:
        latest = checks.get(product.id, [])
        sales_fen, income_fen = totals.get(product.id, (0, 0))
        items.append(
            ProductPublic(
                **product.model_dump(exclude={"created_at"}),
                created_at=product.created_at,
                entity_name=names[product.entity_id],
                valid=product.certified_on <= today <= product.valid_until,
                certified=rules.is_certified({CertificationCheck(c.check): c.passed for c in latest}),
                checks=[CheckPublic.model_validate(c, from_attributes=True) for c in latest],
                sales_fen=sales_fen,
                household_income_fen=income_fen,
            )
        )
    return items


async def certify_product(
    session: AsyncSession, *, principal: Principal, data: ProductCreate
) -> ProductPublic:
    """Add a product to the catalogue, under its producer's region; the four checks are decided next."""
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
    return (await product_public(session, [product]))[0]


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
    return await product_public(session, rows), total


async def decide_check(
    session: AsyncSession, *, principal: Principal, product: Product, data: CheckCreate
) -> ProductPublic:
    """Record who decided one of the four checks, when, and how; the latest decision on a check counts."""
    decision = ProductCheck(
        product_id=product.id,
        check=data.check,
        passed=data.passed,
        note=data.note,
        decided_by=principal.subject,
        decided_role=principal.role,
    )
    session.add(decision)
    await session.flush()
    await record(
        session,
        principal,
        region=product.region_code,
        action="product.check",
        entity="product",
        entity_id=product.id,
        after=data.model_dump(mode="json"),
    )
    return (await product_public(session, [product]))[0]


async def record_sale(
    session: AsyncSession, *, principal: Principal, product: Product, data: SaleCreate
) -> SalePublic:
    """Record a sale of a certified product and what it paid each of the producer's supplying households."""
    (public,) = await product_public(session, [product])
    if not public.certified:
        raise Conflict("该产品尚未通过质量、价格、诚信、效益四关认定，不能登记消费帮扶销售")
    problem = rules.sale_income_problem(data.amount_fen, [i.amount_fen for i in data.household_incomes])
    if problem:
        raise Invalid.field("household_incomes", problem)
    households = [i.household_id for i in data.household_incomes]
    if len(set(households)) != len(households):
        raise Invalid.field("household_incomes", "同一农牧户重复")
    suppliers = set(
        (
            await session.exec(
                select(EntitySupplier.household_id).where(EntitySupplier.entity_id == product.entity_id)
            )
        ).all()
    )
    for index, household_id in enumerate(households):
        if household_id not in suppliers:
            raise Invalid.field(f"household_incomes.{index}.household_id", "不是该产品经营主体联结的农牧户")
    sale = Sale(
        product_id=product.id,
        region_code=product.region_code,
        created_by=principal.subject,
        **data.model_dump(exclude={"household_incomes"}),
    )
    session.add(sale)
    await session.flush()
    session.add_all(
        SaleIncome(sale_id=sale.id, household_id=i.household_id, amount_fen=i.amount_fen)
        for i in data.household_incomes
    )
    await session.flush()
    await record(
        session,
        principal,
        region=product.region_code,
        action="product.sale",
        entity="product",
        entity_id=product.id,
        after=data.model_dump(mode="json"),
    )
    return SalePublic(**sale.model_dump(exclude={"region_code"}), household_incomes=data.household_incomes)


async def search_sales(
    session: AsyncSession,
    *,
    principal: Principal,
    product: Product,
    channel: SalesChannel | None,
    page: int,
    page_size: int,
) -> SalePage:
    """A product's sales, newest first, with totals over all of them and by channel."""
    statement = scoped(select(Sale), Sale.region_code, principal).where(Sale.product_id == product.id)
    if channel is not None:
        statement = statement.where(Sale.channel == channel)
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(Sale.sold_on).desc(), col(Sale.id)),
        page=page,
        page_size=page_size,
    )
    incomes: dict[uuid.UUID, list[HouseholdIncome]] = {}
    if rows:
        for income in await session.exec(
            select(SaleIncome)
            .where(col(SaleIncome.sale_id).in_([s.id for s in rows]))
            .order_by(col(SaleIncome.household_id))
        ):
            incomes.setdefault(income.sale_id, []).append(
                HouseholdIncome(household_id=income.household_id, amount_fen=income.amount_fen)
            )
    sales_fen, income_fen = (await _sales_totals(session, {product.id}))[product.id]
    return SalePage(
        items=[
            SalePublic(**s.model_dump(exclude={"region_code"}), household_incomes=incomes.get(s.id, []))
            for s in rows
        ],
        total=total,
        page=page,
        page_size=page_size,
        amount_fen=sales_fen,
        household_income_fen=income_fen,
        by_channel=await _by_channel(session, product.id),
    )


async def _by_channel(session: AsyncSession, product_id: uuid.UUID) -> list[ChannelTotal]:
    """A product's sales summed per channel, in the channels' order."""
    sums = dict(
        (
            await session.exec(
                select(Sale.channel, func.sum(Sale.amount_fen))
                .where(Sale.product_id == product_id)
                .group_by(col(Sale.channel))
            )
        ).all()
    )
    return [ChannelTotal(channel=c, amount_fen=int(sums[c])) for c in SalesChannel if c in sums]


async def product_detail(session: AsyncSession, *, product: Product) -> ProductDetail:
    """One product as its page shows it: the catalogue's view, every check decision in the order made
    (a later one on the same check replaced the earlier), and its sales per channel."""
    (public,) = await product_public(session, [product])
    decisions = await session.exec(
        select(ProductCheck)
        .where(ProductCheck.product_id == product.id)
        .order_by(col(ProductCheck.decided_at), col(ProductCheck.id))
    )
    return ProductDetail(
        **public.model_dump(),
        decisions=[CheckPublic.model_validate(c, from_attributes=True) for c in decisions],
        by_channel=await _by_channel(session, product.id),
    )
