"""The monitoring service's public API (API.md "Monitoring")."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, UploadFile, status

from services.monitoring import (
    activity,
    cases,
    deliveries,
    department_lists,
    discovery,
    findings,
    loans,
    plans,
    thresholds,
    work_teams,
)
from services.monitoring.dependencies import (
    BannerStaff,
    CaseDep,
    Caseworker,
    DepartmentStaff,
    NowDep,
    Reader,
    RegistryDep,
    Relay,
    Stepper,
    TownshipOfficial,
    Visitor,
)
from services.monitoring.enums import SelfReportStatus
from services.monitoring.models import Alert, AssistancePlan, Loan, outbox
from services.monitoring.schemas import (
    REGION_CODE,
    VILLAGE_CODE,
    AlertDismiss,
    AlertPage,
    AlertPublic,
    AlertToCase,
    CaseCreate,
    CasePage,
    CasePublic,
    DeliveryPage,
    DeliveryPublic,
    DepartmentBatchIn,
    DepartmentBatchResult,
    DepartmentListResult,
    FindingPage,
    HouseholdActivity,
    LoanCoverage,
    LoanCreate,
    LoanPage,
    LoanPublic,
    MeasureIn,
    MeasurePublic,
    MeasureUpdate,
    NoticePage,
    ObjectionIn,
    ObjectionPublic,
    ObjectionResolve,
    PlanCreate,
    PlanMeasureIn,
    PlanMeasurePublic,
    PlanMeasureUpdate,
    PlanPage,
    PlanPublic,
    PlanUpdate,
    ReliefIn,
    ReliefPublic,
    RepaymentIn,
    SelfReportIn,
    SelfReportPage,
    SelfReportPublic,
    ThresholdsIn,
    ThresholdsPublic,
    TransitionIn,
    VisitIn,
    VisitPage,
    VisitResult,
    WorkTeamIn,
    WorkTeamPublic,
)
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.deliveries import read_outbox
from shared.outbox import OutboxStatus
from shared.vocabulary.monitoring import AlertKind, AlertStatus, CaseStatus, DepartmentList

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])

Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
Region = Annotated[str | None, Query(pattern=REGION_CODE)]
Year = Annotated[int, Path(ge=2013, le=2100)]


async def alert_in_scope(session: SessionDep, principal: PrincipalDep, alert_id: uuid.UUID) -> Alert:
    return await discovery.get_alert(session, principal=principal, alert_id=alert_id)


AlertDep = Annotated[Alert, Depends(alert_in_scope)]

# --- cases --------------------------------------------------------------------------------------------


@router.post("/cases", response_model=CasePublic, status_code=status.HTTP_201_CREATED)
async def open_case(
    session: SessionDep, principal: Caseworker, registry: RegistryDep, now: NowDep, data: CaseCreate
) -> CasePublic:
    """Open a case (status `applied`) for a household the caller can see in the registry."""
    return await cases.create_case(session, principal=principal, registry=registry, now=now, data=data)


@router.get("/cases", response_model=CasePage)
async def list_cases(
    session: SessionDep,
    principal: Reader,
    now: NowDep,
    status: CaseStatus | None = None,
    region: Region = None,
    household_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    awaiting_me: Annotated[
        bool, Query(description="the inbox: cases whose next step is the caller's")
    ] = False,
    page: Page = 1,
    page_size: PageSize = 20,
) -> CasePage:
    """The caller's cases, filtered; `awaiting_me=true` is the inbox."""
    items, total = await cases.search(
        session,
        principal=principal,
        now=now,
        status=status,
        region=region,
        household_id=household_id,
        overdue=overdue,
        awaiting_me=awaiting_me,
        page=page,
        page_size=page_size,
    )
    return CasePage(items=items, total=total, page=page, page_size=page_size)


@router.get("/cases/{case_id}", response_model=CasePublic)
async def get_case(session: SessionDep, principal: Reader, case: CaseDep, now: NowDep) -> CasePublic:
    """A case with its step history, 15-day clock, objections, measures, reliefs, registry delivery, and
    the steps the caller may take now."""
    return await cases.case_public(session, case, principal=principal, now=now)


