"""Resettlement sites: their facilities, the households linked to them and the work of their people; every
read within the caller's region scope (a site by its place, households by their village)."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, literal, or_
from sqlalchemy.sql import Select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry import site_rules
from services.registry.households import scoped_households
from services.registry.models import Household, Member, Region, ResettlementSite, SiteFacility, audit_log
from services.registry.rules import RuleBreach
from services.registry.site_schemas import (
    FacilityPublic,
    FacilityUpdate,
    FollowUpProject,
    SiteCreate,
    SiteGap,
    SiteHousehold,
    SiteLinked,
    SitePublic,
    SiteSummary,
    TownshipGaps,
)
from shared import audit, months
from shared.auth import Principal
from shared.errors import Conflict, FieldProblem, Invalid
from shared.regions import Tier
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.places import Facility, FacilityStatus

NOT_CHECKED = "尚未核查"
S = TypeVar("S", bound=Select[Any])


def _refuse(breaches: Sequence[RuleBreach]) -> Invalid:
    return Invalid(
        "安置点设施信息有误", errors=[FieldProblem(field=b.field, reason=b.reason) for b in breaches]
    )


def sites_in_view(statement: S, principal: Principal, region: str | None = None) -> S:
    """The sites a caller reads: those placed in its scope (optionally under `region`)."""
    return narrowed(statement, ResettlementSite.region_code, principal, region)


async def get_site(session: AsyncSession, *, principal: Principal, site_id: uuid.UUID) -> ResettlementSite:
    statement = sites_in_view(select(ResettlementSite), principal).where(ResettlementSite.id == site_id)
    return await fetch_in_scope(session, statement, what="site")


async def get_serving_site(
    session: AsyncSession, *, principal: Principal, site_id: uuid.UUID
) -> ResettlementSite:
    """A site the caller may resettle its households at: placed in its scope, or in the town that holds
    its village (a village's households move to their town's site)."""
    placed = col(ResettlementSite.region_code)
    statement = select(ResettlementSite).where(
        ResettlementSite.id == site_id,
        or_(
            placed.startswith(principal.region, autoescape=True), literal(principal.region).startswith(placed)
        ),
    )
    return await fetch_in_scope(session, statement, what="site")


def _facility_row(site_id: uuid.UUID, facility: Facility, data: FacilityUpdate, actor: str) -> SiteFacility:
    return SiteFacility(
        site_id=site_id,
        facility=facility,
        status=data.status,
        project_name=data.project.name if data.project else None,
        project_due_on=data.project.due_on if data.project else None,
        note=data.note,
        updated_by=actor,
    )


def _checked_facilities(data: SiteCreate) -> dict[Facility, FacilityUpdate]:
    """The nine facilities, as listed or, unlisted, a gap not yet checked; 422 naming the bad entry."""
    breaches, given = [], {}
    for index, item in enumerate(data.facilities):
        if item.facility in given:
            breaches.append(RuleBreach(f"facilities.{index}.facility", "同一设施只能填写一次"))
        breaches += [
            RuleBreach(f"facilities.{index}.{b.field}", b.reason)
            for b in site_rules.check_facility(item.status, has_project=item.project is not None)
        ]
        given[item.facility] = FacilityUpdate(status=item.status, project=item.project, note=item.note)
    if breaches:
        raise _refuse(breaches)
    unchecked = FacilityUpdate(status=FacilityStatus.gap, note=NOT_CHECKED)
    return {facility: given.get(facility, unchecked) for facility in Facility}


async def create_site(session: AsyncSession, *, principal: Principal, data: SiteCreate) -> SitePublic:
    """Record a site in a township or village of the caller's scope with its nine facilities."""
    place = (
        await session.exec(
            scoped(select(Region), Region.code, principal).where(Region.code == data.region_code)
        )
    ).first()
    if place is None or place.tier == Tier.banner:
        raise Invalid.field("region_code", f"范围内没有苏木镇或嘎查村 {data.region_code}")
    facilities = _checked_facilities(data)
    if (await session.exec(select(ResettlementSite).where(ResettlementSite.name == data.name))).first():
        raise Conflict(f"安置点 {data.name} 已存在")
    site = ResettlementSite(name=data.name, region_code=data.region_code, capacity=data.capacity)
    session.add(site)
    await session.flush()
    session.add_all(_facility_row(site.id, f, state, principal.subject) for f, state in facilities.items())
    await session.flush()
    public = await site_public(session, principal=principal, site=site)
    await _audit(session, principal, site, "site.create", after=public.model_dump(mode="json"))
    return public


