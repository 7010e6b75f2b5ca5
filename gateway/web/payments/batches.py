"""Batches (发放批次): the list and drafting, one batch through maker-checker approval to the bank with a live
progress bar and reconciliation, and its printable public disclosure list (公示名单)."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import refusal, region_names, region_tree, this_year
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import RegionOption, detail_of, went_to
from gateway.web.payments.service import (
    ACTIONS,
    BATCH,
    BATCH_MISSING,
    BATCHES,
    HINTS,
    LINES_PAGE_SIZE,
    PAGE_SIZE,
    PAYMENTS,
    PAYMENTS_DOWN,
    Form,
    ListFilters,
    batch_path,
    batch_regions,
    call_payments,
    clean_year,
    offered,
    payments_json,
    show,
    years,
)
from shared.auth import Principal
from shared.errors import Unavailable
from shared.regions import Tier, is_within
from shared.vocabulary import labels
from shared.vocabulary.payments import BatchStatus, Kind, LineStatus

router = page_router()
MayGetBatches = Annotated[Principal, Depends(PageUser(("GET", BATCHES)))]
MayPostBatches = Annotated[Principal, Depends(PageUser(("POST", BATCHES)))]
MayGetBatch = Annotated[Principal, Depends(PageUser(("GET", BATCH)))]
MayGetReconciliation = Annotated[Principal, Depends(PageUser(("GET", f"{BATCH}/reconciliation")))]
MayPostBatchSteps = Annotated[Principal, Depends(PageUser(("POST", f"{BATCH}/{{action}}")))]
MayGetBatchNotice = Annotated[Principal, Depends(PageUser(("GET", f"{BATCH}/notice")))]
OBJECTIONS = f"{BATCH}/lines/{{lid}}/objections"
SETTLE = f"{PAYMENTS}/objections/{{id}}/settle"
MayObject = Annotated[Principal, Depends(PageUser(("POST", OBJECTIONS)))]
MaySettle = Annotated[Principal, Depends(PageUser(("POST", SETTLE)))]


# --- batches -------------------------------------------------------------------------------------------

BATCH_FIELDS = ("year", "kind", "region")


def blank_batch_form(principal: Principal) -> Form:
    return Form(values={"year": str(this_year()), "kind": Kind.sheep.value, "region": principal.region})


async def batch_list_page(
    request: Request,
    principal: Principal,
    filters: ListFilters,
    *,
    form: Form | None = None,
    block: str | None = "batch_results",
    status_code: int = status.HTTP_200_OK,
) -> Response:
    result, tree = await asyncio.gather(
        payments_json(request, principal, BATCHES, params=filters.api_params()),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "filters": filters,
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "years": years(this_year()),
        "regions": batch_regions(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_create": allowed("POST", BATCHES, principal.role),
        "form": form or blank_batch_form(principal),
    }
    return show(request, principal, "payments/batches.html", context, block=block, status_code=status_code)


@router.get("/payments", dependencies=[Depends(PageUser())])
async def payments_home(request: Request) -> Response:
    return went_to(request, "/payments/batches")


@router.get("/payments/batches")
async def batch_list(
    request: Request,
    principal: MayGetBatches,
    status: str = "",
    year: str = "",
    kind: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = ListFilters(
        status=status if status in set(BatchStatus) else "",
        year=clean_year(year),
        kind=kind if kind in set(Kind) else "",
        page=page,
    )
    return await batch_list_page(request, principal, filters)


@router.post("/payments/batches")
async def create_batch(request: Request, principal: MayPostBatches) -> Response:
    """Draft a batch of every unbatched claim or entitlement of the kind, year and region; then show it."""
    form = await Form.of(request, BATCH_FIELDS)
    year = form.whole("year", low=2013, high=2100)
    if form.values["kind"] not in set(Kind):
        form.errors["kind"] = HINTS["kind"]
    if not form.values["region"] or not is_within(form.values["region"], principal.region):
        form.errors["region"] = HINTS["region"]
    try:
        if form.has_errors:
            return await batch_list_page(
                request, principal, ListFilters(), form=form, block="batch_form", status_code=422
            )
        body = {"year": year, "kind": form.values["kind"], "region": form.values["region"]}
        answer = await call_payments(request, principal, "POST", BATCHES, json=body)
        if answer.status_code == status.HTTP_201_CREATED:
            return went_to(request, f"/payments/batches/{answer.json()['id']}")
        if answer.status_code == status.HTTP_401_UNAUTHORIZED:
            raise SignedOut
        form.absorb(answer, "批次未能生成，请检查后重试。")
        return await batch_list_page(
            request, principal, ListFilters(), form=form, block="batch_form", status_code=422
        )
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None


@dataclass(frozen=True)
class Progress:
    """How far the bank has got with a batch: lines settled (paid, failed or returned) of all lines."""

    batch: dict[str, Any]
    reconciliation: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.reconciliation.get("counts") or {})

    @property
    def settled(self) -> int:
        return sum(self.counts.get(s, 0) for s in (LineStatus.paid, LineStatus.failed, LineStatus.returned))

    @property
    def percent(self) -> int:
        lines = self.batch["line_count"]
        return 100 if not lines else self.settled * 100 // lines

    @property
    def balances(self) -> bool:
        r = self.reconciliation
        return bool(r["total_fen"] == r["paid_fen"] + r["failed_fen"] + r["pending_fen"])

    @property
    def polling(self) -> bool:
        """Poll while the bank is still answering; the fragment without the trigger stops it."""
        return bool(self.batch["status"] == BatchStatus.disbursing)


async def load_progress(request: Request, principal: Principal, path: str) -> Progress:
    batch, reconciliation = await asyncio.gather(
        payments_json(request, principal, path), payments_json(request, principal, f"{path}/reconciliation")
    )
    return Progress(batch, reconciliation)


async def batch_page(
    request: Request,
    principal: Principal,
    path: str,
    *,
    page: int = 1,
    problem: str | None = None,
    done: str | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The batch: its facts, the actions the caller may take now, progress, reconciliation and lines."""
    progress, lines, tree = await asyncio.gather(
        load_progress(request, principal, path),
        payments_json(
            request, principal, f"{path}/lines", params={"page": page, "page_size": LINES_PAGE_SIZE}
        ),
        region_tree(request, principal),
    )
    batch = progress.batch
    names = region_names(tree or [])
    posted = batch["status"] == BatchStatus.submitted and bool(batch.get("notice_until"))
    objections = (
        (await payments_json(request, principal, f"{path}/objections", params={"page_size": 100}))["items"]
        if posted and allowed("GET", f"{path}/objections", principal.role)
        else []
    )
    actions = [
        (name, action)
        for name, action in ACTIONS.items()
        if offered(action, batch, principal.subject) and allowed("POST", f"{path}/{name}", principal.role)
    ]
    context = {
        "batch": batch,
        "progress": progress,
        "lines": lines,
        "line_pages": max(1, -(-lines["total"] // LINES_PAGE_SIZE)),
        "actions": actions,
        "problem": problem,
        "done": done,
        "region_names": names,
        "region_name": names.get(principal.region),
        "objections": objections,
        # a line with an open objection waits for the township: it is not offered a second one
        "objected": {o["line_id"] for o in objections if not o["settled_at"]},
        "can_object": posted and notice_open(batch) and allowed("POST", OBJECTIONS, principal.role),
        "can_settle": allowed("POST", SETTLE, principal.role),
    }
    return show(request, principal, "payments/batch.html", context, block=block, status_code=status_code)


def notice_open(batch: dict[str, Any]) -> bool:
    """Whether the batch's notice is still posted: objections are heard only then."""
    until = batch.get("notice_until")
    return bool(until) and datetime.fromisoformat(until) > datetime.now(UTC)


async def objection_step(
    request: Request, principal: Principal, batch_id: str, api_path: str, body: dict[str, Any], done: str
) -> Response:
    """Raise or settle an objection, then show the batch with what was done, or the service's reason."""
    path = batch_path(batch_id)
    if path is None:
        raise Refusal(404, BATCH_MISSING)
    try:
        answer = await call_payments(request, principal, "POST", api_path, json=body)
        if answer.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED):
            return await batch_page(request, principal, path, done=done, block="batch_body")
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="payments", missing=BATCH_MISSING)
        problem = detail_of(answer, "未能记录，请检查填写的内容后重试。")
        return await batch_page(
            request, principal, path, problem=problem, block="batch_body", status_code=422
        )
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None


