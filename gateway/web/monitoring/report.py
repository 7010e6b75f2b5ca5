"""The public one-click self-report form (一键申报): no sign-in; relayed on a short token the gateway mints
for itself, rate-limited per applicant, never echoing an ID number back."""

import re
from typing import Any

from fastapi import Request, status
from fastapi.responses import Response

from gateway.ratelimit import report_wait
from gateway.tokens import TokenIssuer
from gateway.upstreams import Upstreams
from gateway.web.deps import page_router
from gateway.web.forms import CJK, villages
from gateway.web.monitoring.service import HINTS, MONITORING, MonitoringForm, call_monitoring, show
from shared.errors import Unavailable
from shared.idnumber import InvalidIdNumber, parse_id_number
from shared.regions import BANNER_CODE
from shared.roles import Role
from shared.vocabulary.monitoring import RiskType

router = page_router()
PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")


REPORT_FIELDS = ("village_code", "name", "phone", "id_number", "description", "authorisation")


def gateway_token(request: Request) -> str:
    """A short-lived token of the gateway itself (it is the issuer), for the public form's calls."""
    issuer: TokenIssuer = request.app.state.issuer
    return issuer.issue(subject="svc-gateway", role=Role.banner_official, region=BANNER_CODE).access_token


async def public_villages(request: Request, token: str) -> list[tuple[str, str]] | None:
    try:
        upstreams: Upstreams = request.app.state.upstreams
        answer = await upstreams.call(
            "registry", "GET", "/api/v1/regions", token=token, request_id=request.state.request_id
        )
    except Unavailable:
        return None
    if answer.status_code != status.HTTP_200_OK:
        return None
    return [(o.code, o.label) for o in villages(answer.json())]


async def report_page(
    request: Request,
    form: MonitoringForm,
    *,
    token: str | None = None,
    received: dict[str, Any] | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    options = None if received else await public_villages(request, token or gateway_token(request))
    context = {
        "form": form,
        "villages": options or [],
        "received": received,
        "villages_down": options is None,
    }
    return show(request, None, "monitoring/report.html", context, status_code=status_code, headers=headers)


def blank_report_form() -> MonitoringForm:
    return MonitoringForm(values=dict.fromkeys(REPORT_FIELDS, "") | {"risk_types": []})


@router.get("/report")
async def report_form(request: Request) -> Response:
    return await report_page(request, blank_report_form())


@router.post("/report")
async def submit_report(request: Request) -> Response:
    """Relay the report to POST /api/v1/monitoring/self-reports on the gateway's own token; never echo
    the ID number back."""
    form = await MonitoringForm.of(request, REPORT_FIELDS)
    risks = [str(r) for r in (await request.form()).getlist("risk_types") if str(r) in set(RiskType)]
    form.values["risk_types"] = risks
    values = form.values
    token = gateway_token(request)
    options = await public_villages(request, token) or []
    if values["village_code"] not in {code for code, _ in options}:
        form.errors["village_code"] = HINTS["village_code"]
    name = form.text("name", low=1, high=50)
    if not PHONE.fullmatch(values["phone"]):
        form.errors["phone"] = HINTS["phone"]
    try:
        id_number = parse_id_number(values["id_number"].upper()).number
    except InvalidIdNumber as exc:
        id_number = None
        form.errors["id_number"] = str(exc) if CJK.search(str(exc)) else "身份证号有误，请核对"
    if not risks:
        form.errors["risk_types"] = HINTS["risk_types"]
    description = form.text("description", low=2, high=1000)
    if values["authorisation"] != "on":
        form.errors["authorisation"] = "请阅读并勾选承诺授权"
    if form.has_errors:
        form.values["id_number"] = ""  # an ID number is never echoed back into the page
        return await report_page(request, form, token=token, status_code=422)
    # Only a valid submission counts, so a typo does not use up the allowance (gateway/ratelimit.py).
    wait = await report_wait(request, id_number=str(id_number), phone=values["phone"])
    if wait:
        form.values["id_number"] = ""
        form.problem = "提交过于频繁：同一申报人每小时最多提交 5 次，请稍后再试，或直接联系所在嘎查村委会。"
        return await report_page(
            request, form, token=token, status_code=429, headers={"Retry-After": str(wait)}
        )
    body = {
        "village_code": values["village_code"],
        "name": name,
        "phone": values["phone"],
        "id_number": id_number,
        "description": description,
        "risk_types": risks,
        "authorisation_signed": True,
    }
    form.values["id_number"] = ""
    try:
        answer = await call_monitoring(request, token, "POST", f"{MONITORING}/self-reports", json=body)
    except Unavailable:
        form.problem = "系统暂时无法受理，请稍后再试，或直接联系所在嘎查村委会。"
        return await report_page(request, form, token=token, status_code=503)
    if answer.status_code == status.HTTP_201_CREATED:
        return await report_page(request, form, received=answer.json(), status_code=201)
    form.absorb(answer, "提交未成功，请检查后重试。")
    return await report_page(request, form, token=token, status_code=422)
