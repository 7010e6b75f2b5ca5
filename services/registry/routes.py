"""The registry's public API (API.md "Registry")."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.registry import service
from services.registry.dependencies import RegionDep
from services.registry.schemas import RegionCreate, RegionPublic, RegionUpdate
from shared.auth import Principal, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.roles import Role

router = APIRouter(prefix="/api/v1", tags=["regions"])

BannerAdmin = Annotated[Principal, Depends(require_roles(Role.banner_admin))]
BannerStaff = Annotated[Principal, Depends(require_roles(Role.banner_admin, Role.banner_official))]


@router.get("/regions", response_model=list[RegionPublic])
async def list_regions(
    session: SessionDep,
    principal: PrincipalDep,
    under: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
) -> list[RegionPublic]:
    """The region tree within the caller's scope (its roots, children nested)."""
    return await service.region_tree(session, principal=principal, under=under)


@router.get("/regions/{code}", response_model=RegionPublic)
async def get_region(session: SessionDep, principal: PrincipalDep, region: RegionDep) -> RegionPublic:
    """One region with its children in scope; 404 outside the caller's scope."""
    [node] = await service.region_tree(session, principal=principal, under=region.code)
    return node


@router.post("/regions", response_model=RegionPublic, status_code=status.HTTP_201_CREATED)
async def create_village(session: SessionDep, principal: BannerAdmin, data: RegionCreate) -> RegionPublic:
    """Add a village (嘎查村) under one of the townships."""
    return await service.create_village(session, principal=principal, data=data)


@router.patch("/regions/{code}", response_model=RegionPublic)
async def update_region(
    session: SessionDep, principal: BannerStaff, region: RegionDep, data: RegionUpdate
) -> RegionPublic:
    """Rename a region or flag a village as a focus village (重点帮扶村)."""
    return await service.update_region(session, principal=principal, region=region, data=data)
