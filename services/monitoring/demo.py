"""Demo data for `make run`: assistance and employment on the demo's households in 阿斯尔 and 巴音乌素, so
every new list shows data on first start — plans with measures (some done, some overdue), a processed 医保
list with its findings, loans (one overdue), public-welfare posts, a training, a workshop and a work-relief
project with a month's labour. Loading is idempotent (each part is added once) and deterministic for a day.

The households are the registry's, read by `deploy/manage.py seed` and handed over as plain data: this
service never reads another's database.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import assistance_rules, employment_rules
from services.monitoring.models import (
    AssistancePlan,
    DepartmentFinding,
    DepartmentUpload,
    Engagement,
    Loan,
    LoanRepayment,
    PlanMeasure,
    Post,
    Training,
    WorkReliefProject,
    Workshop,
)
from services.monitoring.rules import DEFAULT_THRESHOLDS
from shared.vocabulary.monitoring import (
    AlertKind,
    DepartmentList,
    LoanPurpose,
    LoanStatus,
    MeasureKind,
    MeasureStatus,
)

DEMO = "demo-seed"
CADRES = (("asier-team", "赵文静"), ("asier", "巴特尔"), ("bayin", "其木格"))


@dataclass(frozen=True)
class DemoMember:
    id: uuid.UUID
    name: str
    id_masked: str


@dataclass(frozen=True)
class DemoHousehold:
    """What the demo needs of a registry household."""

    id: uuid.UUID
    number: str
    region_code: str
    category: str
    head_name: str
    members: Sequence[DemoMember]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


async def seed_assistance(
    session: AsyncSession, households: Sequence[DemoHousehold], *, today: date | None = None
) -> int:
    """Add each part of the demo unless it is there; returns the rows added."""
    today = today or datetime.now(UTC).date()
    at_risk = [h for h in households if h.category in assistance_rules.PLAN_REQUIRED]
    priority = [h for h in households if h.category in employment_rules.POST_PRIORITY]
    added = await _plans(session, at_risk[:6], today)
    added += await _medical_list(session, at_risk[:3], today)
    added += await _loans(
        session, [h for h in priority if h.category in assistance_rules.LOAN_CATEGORIES][:3], today
    )
    return added + await _employment(session, priority[:8], today)


async def _seeded(session: AsyncSession, column: Any) -> bool:
    """Whether a part is loaded: a row of it recorded by the demo."""
    return (await session.exec(select(column).where(column == DEMO))).first() is not None


async def _plans(session: AsyncSession, households: Sequence[DemoHousehold], today: date) -> int:
    """一户一策 for the at-risk households: a done measure with evidence, one under way, one overdue."""
    if not households or await _seeded(session, AssistancePlan.created_by):
        return 0
    rows: list[object] = []
    for index, h in enumerate(households):
        username, name = CADRES[index % len(CADRES)]
        plan = AssistancePlan(
            household_id=h.id,
            region_code=h.region_code,
            household_number=h.number,
            head_name=h.head_name,
            category=h.category,
            responsible_username=username,
            responsible_display_name=name,
            wants_loan=index % 2 == 0,
            created_by=DEMO,
            created_at=_at(today - timedelta(days=120)),
            updated_at=_at(today - timedelta(days=30)),
        )
        measures = (
            (
                MeasureKind.industry,
                "补栏基础母羊 10 只",
                today - timedelta(days=40),
                MeasureStatus.done,
                "购羊发票及入户照片",
            ),
            (
                MeasureKind.employment,
                "推荐就近就业 1 人",
                today + timedelta(days=60),
                MeasureStatus.in_progress,
                None,
            ),
            (
                MeasureKind.medical,
                "落实慢病签约服务",
                today - timedelta(days=10 + index),
                MeasureStatus.planned,
                None,
            ),
        )
        rows.append(plan)
        rows += [
            PlanMeasure(
                plan_id=plan.id,
                kind=kind,
                target=target,
                due_on=due_on,
                status=status,
                evidence=evidence,
                completed_on=due_on if status == MeasureStatus.done else None,
                recorded_by=DEMO,
                recorded_at=_at(today - timedelta(days=120)),
                updated_at=_at(today - timedelta(days=30)),
            )
            for kind, target, due_on, status, evidence in measures
        ]
    session.add_all(rows)
    await session.flush()
    return len(rows)


async def _medical_list(session: AsyncSession, households: Sequence[DemoHousehold], today: date) -> int:
    """A 医保 list already compared: the households' heads above the year's out-of-pocket line."""
    if not households or await _seeded(session, DepartmentUpload.uploaded_by):
        return 0
    year = today.year
    upload = DepartmentUpload(
        department=DepartmentList.medical_security,
        year=year,
        filename=f"{year}年医保自付费用名单.xlsx",
        rows=len(households) + 2,
        matched=len(households),
        region_code="150625",
        uploaded_by=DEMO,
        uploaded_at=_at(today - timedelta(days=7)),
    )
    session.add(upload)
    await session.flush()
    line = DEFAULT_THRESHOLDS.medical_out_of_pocket_fen
    findings = [
        DepartmentFinding(
            upload_id=upload.id,
            household_id=h.id,
            region_code=h.region_code,
            household_number=h.number,
            member_id_masked=h.members[0].id_masked,
            department=DepartmentList.medical_security,
            year=year,
            kind=AlertKind.rigid_expenditure,
            reason=f"医保年度自付 {(line + (i + 1) * 150_000) // 100} 元，超过 {line // 100} 元",
            amount_fen=line + (i + 1) * 150_000,
            found_at=_at(today - timedelta(days=7)),
        )
        for i, h in enumerate(households)
        if h.members
    ]
    session.add_all(findings)
    await session.flush()
    return 1 + len(findings)


async def _loans(session: AsyncSession, households: Sequence[DemoHousehold], today: date) -> int:
    """Microcredit: one repaid, one running, one past its due date with principal owed."""
    if not households or await _seeded(session, Loan.recorded_by):
        return 0
    terms = (  # (disbursed months ago, term months, repaid in full)
        (20, 12, True),
        (4, 36, False),
        (15, 12, False),  # overdue
    )
    rows: list[object] = []
    for h, (ago, term, repaid) in zip(households, terms, strict=False):
        if not h.members:
            continue
        disbursed = today - timedelta(days=30 * ago)
        loan = Loan(
            household_id=h.id,
            region_code=h.region_code,
            household_number=h.number,
            category=h.category,
            borrower_member_id=h.members[0].id,
            borrower_name=h.members[0].name,
            bank="杭锦旗农村商业银行",
            amount_fen=3_000_000,
            term_months=term,
            annual_rate_bp=435,
            subsidy_rate_bp=DEFAULT_THRESHOLDS.loan_subsidy_rate_bp,
            purpose=LoanPurpose.livestock,
            disbursed_on=disbursed,
            due_on=assistance_rules.loan_due_on(disbursed, term),
            repaid_fen=3_000_000 if repaid else 0,
            status=LoanStatus.repaid if repaid else LoanStatus.active,
            recorded_by=DEMO,
            recorded_at=_at(disbursed),
        )
        rows.append(loan)
        if repaid:
            rows.append(
                LoanRepayment(
                    loan_id=loan.id,
                    paid_on=loan.due_on,
                    amount_fen=loan.amount_fen,
                    recorded_by=DEMO,
                    recorded_at=_at(loan.due_on),
                )
            )
    session.add_all(rows)
    await session.flush()
    return len(rows)


def _engagement(
    kind: str, source_id: uuid.UUID, h: DemoHousehold, m: DemoMember, day: date, **fields: object
) -> Engagement:
    return Engagement(
        kind=kind,
        source_id=source_id,
        household_id=h.id,
        region_code=h.region_code,
        household_number=h.number,
        member_id=m.id,
        member_name=m.name,
        member_id_masked=m.id_masked,
        recorded_by=DEMO,
        recorded_at=_at(day),
        **fields,
    )


async def _employment(session: AsyncSession, households: Sequence[DemoHousehold], today: date) -> int:
    """Posts held for the year, a training with certificates, a workshop and last month's work relief."""
    people = [(h, h.members[0]) for h in households if h.members]
    if not people or await _seeded(session, Post.recorded_by):
        return 0
    year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
    village = people[0][0].region_code
    names = ("村级保洁员", "草原管护员", "护林员", "道路养护员")
    rows: list[object] = [
        Post(
            name=names[i % len(names)],
            household_id=h.id,
            region_code=h.region_code,
            household_number=h.number,
            category=h.category,
            holder_member_id=m.id,
            holder_name=m.name,
            holder_id_masked=m.id_masked,
            monthly_wage_fen=80_000,
            starts_on=year_start,
            ends_on=year_end,
            recorded_by=DEMO,
            recorded_at=_at(year_start),
        )
        for i, (h, m) in enumerate(people[:4])
    ]
    course_day = today - timedelta(days=60)
    training = Training(
        course="肉羊养殖技术",
        provider="杭锦旗职业技能培训中心",
        region_code=village,
        starts_on=course_day,
        ends_on=course_day + timedelta(days=4),
        recorded_by=DEMO,
        recorded_at=_at(course_day + timedelta(days=4)),
    )
    workshop = Workshop(
        name="阿斯尔嘎查扶贫车间",
        region_code=village,
        operator="杭锦旗绒毛制品加工合作社",
        recorded_by=DEMO,
        recorded_at=_at(year_start),
    )
    last_month = employment_rules.month_of(today.replace(day=1) - timedelta(days=1))
    first, last = employment_rules.month_bounds(last_month)
    project = WorkReliefProject(
        name="嘎查道路养护以工代赈项目",
        region_code=village,
        starts_on=first,
        ends_on=last + timedelta(days=90),
        recorded_by=DEMO,
        recorded_at=_at(first),
    )
    rows += [training, workshop, project]
    rows += [
        _engagement(
            "training",
            training.id,
            h,
            m,
            course_day,
            started_on=course_day,
            certificate=f"NM{today.year}-{i + 1:04d}",
        )
        for i, (h, m) in enumerate(people[2:5])
    ]
    rows += [
        _engagement("workshop", workshop.id, h, m, year_start, started_on=year_start) for h, m in people[4:7]
    ]
    rows += [
        _engagement("work_relief", project.id, h, m, last, month=last_month, days=20, amount_fen=300_000)
        for h, m in people[5:8]
    ]
    session.add_all(rows)
    await session.flush()
    return len(rows)
