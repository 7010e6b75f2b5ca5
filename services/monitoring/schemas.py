"""Request and response models of the monitoring service."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from services.monitoring.enums import Department, RecordKind, SelfReportStatus
from shared.deliveries import Delivery
from shared.idnumber import InvalidIdNumber, parse_id_number
from shared.money import Fen
from shared.pages import Page
from shared.text import Input
from shared.vocabulary.households import Category
from shared.vocabulary.monitoring import (
    Action,
    AlertKind,
    AlertStatus,
    AssistanceStatus,
    CaseStatus,
    DeliveryState,
    DepartmentList,
    LoanPurpose,
    LoanStatus,
    MeasureKind,
    MeasureStatus,
    ReliefKind,
    RiskType,
    Source,
)

VILLAGE_CODE = r"^\d{12}$"
REGION_CODE = r"^\d{6}(\d{3}){0,2}$"
PHONE_PATTERN = r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$"
RiskTypes = list[RiskType]


def _distinct(values: list[RiskType]) -> list[RiskType]:
    return list(dict.fromkeys(values))


# --- cases --------------------------------------------------------------------------------------------


class Authorisation(Input):
    """The applicant's signed authorisation (承诺授权) for the asset and income checks."""

    signed: bool
    signed_on: date | None = None


class CaseCreate(Input):
    household_id: uuid.UUID
    source: Source
    risk_types: RiskTypes = Field(min_length=1, max_length=9)
    description: str = Field(min_length=2, max_length=1000)
    authorisation: Authorisation | None = Field(
        default=None, description="required for a self_application, and it must be signed"
    )

    _distinct_risks = field_validator("risk_types")(_distinct)


class TransitionIn(Input):
    action: Action
    comment: str | None = Field(default=None, max_length=500, description="the reason, required to reject")

    @model_validator(mode="after")
    def _reason_to_reject(self) -> "TransitionIn":
        if self.action == Action.reject and not (self.comment and self.comment.strip()):
            raise ValueError("不予纳入须说明理由 (comment)")
        return self


class StepPublic(BaseModel):
    action: str = Field(description="`open` for the application, then one of the transition actions")
    from_status: CaseStatus | None
    to_status: CaseStatus
    actor: str
    role: str
    at: datetime
    comment: str | None
    note: str | None = Field(
        description="what the system adds, e.g. a village reviewed by its committee alone"
    )


class SignaturePublic(BaseModel):
    """One signature of the joint village review (村两委 and 驻村工作队)."""

    actor: str
    role: str
    at: datetime
    comment: str | None


class StepSpanPublic(BaseModel):
    status: CaseStatus
    entered_at: datetime
    left_at: datetime | None
    days: float


class CaseClock(BaseModel):
    """The 15-day rule: from first discovery to the banner's decision."""

    discovered_at: datetime
    decision_due_at: datetime
    decided_at: datetime | None
    age_days: int = Field(description="whole days since discovery")
    overdue: bool = Field(description="not decided by the banner within the deadline")
    steps: list[StepSpanPublic]


class ObjectionIn(Input):
    content: str = Field(min_length=2, max_length=1000)
    raised_by_name: str | None = Field(default=None, max_length=50)


class ObjectionResolve(Input):
    resolution: str = Field(min_length=2, max_length=1000)
    upheld: bool


class ObjectionPublic(BaseModel):
    id: uuid.UUID
    content: str
    raised_by_name: str | None
    raised_at: datetime
    recorded_by: str
    resolved_at: datetime | None
    resolution: str | None
    upheld: bool | None
    resolved_by: str | None


class MeasureIn(Input):
    kind: MeasureKind
    description: str = Field(min_length=2, max_length=1000)
    cadre_name: str = Field(min_length=1, max_length=50, description="the responsible cadre (帮扶责任人)")
    outcome: str | None = Field(default=None, max_length=1000)
    started_on: date


class MeasureUpdate(Input):
    outcome: str = Field(min_length=1, max_length=1000)
    completed_on: date | None = None


class MeasurePublic(BaseModel):
    id: uuid.UUID
    kind: MeasureKind
    description: str
    cadre_name: str
    outcome: str | None
    started_on: date
    completed_on: date | None
    recorded_by: str
    recorded_at: datetime


class ReliefIn(Input):
    kind: ReliefKind
    amount_fen: Fen = Field(gt=0, le=100_000_000)
    description: str = Field(min_length=2, max_length=1000)
    granted_on: date


class ReliefPublic(BaseModel):
    id: uuid.UUID
    kind: ReliefKind
    amount_fen: int
    description: str
    granted_on: date
    recorded_by: str
    recorded_at: datetime


