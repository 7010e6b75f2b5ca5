"""The three guarantees' rules: a child off the list only after a return, insurance that adds up, and the
reimbursement floors (school age is the registry's: `tests/registry/test_rules.py`)."""


import pytest

from services.monitoring import guarantee_rules as g
from services.monitoring.rules import DEFAULT_THRESHOLDS, Thresholds
from shared.vocabulary.monitoring import CareKind


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
