"""The policy table (补贴政策) of a year and its versions; a new version is the banner's."""

import asyncio
from datetime import date
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import region_names, region_tree, this_year
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import went_to
from gateway.web.payments.service import (
    FIRST_POLICY_YEAR,
    HINTS,
    PAYMENTS_DOWN,
    POLICIES,
    POLICY_MISSING,
    Form,
    call_payments,
    clean_year,
    payments_json,
    show,
    years,
    yuan_text,
)
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary import labels
from shared.vocabulary.households import SchoolStage
from shared.vocabulary.payments import Kind, Mode

router = page_router()
DISABILITY_GRADES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
MayGetPolicies = Annotated[Principal, Depends(PageUser(("GET", POLICIES)))]
MayPutPolicies = Annotated[Principal, Depends(PageUser(("PUT", POLICIES)))]


# --- policies ------------------------------------------------------------------------------------------


def item_label(item: dict[str, Any]) -> str:
    """A policy row in Chinese: 肉羊出栏补贴, 教育生活补贴 · 初中, or 重度残疾人护理补贴 · 一级."""
    label = labels(Kind).get(item["kind"], item.get("label", item["kind"]))
    stage = item.get("school_stage")
    if stage in set(SchoolStage) and stage != SchoolStage.none:
        return f"{label} · {SchoolStage(stage).label}"
    grade = item.get("disability_grade")
    return f"{label} · {DISABILITY_GRADES.get(grade, grade)}" if grade else label


async def policy_history(request: Request, principal: Principal, year: int) -> list[dict[str, Any]]:
    """The versions in force over the years (the API answers per year): each with the years it priced."""
    span = list(range(FIRST_POLICY_YEAR, max(year, this_year()) + 2))
    answers = await asyncio.gather(
        *(call_payments(request, principal, "GET", POLICIES, params={"year": y}) for y in span),
        return_exceptions=True,
    )
    versions: dict[str, dict[str, Any]] = {}
    for y, answer in zip(span, answers, strict=True):
        if not isinstance(answer, httpx.Response) or answer.status_code != status.HTTP_200_OK:
            continue
        body = answer.json()
        versions.setdefault(body["id"], body | {"years": []})["years"].append(y)
    return sorted(versions.values(), key=lambda v: v["version"], reverse=True)


def policy_form(policy: dict[str, Any]) -> Form:
    """The new-version form, filled with the rates of the table shown (in yuan)."""
    values: dict[str, Any] = {"effective_from": ""}
    for index, item in enumerate(policy["items"]):
        values[f"rate-{index}"] = yuan_text(item.get("rate_fen"))
        values[f"cap-{index}"] = "" if item.get("cap_quantity") is None else str(item["cap_quantity"])
    return Form(values=values)


async def policy_page(
    request: Request,
    principal: Principal,
    year: int,
    *,
    form: Form | None = None,
    done: dict[str, Any] | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    policy, history, tree = await asyncio.gather(
        payments_json(request, principal, POLICIES, missing=POLICY_MISSING, params={"year": year}),
        policy_history(request, principal, year),
        region_tree(request, principal),
    )
    can_edit = allowed("PUT", POLICIES, principal.role)
    context = {
        "policy": policy,
        "rows": [item | {"title": item_label(item)} for item in policy["items"]],
        "history": history,
        "year": year,
        "years": years(year),
        "can_edit": can_edit,
        "form": form or policy_form(policy),
        "done": done,
        "region_name": region_names(tree or []).get(principal.region),
    }
    return show(request, principal, "payments/policy.html", context, block=block, status_code=status_code)


@router.get("/payments/policies")
async def policies(request: Request, principal: MayGetPolicies, year: str = "") -> Response:
    return await policy_page(request, principal, clean_year(year, this_year()) or this_year())


@router.post("/payments/policies")
async def new_policy_version(request: Request, principal: MayPutPolicies) -> Response:
    """A new version of the table shown: the same rows, the rates and caps typed (yuan → fen, exactly)."""
    submitted = await request.form()
    year = clean_year(str(submitted.get("year") or ""), this_year()) or this_year()
    try:
        base = await payments_json(
            request, principal, POLICIES, missing=POLICY_MISSING, params={"year": year}
        )
        names = ["effective_from"] + [
            f"{kind}-{i}" for i in range(len(base["items"])) for kind in ("rate", "cap")
        ]
        form = await Form.of(request, names)
        items = []
        for index, item in enumerate(base["items"]):
            row = {k: item.get(k) for k in ("kind", "mode", "unit", "school_stage", "disability_grade")}
            if item["mode"] == Mode.case_by_case:
                items.append(row | {"rate_fen": None, "cap_quantity": None})
                continue
            rate = form.fen(f"rate-{index}", positive=True)
            cap = item.get("cap_quantity")  # a per-member item's (the loan: once a life) is not typed
            if item["mode"] == Mode.per_unit:
                cap = form.whole(f"cap-{index}", low=1, high=100_000)
            elif item["mode"] == Mode.per_member_month:
                cap = form.whole(f"cap-{index}", low=1, high=12)
            items.append(row | {"rate_fen": rate, "cap_quantity": cap})
        try:
            date.fromisoformat(form.values["effective_from"])
        except ValueError:
            form.errors["effective_from"] = HINTS["effective_from"]
        if form.has_errors:
            return await policy_page(
                request, principal, year, form=form, block="policy_form", status_code=422
            )
        body = {"effective_from": form.values["effective_from"], "items": items}
        answer = await call_payments(request, principal, "PUT", POLICIES, json=body)
        if answer.status_code == status.HTTP_201_CREATED:
            created = answer.json()
            return went_to(request, f"/payments/policies?year={year}&created={created['version']}")
        if answer.status_code == status.HTTP_401_UNAUTHORIZED:
            raise SignedOut
        form.absorb(answer, "新版本未能保存，请检查后重试。")
        return await policy_page(request, principal, year, form=form, block="policy_form", status_code=422)
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None
