"""The asset register: the list and registration, one asset with its incomes and status history."""

import asyncio
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.assets.service import (
    ASSET_MISSING,
    ASSETS,
    ASSETS_DOWN,
    ENTITIES,
    PAGE_SIZE,
    PLANS,
    Form,
    assets_json,
    call_assets,
    catalogue,
    clean_region,
    clean_year,
    holders,
    resource_path,
    show,
)
from gateway.web.clients import refusal, region_names, region_tree, this_year
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import region_groups, went_to
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.assets import AssetClass, AssetStatus

router = page_router()
MayGetAssets = Annotated[Principal, Depends(PageUser(("GET", ASSETS)))]
MayPostAssets = Annotated[Principal, Depends(PageUser(("POST", ASSETS)))]
MayGetAsset = Annotated[Principal, Depends(PageUser(("GET", f"{ASSETS}/{{id}}")))]
MayPostIncomes = Annotated[Principal, Depends(PageUser(("POST", f"{ASSETS}/{{id}}/incomes")))]
MayPostStatus = Annotated[Principal, Depends(PageUser(("POST", f"{ASSETS}/{{id}}/status")))]


# --- the asset register --------------------------------------------------------------------------------

ASSET_FIELDS = (
    "name",
    "asset_class",
    "region_code",
    "project",
    "funding_source",
    "funding_year",
    "value_yuan",
    "operator_entity_id",
)


@dataclass(frozen=True)
class AssetFilters:
    asset_class: str = ""
    region: str = ""
    year: int | None = None
    page: int = 1

    def query(self, **changes: Any) -> str:
        values = {
            "asset_class": self.asset_class,
            "region": self.region,
            "year": self.year,
            "page": self.page,
        }
        values |= changes
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})

    def api_params(self) -> dict[str, str | int]:
        params: dict[str, str | int] = {"page": self.page, "page_size": PAGE_SIZE}
        for key, value in (("asset_class", self.asset_class), ("region", self.region), ("year", self.year)):
            if value:
                params[key] = value
        return params


def blank_asset_form(principal: Principal) -> Form:
    values = dict.fromkeys(ASSET_FIELDS, "")
    values |= {
        "asset_class": AssetClass.operating,
        "region_code": principal.region if len(principal.region) > 6 else "",
        "funding_year": str(this_year()),
    }
    return Form(values=values)


