"""What payments holds for one household (its 一户一档): the payment lines it received, with their batch."""

import uuid

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.models import Batch, Line
from services.payments.schemas import HouseholdLine
from shared.auth import Principal
from shared.scope import scoped


async def household_lines(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID, page: int, page_size: int
) -> tuple[list[HouseholdLine], int]:
    """The household's lines in the caller's scope, newest first; none (not an error) outside it."""
    statement = (
        scoped(select(Line, Batch), Line.region_code, principal)
        .join(Batch, col(Batch.id) == col(Line.batch_id))
        .where(Line.household_id == household_id)
    )
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(Line.created_at).desc(), col(Line.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [
        HouseholdLine.model_validate(
            {
                **line.model_dump(),
                "batch_kind": batch.kind,
                "batch_year": batch.year,
                "batch_status": batch.status,
                "batch_purpose": batch.purpose,
            }
        )
        for line, batch in rows.all()
    ], int(total)
