"""Small helpers every part of the assets service uses: scope on input, pages, audit records."""

from typing import Any

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.errors import Invalid
from shared.regions import is_within


def region_in_scope(code: str, principal: Principal, *, field: str = "region_code") -> str:
    """A region named in a request body must lie inside the caller's scope (422 naming the field)."""
    if not is_within(code, principal.region):
        raise Invalid.field(field, "不在您的管辖范围内")
    return code


async def page_of(
    session: AsyncSession, statement: Any, *, order_by: Any, page: int, page_size: int
) -> tuple[list[Any], int]:
    """One page of an already scoped statement, and how many rows match in all."""
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(statement.order_by(*order_by).offset((page - 1) * page_size).limit(page_size))
    ).all()
    return list(rows), int(total)


async def record(
    session: AsyncSession,
    principal: Principal,
    *,
    region: str,
    action: str,
    entity: str,
    entity_id: Any,
    **change: Any,
) -> None:
    """Append one audit record in the caller's transaction."""
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=region,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        **change,
    )
