"""Dependencies that load and validate once, so routes stay thin: the clock, the registry, a case in scope."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from services.monitoring import cases, housing_water
from services.monitoring.clients import RegistryClient
from services.monitoring.models import HousingRenovation, MonitoringCase, WaterFix
from shared.auth import Principal, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.months import BEIJING
from shared.roles import Role

Clock = Callable[[], datetime]


def current_time(request: Request) -> datetime:
    """Now, from the app's clock (`app.state.clock`, which tests replace to move time), in the banner's time
    zone: `now.date()` is the officials' today, so a visit or follow-up dated today on a page is never "after
    today" between midnight and 08:00 Beijing time. The instant is the same; it is stored in UTC."""
    clock: Clock = request.app.state.clock
    return clock().astimezone(BEIJING)


def get_registry(request: Request) -> RegistryClient:
    registry: RegistryClient = request.app.state.registry
    return registry


async def case_in_scope(session: SessionDep, principal: PrincipalDep, case_id: uuid.UUID) -> MonitoringCase:
    return await cases.get_case(session, principal=principal, case_id=case_id)


async def renovation_in_scope(
    session: SessionDep, principal: PrincipalDep, renovation_id: uuid.UUID
) -> HousingRenovation:
    return await housing_water.get_renovation(session, principal=principal, renovation_id=renovation_id)


async def water_fix_in_scope(session: SessionDep, principal: PrincipalDep, fix_id: uuid.UUID) -> WaterFix:
    return await housing_water.get_water_fix(session, principal=principal, fix_id=fix_id)


NowDep = Annotated[datetime, Depends(current_time)]
RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
CaseDep = Annotated[MonitoringCase, Depends(case_in_scope)]
RenovationDep = Annotated[HousingRenovation, Depends(renovation_in_scope)]
WaterFixDep = Annotated[WaterFix, Depends(water_fix_in_scope)]


def _roles(*roles: Role) -> object:
    return Depends(require_roles(*roles))


# Who reads monitoring data: the officials of every tier, the departments and the auditor.
Reader = Annotated[
    Principal,
    _roles(
        Role.banner_admin,
        Role.banner_official,
        Role.township_official,
        Role.village_official,
        Role.work_team,
        Role.department_officer,
        Role.auditor,
    ),
]
# Who opens cases, records reliefs and measures, and handles alerts: the three tiers and the work team.
Caseworker = Annotated[
    Principal, _roles(Role.village_official, Role.work_team, Role.township_official, Role.banner_official)
]
# The procedure's own steps check roles in `rules.next_status`; any of these may attempt one.
Stepper = Annotated[
    Principal,
    _roles(
        Role.village_official,
        Role.work_team,
        Role.township_official,
        Role.banner_official,
        Role.department_officer,
    ),
]
Visitor = Annotated[Principal, _roles(Role.village_official, Role.work_team)]
TownshipOfficial = Annotated[Principal, _roles(Role.township_official)]
DepartmentStaff = Annotated[Principal, _roles(Role.department_officer, Role.banner_official)]
BannerStaff = Annotated[Principal, _roles(Role.banner_admin, Role.banner_official)]
# The gateway relays the public self-report form with its own service token (role banner_official).
Relay = Annotated[Principal, _roles(Role.banner_official)]
# Who records a member's guarantees (控辍保学 follow-ups, insurance, reimbursements) and a household's
# housing and water (危房改造, 饮水): the village, the work team and the tiers above, and the departments
# whose data it is (教育, 医保, 住建, 水利).
GuaranteeRecorder = Stepper
