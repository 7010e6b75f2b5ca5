"""Request and response models of the assets service. Money in integer fen; ratios as strings."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.text import Input
from shared.vocabulary.assets import (
    AssetClass,
    AssetStatus,
    EntityKind,
    FundingSource,
    HouseholdLink,
    PlanStatus,
)
from shared.vocabulary.households import Category

REGION_CODE = r"^\d{9}(\d{3})?$"  # a township or a village (assets are not held at banner level)
VILLAGE_CODE = r"^\d{12}$"
MAX_FEN = 10**15  # far above any real amount, well inside BigInteger
AmountFen = Annotated[int, Field(ge=0, le=MAX_FEN, description="amount in fen (1 yuan = 100 fen)")]
Year = Annotated[int, Field(ge=2014, le=2100, description="扶贫资产 are those formed since 2014")]
# A day the programme can mean; far later ones would overflow the date arithmetic on it (a term's end,
# a notice's earliest close) instead of being refused.
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


class Page(BaseModel):
    total: int
    page: int
    page_size: int


# --- assets -----------------------------------------------------------------------------------------


class AssetCreate(Input):
    name: str = Field(min_length=1, max_length=100, examples=["阿斯尔嘎查肉羊养殖棚圈"])
    asset_class: AssetClass
    region_code: str = Field(pattern=REGION_CODE, description="the village or township holding the asset")
    project: str | None = Field(default=None, max_length=200)
    funding_source: FundingSource
    funding_year: Year
    value_fen: AmountFen
    operator_entity_id: uuid.UUID | None = None
    status: AssetStatus = AssetStatus.in_use


class StatusChangeIn(Input):
    status: AssetStatus
    reason: str = Field(min_length=2, max_length=500)


class StatusChangePublic(BaseModel):
    id: uuid.UUID
    from_status: AssetStatus | None
    to_status: AssetStatus
    reason: str
    actor: str
    role: str
    at: datetime


class IncomeCreate(Input):
    year: Year
    amount_fen: AmountFen
    note: str | None = Field(default=None, max_length=500)


class IncomePublic(BaseModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    year: int
    amount_fen: int
    note: str | None
    created_by: str
    created_at: datetime


class AssetSummary(BaseModel):
    id: uuid.UUID
    name: str
    asset_class: AssetClass
    region_code: str
    project: str | None
    funding_source: FundingSource
    funding_year: int
    value_fen: int
    operator_entity_id: uuid.UUID | None
    status: AssetStatus
    created_at: datetime
    updated_at: datetime


class AssetPublic(AssetSummary):
    incomes: list[IncomePublic]
    status_history: list[StatusChangePublic]


class AssetPage(Page):
    items: list[AssetSummary]


# --- dividend plans ---------------------------------------------------------------------------------


class SharesIn(Input):
    """Whole percents of the year's income for households, public-welfare posts and the collective."""

    households: int = Field(ge=0, le=100)
    public_posts: int = Field(ge=0, le=100)
    collective: int = Field(ge=0, le=100)


class PlanCreate(Input):
    year: Year
    region: str = Field(pattern=VILLAGE_CODE, description="the village (嘎查村) whose income is distributed")
    total_fen: int = Field(gt=0, le=MAX_FEN)
    shares: SharesIn
    categories: list[Category] = Field(
        min_length=1, description="household categories that share the households' part"
    )


class PlanLine(BaseModel):
    household_id: uuid.UUID
    payee_name: str
    amount_fen: int


class PlanSummary(BaseModel):
    id: uuid.UUID
    year: int
    region: str
    total_fen: int
    shares: SharesIn
    categories: list[Category]
    status: PlanStatus
    households_fen: int
    public_posts_fen: int
    collective_fen: int
    line_count: int
    made_by: str
    approved_by: str | None
    approved_at: datetime | None
    payment_batch_id: str | None
    handover_error: str | None = Field(description="why payments refused the batch, if it did")
    created_at: datetime


class PlanPublic(PlanSummary):
    payment_status: str | None = Field(
        description="the payments batch's status as payments reports it now; `unknown` if it cannot answer"
    )
    lines: list[PlanLine]


class PlanPage(Page):
    items: list[PlanSummary]


# --- entities and products ----------------------------------------------------------------------------


class EntityCreate(Input):
    name: str = Field(min_length=1, max_length=100)
    kind: EntityKind
    region_code: str = Field(pattern=REGION_CODE)
    credit_code: str | None = Field(
        default=None,
        pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        description="统一社会信用代码",
    )
    contact: str | None = Field(default=None, max_length=100)


class EntityPublic(BaseModel):
    id: uuid.UUID
    name: str
    kind: EntityKind
    region_code: str
    credit_code: str | None
    contact: str | None
    created_at: datetime


class EntityPage(Page):
    items: list[EntityPublic]


