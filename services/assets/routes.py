"""The assets service's public API (API.md "Assets"). Static paths come before `/{asset_id}`."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.assets import (
    allocations,
    assets,
    catalogue,
    dividends,
    entities,
    fund,
    partnerships,
    supervision,
    village_funds,
)
from services.assets.dependencies import (
    AssetDep,
    FundDep,
    InvestmentDep,
    Keeper,
    Manager,
    NoticeDaysDep,
    PartnershipDep,
    PaymentsDep,
    PlanDep,
    PlanReader,
    ProductDep,
    ProjectDep,
    Reader,
    RegistryDep,
    Treasurer,
)
from services.assets.schemas import (
    AllocationCreate,
    AllocationPage,
    AllocationPublic,
    AssetCreate,
    AssetPage,
    AssetPublic,
    CheckCreate,
    DeliveryCreate,
    Distributable,
    EntityCreate,
    EntityPage,
    EntityPublic,
    FundPublic,
    GeneratedNotices,
    HouseholdDividendPage,
    IncomeCreate,
    IncomePublic,
    InvestmentCreate,
    InvestmentPage,
    InvestmentPublic,
    NoticeCreate,
    NoticeGeneration,
    NoticePage,
    NoticePublic,
    PartnershipCreate,
    PartnershipPage,
    PartnershipPublic,
    PartnershipRanking,
    PerformanceReport,
    PlanCreate,
    PlanPage,
    PlanPublic,
    ProductCreate,
    ProductDetail,
    ProductPage,
    ProductPublic,
    ProjectCreate,
    ProjectPage,
    ProjectPublic,
    RepaymentCreate,
    RepaymentPublic,
    SaleCreate,
    SalePage,
    SalePublic,
    SpecialFundsReport,
    StatusChangeIn,
    StatusChangePublic,
    TargetPublic,
    TargetValue,
    VillageFundPage,
)
from shared.db import SessionDep
from shared.months import today
from shared.vocabulary.assets import (
    AssetClass,
    AssetStatus,
    EntityKind,
    FundingSource,
    PlanStatus,
    SalesChannel,
    VillageFund,
)

router = APIRouter(prefix="/api/v1/assets", tags=["assets"])
REGION = r"^\d{6}(\d{3}){0,2}$"
RegionQuery = Annotated[str | None, Query(pattern=REGION)]
PageQuery = Annotated[int, Query(ge=1, le=100_000)]
PageSizeQuery = Annotated[int, Query(ge=1, le=200)]
YearQuery = Annotated[int | None, Query(ge=2014, le=2100)]


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


@router.get("/distributions/distributable", response_model=Distributable)
async def distributable(
    session: SessionDep,
    principal: Keeper,
    region: Annotated[str, Query(pattern=r"^\d{12}$")],
    year: Annotated[int, Query(ge=2014, le=2100)],
) -> Distributable:
    """What a village may still distribute for a year: its operating income less the plans that take it."""
    return await dividends.distributable_in(session, principal=principal, region=region, year=year)


@router.get("/distributions/{plan_id}", response_model=PlanPublic)
async def get_plan(
    session: SessionDep, principal: PlanReader, payments: PaymentsDep, plan: PlanDep
) -> PlanPublic:
    """A plan with its lines, its payment batch and that batch's status (`unknown` if payments is down)."""
    return await dividends.detail(session, principal=principal, payments=payments, plan=plan)


@router.post("/distributions/{plan_id}/publish", response_model=PlanPublic)
async def publish_plan(
    session: SessionDep, principal: Keeper, plan: PlanDep, notice_days: NoticeDaysDep
) -> PlanPublic:
    """Publish a draft to its village (公示) with fixed `notice_posted_at` and `notice_until`."""
    return await dividends.publish(session, principal=principal, plan=plan, notice_days=notice_days)


@router.post("/distributions/{plan_id}/approve", response_model=PlanPublic)
async def approve_plan(session: SessionDep, principal: Manager, plan: PlanDep) -> PlanPublic:
    """Approve a plan once its notice has run (409 before, and for its maker), record its posts and
    collective parts for the village and queue its one handover to payments."""
    return await dividends.approve(session, principal=principal, plan=plan)


