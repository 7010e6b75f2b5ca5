"""The assistance rules as pure functions: plans, department rows, microcredit and its subsidy."""

from datetime import date

import pytest

from services.monitoring import assistance_rules as ar
from services.monitoring.rules import DEFAULT_THRESHOLDS
from shared.vocabulary.monitoring import AlertKind, DepartmentList

LIMITS = DEFAULT_THRESHOLDS


@pytest.mark.parametrize(
    ("category", "allowed"),
    [
        ("monitored", True),
        ("marginal", True),
        ("sudden_hardship", True),
        ("lifted_supported", True),
        ("lifted_unsupported", True),
        ("ordinary", False),
    ],
)
def test_plans_are_for_monitoring_objects_and_lifted_out_households(category: str, allowed: bool) -> None:
    assert (ar.plan_refusal(category) is None) is allowed


def test_a_measure_is_overdue_past_its_date_until_done() -> None:
    due = date(2026, 3, 31)
    assert not ar.measure_overdue("planned", due, date(2026, 3, 31))
    assert ar.measure_overdue("in_progress", due, date(2026, 4, 1))
    assert not ar.measure_overdue("done", due, date(2026, 9, 1))


def test_a_measure_is_done_only_with_evidence() -> None:
    assert ar.measure_refusal("done", None) is not None
    assert ar.measure_refusal("done", "  ") is not None
    assert ar.measure_refusal("done", "出栏凭证 12 只") is None
    assert ar.measure_refusal("planned", None) is None


def test_measures_taken_count_case_measures_and_done_plan_measures() -> None:
    assert ar.measures_taken(0, 0) == 0
    assert ar.measures_taken(0, 1) == 1
    assert ar.measures_taken(2, 1) == 3


def test_medical_costs_above_the_years_line_are_a_finding() -> None:
    line = LIMITS.medical_out_of_pocket_fen
    row = {"id_number": "x", "out_of_pocket_fen": line}
    assert ar.row_findings(DepartmentList.medical_security, row, LIMITS) == []
    [finding] = ar.row_findings(
        DepartmentList.medical_security, {**row, "out_of_pocket_fen": line + 1}, LIMITS
    )
    assert finding.kind == AlertKind.rigid_expenditure


@pytest.mark.parametrize(
    ("department", "row", "kind"),
    [
        (DepartmentList.civil_affairs, {"status": "dibao"}, AlertKind.dibao),
        (DepartmentList.civil_affairs, {"status": "tekun"}, AlertKind.tekun),
        (DepartmentList.civil_affairs, {"status": "low_income_edge"}, AlertKind.low_income_edge),
        (DepartmentList.education, {"enrolled": False}, AlertKind.school_dropout),
        (DepartmentList.housing, {"safe": False}, AlertKind.housing_unsecured),
        (DepartmentList.water, {"safe": False}, AlertKind.water_unsecured),
        (DepartmentList.disability, {"grade": 2}, AlertKind.severe_disability),
        (DepartmentList.human_resources, {"employed": False}, AlertKind.unemployed),
    ],
)
def test_each_departments_row_says_its_risk(department: DepartmentList, row: dict, kind: AlertKind) -> None:
    assert [f.kind for f in ar.row_findings(department, row, LIMITS)] == [kind]


@pytest.mark.parametrize(
    ("department", "row"),
    [
        (DepartmentList.education, {"enrolled": True}),
        (DepartmentList.housing, {"safe": True}),
        (DepartmentList.water, {"safe": True}),
        (DepartmentList.disability, {"grade": 3}),
        (DepartmentList.human_resources, {"employed": True}),
    ],
)
def test_a_secure_row_is_no_finding(department: DepartmentList, row: dict) -> None:
    assert ar.row_findings(department, row, LIMITS) == []


def test_loans_go_to_lifted_out_and_marginal_households_within_the_years_bounds() -> None:
    ok = {"amount_fen": LIMITS.loan_max_fen, "term_months": LIMITS.loan_max_term_months, "limits": LIMITS}
    for category in ("lifted_supported", "lifted_unsupported", "monitored", "marginal"):
        assert ar.loan_problems(category=category, **ok) == []
    assert [f for f, _ in ar.loan_problems(category="ordinary", **ok)] == ["household_id"]
    assert [f for f, _ in ar.loan_problems(category="sudden_hardship", **ok)] == ["household_id"]
    too_much = {**ok, "amount_fen": LIMITS.loan_max_fen + 1, "term_months": LIMITS.loan_max_term_months + 1}
    assert [f for f, _ in ar.loan_problems(category="marginal", **too_much)] == ["amount_fen", "term_months"]


