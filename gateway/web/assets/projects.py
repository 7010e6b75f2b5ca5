"""A new fund project (资金项目, seed §六(四)): the banner sets its place, year, implementer, content and its
output and benefit targets (明确绩效目标) before money is allocated to it; it then appears under 资金投入's
project picker and 资金绩效, where the values its targets reached are recorded."""

from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.web.assets.service import (
    HINTS,
    PROJECT_MISSING,
    PROJECTS,
    Form,
    call_assets,
    holders,
    show,
)
from gateway.web.clients import region_names, region_tree, this_year
from gateway.web.deps import PageUser, page_router
from gateway.web.forms import RegionOption, send, went_to
from shared.auth import Principal
from shared.regions import Tier
from shared.vocabulary.assets import Comparison, IndicatorKind

router = page_router()
MayCreateProjects = Annotated[Principal, Depends(PageUser(("POST", PROJECTS)))]

TARGET_ROWS = 5  # the form's rows of targets; a row left empty sets none
TARGET_COLUMNS = ("kind", "indicator", "unit", "comparison", "target_value")
TARGET_FIELDS = tuple(f"{column}-{row}" for row in range(TARGET_ROWS) for column in TARGET_COLUMNS)
PROJECT_FIELDS = (
    *("name", "region_code", "year", "implementer", "content", "timeline", "targets"),
    *TARGET_FIELDS,
)


class ProjectForm(Form):
    """The project form: its fields share names with other assets forms but say other things."""

    hints = HINTS | {
        "name": "请填写项目名称（最多 200 字）",
        "region_code": "请选择项目所在的旗、苏木镇或嘎查村",
        "implementer": "请填写实施单位（最多 200 字）",
        "content": "请填写建设内容（最多 2000 字）",
        "timeline": "请填写实施期限（最多 200 字）",
        "targets": "每项绩效目标须选择类型、填写指标、单位和目标值（非负整数）",
        "kind": "请选择指标类型",
        "indicator": "请填写指标（最多 200 字）",
        "unit": "请填写单位（最多 20 字）",
        "comparison": "请选择达标方式",
        "target_value": "请填写目标值（非负整数）",
    }


def project_places(tree: list[dict[str, Any]]) -> list[RegionOption]:
    """Where a project may lie: the banner itself, its townships and its villages."""
    banners = [RegionOption(n["code"], f"{n['name']}（旗级）") for n in tree if n["tier"] == Tier.banner]
    return banners + holders(tree)


def blank(year: int) -> ProjectForm:
    rows = {f"comparison-{row}": Comparison.at_least.value for row in range(TARGET_ROWS)}
    return ProjectForm(values=dict.fromkeys(PROJECT_FIELDS, "") | rows | {"year": str(year)})


async def project_form_page(
    request: Request, principal: Principal, *, form: Form, status_code: int = status.HTTP_200_OK
) -> Response:
    tree = await region_tree(request, principal) or []
    names = region_names(tree)
    context = {
        "form": form,
        "rows": range(TARGET_ROWS),
        "places": project_places(tree),
        "years": range(this_year() + 1, 2019, -1),
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "assets/project_form.html", context, status_code=status_code)


@router.get("/assets/projects/new")
async def new_project(
    request: Request,
    principal: MayCreateProjects,
    year: Annotated[int | None, Query(ge=2014, le=2100)] = None,
) -> Response:
    return await project_form_page(request, principal, form=blank(year or this_year()))


def targets(form: ProjectForm) -> list[dict[str, Any]]:
    """The targets typed, one per row with anything in it; at least one."""
    found = []
    for row in range(TARGET_ROWS):
        if not any(form.values[f"{column}-{row}"] for column in ("indicator", "unit", "target_value")):
            continue
        for column, choices in (("kind", IndicatorKind), ("comparison", Comparison)):
            if form.values[f"{column}-{row}"] not in set(choices):
                form.errors[f"{column}-{row}"] = form.hint(column)
        found.append(
            {
                "kind": form.values[f"kind-{row}"],
                "indicator": form.text(f"indicator-{row}", low=1, high=200),
                "unit": form.text(f"unit-{row}", low=1, high=20),
                "comparison": form.values[f"comparison-{row}"],
                "target_value": form.whole(f"target_value-{row}", low=0, high=10**15),
            }
        )
    if not found:
        form.errors["targets"] = "请至少填写一项绩效目标"
    return found


@router.post("/assets/projects")
async def create_project(request: Request, principal: MayCreateProjects) -> Response:
    """A project with its targets through POST /api/v1/assets/projects; then its place under 资金绩效."""
    form = await ProjectForm.of(request, PROJECT_FIELDS)
    if not form.values["region_code"]:
        form.errors["region_code"] = form.hint("region_code")
    payload = {
        "name": form.text("name", low=1, high=200),
        "region_code": form.values["region_code"],
        "year": form.whole("year", low=2014, high=2100),
        "implementer": form.text("implementer", low=1, high=200),
        "content": form.text("content", low=1, high=2000),
        "timeline": form.text("timeline", low=1, high=200),
        "targets": targets(form),
    }
    saved = await send(
        form,
        lambda: call_assets(request, principal, "POST", PROJECTS, json=payload),
        service="assets",
        missing=PROJECT_MISSING,
        fallback="项目未能登记，请检查后重试。",
    )
    if saved is None:
        return await project_form_page(request, principal, form=form, status_code=422)
    return went_to(request, f"/assets/performance?year={saved['year']}#project-{saved['id']}")