async def update_facility(
    session: AsyncSession,
    *,
    principal: Principal,
    site: ResettlementSite,
    facility: Facility,
    data: FacilityUpdate,
) -> FacilityPublic:
    """Record a facility's state and the project that closes its gap."""
    breaches = site_rules.check_facility(data.status, has_project=data.project is not None)
    if breaches:
        raise _refuse(breaches)
    row = await session.get(SiteFacility, (site.id, facility))
    before = _facility_public(row, months.today()).model_dump(mode="json") if row else None
    fresh = _facility_row(site.id, facility, data, principal.subject)
    if row is None:
        row = fresh
    else:
        for name in ("status", "project_name", "project_due_on", "note", "updated_by"):
            setattr(row, name, getattr(fresh, name))
        row.updated_at = datetime.now(UTC)
    session.add(row)
    await session.flush()
    public = _facility_public(row, months.today())
    await _audit(
        session, principal, site, "site.facility", before=before, after=public.model_dump(mode="json")
    )
    return public


async def link_households(
    session: AsyncSession, *, principal: Principal, site: ResettlementSite, household_ids: list[uuid.UUID]
) -> SiteLinked:
    """Say in each household's own record that it lives at this site (relocated, the site's name)."""
    wanted = list(dict.fromkeys(household_ids))
    found = {
        h.id: h for h in await session.exec(scoped_households(principal).where(col(Household.id).in_(wanted)))
    }
    breaches = [
        RuleBreach(f"household_ids.{household_ids.index(i)}", "范围内没有该农牧户")
        for i in wanted
        if i not in found
    ]
    already = await _household_count(session, site.id, excluding=wanted)
    if not breaches and already + len(wanted) > site.capacity:
        breaches.append(RuleBreach("household_ids", f"超过安置点容量 {site.capacity} 户"))
    if breaches:
        raise _refuse(breaches)
    changes = []
    for household in found.values():
        before = _link_view(household)
        household.resettlement_site_id, household.relocated = site.id, True
        household.resettlement_site, household.updated_at = site.name, datetime.now(UTC)
        session.add(household)
        changes.append(
            audit.Change(
                region=household.region_code,
                action="household.update",
                entity="household",
                entity_id=str(household.id),
                before=before,
                after=_link_view(household),
            )
        )
    await session.flush()
    await audit.append_many(session, audit_log, actor=audit.Actor.of(principal), changes=changes)
    return SiteLinked(
        site_id=site.id,
        households=await _household_count(session, site.id),
        linked=[SiteHousehold.model_validate(found[i], from_attributes=True) for i in wanted],
    )


def _link_view(household: Household) -> dict[str, Any]:
    return {
        "relocated": household.relocated,
        "resettlement_site": household.resettlement_site,
        "resettlement_site_id": str(household.resettlement_site_id or "") or None,
    }


async def _household_count(
    session: AsyncSession, site_id: uuid.UUID, *, excluding: Sequence[uuid.UUID] = ()
) -> int:
    statement = select(func.count()).where(Household.resettlement_site_id == site_id)
    if excluding:
        statement = statement.where(col(Household.id).not_in(excluding))
    return (await session.exec(statement)).one()


