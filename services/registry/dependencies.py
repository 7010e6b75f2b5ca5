"""Dependencies that load and validate once, so routes stay thin."""

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request

from services.registry import households, regions
from services.registry.models import Household, Region
from shared.auth import Principal, PrincipalDep, require_roles
from shared.crypto import FieldCipher
from shared.db import SessionDep
from shared.errors import Forbidden
from shared.roles import Role
from shared.service_auth import is_service_client


async def region_in_scope(
    session: SessionDep, principal: PrincipalDep, code: Annotated[str, Path(pattern=r"^\d{6}(\d{3}){0,2}$")]
) -> Region:
    return await regions.get_region(session, principal=principal, code=code)


RegionDep = Annotated[Region, Depends(region_in_scope)]


async def household_in_scope(
    session: SessionDep, principal: PrincipalDep, household_id: uuid.UUID
) -> Household:
    return await households.get_household(session, principal=principal, household_id=household_id)


async def get_cipher(request: Request) -> FieldCipher:
    cipher: FieldCipher = request.app.state.cipher
    return cipher


HouseholdDep = Annotated[Household, Depends(household_in_scope)]
CipherDep = Annotated[FieldCipher, Depends(get_cipher)]

# Who registers and maintains households: the village "两委", and the township and banner above them.
Registrar = Annotated[
    Principal, Depends(require_roles(Role.village_official, Role.township_official, Role.banner_official))
]


def category_changer(
    principal: Annotated[
        Principal,
        Depends(
            require_roles(Role.village_official, Role.township_official, Role.banner_official, Role.service)
        ),
    ],
) -> Principal:
    """The registrars, and of the services only monitoring, whose procedure moves households in and out."""
    if principal.role == Role.service and not is_service_client(principal, "monitoring"):
        raise Forbidden("只有监测服务可以变更农牧户类别")
    return principal


CategoryChanger = Annotated[Principal, Depends(category_changer)]


def monitoring_client(principal: Annotated[Principal, Depends(require_roles(Role.service))]) -> Principal:
    """Only the monitoring service's own client: its visits' findings set a household's 三保障 flags."""
    if not is_service_client(principal, "monitoring"):
        raise Forbidden("只有监测服务可以报告走访发现的保障情况")
    return principal


MonitoringClient = Annotated[Principal, Depends(monitoring_client)]
# Everyone who may read the registry (a bank may not).
Reader = Annotated[Principal, Depends(require_roles(*(set(Role) - {Role.bank})))]
