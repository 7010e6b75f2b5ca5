"""The employment API's shapes (API.md "Assistance"): posts, trainings, workshops, work-relief projects and
their labour, a household's employment, and the wage entitlements payments batches."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from services.monitoring.employment_rules import MONTH
from services.monitoring.schemas import REGION_CODE, VILLAGE_CODE
from shared.money import Fen
from shared.pages import Page
from shared.text import Input

Month = Annotated[str, Field(pattern=MONTH.pattern, examples=["2026-12"], description="YYYY-MM")]
Name = Annotated[str, Field(min_length=2, max_length=100)]


class Dated(Input):
    """A term or course dates: the end on or after the start."""

    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ordered(self) -> "Dated":
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on 不能早于 starts_on")
        return self


class PostCreate(Dated):
    name: Name = Field(examples=["村级保洁员"])
    household_id: uuid.UUID
    holder_member_id: uuid.UUID
    monthly_wage_fen: Fen = Field(gt=0, le=1_000_000, description="paid each month of the term")
    priority_exception: str | None = Field(
        default=None,
        max_length=200,
        description="required when the holder's household is neither lifted-out nor marginal: why them",
    )


class PostPublic(BaseModel):
    id: uuid.UUID
    name: str
    household_id: uuid.UUID
    region_code: str
    household_number: str
    category: str
    holder_member_id: uuid.UUID
    holder_name: str
    holder_id_masked: str
    monthly_wage_fen: int
    starts_on: date
    ends_on: date
    active: bool = Field(description="today lies within the term")
    priority_exception: str | None
    recorded_by: str
    recorded_at: datetime


class PostPage(Page[PostPublic]): ...


class MemberRef(Input):
    """A member of a household as the registry records it."""

    household_id: uuid.UUID
    member_id: uuid.UUID


class TraineeIn(MemberRef):
    certificate: str | None = Field(default=None, max_length=100, description="the certificate's number")


class TrainingCreate(Dated):
    course: Name = Field(examples=["肉羊养殖技术"])
    provider: Name
    region: str = Field(pattern=REGION_CODE, description="where it was held, in the caller's scope")
    trainees: list[TraineeIn] = Field(min_length=1, max_length=500)


class EmployeeIn(MemberRef):
    hired_on: date


class WorkshopCreate(Input):
    name: Name = Field(examples=["阿斯尔嘎查扶贫车间"])
    village_code: str = Field(pattern=VILLAGE_CODE)
    operator: Name
    employees: list[EmployeeIn] = Field(min_length=1, max_length=500)


class ProjectCreate(Dated):
    name: Name = Field(examples=["嘎查道路养护以工代赈项目"])
    village_code: str = Field(pattern=VILLAGE_CODE)


class LabourIn(MemberRef):
    days: int = Field(ge=1, le=31)
    amount_fen: Fen = Field(gt=0, le=2_000_000)


class LabourCreate(Input):
    """The members who worked on a project in a month, and their wages (each member once a month)."""

    month: Month
    labour: list[LabourIn] = Field(min_length=1, max_length=500)


class EngagedMember(BaseModel):
    """A member in a training, a workshop or a project's month of labour."""

    id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    region_code: str
    member_id: uuid.UUID
    member_name: str
    member_id_masked: str
    certificate: str | None = None
    started_on: date | None = None
    month: str | None = None
    days: int | None = None
    amount_fen: int | None = None


class TrainingPublic(BaseModel):
    id: uuid.UUID
    course: str
    provider: str
    region_code: str
    starts_on: date
    ends_on: date
    trainees: list[EngagedMember]
    recorded_by: str
    recorded_at: datetime


class WorkshopPublic(BaseModel):
    id: uuid.UUID
    name: str
    region_code: str
    operator: str
    employees: list[EngagedMember]
    recorded_by: str
    recorded_at: datetime


class ProjectPublic(BaseModel):
    id: uuid.UUID
    name: str
    region_code: str
    starts_on: date
    ends_on: date
    labour: list[EngagedMember]
    wages_fen: int
    recorded_by: str
    recorded_at: datetime


class TrainingPage(Page[TrainingPublic]): ...


class WorkshopPage(Page[WorkshopPublic]): ...


class ProjectPage(Page[ProjectPublic]): ...


class EmploymentRecord(BaseModel):
    """One of a member's jobs or trainings, as the household file lists them."""

    kind: str = Field(description="post, workshop, work_relief or training")
    title: str = Field(description="the post, workshop, project or course")
    member_id: uuid.UUID
    member_name: str
    starts_on: date | None
    ends_on: date | None
    month: str | None = None
    amount_fen: int | None = Field(default=None, description="a post's monthly wage, a month's labour wage")
    certificate: str | None = None


class HouseholdEmployment(BaseModel):
    """What the caller may see of a household's employment (nothing outside its scope, not even the id)."""

    records: list[EmploymentRecord]


class WageEntitlement(BaseModel):
    """A payment owed whose facts monitoring keeps — a post's month, a month of labour, a loan's year of
    贴息 — keyed so payments pays it once (at most one live line per key)."""

    key: str
    household_id: uuid.UUID
    household_number: str
    region_code: str
    payee_name: str
    payee_id_masked: str
    amount_fen: int
    detail: dict[str, str]
