"""Calling the services for a page, on the caller's token (pages never read a service's database), and
turning their refusals into `SignedOut` or a `Refusal` with a Chinese reason; the region tree."""

from typing import Any

import httpx
from fastapi import Request, status

from gateway.upstreams import Upstreams
from gateway.web.errors import NOT_ALLOWED, Refusal, SignedOut
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable

SERVICE_LABELS = {
    "registry": "登记服务",
    "monitoring": "防返贫监测服务",
    "payments": "补贴发放服务",
    "assets": "资产服务",
}
BAD_QUERY = "查询条件有误，请返回重新选择。"
HOUSEHOLDS = "/api/v1/households"


def service_down(service: str) -> str:
    return f"{SERVICE_LABELS[service]}暂时不可用，请稍后再试。"


REGISTRY_DOWN = service_down("registry")


def this_year() -> int:
    return today().year


async def call_service(
    request: Request, service: str, method: str, path: str, *, token: str, **kwargs: Any
) -> httpx.Response:
    """Call a service on `token` (the caller's); may raise `Unavailable`."""
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.call(
        service, method, path, token=token, request_id=request.state.request_id, **kwargs
    )


async def call_registry(
    request: Request, principal: Principal, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    return await call_service(request, "registry", method, path, token=principal.token, **kwargs)


def refusal(answer: httpx.Response, *, service: str, missing: str) -> Exception:
    """A service's error as what the page answers: signed out (401), or a Chinese refusal for 404 (also
    records outside the scope), 403, a bad query, or the service being down."""
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        return SignedOut()
    if answer.status_code == status.HTTP_404_NOT_FOUND:
        return Refusal(404, missing)
    if answer.status_code == status.HTTP_403_FORBIDDEN:
        return Refusal(403, NOT_ALLOWED)
    if answer.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:
        return Refusal(400, BAD_QUERY)
    return Refusal(503, service_down(service))


async def service_json(
    request: Request, principal: Principal, service: str, path: str, *, missing: str, **kwargs: Any
) -> Any:
    """GET a service's resource as JSON on the caller's token, or raise what the page answers instead."""
    try:
        answer = await call_service(request, service, "GET", path, token=principal.token, **kwargs)
    except Unavailable:
        raise Refusal(503, service_down(service)) from None
    if answer.status_code != status.HTTP_200_OK:
        raise refusal(answer, service=service, missing=missing)
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
