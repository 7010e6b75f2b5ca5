"""Demo resettlement sites: one per township, named as the demo households' free-text site, each with its
facilities (a few gaps, some with follow-up projects, one or two overdue), linked to those households."""

import uuid
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.demo import RESETTLEMENT_SITES
from services.registry.models import Household, ResettlementSite, SiteFacility
from shared.vocabulary.places import Facility, FacilityStatus

SITE_NAMESPACE = uuid.UUID("5f0c6a52-31c1-4b8e-9a39-0d1c6f3e2b71")
DEMO_KEEPER = "demo-seed"
CAPACITY_MARGIN = 20

# The facilities that are not adequate, per township: (status, follow-up project, its due date).
FOLLOW_UP: dict[str, dict[Facility, tuple[FacilityStatus, str | None, date | None]]] = {
    "150625100": {
        Facility.elderly_care: (FacilityStatus.in_progress, "幸福家园互助养老服务中心", date(2027, 6, 30)),
    },
    "150625101": {
        Facility.waste_and_sewage: (FacilityStatus.gap, None, None),
        Facility.public_toilets: (FacilityStatus.in_progress, "新民村安置点公厕改造", date(2026, 10, 31)),
    },
    "150625102": {
        Facility.telecoms: (FacilityStatus.gap, None, None),
        Facility.school: (FacilityStatus.gap, None, None),
        Facility.clinic: (FacilityStatus.in_progress, "牧民新村标准化卫生室", date(2027, 5, 31)),
    },
    "150625103": {
        Facility.waste_and_sewage: (FacilityStatus.in_progress, "沿黄移民新村污水管网", date(2026, 9, 30)),
    },
    "150625104": {},
    "150625200": {
        Facility.water: (FacilityStatus.in_progress, "嘎查集中安置点供水管网延伸", date(2027, 8, 31)),
        Facility.roads: (FacilityStatus.gap, None, None),
        Facility.elderly_care: (FacilityStatus.gap, None, None),
    },
}


def site_id(name: str) -> uuid.UUID:
    return uuid.uuid5(SITE_NAMESPACE, name)


async def seed_sites(session: AsyncSession) -> int:
    """Add the demo sites not yet present and link the households that name them; returns sites added."""
    existing = set((await session.exec(select(ResettlementSite.name))).all())
    added = 0
    for township, name in RESETTLEMENT_SITES.items():
        if name in existing:
            continue
        named = select(func.count()).where(Household.resettlement_site == name)
        linked = (await session.exec(named)).one()
        site = ResettlementSite(
            id=site_id(name), name=name, region_code=township, capacity=linked + CAPACITY_MARGIN
        )
        session.add(site)
        await session.flush()
        follow_up = FOLLOW_UP.get(township, {})
        session.add_all(
            SiteFacility(
                site_id=site.id,
                facility=facility,
                status=status,
                project_name=project,
                project_due_on=due_on,
                updated_by=DEMO_KEEPER,
            )
            for facility in Facility
            for status, project, due_on in [follow_up.get(facility, (FacilityStatus.adequate, None, None))]
        )
        await session.exec(  # type: ignore[call-overload]
            update(Household)
            .where(col(Household.resettlement_site) == name)
            .values(resettlement_site_id=site.id)
        )
        added += 1
    await session.flush()
    return added
