"""Request and response models of the assets service. Money in integer fen; ratios as strings."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from shared.pages import Page
from shared.text import Input
from shared.vocabulary.assets import (
    AssetClass,
    AssetStatus,
    CertificationCheck,
    CommitmentKind,
    Comparison,
    EntityKind,
    FundingSource,
    HouseholdLink,
    IndicatorKind,
    PlanStatus,
    SalesChannel,
    TargetStatus,
    VillageFund,
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


class AssetPage(Page[AssetSummary]): ...


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
    income_id: uuid.UUID | None = Field(
        default=None,
        description="the recorded income the plan is made from: an operating asset's in `region` and `year`",
    )


class PlanLine(BaseModel):
    household_id: uuid.UUID
    household_no: str | None = Field(description="户编号 when the plan was made (null on plans made before)")
    payee_name: str = Field(description="the head (户主) when the plan was made")
    amount_fen: int


class PlanSource(BaseModel):
    """The recorded income a plan was made from."""

    income_id: uuid.UUID
    asset_id: uuid.UUID
    asset_name: str
    year: int
    amount_fen: int


class VillageFundEntryPublic(BaseModel):
    """A part of an approved plan kept for the village: its posts' budget or its collective's income."""

    id: uuid.UUID
    region: str
    year: int
    fund: VillageFund
    amount_fen: int
    plan_id: uuid.UUID
    recorded_by: str
    recorded_at: datetime


class VillageFundTotals(BaseModel):
    """Every matching entry summed per fund, in fen."""

    public_posts: int
    collective: int


class VillageFundPage(Page[VillageFundEntryPublic]):
    totals_fen: VillageFundTotals


class Distributable(BaseModel):
    """What a village may still distribute for a year (API.md: never more than the recorded income)."""

    region: str
    year: int
    income_fen: int = Field(description="its operating assets' recorded income for the year")
    planned_fen: int = Field(description="what plans other than cancelled ones already take")
    left_fen: int


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
    income_id: uuid.UUID | None
    published_by: str | None
    notice_posted_at: datetime | None = Field(description="when it was published to the village (公示)")
    notice_until: datetime | None = Field(description="the notice's end; it is approved only after it")
    approved_by: str | None
    approved_at: datetime | None
    payment_batch_id: str | None
    handover_error: str | None = Field(description="why payments refused the batch, if it did")
    created_at: datetime


class PlanPublic(PlanSummary):
    payment_status: str | None = Field(
        description="the payments batch's status as payments reports it now; `unknown` if it cannot answer"
    )
    source: PlanSource | None = Field(description="the recorded income it was made from, if one was named")
    village_funds: list[VillageFundEntryPublic] = Field(
        description="once approved: the posts' budget and the collective's income it recorded"
    )
    lines: list[PlanLine]


class PlanPage(Page[PlanSummary]): ...


class HouseholdDividend(BaseModel):
    """What one household received from a village's dividend plan (资产收益分红)."""

    plan_id: uuid.UUID
    year: int
    region: str
    status: PlanStatus
    amount_fen: int
    payment_batch_id: str | None


class HouseholdDividendPage(Page[HouseholdDividend]): ...


# --- entities and products ----------------------------------------------------------------------------


class EntityCreate(Input):
    name: str = Field(min_length=1, max_length=100)
    kind: EntityKind
    region_code: str = Field(pattern=REGION_CODE)
    credit_code: str | None = Field(
        default=None, min_length=18, max_length=18, description="统一社会信用代码, check digit verified"
    )
    contact: str | None = Field(default=None, max_length=100)
    supplier_household_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=1000,
        description="the households a producer buys from (利益联结): the ones its sales' income may reach",
    )

    @field_validator("credit_code")
    @classmethod
    def _valid_credit_code(cls, code: str | None) -> str | None:
        """A mistyped code would pair the wrong enterprise: its check digit must hold (GB 32100)."""
        if code is None:
            return None
        try:
            return str(uscc.validate(code))
        except ValidationError:
            raise ValueError("统一社会信用代码无效（格式或校验位不符）") from None


