"""The three guarantees' rules: a child off the list only after a return, insurance that adds up, the
reimbursement floors (school age is the registry's: `tests/registry/test_rules.py`), and a renovation's or
water fix's dates in order."""

from datetime import date

import pytest

from services.monitoring import guarantee_rules as g
from services.monitoring.rules import DEFAULT_THRESHOLDS, Thresholds
from shared.vocabulary.monitoring import CareKind, RenovationStatus


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


TODAY = date(2026, 6, 30)


def test_a_records_steps_come_in_order_none_after_today_and_none_skipped() -> None:
    def steps(started: date | None, completed: date | None) -> list[tuple[str, date | None]]:
        return [("assessed_on", date(2026, 3, 1)), ("started_on", started), ("completed_on", completed)]

    assert g.steps_refusal(steps(None, None), TODAY) is None
    assert g.steps_refusal(steps(date(2026, 3, 1), date(2026, 6, 30)), TODAY) is None
    assert g.steps_refusal(steps(date(2026, 2, 28), None), TODAY) == (
        "started_on",
        "不能早于鉴定日期（2026-03-01）",
    )
    assert g.steps_refusal(steps(date(2026, 4, 1), date(2026, 3, 31)), TODAY)[0] == "completed_on"
    assert g.steps_refusal(steps(None, date(2026, 5, 1)), TODAY) == ("completed_on", "须先登记开工日期")
    assert g.steps_refusal(steps(date(2026, 7, 1), None), TODAY) == ("started_on", "日期不能晚于今天")


def test_only_acceptance_makes_a_renovation_done() -> None:
    day = date(2026, 5, 1)
    assert g.renovation_status(None, None, None) == RenovationStatus.planned
    assert g.renovation_status(day, None, None) == RenovationStatus.under_way
    assert g.renovation_status(day, day, None) == RenovationStatus.completed
    assert g.renovation_status(day, day, day) == RenovationStatus.accepted


def test_a_renovations_next_step_and_a_water_fix_fall_due_after_the_policys_days() -> None:
    day = date(2026, 3, 1)
    days = g.FOLLOW_UP
    assert g.renovation_due_on(day, None, None) == date(2026, 3, 1 + days.renovation_start)
    started = date(2026, 3, 10)
    assert (g.renovation_due_on(day, started, None) - started).days == days.renovation_acceptance
    assert g.renovation_due_on(day, started, date(2026, 6, 1)) is None  # accepted: nothing more is due
    assert (g.water_fix_due_on(day, None) - day).days == days.water_fix
    assert g.water_fix_due_on(day, date(2026, 3, 5)) is None
