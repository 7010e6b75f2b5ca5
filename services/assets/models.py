"""Tables of the assets service: assets and their incomes, dividend plans, the industry fund, entities,
products and their sales, 百企兴百村 partnerships, money put in (allocations) with its projects'
performance targets, and public notices. Money is integer fen in BigInteger columns; never a float."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field

from shared.audit import audit_table
from shared.db import service_base
from shared.outbox import outbox_table

Base = service_base()
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)

# The 乡村振兴产业发展基金 of seed §五(三)4, configured by migration 0002.
INDUSTRY_FUND_ID = uuid.UUID("5e1f0c3a-0000-4000-8000-000000150625")


def _now() -> datetime:
    return datetime.now(UTC)


def _fen() -> Any:
    return Field(sa_type=BigInteger)


def _at() -> Any:
    return Field(default_factory=_now, sa_type=DateTime(timezone=True))


class Entity(Base, table=True):
    """A new-type business entity (新型经营主体) that operates assets or receives fund investment."""

    __tablename__ = "entities"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=32)
    region_code: str = Field(max_length=12, index=True)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    contact: str | None = Field(default=None, max_length=100)
    created_at: datetime = _at()


class Asset(Base, table=True):
    """A poverty-relief asset formed since 2014 (扶贫资产, seed §五(三)4, §六(四))."""

    __tablename__ = "assets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    asset_class: str = Field(max_length=32)
    region_code: str = Field(max_length=12, index=True)
    project: str | None = Field(default=None, max_length=200)
    funding_source: str = Field(max_length=32)
    funding_year: int = Field(index=True)
    value_fen: int = _fen()
    operator_entity_id: uuid.UUID | None = Field(default=None, foreign_key="entities.id")
    status: str = Field(max_length=16)
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()
    updated_at: datetime = _at()


class AssetStatusChange(Base, table=True):
    """One change of an asset's status: who, when, from, to and why."""

    __tablename__ = "asset_status_changes"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    asset_id: uuid.UUID = Field(foreign_key="assets.id", index=True)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    reason: str = Field(max_length=500)
    actor: str = Field(max_length=128)
    role: str = Field(max_length=32)
    at: datetime = _at()