class EntityPublic(BaseModel):
    id: uuid.UUID
    name: str
    kind: EntityKind
    region_code: str
    credit_code: str | None
    contact: str | None
    supplier_household_ids: list[uuid.UUID]
    created_at: datetime


class EntityPage(Page[EntityPublic]): ...


class CheckCreate(Input):
    check: CertificationCheck
    passed: bool
    note: str = Field(min_length=1, max_length=500, examples=["抽检合格，检测报告 NMG-2026-0412"])


class CheckPublic(BaseModel):
    id: uuid.UUID
    check: CertificationCheck
    passed: bool
    note: str
    decided_by: str
    decided_role: str
    decided_at: datetime


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
    certified: bool = Field(description="the latest decision on each of the four checks passed")
    checks: list[CheckPublic] = Field(description="the latest decision on each check decided so far")
    sales_fen: int = Field(description="all recorded sales")
    household_income_fen: int = Field(description="what those sales paid the supplying households")
    created_at: datetime


class ProductPage(Page[ProductPublic]): ...


class HouseholdIncome(Input):
    household_id: uuid.UUID
    amount_fen: int = Field(gt=0, le=MAX_FEN)


class SaleCreate(Input):
    channel: SalesChannel
    sold_on: Day
    amount_fen: int = Field(gt=0, le=MAX_FEN)
    buyer: str | None = Field(default=None, max_length=100, examples=["杭锦旗人民医院食堂"])
    household_incomes: list[HouseholdIncome] = Field(
        default_factory=list,
        max_length=1000,
        description="what this sale paid each supplying household (as the purchase receipts show)",
    )


