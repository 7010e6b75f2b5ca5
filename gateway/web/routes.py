"""The officials' pages: sign-in, the dashboard of the caller's scope, and user administration.

The page user and the CSRF check come from gateway/web/deps.py, like every page's; sign-in and sign-out
are the only pages open without a session.
"""

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from gateway import accounts
from gateway.policy import allowed
from gateway.principal import revoke
from gateway.routes import ensure_region_exists
from gateway.schemas import UserCreate
from gateway.signin import sign_in
from gateway.tokens import TokenIssuer
from gateway.web.assets import assets_overview
from gateway.web.assets import router as assets_router
from gateway.web.clients import call_registry, region_names, region_tree
from gateway.web.dashboard.inbox import inbox
from gateway.web.dashboard.trends import households_chart, service_charts
from gateway.web.deps import Official, PageUser, page_router
from gateway.web.exports import router as exports_router
from gateway.web.field import router as field_router
from gateway.web.guarantees import router as guarantees_router
from gateway.web.households import router as households_router
from gateway.web.monitoring import monitoring_overview
from gateway.web.monitoring import router as monitoring_router
from gateway.web.payments import payments_overview
from gateway.web.payments import router as payments_router
from gateway.web.people import router as people_router
from gateway.web.places import router as places_router
from gateway.web.render import render, wants_fragment
from gateway.web.session import end_session, safe_next, session_principal, start_session
from shared.auth import Principal
from shared.errors import Conflict, Invalid, TooManyRequests, Unauthorized, Unavailable
from shared.regions import Tier, tier_of
from shared.roles import HUMAN_ROLES, ROLE_LABELS, Role, role_fits_region

router = page_router()
router.include_router(exports_router)
router.include_router(households_router)
router.include_router(assets_router)
router.include_router(payments_router)
router.include_router(monitoring_router)
router.include_router(guarantees_router)
router.include_router(places_router)
router.include_router(people_router)
router.include_router(field_router)

MayGetUsers = Annotated[Principal, Depends(PageUser(("GET", "/api/v1/admin/users")))]
MayPostUsers = Annotated[Principal, Depends(PageUser(("POST", "/api/v1/admin/users")))]
USERS_PAGE_SIZE = 50
FORM_ROLES = [role for role in Role if role in HUMAN_ROLES]
# Echoed back after a refusal; the password never is.
USER_FORM_FIELDS = ("username", "display_name", "role", "region", "department")
FIELD_HINTS = {
    "username": "用户名须为 3–64 位字母、数字或 _ . -",
    "password": "密码长度须为 10–128 位",
    "role": "请选择角色",
    "region": "区域代码须为 6、9 或 12 位数字",
    "department": "部门名称最多 64 个字",
    "display_name": "姓名最多 50 个字",
}


# --- sign-in ---------------------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, next_url: Annotated[str, Query(alias="next")] = "/") -> Response:
    if session_principal(request) is not None:
        return RedirectResponse(safe_next(next_url), status_code=status.HTTP_303_SEE_OTHER)
    return render(request, "login.html", {"next": safe_next(next_url), "username": ""})


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Check the password, then keep the access token in an HttpOnly cookie."""
    username = username.strip()
    context = {"next": safe_next(next_url), "username": username[:64]}
    try:
        if not username or not password or len(username) > 64 or len(password) > 128:
            raise Unauthorized(accounts.BAD_CREDENTIALS)
        subject, role, region = await sign_in(request, kind="user", name=username, secret=password)
    except TooManyRequests as exc:
        return render(
            request,
            "login.html",
            {**context, "error": "登录失败次数过多，请稍后再试。"},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers=exc.headers,
        )
    except Unauthorized:
        return render(
            request,
            "login.html",
            {**context, "error": "用户名或密码错误。"},
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    issuer: TokenIssuer = request.app.state.issuer
    response = RedirectResponse(context["next"], status_code=status.HTTP_303_SEE_OTHER)
    start_session(request, response, issuer.issue(subject=subject, role=role, region=region))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    if (principal := session_principal(request)) is not None:
        await revoke(request, principal)  # refused everywhere, not only forgotten by this browser
    end_session(request, response)
    # The field app's kept pages and unsent visits leave the phone with the session.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


# --- dashboard ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    townships: int
    villages: int
    focus_villages: int


def summarize(tree: list[dict[str, Any]]) -> Summary:
    """How many townships, villages and focus villages (重点帮扶村) a region tree holds."""
    counts: Counter[str] = Counter()
    pending = list(tree)
    while pending:
        node = pending.pop()
        counts[node["tier"]] += 1
        counts["focus"] += node["tier"] == Tier.village and bool(node.get("is_focus"))
        pending.extend(node.get("children", []))
    return Summary(counts[Tier.township], counts[Tier.village], counts["focus"])


async def household_stats(request: Request, principal: Principal) -> dict[str, Any] | None:
    """Households by category for each child region of the caller's own (registry stats); None if unknown
    or not the caller's to read."""
    if not allowed("GET", "/api/v1/stats/households", principal.role):
        return None
    try:
        response = await call_registry(request, principal, "GET", "/api/v1/stats/households")
    except Unavailable:
        return None
    if response.status_code != status.HTTP_200_OK:
        return None
    stats: dict[str, Any] = response.json()
    return stats


