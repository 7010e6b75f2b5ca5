"""The safety net the plan names (seed §五(一)4) as pure rules over the registry's facts about members.

Figures are not here: each is a row of the versioned policy table, which a banner changes by a new version
(`PUT /api/v1/payments/policies`). Version 1 carries Inner Mongolia's standards (payments migration 0011):

- `dibao_gradual_exit` 低保渐退期 (`per_member_month`): `rate_fen` the monthly rural 低保 standard per person,
  `cap_quantity` the months of the gradual-exit period;
- `disability_living` 困难残疾人生活补贴 and `disability_nursing` 重度残疾人护理补贴 (`per_member_month`):
  a row per disability grade with its monthly rate, `cap_quantity` the months paid in a year;
- `pension_premium` 代缴养老保险 (`per_member`): the yearly minimum contribution paid for a member;
- `pension_loan` 养老保险一次性借款 (`per_member`): the one-off loan for the lump-sum contribution.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.payments.rules import ELIGIBLE_CATEGORIES, Item
from shared.money import format_yuan
from shared.vocabulary.households import Category, SchoolStage, StreamMembers
from shared.vocabulary.payments import SAFETY_NET, Kind

# 脱贫人口 whom the policies still support: the 渐退期 and the pension loan are theirs alone.
LIFTED_OUT = frozenset({Category.lifted_supported, Category.monitored})
# 城乡居民基本养老保险: residents from 16 (not in school) contribute until 60, when the pension starts.
CONTRIBUTING_AGES = range(16, 60)
# seed §五(一)4: 60周岁以上脱贫人口养老保险一次性借款.
PENSION_LOAN_AGE = 60
MONTHS_IN_YEAR = 12
DISABILITY = frozenset({Kind.disability_living, Kind.disability_nursing})
# What a kind's batch reads of the registry's stream: the categories it can pay and the members who can be
# due (each kind's rule below still decides), so the stream carries only the households that may have a due.
STREAMED = {
    Kind.dibao_gradual_exit: (LIFTED_OUT, StreamMembers.dibao),
    Kind.disability_living: (ELIGIBLE_CATEGORIES, StreamMembers.disabled),
    Kind.disability_nursing: (ELIGIBLE_CATEGORIES, StreamMembers.disabled),
    Kind.pension_premium: (ELIGIBLE_CATEGORIES, StreamMembers.insured),
    Kind.pension_loan: (LIFTED_OUT, StreamMembers.uninsured),
}


@dataclass(frozen=True)
class Due:
    """What one member is due under one safety-net kind, as a payment line records it, and why."""

    kind: Kind
    member_id: str
    name: str
    quantity: int  # months for the monthly kinds, 1 for the others
    rate_fen: int
    reason: str
    disability_grade: int | None = None

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.rate_fen


def entitlement_key(kind: Kind, year: int, member_id: str) -> str:
    """The key a live line holds a due by: a year's due once a year, the pension loan once a life."""
    if kind == Kind.pension_loan:
        return f"{kind}:{member_id}"
    return f"{kind}:{year}:{member_id}"


def dues(kind: Kind, household: Mapping[str, Any], items: Iterable[Item], year: int) -> list[Due]:
    """Every member of `household` (the registry's record: category, incomes and members with age, school
    stage, disability grade, 低保 and pension flags) that `kind` pays in `year` under the policy `items`."""
    rows = [i for i in items if i.kind == kind and i.rate_fen]
    if not rows:
        return []
    members = household.get("members", [])
    category = household.get("category")
    if kind == Kind.dibao_gradual_exit:
        income = (household.get("income_year"), household.get("income_per_capita_fen"))
        return dibao_gradual_exit(members, category, income, rows[0], year)
    if kind in DISABILITY:
        return disability_allowance(kind, members, category, rows)
    if kind == Kind.pension_premium:
        return pension_premium(members, category, rows[0])
    if kind == Kind.pension_loan:
        return pension_loan(members, category, rows[0])
    return []


def all_dues(household: Mapping[str, Any], items: Iterable[Item], year: int) -> list[Due]:
    """Everything the safety net pays `household`'s members in `year`, kind by kind."""
    items = list(items)
    return [due for kind in sorted(SAFETY_NET) for due in dues(kind, household, items, year)]


