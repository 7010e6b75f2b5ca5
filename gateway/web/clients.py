"""What every page handler shares: calling a service on the caller's token, turning its refusals into
Chinese pages, the sign-in redirect, and the region tree."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import Request, status
from fastapi.responses import RedirectResponse, Response

from gateway.upstreams import Upstreams
from gateway.web.render import DISPLAY_TZ, error_page
from shared.auth import Principal
from shared.errors import Unavailable

CSRF_REFUSED = "页面已过期或请求来源无法确认（CSRF 校验失败），请返回并刷新页面后重试。"
NOT_ALLOWED = "您的角色无权使用此功能。"
SERVICE_LABELS = {
    "registry": "登记服务",
    "monitoring": "防返贫监测服务",
    "payments": "补贴发放服务",
    "assets": "资产服务",
}
BAD_QUERY = "查询条件有误，请返回重新选择。"
HOUSEHOLDS = "/api/v1/households"
PICKER_SIZE = 8


def service_down(service: str) -> str:
    return f"{SERVICE_LABELS[service]}暂时不可用，请稍后再试。"


REGISTRY_DOWN = service_down("registry")


def to_login(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(path, safe='/')}", status_code=status.HTTP_303_SEE_OTHER)


def signed_out(next_path: str) -> Response:
    """For an htmx request whose session has ended: send the browser to the sign-in page."""
    return Response(
        status_code=status.HTTP_401_UNAUTHORIZED, headers={"HX-Redirect": f"/login?next={next_path}"}
    )


def this_year() -> int:
    return datetime.now(DISPLAY_TZ).year


async def call_service(
    request: Request, service: str, method: str, path: str, *, token: str, **kwargs: Any
) -> httpx.Response:
    """Call a service on `token` (the caller's; pages never read a service's database); may raise
    `Unavailable`."""
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.call(
        service, method, path, token=token, request_id=request.state.request_id, **kwargs
    )


async def call_registry(
    request: Request, principal: Principal, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    return await call_service(request, "registry", method, path, token=principal.token, **kwargs)


@dataclass
class Refusal(Exception):
    """A service's answer cannot be shown as asked: what the page should answer instead."""

    response: Response


def refusal(
    request: Request, principal: Principal, answer: httpx.Response, *, service: str, missing: str
) -> Refusal:
    """A service's error as a Chinese page: 404 (also for records outside the scope), 403, 401, a bad
    query, or the service being down."""
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        return Refusal(to_login(request.url.path))
    if answer.status_code == status.HTTP_404_NOT_FOUND:
        return Refusal(error_page(request, 404, missing, principal=principal))
    if answer.status_code == status.HTTP_403_FORBIDDEN:
        return Refusal(error_page(request, 403, NOT_ALLOWED, principal=principal))
    if answer.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:
        return Refusal(error_page(request, 400, BAD_QUERY, principal=principal))
    return Refusal(error_page(request, 503, service_down(service), principal=principal))


async def service_json(
    request: Request, principal: Principal, service: str, path: str, *, missing: str, **kwargs: Any
) -> Any:
    """GET a service's resource as JSON on the caller's token, or raise a `Refusal` page."""
    try:
        answer = await call_service(request, service, "GET", path, token=principal.token, **kwargs)
    except Unavailable:
        raise Refusal(error_page(request, 503, service_down(service), principal=principal)) from None
    if answer.status_code != status.HTTP_200_OK:
        raise refusal(request, principal, answer, service=service, missing=missing)
    return answer.json()


async def region_tree(request: Request, principal: Principal) -> list[dict[str, Any]] | None:
    """The caller's region tree from the registry, on the caller's token; None when it cannot be had."""
    try:
        response = await call_registry(request, principal, "GET", "/api/v1/regions")
    except Unavailable:
        return None
    if response.status_code != status.HTTP_200_OK:
        return None
    tree: list[dict[str, Any]] = response.json()
    return tree


def region_names(tree: list[dict[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    pending = list(tree)
    while pending:
        node = pending.pop()
        names[node["code"]] = node["name"]
        pending.extend(node.get("children", []))
    return names


async def household_choices(request: Request, principal: Principal, q: str) -> dict[str, Any]:
    """A household picker's choices: households in scope whose name or number matches (registry search)."""
    q = q.strip()[:50]
    found: list[dict[str, Any]] = []
    problem = None
    if q:
        try:
            answer = await call_registry(
                request, principal, "GET", HOUSEHOLDS, params={"q": q, "page_size": PICKER_SIZE}
            )
            found = answer.json()["items"] if answer.status_code == status.HTTP_200_OK else []
        except Unavailable:
            problem = "登记服务暂时不可用，无法查找农牧户。"
    names = region_names(await region_tree(request, principal) or [])
    return {"found": found, "q": q, "problem": problem, "region_names": names}
