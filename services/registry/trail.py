"""A household's field-level trail, read from the registry's audit log: who changed which field, when,
from what to what — ID numbers and phones masked, birth dates left out, as the log keeps them."""

from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry import rules
from services.registry.households import UNAUDITED_MEMBER_FIELDS
from services.registry.models import Household, audit_log
from services.registry.schemas import FieldChange
from shared.outbox import aware

TRAIL_ACTIONS = ("household.update", "household.category_change")


def _kept(view: dict[str, Any] | None) -> dict[str, Any]:
    """A household view as the trail shows it: records written before birth dates were left out of the
    log are shown without them too."""
    view = dict(view or {})
    if isinstance(view.get("members"), list):
        view["members"] = [
            {k: v for k, v in member.items() if k not in UNAUDITED_MEMBER_FIELDS}
            for member in view["members"]
        ]
    return view


async def field_changes(session: AsyncSession, *, household: Household) -> list[FieldChange]:
    """Every field edits and category changes changed, oldest first, one entry per field."""
    rows = await session.execute(
        select(audit_log)
        .where(
            audit_log.c.entity == "household",
            audit_log.c.entity_id == str(household.id),
            audit_log.c.action.in_(TRAIL_ACTIONS),
        )
        .order_by(audit_log.c.seq)
    )
    changes = []
    for row in rows.mappings():
        before, after = rules.changed_fields(_kept(row["before"]), _kept(row["after"]))
        changes += [
            FieldChange(
                at=aware(row["at"]),
                actor=row["actor"],
                role=row["role"],
                action=row["action"],
                field=name,
                before=before[name],
                after=after[name],
            )
            for name in after
        ]
    return changes
