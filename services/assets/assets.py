"""The asset register: assets, their status history and yearly incomes, always within scope."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import rules
from services.assets.common import page_of, record, region_in_scope
from services.assets.entities import entity_serving
from services.assets.models import Asset, AssetIncome, AssetStatusChange
from services.assets.schemas import (
    AssetCreate,
    AssetPublic,
    AssetSummary,
    IncomeCreate,
    IncomePublic,
    StatusChangeIn,
    StatusChangePublic,
)
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.assets import AssetClass, AssetStatus, FundingSource


async def get_asset(session: AsyncSession, *, principal: Principal, asset_id: uuid.UUID) -> Asset:
    statement = scoped(select(Asset), Asset.region_code, principal).where(Asset.id == asset_id)
    return await fetch_in_scope(session, statement, what="asset")


async def register(session: AsyncSession, *, principal: Principal, data: AssetCreate) -> AssetPublic:
    """Record an asset and the first entry of its status history."""
    region_in_scope(data.region_code, principal)
    if data.funding_year > datetime.now(UTC).year:
        raise Invalid.field("funding_year", "不能晚于今年")
    if data.operator_entity_id is not None:
        await entity_serving(
            session,
            principal=principal,
            entity_id=data.operator_entity_id,
            region_code=data.region_code,
            field="operator_entity_id",
        )
    asset = Asset(**data.model_dump(), created_by=principal.subject)
    session.add(asset)
    await session.flush()
    session.add(
        AssetStatusChange(
            asset_id=asset.id,
            from_status=None,
            to_status=asset.status,
            reason="登记",
            actor=principal.subject,
            role=principal.role,
        )
    )
    await session.flush()
    await record(
        session,
        principal,
        region=asset.region_code,
        action="asset.create",
        entity="asset",
        entity_id=asset.id,
        after=data.model_dump(mode="json"),
    )
    return await to_public(session, asset)


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    asset_class: AssetClass | None,
    region: str | None,
    year: int | None,
    funding_source: FundingSource | None,
    status: AssetStatus | None,
    page: int,
    page_size: int,
) -> tuple[list[AssetSummary], int]:
    statement = narrowed(select(Asset), Asset.region_code, principal, region)
    for column, value in (
        (Asset.asset_class, asset_class),
        (Asset.funding_year, year),
        (Asset.funding_source, funding_source),
        (Asset.status, status),
    ):
        if value is not None:
            statement = statement.where(column == value)
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(Asset.region_code), col(Asset.funding_year), col(Asset.name), col(Asset.id)),
        page=page,
        page_size=page_size,
    )
    return [AssetSummary.model_validate(a, from_attributes=True) for a in rows], total


async def change_status(
    session: AsyncSession, *, principal: Principal, asset: Asset, data: StatusChangeIn
) -> StatusChangePublic:
    """Move an asset to another status with a reason, kept in its history; disposal is final."""
    problem = rules.status_change_problem(AssetStatus(asset.status), data.status)
    if problem:
        raise Conflict(problem) if asset.status == AssetStatus.disposed else Invalid.field("status", problem)
    change = AssetStatusChange(
        asset_id=asset.id,
        from_status=asset.status,
        to_status=data.status,
        reason=data.reason,
        actor=principal.subject,
        role=principal.role,
    )
    before = {"status": asset.status}
    asset.status = data.status
    asset.updated_at = datetime.now(UTC)
    session.add_all([asset, change])
    await session.flush()
    await record(
        session,
        principal,
        region=asset.region_code,
        action="asset.status_change",
        entity="asset",
        entity_id=asset.id,
        before=before,
        after={"status": data.status, "reason": data.reason},
    )
    return StatusChangePublic.model_validate(change, from_attributes=True)


async def add_income(
    session: AsyncSession, *, principal: Principal, asset: Asset, data: IncomeCreate
) -> IncomePublic:
    """Record an operating asset's income for a year; one record per asset and year (409 on a repeat)."""
    if asset.asset_class != AssetClass.operating:
        raise Invalid.field("asset_class", "只有经营性资产登记收益")
    if data.year < asset.funding_year:
        raise Invalid.field("year", "不能早于资产形成年度")
    taken = (
        await session.exec(
            select(AssetIncome.id).where(AssetIncome.asset_id == asset.id, AssetIncome.year == data.year)
        )
    ).first()
    if taken is not None:
        raise Conflict(f"该资产 {data.year} 年度收益已登记")
    income = AssetIncome(asset_id=asset.id, created_by=principal.subject, **data.model_dump())
    session.add(income)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"该资产 {data.year} 年度收益已登记（同时提交）") from None
    await record(
        session,
        principal,
        region=asset.region_code,
        action="asset.income",
        entity="asset",
        entity_id=asset.id,
        after=data.model_dump(mode="json"),
    )
    return IncomePublic.model_validate(income, from_attributes=True)


async def to_public(session: AsyncSession, asset: Asset) -> AssetPublic:
    incomes = await session.exec(
        select(AssetIncome).where(AssetIncome.asset_id == asset.id).order_by(col(AssetIncome.year))
    )
    history = await session.exec(
        select(AssetStatusChange)
        .where(AssetStatusChange.asset_id == asset.id)
        .order_by(col(AssetStatusChange.at), col(AssetStatusChange.id))
    )
    return AssetPublic(
        **AssetSummary.model_validate(asset, from_attributes=True).model_dump(),
        incomes=[IncomePublic.model_validate(i, from_attributes=True) for i in incomes],
        status_history=[StatusChangePublic.model_validate(h, from_attributes=True) for h in history],
    )
