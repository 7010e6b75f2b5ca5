"""The assessment of officials and villages (seed §六(五)), composed at the gateway from the figures the
services count from their own records (monitoring: visits, decisions, notices, measures; payments: lines
reconciled) and the assignments kept here: computed on every read, never typed in. Exportable."""

import asyncio
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel

from gateway import assignments
from gateway.assessment_rules import months_covered, visit_target
from gateway.dependencies import AuthorizedDep, UpstreamsDep
from gateway.people_schemas import (
    Assessment,
    AssignmentCreate,
    AssignmentPage,
    AssignmentPublic,
    OfficialAssessment,
    VillageAssessment,
)
from gateway.upstreams import Upstreams
from shared.auth import Principal
from shared.db import SessionDep
from shared.errors import Unavailable
from shared.months import today as beijing_today
from shared.regions import is_within
from shared.table_files import XLSX, table_file, workbook_file
from shared.vocabulary.people import AssignmentKind

router = APIRouter(tags=["people"])
REGION_CODE = r"^\d{6}(\d{3}){0,2}$"
Year = Annotated[int, Query(ge=2013, le=2100)]
Region = Annotated[str | None, Query(pattern=REGION_CODE, description="default: the caller's scope")]
BINARY = {"type": "string", "format": "binary"}


@router.post(
    "/api/v1/admin/assignments", response_model=AssignmentPublic, status_code=status.HTTP_201_CREATED
)
async def create_assignment(
    session: SessionDep, principal: AuthorizedDep, data: AssignmentCreate
) -> AssignmentPublic:
    """Send a work team member or a 第一书记 to a village for a term, with its visit target."""
    return await assignments.create_assignment(session, principal=principal, data=data)


@router.get("/api/v1/admin/assignments", response_model=AssignmentPage)
async def list_assignments(
    session: SessionDep,
    principal: AuthorizedDep,
    region: Region = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AssignmentPage:
    """Work teams and 第一书记 assigned to villages in scope, with their terms."""
    items, total = await assignments.list_assignments(
        session, principal=principal, region=region, page=page, page_size=page_size
    )
    return AssignmentPage(items=items, total=total, page=page, page_size=page_size)


async def _figures(
    upstreams: Upstreams, request: Request, principal: Principal, service: str, params: dict[str, Any]
) -> Any:
    response = await upstreams.call(
        service,
        "GET",
        f"/api/v1/{service}/figures",
        token=principal.token,
        request_id=request.state.request_id,
        params=params,
    )
    if response.status_code != status.HTTP_200_OK:
        raise Unavailable(f"{service} answered {response.status_code} for its figures")
    return response.json()


def compose(
    *,
    year: int,
    region: str,
    today: date,
    monitoring: dict[str, Any],
    payments: dict[str, Any],
    assigned: list[AssignmentPublic],
) -> Assessment:
    """One row per village and per official from the services' figures and the assignments."""
    months = months_covered(date(year, 1, 1), None, year=year, today=today)
    villages: dict[str, dict[str, int]] = {}
    for row in monitoring["villages"]:
        villages[row["village_code"]] = dict(row)
    for row in payments["villages"]:
        villages.setdefault(row["village_code"], {})
        villages[row["village_code"]] |= {
            "payment_lines_sent": row["lines_sent"],
            "payment_lines_reconciled": row["lines_reconciled"],
        }
    for a in assigned:
        villages.setdefault(a.village_code, {})
    village_rows = [
        VillageAssessment.model_validate(
            {name: 0 for name in VillageAssessment.model_fields}
            | figures
            | {
                "village_code": code,
                "visits_done": figures.get("visits", 0),
                "visits_target": visit_target(figures.get("followed_households", 0), months),
            }
        )
        for code, figures in sorted(villages.items())
    ]
    followed = {v.village_code: v.followed_households for v in village_rows}
    people = {p["username"]: p for p in monitoring["people"]}
    officials = [
        OfficialAssessment(
            username=a.username,
            display_name=a.display_name,
            kind=a.kind,
            village_code=a.village_code,
            dispatching_unit=a.dispatching_unit,
            visits_done=people.get(a.username, {}).get("visits", 0),
            visits_target=visit_target(
                followed[a.village_code],
                months_covered(a.starts_on, a.ends_on, year=year, today=today),
                a.visits_per_month,
            ),
            households_responsible=0,
            measures_overdue=0,
        )
        for a in assigned
    ]
    officials += [
        OfficialAssessment(
            username=p["username"],
            display_name=p["display_name"],
            kind=AssignmentKind.responsible,
            village_code=None,
            dispatching_unit=None,
            visits_done=p["responsible_visits"],
            visits_target=visit_target(p["households_responsible"], months),
            households_responsible=p["households_responsible"],
            measures_overdue=p["measures_overdue"],
        )
        for p in monitoring["people"]
        if p["households_responsible"]
    ]
    return Assessment(year=year, region=region, villages=village_rows, officials=officials)


async def assess(
    request: Request,
    session: SessionDep,
    upstreams: Upstreams,
    principal: Principal,
    year: int,
    region: str | None,
) -> Assessment:
    """Ask monitoring and payments for the year's figures at once (with the caller's token, so each scopes
    them) and compose them with the assignments in scope."""
    params = {"year": year, **({"region": region} if region else {})}
    monitoring, payments = await asyncio.gather(
        _figures(upstreams, request, principal, "monitoring", params),
        _figures(upstreams, request, principal, "payments", params),
    )
    assigned = await assignments.assignments_in(session, principal=principal, region=region)
    scope = region if region and is_within(region, principal.region) else principal.region
    return compose(
        year=year,
        region=scope,
        today=beijing_today(),
        monitoring=monitoring,
        payments=payments,
        assigned=assigned,
    )


@router.get("/api/v1/assessments", response_model=Assessment)
async def read_assessment(
    request: Request,
    session: SessionDep,
    upstreams: UpstreamsDep,
    principal: AuthorizedDep,
    year: Year,
    region: Region = None,
) -> Assessment:
    """The year's assessment per village and per official in scope: visits against target, cases decided
    within 15 days, overdue measures, notices on time, payments reconciled."""
    return await assess(request, session, upstreams, principal, year, region)


def _table(model: type[BaseModel], rows: list[Any]) -> list[list[Any]]:
    """A table of `model` rows, its header first (an empty table still has it)."""
    header = list(model.model_fields)
    return [header, *([row.model_dump(mode="json")[name] for name in header] for row in rows)]


@router.get(
    "/api/v1/assessments/export",
    response_class=Response,
    responses={
        200: {
            "content": {XLSX: {"schema": BINARY}, "text/csv": {"schema": BINARY}},
            "description": "the assessment as a file",
        }
    },
)
async def export_assessment(
    request: Request,
    session: SessionDep,
    upstreams: UpstreamsDep,
    principal: AuthorizedDep,
    year: Year,
    region: Region = None,
    file_format: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx",
    part: Annotated[Literal["villages", "officials"], Query(description="csv: which table")] = "villages",
) -> Response:
    """The assessment as a workbook (a sheet per village and per official) or one of its tables as CSV."""
    assessment = await assess(request, session, upstreams, principal, year, region)
    tables = {
        "villages": _table(VillageAssessment, assessment.villages),
        "officials": _table(OfficialAssessment, assessment.officials),
    }
    name = f"assessment-{assessment.region}-{year}"
    if file_format == "csv":
        header, *rows = tables[part]
        return table_file(header, rows, file_format="csv", name=f"{name}-{part}")
    return workbook_file(tables, name=name)