async def asset_list_page(
    request: Request,
    principal: Principal,
    filters: AssetFilters,
    *,
    form: Form,
    block: str,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    result, tree, operators = await asyncio.gather(
        assets_json(request, principal, ASSETS, params=filters.api_params()),
        region_tree(request, principal),
        catalogue(request, principal, ENTITIES),
    )
    names = region_names(tree or [])
    context = {
        "filters": filters,
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "region_groups": region_groups(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
        "holders": holders(tree or []),
        "operators": operators,
        "form": form,
        "can_register": allowed("POST", ASSETS, principal.role),
        "this_year": this_year(),
    }
    return show(
        request,
        principal,
        "assets/assets.html",
        context,
        block=block,
        status_code=status_code,
        headers=headers,
    )


@router.get("/assets")
async def asset_list(
    request: Request,
    principal: MayGetAssets,
    asset_class: str = "",
    region: str = "",
    year: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = AssetFilters(
        asset_class=asset_class if asset_class in set(AssetClass) else "",
        region=clean_region(region),
        year=clean_year(year),
        page=page,
    )
    # The address bar shows the filters that apply, without the empty ones the form sent.
    canonical = {"HX-Push-Url": "/assets" + (f"?{filters.query()}" if filters.query() else "")}
    return await asset_list_page(
        request, principal, filters, form=blank_asset_form(principal), block="results", headers=canonical
    )


@router.post("/assets")
async def register_asset(request: Request, principal: MayPostAssets) -> Response:
    """Register an asset through POST /api/v1/assets; its refusals go next to the fields."""
    form = await Form.of(request, ASSET_FIELDS)
    values = form.values
    payload = {
        "name": values["name"],
        "asset_class": values["asset_class"],
        "region_code": values["region_code"],
        "project": values["project"] or None,
        "funding_source": values["funding_source"],
        "funding_year": form.whole("funding_year", low=2014, high=2100),
        "value_fen": form.fen("value_yuan"),
        "operator_entity_id": values["operator_entity_id"] or None,
    }
    try:
        if not form.has_errors:
            answer = await call_assets(request, principal, "POST", ASSETS, json=payload)
            if answer.status_code == status.HTTP_201_CREATED:
                return went_to(request, f"/assets/{answer.json()['id']}")
            if answer.status_code == status.HTTP_401_UNAUTHORIZED:
                raise SignedOut
            form.absorb(answer, "资产未能登记，请检查后重试。")
        return await asset_list_page(
            request, principal, AssetFilters(), form=form, block="asset_form", status_code=422
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


@dataclass
class AssetForms:
    income: Form = field(default_factory=lambda: Form(values={"year": "", "amount_yuan": "", "note": ""}))
    status_change: Form = field(default_factory=lambda: Form(values={"status": "", "reason": ""}))


async def asset_detail_page(
    request: Request,
    principal: Principal,
    asset_id: str,
    *,
    forms: AssetForms | None = None,
    block: str | list[str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    path = resource_path(ASSETS, asset_id)
    if path is None:
        raise Refusal(404, ASSET_MISSING)
    asset, tree, operators = await asyncio.gather(
        assets_json(request, principal, path),
        region_tree(request, principal),
        catalogue(request, principal, ENTITIES),
    )
    names = region_names(tree or [])
    forms = forms or AssetForms()
    if not forms.income.values["year"]:
        recorded = {income["year"] for income in asset["incomes"]}
        forms.income.values["year"] = str(
            next((y for y in range(this_year() - 1, asset["funding_year"] - 1, -1) if y not in recorded), "")
        )
    operator = next((e for e in operators if e["id"] == asset["operator_entity_id"]), None)
    context = {
        "asset": asset,
        "history": list(reversed(asset["status_history"])),
        "incomes": list(reversed(asset["incomes"])),
        "income_total": sum(income["amount_fen"] for income in asset["incomes"]),
        "holder_name": names.get(asset["region_code"], asset["region_code"]),
        "region_name": names.get(principal.region),
        "operator": operator,
        "forms": forms,
        "can_income": asset["asset_class"] == AssetClass.operating
        and allowed("POST", f"{path}/incomes", principal.role),
        # a village's income is distributed by a plan of that village (a township's asset has no plan)
        "can_plan": asset["asset_class"] == AssetClass.operating
        and len(asset["region_code"]) == 12
        and allowed("POST", PLANS, principal.role),
        "can_status": asset["status"] != AssetStatus.disposed
        and allowed("POST", f"{path}/status", principal.role),
        "oob": isinstance(block, list),
        "this_year": this_year(),
    }
    return show(request, principal, "assets/asset.html", context, block=block, status_code=status_code)


def asset_path(asset_id: str) -> str:
    """The asset's API path, or a 404 for an id that is not one."""
    path = resource_path(ASSETS, asset_id)
    if path is None:
        raise Refusal(404, ASSET_MISSING)
    return path


@router.post("/assets/{asset_id}/incomes")
async def add_income(request: Request, principal: MayPostIncomes, asset_id: str) -> Response:
    """Record a year's income (经营性资产收益); the answer refreshes the incomes panel in place."""
    path = asset_path(asset_id)
    form = await Form.of(request, ("year", "amount_yuan", "note"))
    payload = {
        "year": form.whole("year", low=2014, high=2100),
        "amount_fen": form.fen("amount_yuan"),
        "note": form.values["note"] or None,
    }
    try:
        if not form.has_errors:
            answer = await call_assets(request, principal, "POST", f"{path}/incomes", json=payload)
            if answer.status_code == status.HTTP_201_CREATED:
                income = answer.json()
                done = AssetForms(income=Form(values={"year": "", "amount_yuan": "", "note": ""}))
                done.income.done = f"已登记 {income['year']} 年度收益。"
                return await asset_detail_page(
                    request, principal, asset_id, forms=done, block=["incomes", "asset_head"]
                )
            if answer.status_code in (401, 403, 404):
                raise refusal(answer, service="assets", missing=ASSET_MISSING)
            form.absorb(answer, "收益未能登记，请检查后重试。")
        forms = AssetForms(income=form)
        return await asset_detail_page(
            request, principal, asset_id, forms=forms, block="incomes", status_code=422
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


@router.post("/assets/{asset_id}/status")
async def change_status(request: Request, principal: MayPostStatus, asset_id: str) -> Response:
    """Change an asset's status with a reason; the answer refreshes the head and the history in place."""
    path = asset_path(asset_id)
    form = await Form.of(request, ("status", "reason"))
    try:
        answer = await call_assets(request, principal, "POST", f"{path}/status", json=form.values)
        if answer.status_code == status.HTTP_201_CREATED:
            done = AssetForms()
            done.status_change.done = f"状态已变更为{AssetStatus(answer.json()['to_status']).label}。"
            return await asset_detail_page(
                request, principal, asset_id, forms=done, block=["status_panel", "asset_head"]
            )
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="assets", missing=ASSET_MISSING)
        form.absorb(answer, "状态未能变更，请检查后重试。")
        return await asset_detail_page(
            request,
            principal,
            asset_id,
            forms=AssetForms(status_change=form),
            block="status_panel",
            status_code=422,
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


# --- one asset (last: `/assets/{asset_id}` would shadow the paths above) ---------------------------------


@router.get("/assets/{asset_id}")
async def asset_detail(request: Request, principal: MayGetAsset, asset_id: str) -> Response:
    return await asset_detail_page(request, principal, asset_id)
