"""Dividend plans (收益分配方案): the list, the form with its live share sum (opened from an asset's recorded
income, it is filled in from it), one plan with its households by number and head, its notice to the village
(公示) and its approval once the notice has run."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.assets.service import (
    ASSET_MISSING,
    ASSETS,
    ASSETS_DOWN,
    DEFAULT_CATEGORIES,
    HINTS,
    PAGE_SIZE,
    PLAN_MISSING,
    PLANS,
    SHARE_LABELS,
    Form,
    assets_json,
    call_assets,
    clean_year,
    resource_path,
    show,
)
from gateway.web.clients import refusal, region_names, region_tree, this_year
from gateway.web.deps import Official, PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import detail_of, villages, went_to
from gateway.web.render import wants_fragment
from shared.auth import Principal
from shared.errors import Unavailable
from shared.money import format_yuan
from shared.vocabulary.assets import PlanStatus
from shared.vocabulary.households import Category

router = page_router()
MayGetPlans = Annotated[Principal, Depends(PageUser(("GET", PLANS)))]
MayPostPlans = Annotated[Principal, Depends(PageUser(("POST", PLANS)))]
MayGetPlan = Annotated[Principal, Depends(PageUser(("GET", f"{PLANS}/{{id}}")))]
MayApprovePlans = Annotated[Principal, Depends(PageUser(("POST", f"{PLANS}/{{id}}/approve")))]
MayCancelPlans = Annotated[Principal, Depends(PageUser(("POST", f"{PLANS}/{{id}}/cancel")))]
MayPublishPlans = Annotated[Principal, Depends(PageUser(("POST", f"{PLANS}/{{id}}/publish")))]
VILLAGE_FUNDS = f"{ASSETS}/village-funds"
MayGetVillageFunds = Annotated[Principal, Depends(PageUser(("GET", VILLAGE_FUNDS)))]


# --- dividend plans ------------------------------------------------------------------------------------

PLAN_FIELDS = (
    "year",
    "region",
    "total_yuan",
    "share_households",
    "share_public_posts",
    "share_collective",
    "income_id",
)


def blank_plan_form(principal: Principal) -> Form:
    values: dict[str, Any] = {
        "year": str(this_year() - 1),
        "region": principal.region if len(principal.region) == 12 else "",
        "total_yuan": "",
        "share_households": "60",
        "share_public_posts": "20",
        "share_collective": "20",
        "categories": [c.value for c in DEFAULT_CATEGORIES],
        "income_id": "",
    }
    return Form(values=values)


async def income_source(
    request: Request, principal: Principal, asset_id: str, year: str
) -> dict[str, Any] | None:
    """The asset's recorded income of `year`, with what its village may still distribute that year: what a
    plan "from this income" starts from. None when the asset or the income is not there."""
    path = resource_path(ASSETS, asset_id)
    chosen_year = clean_year(year)
    if path is None or chosen_year is None:
        return None
    asset = await assets_json(request, principal, path, missing=ASSET_MISSING)
    income = next((i for i in asset["incomes"] if i["year"] == chosen_year), None)
    if income is None or len(asset["region_code"]) != 12:
        return None
    left = await assets_json(
        request,
        principal,
        f"{PLANS}/distributable",
        params={"region": asset["region_code"], "year": chosen_year},
    )
    return {"asset": asset, "income": income, "left_fen": left["left_fen"]}


def form_from_income(principal: Principal, source: dict[str, Any]) -> Form:
    """The plan form filled in from an income: its village and year, and its amount (at most what is left)."""
    form = blank_plan_form(principal)
    income = source["income"]
    form.values |= {
        "year": str(income["year"]),
        "region": source["asset"]["region_code"],
        "total_yuan": format_yuan(min(income["amount_fen"], source["left_fen"])).replace(",", ""),
        "income_id": income["id"],
    }
    return form


def share_sum(values: dict[str, Any]) -> int | None:
    """The three shares' sum as typed, or None while one of them is not a whole number."""
    raws = [str(values.get(f"share_{part}", "")).strip() for part in SHARE_LABELS]
    return sum(int(raw) for raw in raws) if all(raw.isdigit() for raw in raws) else None


@router.get("/assets/distributions")
async def plan_list(
    request: Request,
    principal: MayGetPlans,
    year: str = "",
    plan_status: Annotated[str, Query(alias="status")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    chosen_year = clean_year(year)
    chosen_status = plan_status if plan_status in set(PlanStatus) else ""
    params: dict[str, str | int] = {"page": page, "page_size": PAGE_SIZE}
    params |= {k: v for k, v in (("year", chosen_year), ("status", chosen_status)) if v}
    result, tree = await asyncio.gather(
        assets_json(request, principal, PLANS, params=params), region_tree(request, principal)
    )
    names = region_names(tree or [])

    def query(**changes: Any) -> str:
        values = {"year": chosen_year, "status": chosen_status, "page": page} | changes
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})

    context = {
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "year": chosen_year,
        "status": chosen_status,
        "query": query,
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_create": allowed("POST", PLANS, principal.role),
        "this_year": this_year(),
    }
    canonical = {"HX-Push-Url": "/assets/distributions" + (f"?{query()}" if query() else "")}
    return show(request, principal, "assets/distributions.html", context, block="results", headers=canonical)


