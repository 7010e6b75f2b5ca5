"""The assets rules as plain functions over plain data (MISSION.md §5), tested without a server.

All money is integer fen; ratios are `fractions.Fraction`, rendered as strings only at the edge.
"""

import calendar
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import TypeVar

from shared.money import format_yuan
from shared.months import BEIJING
from shared.vocabulary.assets import (
    AssetStatus,
    CertificationCheck,
    CommitmentKind,
    Comparison,
    PlanStatus,
    TargetStatus,
)

PERCENT = 100
PLAN_NOTICE_DAYS = 7  # a dividend plan is posted in its village a week before approval, as a batch is
BASIS_POINTS = 10_000
MONTHS_PER_YEAR = 12
MIN_NOTICE_DAYS = 10  # fund and project notices stay up at least 10 days (national rule, MISSION.md §4)

H = TypeVar("H", bound=Hashable)


# --- dividends: the largest-remainder split ------------------------------------------------------------


@dataclass(frozen=True)
class Shares:
    """How a year's income is divided, in whole percents summing to 100 (收益分配比例)."""

    households: int
    public_posts: int
    collective: int

    def as_list(self) -> list[int]:
        return [self.households, self.public_posts, self.collective]


@dataclass(frozen=True)
class Parts:
    """The three parts of a plan, in fen; they always sum to the plan's total."""

    households_fen: int
    public_posts_fen: int
    collective_fen: int


def shares_problem(shares: Shares) -> str | None:
    """Why these shares cannot be used, or None: whole non-negative percents summing to 100."""
    if any(p < 0 for p in shares.as_list()):
        return "比例不能为负数"
    if sum(shares.as_list()) != PERCENT:
        return f"三项比例之和须为 100（现为 {sum(shares.as_list())}）"
    return None


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to `weights` (Hare/largest remainder): every part is its quota
    rounded down, and the units left over go to the largest fractional remainders, ties to the earlier
    weight. The parts sum to `total` exactly and each differs from its exact quota by less than 1."""
    if total < 0 or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("need a non-negative total and non-negative weights with a positive sum")
    whole = sum(weights)
    floors = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(floors)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        floors[index] += 1
    return floors


def split_dividend(
    total_fen: int, shares: Shares, household_ids: Sequence[H]
) -> tuple[Parts, list[tuple[H, int]]]:
    """Divide `total_fen` into the three parts, then the households' part equally among the households.

    Both splits use the largest-remainder method, so the parts sum to `total_fen` and the lines to
    `households_fen` exactly, and no two lines differ by more than 1 fen; the odd fen go to the
    households first in key order (deterministic whatever order the keys arrive in; assets keys them by
    household number, so the first on the village's list get them).
    """
    problem = shares_problem(shares)
    if problem:
        raise ValueError(problem)
    if len(set(household_ids)) != len(household_ids):
        raise ValueError("a household may appear only once")
    households_fen, public_posts_fen, collective_fen = largest_remainder(total_fen, shares.as_list())
    parts = Parts(households_fen, public_posts_fen, collective_fen)
    if not household_ids:
        if households_fen:
            raise ValueError("no households to receive the households' part")
        return parts, []
    ordered = sorted(household_ids)  # type: ignore[type-var]
    amounts = largest_remainder(households_fen, [1] * len(ordered))
    return parts, list(zip(ordered, amounts, strict=True))


def distributable_fen(income_fen: int, planned_fen: int) -> int:
    """What a village may still distribute for a year: its recorded operating income less earlier plans."""
    return max(income_fen - planned_fen, 0)


def plan_notice_until(posted_at: datetime, days: float | None) -> datetime:
    """When a plan's notice to the village ends: `days` after it is posted (the setting for drills and
    tests), else the plan notice period, the same week a payment batch's notice is posted."""
    return posted_at + timedelta(days=PLAN_NOTICE_DAYS if days is None else days)


def plan_approval_problem(status: PlanStatus, notice_until: datetime | None, now: datetime) -> str | None:
    """Why a plan may not be approved yet, or None: it is approved only after its notice (公示) has run."""
    if status == PlanStatus.draft:
        return "分配方案须先在嘎查村公示，公示期满后方可审批"
    if status != PlanStatus.in_notice or notice_until is None:
        return f"分配方案状态为{status.label}，不能审批"
    if now < notice_until:
        until = notice_until.astimezone(BEIJING)
        return f"公示期至 {until:%Y-%m-%d %H:%M}（北京时间）结束，期满后方可审批"
    return None