@router.get("/")
async def dashboard(request: Request, principal: Official) -> Response:
    """The caller's scope at a glance: what awaits them, the charts, each service's overview; the services
    are asked concurrently and one that is down leaves its part out with a notice."""
    tree = await region_tree(request, principal)
    names = region_names(tree or [])
    context: dict[str, Any] = {
        "tree": tree,
        "registry_down": tree is None,
        "allowed_households": allowed("GET", "/api/v1/households", principal.role),
        "region_name": names.get(principal.region),
    }
    if tree is not None:
        context["summary"] = summarize(tree)
    (
        context["stats"],
        context["inbox"],
        charts,
        context["assets_overview"],
        context["payments_overview"],
        context["monitoring_overview"],
    ) = await asyncio.gather(
        household_stats(request, principal),
        inbox(request, principal, names),
        service_charts(request, principal),
        assets_overview(request, principal),
        payments_overview(request, principal),
        monitoring_overview(request, principal),
    )
    households = households_chart(context["stats"]) if context["stats"] else None
    context["charts"] = ([households] if households else []) + charts
    return render(request, "dashboard.html", context, principal=principal)


# --- user administration ------------------------------------------------------------------------------


@dataclass
class UserForm:
    """What the create-user form shows: the values typed (never the password) and the errors per field."""

    values: dict[str, str] = field(default_factory=lambda: dict.fromkeys(USER_FORM_FIELDS, ""))
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    created: str | None = None


async def users_page(
    request: Request,
    principal: Principal,
    *,
    form: UserForm,
    block: str,
    page: int = 1,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    """The users page, or one of its fragments; loads only what the answer shows."""
    context: dict[str, Any] = {"form": form, "roles": FORM_ROLES, "page": page}
    whole_page = not wants_fragment(request)
    if whole_page or block == "user_table":
        async with request.app.state.db.session_scope() as session:
            users, total = await accounts.list_users(session, page=page, page_size=USERS_PAGE_SIZE)
        names = region_names(await region_tree(request, principal) or [])
        context |= {
            "users": users,
            "total": total,
            "pages": max(1, -(-total // USERS_PAGE_SIZE)),
            "region_names": names,
            "region_name": names.get(principal.region),
        }
    return render(
        request,
        "users.html",
        context,
        principal=principal,
        block=block,
        status_code=status_code,
        headers=headers,
    )


@router.get("/admin/users")
async def users(
    request: Request, principal: MayGetUsers, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    return await users_page(request, principal, form=UserForm(), block="user_table", page=page)


@router.post("/admin/users")
async def create_user(request: Request, principal: MayPostUsers) -> Response:
    """Create an account through the same checks as POST /api/v1/admin/users; errors go next to the field."""
    submitted = await request.form()
    form = UserForm()
    form.values = {key: str(submitted.get(key) or "").strip() for key in form.values}
    password = str(submitted.get("password") or "")
    try:
        data = UserCreate(
            **form.values | {name: form.values[name] or None for name in ("department", "display_name")},
            password=password,
        )
    except ValidationError as exc:
        form.errors = {str(e["loc"][0]): FIELD_HINTS.get(str(e["loc"][0]), e["msg"]) for e in exc.errors()}
        return await users_page(request, principal, form=form, block="user_form", status_code=422)
    if not role_fits_region(data.role, data.region):
        form.errors["region"] = f"{ROLE_LABELS[data.role]}不能设在{tier_of(data.region).label}区域"
        return await users_page(request, principal, form=form, block="user_form", status_code=422)
    try:
        await ensure_region_exists(request.app.state.upstreams, request, principal, data.region)
        async with request.app.state.db.session_scope() as session:
            created = await accounts.create_user(session, principal=principal, data=data)
    except Invalid as exc:
        form.errors = {e.field: e.reason for e in exc.errors or []} or {"region": exc.detail}
        return await users_page(request, principal, form=form, block="user_form", status_code=422)
    except (Conflict, IntegrityError):
        form.errors["username"] = f"用户名 {data.username} 已存在"
        return await users_page(request, principal, form=form, block="user_form", status_code=422)
    except Unavailable:
        form.problem = "登记服务暂时不可用，无法核验区域，请稍后再试。"
        return await users_page(request, principal, form=form, block="user_form", status_code=503)
    return await users_page(
        request,
        principal,
        form=UserForm(created=created.username),
        block="user_form",
        status_code=status.HTTP_201_CREATED,
        headers={"HX-Trigger": "users-changed"},
    )
