"""The shapes of industry results, the only thing an industry reward is paid for (seed §五(五))."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.pages import Page
from shared.text import Input


class VisitRef(Input):
    visit_id: uuid.UUID = Field(description="a visit to the result's household, on or after the result")


class IndustryResultCreate(Input):
    household_id: uuid.UUID
    what: str = Field(min_length=2, max_length=200, examples=["出栏肉羊", "新建标准化棚圈"])
    quantity: int = Field(ge=1, le=100_000)
    unit: str = Field(min_length=1, max_length=16, examples=["只", "座"])
    achieved_on: date
    visit_id: uuid.UUID | None = Field(
        default=None, description="the visit that saw it; without one the result waits for verification"
    )


class IndustryResultPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    region_code: str
    household_number: str
    what: str
    quantity: int
    unit: str
    achieved_on: date
    recorded_by: str
    recorded_at: datetime
    verified: bool = Field(description="seen at a household visit: only then may it be rewarded")
    visit_id: uuid.UUID | None
    verified_by: str | None = Field(description="the visitor who saw it")
    verified_on: date | None = Field(description="the day of that visit")


class IndustryResultPage(Page[IndustryResultPublic]): ...
