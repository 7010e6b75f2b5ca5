"""Tables of the monitoring service: cases and their history, visits, alerts, thresholds, self-reports."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field

from shared.audit import audit_table
from shared.db import service_base
from shared.outbox import outbox_table

Base = service_base()
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)


def utcnow() -> datetime:
    return datetime.now(UTC)


class MonitoringCase(Base, table=True):
    """One household under the monitoring procedure (MISSION.md §3), with a snapshot of the household
    as the registry showed it when the case opened."""

    __tablename__ = "monitoring_cases"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    # Set while the case is open and cleared when it ends: unique, so a household has one open case.
    active_household_id: uuid.UUID | None = Field(default=None, unique=True)
    household_number: str = Field(max_length=20)
    head_name: str = Field(max_length=50)
    head_name_masked: str = Field(max_length=50)
    region_code: str = Field(max_length=12, index=True)
    category_at_opening: str = Field(max_length=32)
    income_per_capita_fen: int | None = None
    source: str = Field(max_length=32)
    risk_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    description: str = Field(max_length=1000)
    authorisation_signed: bool = False
    authorisation_signed_on: date | None = None
    status: str = Field(max_length=32, index=True)
    discovered_at: datetime = Field(sa_type=DateTime(timezone=True))
    decision_due_at: datetime = Field(sa_type=DateTime(timezone=True))
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    notice_starts_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    notice_ends_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    confirmed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    confirmed_category: str | None = Field(default=None, max_length=32)
    eliminated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    return_category: str | None = Field(
        default=None, max_length=32, description="the category the household returns to on elimination"
    )
    alert_id: uuid.UUID | None = None
    opened_by: str = Field(max_length=128)
    opened_role: str = Field(max_length=32)
    opened_at: datetime = Field(sa_type=DateTime(timezone=True))


class CaseStep(Base, table=True):
    """One step of a case's procedure: who, in which role, when, from which status to which, and why."""

    __tablename__ = "case_steps"
    __table_args__ = (UniqueConstraint("case_id", "position"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="monitoring_cases.id", index=True)
    position: int = Field(description="0 for the application, then 1, 2, … in the order taken")
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    actor: str = Field(max_length=128)
    role: str = Field(max_length=32)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    comment: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=200, description="what the system adds to the step")


class CaseSignature(Base, table=True):
    """One signature of the joint village review: one per role and one per person on a case."""

    __tablename__ = "case_signatures"
    __table_args__ = (UniqueConstraint("case_id", "role"), UniqueConstraint("case_id", "actor"))

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="monitoring_cases.id", index=True)
    actor: str = Field(max_length=128)
    role: str = Field(max_length=32)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    comment: str | None = Field(default=None, max_length=500)


class WorkTeam(Base, table=True):
    """A village's resident work team (驻村工作队) as the banner dispatched it, kept by the banner.

    The dispatch register is what an official means by "the village has a work team": the team is sent by
    the banner and recorded there when it arrives and when it is withdrawn, whether or not its members have
    accounts yet. A village without a team on record is reviewed by its committee alone.
    """

    __tablename__ = "work_teams"

    village_code: str = Field(primary_key=True, max_length=12)
    leader_name: str = Field(max_length=50)
    dispatched_on: date
    withdrawn_on: date | None = None
    updated_by: str = Field(max_length=128)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class Objection(Base, table=True):
    """An objection (异议) raised during the public notice, and how the township resolved it."""

    __tablename__ = "case_objections"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="monitoring_cases.id", index=True)
    content: str = Field(max_length=1000)
    raised_by_name: str | None = Field(default=None, max_length=50)
    raised_at: datetime = Field(sa_type=DateTime(timezone=True))
    recorded_by: str = Field(max_length=128)
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolution: str | None = Field(default=None, max_length=1000)
    upheld: bool | None = None
    resolved_by: str | None = Field(default=None, max_length=128)


