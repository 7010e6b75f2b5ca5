"""The assets rules as pure functions: the dividend split to the fen, fund arithmetic, notice periods."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from services.assets import rules
from services.assets.rules import InvestmentFacts, Parts, Shares, split_dividend
from shared.vocabulary.assets import (
    AssetStatus,
    CertificationCheck,
    CommitmentKind,
    Comparison,
    PlanStatus,
    TargetStatus,
)

EVEN = Shares(100, 0, 0)


def ids(n: int, rng: random.Random | None = None) -> list[uuid.UUID]:
    rng = rng or random.Random(n)
    return [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(n)]


def test_one_hundred_yuan_over_three_households_gives_the_odd_fen_to_the_first_by_id() -> None:
    households = ids(3)
    parts, lines = split_dividend(10_000, EVEN, households)
    assert parts == Parts(10_000, 0, 0)
    assert [fen for _, fen in lines] == [3334, 3333, 3333]
    assert [h for h, _ in lines] == sorted(households)


def test_the_order_the_ids_arrive_in_changes_nothing() -> None:
    households = ids(7)
    shuffled = households[:]
    random.Random(3).shuffle(shuffled)
    assert split_dividend(1_000_003, Shares(60, 25, 15), households) == split_dividend(
        1_000_003, Shares(60, 25, 15), shuffled
    )


@pytest.mark.parametrize(
    ("total", "shares", "n", "parts", "amounts"),
    [
        (1, EVEN, 3, (1, 0, 0), [1, 0, 0]),
        (0, Shares(60, 20, 20), 3, (0, 0, 0), [0, 0, 0]),
        (2, EVEN, 3, (2, 0, 0), [1, 1, 0]),
        (10_001, Shares(60, 20, 20), 3, (6001, 2000, 2000), [2001, 2000, 2000]),
        (1, Shares(34, 33, 33), 2, (1, 0, 0), [1, 0]),
        (2, Shares(34, 33, 33), 2, (1, 1, 0), [1, 0]),  # tie between the last two: the earlier part wins
        (100, Shares(33, 33, 34), 1, (33, 33, 34), [33]),
        (97, Shares(50, 30, 20), 7, (49, 29, 19), [7, 7, 7, 7, 7, 7, 7]),
        (7919, Shares(70, 20, 10), 13, (5543, 1584, 792), [427] * 5 + [426] * 8),  # a prime total
        (10, Shares(0, 50, 50), 0, (0, 5, 5), []),
    ],
)
def test_awkward_totals(
    total: int, shares: Shares, n: int, parts: tuple[int, int, int], amounts: list[int]
) -> None:
    got_parts, lines = split_dividend(total, shares, ids(n))
    assert (got_parts.households_fen, got_parts.public_posts_fen, got_parts.collective_fen) == parts
    assert [fen for _, fen in lines] == amounts
    assert sum(parts) == total and sum(amounts) == parts[0]


def test_many_random_splits_sum_exactly_and_stay_within_one_fen() -> None:
    rng = random.Random(20261129)
    for _ in range(3000):
        total = rng.choice([rng.randrange(0, 50), rng.randrange(0, 10**6), rng.randrange(0, 10**13)])
        a = rng.randrange(0, 101)
        b = rng.randrange(0, 101 - a)
        shares = Shares(a, b, 100 - a - b)
        n = rng.randrange(1, 60)
        parts, lines = split_dividend(total, shares, ids(n, rng))
        assert parts.households_fen + parts.public_posts_fen + parts.collective_fen == total
        for part, percent in zip(
            (parts.households_fen, parts.public_posts_fen, parts.collective_fen),
            shares.as_list(),
            strict=True,
        ):
            assert abs(Fraction(part) - Fraction(total * percent, 100)) < 1
        amounts = [fen for _, fen in lines]
        assert sum(amounts) == parts.households_fen and len(lines) == n
        assert max(amounts) - min(amounts) <= 1
        assert amounts == sorted(amounts, reverse=True)  # the odd fen go to the first ids
        assert [h for h, _ in lines] == sorted(h for h, _ in lines)


@pytest.mark.parametrize(
    ("shares", "problem"), [(Shares(60, 20, 19), "之和须为 100"), (Shares(110, -5, -5), "不能为负数")]
)
def test_shares_must_be_whole_percents_summing_to_100(shares: Shares, problem: str) -> None:
    assert problem in (rules.shares_problem(shares) or "")
    with pytest.raises(ValueError):
        split_dividend(100, shares, ids(2))


def test_a_household_part_with_no_households_or_a_duplicate_household_is_refused() -> None:
    with pytest.raises(ValueError):
        split_dividend(100, EVEN, [])
    household = ids(1)[0]
    with pytest.raises(ValueError):
        split_dividend(100, EVEN, [household, household])


def test_distributable_is_income_less_earlier_plans_never_negative() -> None:
    assert rules.distributable_fen(1_000_000, 400_000) == 600_000
    assert rules.distributable_fen(1_000_000, 1_200_000) == 0


def test_a_plan_is_noticed_a_week_unless_set_and_approved_only_after_its_notice() -> None:
    posted = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert rules.plan_notice_until(posted, None) == posted + timedelta(days=7)
    assert rules.plan_notice_until(posted, 0.5) == posted + timedelta(hours=12)
    until = rules.plan_notice_until(posted, None)
    assert "须先在嘎查村公示" in str(rules.plan_approval_problem(PlanStatus.draft, None, posted))
    early = rules.plan_approval_problem(PlanStatus.in_notice, until, until - timedelta(seconds=1))
    assert early == "公示期至 2026-03-09 09:30（北京时间）结束，期满后方可审批"
    assert rules.plan_approval_problem(PlanStatus.in_notice, until, until) is None
    assert "已审批" in str(rules.plan_approval_problem(PlanStatus.approved, until, until))


def test_disposal_is_final_and_a_status_must_change() -> None:
    assert rules.status_change_problem(AssetStatus.in_use, AssetStatus.idle) is None
    assert rules.status_change_problem(AssetStatus.idle, AssetStatus.idle)
    assert rules.status_change_problem(AssetStatus.disposed, AssetStatus.in_use)


# --- the fund -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "self_raised", "display", "exact", "fraction"),
    [
        (1_000_000, 600_000, "1:0.6", "5:3", Fraction(3, 5)),
        (500_000, 500_000, "1:1", "1:1", Fraction(1)),
        (300_000, 100_000, "1:≈0.3333", "3:1", Fraction(1, 3)),
        (200_000, 0, "1:0", "1:0", Fraction(0)),
        (80_000_000, 100_000_000, "1:1.25", "4:5", Fraction(5, 4)),
    ],
)
def test_fund_ratio(amount: int, self_raised: int, display: str, exact: str, fraction: Fraction) -> None:
    assert rules.fund_ratio(amount, self_raised) == (fraction, display, exact)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 15), 36, date(2028, 3, 15)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
    ],
)
def test_term_end_counts_calendar_months(start: date, months: int, end: date) -> None:
    assert rules.term_end(start, months) == end


def test_expected_income_is_rounded_half_up_to_the_fen() -> None:
    assert rules.expected_income_fen(1_000_000, 450, 36) == 135_000  # 4.5% a year for 3 years
    assert rules.expected_income_fen(333, 500, 12) == 17  # 16.65 → 17
    assert rules.expected_income_fen(1, 1, 1) == 0


def test_fund_position_to_the_fen_and_preserved_capital() -> None:
    today = date(2026, 11, 29)
    performing = InvestmentFacts(1_000_000, 400_000, 30_000, date(2025, 1, 1), 36)
    overdue = InvestmentFacts(2_000_000, 1_500_000, 0, date(2023, 1, 1), 24)
    settled = InvestmentFacts(700_000, 700_000, 42_000, date(2020, 1, 1), 12)

    fine = rules.fund_position(1_500_000_000, [performing, settled], today=today)
    assert (fine.invested_fen, fine.repaid_principal_fen, fine.income_fen) == (600_000, 1_100_000, 72_000)
    assert fine.available_fen == 1_499_400_000 and fine.capital_preserved and fine.overdue_principal_fen == 0

    flagged = rules.fund_position(1_500_000_000, [performing, overdue, settled], today=today)
    assert flagged.invested_fen == 1_100_000 and flagged.overdue_principal_fen == 500_000
    assert flagged.available_fen == 1_498_900_000 and not flagged.capital_preserved
    assert overdue.is_overdue(today) and not settled.is_overdue(today)
    assert not overdue.is_overdue(date(2025, 1, 1))  # the last day of its term


def test_notices_stay_up_at_least_ten_days() -> None:
    assert rules.notice_period_problem(date(2026, 3, 1), date(2026, 3, 11)) is None
    assert "10" in (rules.notice_period_problem(date(2026, 3, 1), date(2026, 3, 10)) or "")


def test_special_funds_not_lower_than_last_year() -> None:
    assert rules.special_funds_flag(500_000, 500_000) == (True, None)
    not_lower, flag = rules.special_funds_flag(400_000, 500_000)
    assert not not_lower and flag is not None and "1,000.00" in flag


# --- money put in, performance and notices ---------------------------------------------------------------


def test_a_target_is_met_by_reaching_it_or_by_staying_within_it() -> None:
    assert rules.target_status(Comparison.at_least, 10, None) == TargetStatus.unrecorded
    assert rules.target_status(Comparison.at_least, 10, 10) == TargetStatus.met
    assert rules.target_status(Comparison.at_least, 10, 9) == TargetStatus.missed
    assert rules.target_status(Comparison.at_most, 15, 15) == TargetStatus.met
    assert rules.target_status(Comparison.at_most, 15, 16) == TargetStatus.missed


def test_allocations_are_published_at_each_level_down_to_their_own() -> None:
    assert rules.notice_regions("150625100201") == ["150625", "150625100", "150625100201"]
    assert rules.notice_regions("150625100") == ["150625", "150625100"]
    assert rules.notice_regions("150625") == ["150625"]
    assert rules.notice_period(date(2026, 2, 25)) == (date(2026, 2, 25), date(2026, 3, 7))
    assert rules.notice_period_problem(*rules.notice_period(date(2026, 2, 25))) is None


# --- 百企兴百村 --------------------------------------------------------------------------------------------


def test_delivery_share_caps_each_commitment_and_weighs_them_alike() -> None:
    assert rules.delivered_share(12, 18) == 1
    assert rules.partnership_share([(12, 18), (500_000, 0)]) == Fraction(1, 2)
    assert rules.partnership_share([(3, 1), (100, 100)]) == Fraction(2, 3)
    assert rules.share_bp(Fraction(2, 3)) == 6666
    assert rules.partnership_share([]) == 0
    with pytest.raises(ValueError):
        rules.delivered_share(0, 1)


def test_ranking_by_delivery_shares_ranks_on_ties() -> None:
    ranked = rules.rank_by_delivery(
        [("a", Fraction(1, 2)), ("b", Fraction(1)), ("c", Fraction(1, 2)), ("d", 0)]
    )
    assert ranked == [(1, "b"), (2, "a"), (2, "c"), (4, "d")]


def test_members_are_named_only_for_delivered_jobs() -> None:
    assert rules.delivery_members_problem(CommitmentKind.jobs, 3, 3) is None
    assert "多于" in (rules.delivery_members_problem(CommitmentKind.jobs, 2, 3) or "")
    assert rules.delivery_members_problem(CommitmentKind.investment, 100, 1) is not None
    assert rules.delivery_members_problem(CommitmentKind.investment, 100, 0) is None


# --- consumption assistance ------------------------------------------------------------------------------


def test_a_product_is_certified_only_when_all_four_checks_pass() -> None:
    every = dict.fromkeys(CertificationCheck, True)
    assert rules.is_certified(every)
    assert not rules.is_certified({**every, CertificationCheck.benefit: False})
    assert not rules.is_certified({k: v for k, v in every.items() if k != CertificationCheck.price})


def test_household_income_cannot_exceed_the_sale() -> None:
    assert rules.sale_income_problem(10_000, [6_000, 4_000]) is None
    assert "超过销售额" in (rules.sale_income_problem(10_000, [6_000, 4_001]) or "")
