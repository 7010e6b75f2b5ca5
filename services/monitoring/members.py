"""Members named by an employment record, read from the registry in one bulk lookup within the caller's
scope: a member not in the named household (or a household the caller cannot see) refuses the record."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.monitoring.clients import RegistryClient, RegistryHousehold, RegistryMember
from shared.auth import Principal
from shared.errors import FieldProblem, Invalid

NOT_A_MEMBER = "该户不存在、不在您的管辖范围内，或此人不是该户成员"


@dataclass(frozen=True)
class Person:
    household: RegistryHousehold
    member: RegistryMember


async def people(
    registry: RegistryClient,
    principal: Principal,
    refs: Sequence[tuple[uuid.UUID, uuid.UUID]],
    *,
    field: str,
) -> list[Person]:
    """Each (household, member) as the registry records it, in order; 422 naming `field.N.member_id` (or
    `field` for a single one) for every one it does not show."""
    households = {h.id: h for h in await registry.lookup((h for h, _ in refs), token=principal.token)}
    found, problems = [], []
    for index, (household_id, member_id) in enumerate(refs):
        household = households.get(household_id)
        member = next((m for m in household.members if m.id == member_id), None) if household else None
        if household is None or member is None:
            problems.append(FieldProblem(field=field.format(index), reason=NOT_A_MEMBER))
            continue
        found.append(Person(household, member))
    if problems:
        raise Invalid("；".join(f"{p.field}: {p.reason}" for p in problems[:20]), errors=problems[:200])
    return found