@router.post("/payments/batches/{batch_id}/lines/{line_id}/objections")
async def raise_objection(request: Request, principal: MayObject, batch_id: str, line_id: str) -> Response:
    """An objection heard during the notice: the line is held until the township settles it."""
    form = await Form.of(request, ("reason",))
    try:
        api_path = f"{batch_path(batch_id)}/lines/{uuid.UUID(line_id)}/objections"
    except ValueError:
        raise Refusal(404, BATCH_MISSING) from None
    body = {"reason": form.values["reason"]}
    done = "异议已记录，待苏木镇处理；处理前本批次不能审批。"
    return await objection_step(request, principal, batch_id, api_path, body, done)


@router.post("/payments/batches/{batch_id}/objections/{objection_id}/settle")
async def settle_objection(
    request: Request, principal: MaySettle, batch_id: str, objection_id: str
) -> Response:
    """The township's decision: upheld takes the line out of the batch, dismissed keeps it."""
    form = await Form.of(request, ("outcome", "note"))
    try:
        api_path = f"{PAYMENTS}/objections/{uuid.UUID(objection_id)}/settle"
    except ValueError:
        raise Refusal(404, BATCH_MISSING) from None
    body = {"outcome": form.values["outcome"], "note": form.values["note"]}
    return await objection_step(request, principal, batch_id, api_path, body, "异议已处理。")


