"""A household's 三保障 and drinking-water flags as the latest household visit found them, or as an accepted
renovation or a water fix done settled them: set only by the monitoring service (through its outbox), kept
in the household's field-level trail like any edit."""

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.models import Household, audit_log
from services.registry.schemas import GUARANTEE_FLAGS, GuaranteesIn, GuaranteesPublic
from shared import audit
from shared.auth import Principal


async def set_guarantees(
    session: AsyncSession, *, principal: Principal, household: Household, data: GuaranteesIn
) -> GuaranteesPublic:
    """Take the flags reported (a visit's four, or the one a renovation or water fix settles); one that
    changes nothing writes nothing (a redelivery is harmless)."""
    before = {name: getattr(household, name) for name in GUARANTEE_FLAGS}
    reported = {name: getattr(data, name) for name in GUARANTEE_FLAGS}
    after = {name: before[name] if reported[name] is None else reported[name] for name in GUARANTEE_FLAGS}
    changed = [name for name in GUARANTEE_FLAGS if before[name] != after[name]]
    if changed:
        for name in changed:
            setattr(household, name, after[name])
        household.updated_at = datetime.now(UTC)
        session.add(household)
        await audit.append(
            session,
            audit_log,
            actor=audit.Actor.of(principal),
            region=household.region_code,
            action="household.update",
            entity="household",
            entity_id=str(household.id),
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return GuaranteesPublic(household_id=household.id, changed=changed, **after)