class Measure(Base, table=True):
    """An assistance measure (帮扶措施) with its responsible cadre and outcome."""

    __tablename__ = "case_measures"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="monitoring_cases.id", index=True)
    kind: str = Field(max_length=32)
    description: str = Field(max_length=1000)
    cadre_name: str = Field(max_length=50)
    outcome: str | None = Field(default=None, max_length=1000)
    started_on: date
    completed_on: date | None = None
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class Relief(Base, table=True):
    """Emergency relief (先行救助) granted on a case before or during the procedure (§五(二)3)."""

    __tablename__ = "case_reliefs"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="monitoring_cases.id", index=True)
    kind: str = Field(max_length=32)
    amount_fen: int
    description: str = Field(max_length=1000)
    granted_on: date
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class Visit(Base, table=True):
    """A household visit (入户排查) by the village committee or work team."""

    __tablename__ = "visits"
    # A retried visit (the same key from the same visitor) is recorded once, whatever races it.
    __table_args__ = (Index("uq_visits_visitor_idempotency_key", "visitor", "idempotency_key", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    visited_on: date
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    income_per_capita_fen: int
    rigid_expenditure_fen: int
    employment: str | None = Field(default=None, max_length=200)
    schooling_note: str | None = Field(default=None, max_length=500)
    medical_note: str | None = Field(default=None, max_length=500)
    note: str = Field(max_length=1000)
    visitor: str = Field(max_length=128)
    visitor_role: str = Field(max_length=32)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))
    idempotency_key: str | None = Field(default=None, max_length=128, description="the device's, per visitor")
    request_hash: str | None = Field(default=None, max_length=64, description="the digest of the body sent")


class Alert(Base, table=True):
    """A risk found by a visit or a department's data (预警), until it becomes a case or is dismissed."""

    __tablename__ = "alerts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    head_name: str = Field(max_length=50)
    kind: str = Field(max_length=32)
    origin: str = Field(max_length=32, description="household_visit or the department's source")
    year: int
    reason: str = Field(max_length=300)
    amount_fen: int | None = None
    visit_id: uuid.UUID | None = None
    status: str = Field(max_length=16, index=True)
    raised_at: datetime = Field(sa_type=DateTime(timezone=True))
    case_id: uuid.UUID | None = None
    dismissed_reason: str | None = Field(default=None, max_length=500)
    decided_by: str | None = Field(default=None, max_length=128)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Threshold(Base, table=True):
    """A year's monitoring figures: the income line and what the alert rules, clocks and loans use."""

    __tablename__ = "thresholds"

    year: int = Field(primary_key=True)
    income_line_fen: int
    rigid_expenditure_fen: int
    notice_days: int
    decision_days: int
    medical_out_of_pocket_fen: int
    loan_max_fen: int
    loan_max_term_months: int
    loan_subsidy_rate_bp: int
    chronic_reimbursement_floor_bp: int
    inpatient_reimbursement_floor_bp: int
    updated_by: str = Field(max_length=128)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class SelfReport(Base, table=True):
    """A household's own report through the public form (一键申报), matched or left for the village."""

    __tablename__ = "self_reports"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    village_code: str = Field(max_length=12)
    region_code: str = Field(max_length=12, index=True, description="the household's village when matched")
    name: str = Field(max_length=50)
    phone: str = Field(max_length=20)
    id_masked: str = Field(max_length=18)
    description: str = Field(max_length=1000)
    risk_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)
    household_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    received_at: datetime = Field(sa_type=DateTime(timezone=True))


class AssistancePlan(Base, table=True):
    """One household's assistance plan (一户一策) with its responsible cadre (帮扶责任人)."""

    __tablename__ = "assistance_plans"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(unique=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    head_name: str = Field(max_length=50)
    category: str = Field(max_length=32, description="the household's category when the plan was made")
    responsible_username: str = Field(max_length=128)
    responsible_display_name: str = Field(max_length=50)
    wants_loan: bool = Field(default=False, description="the household wishes to borrow (应贷尽贷)")
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class PlanMeasure(Base, table=True):
    """A measure of a plan: what is to be reached by when, where it stands, and the evidence it was done."""

    __tablename__ = "plan_measures"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="assistance_plans.id", index=True)
    kind: str = Field(max_length=32)
    target: str = Field(max_length=500)
    due_on: date = Field(index=True)
    status: str = Field(max_length=16, index=True)
    evidence: str | None = Field(default=None, max_length=1000)
    completed_on: date | None = None
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class DepartmentUpload(Base, table=True):
    """A department's list as uploaded for data comparison: whose, which year, how many rows matched."""

    __tablename__ = "department_uploads"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    department: str = Field(max_length=32)
    year: int
    filename: str = Field(max_length=200)
    rows: int
    matched: int
    region_code: str = Field(max_length=12, index=True, description="the uploader's scope")
    uploaded_by: str = Field(max_length=128)
    uploaded_at: datetime = Field(sa_type=DateTime(timezone=True))