TERMS = ar.LoanTerms(
    amount_fen=5_000_000,
    annual_rate_bp=435,
    subsidy_rate_bp=310,
    disbursed_on=date(2025, 1, 1),
    due_on=ar.loan_due_on(date(2025, 1, 1), 36),
)


def test_the_subsidy_is_the_balance_at_the_lower_rate_by_day() -> None:
    assert TERMS.due_on == date(2028, 1, 1)
    # a whole year of 50,000 yuan at 3.10 %: 1,550 yuan
    assert ar.interest_subsidy_fen(TERMS, [], date(2026, 1, 1)) == 155_000
    # half the principal repaid after 146 days: 50,000 × 3.1 % × 146/365 + 25,000 × 3.1 % × 219/365
    assert (
        ar.interest_subsidy_fen(TERMS, [(date(2025, 5, 27), 2_500_000)], date(2026, 1, 1)) == 62_000 + 46_500
    )
    cheaper = ar.LoanTerms(**{**TERMS.__dict__, "annual_rate_bp": 200})
    assert ar.interest_subsidy_fen(cheaper, [], date(2026, 1, 1)) == 100_000  # never more than the interest


def test_no_subsidy_past_the_due_date_and_none_once_repaid() -> None:
    whole_term = ar.interest_subsidy_fen(TERMS, [], TERMS.due_on)
    assert ar.interest_subsidy_fen(TERMS, [], date(2030, 1, 1)) == whole_term
    repaid = [(date(2025, 1, 1), 5_000_000)]
    assert ar.interest_subsidy_fen(TERMS, repaid, date(2026, 1, 1)) == 0


def test_a_years_subsidy_is_its_share_of_the_running_total_and_the_years_add_up() -> None:
    assert ar.yearly_interest_subsidy_fen(TERMS, [], 2024) == 0
    assert ar.yearly_interest_subsidy_fen(TERMS, [], 2025) == 155_000
    paid = [(date(2026, 3, 10), 1_234_567)]
    years = [ar.yearly_interest_subsidy_fen(TERMS, paid, y) for y in range(2025, 2029)]
    assert years[-1] == 0 and sum(years) == ar.interest_subsidy_fen(TERMS, paid, TERMS.due_on)


def test_a_years_subsidy_is_paid_once_settled_and_never_while_overdue() -> None:
    assert not ar.year_subsidy_payable(TERMS, [], 2025, date(2025, 12, 31))  # the year still runs
    assert ar.year_subsidy_payable(TERMS, [], 2025, date(2026, 1, 1))
    repaid = [(date(2025, 6, 1), 5_000_000)]
    assert ar.year_subsidy_payable(TERMS, repaid, 2025, date(2025, 7, 1))  # repaid: it grows no more
    owed = [(date(2026, 1, 1), 4_000_000)]
    assert not ar.year_subsidy_payable(TERMS, owed, 2027, date(2028, 2, 1))  # overdue: 逾期不贴息
    assert ar.year_subsidy_payable(TERMS, [*owed, (date(2028, 2, 1), 1_000_000)], 2027, date(2028, 2, 1))
    assert ar.loan_subsidy_key("L", 2025) == "loan_interest_subsidy:2025:L"


def test_a_loan_is_overdue_past_its_due_date_while_principal_is_owed() -> None:
    assert not ar.loan_overdue(TERMS, [], TERMS.due_on)
    assert ar.loan_overdue(TERMS, [(date(2026, 1, 1), 4_000_000)], date(2028, 1, 2))
    assert not ar.loan_overdue(TERMS, [(date(2026, 1, 1), 5_000_000)], date(2028, 1, 2))


def test_coverage_counts_wishing_households_lent_to_per_village() -> None:
    wishing = [("A", 1), ("A", 2), ("B", 3)]
    coverage = ar.loan_coverage(wishing, lent=[2, 9])
    assert [(v.village_code, v.wishing, v.lent, v.not_lent) for v in coverage] == [
        ("A", 2, 1, 1),
        ("B", 1, 0, 1),
    ]


def test_the_medical_list_states_the_illnesses_it_names_and_civil_affairs_the_status() -> None:
    medical = {"out_of_pocket_fen": 900_000, "serious_illness": True, "chronic_disease": None}
    assert ar.row_flags(DepartmentList.medical_security, medical) == {"serious_illness": True}
    assert ar.row_flags(DepartmentList.civil_affairs, {"status": "tekun"}) == {"dibao": False, "tekun": True}
    assert ar.row_flags(DepartmentList.civil_affairs, {"status": "low_income_edge"}) == {
        "dibao": False,
        "tekun": False,
    }
    assert ar.row_flags(DepartmentList.housing, {"safe": False}) == {}
