"""Region scope: the one helper every query goes through, so a record outside the caller's region
is never read — not in a list, not by id, not in a count (MISSION.md §1)."""

from typing import Any, TypeVar

from sqlalchemy import bindparam
from sqlalchemy.sql import Select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from shared.auth import Principal
from shared.errors import NotFound
from shared.regions import is_within

S = TypeVar("S", bound=Select[Any])
T = TypeVar("T")
LIKE_ESCAPE = "/"


def scoped(statement: S, region_column: Any, principal: Principal) -> S:
    """Limit `statement` to rows whose region lies inside the caller's scope (a prefix match)."""
    return statement.where(region_column.startswith(principal.region, autoescape=True))


def scoped_by_parameter(statement: S, region_column: Any) -> S:
    """`scoped` for a hot statement built once and kept: the caller's region is bound when it runs, from
    `scope_parameters(principal)`, so one statement serves every caller and is never run unscoped (a
    missing parameter is an error, not an empty scope)."""
    return statement.where(region_column.like(bindparam("scope", required=True), escape=LIKE_ESCAPE))


def scope_parameters(principal: Principal) -> dict[str, str]:
    """The parameters `scoped_by_parameter` binds: the caller's region as a LIKE prefix, escaped."""
    region = principal.region
    for special in (LIKE_ESCAPE, "%", "_"):
        region = region.replace(special, LIKE_ESCAPE + special)
    return {"scope": region + "%"}


def narrowed(statement: S, region_column: Any, principal: Principal, region: str | None) -> S:
    """Scope a statement, then narrow it to `region` when the caller asks for part of its scope.

    Asking for a region outside the scope yields nothing rather than an error, like any empty filter.
    """
    statement = scoped(statement, region_column, principal)
    if region:
        statement = statement.where(region_column.startswith(region, autoescape=True))
    return statement


async def fetch_in_scope(session: AsyncSession, statement: SelectOfScalar[T], *, what: str) -> T:
    """The record a scoped statement finds, or 404: outside the caller's scope a record does not exist."""
    record = (await session.exec(statement)).first()
    if record is None:
        raise NotFound(f"{what} not found")
    return record


def ensure_in_scope(region_code: str, principal: Principal, *, what: str = "record") -> None:
    """Refuse a region outside the caller's scope as if it did not exist (404, not 403)."""
    if not is_within(region_code, principal.region):
        raise NotFound(f"{what} not found")
