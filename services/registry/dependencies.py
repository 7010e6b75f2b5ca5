"""Dependencies that load and validate once, so routes stay thin."""

from typing import Annotated

from fastapi import Depends, Path

from services.registry import service
from services.registry.models import Region
from shared.auth import PrincipalDep
from shared.db import SessionDep


async def region_in_scope(
    session: SessionDep, principal: PrincipalDep, code: Annotated[str, Path(pattern=r"^\d{6}(\d{3}){0,2}$")]
) -> Region:
    return await service.get_region(session, principal=principal, code=code)


RegionDep = Annotated[Region, Depends(region_in_scope)]