class SalePublic(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    channel: SalesChannel
    sold_on: date
    amount_fen: int
    buyer: str | None
    household_incomes: list[HouseholdIncome]
    created_by: str
    created_at: datetime


class ChannelTotal(BaseModel):
    channel: SalesChannel
    amount_fen: int


class ProductDetail(ProductPublic):
    """One product with everything decided and sold: its page reads this, not the whole catalogue."""

    decisions: list[CheckPublic] = Field(description="every check decision, oldest first")
    by_channel: list[ChannelTotal] = Field(description="all the product's sales summed per channel")


class SalePage(Page[SalePublic]):
    amount_fen: int = Field(description="all the product's sales, not only this page")
    household_income_fen: int
    by_channel: list[ChannelTotal]


# --- 百企兴百村 partnerships ----------------------------------------------------------------------------


class CommitmentCreate(Input):
    kind: CommitmentKind
    amount: int = Field(gt=0, le=MAX_FEN, description="fen, or the number of jobs for `jobs`")
    due_on: Day
    note: str | None = Field(default=None, max_length=500)


class PartnershipCreate(Input):
    enterprise_id: uuid.UUID = Field(description="an entity with a unified social credit code")
    region_code: str = Field(pattern=VILLAGE_CODE, description="the village (嘎查村)")
    signed_on: Day
    commitments: list[CommitmentCreate] = Field(min_length=1, max_length=50)


class MemberRef(Input):
    """A member the delivered jobs employ, by the registry's ids (never an ID number)."""

    household_id: uuid.UUID
    member_id: uuid.UUID | None = None


class DeliveryCreate(Input):
    commitment_id: uuid.UUID
    amount: int = Field(gt=0, le=MAX_FEN, description="fen, or the number of jobs")
    delivered_on: Day
    evidence: str = Field(min_length=2, max_length=2000, examples=["用工合同 12 份，工资发放表（2026年3月）"])
    members: list[MemberRef] = Field(default_factory=list, max_length=1000)


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    commitment_id: uuid.UUID
    amount: int
    delivered_on: date
    evidence: str
    members: list[MemberRef]
    created_by: str
    created_at: datetime


class CommitmentPublic(BaseModel):
    id: uuid.UUID
    kind: CommitmentKind
    amount: int
    due_on: date
    note: str | None
    delivered: int
    delivered_bp: int = Field(description="delivered share in basis points, at most 10000")
    overdue: bool = Field(description="past its due date and not fully delivered")


class PartnershipPublic(BaseModel):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str
    credit_code: str | None
    region_code: str
    signed_on: date
    commitments: list[CommitmentPublic]
    delivered_bp: int = Field(description="the mean of the commitments' delivered shares, basis points")
    deliveries: list[DeliveryPublic]
    created_by: str
    created_at: datetime


class PartnershipPage(Page[PartnershipPublic]): ...


class RankedPartnership(BaseModel):
    rank: int
    partnership_id: uuid.UUID
    enterprise_name: str
    region_code: str
    delivered_bp: int


class PartnershipRanking(BaseModel):
    items: list[RankedPartnership]


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


class InvestmentPage(Page[InvestmentPublic]): ...


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
    """§六(四): the banner's special funds (`banner_special`) put in this year against last year, from the
    allocations (money put in), not from the value of the assets formed."""

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
    allocation_year: int | None = Field(description="set when generated from that year's allocations")
    created_by: str
    created_at: datetime


class NoticePage(Page[NoticePublic]): ...


# --- money put in, projects and their performance (§六(四)) ------------------------------------------------


class TargetCreate(Input):
    kind: IndicatorKind
    indicator: str = Field(min_length=1, max_length=200, examples=["新建标准化棚圈"])
    unit: str = Field(min_length=1, max_length=20, examples=["座"])
    comparison: Comparison = Comparison.at_least
    target_value: int = Field(ge=0, le=MAX_FEN)


class TargetPublic(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    kind: IndicatorKind
    indicator: str
    unit: str
    comparison: Comparison
    target_value: int
    actual_value: int | None
    recorded_on: date | None
    recorded_by: str | None
    status: TargetStatus


class TargetValue(Input):
    actual_value: int = Field(ge=0, le=MAX_FEN)
    recorded_on: Day


class ProjectCreate(Input):
    name: str = Field(min_length=1, max_length=200, examples=["阿斯尔嘎查肉羊养殖棚圈建设项目"])
    region_code: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$", description="banner, township or village")
    year: Year
    implementer: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=2000)
    timeline: str = Field(min_length=1, max_length=200, examples=["2026年4月至2026年9月"])
    targets: list[TargetCreate] = Field(min_length=1, max_length=50)


class ProjectPublic(BaseModel):
    id: uuid.UUID
    name: str
    region_code: str
    year: int
    implementer: str
    content: str
    timeline: str
    allocated_fen: int = Field(description="money put into the project, all sources")
    targets: list[TargetPublic]
    created_by: str
    created_at: datetime


class ProjectPage(Page[ProjectPublic]): ...


class AllocationCreate(Input):
    project_id: uuid.UUID
    year: Year
    source: FundingSource
    amount_fen: int = Field(gt=0, le=MAX_FEN)
    allocated_on: Day
    document_no: str | None = Field(default=None, max_length=100, examples=["杭财农〔2026〕12号"])


class AllocationPublic(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    region_code: str
    year: int
    source: FundingSource
    amount_fen: int
    allocated_on: date
    document_no: str | None
    created_by: str
    created_at: datetime


class AllocationPage(Page[AllocationPublic]):
    amount_fen: int = Field(description="all matching allocations, not only this page")


class PerformanceProject(BaseModel):
    project_id: uuid.UUID
    name: str
    region_code: str
    allocated_fen: int
    met: int
    missed: int
    unrecorded: int
    targets: list[TargetPublic]


class PerformanceReport(BaseModel):
    """资金绩效: each project's targets of the year, met, missed or not yet recorded."""

    year: int
    region: str
    met: int
    missed: int
    unrecorded: int
    projects: list[PerformanceProject]


class NoticeGeneration(Input):
    year: Year
    posted_on: Day = Field(description="the notices are up from this day for 10 days")


class GeneratedNotices(BaseModel):
    items: list[NoticePublic]
