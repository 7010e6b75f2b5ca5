"""Consumption assistance (消费帮扶, seed §五(三)3): a certified product's four checks as recorded decisions
with the check form, its sales by channel with the income that reached the supplying households, and the
sale form."""

import asyncio
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.assets.service import (
    ENTITIES,
    PAGE_SIZE,
    PRODUCT_MISSING,
    PRODUCTS,
    Form,
    assets_json,
    call_assets,
    catalogue,
    resource_path,
    show,
)
from gateway.web.clients import HOUSEHOLDS, call_registry, region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import send, went_to
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.assets import CertificationCheck, SalesChannel

router = page_router()
CHECKS_ROUTE = f"{PRODUCTS}/{{id}}/checks"
SALES_ROUTE = f"{PRODUCTS}/{{id}}/sales"
MayGetSales = Annotated[Principal, Depends(PageUser(("GET", SALES_ROUTE)))]
MayDecideChecks = Annotated[Principal, Depends(PageUser(("POST", CHECKS_ROUTE)))]
MayRecordSales = Annotated[Principal, Depends(PageUser(("POST", SALES_ROUTE)))]

CHECK_FIELDS = ("check", "passed", "note")
SALE_FIELDS = ("channel", "sold_on", "amount_yuan", "buyer", "household_incomes")


@dataclass
class ProductForms:
    check: Form = field(default_factory=lambda: Form(values=dict.fromkeys(CHECK_FIELDS, "")))
    sale: Form = field(
        default_factory=lambda: Form(values=dict.fromkeys(SALE_FIELDS, "") | {"sold_on": today().isoformat()})
    )
    incomes: dict[str, str] = field(default_factory=dict)  # household id → yuan typed


def product_path(raw_id: str) -> str:
    path = resource_path(PRODUCTS, raw_id)
    if path is None:
        raise Refusal(404, PRODUCT_MISSING)
    return path


async def suppliers(request: Request, principal: Principal, household_ids: list[str]) -> list[dict[str, Any]]:
    """The producer's supplying households in the caller's scope, by number and head, for the sale form."""
    if not household_ids:
        return []
    try:
        answer = await call_registry(
            request, principal, "POST", f"{HOUSEHOLDS}/lookup", json={"household_ids": household_ids}
        )
    except Unavailable:
        return []
    return list(answer.json()["items"]) if answer.status_code == status.HTTP_200_OK else []


async def product_page(
    request: Request,
    principal: Principal,
    product_id: str,
    *,
    page: int = 1,
    forms: ProductForms | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    path = product_path(product_id)
    sales, product, entities, tree = await asyncio.gather(
        assets_json(
            request,
            principal,
            f"{path}/sales",
            missing=PRODUCT_MISSING,
            params={"page": page, "page_size": PAGE_SIZE},
        ),
        assets_json(request, principal, path, missing=PRODUCT_MISSING),
        catalogue(request, principal, ENTITIES),
        region_tree(request, principal),
    )
    producer = next((e for e in entities if e["id"] == product["entity_id"]), None)
    households = await suppliers(request, principal, producer["supplier_household_ids"] if producer else [])
    names = region_names(tree or [])
    decided = {c["check"]: c for c in product["checks"]}
    context = {
        "product": product,
        "checks": [(check, decided.get(check)) for check in CertificationCheck],
        "sales": sales,
        "page": page,
        "pages": max(1, -(-sales["total"] // PAGE_SIZE)),
        "households": households,
        "household_names": {h["id"]: f"{h['head_name']}（{h['number']}）" for h in households},
        "forms": forms or ProductForms(),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_check": allowed("POST", CHECKS_ROUTE, principal.role),
        "can_sell": allowed("POST", SALES_ROUTE, principal.role),
    }
    return show(request, principal, "assets/product.html", context, status_code=status_code)


@router.get("/assets/products/{product_id}")
async def product(
    request: Request,
    principal: MayGetSales,
    product_id: str,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return await product_page(request, principal, product_id, page=page)


@router.post("/assets/products/{product_id}/checks")
async def decide_check(request: Request, principal: MayDecideChecks, product_id: str) -> Response:
    """A decision on one of the four checks (质量、价格、诚信、效益关), with its reason."""
    path = product_path(product_id)
    form = await Form.of(request, CHECK_FIELDS)
    if form.values["check"] not in set(CertificationCheck):
        form.errors["check"] = form.hint("check")
    if form.values["passed"] not in ("yes", "no"):
        form.errors["passed"] = form.hint("passed")
    if not 1 <= len(form.values["note"]) <= 500:
        form.errors["note"] = "请填写审核意见（最多 500 字）"
    payload = {
        "check": form.values["check"],
        "passed": form.values["passed"] == "yes",
        "note": form.values["note"],
    }
    saved = await send(
        form,
        lambda: call_assets(request, principal, "POST", f"{path}/checks", json=payload),
        service="assets",
        missing=PRODUCT_MISSING,
        fallback="审核结果未能登记，请检查后重试。",
    )
    if saved is None:
        return await product_page(
            request, principal, product_id, forms=ProductForms(check=form), status_code=422
        )
    return went_to(request, f"/assets/products/{product_id}")


@router.post("/assets/products/{product_id}/sales")
async def record_sale(request: Request, principal: MayRecordSales, product_id: str) -> Response:
    """A sale by channel and what it paid each supplying household (one amount per household, in yuan)."""
    path = product_path(product_id)
    form = await Form.of(request, SALE_FIELDS)
    submitted = await request.form()
    typed = {
        key.removeprefix("income-"): str(value).strip()
        for key, value in submitted.items()
        if key.startswith("income-") and str(value).strip()
    }
    incomes = []
    for household_id, yuan in typed.items():
        form.values[f"income-{household_id}"] = yuan
        amount = form.fen(f"income-{household_id}", positive=True)
        incomes.append({"household_id": household_id, "amount_fen": amount})
    if any(name.startswith("income-") for name in form.errors):
        form.errors["household_incomes"] = form.hint("household_incomes")
    if form.values["channel"] not in set(SalesChannel):
        form.errors["channel"] = form.hint("channel")
    payload = {
        "channel": form.values["channel"],
        "sold_on": form.day("sold_on"),
        "amount_fen": form.fen("amount_yuan", positive=True),
        "buyer": form.values["buyer"] or None,
        "household_incomes": incomes,
    }
    saved = await send(
        form,
        lambda: call_assets(request, principal, "POST", f"{path}/sales", json=payload),
        service="assets",
        missing=PRODUCT_MISSING,
        fallback="销售未能登记，请检查后重试。",
    )
    if saved is None:
        forms = ProductForms(sale=form, incomes=typed)
        return await product_page(request, principal, product_id, forms=forms, status_code=422)
    return went_to(request, f"/assets/products/{product_id}")
