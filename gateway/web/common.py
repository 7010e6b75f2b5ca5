"""What every page handler shares: the sign-in redirect, the refusals' wording, and the region tree."""

from typing import Any
from urllib.parse import quote

import httpx
from fastapi import Request, status
from fastapi.responses import RedirectResponse

from gateway.upstreams import Upstreams
from shared.auth import Principal
from shared.errors import Unavailable

CSRF_REFUSED = "页面已过期或请求来源无法确认（CSRF 校验失败），请返回并刷新页面后重试。"
NOT_ALLOWED = "您的角色无权使用此功能。"
REGISTRY_DOWN = "登记服务暂时不可用，请稍后再试。"


def to_login(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(path, safe='/')}", status_code=status.HTTP_303_SEE_OTHER)


async def call_registry(
    request: Request, principal: Principal, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """Call the registry on the caller's token (pages never read a service's database); may raise
    `Unavailable`."""
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.call(
        "registry", method, path, token=principal.token, request_id=request.state.request_id, **kwargs
    )


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
