"""Request and response models of the registry service."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, model_validator

from shared.bank_accounts import account_number_problem
from shared.idnumber import Sex
from shared.pages import Page
from shared.regions import Tier
from shared.text import Input
from shared.vocabulary.households import Category, LabourAbility, Relation, SchoolStage


class RegionPublic(BaseModel):
    code: str
    name: str
    tier: Tier
    parent_code: str | None
    is_focus: bool
    children: list["RegionPublic"] = Field(default_factory=list)


class RegionCreate(Input):
    """A village (嘎查村) under a township: a 12-digit code starting with the township's 9 digits."""

    code: str = Field(pattern=r"^\d{12}$", examples=["150625100201"])
    name: str = Field(min_length=1, max_length=64)
    is_focus: bool = False


class RegionUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    is_focus: bool | None = Field(default=None, description="重点帮扶村 (seed §四(一)); villages only")


# --- households ---------------------------------------------------------------------------------------

PHONE_PATTERN = r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$"


class MemberIn(Input):
    """A member as registered; sex and birth date come from the ID number (and are checked if given)."""

    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=18, max_length=18, examples=["150625199001011234"])
    relation: Relation
    sex: Sex | None = None
    birth_date: date | None = None
    ethnicity: str | None = Field(default=None, max_length=20, examples=["蒙古族"])
    school_stage: SchoolStage = SchoolStage.none
    disability_grade: int | None = Field(default=None, ge=1, le=4)
    chronic_disease: bool = False
    serious_illness: bool = False
    labour_ability: LabourAbility = LabourAbility.full
    employment: str | None = Field(default=None, max_length=100)
    dibao: bool = False
    tekun: bool = False
    pension_insurance: bool = False


def _account_number(number: str) -> str:
    problem = account_number_problem(number)
    if problem is not None:
        raise ValueError(problem)
    return number


AccountNumber = Annotated[str, Field(max_length=40), AfterValidator(_account_number)]


class PayeeAccountIn(Input):
    """The household's 一卡通 (or social security card) account: the payee, a member (the head by default)."""

    payee_id_number: str | None = Field(
        default=None, min_length=18, max_length=18, description="a member's ID number; default the head's"
    )
    bank_name: str = Field(min_length=2, max_length=50, examples=["中国农业银行杭锦旗支行"])
    account_number: AccountNumber = Field(description="digits only, 12–19; 16–19 digits pass the Luhn check")


class PayeeAccountPublic(BaseModel):
    payee_name: str
    bank_name: str
    account_number_masked: str = Field(examples=["6217 **** **** 4566"])
    account_number: str | None = Field(
        default=None, description="only to village, township and banner officials (and payments' own client)"
    )


class HouseholdFields(BaseModel):
    address: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    lifted_year: int | None = Field(default=None, ge=2013, le=2030)
    relocated: bool = False
    resettlement_site: str | None = Field(default=None, max_length=100)
    education_secure: bool = True
    medical_secure: bool = True
    housing_secure: bool = True
    water_secure: bool = True
    sheep: int = Field(default=0, ge=0, le=100000)
    cattle: int = Field(default=0, ge=0, le=10000)
    pigs: int = Field(default=0, ge=0, le=10000)
    income_per_capita_fen: int | None = Field(default=None, ge=0, le=100_000_000)
    income_year: int | None = Field(default=None, ge=2013, le=2100, description="defaults to last year")
    payee_account: PayeeAccountIn | None = None


class HouseholdCreate(HouseholdFields, Input):
    region_code: str = Field(pattern=r"^\d{12}$", description="a village (嘎查村) in the caller's scope")
    category: Category
    members: list[MemberIn] = Field(min_length=1, max_length=30)


class HouseholdUpdate(Input):
    """Household facts that may change; the category changes only through `category-changes`."""

    address: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    lifted_year: int | None = Field(default=None, ge=2013, le=2030)
    relocated: bool | None = None
    resettlement_site: str | None = Field(default=None, max_length=100)
    education_secure: bool | None = None
    medical_secure: bool | None = None
    housing_secure: bool | None = None
    water_secure: bool | None = None
    sheep: int | None = Field(default=None, ge=0, le=100000)
    cattle: int | None = Field(default=None, ge=0, le=10000)
    pigs: int | None = Field(default=None, ge=0, le=10000)
    income_per_capita_fen: int | None = Field(default=None, ge=0, le=100_000_000)
    income_year: int | None = Field(default=None, ge=2013, le=2100)
    payee_account: PayeeAccountIn | None = Field(default=None, description="null removes the account")
    members: list[MemberIn] | None = Field(
        default=None, min_length=1, max_length=30, description="replaces the member list when given"
    )


# The hidden digits of a masked ID number are the birth date: beside one, the date would rebuild it.
BIRTH_DATE_SHOWN = "only to the roles that see full ID numbers (null for the others, who see `age`)"
AGE = "whole years as of today in Asia/Shanghai"