def dibao_gradual_exit(
    members: Iterable[Mapping[str, Any]],
    category: Any,
    income: tuple[int | None, int | None],
    item: Item,
    year: int,
) -> list[Due]:
    """严格执行脱贫人口“渐退期”政策 (seed §五(一)4): a lifted-out household whose latest per-capita income
    (`income`: its year and fen, of `year` or the year before) rose above the 低保 standard (12 × the monthly
    rate) is not cut off at once; its 低保 members keep the standard for the gradual-exit months
    (`cap_quantity`, at most a year's worth) in `year`."""
    assert item.rate_fen is not None
    income_year, income_fen = income
    if category not in LIFTED_OUT or income_year not in (year - 1, year) or income_fen is None:
        return []
    line = item.rate_fen * MONTHS_IN_YEAR
    if income_fen <= line:
        return []
    months = min(item.cap_quantity or 0, MONTHS_IN_YEAR)
    reason = (
        f"{income_year}年人均纯收入{format_yuan(income_fen)}元，超过低保标准{format_yuan(line)}元/年，"
        f"渐退期{months}个月内按月{format_yuan(item.rate_fen)}元继续享受"
    )
    return [
        Due(Kind.dibao_gradual_exit, str(m["id"]), str(m["name"]), months, item.rate_fen, reason)
        for m in members
        if m.get("dibao") and months
    ]


def disability_allowance(
    kind: Kind, members: Iterable[Mapping[str, Any]], category: Any, items: Iterable[Item]
) -> list[Due]:
    """困难残疾人生活补贴 and 重度残疾人护理补贴 (seed §五(一)4): each disabled member of a supported
    household whose grade has a rate gets it monthly for the year's months (`cap_quantity`); the policy
    prices the living allowance for every grade and the nursing allowance only for the severe ones (1, 2)."""
    if category not in ELIGIBLE_CATEGORIES:
        return []
    by_grade = {i.disability_grade: i for i in items if i.disability_grade is not None}
    dues_ = []
    for m in members:
        item = by_grade.get(m.get("disability_grade"))
        if item is None or item.rate_fen is None:
            continue
        months = min(item.cap_quantity or MONTHS_IN_YEAR, MONTHS_IN_YEAR)
        reason = f"残疾等级{item.disability_grade}级，每月{format_yuan(item.rate_fen)}元，{months}个月"
        grade = item.disability_grade
        dues_.append(Due(kind, str(m["id"]), str(m["name"]), months, item.rate_fen, reason, grade))
    return dues_


def pension_premium(members: Iterable[Mapping[str, Any]], category: Any, item: Item) -> list[Due]:
    """继续落实养老保险代缴政策 (seed §五(一)4): the year's minimum contribution is paid for each insured
    member of a supported household at a contributing age (16–59, not in school)."""
    assert item.rate_fen is not None
    if category not in ELIGIBLE_CATEGORIES:
        return []
    reason = f"参加城乡居民养老保险，代缴最低缴费档次{format_yuan(item.rate_fen)}元"
    return [
        Due(Kind.pension_premium, str(m["id"]), str(m["name"]), 1, item.rate_fen, reason)
        for m in members
        if m.get("pension_insurance")
        and m.get("age") in CONTRIBUTING_AGES
        and m.get("school_stage", SchoolStage.none) == SchoolStage.none
    ]


def pension_loan(members: Iterable[Mapping[str, Any]], category: Any, item: Item) -> list[Due]:
    """60周岁以上脱贫人口养老保险一次性借款 (seed §五(一)4): a lifted-out member aged 60 or over who has no
    pension insurance is lent the lump-sum contribution once (repaid from the pension it opens)."""
    assert item.rate_fen is not None
    if category not in LIFTED_OUT:
        return []
    reason = f"年满{PENSION_LOAN_AGE}周岁未参加养老保险，一次性借款{format_yuan(item.rate_fen)}元用于补缴"
    return [
        Due(Kind.pension_loan, str(m["id"]), str(m["name"]), 1, item.rate_fen, reason)
        for m in members
        if not m.get("pension_insurance") and (m.get("age") or 0) >= PENSION_LOAN_AGE
    ]
