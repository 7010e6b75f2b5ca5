"""Policy tables as versioned data: the version in force for a year, and new versions (MISSION.md §4)."""

from datetime import date

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.models import PolicyItem, PolicyVersion, audit_log
from services.payments.rules import Item
from services.payments.safety_net import DISABILITY, MONTHS_IN_YEAR
from services.payments.schemas import PolicyCreate, PolicyItemIn, PolicyItemPublic, PolicyPublic
from shared import audit
from shared.auth import Principal
from shared.errors import FieldProblem, Invalid, NotFound
from shared.regions import BANNER_CODE
from shared.vocabulary.households import SchoolStage
from shared.vocabulary.payments import SAFETY_NET, Kind, Mode


def in_force_on(year: int) -> date:
    """A year is priced by the latest version effective by its last day."""
    return date(year, 12, 31)


async def version_for_year(session: AsyncSession, *, year: int) -> tuple[PolicyVersion, list[Item]]:
    """The policy version in force for `year` and its items."""
    version = (
        await session.exec(
            select(PolicyVersion)
            .where(PolicyVersion.effective_from <= in_force_on(year))
            .order_by(col(PolicyVersion.effective_from).desc(), col(PolicyVersion.version).desc())
            .limit(1)
        )
    ).first()
    if version is None:
        raise NotFound(f"no policy version is in force for {year}")
    rows = (await session.exec(select(PolicyItem).where(PolicyItem.version_id == version.id))).all()
    return version, [_item(r) for r in rows]


def _item(row: PolicyItem) -> Item:
    return Item(
        kind=Kind(row.kind),
        mode=Mode(row.mode),
        unit=row.unit,
        rate_fen=row.rate_fen,
        cap_quantity=row.cap_quantity,
        school_stage=SchoolStage(row.school_stage) if row.school_stage else None,
        disability_grade=row.disability_grade,
    )


def item_for(items: list[Item], kind: Kind) -> Item:
    """The item that prices a non-education kind; 422 when the version in force has none."""
    for item in items:
        if item.kind == kind:
            return item
    raise Invalid.field("kind", f"现行政策表中没有 {kind.label}（{kind}）")


def to_public(version: PolicyVersion, items: list[Item]) -> PolicyPublic:
    return PolicyPublic(
        id=version.id,
        version=version.version,
        effective_from=version.effective_from,
        notice_days=version.notice_days,
        created_by=version.created_by,
        created_at=version.created_at,
        items=[
            PolicyItemPublic(
                kind=i.kind,
                mode=i.mode,
                unit=i.unit,
                rate_fen=i.rate_fen,
                cap_quantity=i.cap_quantity,
                school_stage=i.school_stage,
                disability_grade=i.disability_grade,
                label=Kind(i.kind).label,
            )
            for i in items
        ],
    )


def _problems(items: list[PolicyItemIn]) -> list[FieldProblem]:
    """A version is a whole table: each kind (and stage) once, every field its mode needs and no other."""
    problems: list[FieldProblem] = []
    seen: set[tuple[Kind, SchoolStage | None, int | None]] = set()
    for index, item in enumerate(items):
        at = f"items.{index}"
        key = (item.kind, item.school_stage, item.disability_grade)
        if key in seen:
            problems.append(FieldProblem(field=f"{at}.kind", reason="同一补贴项目重复"))
        seen.add(key)
        is_education = item.kind == Kind.education
        if is_education != (item.mode == Mode.per_student):
            problems.append(
                FieldProblem(field=f"{at}.mode", reason="教育生活补贴按人（per_student）计算，且只有它如此")
            )
        if item.mode == Mode.per_student and item.school_stage in (None, SchoolStage.none):
            problems.append(FieldProblem(field=f"{at}.school_stage", reason="按人补贴须指明在校学段"))
        if item.mode != Mode.per_student and item.school_stage is not None:
            problems.append(FieldProblem(field=f"{at}.school_stage", reason="只有教育生活补贴按学段区分"))
        if item.mode in (Mode.per_unit, Mode.per_student) and not item.rate_fen:
            problems.append(FieldProblem(field=f"{at}.rate_fen", reason="须填写补贴标准（分）"))
        if item.mode == Mode.per_unit and item.cap_quantity is None:
            problems.append(FieldProblem(field=f"{at}.cap_quantity", reason="须填写每户每年最多补贴数量"))
        if item.mode == Mode.case_by_case and (item.rate_fen is not None or item.cap_quantity is not None):
            problems.append(
                FieldProblem(field=f"{at}.rate_fen", reason="一事一议的项目按申请金额审批，不设标准")
            )
        problems.extend(_safety_net_problems(item, at))
    return problems


def _safety_net_problems(item: PolicyItemIn, at: str) -> list[FieldProblem]:
    """The safety net is computed per member (seed §五(一)4): by person, with a rate, the monthly kinds with
    their months, the disability allowances by grade and nothing else by grade."""
    problems: list[FieldProblem] = []
    computed = item.kind in SAFETY_NET
    if computed != (item.mode in (Mode.per_member, Mode.per_member_month)):
        reason = "兜底保障项目（低保渐退、残疾人两项补贴、代缴养老保险、养老保险借款）按人计算，且只有它们"
        problems.append(FieldProblem(field=f"{at}.mode", reason=reason))
    if computed and not item.rate_fen:
        problems.append(FieldProblem(field=f"{at}.rate_fen", reason="须填写补贴标准（分）"))
    if item.mode == Mode.per_member_month and not 1 <= (item.cap_quantity or 0) <= MONTHS_IN_YEAR:
        problems.append(FieldProblem(field=f"{at}.cap_quantity", reason="按月发放须填写月数（1–12）"))
    if (item.kind in DISABILITY) != (item.disability_grade is not None):
        problems.append(
            FieldProblem(field=f"{at}.disability_grade", reason="残疾人两项补贴按残疾等级定标准，且只有它们")
        )
    return problems


async def create_version(session: AsyncSession, *, principal: Principal, data: PolicyCreate) -> PolicyPublic:
    """Add a version of the policy table; what was computed under earlier versions keeps its rates."""
    problems = _problems(data.items)
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.reason}" for p in problems), errors=problems)
    latest = (await session.exec(select(func.max(PolicyVersion.version)))).one()
    version = PolicyVersion(
        version=(latest or 0) + 1,
        effective_from=data.effective_from,
        notice_days=data.notice_days,
        created_by=principal.subject,
    )
    session.add(version)
    await session.flush()
    rows = [PolicyItem(version_id=version.id, **item.model_dump()) for item in data.items]
    session.add_all(rows)
    await session.flush()
    public = to_public(version, [_item(r) for r in rows])
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=BANNER_CODE,
        action="policy.create",
        entity="policy_version",
        entity_id=str(version.id),
        after=public.model_dump(mode="json"),
    )
    return public
