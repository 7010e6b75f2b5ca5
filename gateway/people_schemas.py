"""Request and response models of assignments and assessments (API.md "Places, partners and people")."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.pages import Page
from shared.text import Input
from shared.vocabulary.people import AssignmentKind


class AssignmentCreate(Input):
    username: str = Field(min_length=3, max_length=64, description="a work team account of the village")
    kind: AssignmentKind = Field(
        description="`work_team` or `first_secretary`; 帮扶责任人 come from the assistance plans"
    )
    village_code: str = Field(pattern=r"^\d{12}$")
    dispatching_unit: str = Field(min_length=2, max_length=100, description="派出单位", examples=["旗财政局"])
    starts_on: date
    ends_on: date | None = None
    visits_per_month: int = Field(
        default=1, ge=1, le=31, description="visits owed to each followed household of the village a month"
    )


class AssignmentPublic(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str | None
    kind: AssignmentKind
    village_code: str
    dispatching_unit: str
    starts_on: date
    ends_on: date | None
    visits_per_month: int
    created_by: str
    created_at: datetime


class AssignmentPage(Page[AssignmentPublic]): ...


class VillageAssessment(BaseModel):
    village_code: str
    followed_households: int
    visits_done: int
    visits_target: int = Field(description="each followed household visited at least monthly, to date")
    cases_decided: int
    cases_decided_on_time: int = Field(description="decided within the decision time limit (15 days)")
    cases_past_due: int
    measures_overdue: int
    notices_published: int
    notices_on_time: int
    payment_lines_sent: int
    payment_lines_reconciled: int


class OfficialAssessment(BaseModel):
    username: str
    display_name: str | None
    kind: AssignmentKind
    village_code: str | None = Field(description="the village of the assignment; none for a 帮扶责任人")
    dispatching_unit: str | None
    visits_done: int
    visits_target: int
    households_responsible: int
    measures_overdue: int


class Assessment(BaseModel):
    year: int
    region: str
    villages: list[VillageAssessment]
    officials: list[OfficialAssessment]
