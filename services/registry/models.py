"""Tables of the registry service: the region tree, households, members and category history."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field

from shared.audit import audit_table
from shared.db import service_base
from shared.outbox import outbox_table

Base = service_base()
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)


class Region(Base, table=True):
    """A banner, township (苏木镇) or village (嘎查村); the code's prefix is its ancestry."""

    __tablename__ = "regions"

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=64)
    tier: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, foreign_key="regions.code", index=True, max_length=12)
    is_focus: bool = Field(default=False, description="重点帮扶村 (seed §四(一))")


def _now() -> datetime:
    return datetime.now(UTC)


class VillageCounter(Base, table=True):
    """The last household number given out in a village; numbers are `<village code><5 digits>`."""

    __tablename__ = "village_counters"

    region_code: str = Field(primary_key=True, max_length=12)
    last_number: int = 0


class Household(Base, table=True):
    """A registered household (户), always in one village."""

    __tablename__ = "households"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    region_code: str = Field(max_length=12, foreign_key="regions.code", index=True)
    address: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    category: str = Field(max_length=32, index=True)
    lifted_year: int | None = None
    relocated: bool = False
    resettlement_site: str | None = Field(default=None, max_length=100)
    resettlement_site_id: uuid.UUID | None = Field(
        default=None, index=True, description="the resettlement site it lives at (checked by the service)"
    )
    education_secure: bool = True
    medical_secure: bool = True
    housing_secure: bool = True
    water_secure: bool = True
    sheep: int = 0
    cattle: int = 0
    pigs: int = 0
    head_name: str = Field(max_length=50, index=True, description="denormalised for lists and search")
    member_count: int = 0
    # The payee account (一卡通): a member paid into, the number only encrypted (migration 0007).
    payee_digest: str | None = Field(default=None, max_length=64, description="the payee member's ID digest")
    payee_name: str | None = Field(default=None, max_length=50)
    bank_name: str | None = Field(default=None, max_length=50)
    account_cipher: str | None = Field(default=None, max_length=200)
    account_digest: str | None = Field(default=None, max_length=64, index=True)
    account_masked: str | None = Field(default=None, max_length=24)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class HouseholdCount(Base, table=True):
    """How many households of a category a village has: written only by the database's triggers on
    `households` (migration 0003), read by the dashboard and list totals."""

    __tablename__ = "household_counts"

    region_code: str = Field(primary_key=True, max_length=12)
    category: str = Field(primary_key=True, max_length=32)
    households: int = 0


class HouseholdIncome(Base, table=True):
    """Per-capita net income of a household in one year (人均纯收入), in fen."""

    __tablename__ = "household_incomes"

    household_id: uuid.UUID = Field(foreign_key="households.id", primary_key=True)
    year: int = Field(primary_key=True)
    per_capita_fen: int


class Member(Base, table=True):
    """A person (人). The ID number is kept only encrypted, with a keyed digest for uniqueness and search."""

    __tablename__ = "members"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    region_code: str | None = Field(
        default=None,
        max_length=12,
        description="the household's village, set by the database (migration 0005)",
    )
    name: str = Field(max_length=50, index=True)
    id_digest: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    id_cipher: str = Field(max_length=200)
    id_masked: str = Field(max_length=18)
    relation: str = Field(max_length=16)
    sex: str = Field(max_length=8)
    birth_date: date
    ethnicity: str | None = Field(default=None, max_length=20)
    school_stage: str = Field(default="none", max_length=16)
    disability_grade: int | None = None
    chronic_disease: bool = False
    serious_illness: bool = False
    labour_ability: str = Field(default="full", max_length=16)
    employment: str | None = Field(default=None, max_length=100)
    dibao: bool = False
    tekun: bool = False
    pension_insurance: bool = False
    position: int = 0


class CategoryChange(Base, table=True):
    """One dated, reasoned change of a household's category: who, when, from, to and why (MISSION.md §2)."""

    __tablename__ = "category_changes"
    __table_args__ = (UniqueConstraint("idempotency_key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    from_category: str | None = Field(default=None, max_length=32)
    to_category: str = Field(max_length=32)
    reason: str = Field(max_length=500)
    effective_date: date
    actor: str = Field(max_length=128)
    role: str = Field(max_length=32)
    at: datetime = Field(default_factory=_now)
    idempotency_key: str | None = Field(default=None, max_length=128)
    historical: bool = Field(default=False, description="identified before the system, loaded by an import")


class ResettlementSite(Base, table=True):
    """A resettlement site (易地扶贫搬迁安置点) in a township or village; its households name it."""

    __tablename__ = "resettlement_sites"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    region_code: str = Field(max_length=12, foreign_key="regions.code", index=True)
    capacity: int = Field(description="households it was built for")
    created_at: datetime = Field(default_factory=_now)


class SiteFacility(Base, table=True):
    """One facility of a site (seed §五(四)): its state and the follow-up project that closes a gap."""

    __tablename__ = "site_facilities"

    site_id: uuid.UUID = Field(foreign_key="resettlement_sites.id", primary_key=True)
    facility: str = Field(primary_key=True, max_length=32)
    status: str = Field(max_length=16)
    project_name: str | None = Field(default=None, max_length=100)
    project_due_on: date | None = None
    note: str | None = Field(default=None, max_length=500)
    updated_by: str = Field(max_length=128)
    updated_at: datetime = Field(default_factory=_now)
