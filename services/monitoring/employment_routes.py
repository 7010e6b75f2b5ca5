"""The employment API (API.md "Assistance", seed §五(八)): posts, trainings, workshops, work relief, a
household's employment, and the wages owed for a month, which only payments' own client reads."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.monitoring import employment, engagements, loans, posts
from services.monitoring.dependencies import Caseworker, NowDep, Reader, RegistryDep
from services.monitoring.employment_rules import MONTH
from services.monitoring.employment_schemas import (
    HouseholdEmployment,
    LabourCreate,
    PostCreate,
    PostPage,
    PostPublic,
    ProjectCreate,
    ProjectPage,
    ProjectPublic,
    TrainingCreate,
    TrainingPage,
    TrainingPublic,
    WageEntitlement,
    WorkshopCreate,
    WorkshopPage,
    WorkshopPublic,
)
from services.monitoring.models import Training, WorkReliefProject, Workshop
from services.monitoring.schemas import REGION_CODE
from shared.auth import Principal, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.errors import Forbidden, Invalid
from shared.roles import Role
from shared.service_auth import is_service_client
from shared.vocabulary.payments import WAGES, Kind

employment_router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])

Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
Region = Annotated[str | None, Query(pattern=REGION_CODE)]
# Trainings are recorded by the tiers and by the departments that run them (人社局).
Trainer = Annotated[
    Principal,
    Depends(
        require_roles(
            Role.village_official,
            Role.work_team,
            Role.township_official,
            Role.banner_official,
            Role.department_officer,
        )
    ),
]


def payments_service(principal: Annotated[Principal, Depends(require_roles(Role.service))]) -> Principal:
    """Only the payments service's own client reads the wages owed: they become payment lines."""
    if not is_service_client(principal, "payments"):
        raise Forbidden("只有补贴发放服务可以读取应发工资")
    return principal


async def project_in_scope(
    session: SessionDep, principal: PrincipalDep, project_id: uuid.UUID
) -> WorkReliefProject:
    return await engagements.get_project(session, principal=principal, project_id=project_id)


PaymentsService = Annotated[Principal, Depends(payments_service)]
ProjectDep = Annotated[WorkReliefProject, Depends(project_in_scope)]