# --- assets -----------------------------------------------------------------------------------------


def status_change_problem(current: AssetStatus, new: AssetStatus) -> str | None:
    """Why an asset cannot move from `current` to `new`, or None. Disposal is final."""
    if current == new:
        return "与当前状态相同"
    if current == AssetStatus.disposed:
        return "资产已处置，状态不能再变更"
    return None


# --- the industry development fund ------------------------------------------------------------------


def term_end(start: date, term_months: int) -> date:
    """The day the term ends: `term_months` calendar months after `start` (clamped to month end)."""
    months = start.month - 1 + term_months
    year, month = start.year + months // MONTHS_PER_YEAR, months % MONTHS_PER_YEAR + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def fund_ratio(amount_fen: int, self_raised_fen: int) -> tuple[Fraction, str, str]:
    """The fund : self-raised ratio (基金投入与自筹资金配比) of one investment.

    Returns the exact self-raised-per-fund fraction, its display `"1:0.6"` (exact when the decimal
    terminates within 6 places, else `"1:≈0.3333"`), and the exact reduced integer ratio `"5:3"`.
    """
    if amount_fen <= 0 or self_raised_fen < 0:
        raise ValueError("the fund's amount must be positive and the self-raised amount not negative")
    per_fund = Fraction(self_raised_fen, amount_fen)
    exact = Fraction(amount_fen, self_raised_fen) if self_raised_fen else None
    exact_text = f"{exact.numerator}:{exact.denominator}" if exact is not None else "1:0"
    return per_fund, f"1:{_decimal_text(per_fund)}", exact_text


def _decimal_text(value: Fraction, places: int = 6) -> str:
    scaled = value * 10**places
    if scaled.denominator == 1:
        whole, frac = divmod(int(scaled), 10**places)
        digits = f"{frac:0{places}d}".rstrip("0")
        return f"{whole}.{digits}" if digits else str(whole)
    rounded = round_half_up(value * 10**4)
    whole, frac = divmod(rounded, 10**4)
    return f"≈{whole}.{frac:04d}"


