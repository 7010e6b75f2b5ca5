"""Request and response models of the payments service (API.md "Payments")."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, HttpUrl, field_validator

from services.payments.enums import EndpointStatus, ObjectionOutcome
from shared.deliveries import Delivery
from shared.money import Fen
from shared.pages import Page
from shared.regions import Tier
from shared.text import Input
from shared.vocabulary.households import SchoolStage
from shared.vocabulary.payments import BatchStatus, ClaimStatus, Kind, LineStatus, Mode

REGION_CODE = r"^\d{6}(\d{3}){0,2}$"
Year = Field(ge=2013, le=2100)

# --- policies ---------------------------------------------------------------------------------------


class PolicyItemIn(Input):
    kind: Kind
    mode: Mode
    unit: str = Field(min_length=1, max_length=16, examples=["只"])
    rate_fen: Fen | None = Field(
        default=None,
        description="per unit, per student, per member a year, or per member a month (per_member_month); "
        "none for case by case",
    )
    cap_quantity: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="per household per year; per_member_month: the months paid (the 渐退期 months)",
    )
    school_stage: SchoolStage | None = Field(default=None, description="per_student items only")
    disability_grade: int | None = Field(
        default=None, ge=1, le=4, description="disability_living and disability_nursing: the grade priced"
    )


class PolicyItemPublic(PolicyItemIn):
    label: str


class PolicyCreate(Input):
    """A new version of the whole policy table, in force from `effective_from`."""

    effective_from: date
    notice_days: int = Field(
        default=7, ge=1, le=30, description="days a batch's notice is posted before it may be approved"
    )
    items: list[PolicyItemIn] = Field(min_length=1, max_length=100)


class PolicyPublic(BaseModel):
    id: uuid.UUID
    version: int
    effective_from: date
    notice_days: int
    created_by: str
    created_at: datetime
    items: list[PolicyItemPublic]


# --- claims -----------------------------------------------------------------------------------------


class ClaimCreate(Input):
    household_id: uuid.UUID
    kind: Kind
    year: int = Year
    quantity: int = Field(default=1, ge=1, le=100_000, description="head sold (出栏) for livestock")
    amount_fen: Fen | None = Field(
        default=None, gt=0, le=100_000_000, description="case-by-case kinds only: the amount asked for"
    )
    evidence: str | None = Field(
        default=None,
        max_length=500,
        description="e.g. the sale or quarantine certificate (动物检疫合格证明) number",
    )
    herd_record_outdated: bool = Field(
        default=False,
        description="livestock: the village says the herd on record is out of date; with `evidence`, a claim "
        "above the record goes for approval (`pending_approval`) instead of being refused",
    )
    result_id: uuid.UUID | None = Field(
        default=None,
        description="industry_reward only (and required there): the household's result as monitoring records "
        "it (`/api/v1/monitoring/industry-results`), verified at a visit; each result is rewarded once",
    )


class BreakdownPublic(BaseModel):
    requested: int
    eligible: int
    already_claimed: int
    rate_fen: int
    cap: int | None


class ClaimPublic(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    region_code: str
    payee_name: str
    kind: Kind
    year: int
    quantity: int
    amount_fen: int
    breakdown: BreakdownPublic
    policy_version: int
    status: ClaimStatus
    evidence: str | None
    herd_record_outdated: bool
    herd_on_record: int | None = Field(description="livestock: the registry's herd of that kind when filed")
    result_id: uuid.UUID | None = Field(default=None, description="industry_reward: the result it rewards")
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str | None


class ClaimPage(Page[ClaimPublic]): ...


class ClaimDecision(Input):
    comment: str | None = Field(default=None, max_length=500)


# --- entitlements -----------------------------------------------------------------------------------


class StudentPublic(BaseModel):
    member_id: str
    name: str
    school_stage: SchoolStage
    rate_fen: int


class LivestockPublic(BaseModel):
    kind: Kind
    rate_fen: int
    cap: int
    claimed: int
    remaining: int


class SafetyNetDuePublic(BaseModel):
    """What a member is due under a safety-net kind (seed §五(一)4), computed from the registry's facts."""

    kind: Kind
    member_id: str
    name: str
    quantity: int = Field(description="months for the monthly kinds, 1 otherwise")
    rate_fen: int
    amount_fen: int
    reason: str
    disability_grade: int | None


class Entitlements(BaseModel):
    """What a household is due in a year and why."""

    household_id: uuid.UUID
    year: int
    category: str
    eligible: bool
    reason: str
    policy_version: int
    education_fen: int = Field(description="the year's education living allowance, 0 when not eligible")
    students: list[StudentPublic]
    livestock: list[LivestockPublic]
    safety_net: list[SafetyNetDuePublic] = Field(
        description="the safety-net kinds each member is due in the year (paid by the batches of those kinds)"
    )
    claims: list[ClaimPublic]


# --- batches ----------------------------------------------------------------------------------------