class ProductCreate(Input):
    name: str = Field(min_length=1, max_length=100, examples=["杭锦旗羊绒围巾"])
    entity_id: uuid.UUID
    category: str = Field(min_length=1, max_length=50, examples=["畜牧产品"])
    certified_on: date
    certificate_no: str = Field(min_length=1, max_length=64)
    valid_until: date


class ProductPublic(BaseModel):
    id: uuid.UUID
    name: str
    entity_id: uuid.UUID
    entity_name: str
    region_code: str
    category: str
    certified_on: date
    certificate_no: str
    valid_until: date
    valid: bool = Field(description="the certificate is in force today")
    created_at: datetime


class ProductPage(Page):
    items: list[ProductPublic]


# --- the fund -------------------------------------------------------------------------------------------


class LinkedHousehold(Input):
    household_id: uuid.UUID
    link: HouseholdLink


class InvestmentCreate(Input):
    entity_id: uuid.UUID
    amount_fen: int = Field(gt=0, le=MAX_FEN, description="what the fund puts in")
    self_raised_fen: AmountFen = Field(description="what the entity raises itself (自筹)")
    term_months: int = Field(ge=1, le=240)
    expected_return_bp: int = Field(ge=0, le=10_000, description="expected return, basis points per year")
    start_date: Day
    linked_households: list[LinkedHousehold] = Field(default_factory=list, max_length=1000)


class InvestmentPublic(BaseModel):
    id: uuid.UUID
    entity_id: uuid.UUID
    entity_name: str
    region_code: str
    amount_fen: int
    self_raised_fen: int
    fund_ratio: str = Field(description='fund : self-raised, e.g. "1:0.6"', examples=["1:0.6"])
    fund_ratio_exact: str = Field(description='the same ratio as reduced integers, e.g. "5:3"')
    term_months: int
    term_end: date
    expected_return_bp: int
    expected_income_fen: int = Field(description="amount × rate × term, rounded half up to the fen")
    start_date: date
    repaid_principal_fen: int
    outstanding_fen: int
    income_fen: int
    overdue: bool = Field(description="past its term with principal outstanding")
    linked_households: list[LinkedHousehold]
    created_at: datetime


class InvestmentPage(Page):
    items: list[InvestmentPublic]


class RepaymentCreate(Input):
    principal_fen: AmountFen
    income_fen: AmountFen
    paid_on: date


class RepaymentPublic(BaseModel):
    id: uuid.UUID
    investment_id: uuid.UUID
    principal_fen: int
    income_fen: int
    paid_on: date
    outstanding_fen: int = Field(description="the investment's principal still outstanding afterwards")
    at: datetime


class InvestmentRatio(BaseModel):
    investment_id: uuid.UUID
    entity_name: str
    amount_fen: int
    self_raised_fen: int
    fund_ratio: str
    fund_ratio_exact: str
    outstanding_fen: int
    term_end: date
    overdue: bool


class FundPublic(BaseModel):
    """The industry development fund (乡村振兴产业发展基金) and whether its capital is preserved (保本)."""

    id: uuid.UUID
    name: str
    region_code: str
    capital_fen: int
    invested_fen: int = Field(description="principal outstanding in investments")
    repaid_principal_fen: int
    income_fen: int
    available_fen: int = Field(description="capital − outstanding principal: what may be invested now")
    overdue_principal_fen: int
    capital_preserved: bool = Field(
        description="no investment is past its term with principal outstanding, i.e. available + "
        "performing outstanding principal == capital"
    )
    investments: list[InvestmentRatio]
    overdue_investments: list[InvestmentRatio]


# --- supervision --------------------------------------------------------------------------------------


class SourceTotals(BaseModel):
    funding_source: FundingSource
    this_year_fen: int
    last_year_fen: int


class SpecialFundsReport(BaseModel):
    """§六(四): the banner's special funds (`banner_special`) this year against last year."""

    year: int
    region: str
    this_year_fen: int
    last_year_fen: int
    not_lower: bool
    flag: str | None
    by_source: list[SourceTotals]


class NoticeProject(Input):
    name: str = Field(min_length=1, max_length=200)
    place: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=2000)
    timeline: str = Field(min_length=1, max_length=200, examples=["2026年4月至2026年9月"])
    implementer: str = Field(min_length=1, max_length=200)
    funding_fen: AmountFen
    funding_source: FundingSource
    use: str = Field(min_length=1, max_length=500)


class NoticeCreate(Input):
    title: str = Field(min_length=1, max_length=200)
    region_code: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$", description="banner, township or village")
    projects: list[NoticeProject] = Field(min_length=1, max_length=200)
    posted_on: Day
    until: Day = Field(description="at least 10 days after posted_on")


class NoticePublic(BaseModel):
    id: uuid.UUID
    title: str
    region_code: str
    projects: list[NoticeProject]
    total_funding_fen: int
    posted_on: date
    until: date
    created_by: str
    created_at: datetime


class NoticePage(Page):
    items: list[NoticePublic]