def round_half_up(value: Fraction) -> int:
    """Round a non-negative fraction to the nearest integer, halves up (how fen are rounded here)."""
    return int((value + Fraction(1, 2)) // 1)


def expected_income_fen(amount_fen: int, expected_return_bp: int, term_months: int) -> int:
    """The income the fund expects over the whole term: amount × rate (bp per year) × term in years."""
    return round_half_up(
        Fraction(amount_fen * expected_return_bp * term_months, BASIS_POINTS * MONTHS_PER_YEAR)
    )


@dataclass(frozen=True)
class InvestmentFacts:
    amount_fen: int
    repaid_principal_fen: int
    income_fen: int
    start_date: date
    term_months: int

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.repaid_principal_fen

    def is_overdue(self, today: date) -> bool:
        """Past the end of its term with principal still outstanding."""
        return self.outstanding_fen > 0 and today > term_end(self.start_date, self.term_months)


@dataclass(frozen=True)
class FundPosition:
    """Where the fund stands (保本收益): capital = available + performing + overdue principal, always."""

    capital_fen: int
    invested_fen: int
    repaid_principal_fen: int
    income_fen: int
    available_fen: int
    overdue_principal_fen: int
    capital_preserved: bool


def fund_position(capital_fen: int, investments: Sequence[InvestmentFacts], *, today: date) -> FundPosition:
    """The fund's position on `today`.

    Repaid principal returns to the fund and may be invested again; income is reported, not added to
    the capital. `capital_preserved` (保本) holds when every fen of capital is either in the fund or
    out in an investment still within its term — i.e. no investment is past its term with principal
    outstanding.
    """
    invested = sum(i.outstanding_fen for i in investments)
    overdue = sum(i.outstanding_fen for i in investments if i.is_overdue(today))
    available = capital_fen - invested
    return FundPosition(
        capital_fen=capital_fen,
        invested_fen=invested,
        repaid_principal_fen=sum(i.repaid_principal_fen for i in investments),
        income_fen=sum(i.income_fen for i in investments),
        available_fen=available,
        overdue_principal_fen=overdue,
        capital_preserved=available + (invested - overdue) == capital_fen,
    )


# --- supervision ------------------------------------------------------------------------------------


def notice_period_problem(posted_on: date, until: date) -> str | None:
    """A fund or project notice stays up at least 10 days (national rule for 资金项目公示)."""
    earliest = posted_on + timedelta(days=MIN_NOTICE_DAYS)
    if until < earliest:
        return f"公示期不少于 {MIN_NOTICE_DAYS} 天（截止日须不早于 {earliest.isoformat()}）"
    return None


def special_funds_flag(this_year_fen: int, last_year_fen: int) -> tuple[bool, str | None]:
    """§六(四): the banner's special funds this year must not be lower than last year's."""
    if this_year_fen >= last_year_fen:
        return True, None
    return (
        False,
        f"旗级专项资金投入低于上年度，减少 {format_yuan(last_year_fen - this_year_fen)} 元，"
        "不符合“资金投入总量不低于上年度”要求",
    )


def notice_period(posted_on: date) -> tuple[date, date]:
    """The fixed dates of a notice generated from allocations: up the shortest time the rule allows."""
    return posted_on, posted_on + timedelta(days=MIN_NOTICE_DAYS)


def notice_regions(region_code: str) -> list[str]:
    """Where money put into a project is published (三级公示): its village, its township and the banner,
    as far down as the project lies (a township's project is not published in a village)."""
    return [region_code[:length] for length in (6, 9, 12) if length <= len(region_code)]


# --- money put in and its performance (资金绩效管理, seed §六(四)) -----------------------------------------


def target_status(comparison: Comparison, target_value: int, actual_value: int | None) -> TargetStatus:
    """Whether a performance target was met by the value recorded against it."""
    if actual_value is None:
        return TargetStatus.unrecorded
    met = actual_value >= target_value if comparison == Comparison.at_least else actual_value <= target_value
    return TargetStatus.met if met else TargetStatus.missed


# --- 百企兴百村 (seed §五(七)) ---------------------------------------------------------------------------


def delivered_share(committed: int, delivered: int) -> Fraction:
    """How much of one commitment was delivered, at most all of it (delivering more does not make up
    for another commitment left undone)."""
    if committed <= 0 or delivered < 0:
        raise ValueError("a commitment is positive and a delivery not negative")
    return min(Fraction(delivered, committed), Fraction(1))


def partnership_share(commitments: Sequence[tuple[int, int]]) -> Fraction:
    """A partnership's delivery: the mean of its commitments' delivered shares, each commitment counting
    alike because jobs are counted and money is in fen (no sum of the two means anything)."""
    if not commitments:
        return Fraction(0)
    return sum((delivered_share(c, d) for c, d in commitments), Fraction(0)) / len(commitments)


def share_bp(share: Fraction) -> int:
    """A share in basis points, rounded down (a partnership shows 100% only when all is delivered)."""
    return int(share * BASIS_POINTS // 1)


def rank_by_delivery(shares: Sequence[tuple[H, Fraction]]) -> list[tuple[int, H]]:
    """Competition ranking by delivered share, highest first: equal shares share a rank (1, 1, 3)."""
    ordered = sorted(shares, key=lambda item: -item[1])
    ranked: list[tuple[int, H]] = []
    for position, (key, share) in enumerate(ordered, start=1):
        rank = ranked[-1][0] if ranked and ordered[position - 2][1] == share else position
        ranked.append((rank, key))
    return ranked


def delivery_members_problem(kind: CommitmentKind, amount: int, members: int) -> str | None:
    """Members are named only for delivered jobs, one member a job at most."""
    if members and kind != CommitmentKind.jobs:
        return "只有吸纳就业的兑现可关联人员"
    if members > amount:
        return f"关联人员（{members} 人）多于兑现的就业岗位（{amount} 个）"
    return None


# --- consumption assistance (消费帮扶, seed §五(三)3) -------------------------------------------------------


def is_certified(latest: dict[CertificationCheck, bool]) -> bool:
    """A product is certified (扶贫产品认定) when the latest decision on each of the four checks passed."""
    return all(latest.get(check, False) for check in CertificationCheck)


def sale_income_problem(amount_fen: int, incomes_fen: Sequence[int]) -> str | None:
    """The income that reached households comes out of the sale: it cannot exceed it."""
    total = sum(incomes_fen)
    if total > amount_fen:
        return f"农牧户收入合计 {format_yuan(total)} 元超过销售额 {format_yuan(amount_fen)} 元"
    return None