class BatchCreate(Input):
    year: int = Year
    month: int | None = Field(
        default=None, ge=1, le=12, description="wage kinds (post_wage, work_relief_wage) only: the month paid"
    )
    kind: Kind
    region: str = Field(pattern=REGION_CODE, description="the banner, a township or a village in scope")


class DividendLineIn(Input):
    """A plan's line; the payee is the household's head as the registry records it, not a name sent here."""

    household_id: uuid.UUID
    amount_fen: Fen = Field(gt=0, le=100_000_000)


class DividendBatchCreate(Input):
    """An approved assets dividend plan handed over for payment: accepted only as assets shows the plan."""

    plan_id: uuid.UUID
    year: int = Year
    region: str = Field(pattern=REGION_CODE, description="the plan's village (or township, banner) in scope")
    purpose: str = Field(min_length=1, max_length=100, examples=["资产收益分红"])
    lines: list[DividendLineIn] = Field(min_length=1, max_length=50_000)


class DividendBatchCreated(BaseModel):
    batch_id: uuid.UUID
    status: BatchStatus
    total_fen: int
    line_count: int


class HeldHousehold(BaseModel):
    """A household a batch left out because a bank could not pay its account, and why (in Chinese)."""

    household_id: uuid.UUID
    household_number: str
    region_code: str
    reason: str


class BatchPublic(BaseModel):
    id: uuid.UUID
    year: int
    kind: Kind
    region_code: str
    status: BatchStatus
    total_fen: int
    line_count: int
    created_by: str
    created_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    disbursed_by: str | None
    disbursed_at: datetime | None
    endpoint_id: uuid.UUID | None
    completed_at: datetime | None
    source_plan_id: uuid.UUID | None = Field(description="the assets dividend plan a dividend batch pays")
    purpose: str | None
    month: int | None = Field(description="a wage batch's month of its year")
    number: str | None = Field(description="readable, assigned on creation per year and kind: 2026-肉羊-0003")
    notice_posted_at: datetime | None = Field(description="when its notice was published (on submit)")
    notice_until: datetime | None = Field(description="approve and disburse answer 409 until then")
    returned_by: str | None
    returned_at: datetime | None
    return_reason: str | None
    cancelled_by: str | None
    cancelled_at: datetime | None
    repays_batch_id: uuid.UUID | None = Field(description="the completed batch whose failed lines it pays")
    held: list[HeldHousehold] = Field(
        default_factory=list, description="households left out for their account, for the village to fix"
    )

    @field_validator("held", mode="before")
    @classmethod
    def _none_held(cls, value: Any) -> Any:
        return value or []


class BatchPage(Page[BatchPublic]): ...


class BatchReturn(Input):
    reason: str = Field(min_length=1, max_length=500, description="why the maker must correct it")


class ObjectionCreate(Input):
    reason: str = Field(min_length=1, max_length=500, description="what was objected, by whom (as told)")


class ObjectionSettle(Input):
    """`upheld`: the line leaves the batch (released for a later one); `dismissed`: it stays."""

    outcome: ObjectionOutcome
    note: str = Field(min_length=1, max_length=500)


class ObjectionPublic(BaseModel):
    id: uuid.UUID
    line_id: uuid.UUID
    batch_id: uuid.UUID
    region_code: str
    household_number: str
    reason: str
    raised_by: str
    raised_at: datetime
    settled_by: str | None
    settled_at: datetime | None
    outcome: ObjectionOutcome | None
    note: str | None


class ObjectionPage(Page[ObjectionPublic]): ...


class LinePublic(BaseModel):
    id: uuid.UUID = Field(description="also the bank instruction id")
    batch_id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    region_code: str
    payee_name: str
    bank_name: str | None = Field(description="the payee account's bank, as the instruction names it")
    account_masked: str | None = Field(description="the account number, masked: 6217 **** **** 1234")
    amount_fen: int
    quantity: int | None
    rate_fen: int | None
    beneficiary: str | None = Field(
        default=None,
        description="the member a line is for (the safety net, a wage), paid into the account of the payee",
    )
    policy_version: int
    claim_id: uuid.UUID | None
    status: LineStatus
    bank_reference: str | None
    reason: str | None
    updated_at: datetime


class LinePage(Page[LinePublic]): ...


class HouseholdLine(LinePublic):
    """A household's payment line with its batch: what it paid, in which run, and the bank's answer."""

    batch_kind: Kind
    batch_year: int
    batch_status: BatchStatus
    batch_purpose: str | None


class HouseholdLinePage(Page[HouseholdLine]): ...


class ReconciliationPublic(BaseModel):
    """paid + failed + pending = total, to the fen (returned counts as failed, sent as pending)."""

    batch_id: uuid.UUID
    total_fen: int
    paid_fen: int
    failed_fen: int
    pending_fen: int
    counts: dict[LineStatus, int]
    discrepancies: int = Field(
        default=0, description="open bank discrepancies on the batch's lines: its outcome is not settled"
    )


