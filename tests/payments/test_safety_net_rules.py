"""The safety net (seed §五(一)4) as pure rules: who is due what, per member, from the registry's facts, at
the figures version 1 carries (payments migration 0011)."""

from typing import Any

import pytest

from services.payments.rules import Item
from services.payments.safety_net import STREAMED, dues, entitlement_key
from shared.vocabulary.households import Category, StreamMembers
from shared.vocabulary.payments import Kind, Mode
from tests.payments.conftest import SAFETY_NET_PLAN

YEAR = 2026
ITEMS = [
    Item(kind=Kind(kind), mode=Mode(mode), unit=unit, rate_fen=rate, cap_quantity=cap, disability_grade=grade)
    for kind, grade, mode, unit, rate, cap in SAFETY_NET_PLAN.SAFETY_NET_ITEMS
]


def person(name: str, **facts: Any) -> dict[str, Any]:
    return {"id": f"m-{name}", "name": name, "age": 40, "school_stage": "none", "disability_grade": None,
            "dibao": False, "pension_insurance": False} | facts  # fmt: skip


def household(*members: dict[str, Any], category: str = "lifted_supported", **facts: Any) -> dict[str, Any]:
    return {"category": category, "members": list(members), "income_year": YEAR - 1,
            "income_per_capita_fen": None} | facts  # fmt: skip


def amounts(kind: Kind, home: dict[str, Any]) -> dict[str, int]:
    return {d.name: d.amount_fen for d in dues(kind, home, ITEMS, YEAR)}


def test_version_1_carries_the_standards_a_banner_edits() -> None:
    by_kind = {(i.kind, i.disability_grade): (i.mode, i.rate_fen, i.cap_quantity) for i in ITEMS}
    assert by_kind[(Kind.dibao_gradual_exit, None)] == (Mode.per_member_month, 66_000, 6)
    assert by_kind[(Kind.pension_premium, None)] == (Mode.per_member, 20_000, None)
    assert by_kind[(Kind.pension_loan, None)] == (Mode.per_member, 1_500_000, 1)
    assert {g for k, g in by_kind if k == Kind.disability_living} == {1, 2, 3, 4}
    assert {g for k, g in by_kind if k == Kind.disability_nursing} == {1, 2}


def test_the_gradual_exit_keeps_dibao_members_paid_for_its_months_once_income_passes_the_standard() -> None:
    # 低保标准 660 yuan a month is 7,920 yuan a year; 8,000 yuan a head is above it.
    home = household(person("阿荣", dibao=True), person("其木格", dibao=True), person("巴图"),
                     income_per_capita_fen=800_000)  # fmt: skip
    assert amounts(Kind.dibao_gradual_exit, home) == {"阿荣": 6 * 66_000, "其木格": 6 * 66_000}
    [due, _] = dues(Kind.dibao_gradual_exit, home, ITEMS, YEAR)
    assert (due.quantity, due.rate_fen) == (6, 66_000) and "渐退期6个月" in due.reason


# What each `members=` fact of the registry's stream picks (services/registry/stream.py MEMBER_FACTS).
PICKS = {
    StreamMembers.disabled: lambda m: m["disability_grade"] is not None,
    StreamMembers.dibao: lambda m: m["dibao"],
    StreamMembers.insured: lambda m: m["pension_insurance"],
    StreamMembers.uninsured: lambda m: not m["pension_insurance"],
}


@pytest.mark.parametrize("kind", sorted(STREAMED))
@pytest.mark.parametrize("category", [str(c) for c in Category])
def test_the_stream_a_batch_reads_never_leaves_out_a_due(kind: Kind, category: str) -> None:
    """A batch reads only the categories and members `STREAMED` names: every due of every household is
    still found in what that narrowed stream carries."""
    everyone = [
        person("阿荣", dibao=True, disability_grade=1), person("萨仁", pension_insurance=True, age=30),
        person("达来", age=65), person("巴图", disability_grade=3, pension_insurance=True, age=62),
        person("其其格", age=12, school_stage="primary", dibao=True),
    ]  # fmt: skip
    home = household(*everyone, category=category, income_per_capita_fen=800_000)
    categories, members = STREAMED[kind]
    streamed = [m for m in everyone if PICKS[members](m)] if str(category) in categories else []
    narrowed = household(*streamed, category=category, income_per_capita_fen=800_000)
    due = dues(kind, home, ITEMS, YEAR)
    assert dues(kind, narrowed, ITEMS, YEAR) == due if streamed else due == []


def test_no_gradual_exit_below_the_standard_without_a_recent_income_or_outside_the_lifted_out() -> None:
    dibao = person("阿荣", dibao=True)
    assert not amounts(Kind.dibao_gradual_exit, household(dibao, income_per_capita_fen=792_000))
    stale = household(dibao, income_per_capita_fen=900_000, income_year=2023)
    assert not amounts(Kind.dibao_gradual_exit, stale)
    assert not amounts(
        Kind.dibao_gradual_exit, household(dibao, income_per_capita_fen=900_000, category="marginal")
    )


def test_the_disability_allowances_go_by_grade_the_nursing_one_to_the_severe_grades_only() -> None:
    home = household(person("一级", disability_grade=1), person("三级", disability_grade=3), person("无"))
    assert amounts(Kind.disability_living, home) == {"一级": 12 * 15_000, "三级": 12 * 10_000}
    assert amounts(Kind.disability_nursing, home) == {"一级": 12 * 15_000}
    ordinary = household(person("一级", disability_grade=1), category="ordinary")
    assert not amounts(Kind.disability_living, ordinary)


def test_the_pension_premium_is_paid_for_insured_members_of_contributing_age_not_in_school() -> None:
    home = household(
        person("在职", age=45, pension_insurance=True),
        person("十六", age=16, pension_insurance=True),
        person("学生", age=19, pension_insurance=True, school_stage="tertiary"),
        person("六十", age=60, pension_insurance=True),
        person("未参保", age=40),
    )
    assert amounts(Kind.pension_premium, home) == {"在职": 20_000, "十六": 20_000}


def test_the_pension_loan_is_lent_to_lifted_out_people_of_60_without_insurance_once_a_life() -> None:
    insured = person("参保老人", age=72, pension_insurance=True)
    home = household(person("老人", age=60), insured, person("中年"))
    assert amounts(Kind.pension_loan, home) == {"老人": 1_500_000}
    assert not amounts(Kind.pension_loan, household(person("老人", age=60), category="marginal"))
    for kind, once in ((Kind.pension_loan, True), (Kind.pension_premium, False)):
        assert (entitlement_key(kind, 2026, "m") == entitlement_key(kind, 2027, "m")) == once


def test_a_kind_the_policy_version_does_not_price_pays_nothing() -> None:
    unpriced = [i for i in ITEMS if i.kind != Kind.pension_loan]
    assert not dues(Kind.pension_loan, household(person("老人", age=70)), unpriced, YEAR)
