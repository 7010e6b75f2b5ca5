"""The three guarantees and water (API.md "Assistance", seed §五(一)2–3): the 控辍保学 list and its
follow-ups, medical insurance per year, reimbursements checked against the year's floors, and per household
the dangerous-house renovations (危房改造) and drinking-water fixes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.monitoring import guarantees, housing_water
from services.monitoring.dependencies import (
    GuaranteeRecorder,
    NowDep,
    Reader,
    RegistryDep,
    RenovationDep,
    WaterFixDep,
)
from services.monitoring.guarantee_schemas import (
    DropoutPage,
    FollowUpCreate,
    FollowUpPublic,
    InsuranceIn,
    InsurancePage,
    InsurancePublic,
    ReimbursementIn,
    ReimbursementPage,
    ReimbursementPublic,
)
from services.monitoring.housing_water_schemas import (
    RenovationCreate,
    RenovationPage,
    RenovationPublic,
    RenovationUpdate,
    WaterFixCreate,
    WaterFixPage,
    WaterFixPublic,
    WaterFixUpdate,
)
from services.monitoring.models import HousingRenovation, InsuranceRecord, Reimbursement, WaterFix
from services.monitoring.schemas import REGION_CODE
from shared.db import SessionDep

guarantee_router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])

Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
Region = Annotated[str | None, Query(pattern=REGION_CODE)]
Year = Annotated[int | None, Query(ge=2013, le=2100)]


@guarantee_router.get("/dropouts", response_model=DropoutPage)
async def list_dropouts(
    session: SessionDep,
    principal: Reader,
    registry: RegistryDep,
    now: NowDep,
    region: Region = None,
    year: Year = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> DropoutPage:
    """School-age members (6–15 on 1 September of `year`, this year by default) not enrolled, with their
    follow-ups; a return to school takes a child off the list."""
    return await guarantees.dropouts(
        session,
        principal=principal,
        registry=registry,
        region=region,
        year=year or now.year,
        page=page,
        page_size=page_size,
    )


@guarantee_router.post(
    "/dropouts/follow-ups", response_model=FollowUpPublic, status_code=status.HTTP_201_CREATED
)
async def record_follow_up(
    session: SessionDep,
    principal: GuaranteeRecorder,
    registry: RegistryDep,
    now: NowDep,
    data: FollowUpCreate,
) -> FollowUpPublic:
    """What was done for a child out of school: 送学上门, a return to school, an exemption."""
    return await guarantees.record_follow_up(
        session, principal=principal, registry=registry, data=data, now=now
    )


@guarantee_router.get("/insurance", response_model=InsurancePage)
async def list_insurance(
    session: SessionDep,
    principal: Reader,
    household_id: uuid.UUID | None = None,
    year: Year = None,
    region: Region = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> InsurancePage:
    """Members' medical insurance by year, in the caller's scope."""
    items, total = await guarantees.search(
        session,
        InsuranceRecord,
        principal=principal,
        region=region,
        household_id=household_id,
        year=year,
        page=page,
        page_size=page_size,
    )
    return InsurancePage(items=items, total=total, page=page, page_size=page_size)


@guarantee_router.post(
    "/insurance",
    response_model=InsurancePublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": InsurancePublic, "description": "the member's year corrected"}},
)
async def record_insurance(
    session: SessionDep,
    principal: GuaranteeRecorder,
    registry: RegistryDep,
    now: NowDep,
    data: InsuranceIn,
    response: Response,
) -> InsurancePublic:
    """A member's enrolment, premium and the part paid for them (代缴) for a year; again for the same
    member and year corrects it (200)."""
    record, created = await guarantees.record_insurance(
        session, principal=principal, registry=registry, data=data, now=now
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return record


@guarantee_router.get("/reimbursements", response_model=ReimbursementPage)
async def list_reimbursements(
    session: SessionDep,
    principal: Reader,
    household_id: uuid.UUID | None = None,
    year: Year = None,
    region: Region = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> ReimbursementPage:
    """Recorded reimbursements with their checks against the year's floors, in the caller's scope."""
    items, total = await guarantees.search(
        session,
        Reimbursement,
        principal=principal,
        region=region,
        household_id=household_id,
        year=year,
        page=page,
        page_size=page_size,
    )
    return ReimbursementPage(items=items, total=total, page=page, page_size=page_size)


@guarantee_router.post(
    "/reimbursements", response_model=ReimbursementPublic, status_code=status.HTTP_201_CREATED
)
async def record_reimbursement(
    session: SessionDep,
    principal: GuaranteeRecorder,
    registry: RegistryDep,
    now: NowDep,
    data: ReimbursementIn,
) -> ReimbursementPublic:
    """A member's reimbursement kept and checked against the year's floor (80 % chronic, 90 % serious
    in-patient unless the banner set others); a shortfall raises an alert on the household."""
    return await guarantees.record_reimbursement(
        session, principal=principal, registry=registry, data=data, now=now
    )


@guarantee_router.get("/renovations", response_model=RenovationPage)
async def list_renovations(
    session: SessionDep,
    principal: Reader,
    now: NowDep,
    household_id: uuid.UUID | None = None,
    accepted: bool | None = None,
    overdue: bool | None = None,
    region: Region = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> RenovationPage:
    """Dangerous-house renovations (危房改造) in the caller's scope (accepted or not yet; overdue — not
    started or not accepted in time — or not, when asked), the newest appraisal first."""
    items, total = await housing_water.search(
        session,
        HousingRenovation,
        principal=principal,
        region=region,
        household_id=household_id,
        closed=accepted,
        overdue=overdue,
        page=page,
        page_size=page_size,
        today=now.date(),
    )
    return RenovationPage(items=items, total=total, page=page, page_size=page_size)


@guarantee_router.post("/renovations", response_model=RenovationPublic, status_code=status.HTTP_201_CREATED)
async def record_renovation(
    session: SessionDep,
    principal: GuaranteeRecorder,
    registry: RegistryDep,
    now: NowDep,
    data: RenovationCreate,
) -> RenovationPublic:
    """A house appraised C or D (危房) and its renovation: kind, subsidy, start; one unaccepted at a time."""
    return await housing_water.record_renovation(
        session, principal=principal, registry=registry, data=data, now=now
    )


@guarantee_router.patch("/renovations/{renovation_id}", response_model=RenovationPublic)
async def update_renovation(
    session: SessionDep,
    principal: GuaranteeRecorder,
    renovation: RenovationDep,
    now: NowDep,
    data: RenovationUpdate,
) -> RenovationPublic:
    """Started, completed, accepted (验收, by whom): each once and in order; acceptance sets the household's
    housing secure on its registry record."""
    return await housing_water.update_renovation(
        session, principal=principal, row=renovation, data=data, now=now
    )


@guarantee_router.get("/water-fixes", response_model=WaterFixPage)
async def list_water_fixes(
    session: SessionDep,
    principal: Reader,
    now: NowDep,
    household_id: uuid.UUID | None = None,
    done: bool | None = None,
    overdue: bool | None = None,
    region: Region = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> WaterFixPage:
    """Drinking-water problems and their fixes in the caller's scope (done or not yet; overdue — not fixed
    in time — or not, when asked), the newest found first."""
    items, total = await housing_water.search(
        session,
        WaterFix,
        principal=principal,
        region=region,
        household_id=household_id,
        closed=done,
        overdue=overdue,
        page=page,
        page_size=page_size,
        today=now.date(),
    )
    return WaterFixPage(items=items, total=total, page=page, page_size=page_size)


@guarantee_router.post("/water-fixes", response_model=WaterFixPublic, status_code=status.HTTP_201_CREATED)
async def record_water_fix(
    session: SessionDep,
    principal: GuaranteeRecorder,
    registry: RegistryDep,
    now: NowDep,
    data: WaterFixCreate,
) -> WaterFixPublic:
    """A household's drinking-water problem (水量, 水质, 取水便利, 供水保证率) and the fix planned."""
    return await housing_water.record_water_fix(
        session, principal=principal, registry=registry, data=data, now=now
    )


@guarantee_router.patch("/water-fixes/{fix_id}", response_model=WaterFixPublic)
async def update_water_fix(
    session: SessionDep, principal: GuaranteeRecorder, fix: WaterFixDep, now: NowDep, data: WaterFixUpdate
) -> WaterFixPublic:
    """The fix started or done; done sets the household's water secure on its registry record."""
    return await housing_water.update_water_fix(session, principal=principal, row=fix, data=data, now=now)
