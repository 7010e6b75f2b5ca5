"""The catalogues: operating entities (经营主体) and certified products, each a list with its form."""

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.assets.service import (
    ASSET_MISSING,
    ASSETS_DOWN,
    ENTITIES,
    PAGE_SIZE,
    PRODUCTS,
    Form,
    assets_json,
    call_assets,
    catalogue,
    holders,
    show,
)
from gateway.web.clients import refusal, region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
MayGetEntities = Annotated[Principal, Depends(PageUser(("GET", ENTITIES)))]
MayPostEntities = Annotated[Principal, Depends(PageUser(("POST", ENTITIES)))]
MayGetProducts = Annotated[Principal, Depends(PageUser(("GET", PRODUCTS)))]
MayPostProducts = Annotated[Principal, Depends(PageUser(("POST", PRODUCTS)))]


# --- entities and products -----------------------------------------------------------------------------

ENTITY_FIELDS = ("name", "kind", "region_code", "credit_code", "contact")
PRODUCT_FIELDS = ("name", "entity_id", "category", "certified_on", "certificate_no", "valid_until")


@dataclass(frozen=True)
class Catalogue:
    """One of the two catalogue pages: its list, its form and the API they use."""

    path: str
    api: str
    template: str
    fields: tuple[str, ...]
    changed: str  # the htmx event that makes the list refresh itself
    saved: str  # "已登记{name}。"


ENTITY_PAGE = Catalogue(
    "/assets/entities",
    ENTITIES,
    "assets/entities.html",
    ENTITY_FIELDS,
    "entities-changed",
    "已登记经营主体{name}。",
)
PRODUCT_PAGE = Catalogue(
    "/assets/products",
    PRODUCTS,
    "assets/products.html",
    PRODUCT_FIELDS,
    "products-changed",
    "已认定扶贫产品{name}。",
)


async def catalogue_page(
    request: Request,
    principal: Principal,
    page_of: Catalogue,
    *,
    form: Form,
    page: int = 1,
    block: str,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    result, tree, entities = await asyncio.gather(
        assets_json(request, principal, page_of.api, params={"page": page, "page_size": PAGE_SIZE}),
        region_tree(request, principal),
        catalogue(request, principal, ENTITIES),  # the products form picks one; the entity list names them
    )
    names = region_names(tree or [])
    context = {
        "result": result,
        "page": page,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "form": form,
        "holders": holders(tree or []),
        "entities": entities,
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_create": allowed("POST", page_of.api, principal.role),
    }
    return show(
        request, principal, page_of.template, context, block=block, status_code=status_code, headers=headers
    )


async def catalogue_list(request: Request, principal: Principal, page_of: Catalogue, page: int) -> Response:
    form = Form(values=dict.fromkeys(page_of.fields, ""))
    return await catalogue_page(request, principal, page_of, form=form, page=page, block="table")


async def catalogue_create(request: Request, principal: Principal, page_of: Catalogue) -> Response:
    form = await Form.of(request, page_of.fields)
    payload = {name: value or None for name, value in form.values.items()}
    try:
        answer = await call_assets(request, principal, "POST", page_of.api, json=payload)
        if answer.status_code == status.HTTP_201_CREATED:
            done = Form(
                values=dict.fromkeys(page_of.fields, ""),
                done=page_of.saved.format(name=answer.json()["name"]),
            )
            return await catalogue_page(
                request, principal, page_of, form=done, block="form", headers={"HX-Trigger": page_of.changed}
            )
        if answer.status_code in (401, 403):
            raise refusal(answer, service="assets", missing=ASSET_MISSING)
        form.absorb(answer, "未能保存，请检查后重试。")
        return await catalogue_page(request, principal, page_of, form=form, block="form", status_code=422)
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


@router.get("/assets/entities")
async def entity_list(
    request: Request, principal: MayGetEntities, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    return await catalogue_list(request, principal, ENTITY_PAGE, page)


@router.post("/assets/entities")
async def create_entity(request: Request, principal: MayPostEntities) -> Response:
    return await catalogue_create(request, principal, ENTITY_PAGE)


@router.get("/assets/products")
async def product_list(
    request: Request, principal: MayGetProducts, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    return await catalogue_list(request, principal, PRODUCT_PAGE, page)


@router.post("/assets/products")
async def certify_product(request: Request, principal: MayPostProducts) -> Response:
    return await catalogue_create(request, principal, PRODUCT_PAGE)
