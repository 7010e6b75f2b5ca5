"""Housing and drinking water per household (seed §五(一)2): dangerous-house renovations (危房改造) and
drinking-water problems with their fix — each list with the form that records one and, on each open row, the
form for its next steps (开工, 竣工, 验收 by whom; a fix started and done). Acceptance and a fix done make
the household's housing or water secure again on its registry record (the service sends it)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import went_to
from gateway.web.guarantees.service import RENOVATIONS, WATER_FIXES, GuaranteeForm, list_page
from gateway.web.monitoring.service import MONITORING_DOWN, call_monitoring, household_form_page
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary import Term
from shared.vocabulary.monitoring import HousingGrade, RenovationKind, WaterFixKind, WaterProblem

router = page_router()


def yes_or_no(value: str) -> str:
    """A true/false filter as the API takes it; anything else is no filter."""
    return value if value in ("true", "false") else ""


def chosen(form: GuaranteeForm, name: str, word: type[Term]) -> str:
    """A picked word of the vocabulary, or its field's hint."""
    if form.values[name] not in set(word):
        form.errors[name] = form.hint(name)
    return str(form.values[name])


def renovation_body(form: GuaranteeForm) -> dict[str, Any]:
    return {
        "household_id": form.values["household_id"],
        "grade": chosen(form, "grade", HousingGrade),
        "assessed_on": form.day("assessed_on"),
        "kind": chosen(form, "kind", RenovationKind),
        "subsidy_fen": form.fen("subsidy_yuan"),
        "started_on": form.optional_day("started_on"),
        "note": form.values["note"] or None,
    }


def water_fix_body(form: GuaranteeForm) -> dict[str, Any]:
    return {
        "household_id": form.values["household_id"],
        "problem": chosen(form, "problem", WaterProblem),
        "fix": chosen(form, "fix", WaterFixKind),
        "found_on": form.day("found_on"),
        "started_on": form.optional_day("started_on"),
        "note": form.values["note"] or None,
    }


@dataclass(frozen=True)
class Kept:
    """One kind of record these pages keep: its page, API list, forms and what its progress sets."""

    which: str  # the list's key and address under /guarantees/
    api: str
    form_template: str
    fields: tuple[str, ...]
    body: Callable[[GuaranteeForm], dict[str, Any]]
    first_day: str  # the day it was found or appraised: today on a new form
    closed_filter: str  # the API's filter of closed records: accepted, done
    progress: tuple[str, ...]  # the dates (and words) a row's form may set
    failed: str


RENOVATION = Kept(
    "renovations",
    RENOVATIONS,
    "guarantees/renovation_form.html",
    ("household_id", "grade", "assessed_on", "kind", "subsidy_yuan", "started_on", "note"),
    renovation_body,
    "assessed_on",
    "accepted",
    ("started_on", "completed_on", "accepted_on", "accepted_by"),
    "危房改造未能保存，请检查后重试。",
)
WATER_FIX = Kept(
    "water-fixes",
    WATER_FIXES,
    "guarantees/water_fix_form.html",
    ("household_id", "problem", "fix", "found_on", "started_on", "note"),
    water_fix_body,
    "found_on",
    "done",
    ("started_on", "done_on"),
    "饮水安全整改未能保存，请检查后重试。",
)


def add_routes(kept: Kept) -> None:
    """The list, the form that records one, and a row's progress, guarded by the API routes they call."""
    may_get, may_record = PageUser(("GET", kept.api)), PageUser(("POST", kept.api))
    may_update = PageUser(("PATCH", f"{kept.api}/{{id}}"))
    address = f"/guarantees/{kept.which}"

    async def record_list(
        request: Request,
        principal: Annotated[Principal, Depends(may_get)],
        region: Annotated[str, Query(max_length=12)] = "",
        closed: Annotated[str, Query(alias=kept.closed_filter)] = "",
        overdue: Annotated[str, Query(max_length=5)] = "",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> Response:
        filters = {"region": region, kept.closed_filter: yes_or_no(closed), "overdue": yes_or_no(overdue)}
        return await list_page(request, principal, kept.which, filters, page)

    async def new_record(
        request: Request,
        principal: Annotated[Principal, Depends(may_record)],
        household_id: str = "",
        q: str = "",
    ) -> Response:
        values = dict.fromkeys(kept.fields, "") | {"household_id": household_id}
        form = GuaranteeForm(values=values | {kept.first_day: today().isoformat()})
        return await household_form_page(request, principal, kept.form_template, form, q)

    async def record(request: Request, principal: Annotated[Principal, Depends(may_record)]) -> Response:
        form = await GuaranteeForm.of(request, kept.fields)
        body = kept.body(form)
        if not form.has_errors:
            try:
                answer = await call_monitoring(request, principal.token, "POST", kept.api, json=body)
            except Unavailable:
                form.problem = MONITORING_DOWN
            else:
                if answer.status_code == status.HTTP_201_CREATED:
                    return went_to(request, f"{address}#record-{answer.json()['id']}")
                form.absorb(answer, kept.failed)
        return await household_form_page(
            request, principal, kept.form_template, form, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )

    async def progress(
        request: Request, principal: Annotated[Principal, Depends(may_update)], record_id: str
    ) -> Response:
        try:
            path = f"{kept.api}/{uuid.UUID(record_id)}"
        except ValueError:
            raise Refusal(404, "未找到该记录，或不在您的管辖范围内。") from None
        form = await GuaranteeForm.of(request, kept.progress)
        body = {
            name: form.optional_day(name) if name.endswith("_on") else (form.values[name] or None)
            for name in kept.progress
        }
        if not any(body.values()) and not form.has_errors:
            form.problem = "请至少填写一项进度。"
        if not form.has_errors:
            try:
                answer = await call_monitoring(
                    request, principal.token, "PATCH", path, json={k: v for k, v in body.items() if v}
                )
            except Unavailable:
                form.problem = MONITORING_DOWN
            else:
                if answer.status_code == status.HTTP_200_OK:
                    return went_to(request, f"{address}#record-{record_id}")
                if answer.status_code == status.HTTP_404_NOT_FOUND:
                    raise Refusal(404, "未找到该记录，或不在您的管辖范围内。")
                form.absorb(answer, kept.failed)
        return await list_page(
            request,
            principal,
            kept.which,
            {"region": "", kept.closed_filter: ""},
            1,
            editing=(record_id, form),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    router.add_api_route(address, record_list, methods=["GET"], name=f"{kept.which}_list")
    router.add_api_route(f"{address}/new", new_record, methods=["GET"], name=f"{kept.which}_new")
    router.add_api_route(address, record, methods=["POST"], name=f"{kept.which}_record")
    router.add_api_route(
        f"{address}/{{record_id}}/progress", progress, methods=["POST"], name=f"{kept.which}_progress"
    )


for _kept in (RENOVATION, WATER_FIX):
    add_routes(_kept)