class DepartmentFinding(Base, table=True):
    """What one matched row of a department's list says about a household's risk."""

    __tablename__ = "department_findings"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    upload_id: uuid.UUID = Field(foreign_key="department_uploads.id", index=True)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    member_id_masked: str = Field(max_length=18)
    department: str = Field(max_length=32)
    year: int
    kind: str = Field(max_length=32)
    reason: str = Field(max_length=300)
    amount_fen: int | None = None
    alert_id: uuid.UUID | None = None
    found_at: datetime = Field(sa_type=DateTime(timezone=True))


class Loan(Base, table=True):
    """A microcredit loan (小额信贷, seed §五(一)1) to a member of a lifted-out or marginal household."""

    __tablename__ = "loans"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    category: str = Field(max_length=32)
    borrower_member_id: uuid.UUID
    borrower_name: str = Field(max_length=50)
    bank: str = Field(max_length=100)
    amount_fen: int
    term_months: int
    annual_rate_bp: int
    subsidy_rate_bp: int = Field(description="the year's subsidy rate when lent; later changes leave it")
    purpose: str = Field(max_length=32)
    disbursed_on: date
    due_on: date = Field(index=True)
    repaid_fen: int = 0
    status: str = Field(max_length=16, index=True)
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class LoanRepayment(Base, table=True):
    """A repayment of a loan's principal."""

    __tablename__ = "loan_repayments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    loan_id: uuid.UUID = Field(foreign_key="loans.id", index=True)
    paid_on: date
    amount_fen: int
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class Post(Base, table=True):
    """A public-welfare post (公益性岗位, seed §五(八)) held by a member for a term at a monthly wage."""

    __tablename__ = "public_welfare_posts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True, description="the holder's village")
    household_number: str = Field(max_length=20)
    category: str = Field(max_length=32, description="the holder's household's category when appointed")
    holder_member_id: uuid.UUID
    holder_name: str = Field(max_length=50)
    holder_id_masked: str = Field(max_length=18)
    monthly_wage_fen: int
    starts_on: date
    ends_on: date = Field(index=True)
    priority_exception: str | None = Field(default=None, max_length=200)
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class Training(Base, table=True):
    """A skills training course (技能培训) held in a region, with its provider."""

    __tablename__ = "trainings"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    course: str = Field(max_length=100)
    provider: str = Field(max_length=100)
    region_code: str = Field(max_length=12, index=True, description="where it was held")
    starts_on: date
    ends_on: date
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class Workshop(Base, table=True):
    """An assistance workshop (扶贫车间) in a village, run by its operator."""

    __tablename__ = "workshops"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    region_code: str = Field(max_length=12, index=True)
    operator: str = Field(max_length=100)
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class WorkReliefProject(Base, table=True):
    """A 以工代赈 project in a village whose labour is paid to local members."""

    __tablename__ = "work_relief_projects"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    region_code: str = Field(max_length=12, index=True)
    starts_on: date
    ends_on: date
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class Engagement(Base, table=True):
    """A member in a training (with the certificate), a workshop (hired on) or a work-relief project (the
    labour of one month and its wage): what a household's employment is read from."""

    __tablename__ = "engagements"
    # A member's labour on a project is recorded once a month: its wage is paid once.
    __table_args__ = (UniqueConstraint("source_id", "member_id", "month"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=16, description="training, workshop or work_relief")
    source_id: uuid.UUID = Field(index=True, description="the training, workshop or project")
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    member_id: uuid.UUID
    member_name: str = Field(max_length=50)
    member_id_masked: str = Field(max_length=18)
    month: str = Field(default="", max_length=7, description="work relief: the month worked (YYYY-MM)")
    started_on: date | None = None
    days: int | None = None
    amount_fen: int | None = None
    certificate: str | None = Field(default=None, max_length=100)
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class DropoutFollowUp(Base, table=True):
    """What was done for a school-age child out of school (控辍保学): a visit home, a return, an exemption."""

    __tablename__ = "dropout_follow_ups"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    member_id: uuid.UUID = Field(index=True)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    member_name: str = Field(max_length=50)
    action: str = Field(max_length=32)
    note: str = Field(max_length=500)
    followed_on: date
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class InsuranceRecord(Base, table=True):
    """A member's basic medical insurance for a year: enrolled or not, the premium and the share paid for
    them (代缴); one per member and year, corrected in place."""

    __tablename__ = "medical_insurance"
    __table_args__ = (UniqueConstraint("member_id", "year"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    member_id: uuid.UUID
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    member_name: str = Field(max_length=50)
    year: int
    enrolled: bool
    premium_fen: int
    paid_on_behalf_fen: int
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


class Reimbursement(Base, table=True):
    """A member's reimbursed medical costs of a kind in a year, checked against that year's floor."""

    __tablename__ = "reimbursements"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    member_id: uuid.UUID
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    member_name: str = Field(max_length=50)
    year: int
    kind: str = Field(max_length=32)
    eligible_cost_fen: int
    reimbursed_fen: int
    floor_bp: int
    ratio_bp: int
    shortfall_fen: int
    alert_id: uuid.UUID | None = None
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))


def aware(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def aware_or_none(at: datetime | None) -> datetime | None:
    return None if at is None else aware(at)


class IndustryResult(Base, table=True):
    """What a household's own work achieved (seed §五(五) 以奖代补、先建后补): recorded by the village,
    verified at a household visit; only a verified result may be rewarded (payments' `industry_reward`)."""

    __tablename__ = "industry_results"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    what: str = Field(max_length=200, description="e.g. 出栏肉羊, 新建标准化棚圈")
    quantity: int
    unit: str = Field(max_length=16)
    achieved_on: date
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))
    visit_id: uuid.UUID | None = Field(default=None, description="the visit that saw the result")
    verified_by: str | None = Field(default=None, max_length=128, description="the visitor who saw it")
    verified_on: date | None = None