@router.post("/cases/{case_id}/transitions", response_model=CasePublic)
async def take_step(
    session: SessionDep,
    principal: Stepper,
    registry: RegistryDep,
    case: CaseDep,
    now: NowDep,
    data: TransitionIn,
) -> CasePublic:
    """Take the next step of the procedure (409 out of order, 403 wrong role, 404 outside scope)."""
    return await cases.transition(
        session, principal=principal, registry=registry, case=case, data=data, now=now
    )


@router.post(
    "/cases/{case_id}/objections", response_model=ObjectionPublic, status_code=status.HTTP_201_CREATED
)
async def raise_objection(
    session: SessionDep, principal: Caseworker, case: CaseDep, now: NowDep, data: ObjectionIn
) -> ObjectionPublic:
    """Record an objection raised during the public notice."""
    return await cases.raise_objection(session, principal=principal, case=case, data=data, now=now)


@router.post("/cases/{case_id}/objections/{objection_id}/resolve", response_model=ObjectionPublic)
async def resolve_objection(
    session: SessionDep,
    principal: TownshipOfficial,
    case: CaseDep,
    objection_id: uuid.UUID,
    now: NowDep,
    data: ObjectionResolve,
) -> ObjectionPublic:
    """The township's finding on an objection (upheld or not)."""
    return await cases.resolve_objection(
        session, principal=principal, case=case, objection_id=objection_id, data=data, now=now
    )


@router.post("/cases/{case_id}/measures", response_model=MeasurePublic, status_code=status.HTTP_201_CREATED)
async def add_measure(
    session: SessionDep, principal: Caseworker, case: CaseDep, now: NowDep, data: MeasureIn
) -> MeasurePublic:
    """Add an assistance measure with its responsible cadre."""
    return await cases.add_measure(session, principal=principal, case=case, data=data, now=now)


@router.patch("/cases/{case_id}/measures/{measure_id}", response_model=MeasurePublic)
async def update_measure(
    session: SessionDep,
    principal: Caseworker,
    case: CaseDep,
    measure_id: uuid.UUID,
    now: NowDep,
    data: MeasureUpdate,
) -> MeasurePublic:
    """Record a measure's outcome."""
    return await cases.update_measure(
        session, principal=principal, case=case, measure_id=measure_id, data=data, now=now
    )


@router.post("/cases/{case_id}/reliefs", response_model=ReliefPublic, status_code=status.HTTP_201_CREATED)
async def add_relief(
    session: SessionDep, principal: Caseworker, case: CaseDep, now: NowDep, data: ReliefIn
) -> ReliefPublic:
    """Record emergency relief granted before or during the procedure."""
    return await cases.add_relief(session, principal=principal, case=case, data=data, now=now)


@router.get("/notices", response_model=NoticePage)
async def list_notices(
    session: SessionDep, principal: Reader, region: Region = None, page: Page = 1, page_size: PageSize = 50
) -> NoticePage:
    """Cases now in public notice (公示): household number, masked head name, risks, dates."""
    items, total = await cases.notices(
        session, principal=principal, region=region, page=page, page_size=page_size
    )
    return NoticePage(items=items, total=total, page=page, page_size=page_size)


# --- discovery ----------------------------------------------------------------------------------------


@router.post("/visits", response_model=VisitResult, status_code=status.HTTP_201_CREATED)
async def record_visit(
    session: SessionDep,
    principal: Visitor,
    registry: RegistryDep,
    now: NowDep,
    data: VisitIn,
    idempotency_key: Annotated[
        str | None, Header(max_length=128, description="a repeat gets the visit already recorded")
    ] = None,
) -> VisitResult:
    """Record a household visit; the alerts its findings raise come back with it."""
    return await discovery.record_visit(
        session, principal=principal, registry=registry, data=data, now=now, idempotency_key=idempotency_key
    )


