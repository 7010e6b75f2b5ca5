"""Rendering pages and their fragments: one template per page, an htmx request gets one named block."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from jinja2_fragments.fastapi import Jinja2Blocks

from gateway.policy import allowed
from gateway.web import TEMPLATES_DIR
from gateway.web.session import csrf_token, remember_csrf
from shared.auth import Principal
from shared.money import format_yuan
from shared.regions import Tier
from shared.roles import ROLE_LABELS, Role
from shared.vocabulary import Term, assets, households, labels, monitoring, payments, people, places
from shared.vocabulary.households import PROCEDURE_CATEGORIES, Category

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")
# Pages hold personal data and forms: never cached, never framed, scripts and styles only from /static.
PAGE_HEADERS = {
    "Vary": "HX-Request",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
}


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    api_route: str | None  # the API route whose GET the role must be allowed; None: every signed-in official


NAV: tuple[NavItem, ...] = (
    NavItem("/", "首页", None),
    NavItem("/households", "农牧户", "/api/v1/households"),
    NavItem("/monitoring/cases", "防返贫监测", "/api/v1/monitoring/cases"),
    NavItem("/monitoring/plans", "帮扶措施", "/api/v1/monitoring/plans"),
    NavItem("/assets", "扶贫资产", "/api/v1/assets"),
    NavItem("/places/sites", "安置点", "/api/v1/resettlement-sites"),
    NavItem("/payments/batches", "补贴发放", "/api/v1/payments/batches"),
    NavItem("/people/assessment", "考核", "/api/v1/assessments"),
    NavItem("/admin/users", "用户管理", "/api/v1/admin/users"),
)


def nav_for(role: Role) -> list[NavItem]:
    """The navigation a role sees: only what the access policy lets it use."""
    return [item for item in NAV if item.api_route is None or allowed("GET", item.api_route, role)]


def local_time(value: datetime | str | None) -> str:
    """A timestamp (or its RFC 3339 text, as a service's JSON has it) as Beijing time: the one way every
    page shows a time. An offset is honoured; a naive time is UTC, as the services store it."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M")


UTC_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?) ?UTC")


def local_times(text: str) -> str:
    """A service's wording with the UTC times in it (`至 2026-12-05 02:00 UTC`) said in Beijing time."""
    return UTC_STAMP.sub(lambda match: local_time(match.group(1)), text)


def today() -> date:
    """Today in Beijing: the date officials' forms default to and notices are dated by."""
    return datetime.now(DISPLAY_TZ).date()


def words() -> list[type[Term]]:
    """Every word of the vocabulary the pages show, from the kernel (shared.vocabulary)."""
    found: list[type[Term]] = [Tier]
    for domain in (households, monitoring, payments, assets, places, people):
        found += [v for v in vars(domain).values() if isinstance(v, type) and issubclass(v, Term)]
    return [word for word in found if word is not Term]


def labels_name(word: type[Term]) -> str:
    """The template global holding a word's labels: `CaseStatus` → `CASE_STATUS_LABELS`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", word.__name__).upper() + "_LABELS"


templates = Jinja2Blocks(directory=TEMPLATES_DIR)
templates.env.filters["local_time"] = local_time
templates.env.filters["yuan"] = format_yuan
templates.env.globals |= {labels_name(word): labels(word) for word in words()}
templates.env.globals |= {
    "ROLE_LABELS": ROLE_LABELS,
    "CATEGORIES": list(Category),
    "SETTABLE_CATEGORIES": [c for c in Category if c not in PROCEDURE_CATEGORIES],
    "PROCEDURE_CATEGORIES": PROCEDURE_CATEGORIES,
    # Those who record visits get the field app (gateway/web/field.py) on every page.
    "FIELD_ROLES": frozenset(role for role in Role if allowed("POST", "/api/v1/monitoring/visits", role)),
}


def wants_fragment(request: Request) -> bool:
    """An htmx swap (not a history restore, which needs the whole page)."""
    return request.headers.get("hx-request") == "true" and "hx-history-restore-request" not in request.headers


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    block: str | list[str] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The whole page, or only `block` (or several blocks, one after another: out-of-band swaps) when htmx
    asked; sets the CSRF cookie when one was minted."""
    full_context: dict[str, Any] = {
        "principal": principal,
        "nav": nav_for(principal.role) if principal else [],
        "csrf_token": csrf_token(request),
        "region_name": None,
        "display_name": getattr(request.state, "display_name", None),
        **(context or {}),
    }
    kwargs: dict[str, Any] = {}
    if block and wants_fragment(request):
        kwargs = {"block_names": block} if isinstance(block, list) else {"block_name": block}
    response = templates.TemplateResponse(
        request,
        template,
        full_context,
        status_code=status_code,
        headers={**PAGE_HEADERS, **(headers or {})},
        **kwargs,
    )
    remember_csrf(request, response)
    return response


def renderer(labels: Mapping[str, Any]) -> Callable[..., Response]:
    """`render` for one domain's pages: its Chinese labels always in the context."""

    def show(
        request: Request,
        principal: Principal | None,
        template: str,
        context: Mapping[str, Any],
        **options: Any,
    ) -> Response:
        return render(request, template, {**labels, **context}, principal=principal, **options)

    return show


def error_page(
    request: Request, status_code: int, message: str, *, principal: Principal | None = None
) -> Response:
    """A refusal as a page in Chinese (or just its message block for htmx)."""
    return render(
        request,
        "error.html",
        {"status": status_code, "message": message},
        principal=principal,
        block="message",
        status_code=status_code,
    )