@employment_router.get("/posts", response_model=PostPage)
async def list_posts(
    session: SessionDep,
    principal: Reader,
    now: NowDep,
    region: Region = None,
    household_id: uuid.UUID | None = None,
    active: Annotated[bool | None, Query(description="the term covers today")] = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> PostPage:
    """Public-welfare posts in the caller's scope."""
    items, total = await posts.search(
        session,
        principal=principal,
        region=region,
        household_id=household_id,
        active=active,
        page=page,
        page_size=page_size,
        today=now.date(),
    )
    return PostPage(items=items, total=total, page=page, page_size=page_size)


@employment_router.post("/posts", response_model=PostPublic, status_code=status.HTTP_201_CREATED)
async def create_post(
    session: SessionDep, principal: Caseworker, registry: RegistryDep, now: NowDep, data: PostCreate
) -> PostPublic:
    """Appoint a member to a post; outside the lifted-out and marginal, only with `priority_exception`."""
    return await posts.create_post(session, principal=principal, registry=registry, data=data, now=now)


@employment_router.get("/trainings", response_model=TrainingPage)
async def list_trainings(
    session: SessionDep, principal: Reader, region: Region = None, page: Page = 1, page_size: PageSize = 20
) -> TrainingPage:
    """Skills trainings held in the caller's scope, with the members trained."""
    items, total = await engagements.search(
        session, Training, principal=principal, region=region, page=page, page_size=page_size
    )
    return TrainingPage(items=items, total=total, page=page, page_size=page_size)


@employment_router.post("/trainings", response_model=TrainingPublic, status_code=status.HTTP_201_CREATED)
async def create_training(
    session: SessionDep, principal: Trainer, registry: RegistryDep, now: NowDep, data: TrainingCreate
) -> TrainingPublic:
    """A course held, its provider, and the members trained with their certificates."""
    return await engagements.create_training(
        session, principal=principal, registry=registry, data=data, now=now
    )


@employment_router.get("/workshops", response_model=WorkshopPage)
async def list_workshops(
    session: SessionDep, principal: Reader, region: Region = None, page: Page = 1, page_size: PageSize = 20
) -> WorkshopPage:
    """Assistance workshops (扶贫车间) in the caller's scope, with their employees."""
    items, total = await engagements.search(
        session, Workshop, principal=principal, region=region, page=page, page_size=page_size
    )
    return WorkshopPage(items=items, total=total, page=page, page_size=page_size)


@employment_router.post("/workshops", response_model=WorkshopPublic, status_code=status.HTTP_201_CREATED)
async def create_workshop(
    session: SessionDep, principal: Caseworker, registry: RegistryDep, now: NowDep, data: WorkshopCreate
) -> WorkshopPublic:
    """A workshop in a village, its operator, and the members it employs."""
    return await engagements.create_workshop(
        session, principal=principal, registry=registry, data=data, now=now
    )


@employment_router.get("/work-relief", response_model=ProjectPage)
async def list_projects(
    session: SessionDep, principal: Reader, region: Region = None, page: Page = 1, page_size: PageSize = 20
) -> ProjectPage:
    """以工代赈 projects in the caller's scope, with each month's labour and wages."""
    items, total = await engagements.search(
        session, WorkReliefProject, principal=principal, region=region, page=page, page_size=page_size
    )
    return ProjectPage(items=items, total=total, page=page, page_size=page_size)


@employment_router.post("/work-relief", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED)
async def create_project(
    session: SessionDep, principal: Caseworker, now: NowDep, data: ProjectCreate
) -> ProjectPublic:
    """A 以工代赈 project in a village and its term."""
    return await engagements.create_project(session, principal=principal, data=data, now=now)


@employment_router.post(
    "/work-relief/{project_id}/labour", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED
)
async def record_labour(
    session: SessionDep,
    principal: Caseworker,
    registry: RegistryDep,
    now: NowDep,
    project: ProjectDep,
    data: LabourCreate,
) -> ProjectPublic:
    """A month's labour and wages on a project; a member's month is recorded once (409 on a repeat)."""
    return await engagements.record_labour(
        session, principal=principal, registry=registry, project=project, data=data, now=now
    )


@employment_router.get("/households/{household_id}/employment", response_model=HouseholdEmployment)
async def household_employment(
    session: SessionDep, principal: Reader, household_id: uuid.UUID
) -> HouseholdEmployment:
    """The household's posts, workshop jobs, work relief and trainings, for its file."""
    return await employment.of_household(session, principal=principal, household_id=household_id)


@employment_router.get("/wage-entitlements", response_model=list[WageEntitlement])
async def wage_entitlements(
    session: SessionDep,
    principal: PaymentsService,
    kind: Kind,
    month: Annotated[str, Query(pattern=MONTH.pattern)],
    region: Annotated[str, Query(pattern=REGION_CODE)],
) -> list[WageEntitlement]:
    """The wages of `kind` owed for `month` in `region`, each keyed for payments to pay once."""
    if kind not in WAGES:
        raise Invalid.field("kind", "只有 post_wage 和 work_relief_wage 是按月应发的工资")
    return await employment.wages_owed(session, principal=principal, kind=kind, region=region, month=month)


@employment_router.get("/loan-subsidies", response_model=list[WageEntitlement])
async def loan_subsidies(
    session: SessionDep,
    principal: PaymentsService,
    registry: RegistryDep,
    now: NowDep,
    year: Annotated[int, Query(ge=2013, le=2100)],
    region: Annotated[str, Query(pattern=REGION_CODE)],
) -> list[WageEntitlement]:
    """Each loan's interest subsidy (贴息) for `year` in `region`, once settled (the year over, or the loan
    past due or repaid) and not overdue, keyed for payments to pay once."""
    return await loans.subsidies_owed(
        session, principal=principal, registry=registry, region=region, year=year, today=now.date()
    )
