"""百企兴百村 (seed §五(七)): the banner's ranking of enterprise–village partnerships by what they delivered,
a partnership's commitments and deliveries with the delivery form, and the form that pairs an enterprise
with a village."""

import asyncio
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.assets.service import (
    ENTITIES,
    PARTNERSHIP_MISSING,
    PARTNERSHIPS,
    Form,
    assets_json,
    call_assets,
    catalogue,
    clean_region,
    resource_path,
    show,
)
from gateway.web.clients import region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import send, villages, went_to
from shared.auth import Principal
from shared.vocabulary.assets import CommitmentKind

router = page_router()
MayGetPartnerships = Annotated[Principal, Depends(PageUser(("GET", PARTNERSHIPS)))]
MayPostPartnerships = Annotated[Principal, Depends(PageUser(("POST", PARTNERSHIPS)))]
MayDeliver = Annotated[Principal, Depends(PageUser(("POST", f"{PARTNERSHIPS}/{{id}}/deliveries")))]

# One row per kind of commitment; a row left empty is not promised.
COMMITMENT_FIELDS = tuple(f"{name}-{kind}" for kind in CommitmentKind for name in ("amount", "due_on"))
PARTNERSHIP_FIELDS = ("enterprise_id", "region_code", "signed_on", "commitments", *COMMITMENT_FIELDS)
DELIVERY_FIELDS = ("commitment_id", "amount", "delivered_on", "evidence")


def bp_share(bp: int) -> str:
    """A delivered share in basis points as the pages say it."""
    return f"{bp / 100:.1f}%"


def partnership_path(raw_id: str) -> str:
    path = resource_path(PARTNERSHIPS, raw_id)
    if path is None:
        raise Refusal(404, PARTNERSHIP_MISSING)
    return path


def counted(form: Form, name: str, kind: str) -> int | None:
    """A commitment's or delivery's amount: jobs as a head count, money typed in yuan as fen."""
    if kind == CommitmentKind.jobs:
        return form.whole(name, low=1, high=1_000_000)
    return form.fen(name, positive=True)


async def ranking_page(
    request: Request,
    principal: Principal,
    *,
    region: str = "",
    form: Form | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    params = {"region": region} if region else {}
    ranking, tree, entities = await asyncio.gather(
        assets_json(request, principal, f"{PARTNERSHIPS}/ranking", params=params),
        region_tree(request, principal),
        catalogue(request, principal, ENTITIES),
    )
    names = region_names(tree or [])
    context = {
        "ranking": ranking["items"],
        "region": region,
        "villages": villages(tree or []),
        "enterprises": [e for e in entities if e["credit_code"]],
        "form": form or Form(values=dict.fromkeys(PARTNERSHIP_FIELDS, "")),
        "bp_share": bp_share,
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_create": allowed("POST", PARTNERSHIPS, principal.role),
    }
    return show(request, principal, "assets/partnerships.html", context, status_code=status_code)


@router.get("/assets/partnerships")
async def partnership_ranking(
    request: Request, principal: MayGetPartnerships, region: Annotated[str, Query(max_length=12)] = ""
) -> Response:
    return await ranking_page(request, principal, region=clean_region(region))


def commitments(form: Form) -> list[dict[str, Any]]:
    """The commitments typed, one per kind whose amount was filled in; at least one."""
    found = []
    for kind in CommitmentKind:
        if not form.values[f"amount-{kind}"]:
            continue
        found.append(
            {
                "kind": kind,
                "amount": counted(form, f"amount-{kind}", kind),
                "due_on": form.day(f"due_on-{kind}"),
            }
        )
    if not found:
        form.errors["commitments"] = "请至少填写一项承诺"
    return found


@router.post("/assets/partnerships")
async def create_partnership(request: Request, principal: MayPostPartnerships) -> Response:
    """Pair an enterprise with a village through POST /api/v1/assets/partnerships."""
    form = await Form.of(request, PARTNERSHIP_FIELDS)
    for name in ("enterprise_id", "region_code"):
        if not form.values[name]:
            form.errors[name] = form.hint(name if name != "region_code" else "region")
    payload = {
        "enterprise_id": form.values["enterprise_id"],
        "region_code": form.values["region_code"],
        "signed_on": form.day("signed_on"),
        "commitments": commitments(form),
    }
    created = await send(
        form,
        lambda: call_assets(request, principal, "POST", PARTNERSHIPS, json=payload),
        service="assets",
        missing=PARTNERSHIP_MISSING,
        fallback="结对帮扶未能登记，请检查后重试。",
    )
    if created is None:
        return await ranking_page(request, principal, form=form, status_code=422)
    return went_to(request, f"/assets/partnerships/{created['id']}")


async def partnership_page(
    request: Request,
    principal: Principal,
    partnership_id: str,
    *,
    form: Form | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    partnership, tree = await asyncio.gather(
        assets_json(request, principal, partnership_path(partnership_id), missing=PARTNERSHIP_MISSING),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "partnership": partnership,
        "kinds": {c["id"]: c["kind"] for c in partnership["commitments"]},
        "form": form or Form(values=dict.fromkeys(DELIVERY_FIELDS, "")),
        "bp_share": bp_share,
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_deliver": allowed("POST", f"{PARTNERSHIPS}/{{id}}/deliveries", principal.role),
    }
    return show(request, principal, "assets/partnership.html", context, status_code=status_code)


@router.get("/assets/partnerships/{partnership_id}")
async def partnership(request: Request, principal: MayGetPartnerships, partnership_id: str) -> Response:
    return await partnership_page(request, principal, partnership_id)


@router.post("/assets/partnerships/{partnership_id}/deliveries")
async def deliver(request: Request, principal: MayDeliver, partnership_id: str) -> Response:
    """A delivery against one commitment, with its evidence; the ranking moves with it."""
    path = partnership_path(partnership_id)
    form = await Form.of(request, DELIVERY_FIELDS)
    current = await assets_json(request, principal, path, missing=PARTNERSHIP_MISSING)
    kind = next((c["kind"] for c in current["commitments"] if c["id"] == form.values["commitment_id"]), None)
    if kind is None:
        form.errors["commitment_id"] = form.hint("commitment_id")
    payload = {
        "commitment_id": form.values["commitment_id"],
        "amount": counted(form, "amount", kind) if kind else None,
        "delivered_on": form.day("delivered_on"),
        "evidence": form.values["evidence"],
    }
    saved = await send(
        form,
        lambda: call_assets(request, principal, "POST", f"{path}/deliveries", json=payload),
        service="assets",
        missing=PARTNERSHIP_MISSING,
        fallback="兑现情况未能登记，请检查后重试。",
    )
    if saved is None:
        return await partnership_page(request, principal, partnership_id, form=form, status_code=422)
    return went_to(request, f"/assets/partnerships/{partnership_id}")
