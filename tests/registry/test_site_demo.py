"""The demo's resettlement sites: one per township, each demo relocated household linked to its own, a few
gaps with follow-up projects; seeding twice adds nothing."""

import pytest
from sqlmodel import select

from services.registry.demo import RESETTLEMENT_SITES, seed_households
from services.registry.models import Household, ResettlementSite, SiteFacility
from services.registry.seed import seed_villages
from services.registry.site_demo import seed_sites
from shared.crypto import FieldCipher
from shared.db import Database
from shared.settings import Settings
from shared.vocabulary.places import FacilityStatus

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_demo_sites_hold_the_demo_relocated_households(settings: Settings) -> None:
    cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
    db = Database.from_url(settings.database_url("registry"))
    try:
        async with db.session_scope() as session:
            await seed_villages(session)
            await seed_households(session, cipher=cipher, n=600)
        async with db.session_scope() as session:
            assert await seed_sites(session) == len(RESETTLEMENT_SITES)
        async with db.session_scope() as session:
            assert await seed_sites(session) == 0
            sites = {s.id: s for s in (await session.exec(select(ResettlementSite))).all()}
            relocated = (await session.exec(select(Household).where(Household.relocated))).all()
            assert relocated
            for household in relocated:
                site = sites[household.resettlement_site_id]
                assert (
                    site.region_code == household.region_code[:9] and site.name == household.resettlement_site
                )
            facilities = (await session.exec(select(SiteFacility))).all()
            assert len(facilities) == 9 * len(sites)
            open_gaps = [f for f in facilities if f.status != FacilityStatus.adequate]
            assert open_gaps and all(
                f.project_name for f in open_gaps if f.status == FacilityStatus.in_progress
            )
    finally:
        await db.dispose()