class NoticeRow(BaseModel):
    household_number: str
    village_code: str
    village_name: str | None
    payee_name: str = Field(description="masked: 巴*尔")
    id_masked: str
    amount_fen: int
    amount_yuan: str


class NoticeIssuer(BaseModel):
    """An issuing body of the notice at one level (嘎查村、苏木镇、旗三级公示) and where to report to."""

    level: Tier
    region_code: str
    name: str = Field(examples=["锡尼镇人民政府"])
    supervision_phone: str


class NoticePublic(BaseModel):
    """The public disclosure list of a batch (seed §六(四)): names and ID numbers masked; published on submit
    with fixed dates, so every reprint shows the same period."""

    batch_id: uuid.UUID
    number: str | None
    title: str
    fund_source: str
    fund_use: str
    published: bool = Field(description="false until the batch is submitted: a draft has no notice yet")
    posted_at: datetime | None
    posted_on: date | None = Field(description="the posting day, Beijing time")
    until: datetime | None = Field(description="the end of the notice period; approval waits for it")
    issuers: list[NoticeIssuer] = Field(description="village, township and banner, as far as the region goes")
    kind: Kind
    kind_label: str
    year: int
    region_code: str
    region_name: str | None
    level: Tier
    total_fen: int
    total_yuan: str
    rows: list[NoticeRow]


# --- webhooks and the bank --------------------------------------------------------------------------


class EndpointCreate(Input):
    url: HttpUrl = Field(description="its host must be on the allowlist (setting BANK_ENDPOINT_HOSTS)")
    secret: str | None = Field(
        default=None, pattern=r"^whsec_[A-Za-z0-9+/=]{24,}$", description="generated when absent"
    )
    bank_client_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$",
        description="the gateway API client (role bank) whose callbacks count; "
        "absent: the bank client of the active endpoint it replaces",
    )


class EndpointPublic(BaseModel):
    id: uuid.UUID
    url: str
    status: EndpointStatus
    bank_client_id: str | None
    created_by: str = Field(description="who proposed it (the banner admin)")
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    retired_at: datetime | None


class EndpointCreated(EndpointPublic):
    secret: str = Field(description="the whsec_ signing secret, shown once")


class EndpointPage(Page[EndpointPublic]): ...


class DeliveryPublic(Delivery):
    """A bank instruction in the outbox."""

    instruction_id: uuid.UUID | None
    batch_id: uuid.UUID | None
    endpoint_id: uuid.UUID | None


class DeliveryPage(Page[DeliveryPublic]): ...


class BankCallbackIn(Input):
    instruction_id: uuid.UUID
    status: Literal["paid", "failed", "returned"]
    bank_reference: str = Field(min_length=1, max_length=64)
    reason: str | None = Field(default=None, max_length=200)


class BankCallbackResult(BaseModel):
    webhook_id: str
    instruction_id: uuid.UUID
    reported: LineStatus
    applied: bool = Field(description="false when the report changed nothing (late, duplicate or backwards)")
    line_status: LineStatus
    discrepancy_id: uuid.UUID | None = Field(
        default=None,
        description="set when the report contradicts the line's final status: not applied, but recorded as "
        "a bank discrepancy that a banner official resolves",
    )


class DiscrepancyPublic(BaseModel):
    """A bank report that contradicts a line's final status; its entitlement is held while it is open."""

    id: uuid.UUID
    line_id: uuid.UUID
    batch_id: uuid.UUID
    entitlement_key: str
    region_code: str
    amount_fen: int
    held_status: LineStatus
    reported_status: LineStatus
    webhook_id: str
    bank_reference: str
    reason: str | None
    rebatched_line_id: uuid.UUID | None = Field(
        description="the live line of another batch that held the entitlement when `paid` came"
    )
    possible_double_payment: bool = Field(description="`paid` came after the entitlement was batched again")
    received_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: Literal["paid", "not_paid"] | None
    resolution_note: str | None
    overpaid_fen: int | None = Field(description="paid twice: the amount to recover from the payee")


class DiscrepancyPage(Page[DiscrepancyPublic]): ...


class DiscrepancyResolve(Input):
    """`paid`: the money did move; `not_paid`: the bank confirms it did not, the entitlement is free."""

    outcome: Literal["paid", "not_paid"]
    note: str = Field(min_length=1, max_length=500)


# --- statements -------------------------------------------------------------------------------------


class StatementRow(BaseModel):
    """One statement entry as reconciled against the batch's instruction."""

    row: int = Field(description="1-based entry number in the file")
    instruction_id: uuid.UUID | None
    reported: LineStatus | None
    amount_fen: int
    bank_reference: str
    applied: bool = Field(description="the line moved as the statement says")
    line_status: LineStatus | None
    discrepancy_id: uuid.UUID | None = Field(description="recorded as a bank discrepancy: not applied")
    problem: str | None = Field(description="why the entry was not applied, in Chinese")


class StatementResult(BaseModel):
    batch_id: uuid.UUID
    format: Literal["csv", "mt940"]
    rows: list[StatementRow]
    reconciliation: ReconciliationPublic
