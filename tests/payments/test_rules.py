"""The plan's payment rules as pure functions: every figure of seed §五(一), exactly, in fen."""

import pytest

from services.payments.rules import (
    Breakdown,
    Item,
    check_eligible,
    education_allowance,
    livestock_subsidy,
    next_line_status,
    reconcile,
)
from shared.vocabulary.households import SchoolStage
from shared.vocabulary.payments import FROM_MONITORING, SAFETY_NET, Kind, LineStatus, Mode
from tests.payments.conftest import PLAN, SAFETY_NET_PLAN

ITEMS = [
    Item(
        kind=kind,
        mode=Mode(mode),
        unit=unit,
        rate_fen=rate,
        cap_quantity=cap,
        school_stage=SchoolStage(stage) if stage else None,
    )
    for kind, stage, mode, unit, rate, cap in PLAN.PLAN_ITEMS
]
SHEEP, CATTLE, PIG = (next(i for i in ITEMS if i.kind == k) for k in (Kind.sheep, Kind.cattle, Kind.pig))


def test_the_seeded_version_holds_the_plans_figures() -> None:
    per_unit = {(i.kind, i.rate_fen, i.cap_quantity) for i in ITEMS if i.mode == Mode.per_unit}
    assert per_unit == {(Kind.sheep, 10_000, 20), (Kind.cattle, 100_000, 2), (Kind.pig, 50_000, 4)}
    per_student = {i.school_stage: i.rate_fen for i in ITEMS if i.mode == Mode.per_student}
    assert per_student == {
        SchoolStage.kindergarten: 375_000,
        SchoolStage.primary: 250_000,
        SchoolStage.junior: 280_000,
        SchoolStage.senior: 300_000,
        SchoolStage.tertiary: 400_000,
    }
    # Migration 0011 renamed three kinds and made the safety net computed (test_safety_net_rules.py).
    case_by_case = {
        SAFETY_NET_PLAN.RENAMED.get(i.kind, i.kind) for i in ITEMS if i.mode == Mode.case_by_case
    } - SAFETY_NET
    # Dividends are priced by the assets service's plans, wages and 贴息 by monitoring's posts, labour and
    # loans, not by the policy table.
    priced_elsewhere = (
        {Kind.sheep, Kind.cattle, Kind.pig, Kind.education, Kind.dividend} | FROM_MONITORING | SAFETY_NET
    )
    assert case_by_case == set(Kind) - priced_elsewhere


@pytest.mark.parametrize(
    ("item", "requested", "already", "amount", "eligible"),
    [
        (SHEEP, 1, 0, 10_000, 1),
        (SHEEP, 20, 0, 200_000, 20),
        (SHEEP, 21, 0, 200_000, 20),
        (SHEEP, 15, 0, 150_000, 15),
        (SHEEP, 10, 15, 50_000, 5),
        (SHEEP, 3, 20, 0, 0),
        (CATTLE, 1, 0, 100_000, 1),
        (CATTLE, 3, 0, 200_000, 2),
        (CATTLE, 2, 1, 100_000, 1),
        (PIG, 4, 0, 200_000, 4),
        (PIG, 5, 0, 200_000, 4),
        (PIG, 2, 3, 50_000, 1),
    ],
)
def test_livestock_sale_subsidy_is_rate_times_head_within_the_yearly_cap(
    item: Item, requested: int, already: int, amount: int, eligible: int
) -> None:
    subsidy = livestock_subsidy(item.kind, requested, already, item)
    assert subsidy.amount_fen == amount
    assert subsidy.breakdown == Breakdown(requested, eligible, already, item.rate_fen, item.cap_quantity)


def test_fifteen_then_ten_sheep_pay_1500_then_500_yuan() -> None:
    first = livestock_subsidy(Kind.sheep, 15, 0, SHEEP)
    second = livestock_subsidy(Kind.sheep, 10, first.breakdown.eligible, SHEEP)
    assert (first.amount_fen, second.amount_fen) == (150_000, 50_000)


def test_an_item_of_another_kind_cannot_price_a_claim() -> None:
    with pytest.raises(ValueError):
        livestock_subsidy(Kind.cattle, 1, 0, SHEEP)


@pytest.mark.parametrize(
    ("stage", "fen"),
    [
        ("kindergarten", 375_000),
        ("primary", 250_000),
        ("junior", 280_000),
        ("senior", 300_000),
        ("tertiary", 400_000),
        ("none", 0),
    ],
)
def test_education_allowance_per_student_by_stage(stage: str, fen: int) -> None:
    allowance = education_allowance([{"id": "m1", "name": "其其格", "school_stage": stage}], 2025, ITEMS)
    assert allowance.amount_fen == fen
    assert len(allowance.students) == (1 if fen else 0)


def test_education_allowance_sums_every_enrolled_member() -> None:
    members = [
        {"id": str(i), "name": f"n{i}", "school_stage": s}
        for i, s in enumerate(["none", "kindergarten", "primary", "junior", "senior", "tertiary", "primary"])
    ]
    allowance = education_allowance(members, 2025, ITEMS)
    assert allowance.amount_fen == 375_000 + 250_000 + 280_000 + 300_000 + 400_000 + 250_000
    assert [s.rate_fen for s in allowance.students] == [375_000, 250_000, 280_000, 300_000, 400_000, 250_000]


@pytest.mark.parametrize("category", ["lifted_supported", "marginal", "monitored", "sudden_hardship"])
def test_supported_categories_are_eligible(category: str) -> None:
    assert check_eligible(category).eligible


@pytest.mark.parametrize(
    ("category", "words"), [("lifted_unsupported", "已脱贫不享受政策户"), ("ordinary", "一般农牧户")]
)
def test_other_categories_are_refused_with_a_reason_in_chinese(category: str, words: str) -> None:
    eligibility = check_eligible(category)
    assert not eligibility.eligible and words in eligibility.reason and "不在补贴范围内" in eligibility.reason


def test_line_status_only_moves_forward_and_a_paid_line_may_come_back() -> None:
    s = LineStatus
    assert next_line_status(s.pending, s.sent) == s.sent
    assert next_line_status(s.sent, s.paid) == s.paid
    assert next_line_status(s.paid, s.sent) is None
    assert next_line_status(s.paid, s.pending) is None
    assert next_line_status(s.paid, s.paid) is None
    assert next_line_status(s.paid, s.failed) is None
    assert next_line_status(s.paid, s.returned) == s.returned
    assert next_line_status(s.returned, s.paid) is None
    assert next_line_status(s.failed, s.paid) is None
    assert next_line_status(s.sent, s.returned) == s.returned


def test_reconciliation_parts_sum_to_the_total() -> None:
    s = LineStatus
    result = reconcile([(s.paid, 100), (s.failed, 7), (s.returned, 3), (s.sent, 11), (s.pending, 1)])
    assert (result.total_fen, result.paid_fen, result.failed_fen, result.pending_fen) == (122, 100, 10, 12)
