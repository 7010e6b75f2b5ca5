"""The assets service's public API (API.md "Assets"). Static paths come before `/{asset_id}`."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.assets import assets, dividends, entities, fund, supervision
from services.assets.dependencies import (
    AssetDep,
    FundDep,
    InvestmentDep,
    Keeper,
    Manager,
    PaymentsDep,
    PlanDep,
    PlanReader,
    Reader,
    RegistryDep,
)
from services.assets.schemas import (
    AssetCreate,
    AssetPage,
    AssetPublic,
    EntityCreate,
    EntityPage,
    EntityPublic,
    FundPublic,
    IncomeCreate,
    IncomePublic,
    InvestmentCreate,
    InvestmentPage,
    InvestmentPublic,
    NoticeCreate,
    NoticePage,
    NoticePublic,
    PlanCreate,
    PlanPage,
    PlanPublic,
    ProductCreate,
    ProductPage,
    ProductPublic,
    RepaymentCreate,
    RepaymentPublic,
    SpecialFundsReport,
    StatusChangeIn,
    StatusChangePublic,
)
from shared.db import SessionDep
from shared.vocabulary.assets import AssetClass, AssetStatus, EntityKind, FundingSource, PlanStatus

router = APIRouter(prefix="/api/v1/assets", tags=["assets"])
REGION = r"^\d{6}(\d{3}){0,2}$"
RegionQuery = Annotated[str | None, Query(pattern=REGION)]
PageQuery = Annotated[int, Query(ge=1, le=100_000)]
PageSizeQuery = Annotated[int, Query(ge=1, le=200)]
YearQuery = Annotated[int | None, Query(ge=2014, le=2100)]


def _today() -> date:
    return datetime.now(UTC).date()


# --- dividend plans ---------------------------------------------------------------------------------


@router.post("/distributions", response_model=PlanPublic, status_code=status.HTTP_201_CREATED)
async def create_plan(
    session: SessionDep, principal: Keeper, registry: RegistryDep, data: PlanCreate
) -> PlanPublic:
    """Draft a village's dividend plan for a year, split exactly to the fen."""
    return await dividends.create_plan(session, principal=principal, registry=registry, data=data)


