"""Housing and drinking water per household (seed §五(一)2): a dangerous house's renovation (危房改造) from
its appraisal to its acceptance, and a drinking-water problem to its fix."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from services.monitoring.guarantee_schemas import Amount
from shared.pages import Page
from shared.text import Input
from shared.vocabulary.monitoring import (
    HousingGrade,
    RenovationKind,
    RenovationStatus,
    WaterFixKind,
    WaterProblem,
)

Note = Annotated[str | None, Field(max_length=500)]


class RenovationCreate(Input):
    household_id: uuid.UUID
    grade: HousingGrade = Field(description="the appraisal's grade: c or d (危房)")
    assessed_on: date = Field(description="the day of the appraisal (鉴定), not after today")
    kind: RenovationKind
    subsidy_fen: Amount = Field(description="the renovation subsidy granted, in fen")
    started_on: date | None = None
    note: Note = None


class RenovationUpdate(Input):
    """The steps taken since: each date set once, in order; acceptance names who accepted."""

    started_on: date | None = None
    completed_on: date | None = None
    accepted_on: date | None = None
    accepted_by: str | None = Field(default=None, min_length=2, max_length=100, examples=["旗住建局 王工"])


class RenovationPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    head_name: str
    region_code: str
    grade: HousingGrade
    assessed_on: date
    kind: RenovationKind
    subsidy_fen: int
    started_on: date | None
    completed_on: date | None
    accepted_on: date | None
    accepted_by: str | None
    status: RenovationStatus
    due_on: date | None = Field(description="the day its next step is due: the start, then the acceptance")
    overdue: bool = Field(description="not accepted and its next step past due (the inbox's list)")
    note: str | None
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime


class RenovationPage(Page[RenovationPublic]): ...


class WaterFixCreate(Input):
    household_id: uuid.UUID
    problem: WaterProblem
    fix: WaterFixKind
    found_on: date = Field(description="the day the problem was found, not after today")
    started_on: date | None = None
    note: Note = None


class WaterFixUpdate(Input):
    started_on: date | None = None
    done_on: date | None = Field(default=None, description="the fix done: the household's water is secure")


class WaterFixPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    head_name: str
    region_code: str
    problem: WaterProblem
    fix: WaterFixKind
    found_on: date
    started_on: date | None
    done_on: date | None
    done: bool
    due_on: date | None = Field(description="the day the fix is due, while not done")
    overdue: bool = Field(description="not done and past its due day (the inbox's list)")
    note: str | None
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime


class WaterFixPage(Page[WaterFixPublic]): ...