class MemberPublic(BaseModel):
    id: uuid.UUID
    name: str
    id_number: str = Field(description="in full only for roles that need it; masked otherwise")
    relation: Relation
    sex: Sex
    birth_date: date | None = Field(description=BIRTH_DATE_SHOWN)
    age: int = Field(description=AGE)
    ethnicity: str | None
    school_stage: SchoolStage
    disability_grade: int | None
    chronic_disease: bool
    serious_illness: bool
    labour_ability: LabourAbility
    employment: str | None
    dibao: bool
    tekun: bool
    pension_insurance: bool


class IncomePublic(BaseModel):
    year: int
    per_capita_fen: int


class HouseholdSummary(BaseModel):
    """A household in a list: enough to find it, nothing more."""

    id: uuid.UUID
    number: str
    region_code: str
    head_name: str
    category: Category
    member_count: int
    address: str
    phone: str | None = Field(description="masked for roles that do not need it")


class HouseholdPublic(HouseholdSummary):
    lifted_year: int | None
    relocated: bool
    resettlement_site: str | None
    resettlement_site_id: uuid.UUID | None = Field(description="the site it lives at (`/resettlement-sites`)")
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    sheep: int
    cattle: int
    pigs: int
    income_per_capita_fen: int | None = Field(description="the latest year's per-capita net income, in fen")
    incomes: list[IncomePublic]
    payee_account: PayeeAccountPublic | None
    members: list[MemberPublic]
    created_at: datetime
    updated_at: datetime


class HouseholdPage(Page[HouseholdSummary]): ...


class CategoryChangeIn(Input):
    category: Category
    reason: str = Field(min_length=2, max_length=500)
    effective_date: date


GUARANTEE_FLAGS = ("education_secure", "medical_secure", "housing_secure", "water_secure")


class GuaranteesIn(Input):
    """The 三保障 and drinking-water flags as monitoring reports them: all four from a household visit, or
    one from a record that settles it (an accepted 危房改造 sets housing, a water fix done sets water); a
    flag left out stays as it is."""

    education_secure: bool | None = None
    medical_secure: bool | None = None
    housing_secure: bool | None = None
    water_secure: bool | None = None
    visit_id: uuid.UUID | None = Field(default=None, description="the visit that found them, if one did")
    visited_on: date | None = None

    @model_validator(mode="after")
    def some_flag(self) -> "GuaranteesIn":
        if all(getattr(self, name) is None for name in GUARANTEE_FLAGS):
            raise ValueError("at least one of the four flags")
        return self


class GuaranteesPublic(BaseModel):
    household_id: uuid.UUID
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    changed: list[str] = Field(description="the flags this report changed (none when they already held)")


class CategoryChangePublic(BaseModel):
    id: uuid.UUID
    from_category: Category | None
    to_category: Category
    reason: str
    effective_date: date
    actor: str
    role: str
    at: datetime
    historical: bool = Field(description="loaded by a banner official's import, identified before the system")


class FieldChange(BaseModel):
    """One field of a household changed by an edit or a category change: who, when, before and after."""

    at: datetime
    actor: str
    role: str
    action: str = Field(examples=["household.update", "household.category_change"])
    field: str = Field(examples=["sheep", "address", "members"])
    before: Any = Field(description="ID numbers and phones masked; members without birth dates")
    after: Any


class CategoryCounts(BaseModel):
    code: str
    name: str
    total: int
    counts: dict[Category, int]


class HouseholdStats(BaseModel):
    """Households by category for each child region of `region` (a village: the village itself)."""

    region: str
    rows: list[CategoryCounts]
    totals: dict[Category, int]
    total: int


class LookupRequest(Input):
    """A bulk read for other services: households by id and/or by a member's ID number (up to 1000 each)."""

    household_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    id_numbers: list[str] = Field(default_factory=list, max_length=1000)


class MemberBrief(BaseModel):
    id: uuid.UUID
    name: str
    id_masked: str
    relation: Relation
    sex: Sex
    birth_date: date | None = Field(description=BIRTH_DATE_SHOWN)
    age: int = Field(description=AGE)
    school_stage: SchoolStage
    disability_grade: int | None
    labour_ability: LabourAbility
    chronic_disease: bool
    serious_illness: bool
    dibao: bool
    tekun: bool
    pension_insurance: bool = Field(description="enrolled in 城乡居民养老保险 (read by the pension rules)")
    matched: bool = Field(description="this member's ID number was among those asked for")


class HouseholdBrief(BaseModel):
    """What other services need to decide on a household: category, facts, members (IDs masked)."""

    id: uuid.UUID
    number: str
    region_code: str
    category: Category
    head_name: str
    member_count: int
    income_per_capita_fen: int | None
    income_year: int | None
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    sheep: int
    cattle: int
    pigs: int
    payee_account: PayeeAccountPublic | None
    members: list[MemberBrief]


class LookupResult(BaseModel):
    items: list[HouseholdBrief]
