"""Employment (seed §五(八)): public-welfare posts (公益性岗位) with their holders and the form that appoints
one, skills trainings with the members trained, and assistance workshops (扶贫车间) with their employees."""

from typing import Annotated

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.deps import PageUser, page_router
from gateway.web.forms import went_to
from gateway.web.monitoring.service import (
    MONITORING,
    MONITORING_DOWN,
    POSTS,
    AssistanceForm,
    call_monitoring,
    household_form_page,
    listing,
    show,
)
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
TRAININGS = f"{MONITORING}/trainings"
WORKSHOPS = f"{MONITORING}/workshops"
MayGetPosts = Annotated[Principal, Depends(PageUser(("GET", POSTS)))]
MayPostPosts = Annotated[Principal, Depends(PageUser(("POST", POSTS)))]
MayGetTrainings = Annotated[Principal, Depends(PageUser(("GET", TRAININGS)))]
MayGetWorkshops = Annotated[Principal, Depends(PageUser(("GET", WORKSHOPS)))]
POST_FIELDS = (
    "household_id",
    "holder_member_id",
    "name",
    "monthly_wage_yuan",
    "starts_on",
    "ends_on",
    "priority_exception",
)
POST_FORM = "monitoring/post_form.html"
# Each list page: its API path, template and the filters it keeps.
LISTS = {
    "posts": (POSTS, "monitoring/posts.html"),
    "trainings": (TRAININGS, "monitoring/trainings.html"),
    "workshops": (WORKSHOPS, "monitoring/workshops.html"),
}


async def list_page(
    request: Request, principal: Principal, which: str, filters: dict[str, str], page: int
) -> Response:
    """One of the employment lists, in the caller's scope or the region chosen."""
    path, template = LISTS[which]
    context = await listing(request, principal, path, filters, page)
    context["can_appoint"] = allowed("POST", POSTS, principal.role)
    return show(request, principal, template, context, block="results")


Region = Annotated[str, Query(max_length=12)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/monitoring/posts")
async def post_list(
    request: Request, principal: MayGetPosts, region: Region = "", active: str = "", page: PageNumber = 1
) -> Response:
    filters = {"region": region, "active": active if active in ("true", "false") else ""}
    return await list_page(request, principal, "posts", filters, page)


@router.get("/monitoring/trainings")
async def training_list(
    request: Request, principal: MayGetTrainings, region: Region = "", page: PageNumber = 1
) -> Response:
    return await list_page(request, principal, "trainings", {"region": region}, page)


@router.get("/monitoring/workshops")
async def workshop_list(
    request: Request, principal: MayGetWorkshops, region: Region = "", page: PageNumber = 1
) -> Response:
    return await list_page(request, principal, "workshops", {"region": region}, page)


@router.get("/monitoring/posts/new")
async def new_post(
    request: Request, principal: MayPostPosts, household_id: str = "", q: str = ""
) -> Response:
    """The appointment form; the term defaults to the rest of this year."""
    now = today()
    values = dict.fromkeys(POST_FIELDS, "") | {
        "household_id": household_id,
        "starts_on": now.replace(day=1).isoformat(),
        "ends_on": now.replace(month=12, day=31).isoformat(),
    }
    return await household_form_page(request, principal, POST_FORM, AssistanceForm(values=values), q)


@router.post("/monitoring/posts")
async def appoint(request: Request, principal: MayPostPosts) -> Response:
    """Appoint a member; the service gives posts to lifted-out and marginal people first (others need a
    reason) and says so beside the field."""
    form = await AssistanceForm.of(request, POST_FIELDS)
    values = form.values
    if not values["holder_member_id"]:
        form.errors["holder_member_id"] = form.hint("holder_member_id")
    body = {
        "household_id": values["household_id"],
        "holder_member_id": values["holder_member_id"],
        "name": form.text("name", low=2, high=100),
        "monthly_wage_fen": form.fen("monthly_wage_yuan", positive=True),
        "starts_on": form.day("starts_on"),
        "ends_on": form.day("ends_on"),
        "priority_exception": values["priority_exception"] or None,
    }
    if not form.has_errors:
        try:
            answer = await call_monitoring(request, principal.token, "POST", POSTS, json=body)
        except Unavailable:
            form.problem = MONITORING_DOWN
        else:
            if answer.status_code == status.HTTP_201_CREATED:
                return went_to(request, "/monitoring/posts")
            form.absorb(answer, "岗位未能保存，请检查后重试。")
    return await household_form_page(
        request, principal, POST_FORM, form, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )
