"""The rules of assistance as plain functions over plain data: who has a plan (一户一策), when a measure is
overdue, what a department's row says of a household (数据比对, seed §五(二)2), and what microcredit may be
lent and how much interest the banner subsidises (seed §五(一)1).

No I/O here, like `rules`: the services load the facts, these decide.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from services.monitoring.rules import LIFTED, LIFTED_OUT, Finding, Thresholds, add_months
from shared.money import format_yuan
from shared.vocabulary.households import Category
from shared.vocabulary.monitoring import AlertKind, AssistanceStatus, DepartmentList, MeasureStatus

# --- plans (一户一策) ------------------------------------------------------------------------------------

# Monitoring objects must have a plan; a lifted-out household has one when its village chooses.
PLAN_REQUIRED = frozenset({Category.monitored, Category.marginal, Category.sudden_hardship})
PLAN_ALLOWED = PLAN_REQUIRED | LIFTED


def plan_refusal(category: str) -> str | None:
    """Why a household of `category` may not have a plan, or None when it may."""
    if category in PLAN_ALLOWED:
        return None
    return "只有监测对象（脱贫监测户、边缘易致贫户、突发严重困难户）和已脱贫户可以制定一户一策帮扶计划"


def measure_overdue(status: str, due_on: date, today: date) -> bool:
    """A measure not done by its due date is overdue (it reaches the inbox)."""
    return status != MeasureStatus.done and due_on < today


def measure_refusal(status: str, evidence: str | None) -> str | None:
    """A measure is done only with the evidence that it was (no evidence, not done)."""
    if status == MeasureStatus.done and not (evidence and evidence.strip()):
        return "措施标记为已完成时须附佐证材料"
    return None


def measures_taken(case_measures: int, plan_measures_done: int) -> int:
    """Assistance measures taken, for risk elimination: every measure recorded on the case (each is recorded
    when it starts, with its cadre) and every plan measure done with its evidence."""
    return case_measures + plan_measures_done


# --- department lists (数据比对) ----------------------------------------------------------------------

SEVERE_DISABILITY_GRADES = frozenset({1, 2})  # 一级、二级: severe (重度) disability
CIVIL_AFFAIRS_KINDS = {
    AssistanceStatus.dibao: (AlertKind.dibao, "民政认定为低保对象"),
    AssistanceStatus.tekun: (AlertKind.tekun, "民政认定为特困供养人员"),
    AssistanceStatus.low_income_edge: (AlertKind.low_income_edge, "民政认定为低保边缘对象"),
}


def row_findings(department: DepartmentList, row: Mapping[str, Any], limits: Thresholds) -> list[Finding]:
    """The risks one matched row of a department's list shows (an empty list: none found)."""
    if department == DepartmentList.medical_security:
        cost = row["out_of_pocket_fen"]
        if cost <= limits.medical_out_of_pocket_fen:
            return []
        line = format_yuan(limits.medical_out_of_pocket_fen)
        return [Finding(AlertKind.rigid_expenditure, f"医保年度自付 {format_yuan(cost)} 元，超过 {line} 元")]
    if department == DepartmentList.civil_affairs:
        kind, reason = CIVIL_AFFAIRS_KINDS[row["status"]]
        return [Finding(kind, reason)]
    if department == DepartmentList.education and not row["enrolled"]:
        return [Finding(AlertKind.school_dropout, "教育部门：适龄学生未在校")]
    if department == DepartmentList.housing and not row["safe"]:
        return [Finding(AlertKind.housing_unsecured, "住建部门：住房鉴定为危房")]
    if department == DepartmentList.water and not row["safe"]:
        return [Finding(AlertKind.water_unsecured, "水利部门：饮水不安全")]
    if department == DepartmentList.disability and row["grade"] in SEVERE_DISABILITY_GRADES:
        return [Finding(AlertKind.severe_disability, f"残联认定为{row['grade']}级残疾（重度）")]
    if department == DepartmentList.human_resources and not row["employed"]:
        return [Finding(AlertKind.unemployed, "人社部门：劳动力未就业")]
    return []


# The registry's member flags a list states (seed §五(一)4): 医保 the illnesses it names, 民政 the status.
FLAG_LISTS = frozenset({DepartmentList.medical_security, DepartmentList.civil_affairs})
MEDICAL_FLAGS = ("serious_illness", "chronic_disease")


def row_flags(department: DepartmentList, row: Mapping[str, Any]) -> dict[str, bool]:
    """The member's flags one row of a list states (a column left blank states nothing)."""
    if department == DepartmentList.medical_security:
        return {name: row[name] for name in MEDICAL_FLAGS if row.get(name) is not None}
    if department == DepartmentList.civil_affairs:
        return {
            "dibao": row["status"] == AssistanceStatus.dibao,
            "tekun": row["status"] == AssistanceStatus.tekun,
        }
    return {}