@router.get("/distributions", response_model=PlanPage)
async def list_plans(
    session: SessionDep,
    principal: Reader,
    region: RegionQuery = None,
    year: YearQuery = None,
    plan_status: Annotated[PlanStatus | None, Query(alias="status")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> PlanPage:
    items, total = await dividends.search(
        session,
        principal=principal,
        region=region,
        year=year,
        status=plan_status,
        page=page,
        page_size=page_size,
    )
    return PlanPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/distributions/{plan_id}", response_model=PlanPublic)
async def get_plan(
    session: SessionDep, principal: PlanReader, payments: PaymentsDep, plan: PlanDep
) -> PlanPublic:
    """A plan with its lines, its payment batch and that batch's status (`unknown` if payments is down)."""
    return await dividends.detail(session, principal=principal, payments=payments, plan=plan)


@router.post("/distributions/{plan_id}/approve", response_model=PlanPublic)
async def approve_plan(session: SessionDep, principal: Manager, plan: PlanDep) -> PlanPublic:
    """Approve a draft (not by its maker: 409) and queue its one handover to payments."""
    return await dividends.approve(session, principal=principal, plan=plan)


@router.post("/distributions/{plan_id}/cancel", response_model=PlanPublic)
async def cancel_plan(session: SessionDep, principal: Keeper, plan: PlanDep) -> PlanPublic:
    """Withdraw a draft; its amount becomes distributable again."""
    return await dividends.cancel(session, principal=principal, plan=plan)


# --- entities and products ----------------------------------------------------------------------------


@router.post("/entities", response_model=EntityPublic, status_code=status.HTTP_201_CREATED)
async def create_entity(session: SessionDep, principal: Manager, data: EntityCreate) -> EntityPublic:
    """Register a business entity (龙头企业, 合作社, 村集体经济, 家庭农牧场)."""
    return await entities.create_entity(session, principal=principal, data=data)


@router.get("/entities", response_model=EntityPage)
async def list_entities(
    session: SessionDep,
    principal: Reader,
    kind: EntityKind | None = None,
    region: RegionQuery = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> EntityPage:
    items, total = await entities.search_entities(
        session, principal=principal, kind=kind, region=region, page=page, page_size=page_size
    )
    return EntityPage(items=items, total=total, page=page, page_size=page_size)


@router.post("/products", response_model=ProductPublic, status_code=status.HTTP_201_CREATED)
async def certify_product(session: SessionDep, principal: Manager, data: ProductCreate) -> ProductPublic:
    """Add a certified poverty-relief product (扶贫产品认定) to the catalogue."""
    return await entities.certify_product(session, principal=principal, data=data)


@router.get("/products", response_model=ProductPage)
async def list_products(
    session: SessionDep,
    principal: Reader,
    category: Annotated[str | None, Query(max_length=50)] = None,
    entity_id: uuid.UUID | None = None,
    region: RegionQuery = None,
    valid_on: Annotated[date | None, Query(description="only certificates in force on this day")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> ProductPage:
    items, total = await entities.search_products(
        session,
        principal=principal,
        category=category,
        entity_id=entity_id,
        region=region,
        valid_on=valid_on,
        page=page,
        page_size=page_size,
    )
    return ProductPage(items=items, total=total, page=page, page_size=page_size)


# --- the fund -------------------------------------------------------------------------------------------


@router.get("/fund", response_model=FundPublic)
async def get_fund(session: SessionDep, _: Reader, the_fund: FundDep) -> FundPublic:
    """The industry development fund: capital, outstanding, repaid, income, available, ratios, overdue."""
    return await fund.summary(session, fund=the_fund, today=_today())


@router.post("/fund/investments", response_model=InvestmentPublic, status_code=status.HTTP_201_CREATED)
async def invest(
    session: SessionDep, principal: Manager, registry: RegistryDep, data: InvestmentCreate
) -> InvestmentPublic:
    """Invest in an entity of the pilot region; 422 when it exceeds the fund's available balance."""
    return await fund.invest(session, principal=principal, registry=registry, data=data)


@router.get("/fund/investments", response_model=InvestmentPage)
async def list_investments(
    session: SessionDep,
    principal: Reader,
    entity_id: uuid.UUID | None = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> InvestmentPage:
    return await fund.search(
        session, principal=principal, entity_id=entity_id, page=page, page_size=page_size, today=_today()
    )


@router.post(
    "/fund/investments/{investment_id}/repayments",
    response_model=RepaymentPublic,
    status_code=status.HTTP_201_CREATED,
)
async def repay(
    session: SessionDep, principal: Manager, investment: InvestmentDep, data: RepaymentCreate
) -> RepaymentPublic:
    """Record principal and income an entity paid back to the fund."""
    return await fund.repay(session, principal=principal, investment=investment, data=data)


# --- supervision ----------------------------------------------------------------------------------------


@router.get("/reports/special-funds", response_model=SpecialFundsReport)
async def special_funds(
    session: SessionDep,
    principal: Reader,
    year: YearQuery = None,
    region: RegionQuery = None,
) -> SpecialFundsReport:
    """§六(四): this year's banner special funds are not lower than last year's — or a flag saying so."""
    return await supervision.special_funds(
        session, principal=principal, year=year or _today().year, region=region
    )


@router.post("/notices", response_model=NoticePublic, status_code=status.HTTP_201_CREATED)
async def post_notice(session: SessionDep, principal: Keeper, data: NoticeCreate) -> NoticePublic:
    """Publish a fund/project notice (资金项目公示), up at least 10 days."""
    return await supervision.post_notice(session, principal=principal, data=data)


@router.get("/notices", response_model=NoticePage)
async def list_notices(
    session: SessionDep,
    principal: Reader,
    region: RegionQuery = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> NoticePage:
    items, total = await supervision.search_notices(
        session, principal=principal, region=region, page=page, page_size=page_size
    )
    return NoticePage(items=items, total=total, page=page, page_size=page_size)


# --- the asset register (last: `/{asset_id}` would shadow the paths above) -------------------------------


@router.post("", response_model=AssetPublic, status_code=status.HTTP_201_CREATED)
async def register_asset(session: SessionDep, principal: Keeper, data: AssetCreate) -> AssetPublic:
    """Register a poverty-relief asset in a village or township of the caller's scope."""
    return await assets.register(session, principal=principal, data=data)


@router.get("", response_model=AssetPage)
async def list_assets(
    session: SessionDep,
    principal: Reader,
    asset_class: AssetClass | None = None,
    region: RegionQuery = None,
    year: Annotated[int | None, Query(ge=2014, le=2100, description="funding year")] = None,
    funding_source: FundingSource | None = None,
    asset_status: Annotated[AssetStatus | None, Query(alias="status")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> AssetPage:
    items, total = await assets.search(
        session,
        principal=principal,
        asset_class=asset_class,
        region=region,
        year=year,
        funding_source=funding_source,
        status=asset_status,
        page=page,
        page_size=page_size,
    )
    return AssetPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/{asset_id}", response_model=AssetPublic)
async def get_asset(session: SessionDep, _: Reader, asset: AssetDep) -> AssetPublic:
    """One asset with its incomes and status history; 404 outside the caller's scope."""
    return await assets.to_public(session, asset)


@router.post("/{asset_id}/status", response_model=StatusChangePublic, status_code=status.HTTP_201_CREATED)
async def change_status(
    session: SessionDep, principal: Keeper, asset: AssetDep, data: StatusChangeIn
) -> StatusChangePublic:
    """Change an asset's status (in use, idle, disposed) with a reason, kept in its history."""
    return await assets.change_status(session, principal=principal, asset=asset, data=data)


@router.post("/{asset_id}/incomes", response_model=IncomePublic, status_code=status.HTTP_201_CREATED)
async def add_income(
    session: SessionDep, principal: Keeper, asset: AssetDep, data: IncomeCreate
) -> IncomePublic:
    """Record an operating asset's income for a year (once per year: 409 on a repeat)."""
    return await assets.add_income(session, principal=principal, asset=asset, data=data)
