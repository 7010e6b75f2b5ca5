"""The three guarantees' rules: school age on 1 September (exact with a birth date, generous with only an
age), a child off the list only after a return, insurance that adds up, and the reimbursement floors."""

from datetime import date

import pytest

from services.monitoring import guarantee_rules as g
from services.monitoring.rules import DEFAULT_THRESHOLDS, Thresholds
from shared.vocabulary.monitoring import CareKind


@pytest.mark.parametrize(
    ("born", "listed"),
    [
        (date(2020, 9, 1), True),  # six on the first day of school
        (date(2020, 9, 2), False),  # turns six a day late: next year
        (date(2010, 9, 2), True),  # still fifteen
        (date(2010, 9, 1), False),  # sixteen that morning
    ],
)
def test_school_age_is_six_to_fifteen_on_the_first_of_september(born: date, listed: bool) -> None:
    assert g.of_school_age(born, born, 2026) is listed


def test_a_birth_window_holds_exactly_the_birth_dates_of_an_age() -> None:
    earliest, latest = g.birth_window(10, date(2026, 6, 10))
    assert (earliest, latest) == (date(2015, 6, 11), date(2016, 6, 10))
    assert g.age_on(earliest, date(2026, 6, 10)) == g.age_on(latest, date(2026, 6, 10)) == 10
    leap = g.birth_window(10, date(2028, 2, 29))
    assert [g.age_on(d, date(2028, 2, 29)) for d in leap] == [10, 10]


def test_a_child_known_only_by_age_is_listed_when_they_may_be_of_school_age() -> None:
    today = date(2026, 12, 1)
    assert g.of_school_age(*g.birth_window(16, today), 2026)  # fifteen on 1 September if born after it
    assert not g.of_school_age(*g.birth_window(17, today), 2026)
    assert not g.of_school_age(*g.birth_window(4, today), 2026)


def test_only_a_return_as_the_latest_follow_up_takes_a_child_off_the_list() -> None:
    assert g.still_out([])
    assert g.still_out(["home_schooling_delivered"])
    assert not g.still_out(["home_schooling_delivered", "returned_to_school"])
    assert g.still_out(["returned_to_school", "other"])


def test_insurance_pays_nothing_for_the_unenrolled_and_never_more_than_the_premium() -> None:
    assert g.insurance_refusal(True, 38_000, 38_000) is None
    assert g.insurance_refusal(True, 38_000, 38_001)[0] == "paid_on_behalf_fen"
    assert g.insurance_refusal(False, 38_000, 0)[0] == "premium_fen"
    assert g.insurance_refusal(False, 0, 0) is None


def test_the_floor_is_exact_to_the_fen_and_the_ratio_agrees_with_it() -> None:
    short = g.reimbursement_check(100_001, 80_000, 8_000)
    assert (short.floor_fen, short.ratio_bp, short.shortfall_fen, short.short) == (80_001, 7_999, 1, True)
    met = g.reimbursement_check(100_001, 80_001, 8_000)
    assert (met.ratio_bp, met.shortfall_fen, met.short) == (8_000, 0, False)
    with pytest.raises(ValueError):
        g.reimbursement_check(100_000, 100_001, 8_000)


def test_the_floors_are_the_years_figures() -> None:
    assert g.floor_bp(CareKind.chronic, DEFAULT_THRESHOLDS) == 8_000
    assert g.floor_bp(CareKind.serious_inpatient, DEFAULT_THRESHOLDS) == 9_000
    raised = Thresholds(income_line_fen=1, rigid_expenditure_fen=1, chronic_reimbursement_floor_bp=8_500)
    assert g.floor_bp(CareKind.chronic, raised) == 8_500
