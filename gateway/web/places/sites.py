"""Resettlement sites: the list with the gaps per township, and a site's page with its facilities, the share
of its working-age people in work, its households, and the forms that follow a facility up and link a
household."""

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import HOUSEHOLDS, call_registry, region_names, region_tree, service_json
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import REGION_PATTERN, region_groups, send, went_to
from gateway.web.places.service import PAGE_SIZE, SITE_MISSING, SITES, Form, show
from shared.auth import Principal
from shared.vocabulary.places import Facility, FacilityStatus

router = page_router()
FACILITY_ROUTE = f"{SITES}/{{id}}/facilities/{{facility}}"
LINK_ROUTE = f"{SITES}/{{id}}/households"
MayGetSites = Annotated[Principal, Depends(PageUser(("GET", SITES)))]
MayPutFacilities = Annotated[Principal, Depends(PageUser(("PUT", FACILITY_ROUTE)))]
MayLinkHouseholds = Annotated[Principal, Depends(PageUser(("POST", LINK_ROUTE)))]

FACILITY_FIELDS = ("facility", "status", "project_name", "project_due_on", "note")
LINK_FIELDS = ("household",)


@dataclass
class SiteForms:
    facility: Form = field(default_factory=lambda: Form(values=dict.fromkeys(FACILITY_FIELDS, "")))
    link: Form = field(default_factory=lambda: Form(values=dict.fromkeys(LINK_FIELDS, "")))


def site_path(raw_id: str) -> str:
    """The API path of one site; a page id that is not a UUID is a site not found."""
    try:
        return f"{SITES}/{uuid.UUID(raw_id)}"
    except ValueError:
        raise Refusal(404, SITE_MISSING) from None


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


@router.get("/places/sites")
async def site_list(
    request: Request,
    principal: MayGetSites,
    region: Annotated[str, Query(max_length=12)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Every site of the scope (or of the region picked), and below them the gaps still open per township."""
    region = region if REGION_PATTERN.fullmatch(region) else ""
    params: dict[str, Any] = {"region": region} if region else {}
    result, gaps, tree = await asyncio.gather(
        service_json(
            request,
            principal,
            "registry",
            SITES,
            missing=SITE_MISSING,
            params=params | {"page": page, "page_size": PAGE_SIZE},
        ),
        service_json(request, principal, "registry", f"{SITES}/gaps", missing=SITE_MISSING, params=params),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "result": result,
        "gaps": gaps,
        "page": page,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "region": region,
        "groups": region_groups(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "places/sites.html", context)


async def site_page(
    request: Request,
    principal: Principal,
    site_id: str,
    *,
    forms: SiteForms | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    site, tree = await asyncio.gather(
        service_json(request, principal, "registry", site_path(site_id), missing=SITE_MISSING),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "site": site,
        "forms": forms or SiteForms(),
        "work_share": percent(site["work_share"]),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_follow_up": allowed("PUT", FACILITY_ROUTE, principal.role),
        "can_link": allowed("POST", LINK_ROUTE, principal.role),
    }
    return show(request, principal, "places/site.html", context, status_code=status_code)


@router.get("/places/sites/{site_id}")
async def site(request: Request, principal: MayGetSites, site_id: str) -> Response:
    return await site_page(request, principal, site_id)


def facility_update(form: Form) -> tuple[str, dict[str, Any]]:
    """The facility picked and what the service is sent for it; the form's own errors on the way."""
    values = form.values
    if values["facility"] not in set(Facility):
        form.errors["facility"] = form.hint("facility")
    if values["status"] not in set(FacilityStatus):
        form.errors["status"] = form.hint("status")
    project = None
    if values["project_name"] or values["project_due_on"]:
        project = {"name": values["project_name"], "due_on": form.day("project_due_on")}
    return values["facility"], {
        "status": values["status"],
        "project": project,
        "note": values["note"] or None,
    }


@router.post("/places/sites/{site_id}/facilities")
async def follow_up_facility(request: Request, principal: MayPutFacilities, site_id: str) -> Response:
    """A facility's state and its follow-up project, through PUT …/facilities/{facility}."""
    path = site_path(site_id)
    form = await Form.of(request, FACILITY_FIELDS)
    facility, payload = facility_update(form)
    saved = await send(
        form,
        lambda: call_registry(request, principal, "PUT", f"{path}/facilities/{facility}", json=payload),
        service="registry",
        missing=SITE_MISSING,
        fallback="设施情况未能保存，请检查后重试。",
        expected=status.HTTP_200_OK,
    )
    if saved is None:
        return await site_page(request, principal, site_id, forms=SiteForms(facility=form), status_code=422)
    return went_to(request, f"/places/sites/{site_id}#facilities")


async def household_id(request: Request, principal: Principal, form: Form) -> str | None:
    """The one household in scope the number or name typed finds, or None with the reason beside it."""
    typed = form.values["household"][:50]
    if not typed:
        form.errors["household"] = form.hint("household")
        return None
    found = await service_json(
        request, principal, "registry", HOUSEHOLDS, missing=SITE_MISSING, params={"q": typed, "page_size": 2}
    )
    if found["total"] != 1:
        form.errors["household"] = (
            f"辖区内未找到“{typed}”" if not found["total"] else f"“{typed}”对应多户，请填写完整户编号"
        )
        return None
    return str(found["items"][0]["id"])


@router.post("/places/sites/{site_id}/households")
async def link_household(request: Request, principal: MayLinkHouseholds, site_id: str) -> Response:
    """Link a relocated household to the site, found by its number or its head's name."""
    path = site_path(site_id)
    form = await Form.of(request, LINK_FIELDS)
    found = await household_id(request, principal, form)
    saved = await send(
        form,
        lambda: call_registry(
            request, principal, "POST", f"{path}/households", json={"household_ids": [found]}
        ),
        service="registry",
        missing=SITE_MISSING,
        fallback="未能关联该户，请检查后重试。",
        expected=status.HTTP_200_OK,
    )
    if saved is None:
        return await site_page(request, principal, site_id, forms=SiteForms(link=form), status_code=422)
    return went_to(request, f"/places/sites/{site_id}#households")