def _facility_public(row: SiteFacility, today: date) -> FacilityPublic:
    status = FacilityStatus(row.status)
    project = (
        FollowUpProject(name=row.project_name, due_on=row.project_due_on)
        if row.project_name and row.project_due_on
        else None
    )
    return FacilityPublic(
        facility=Facility(row.facility),
        status=status,
        project=project,
        overdue=site_rules.is_overdue(status, row.project_due_on, today),
        note=row.note,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


async def site_public(session: AsyncSession, *, principal: Principal, site: ResettlementSite) -> SitePublic:
    """A site with its facilities, its linked households in scope and its people's work (all linked)."""
    today = months.today()
    rows = await session.exec(select(SiteFacility).where(SiteFacility.site_id == site.id))
    order = list(Facility)
    facilities = sorted((_facility_public(r, today) for r in rows), key=lambda f: order.index(f.facility))
    households = await session.exec(
        scoped_households(principal)
        .where(Household.resettlement_site_id == site.id)
        .order_by(col(Household.number))
    )
    people = (
        await session.exec(
            select(Member.birth_date, Member.employment)
            .join(Household, col(Household.id) == Member.household_id)
            .where(Household.resettlement_site_id == site.id)
        )
    ).all()
    working_age, employed = site_rules.work_count(people, today)
    return SitePublic(
        id=site.id,
        name=site.name,
        region_code=site.region_code,
        capacity=site.capacity,
        households=await _household_count(session, site.id),
        gaps=sum(f.status != FacilityStatus.adequate for f in facilities),
        people=len(people),
        working_age=working_age,
        working_age_in_work=employed,
        work_share=site_rules.work_share(working_age, employed),
        facilities=facilities,
        linked_households=[SiteHousehold.model_validate(h, from_attributes=True) for h in households],
        created_at=site.created_at,
    )


async def list_sites(
    session: AsyncSession, *, principal: Principal, region: str | None, page: int, page_size: int
) -> tuple[list[SiteSummary], int]:
    """Sites whose place lies in scope (and under `region`), by place and name, with their counts."""
    sites = sites_in_view(select(ResettlementSite), principal, region)
    total = (await session.exec(select(func.count()).select_from(sites.subquery()))).one()
    households = (
        select(Household.resettlement_site_id.label("site_id"), func.count().label("n"))  # type: ignore[union-attr]
        .where(col(Household.resettlement_site_id).is_not(None))
        .group_by(col(Household.resettlement_site_id))
        .subquery()
    )
    gaps = (
        select(col(SiteFacility.site_id).label("site_id"), func.count().label("n"))
        .where(SiteFacility.status != FacilityStatus.adequate)
        .group_by(col(SiteFacility.site_id))
        .subquery()
    )
    statement = (
        sites_in_view(
            select(ResettlementSite, func.coalesce(households.c.n, 0), func.coalesce(gaps.c.n, 0)),
            principal,
            region,
        )
        .outerjoin(households, households.c.site_id == ResettlementSite.id)
        .outerjoin(gaps, gaps.c.site_id == ResettlementSite.id)
        .order_by(col(ResettlementSite.region_code), col(ResettlementSite.name))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    items = [
        SiteSummary(
            id=site.id,
            name=site.name,
            region_code=site.region_code,
            capacity=site.capacity,
            households=linked,
            gaps=gap_count,
        )
        for site, linked, gap_count in (await session.exec(statement)).all()
    ]
    return items, total


async def township_gaps(
    session: AsyncSession, *, principal: Principal, region: str | None
) -> list[TownshipGaps]:
    """Every facility not yet adequate, by the township its site lies in (seed §五(四) 补短板)."""
    today = months.today()
    statement = (
        sites_in_view(select(ResettlementSite, SiteFacility), principal, region)
        .join(SiteFacility, col(SiteFacility.site_id) == ResettlementSite.id)
        .where(SiteFacility.status != FacilityStatus.adequate)
        .order_by(col(ResettlementSite.region_code), col(ResettlementSite.name))
    )
    order = list(Facility)
    by_township: dict[str, list[SiteGap]] = {}
    for site, row in (await session.exec(statement)).all():
        facility = _facility_public(row, today)
        by_township.setdefault(site.region_code[:9], []).append(
            SiteGap(
                site_id=site.id,
                site_name=site.name,
                facility=facility.facility,
                status=facility.status,
                project=facility.project,
                overdue=facility.overdue,
            )
        )
    names = dict(
        (await session.exec(select(Region.code, Region.name).where(col(Region.code).in_(by_township)))).all()
    )
    return [
        TownshipGaps(
            township_code=code,
            township_name=names.get(code, code),
            gaps=sorted(gaps, key=lambda g: (g.site_name, order.index(g.facility))),
            overdue=sum(g.overdue for g in gaps),
        )
        for code, gaps in sorted(by_township.items())
    ]


async def _audit(
    session: AsyncSession, principal: Principal, site: ResettlementSite, action: str, **change: Any
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=site.region_code,
        action=action,
        entity="resettlement_site",
        entity_id=str(site.id),
        **change,
    )
