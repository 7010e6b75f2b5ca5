"""Gap-tolerant sequence numbers per key, safe under concurrent requests on SQLite and PostgreSQL."""

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def reserve_numbers(
    session: AsyncSession, table: Table, *, key_column: str, key: str, count: int = 1
) -> range:
    """Advance the counter of `key` by `count` (creating it) in one statement; returns the numbers reserved.

    The row stays locked until the transaction ends, so concurrent callers queue rather than collide.
    """
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    counter = table.c.last_number
    statement = (
        dialect.insert(table)
        .values({key_column: key, "last_number": count})
        .on_conflict_do_update(index_elements=[table.c[key_column]], set_={"last_number": counter + count})
        .returning(counter)
    )
    last = int((await session.execute(statement)).scalar_one())
    return range(last - count + 1, last + 1)