@router.post("/distributions/{plan_id}/cancel", response_model=PlanPublic)
async def cancel_plan(session: SessionDep, principal: Keeper, plan: PlanDep) -> PlanPublic:
    """Withdraw a draft or a plan in its notice; its amount becomes distributable again."""
    return await dividends.cancel(session, principal=principal, plan=plan)


@router.get("/village-funds", response_model=VillageFundPage)
async def list_village_funds(
    session: SessionDep,
    principal: Reader,
    region: RegionQuery = None,
    year: YearQuery = None,
    fund: VillageFund | None = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> VillageFundPage:
    """The posts' budgets and collectives' income approved plans recorded, with their sums per fund."""
    items, total, totals = await village_funds.search(
        session, principal=principal, region=region, year=year, fund=fund, page=page, page_size=page_size
    )
    return VillageFundPage(items=items, total=total, page=page, page_size=page_size, totals_fen=totals)


@router.get("/households/{household_id}/dividends", response_model=HouseholdDividendPage)
async def household_dividends(
    session: SessionDep,
    principal: Reader,
    household_id: uuid.UUID,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> HouseholdDividendPage:
    """What the household received from its village's dividend plans in scope, newest year first."""
    items, total = await dividends.household_dividends(
        session, principal=principal, household_id=household_id, page=page, page_size=page_size
    )
    return HouseholdDividendPage(items=items, total=total, page=page, page_size=page_size)


# --- entities and products ----------------------------------------------------------------------------


@router.post("/entities", response_model=EntityPublic, status_code=status.HTTP_201_CREATED)
async def create_entity(
    session: SessionDep, principal: Manager, registry: RegistryDep, data: EntityCreate
) -> EntityPublic:
    """Register a business entity (企业, 合作社, 村集体经济, 家庭农牧场) and the households it buys from."""
    return await entities.create_entity(session, principal=principal, registry=registry, data=data)


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
    return await catalogue.certify_product(session, principal=principal, data=data)


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
    items, total = await catalogue.search_products(
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


@router.get("/products/{product_id}", response_model=ProductDetail)
async def get_product(session: SessionDep, _: Reader, product: ProductDep) -> ProductDetail:
    """One certified product: certificate, the four checks with every decision made, sales per channel."""
    return await catalogue.product_detail(session, product=product)


@router.post(
    "/products/{product_id}/checks", response_model=ProductPublic, status_code=status.HTTP_201_CREATED
)
async def decide_check(
    session: SessionDep, principal: Manager, product: ProductDep, data: CheckCreate
) -> ProductPublic:
    """Record a decision on one of the four checks (质量、价格、诚信、效益关); all four pass: certified."""
    return await catalogue.decide_check(session, principal=principal, product=product, data=data)


@router.post("/products/{product_id}/sales", response_model=SalePublic, status_code=status.HTTP_201_CREATED)
async def record_sale(
    session: SessionDep, principal: Keeper, product: ProductDep, data: SaleCreate
) -> SalePublic:
    """Record a sale of a certified product by channel, and what it paid the supplying households."""
    return await catalogue.record_sale(session, principal=principal, product=product, data=data)


@router.get("/products/{product_id}/sales", response_model=SalePage)
async def list_sales(
    session: SessionDep,
    principal: Reader,
    product: ProductDep,
    channel: SalesChannel | None = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> SalePage:
    """A product's sales, with totals by channel and the income that reached households."""
    return await catalogue.search_sales(
        session, principal=principal, product=product, channel=channel, page=page, page_size=page_size
    )


# --- 百企兴百村 partnerships ----------------------------------------------------------------------------


@router.post("/partnerships", response_model=PartnershipPublic, status_code=status.HTTP_201_CREATED)
async def create_partnership(
    session: SessionDep, principal: Keeper, data: PartnershipCreate
) -> PartnershipPublic:
    """Pair an enterprise with a village of the caller's scope, with what it commits to and by when."""
    return await partnerships.create(session, principal=principal, data=data)


@router.get("/partnerships", response_model=PartnershipPage)
async def list_partnerships(
    session: SessionDep,
    principal: Reader,
    region: RegionQuery = None,
    enterprise_id: uuid.UUID | None = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> PartnershipPage:
    items, total = await partnerships.search(
        session,
        principal=principal,
        region=region,
        enterprise_id=enterprise_id,
        page=page,
        page_size=page_size,
    )
    return PartnershipPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/partnerships/ranking", response_model=PartnershipRanking)
async def rank_partnerships(
    session: SessionDep, principal: Reader, region: RegionQuery = None
) -> PartnershipRanking:
    """Every partnership in scope ranked by the share of its commitments delivered."""
    return await partnerships.ranking(session, principal=principal, region=region)


@router.get("/partnerships/{partnership_id}", response_model=PartnershipPublic)
async def get_partnership(session: SessionDep, _: Reader, partnership: PartnershipDep) -> PartnershipPublic:
    return await partnerships.detail(session, partnership)


@router.post(
    "/partnerships/{partnership_id}/deliveries",
    response_model=PartnershipPublic,
    status_code=status.HTTP_201_CREATED,
)
async def deliver(
    session: SessionDep,
    principal: Keeper,
    registry: RegistryDep,
    partnership: PartnershipDep,
    data: DeliveryCreate,
) -> PartnershipPublic:
    """Record a delivery against a commitment, with its evidence; delivered jobs may name members."""
    return await partnerships.deliver(
        session, principal=principal, registry=registry, partnership=partnership, data=data
    )


# --- the fund -------------------------------------------------------------------------------------------


@router.get("/fund", response_model=FundPublic)
async def get_fund(session: SessionDep, _: Reader, the_fund: FundDep) -> FundPublic:
    """The industry development fund: capital, outstanding, repaid, income, available, ratios, overdue."""
    return await fund.summary(session, fund=the_fund, today=today())


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
        session, principal=principal, entity_id=entity_id, page=page, page_size=page_size, today=today()
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
        session, principal=principal, year=year or today().year, region=region
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


# --- money put in and its performance (§六(四)) ---------------------------------------------------------


@router.post("/projects", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED)
async def create_project(session: SessionDep, principal: Treasurer, data: ProjectCreate) -> ProjectPublic:
    """A fund project with its output and benefit targets (绩效目标)."""
    return await allocations.create_project(session, principal=principal, data=data)


@router.get("/projects", response_model=ProjectPage)
async def list_projects(
    session: SessionDep,
    principal: Reader,
    year: YearQuery = None,
    region: RegionQuery = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> ProjectPage:
    items, total = await allocations.search_projects(
        session, principal=principal, year=year, region=region, page=page, page_size=page_size
    )
    return ProjectPage(items=items, total=total, page=page, page_size=page_size)


@router.put("/projects/{project_id}/targets/{target_id}", response_model=TargetPublic)
async def record_target_value(
    session: SessionDep, principal: Manager, project: ProjectDep, target_id: uuid.UUID, data: TargetValue
) -> TargetPublic:
    """Record the value a target reached (执行监控); it is then met or missed."""
    return await allocations.record_value(
        session, principal=principal, project=project, target_id=target_id, data=data
    )


@router.post("/allocations", response_model=AllocationPublic, status_code=status.HTTP_201_CREATED)
async def allocate(session: SessionDep, principal: Treasurer, data: AllocationCreate) -> AllocationPublic:
    """Record money put into a project in a year, from one source."""
    return await allocations.allocate(session, principal=principal, data=data)


@router.get("/allocations", response_model=AllocationPage)
async def list_allocations(
    session: SessionDep,
    principal: Reader,
    year: YearQuery = None,
    source: FundingSource | None = None,
    region: RegionQuery = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> AllocationPage:
    return await allocations.search_allocations(
        session, principal=principal, year=year, source=source, region=region, page=page, page_size=page_size
    )


@router.post("/allocations/notices", response_model=GeneratedNotices, status_code=status.HTTP_201_CREATED)
async def generate_notices(
    session: SessionDep, principal: Treasurer, data: NoticeGeneration
) -> GeneratedNotices:
    """Publish the year's allocations at the village, township and banner levels, for 10 days."""
    return await supervision.generate_notices(session, principal=principal, data=data)


@router.get("/performance", response_model=PerformanceReport)
async def performance(
    session: SessionDep, principal: Reader, year: YearQuery = None, region: RegionQuery = None
) -> PerformanceReport:
    """资金绩效: the year's projects and their targets met, missed or not yet recorded."""
    return await allocations.performance(
        session, principal=principal, year=year or today().year, region=region
    )


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
