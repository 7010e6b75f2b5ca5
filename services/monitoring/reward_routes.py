"""Industry results (seed §五(五)): recorded by the village, verified at a visit, read by payments before
an industry reward is claimed (API.md "Assistance"; README "The contract: what the code adds")."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.monitoring import rewards
from services.monitoring.dependencies import NowDep, Reader, RegistryDep, Visitor
from services.monitoring.models import IndustryResult
from services.monitoring.reward_schemas import (
    IndustryResultCreate,
    IndustryResultPage,
    IndustryResultPublic,
    VisitRef,
)
from services.monitoring.schemas import REGION_CODE
from shared.auth import PrincipalDep
from shared.db import SessionDep

reward_router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])


async def result_in_scope(
    session: SessionDep, principal: PrincipalDep, result_id: uuid.UUID
) -> IndustryResult:
    return await rewards.get_result(session, principal=principal, result_id=result_id)


ResultDep = Annotated[IndustryResult, Depends(result_in_scope)]


@reward_router.get("/industry-results", response_model=IndustryResultPage)
async def list_results(
    session: SessionDep,
    principal: Reader,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
    household_id: uuid.UUID | None = None,
    verified: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IndustryResultPage:
    """Industry results in the caller's scope, the latest first."""
    items, total = await rewards.search(
        session,
        principal=principal,
        region=region,
        household_id=household_id,
        verified=verified,
        page=page,
        page_size=page_size,
    )
    return IndustryResultPage(items=items, total=total, page=page, page_size=page_size)


@reward_router.post(
    "/industry-results", response_model=IndustryResultPublic, status_code=status.HTTP_201_CREATED
)
async def record_result(
    session: SessionDep, principal: Visitor, registry: RegistryDep, now: NowDep, data: IndustryResultCreate
) -> IndustryResultPublic:
    """The village (village official or work team) records what a household achieved; with `visit_id`, the
    visit that saw it, it is verified at once."""
    return await rewards.record(session, principal=principal, registry=registry, data=data, now=now)


@reward_router.get("/industry-results/{result_id}", response_model=IndustryResultPublic)
async def get_result(principal: Reader, result: ResultDep) -> IndustryResultPublic:
    """One result, with who verified it at which visit."""
    return rewards.to_public(result)


@reward_router.post("/industry-results/{result_id}/verification", response_model=IndustryResultPublic)
async def verify_result(
    session: SessionDep, principal: Visitor, result: ResultDep, data: VisitRef
) -> IndustryResultPublic:
    """A visit to the household, on or after the result, verifies it (once: again → 409)."""
    return await rewards.verify(session, principal=principal, result=result, visit_id=data.visit_id)
