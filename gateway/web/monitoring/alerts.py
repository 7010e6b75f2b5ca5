"""Alerts (预警): the list grouped by household (each a link to its file), turning one into a case — offered
only while the household has no case open, else a link to that case — or dismissing it with a reason."""

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import detail_of
from gateway.web.monitoring.service import (
    CASES,
    HINTS,
    MONITORING,
    MONITORING_DOWN,
    PAGE_SIZE,
    call_monitoring,
    chinese,
    monitoring_json,
    show,
)
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.monitoring import CLOSED_STATUSES, AlertStatus

router = page_router()
MayGetAlerts = Annotated[Principal, Depends(PageUser(("GET", f"{MONITORING}/alerts")))]
MayDecideAlerts = Annotated[
    Principal, Depends(PageUser(("POST", f"{MONITORING}/alerts/{{id}}/{{decision}}")))
]


def alert_groups(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's alerts by household, in the order the households first appear."""
    groups: dict[str, dict[str, Any]] = {}
    for alert in alerts:
        key = alert["household_id"]
        groups.setdefault(key, {"household_id": key, "alerts": []})["alerts"].append(alert)
    return list(groups.values())


async def open_case_of(request: Request, principal: Principal, household_id: str) -> dict[str, Any] | None:
    """The household's case still in the procedure, if the service can say (else the page offers a new one
    and the service refuses a second)."""
    params = {"household_id": household_id, "page_size": 5}
    try:
        answer = await call_monitoring(request, principal.token, "GET", CASES, params=params)
    except Unavailable:
        return None
    if answer.status_code != status.HTTP_200_OK:
        return None
    return next((c for c in answer.json()["items"] if c["status"] not in CLOSED_STATUSES), None)


async def alerts_page(
    request: Request,
    principal: Principal,
    alert_status: str,
    page: int,
    *,
    problem: str | None = None,
    done: str | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    params: dict[str, str | int] = {"page": page, "page_size": PAGE_SIZE}
    if alert_status:
        params["status"] = alert_status
    result, tree = await asyncio.gather(
        monitoring_json(request, principal, f"{MONITORING}/alerts", params=params),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    groups = alert_groups(result["items"])
    cases = await asyncio.gather(*(open_case_of(request, principal, g["household_id"]) for g in groups))
    for group, case in zip(groups, cases, strict=True):
        group["open_case"] = case
    context = {
        "result": result,
        "groups": groups,
        "alert_status": alert_status,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "problem": problem,
        "done": done,
        "can_act": allowed("POST", f"{MONITORING}/alerts/{{id}}/open-case", principal.role),
        "alert_statuses": list(AlertStatus),
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "monitoring/alerts.html", context, block=block, status_code=status_code)


@router.get("/monitoring/alerts")
async def alert_list(
    request: Request,
    principal: MayGetAlerts,
    status_filter: Annotated[str, Query(alias="status")] = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    alert_status = status_filter if status_filter in set(AlertStatus) else ""
    return await alerts_page(request, principal, alert_status, page, block="alert_results")


@router.post("/monitoring/alerts/{alert_id}/{decision}")
async def decide_alert(
    request: Request, principal: MayDecideAlerts, alert_id: str, decision: str
) -> Response:
    """转为监测对象 (open-case) or 忽略 (dismiss, with a reason)."""
    try:
        api_path = f"{MONITORING}/alerts/{uuid.UUID(alert_id)}/{decision}"
    except ValueError:
        raise Refusal(404, "未找到该预警。") from None
    if decision not in ("open-case", "dismiss"):
        raise Refusal(404, "未找到该预警。")
    reason = str((await request.form()).get("reason") or "").strip()
    problem = done = None
    if decision == "dismiss" and not 2 <= len(reason) <= 500:
        problem = HINTS["reason"]
    else:
        body = {"reason": reason} if decision == "dismiss" else {}
        try:
            answer = await call_monitoring(request, principal.token, "POST", api_path, json=body)
        except Unavailable:
            answer = None
            problem = MONITORING_DOWN
        if answer is not None and answer.status_code in (200, 201):
            done = "已转为监测对象。" if decision == "open-case" else "预警已忽略。"
        elif answer is not None:
            problem = detail_of(answer, "操作未能完成，请刷新页面后重试。", say=chinese)
    return await alerts_page(
        request,
        principal,
        "open",
        1,
        problem=problem,
        done=done,
        block="alert_results",
        status_code=422 if problem else 200,
    )
