"""The three guarantees' shapes (seed §五(一)2–3): the 控辍保学 list and its follow-ups, a member's medical
insurance for a year, and reimbursements checked against the year's floors."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.pages import Page
from shared.text import Input
from shared.vocabulary.households import SchoolStage
from shared.vocabulary.monitoring import CareKind, DropoutAction

Year = Annotated[int, Field(ge=2013, le=2100)]
# Fen in integer columns: a member's yearly costs stay far below ten million yuan.
Amount = Annotated[int, Field(ge=0, le=1_000_000_000, description="amount in fen (1 yuan = 100 fen)")]


class MemberRef(Input):
    member_id: uuid.UUID
    household_id: uuid.UUID


class FollowUpCreate(MemberRef):
    action: DropoutAction
    note: str = Field(min_length=2, max_length=500, examples=["村干部和老师送教上门，每周两次"])
    on: date = Field(description="the day it was done (not after today)")


class FollowUpPublic(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    household_id: uuid.UUID
    action: DropoutAction
    note: str
    on: date
    recorded_by: str
    recorded_at: datetime


class DropoutPublic(BaseModel):
    """A school-age member the registry records as not enrolled, with what has been done."""

    member_id: uuid.UUID
    member_name: str
    household_id: uuid.UUID
    household_number: str
    region_code: str
    age: int = Field(description="whole years old today, as the registry computes it")
    school_stage: SchoolStage
    follow_ups: list[FollowUpPublic] = Field(description="oldest first")


class DropoutPage(Page[DropoutPublic]):
    year: int = Field(description="the school year starting on 1 September of this year")


class InsuranceIn(MemberRef):
    year: Year
    enrolled: bool
    premium_fen: Amount
    paid_on_behalf_fen: Amount = Field(default=0, description="the part paid for the member (代缴)")


class InsurancePublic(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    member_name: str
    household_id: uuid.UUID
    household_number: str
    region_code: str
    year: int
    enrolled: bool
    premium_fen: int
    paid_on_behalf_fen: int
    recorded_by: str
    recorded_at: datetime


class InsurancePage(Page[InsurancePublic]): ...


class ReimbursementIn(MemberRef):
    year: Year
    kind: CareKind
    eligible_cost_fen: Amount = Field(gt=0, description="costs within the policy's scope")
    reimbursed_fen: Amount


class ReimbursementPublic(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    member_name: str
    household_id: uuid.UUID
    household_number: str
    region_code: str
    year: int
    kind: CareKind
    eligible_cost_fen: int
    reimbursed_fen: int
    floor_bp: int = Field(description="the year's floor for the kind, in basis points (8000 = 80 %)")
    ratio_bp: int = Field(description="reimbursed ÷ eligible cost in basis points, rounded down")
    shortfall_fen: int = Field(description="what the floor asks beyond what was reimbursed; 0 when met")
    alert_id: uuid.UUID | None = Field(description="the alert a shortfall raised (none if one was open)")
    recorded_by: str
    recorded_at: datetime


class ReimbursementPage(Page[ReimbursementPublic]): ...