# --- microcredit (小额信贷) ----------------------------------------------------------------------------

# Lent to lifted-out and marginal households (seed §五(一)1 "脱贫人口小额信贷"; 边缘易致贫户 as nationally).
LOAN_CATEGORIES = LIFTED_OUT | {Category.marginal}
DAYS_A_YEAR = 365
BASIS_POINTS = 10_000


@dataclass(frozen=True)
class LoanTerms:
    amount_fen: int
    annual_rate_bp: int
    subsidy_rate_bp: int
    disbursed_on: date
    due_on: date


def loan_problems(
    *, category: str, amount_fen: int, term_months: int, limits: Thresholds
) -> list[tuple[str, str]]:
    """Why a loan may not be made, field by field (empty when it may)."""
    problems = []
    if category not in LOAN_CATEGORIES:
        problems.append(("household_id", "小额信贷只贷给已脱贫户（含脱贫监测户）和边缘易致贫户"))
    if amount_fen > limits.loan_max_fen:
        problems.append(("amount_fen", f"超过单户贷款上限 {format_yuan(limits.loan_max_fen)} 元"))
    if term_months > limits.loan_max_term_months:
        problems.append(("term_months", f"超过贷款期限上限 {limits.loan_max_term_months} 个月"))
    return problems


def loan_due_on(disbursed_on: date, term_months: int) -> date:
    return add_months(disbursed_on, term_months)


def outstanding_fen(amount_fen: int, repayments: Iterable[tuple[date, int]]) -> int:
    return amount_fen - sum(amount for _, amount in repayments)


def loan_overdue(terms: LoanTerms, repayments: Sequence[tuple[date, int]], today: date) -> bool:
    """Past its due date with principal still owed."""
    return today > terms.due_on and outstanding_fen(terms.amount_fen, repayments) > 0


def interest_subsidy_fen(terms: LoanTerms, repayments: Sequence[tuple[date, int]], until: date) -> int:
    """Interest the banner subsidises (贴息) from disbursement to `until` (at most the due date): each day's
    balance at the lower of the loan's rate and the year's subsidy rate, actual/365, rounded half up."""
    end = min(until, terms.due_on)
    rate = min(terms.annual_rate_bp, terms.subsidy_rate_bp)
    balance, since, balance_days = terms.amount_fen, terms.disbursed_on, 0
    for paid_on, amount in sorted(repayments):
        if paid_on >= end:
            break
        balance_days += balance * max((paid_on - since).days, 0)
        balance, since = balance - amount, max(paid_on, since)
    balance_days += balance * max((end - since).days, 0)
    divisor = BASIS_POINTS * DAYS_A_YEAR
    return (2 * balance_days * rate + divisor) // (2 * divisor)


def yearly_interest_subsidy_fen(terms: LoanTerms, repayments: Sequence[tuple[date, int]], year: int) -> int:
    """The subsidy of calendar `year`: the running total at its end less that at its start, so a loan's years
    add up to its whole term's subsidy to the fen."""
    until = partial(interest_subsidy_fen, terms, repayments)
    return until(date(year + 1, 1, 1)) - until(date(year, 1, 1))


def year_subsidy_payable(
    terms: LoanTerms, repayments: Sequence[tuple[date, int]], year: int, today: date
) -> bool:
    """A year's subsidy is paid once it can grow no more (the year over, the loan past due or repaid) and
    the loan is not overdue: an overdue loan is subsidised again once repaid (逾期不贴息)."""
    if loan_overdue(terms, repayments, today):
        return False
    settled = today >= date(year + 1, 1, 1) or today >= terms.due_on
    return settled or outstanding_fen(terms.amount_fen, repayments) <= 0


def loan_subsidy_key(loan_id: Any, year: int) -> str:
    """One entitlement per loan and year: payments holds at most one live line per key."""
    return f"loan_interest_subsidy:{year}:{loan_id}"


@dataclass(frozen=True)
class VillageCoverage:
    """应贷尽贷 in one village: households wishing to borrow, and how many of them have been lent to."""

    village_code: str
    wishing: int
    lent: int

    @property
    def not_lent(self) -> int:
        return self.wishing - self.lent


def loan_coverage(wishing: Iterable[tuple[str, Any]], lent: Iterable[Any]) -> list[VillageCoverage]:
    """Per village: eligible households wishing to borrow ((village, household) pairs), and those lent to."""
    lent_to = set(lent)
    villages: dict[str, list[int]] = {}
    for village, household in wishing:
        counts = villages.setdefault(village, [0, 0])
        counts[0] += 1
        counts[1] += household in lent_to
    return [VillageCoverage(v, w, n) for v, (w, n) in sorted(villages.items())]
