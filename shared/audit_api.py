"""The audit as auditors read it: each service's records in the caller's scope, with the before and after of
the fields a change touched, and whether the service's chain verifies. Every service serves it (the
gateway composes the services' answers into `GET /api/v1/audit`)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import MetaData, func, select

from shared.audit import audit_table, verify_chain
from shared.auth import Principal, require_roles
from shared.db import SessionDep
from shared.roles import Role
from shared.scope import narrowed

AUDIT_READERS = (Role.auditor, Role.banner_official)
MAX_PAGE_SIZE = 10_000  # the gateway asks each service for the first pages of a merged listing at once
AUDIT_LOG = audit_table(MetaData())  # every service's database holds this table (its first migration)


class AuditRecord(BaseModel):
    """Who did what to which record, when, and each changed field as `[before, after]`."""

    service: str
    entity: str
    entity_id: str
    action: str
    actor: str
    role: str
    at: datetime
    changes: dict[str, tuple[Any, Any]]


class AuditPage(BaseModel):
    items: list[AuditRecord]
    total: int


class ChainStatus(BaseModel):
    """`verified`: no record of the service's log was edited, removed or put out of order."""

    service: str
    records: int
    verified: bool


class AuditFilter(BaseModel):
    """The query of an audit listing; `from`/`to` bound `at` (inclusive)."""

    model_config = ConfigDict(populate_by_name=True)

    region: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    since: datetime | None = Field(default=None, alias="from")
    until: datetime | None = Field(default=None, alias="to")

    def params(self) -> dict[str, str]:
        """The query as sent on to a service."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def audit_filter(
    region: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6,12}$")] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=128)] = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
) -> AuditFilter:
    return AuditFilter(
        region=region, entity=entity, entity_id=entity_id, actor=actor, since=since, until=until
    )


AuditFilterDep = Annotated[AuditFilter, Depends(audit_filter)]
ReaderDep = Annotated[Principal, Depends(require_roles(*AUDIT_READERS))]


def changed_fields(before: Any, after: Any) -> dict[str, tuple[Any, Any]]:
    """`{field: (before, after)}` of the fields whose value differs; a creation's fields start at None."""
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    fields = [*old, *(k for k in new if k not in old)]
    return {k: (old.get(k), new.get(k)) for k in fields if old.get(k) != new.get(k)}


def _selected(principal: Principal, query: AuditFilter) -> Any:
    """The records the caller may see that match the query: scope first, then each filter given."""
    table = AUDIT_LOG.c
    statement = narrowed(select(AUDIT_LOG), table.region, principal, query.region)
    for column, value in (
        (table.entity, query.entity),
        (table.entity_id, query.entity_id),
        (table.actor, query.actor),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.since is not None:
        statement = statement.where(table.at >= query.since)
    if query.until is not None:
        statement = statement.where(table.at <= query.until)
    return statement


def audit_router(service: str) -> APIRouter:
    """The audit routes of one service; left out of its OpenAPI (partners call the gateway's)."""
    router = APIRouter(prefix="/api/v1/audit", tags=["audit"], include_in_schema=False)

    @router.get("", response_model=AuditPage)
    async def read_audit(
        session: SessionDep,
        principal: ReaderDep,
        query: AuditFilterDep,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> AuditPage:
        """The newest records first."""
        selected = _selected(principal, query)
        total = (await session.execute(select(func.count()).select_from(selected.subquery()))).scalar_one()
        rows = await session.execute(
            selected.order_by(AUDIT_LOG.c.at.desc(), AUDIT_LOG.c.seq.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        items = [
            AuditRecord(
                service=service,
                entity=row["entity"],
                entity_id=row["entity_id"],
                action=row["action"],
                actor=row["actor"],
                role=row["role"],
                at=row["at"],
                changes=changed_fields(row["before"], row["after"]),
            )
            for row in rows.mappings()
        ]
        return AuditPage(items=items, total=total)

    @router.get("/verify", response_model=ChainStatus)
    async def verify_audit(session: SessionDep, _: ReaderDep) -> ChainStatus:
        """The whole chain is checked (it is one chain per service, whatever the caller's scope)."""
        records = (await session.execute(select(func.count()).select_from(AUDIT_LOG))).scalar_one()
        return ChainStatus(
            service=service, records=records, verified=await verify_chain(session, AUDIT_LOG) is None
        )

    return router