@router.get("/visits", response_model=VisitPage)
async def list_visits(
    session: SessionDep,
    principal: Reader,
    household_id: uuid.UUID | None = None,
    region: Region = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> VisitPage:
    items, total = await discovery.search_visits(
        session, principal=principal, household_id=household_id, region=region, page=page, page_size=page_size
    )
    return VisitPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/roster", response_model=list[HouseholdActivity])
async def roster(session: SessionDep, principal: Reader, region: Region = None) -> list[HouseholdActivity]:
    """For the village roster: each household's last visit, open case and open alerts, in scope."""
    return await activity.household_activity(session, principal=principal, region=region)


@router.post("/department-records", response_model=DepartmentBatchResult)
async def compare_department_records(
    session: SessionDep,
    principal: DepartmentStaff,
    registry: RegistryDep,
    now: NowDep,
    data: DepartmentBatchIn,
) -> DepartmentBatchResult:
    """A department's batch (民政、教育、住建、医保、乡村振兴): matched to households, alerts raised."""
    return await discovery.compare_department_records(
        session, principal=principal, registry=registry, data=data, now=now
    )


@router.get("/alerts", response_model=AlertPage)
async def list_alerts(
    session: SessionDep,
    principal: Reader,
    status: AlertStatus | None = None,
    kind: AlertKind | None = None,
    region: Region = None,
    household_id: uuid.UUID | None = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> AlertPage:
    items, total = await discovery.search_alerts(
        session,
        principal=principal,
        status=status,
        kind=kind,
        region=region,
        household_id=household_id,
        page=page,
        page_size=page_size,
    )
    return AlertPage(items=items, total=total, page=page, page_size=page_size)


@router.post("/alerts/{alert_id}/open-case", response_model=CasePublic, status_code=status.HTTP_201_CREATED)
async def open_case_from_alert(
    session: SessionDep,
    principal: Caseworker,
    registry: RegistryDep,
    alert: AlertDep,
    now: NowDep,
    data: AlertToCase | None = None,
) -> CasePublic:
    """Turn an alert into a case in one step (source department_alert or household_visit)."""
    return await discovery.open_case_from_alert(
        session, principal=principal, registry=registry, alert=alert, data=data or AlertToCase(), now=now
    )


@router.post("/alerts/{alert_id}/dismiss", response_model=AlertPublic)
async def dismiss_alert(
    session: SessionDep, principal: Caseworker, alert: AlertDep, now: NowDep, data: AlertDismiss
) -> AlertPublic:
    return await discovery.dismiss_alert(session, principal=principal, alert=alert, data=data, now=now)


@router.post("/self-reports", response_model=SelfReportPublic, status_code=status.HTTP_201_CREATED)
async def receive_self_report(
    session: SessionDep, principal: Relay, registry: RegistryDep, now: NowDep, data: SelfReportIn
) -> SelfReportPublic:
    """一键申报, relayed by the gateway's public form: opens a case, or keeps the report for the village."""
    return await discovery.receive_self_report(
        session, principal=principal, registry=registry, data=data, now=now
    )


@router.get("/self-reports", response_model=SelfReportPage)
async def list_self_reports(
    session: SessionDep,
    principal: Reader,
    status: SelfReportStatus | None = None,
    region: Region = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> SelfReportPage:
    items, total = await discovery.search_self_reports(
        session, principal=principal, status=status, region=region, page=page, page_size=page_size
    )
    return SelfReportPage(items=items, total=total, page=page, page_size=page_size)


# --- work teams ---------------------------------------------------------------------------------------


@router.get("/work-teams", response_model=list[WorkTeamPublic])
async def list_work_teams(
    session: SessionDep, principal: Reader, region: Region = None
) -> list[WorkTeamPublic]:
    """The villages' work teams on record (a village without one is reviewed by its committee alone)."""
    return await work_teams.search(session, principal=principal, region=region)


@router.put("/work-teams/{village_code}", response_model=WorkTeamPublic)
async def record_work_team(
    session: SessionDep,
    principal: BannerStaff,
    registry: RegistryDep,
    now: NowDep,
    village_code: Annotated[str, Path(pattern=VILLAGE_CODE)],
    data: WorkTeamIn,
) -> WorkTeamPublic:
    """Record the work team the banner dispatched to a village, or its withdrawal."""
    return await work_teams.record(
        session, principal=principal, registry=registry, village_code=village_code, data=data, now=now
    )


# --- thresholds and deliveries ------------------------------------------------------------------------


@router.get("/thresholds/{year}", response_model=ThresholdsPublic)
async def read_thresholds(session: SessionDep, _: Reader, year: Year) -> ThresholdsPublic:
    """The year's figures, or those carried over from the latest earlier year."""
    return await thresholds.read(session, year=year)


@router.put("/thresholds/{year}", response_model=ThresholdsPublic)
async def set_thresholds(
    session: SessionDep, principal: BannerStaff, now: NowDep, year: Year, data: ThresholdsIn
) -> ThresholdsPublic:
    return await thresholds.write(session, principal=principal, year=year, data=data, now=now)


@router.get("/deliveries", response_model=DeliveryPage)
async def list_deliveries(
    session: SessionDep,
    _: BannerStaff,
    status: OutboxStatus | None = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> DeliveryPage:
    """Registry changes sent by the outbox: pending, delivered, or given up (dead) and kept visible."""
    items, total = await read_outbox(
        session, outbox, DeliveryPublic, status=status, page=page, page_size=page_size
    )
    return DeliveryPage(items=items, total=total, page=page, page_size=page_size)


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryPublic)
async def replay_delivery(
    session: SessionDep, principal: BannerStaff, delivery_id: uuid.UUID
) -> DeliveryPublic:
    """Send a delivery again (after the cause of a refusal was fixed); harmless if it was delivered."""
    return await deliveries.replay_delivery(session, principal=principal, message_id=delivery_id)


# --- assistance plans (一户一策) ------------------------------------------------------------------------


async def plan_in_scope(session: SessionDep, principal: PrincipalDep, plan_id: uuid.UUID) -> AssistancePlan:
    return await plans.get_plan(session, principal=principal, plan_id=plan_id)


async def loan_in_scope(session: SessionDep, principal: PrincipalDep, loan_id: uuid.UUID) -> Loan:
    return await loans.get_loan(session, principal=principal, loan_id=loan_id)


PlanDep = Annotated[AssistancePlan, Depends(plan_in_scope)]
LoanDep = Annotated[Loan, Depends(loan_in_scope)]


@router.get("/plans", response_model=PlanPage)
async def list_plans(
    session: SessionDep,
    principal: Reader,
    now: NowDep,
    region: Region = None,
    household_id: uuid.UUID | None = None,
    overdue: Annotated[bool | None, Query(description="plans with a measure past its due date")] = None,
    wants_loan: bool | None = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> PlanPage:
    """Household plans in the caller's scope; `overdue=true` lists those with overdue measures (the inbox)."""
    items, total = await plans.search(
        session,
        principal=principal,
        region=region,
        household_id=household_id,
        overdue=overdue,
        wants_loan=wants_loan,
        page=page,
        page_size=page_size,
        today=now.date(),
    )
    return PlanPage(items=items, total=total, page=page, page_size=page_size)


@router.post("/plans", response_model=PlanPublic, status_code=status.HTTP_201_CREATED)
async def create_plan(
    session: SessionDep, principal: Caseworker, registry: RegistryDep, now: NowDep, data: PlanCreate
) -> PlanPublic:
    """Make a household's plan with its responsible cadre (409 if it has one)."""
    return await plans.create_plan(session, principal=principal, registry=registry, data=data, now=now)


@router.get("/households/{household_id}/plan", response_model=PlanPublic)
async def household_plan(
    session: SessionDep, principal: Reader, now: NowDep, household_id: uuid.UUID
) -> PlanPublic:
    return await plans.plan_of(session, principal=principal, household_id=household_id, today=now.date())


@router.patch("/plans/{plan_id}", response_model=PlanPublic)
async def update_plan(
    session: SessionDep, principal: Caseworker, plan: PlanDep, now: NowDep, data: PlanUpdate
) -> PlanPublic:
    """Hand the plan to another responsible cadre, or record the household's wish to borrow."""
    return await plans.update_plan(session, principal=principal, plan=plan, data=data, now=now)


@router.post(
    "/plans/{plan_id}/measures", response_model=PlanMeasurePublic, status_code=status.HTTP_201_CREATED
)
async def add_plan_measure(
    session: SessionDep, principal: Caseworker, plan: PlanDep, now: NowDep, data: PlanMeasureIn
) -> PlanMeasurePublic:
    return await plans.add_measure(session, principal=principal, plan=plan, data=data, now=now)


@router.patch("/plans/{plan_id}/measures/{measure_id}", response_model=PlanMeasurePublic)
async def update_plan_measure(
    session: SessionDep,
    principal: Caseworker,
    plan: PlanDep,
    measure_id: uuid.UUID,
    now: NowDep,
    data: PlanMeasureUpdate,
) -> PlanMeasurePublic:
    """Move a measure on; `done` needs its evidence."""
    return await plans.update_measure(
        session, principal=principal, plan=plan, measure_id=measure_id, data=data, now=now
    )


# --- department lists (数据比对) ------------------------------------------------------------------------


@router.post("/department-lists", response_model=DepartmentListResult, status_code=status.HTTP_201_CREATED)
async def upload_department_list(
    session: SessionDep,
    principal: DepartmentStaff,
    registry: RegistryDep,
    now: NowDep,
    file: Annotated[UploadFile, File(description=".csv (UTF-8 or GB18030) or .xlsx, header row first")],
    department: Annotated[DepartmentList, Form()],
    year: Annotated[int, Form(ge=2013, le=2100)],
) -> DepartmentListResult:
    """A department's list, matched to members by ID number; its findings kept, alerts raised where no case
    is open. Any bad cell refuses the whole list."""
    return await department_lists.compare_list(
        session,
        principal=principal,
        registry=registry,
        department=department,
        year=year,
        content=await file.read(),
        filename=file.filename or "",
        now=now,
    )


@router.get("/findings", response_model=FindingPage)
async def list_findings(
    session: SessionDep,
    principal: Reader,
    household_id: uuid.UUID | None = None,
    region: Region = None,
    department: DepartmentList | None = None,
    year: Annotated[int | None, Query(ge=2013, le=2100)] = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> FindingPage:
    """What departments' lists found, per household."""
    items, total = await findings.search_findings(
        session,
        principal=principal,
        household_id=household_id,
        region=region,
        department=department,
        year=year,
        page=page,
        page_size=page_size,
    )
    return FindingPage(items=items, total=total, page=page, page_size=page_size)


# --- microcredit (小额信贷) -------------------------------------------------------------------------------


@router.get("/loans", response_model=LoanPage)
async def list_loans(
    session: SessionDep,
    principal: Reader,
    now: NowDep,
    region: Region = None,
    household_id: uuid.UUID | None = None,
    overdue: Annotated[bool | None, Query(description="past due with principal owed (the inbox)")] = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> LoanPage:
    items, total = await loans.search(
        session,
        principal=principal,
        region=region,
        household_id=household_id,
        overdue=overdue,
        page=page,
        page_size=page_size,
        today=now.date(),
    )
    return LoanPage(items=items, total=total, page=page, page_size=page_size)


@router.post("/loans", response_model=LoanPublic, status_code=status.HTTP_201_CREATED)
async def create_loan(
    session: SessionDep, principal: Caseworker, registry: RegistryDep, now: NowDep, data: LoanCreate
) -> LoanPublic:
    """Record a loan the bank disbursed (production purposes only, within the year's bounds)."""
    return await loans.create_loan(session, principal=principal, registry=registry, data=data, now=now)


@router.get("/loans/coverage", response_model=LoanCoverage)
async def loan_coverage(session: SessionDep, principal: Reader, region: Region = None) -> LoanCoverage:
    """应贷尽贷 per village: households wishing to borrow against those lent to."""
    return await loans.coverage(session, principal=principal, region=region)


@router.post("/loans/{loan_id}/repayments", response_model=LoanPublic, status_code=status.HTTP_201_CREATED)
async def repay_loan(
    session: SessionDep, principal: Caseworker, loan: LoanDep, now: NowDep, data: RepaymentIn
) -> LoanPublic:
    return await loans.repay(session, principal=principal, loan=loan, data=data, now=now)