class HousingRenovation(Base, table=True):
    """A dangerous house's renovation (危房改造, seed §五(一)2): the appraisal, the project and its subsidy,
    and its acceptance (验收), which alone makes the household's housing secure again."""

    __tablename__ = "housing_renovations"
    # One unaccepted renovation per household, whatever races: progress is recorded on it, not beside it.
    __table_args__ = (
        Index(
            "uq_housing_renovations_unaccepted_household",
            "household_id",
            unique=True,
            sqlite_where=text("accepted_on IS NULL"),
            postgresql_where=text("accepted_on IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    head_name: str = Field(max_length=50)
    grade: str = Field(max_length=8)
    assessed_on: date
    kind: str = Field(max_length=16)
    subsidy_fen: int
    started_on: date | None = None
    completed_on: date | None = None
    accepted_on: date | None = None
    accepted_by: str | None = Field(default=None, max_length=100, description="who accepted it (验收)")
    note: str | None = Field(default=None, max_length=500)
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class WaterFix(Base, table=True):
    """A household's drinking-water problem and its fix (饮水安全); a fix done makes its water secure
    again."""

    __tablename__ = "water_fixes"
    # One open fix per household and problem, whatever races.
    __table_args__ = (
        Index(
            "uq_water_fixes_open_household_problem",
            "household_id",
            "problem",
            unique=True,
            sqlite_where=text("done_on IS NULL"),
            postgresql_where=text("done_on IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    head_name: str = Field(max_length=50)
    problem: str = Field(max_length=16)
    fix: str = Field(max_length=16)
    found_on: date
    started_on: date | None = None
    done_on: date | None = None
    note: str | None = Field(default=None, max_length=500)
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))
