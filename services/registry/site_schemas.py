"""Request and response models of resettlement sites (API.md "Places, partners and people")."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.pages import Page
from shared.text import Input
from shared.vocabulary.places import Facility, FacilityStatus

PLACE_PATTERN = r"^\d{9}(\d{3})?$"


class FollowUpProject(Input):
    """The project that closes a facility's gap (补短板项目)."""

    name: str = Field(min_length=2, max_length=100)
    due_on: date


class FacilityUpdate(Input):
    status: FacilityStatus
    project: FollowUpProject | None = Field(
        default=None, description="required while `in_progress`; none once `adequate`"
    )
    note: str | None = Field(default=None, max_length=500)


class FacilityIn(FacilityUpdate):
    facility: Facility


class SiteCreate(Input):
    name: str = Field(min_length=2, max_length=100)
    region_code: str = Field(pattern=PLACE_PATTERN, description="the township (town) or village it lies in")
    capacity: int = Field(ge=1, le=100_000, description="households it was built for")
    facilities: list[FacilityIn] = Field(
        default=[],
        max_length=len(Facility),
        description="each facility at most once; those not listed start as `gap` until someone checks them",
    )


class SiteLink(Input):
    household_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class FacilityPublic(BaseModel):
    facility: Facility
    status: FacilityStatus
    project: FollowUpProject | None
    overdue: bool = Field(description="not adequate and its project past the due date")
    note: str | None
    updated_by: str
    updated_at: datetime


class SiteHousehold(BaseModel):
    id: uuid.UUID
    number: str
    region_code: str
    head_name: str
    member_count: int


class SiteLinked(BaseModel):
    site_id: uuid.UUID
    households: int = Field(description="households linked to the site now")
    linked: list[SiteHousehold] = Field(description="the households this request linked")


class SiteSummary(BaseModel):
    id: uuid.UUID
    name: str
    region_code: str
    capacity: int
    households: int = Field(description="households linked to the site, wherever they come from")
    gaps: int = Field(description="facilities not adequate")


class SitePublic(SiteSummary):
    people: int
    working_age: int = Field(description="people aged 16–59 (from their ID numbers' birth dates)")
    working_age_in_work: int = Field(description="of them, those with an occupation on record")
    work_share: float | None = Field(description="working_age_in_work / working_age, 0–1; null without any")
    facilities: list[FacilityPublic]
    linked_households: list[SiteHousehold] = Field(description="the linked households in the caller's scope")
    created_at: datetime


class SitePage(Page[SiteSummary]): ...


class SiteGap(BaseModel):
    site_id: uuid.UUID
    site_name: str
    facility: Facility
    status: FacilityStatus
    project: FollowUpProject | None
    overdue: bool


class TownshipGaps(BaseModel):
    township_code: str
    township_name: str
    gaps: list[SiteGap]
    overdue: int
