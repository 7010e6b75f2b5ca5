"""Members' illness and social-assistance flags (大病、慢病、低保、特困) as the departments' lists state them,
set by the monitoring service's outbox: the same list again changes nothing, and every change is in the
household's field-level trail."""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.flag_schemas import MemberFlagsBatch, MemberFlagsResult
from services.registry.households import scoped_households
from services.registry.models import Household, Member, audit_log
from shared import audit
from shared.auth import Principal
from shared.crypto import FieldCipher

FLAGS = ("serious_illness", "chronic_disease", "dibao", "tekun")


async def set_flags(
    session: AsyncSession, *, principal: Principal, cipher: FieldCipher, data: MemberFlagsBatch
) -> MemberFlagsResult:
    """Set the flags each item states on its member (by ID number or id) within the caller's scope."""
    digests = [cipher.digest(i.id_number.upper()) if i.id_number else None for i in data.items]
    ids = [i.member_id for i in data.items if i.member_id]
    in_scope = scoped_households(principal).with_only_columns(col(Household.id))
    rows = await session.exec(
        select(Member).where(
            col(Member.household_id).in_(in_scope),
            col(Member.id_digest).in_([d for d in digests if d]) | col(Member.id).in_(ids),
        )
    )
    by_digest, by_id = {}, {}
    for m in rows:
        by_digest[m.id_digest], by_id[m.id] = m, m
    changed, unknown = 0, []
    for index, (item, digest) in enumerate(zip(data.items, digests, strict=True)):
        member = by_digest.get(digest) if digest else by_id.get(item.member_id)  # type: ignore[arg-type]
        if member is None:
            unknown.append(index)
            continue
        stated = item.flags.model_dump(exclude_none=True)
        before = {k: getattr(member, k) for k in stated if getattr(member, k) != stated[k]}
        if before:
            changed += 1
            await _apply(session, principal, member, before, {k: stated[k] for k in before}, data.source)
    return MemberFlagsResult(
        changed=changed, unchanged=len(data.items) - changed - len(unknown), unknown=unknown
    )


async def _apply(
    session: AsyncSession,
    principal: Principal,
    member: Member,
    before: dict[str, Any],
    after: dict[str, Any],
    source: str,
) -> None:
    for name, value in after.items():
        setattr(member, name, value)
    session.add(member)
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=member.region_code or "",
        action="member.flags",
        entity="household",
        entity_id=str(member.household_id),
        before={"member_id": str(member.id), **before},
        after={"member_id": str(member.id), "source": source, **after},
    )
    household = await session.get(Household, member.household_id)
    if household is not None:
        household.updated_at = datetime.now(UTC)
        session.add(household)