class AssetIncome(Base, table=True):
    """The income of an operating asset in one year; one record per asset and year."""

    __tablename__ = "asset_incomes"
    __table_args__ = (UniqueConstraint("asset_id", "year"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    asset_id: uuid.UUID = Field(foreign_key="assets.id", index=True)
    year: int
    amount_fen: int = _fen()
    note: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()


class DividendPlan(Base, table=True):
    """How one village distributes a year's asset income (收益分配方案), split exactly to the fen."""

    __tablename__ = "dividend_plans"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    year: int
    region_code: str = Field(max_length=12, index=True)
    total_fen: int = _fen()
    households_pct: int
    public_posts_pct: int
    collective_pct: int
    households_fen: int = _fen()
    public_posts_fen: int = _fen()
    collective_fen: int = _fen()
    categories: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # The recorded income it was made from (incomes are never deleted; checked when the plan is made).
    income_id: uuid.UUID | None = None
    status: str = Field(max_length=16, index=True)
    made_by: str = Field(max_length=128)
    made_role: str = Field(max_length=32)
    # Published to the village (公示) before it may be approved: who, from when, until when.
    published_by: str | None = Field(default=None, max_length=128)
    notice_posted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    notice_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    approved_by: str | None = Field(default=None, max_length=128)
    approved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    payment_batch_id: str | None = Field(default=None, max_length=64)
    handover_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _at()
    updated_at: datetime = _at()


class DividendLine(Base, table=True):
    """What one household receives from a plan."""

    __tablename__ = "dividend_lines"
    __table_args__ = (UniqueConstraint("plan_id", "household_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="dividend_plans.id", index=True)
    household_id: uuid.UUID
    household_no: str | None = Field(default=None, max_length=32, description="户编号 when the plan was made")
    payee_name: str = Field(max_length=50, description="the head (户主) when the plan was made")
    amount_fen: int = _fen()


class VillageFundEntry(Base, table=True):
    """A part of an approved plan kept for the village: budgeted for its public-welfare posts or credited
    to its collective (one entry per plan and part), so the money is accounted for, not only computed."""

    __tablename__ = "village_fund_entries"
    __table_args__ = (UniqueConstraint("plan_id", "fund"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    region_code: str = Field(max_length=12, index=True)
    year: int = Field(index=True)
    fund: str = Field(max_length=16)
    amount_fen: int = _fen()
    plan_id: uuid.UUID = Field(foreign_key="dividend_plans.id", index=True)
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = _at()


class Fund(Base, table=True):
    """The industry development fund's configuration: its capital and pilot region."""

    __tablename__ = "funds"

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=100)
    region_code: str = Field(max_length=12)
    capital_fen: int = _fen()
    created_at: datetime = _at()


class Investment(Base, table=True):
    """Money the fund put into one entity, with the entity's self-raised share and its term."""

    __tablename__ = "fund_investments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    fund_id: uuid.UUID = Field(foreign_key="funds.id", index=True)
    entity_id: uuid.UUID = Field(foreign_key="entities.id", index=True)
    region_code: str = Field(max_length=12, index=True, description="the entity's, for scope")
    amount_fen: int = _fen()
    self_raised_fen: int = _fen()
    term_months: int
    expected_return_bp: int
    start_date: date
    repaid_principal_fen: int = Field(default=0, sa_type=BigInteger)
    income_fen: int = Field(default=0, sa_type=BigInteger)
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()


class InvestmentHousehold(Base, table=True):
    """A household an investment is linked to, and how (订单回收, 就业务工, 土地流转, 生产资料入股)."""

    __tablename__ = "fund_investment_households"

    investment_id: uuid.UUID = Field(foreign_key="fund_investments.id", primary_key=True)
    household_id: uuid.UUID = Field(primary_key=True)
    link: str = Field(max_length=32, primary_key=True)


class Repayment(Base, table=True):
    """Principal and income an entity paid back to the fund."""

    __tablename__ = "fund_repayments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    investment_id: uuid.UUID = Field(foreign_key="fund_investments.id", index=True)
    principal_fen: int = _fen()
    income_fen: int = _fen()
    paid_on: date
    actor: str = Field(max_length=128)
    at: datetime = _at()


class Product(Base, table=True):
    """A certified poverty-relief product (扶贫产品认定, seed §五(三)3) in the catalogue."""

    __tablename__ = "products"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    entity_id: uuid.UUID = Field(foreign_key="entities.id", index=True)
    region_code: str = Field(max_length=12, index=True, description="the entity's, for scope")
    category: str = Field(max_length=50, index=True)
    certified_on: date
    certificate_no: str = Field(max_length=64, unique=True)
    valid_until: date
    created_at: datetime = _at()


class Notice(Base, table=True):
    """A public notice of funds and projects (资金项目公示, seed §六(四)), posted at least 10 days."""

    __tablename__ = "notices"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    title: str = Field(max_length=200)
    region_code: str = Field(max_length=12, index=True)
    projects: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    posted_on: date
    until: date
    # set on the three-level notices generated from a year's allocations
    allocation_year: int | None = Field(default=None, index=True)
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()


class EntitySupplier(Base, table=True):
    """A household a producer buys from (利益联结, seed §五(三)3): who its sales can reach."""

    __tablename__ = "entity_suppliers"

    entity_id: uuid.UUID = Field(foreign_key="entities.id", primary_key=True)
    household_id: uuid.UUID = Field(primary_key=True)


class ProductCheck(Base, table=True):
    """One recorded decision on one of a product's four certification checks (质量、价格、诚信、效益关)."""

    __tablename__ = "product_checks"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    product_id: uuid.UUID = Field(foreign_key="products.id", index=True)
    check: str = Field(max_length=16)
    passed: bool
    note: str = Field(max_length=500)
    decided_by: str = Field(max_length=128)
    decided_role: str = Field(max_length=32)
    decided_at: datetime = _at()


class Sale(Base, table=True):
    """A sale of a certified product through one channel (消费帮扶)."""

    __tablename__ = "product_sales"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    product_id: uuid.UUID = Field(foreign_key="products.id", index=True)
    region_code: str = Field(max_length=12, index=True, description="the product's, for scope")
    channel: str = Field(max_length=32)
    sold_on: date
    amount_fen: int = _fen()
    buyer: str | None = Field(default=None, max_length=100)
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()


class SaleIncome(Base, table=True):
    """What one supplying household received from a sale."""

    __tablename__ = "product_sale_incomes"

    sale_id: uuid.UUID = Field(foreign_key="product_sales.id", primary_key=True)
    household_id: uuid.UUID = Field(primary_key=True, index=True)
    amount_fen: int = _fen()


class Partnership(Base, table=True):
    """An enterprise paired with a village under 百企兴百村 / 村企共建 (seed §五(七))."""

    __tablename__ = "partnerships"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    enterprise_id: uuid.UUID = Field(foreign_key="entities.id", index=True)
    region_code: str = Field(max_length=12, index=True, description="the village")
    signed_on: date
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()


class Commitment(Base, table=True):
    """What the enterprise promised, by when: fen for money, a count for jobs."""

    __tablename__ = "partnership_commitments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partnership_id: uuid.UUID = Field(foreign_key="partnerships.id", index=True)
    kind: str = Field(max_length=16)
    amount: int = _fen()
    due_on: date
    note: str | None = Field(default=None, max_length=500)


class Delivery(Base, table=True):
    """What the enterprise delivered against a commitment, with its evidence and the members it employed."""

    __tablename__ = "partnership_deliveries"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partnership_id: uuid.UUID = Field(foreign_key="partnerships.id", index=True)
    commitment_id: uuid.UUID = Field(foreign_key="partnership_commitments.id", index=True)
    amount: int = _fen()
    delivered_on: date
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    members: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()


class FundProject(Base, table=True):
    """A project that money is put into (资金项目), where it lies and who carries it out."""

    __tablename__ = "fund_projects"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    region_code: str = Field(max_length=12, index=True)
    year: int = Field(index=True)
    implementer: str = Field(max_length=200)
    content: str = Field(max_length=2000)
    timeline: str = Field(max_length=200)
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()


class PerformanceTarget(Base, table=True):
    """One performance indicator of a project (绩效目标) and the value recorded against it."""

    __tablename__ = "performance_targets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(foreign_key="fund_projects.id", index=True)
    kind: str = Field(max_length=16)
    indicator: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    comparison: str = Field(max_length=16)
    target_value: int = _fen()
    actual_value: int | None = Field(default=None, sa_type=BigInteger)
    recorded_on: date | None = None
    recorded_by: str | None = Field(default=None, max_length=128)


class Allocation(Base, table=True):
    """Money put into a project in a year from one source (资金投入, seed §六(四))."""

    __tablename__ = "allocations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(foreign_key="fund_projects.id", index=True)
    region_code: str = Field(max_length=12, index=True, description="the project's, for scope")
    year: int = Field(index=True)
    source: str = Field(max_length=32)
    amount_fen: int = _fen()
    allocated_on: date
    document_no: str | None = Field(default=None, max_length=100)
    created_by: str = Field(max_length=128)
    created_at: datetime = _at()