class CaseSummary(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    head_name: str
    region_code: str
    status: CaseStatus
    source: Source
    risk_types: list[RiskType]
    discovered_at: datetime
    decision_due_at: datetime
    age_days: int
    overdue: bool
    pending_action: Action | None


class CasePublic(CaseSummary):
    allowed_actions: list[Action] = Field(
        description="the steps the caller may take now (its role, tier and place): the page offers these"
    )
    head_name_masked: str
    category_at_opening: Category
    income_per_capita_fen: int | None
    description: str
    authorisation: Authorisation
    opened_by: str
    opened_at: datetime
    alert_id: uuid.UUID | None
    notice_starts_at: datetime | None
    notice_ends_at: datetime | None
    confirmed_at: datetime | None
    confirmed_category: Category | None
    registry_change: DeliveryState | None = Field(
        description="whether the registry category change the confirmation causes has been delivered"
    )
    eliminated_at: datetime | None
    return_category: Category | None = Field(
        description="the category the household returns to on the risk's elimination"
    )
    return_change: DeliveryState | None = Field(
        description="whether the registry category change the elimination causes has been delivered"
    )
    signatures: list[SignaturePublic] = Field(description="the village review's signatures so far")
    clock: CaseClock
    steps: list[StepPublic]
    objections: list[ObjectionPublic]
    measures: list[MeasurePublic]
    reliefs: list[ReliefPublic]


class CasePage(Page[CaseSummary]): ...


class NoticeItem(BaseModel):
    """One line of a village notice (公示): the head's name in full, as village notices name those proposed
    (so neighbours can object); never an ID number, phone, bank account or health condition."""

    case_id: uuid.UUID
    region_code: str
    household_number: str
    head_name: str = Field(description="in full, as the village notice names the household")
    risk_types: list[RiskType]
    notice_starts_at: datetime
    notice_ends_at: datetime
    objection_deadline: datetime


class NoticePage(Page[NoticeItem]): ...


# --- discovery ----------------------------------------------------------------------------------------


class VisitIn(Input):
    household_id: uuid.UUID
    visited_on: date
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    income_per_capita_fen: Fen = Field(le=100_000_000)
    employment: str | None = Field(default=None, max_length=200)
    schooling_note: str | None = Field(default=None, max_length=500)
    medical_note: str | None = Field(default=None, max_length=500)
    rigid_expenditure_fen: Fen = Field(le=100_000_000)
    note: str = Field(default="", max_length=1000)


class VisitPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    region_code: str
    household_number: str
    visited_on: date
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    income_per_capita_fen: int
    employment: str | None
    schooling_note: str | None
    medical_note: str | None
    rigid_expenditure_fen: int
    note: str
    visitor: str
    visitor_role: str
    recorded_at: datetime


class VisitResult(BaseModel):
    visit: VisitPublic
    alerts: list["AlertPublic"]


class VisitPage(Page[VisitPublic]): ...


class HouseholdActivity(BaseModel):
    """What monitoring holds of one household for the village roster."""

    household_id: uuid.UUID
    last_visited_on: date | None = None
    visits: int = 0
    open_case_id: uuid.UUID | None = None
    open_case_status: CaseStatus | None = None
    open_alerts: int = 0


class DepartmentRecordIn(Input):
    id_number: str = Field(min_length=18, max_length=18)
    kind: RecordKind
    amount_fen: Fen | None = Field(default=None, le=1_000_000_000)
    detail: str | None = Field(default=None, max_length=300)

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        try:
            return parse_id_number(value).number
        except InvalidIdNumber as exc:
            raise ValueError(str(exc)) from None


class DepartmentBatchIn(Input):
    source: Department
    year: int = Field(ge=2013, le=2100)
    records: list[DepartmentRecordIn] = Field(min_length=1, max_length=10_000)


class UnmatchedRecord(BaseModel):
    index: int
    id_masked: str
    kind: RecordKind
    reason: str


class DepartmentBatchResult(BaseModel):
    received: int
    matched: int
    unmatched: list[UnmatchedRecord]
    alerts: list["AlertPublic"]


class AlertPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    region_code: str
    household_number: str
    head_name: str
    kind: AlertKind
    origin: str
    year: int
    reason: str
    amount_fen: int | None
    status: AlertStatus
    raised_at: datetime
    case_id: uuid.UUID | None
    dismissed_reason: str | None
    decided_by: str | None
    decided_at: datetime | None


class AlertPage(Page[AlertPublic]): ...


class AlertToCase(Input):
    """Optional refinements when an alert becomes a case; by default its risk and reason carry over."""

    risk_types: RiskTypes | None = Field(default=None, min_length=1, max_length=9)
    description: str | None = Field(default=None, min_length=2, max_length=1000)


class AlertDismiss(Input):
    reason: str = Field(min_length=2, max_length=500)


# --- work teams ---------------------------------------------------------------------------------------


class WorkTeamIn(Input):
    """A work team (驻村工作队) the banner dispatched to a village; `withdrawn_on` once it is recalled."""

    leader_name: str = Field(min_length=1, max_length=50, description="the team leader (队长)")
    dispatched_on: date
    withdrawn_on: date | None = None


class WorkTeamPublic(WorkTeamIn):
    village_code: str
    updated_by: str
    updated_at: datetime


# --- thresholds ---------------------------------------------------------------------------------------


class ThresholdsIn(Input):
    income_line_fen: Fen = Field(gt=0, le=100_000_000, description="the year's monitoring income line")
    rigid_expenditure_fen: Fen = Field(gt=0, le=100_000_000, description="rigid spending counted as large")
    notice_days: int = Field(default=5, ge=5, le=30, description="public notice, at least 5 days")
    decision_days: int = Field(default=15, ge=1, le=90, description="from discovery to the banner's decision")
    medical_out_of_pocket_fen: Fen = Field(
        default=500_000, gt=0, le=100_000_000, description="a member's yearly out-of-pocket cost at risk"
    )
    loan_max_fen: Fen = Field(
        default=5_000_000, gt=0, le=100_000_000, description="the largest microcredit loan"
    )
    loan_max_term_months: int = Field(default=36, ge=1, le=120, description="the longest microcredit term")
    loan_subsidy_rate_bp: int = Field(
        default=310, ge=0, le=2_000, description="interest subsidised (贴息), yearly rate in basis points"
    )
    chronic_reimbursement_floor_bp: int = Field(
        default=8_000, ge=0, le=10_000, description="the least share of chronic-disease costs reimbursed"
    )
    inpatient_reimbursement_floor_bp: int = Field(
        default=9_000, ge=0, le=10_000, description="the least share of serious-illness in-patient costs"
    )


class ThresholdsPublic(ThresholdsIn):
    year: int
    is_set: bool = Field(description="false when the year has no figures of its own and these are inherited")
    source_year: int | None = Field(description="the year the figures come from (None: built-in default)")
    updated_by: str | None
    updated_at: datetime | None


# --- self-reports and deliveries ----------------------------------------------------------------------


class SelfReportIn(Input):
    """The public one-click form (一键申报), relayed by the gateway."""

    village_code: str = Field(pattern=VILLAGE_CODE)
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=PHONE_PATTERN)
    id_number: str = Field(min_length=18, max_length=18)
    description: str = Field(min_length=2, max_length=1000)
    risk_types: RiskTypes = Field(min_length=1, max_length=9)
    authorisation_signed: bool = Field(
        default=False, description="the reporter ticked the authorisation (承诺授权) box"
    )

    _distinct_risks = field_validator("risk_types")(_distinct)

    @field_validator("name", "description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("不能为空")
        return value.strip()

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        try:
            return parse_id_number(value).number
        except InvalidIdNumber as exc:
            raise ValueError(str(exc)) from None


class SelfReportPublic(BaseModel):
    id: uuid.UUID
    village_code: str
    region_code: str
    name: str
    phone: str
    id_masked: str
    description: str
    risk_types: list[RiskType]
    status: SelfReportStatus
    household_id: uuid.UUID | None
    case_id: uuid.UUID | None
    received_at: datetime


class SelfReportPage(Page[SelfReportPublic]): ...


class DeliveryPublic(Delivery):
    """A registry category change in the outbox."""

    household_id: str | None
    category: str | None


class DeliveryPage(Page[DeliveryPublic]): ...


# --- assistance plans (一户一策) ------------------------------------------------------------------------


class Responsible(Input):
    """The responsible cadre (帮扶责任人): an account's username and the name the household knows."""

    username: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field(min_length=1, max_length=50)


class PlanMeasureIn(Input):
    kind: MeasureKind
    target: str = Field(min_length=2, max_length=500, description="what the measure is to reach")
    due_on: date
    status: MeasureStatus = MeasureStatus.planned
    evidence: str | None = Field(default=None, max_length=1000, description="required once it is done")


class PlanMeasureUpdate(Input):
    target: str | None = Field(default=None, min_length=2, max_length=500)
    due_on: date | None = None
    status: MeasureStatus | None = None
    evidence: str | None = Field(default=None, max_length=1000)


class PlanMeasurePublic(BaseModel):
    id: uuid.UUID
    kind: MeasureKind
    target: str
    due_on: date
    status: MeasureStatus
    overdue: bool = Field(description="not done and past its due date")
    evidence: str | None
    completed_on: date | None
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime


class PlanCreate(Input):
    household_id: uuid.UUID
    responsible: Responsible
    wants_loan: bool = Field(default=False, description="the household wishes to borrow (应贷尽贷)")
    measures: list[PlanMeasureIn] = Field(default_factory=list, max_length=50)


class PlanUpdate(Input):
    responsible: Responsible | None = None
    wants_loan: bool | None = None


class PlanPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    region_code: str
    household_number: str
    head_name: str
    category: Category
    responsible: Responsible
    wants_loan: bool
    measures: list[PlanMeasurePublic]
    overdue_measures: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class PlanPage(Page[PlanPublic]): ...


# --- department lists (数据比对) ------------------------------------------------------------------------


def _yes_no(value: object) -> object:
    """Spreadsheets say 是 / 否."""
    return {"是": True, "否": False}.get(value, value) if isinstance(value, str) else value


class ListRow(Input):
    """One row of a department's list: the member's ID number, then the department's own columns."""

    id_number: str = Field(min_length=18, max_length=18)

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        try:
            return parse_id_number(value).number
        except InvalidIdNumber as exc:
            raise ValueError(str(exc)) from None

    @field_validator("*", mode="before")
    @classmethod
    def _words(cls, value: object) -> object:
        return _yes_no(value)


class MedicalRow(ListRow):
    out_of_pocket_fen: Fen = Field(description="the member's out-of-pocket medical cost this year")
    serious_illness: bool | None = None
    chronic_disease: bool | None = None


class CivilAffairsRow(ListRow):
    status: AssistanceStatus

    @field_validator("status", mode="before")
    @classmethod
    def _label(cls, value: object) -> object:
        by_label = {s.label: s.value for s in AssistanceStatus}
        return by_label.get(value, value) if isinstance(value, str) else value


class EducationRow(ListRow):
    enrolled: bool


class SafetyRow(ListRow):
    safe: bool


class DisabilityRow(ListRow):
    grade: int = Field(ge=1, le=4)


class EmploymentRow(ListRow):
    employed: bool


LIST_ROWS: dict[DepartmentList, type[ListRow]] = {
    DepartmentList.medical_security: MedicalRow,
    DepartmentList.civil_affairs: CivilAffairsRow,
    DepartmentList.education: EducationRow,
    DepartmentList.housing: SafetyRow,
    DepartmentList.water: SafetyRow,
    DepartmentList.disability: DisabilityRow,
    DepartmentList.human_resources: EmploymentRow,
}


class UnmatchedRow(BaseModel):
    row: int = Field(description="the row's number in the file (the header is row 1)")
    id_masked: str
    reason: str


class FindingPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    region_code: str
    household_number: str
    member_id_masked: str
    department: DepartmentList
    year: int
    kind: AlertKind
    reason: str
    amount_fen: int | None
    alert_id: uuid.UUID | None = Field(description="the alert raised (a household with no open case)")
    found_at: datetime


class DepartmentListResult(BaseModel):
    id: uuid.UUID
    department: DepartmentList
    year: int
    rows: int
    matched: int
    unmatched: list[UnmatchedRow]
    findings: list[FindingPublic]


class FindingPage(Page[FindingPublic]): ...


# --- microcredit (小额信贷) -------------------------------------------------------------------------------


class LoanCreate(Input):
    household_id: uuid.UUID
    borrower_member_id: uuid.UUID
    bank: str = Field(min_length=2, max_length=100)
    amount_fen: Fen = Field(gt=0)
    term_months: int = Field(ge=1, le=120)
    annual_rate_bp: int = Field(ge=0, le=2_000, description="the loan's yearly rate in basis points")
    purpose: LoanPurpose = Field(description="production only: consumption and other uses are refused")
    disbursed_on: date


class RepaymentIn(Input):
    paid_on: date
    amount_fen: Fen = Field(gt=0, description="principal repaid")


class RepaymentPublic(BaseModel):
    id: uuid.UUID
    paid_on: date
    amount_fen: int
    recorded_by: str
    recorded_at: datetime


class LoanPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    region_code: str
    household_number: str
    category: Category
    borrower_member_id: uuid.UUID
    borrower_name: str
    bank: str
    amount_fen: int
    term_months: int
    annual_rate_bp: int
    subsidy_rate_bp: int = Field(description="the subsidy rate of the year it was lent")
    purpose: LoanPurpose
    disbursed_on: date
    due_on: date
    repaid_fen: int
    outstanding_fen: int
    status: LoanStatus
    overdue: bool
    interest_subsidy_fen: int = Field(description="interest subsidised (贴息) so far, up to the due date")
    repayments: list[RepaymentPublic]
    recorded_by: str
    recorded_at: datetime


class LoanPage(Page[LoanPublic]): ...


class VillageCoveragePublic(BaseModel):
    village_code: str
    wishing: int = Field(description="eligible households with a plan that records a wish to borrow")
    lent: int = Field(description="of those, households lent to")
    not_lent: int


class LoanCoverage(BaseModel):
    """应贷尽贷: per village, households wishing to borrow against those lent to."""

    region: str
    wishing: int
    lent: int
    villages: list[VillageCoveragePublic]
