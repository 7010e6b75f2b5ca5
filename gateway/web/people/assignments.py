"""Assignments: the work teams and 第一书记 sent to the villages of the scope with their terms, and the
banner's form that sends one (the same checks as POST /api/v1/admin/assignments)."""

import asyncio
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from gateway import assignments
from gateway.people_schemas import AssignmentCreate
from gateway.policy import allowed
from gateway.web.clients import region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.forms import went_to
from gateway.web.people.service import ASSIGNMENTS, PAGE_SIZE, Form, show, work_team_accounts
from shared.auth import Principal
from shared.errors import Conflict, Invalid

router = page_router()
MayGetAssignments = Annotated[Principal, Depends(PageUser(("GET", ASSIGNMENTS)))]
MayPostAssignments = Annotated[Principal, Depends(PageUser(("POST", ASSIGNMENTS)))]
FIELDS = ("username", "kind", "dispatching_unit", "starts_on", "ends_on", "visits_per_month")


async def assignments_page(
    request: Request,
    principal: Principal,
    *,
    form: Form | None = None,
    page: int = 1,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    async def listed() -> tuple[list[Any], int]:
        async with request.app.state.db.session_scope() as session:
            return await assignments.list_assignments(
                session, principal=principal, region=None, page=page, page_size=PAGE_SIZE
            )

    (items, total), accounts, tree = await asyncio.gather(
        listed(), work_team_accounts(request, principal), region_tree(request, principal)
    )
    names = region_names(tree or [])
    context = {
        "items": items,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "accounts": accounts,
        "form": form or Form(values=dict.fromkeys(FIELDS, "") | {"visits_per_month": "1"}),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_assign": allowed("POST", ASSIGNMENTS, principal.role),
    }
    return show(request, principal, "people/assignments.html", context, status_code=status_code)


@router.get("/people/assignments")
async def assignment_list(
    request: Request, principal: MayGetAssignments, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    return await assignments_page(request, principal, page=page)


@router.post("/people/assignments")
async def assign(request: Request, principal: MayPostAssignments) -> Response:
    """Send a work team account (to its own village) as 驻村工作队 or 第一书记 for a term."""
    form = await Form.of(request, FIELDS)
    accounts = {a["username"]: a for a in await work_team_accounts(request, principal)}
    account = accounts.get(form.values["username"])
    typed = {name: value or None for name, value in form.values.items()}
    try:
        data = AssignmentCreate.model_validate(
            typed
            | {
                "village_code": account["region"] if account else "",
                "visits_per_month": typed["visits_per_month"] or 1,
            }
        )
    except ValidationError as exc:
        for problem in exc.errors():
            form.fail(".".join(str(part) for part in problem["loc"]), "")
        return await assignments_page(request, principal, form=form, status_code=422)
    try:
        async with request.app.state.db.session_scope() as session:
            await assignments.create_assignment(session, principal=principal, data=data)
    except Invalid as exc:
        for problem in exc.errors or []:
            form.fail(problem.field, problem.reason)
        form.problem = form.problem or (None if form.errors else exc.detail)
        return await assignments_page(request, principal, form=form, status_code=422)
    except Conflict as exc:
        form.errors["kind"] = exc.detail
        return await assignments_page(request, principal, form=form, status_code=422)
    return went_to(request, "/people/assignments")