@router.get("/payments/batches/{batch_id}")
async def batch_detail(
    request: Request, principal: MayGetBatch, batch_id: str, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    path = batch_path(batch_id)
    if path is None:
        raise Refusal(404, BATCH_MISSING)
    return await batch_page(request, principal, path, page=page, block="batch_lines")


@router.get("/payments/batches/{batch_id}/progress")
async def batch_progress(request: Request, principal: MayGetReconciliation, batch_id: str) -> Response:
    """The progress, reconciliation and lines, polled every 2 s while the batch is disbursing; once the bank
    has answered every line, the whole batch is shown again (its steps and actions too) and polling stops."""
    path = batch_path(batch_id)
    if path is None:
        raise Refusal(404, BATCH_MISSING)
    progress, lines, tree = await asyncio.gather(
        load_progress(request, principal, path),
        payments_json(request, principal, f"{path}/lines", params={"page_size": LINES_PAGE_SIZE}),
        region_tree(request, principal),
    )
    if not progress.polling:
        final = await batch_page(request, principal, path, block="batch_body")
        final.headers.update({"HX-Retarget": "#batch-body", "HX-Reswap": "outerHTML"})
        return final
    context = {
        "batch": progress.batch,
        "progress": progress,
        "lines": lines,
        "line_pages": max(1, -(-lines["total"] // LINES_PAGE_SIZE)),
        "region_names": region_names(tree or []),
        "oob": True,
    }
    blocks = ["batch_progress", "batch_status", "batch_lines"]
    return show(request, principal, "payments/batch.html", context, block=blocks)


@router.post("/payments/batches/{batch_id}/{action}")
async def batch_action(
    request: Request, principal: MayPostBatchSteps, batch_id: str, action: str
) -> Response:
    """Submit, approve, disburse, return (with its reason), cancel, or pay failed lines again (then show the
    new batch); a refusal (the maker approving, the notice still posted, a status moved on) is shown in
    Chinese as the service words it, above the buttons."""
    path = batch_path(batch_id)
    if path is None or action not in ACTIONS:
        raise Refusal(404, BATCH_MISSING)
    form = await Form.of(request, ("reason",))
    body = {"reason": form.values["reason"]} if action == "return" else None
    try:
        answer = await call_payments(request, principal, "POST", f"{path}/{action}", json=body)
        if answer.status_code == status.HTTP_201_CREATED:
            return went_to(request, f"/payments/batches/{answer.json()['id']}")
        if answer.status_code == status.HTTP_200_OK:
            return await batch_page(request, principal, path, done=ACTIONS[action].done, block="batch_body")
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="payments", missing=BATCH_MISSING)
        problem = detail_of(answer, "操作未能完成，请刷新页面后重试。")
        return await batch_page(
            request, principal, path, problem=problem, block="batch_body", status_code=422
        )
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None


def notice_regions(tree: list[dict[str, Any]], batch_region: str) -> list[RegionOption]:
    """The levels a batch's notice may be printed for: its region and the regions under it in scope."""
    inside = [o for o in batch_regions(tree) if is_within(o.code, batch_region)]
    return inside or [o for o in batch_regions(tree) if is_within(batch_region, o.code)][-1:]


@router.get("/payments/batches/{batch_id}/notice")
async def batch_notice(
    request: Request, principal: MayGetBatchNotice, batch_id: str, region: str = ""
) -> Response:
    """The printable public disclosure list (公示名单), names and ID numbers masked by the service."""
    path = batch_path(batch_id)
    if path is None:
        raise Refusal(404, BATCH_MISSING)
    params = {"region": region.strip()} if region.strip().isdigit() else {}
    notice, tree = await asyncio.gather(
        payments_json(request, principal, f"{path}/notice", params=params),
        region_tree(request, principal),
    )
    context = {
        "notice": notice,
        "level": labels(Tier).get(notice["level"], ""),
        "tiers": labels(Tier),
        "regions": notice_regions(tree or [], notice["region_code"]),
    }
    return show(request, principal, "payments/notice.html", context)