@router.get("/assets/village-funds")
async def village_fund_list(
    request: Request,
    principal: MayGetVillageFunds,
    year: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """What approved plans entered for their villages: the posts' budgets and the collectives' income."""
    chosen_year = clean_year(year)
    params: dict[str, str | int] = {"page": page, "page_size": PAGE_SIZE}
    if chosen_year:
        params["year"] = chosen_year
    result, tree = await asyncio.gather(
        assets_json(request, principal, VILLAGE_FUNDS, params=params), region_tree(request, principal)
    )
    names = region_names(tree or [])

    def query(**changes: Any) -> str:
        values = {"year": chosen_year, "page": page} | changes
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})

    context = {
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "year": chosen_year,
        "query": query,
        "region_names": names,
        "region_name": names.get(principal.region),
        "this_year": this_year(),
    }
    canonical = {"HX-Push-Url": "/assets/village-funds" + (f"?{query()}" if query() else "")}
    return show(request, principal, "assets/village_funds.html", context, block="results", headers=canonical)


async def plan_form_page(
    request: Request,
    principal: Principal,
    form: Form,
    *,
    plan: dict[str, Any] | None = None,
    source: dict[str, Any] | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    tree = await region_tree(request, principal) or []
    names = region_names(tree)
    context = {
        "form": form,
        "plan": plan,
        "source": source,
        "sum": share_sum(form.values),
        "villages": villages(tree),
        "region_names": names,
        "region_name": names.get(principal.region),
        "this_year": this_year(),
    }
    return show(
        request, principal, "assets/distribution_form.html", context, block=block, status_code=status_code
    )


@router.get("/assets/distributions/new")
async def new_plan(request: Request, principal: MayPostPlans, asset: str = "", year: str = "") -> Response:
    """The plan form; from an asset's income (`?asset=&year=`) it is filled in from that income."""
    source = await income_source(request, principal, asset, year) if asset else None
    form = form_from_income(principal, source) if source else blank_plan_form(principal)
    return await plan_form_page(request, principal, form, source=source)


@router.get("/assets/distributions/share-sum")
async def plan_share_sum(request: Request, principal: Official) -> Response:
    """The shares' sum as the official types them (the form shows it live)."""
    values = {name: request.query_params.get(name, "") for name in PLAN_FIELDS}
    context = {"sum": share_sum(values)}
    return show(request, principal, "assets/distribution_form.html", context, block="share_sum")


@router.post("/assets/distributions/new")
async def create_plan(request: Request, principal: MayPostPlans) -> Response:
    """Draft a plan through POST /api/v1/assets/distributions and show its computed split."""
    form = await Form.of(request, PLAN_FIELDS)
    chosen = (await request.form()).getlist("categories")
    form.values["categories"] = [c for c in chosen if isinstance(c, str) and c in set(Category)]
    shares = {part: form.whole(f"share_{part}", low=0, high=100) for part in SHARE_LABELS}
    if any(value is None for value in shares.values()):
        form.errors = {k: v for k, v in form.errors.items() if not k.startswith("share_")}
        form.errors["shares"] = HINTS["shares"]
    elif sum(v for v in shares.values() if v is not None) != 100:
        form.errors["shares"] = f"三项比例合计须为 100%，现为 {share_sum(form.values)}%"
    if not form.values["categories"]:
        form.errors["categories"] = HINTS["categories"]
    payload = {
        "year": form.whole("year", low=2014, high=2100),
        "region": form.values["region"],
        "total_fen": form.fen("total_yuan", positive=True),
        "shares": shares,
        "categories": form.values["categories"],
    }
    if income_id := income_of(form.values.get("income_id", "")):
        payload["income_id"] = income_id
    if form.has_errors:
        return await plan_form_page(request, principal, form, block="plan_form", status_code=422)
    try:
        answer = await call_assets(request, principal, "POST", PLANS, json=payload)
    except Unavailable:
        form.problem = ASSETS_DOWN
        return await plan_form_page(request, principal, form, block="plan_form", status_code=503)
    if answer.status_code == status.HTTP_201_CREATED:
        plan = answer.json()
        if not wants_fragment(request):
            return went_to(request, f"/assets/distributions/{plan['id']}")
        return await plan_form_page(request, principal, form, plan=plan, block="plan_form")
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    form.absorb(answer, "分配方案未能生成，请检查后重试。")
    return await plan_form_page(request, principal, form, block="plan_form", status_code=422)


def income_of(raw: str) -> str | None:
    """The income a plan is made from, as the form carries it (a hidden field; anything else is no income)."""
    try:
        return str(uuid.UUID(raw.strip()))
    except ValueError:
        return None


def notice_over(plan: dict[str, Any]) -> bool:
    """Whether a plan in its notice to the village has reached the notice's end (and may be approved)."""
    until = plan.get("notice_until")
    return (
        plan["status"] == PlanStatus.in_notice
        and bool(until)
        and datetime.fromisoformat(until) <= datetime.now(UTC)
    )


async def plan_detail_page(
    request: Request,
    principal: Principal,
    plan_id: str,
    *,
    problem: str | None = None,
    done: str | None = None,
    block: str | list[str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    path = resource_path(PLANS, plan_id)
    if path is None:
        raise Refusal(404, PLAN_MISSING)
    plan, tree = await asyncio.gather(
        assets_json(request, principal, path, missing=PLAN_MISSING), region_tree(request, principal)
    )
    names = region_names(tree or [])
    draft = plan["status"] == PlanStatus.draft
    open_ = plan["status"] in (PlanStatus.draft, PlanStatus.in_notice)
    context = {
        "plan": plan,
        "village_name": names.get(plan["region"], plan["region"]),
        "region_name": names.get(principal.region),
        "can_publish": draft and allowed("POST", f"{path}/publish", principal.role),
        "may_approve": allowed("POST", f"{path}/approve", principal.role),
        "can_approve": notice_over(plan) and allowed("POST", f"{path}/approve", principal.role),
        "can_cancel": open_ and allowed("POST", f"{path}/cancel", principal.role),
        "problem": problem,
        "done": done,
        "oob": isinstance(block, list),
    }
    return show(request, principal, "assets/distribution.html", context, block=block, status_code=status_code)


@router.get("/assets/distributions/{plan_id}")
async def plan_detail(request: Request, principal: MayGetPlan, plan_id: str) -> Response:
    return await plan_detail_page(request, principal, plan_id)


@router.get("/assets/distributions/{plan_id}/notice")
async def plan_notice(request: Request, principal: MayGetPlan, plan_id: str) -> Response:
    """The plan as it is posted in its village (公示), printable: households by number and head, in yuan."""
    path = resource_path(PLANS, plan_id)
    if path is None:
        raise Refusal(404, PLAN_MISSING)
    plan, tree = await asyncio.gather(
        assets_json(request, principal, path, missing=PLAN_MISSING), region_tree(request, principal)
    )
    names = region_names(tree or [])
    context = {
        "plan": plan,
        "village_name": names.get(plan["region"], plan["region"]),
        "township_name": names.get(plan["region"][:9], ""),
    }
    return show(request, principal, "assets/distribution_notice.html", context)


async def plan_decision(request: Request, principal: Principal, plan_id: str, action: str) -> Response:
    """Publish, approve or cancel a plan; a refusal (the maker approving, a notice still running, a plan
    already decided) is shown in Chinese as the service words it, next to the buttons."""
    path = resource_path(PLANS, plan_id)
    if path is None:
        raise Refusal(404, PLAN_MISSING)
    blocks = ["plan_actions", "plan_head"]
    try:
        answer = await call_assets(request, principal, "POST", f"{path}/{action}")
        if answer.status_code == status.HTTP_200_OK:
            done = DONE[action]
            return await plan_detail_page(request, principal, plan_id, done=done, block=blocks)
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="assets", missing=PLAN_MISSING)
        problem = detail_of(answer, "操作未能完成，请刷新页面后重试。")
        return await plan_detail_page(
            request, principal, plan_id, problem=problem, block="plan_actions", status_code=422
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


DONE = {
    "publish": "方案已在嘎查村公示，公示期满后由另一名干部审批。",
    "approve": "方案已审批：公益岗位和村集体部分已入账，农牧户部分正在移交支付服务发放。",
    "cancel": "方案已撤销。",
}


@router.post("/assets/distributions/{plan_id}/publish")
async def publish_plan(request: Request, principal: MayPublishPlans, plan_id: str) -> Response:
    return await plan_decision(request, principal, plan_id, "publish")


@router.post("/assets/distributions/{plan_id}/approve")
async def approve_plan(request: Request, principal: MayApprovePlans, plan_id: str) -> Response:
    return await plan_decision(request, principal, plan_id, "approve")


@router.post("/assets/distributions/{plan_id}/cancel")
async def cancel_plan(request: Request, principal: MayCancelPlans, plan_id: str) -> Response:
    return await plan_decision(request, principal, plan_id, "cancel")
