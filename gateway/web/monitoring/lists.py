"""Departments' lists (数据比对): the upload form for department officers and banner officials, what a list
matched (the rows not found, masked, with the reason; the findings per household), and the findings of
every list with their filters."""

from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from gateway.policy import allowed
from gateway.web.clients import this_year
from gateway.web.deps import PageUser, page_router
from gateway.web.forms import problems_of
from gateway.web.monitoring.service import (
    DEPARTMENT_LISTS,
    FINDINGS,
    MONITORING_DOWN,
    AssistanceForm,
    call_monitoring,
    listing,
    show,
    where,
)
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.monitoring import DepartmentList

router = page_router()
MayGetFindings = Annotated[Principal, Depends(PageUser(("GET", FINDINGS)))]
MayPostLists = Annotated[Principal, Depends(PageUser(("POST", DEPARTMENT_LISTS)))]
MAX_UPLOAD = 16 << 20
# What each department's file holds: the member's ID number, then the department's own columns.
COLUMNS = {
    DepartmentList.medical_security: (
        "id_number, out_of_pocket_fen（自付医疗费用，分）, serious_illness, chronic_disease"
    ),
    DepartmentList.civil_affairs: "id_number, status（低保 / 特困 / 低保边缘）",
    DepartmentList.education: "id_number, enrolled（是 / 否）",
    DepartmentList.housing: "id_number, safe（是 / 否）",
    DepartmentList.water: "id_number, safe（是 / 否）",
    DepartmentList.disability: "id_number, grade（1–4）",
    DepartmentList.human_resources: "id_number, employed（是 / 否）",
}


def cell_problems(answer_body: dict[str, Any]) -> list[str]:
    """A refused list's bad cells as officials read them: 第 N 行 column：reason."""
    said = []
    for problem in answer_body.get("errors") or []:
        parts = str(problem.get("field", "")).split(".")
        if parts[0] == "rows" and len(parts) > 2:
            said.append(f"第 {parts[1]} 行 {'.'.join(parts[2:])}：{problem.get('reason', '')}")
    return said


async def upload_page(
    request: Request,
    principal: Principal,
    form: AssistanceForm,
    *,
    result: dict[str, Any] | None = None,
    cells: list[str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    context = {
        "form": form,
        "result": result,
        "cells": cells or [],
        "columns": COLUMNS,
        **await where(request, principal),
    }
    return show(request, principal, "monitoring/department_list.html", context, status_code=status_code)


@router.get("/monitoring/department-lists")
async def new_list(request: Request, principal: MayPostLists) -> Response:
    return await upload_page(
        request, principal, AssistanceForm(values={"department": "", "year": this_year()})
    )


@router.post("/monitoring/department-lists")
async def upload_list(request: Request, principal: MayPostLists) -> Response:
    """Hand the file to the service as it came; show what it matched and found, or why it refused."""
    submitted = await request.form()
    upload = submitted.get("file")
    form = AssistanceForm(
        values={name: str(submitted.get(name) or "").strip() for name in ("department", "year", "file")}
    )
    if form.values["department"] not in set(DepartmentList):
        form.errors["department"] = form.hint("department")
    form.whole("year", low=2013, high=2100)
    filename, content = "", b""
    if isinstance(upload, UploadFile):
        filename, content = upload.filename or "", await upload.read(MAX_UPLOAD + 1)
    if not content or len(content) > MAX_UPLOAD:
        form.errors["file"] = form.hint("file")
    if form.has_errors:
        return await upload_page(request, principal, form, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    files = {"file": (filename, content)}
    data = {"department": form.values["department"], "year": form.values["year"]}
    try:
        answer = await call_monitoring(
            request, principal.token, "POST", DEPARTMENT_LISTS, files=files, data=data
        )
    except Unavailable:
        form.problem = MONITORING_DOWN
        return await upload_page(request, principal, form, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    if answer.status_code == status.HTTP_201_CREATED:
        return await upload_page(
            request, principal, form, result=answer.json(), status_code=status.HTTP_201_CREATED
        )
    cells = cell_problems(problems_of(answer))
    form.absorb(answer, "名单未能导入，请检查文件后重试。")
    return await upload_page(
        request, principal, form, cells=cells, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


@router.get("/monitoring/findings")
async def finding_list(
    request: Request,
    principal: MayGetFindings,
    region: Annotated[str, Query(max_length=12)] = "",
    department: str = "",
    year: Annotated[str, Query(max_length=4)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = {
        "region": region,
        "department": department if department in set(DepartmentList) else "",
        "year": year if year.isdigit() else "",
    }
    context = await listing(request, principal, FINDINGS, filters, page)
    context["can_upload"] = allowed("POST", DEPARTMENT_LISTS, principal.role)
    return show(request, principal, "monitoring/findings.html", context, block="finding_results")
