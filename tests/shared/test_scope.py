"""Region scope: `scoped` and `narrowed` read only rows under the caller's region, on both databases,
and a LIKE wildcard smuggled into a region never widens the scope; a kept statement scoped by parameter
sees exactly what `scoped` sees, and does not run without its region."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.auth import Principal
from shared.db import create_engine
from shared.errors import NotFound
from shared.roles import Role
from shared.scope import ensure_in_scope, narrowed, scope_parameters, scoped, scoped_by_parameter

places = Table(
    "scope_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("region", String(12), nullable=False),
    prefixes=["TEMPORARY"],
)
REGIONS = [
    "150625",
    "150625100",
    "150625100201",
    "150625100202",
    "150625101",
    "150625101001",
    "150626100",  # a township of another banner
    "150626100201",
]


def principal(region: str, role: Role = Role.banner_official) -> Principal:
    return Principal(subject=f"{role}-{region}", role=role, region=region)


@pytest.fixture
async def conn(kernel_database_url: str) -> AsyncIterator[AsyncConnection]:
    """A connection holding a temporary table of one row per region, rolled back afterwards."""
    engine = create_engine(kernel_database_url)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            await connection.run_sync(places.create)
            await connection.execute(insert(places), [{"region": r} for r in REGIONS])
            yield connection
            await transaction.rollback()
    finally:
        await engine.dispose()


async def regions_seen(conn: AsyncConnection, statement: object, **parameters: str) -> list[str]:
    return sorted((await conn.execute(statement, parameters)).scalars())  # type: ignore[call-overload]


async def both_forms_see(conn: AsyncConnection, who: Principal) -> list[str]:
    """What `scoped` shows `who`, checked equal to what the kept statement with the region bound shows."""
    inline = await regions_seen(conn, scoped(ALL, places.c.region, who))
    bound = await regions_seen(conn, scoped_by_parameter(ALL, places.c.region), **scope_parameters(who))
    assert bound == inline
    return inline


ALL = select(places.c.region)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("150625", [r for r in REGIONS if r.startswith("150625")]),
        ("150625100", ["150625100", "150625100201", "150625100202"]),
        ("150625101", ["150625101", "150625101001"]),
        ("150625100201", ["150625100201"]),
        ("150625102", []),
    ],
)
async def test_scoped_returns_only_rows_under_the_principal(
    conn: AsyncConnection, scope: str, expected: list[str]
) -> None:
    assert await both_forms_see(conn, principal(scope)) == sorted(expected)


async def test_scoped_limits_counts_too(conn: AsyncConnection) -> None:
    count = scoped(select(func.count()).select_from(places), places.c.region, principal("150625100"))
    assert (await conn.execute(count)).scalar_one() == 3


@pytest.mark.parametrize(
    "wildcard_region", ["15%", "%", "1506%", "15062_100", "150625_00", "______", "1506/5"]
)
async def test_wildcards_in_the_principal_region_match_nothing(
    conn: AsyncConnection, wildcard_region: str
) -> None:
    assert await both_forms_see(conn, principal(wildcard_region)) == []


async def test_a_kept_statement_is_never_run_without_its_scope(conn: AsyncConnection) -> None:
    with pytest.raises(StatementError, match="required for bind parameter 'scope'"):
        await regions_seen(conn, scoped_by_parameter(ALL, places.c.region))


async def test_narrowed_picks_part_of_the_scope(conn: AsyncConnection) -> None:
    statement = narrowed(ALL, places.c.region, principal("150625"), "150625101")
    assert await regions_seen(conn, statement) == ["150625101", "150625101001"]


async def test_narrowed_without_a_region_is_the_whole_scope(conn: AsyncConnection) -> None:
    statement = narrowed(ALL, places.c.region, principal("150625100"), None)
    assert await regions_seen(conn, statement) == ["150625100", "150625100201", "150625100202"]


@pytest.mark.parametrize("outside", ["150625101", "150625101001", "150626100", "150626"])
async def test_narrowed_to_a_region_outside_the_scope_yields_nothing(
    conn: AsyncConnection, outside: str
) -> None:
    statement = narrowed(ALL, places.c.region, principal("150625100"), outside)
    assert await regions_seen(conn, statement) == []


async def test_narrowed_to_an_ancestor_region_is_still_only_the_scope(conn: AsyncConnection) -> None:
    statement = narrowed(ALL, places.c.region, principal("150625100"), "150625")
    assert await regions_seen(conn, statement) == ["150625100", "150625100201", "150625100202"]


@pytest.mark.parametrize("wildcard_region", ["%", "15%", "150625_0", "1506251__"])
async def test_wildcards_in_the_narrowing_region_match_nothing(
    conn: AsyncConnection, wildcard_region: str
) -> None:
    statement = narrowed(ALL, places.c.region, principal("150625"), wildcard_region)
    assert await regions_seen(conn, statement) == []


@pytest.mark.parametrize(
    ("code", "scope"), [("150625", "150625"), ("150625100201", "150625"), ("150625100201", "150625100")]
)
def test_ensure_in_scope_lets_inside_regions_through(code: str, scope: str) -> None:
    ensure_in_scope(code, principal(scope))


@pytest.mark.parametrize(
    ("code", "scope"),
    [
        ("150625101", "150625100"),
        ("150625101001", "150625100"),
        ("150626100", "150625"),
        ("150625", "150625100"),
    ],
)
def test_ensure_in_scope_hides_outside_regions_as_not_found(code: str, scope: str) -> None:
    with pytest.raises(NotFound, match="household not found") as caught:
        ensure_in_scope(code, principal(scope), what="household")
    assert caught.value.status == 404
