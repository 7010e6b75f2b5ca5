"""Resettlement sites' API (API.md "Places, partners and people"; seed §五(四))."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.registry import sites
from services.registry.dependencies import Reader, Registrar
from services.registry.models import ResettlementSite
from services.registry.site_schemas import (
    FacilityPublic,
    FacilityUpdate,
    SiteCreate,
    SiteLink,
    SiteLinked,
    SitePage,
    SitePublic,
    TownshipGaps,
)
from shared.auth import Principal, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.roles import Role
from shared.vocabulary.places import Facility

site_router = APIRouter(prefix="/api/v1/resettlement-sites", tags=["resettlement_sites"])
REGION_CODE = r"^\d{6}(\d{3}){0,2}$"

# Sites and their facilities are followed up by the townships and the banner (seed §五(四)).
SiteKeeper = Annotated[Principal, Depends(require_roles(Role.township_official, Role.banner_official))]


async def site_in_scope(session: SessionDep, principal: PrincipalDep, site_id: uuid.UUID) -> ResettlementSite:
    return await sites.get_site(session, principal=principal, site_id=site_id)


async def site_serving_scope(
    session: SessionDep, principal: PrincipalDep, site_id: uuid.UUID
) -> ResettlementSite:
    return await sites.get_serving_site(session, principal=principal, site_id=site_id)


SiteDep = Annotated[ResettlementSite, Depends(site_in_scope)]
ServingSiteDep = Annotated[ResettlementSite, Depends(site_serving_scope)]


@site_router.get("", response_model=SitePage)
async def list_sites(
    session: SessionDep,
    principal: Reader,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SitePage:
    """Sites placed in the caller's scope, with their households and open gaps counted."""
    items, total = await sites.list_sites(
        session, principal=principal, region=region, page=page, page_size=page_size
    )
    return SitePage(items=items, total=total, page=page, page_size=page_size)


@site_router.post("", response_model=SitePublic, status_code=status.HTTP_201_CREATED)
async def create_site(session: SessionDep, principal: SiteKeeper, data: SiteCreate) -> SitePublic:
    """Record a site in a township or village with its nine facilities."""
    return await sites.create_site(session, principal=principal, data=data)


@site_router.get("/gaps", response_model=list[TownshipGaps])
async def site_gaps(
    session: SessionDep, principal: Reader, region: Annotated[str | None, Query(pattern=REGION_CODE)] = None
) -> list[TownshipGaps]:
    """Facilities not yet adequate, per township, with their follow-up projects and those overdue."""
    return await sites.township_gaps(session, principal=principal, region=region)


@site_router.get("/{site_id}", response_model=SitePublic)
async def get_site(session: SessionDep, principal: Reader, site: SiteDep) -> SitePublic:
    """A site, its facilities, its households in scope and the share of its working-age people in work."""
    return await sites.site_public(session, principal=principal, site=site)


@site_router.put("/{site_id}/facilities/{facility}", response_model=FacilityPublic)
async def update_facility(
    session: SessionDep, principal: SiteKeeper, site: SiteDep, facility: Facility, data: FacilityUpdate
) -> FacilityPublic:
    """Record a facility's state and the project that closes its gap."""
    return await sites.update_facility(session, principal=principal, site=site, facility=facility, data=data)


@site_router.post("/{site_id}/households", response_model=SiteLinked)
async def link_households(
    session: SessionDep, principal: Registrar, site: ServingSiteDep, data: SiteLink
) -> SiteLinked:
    """Link relocated households of the caller's scope to a site in its scope or its town (their own
    record says so)."""
    return await sites.link_households(
        session, principal=principal, site=site, household_ids=data.household_ids
    )
