"""Employment rules without a server: who a post goes to first, and what a month owes."""

import uuid
from datetime import date

import pytest

from services.monitoring.employment_rules import (
    holder_refusal,
    month_bounds,
    post_wage_key,
    wage_for_month,
)


@pytest.mark.parametrize("category", ["lifted_supported", "lifted_unsupported", "monitored", "marginal"])
def test_lifted_out_and_marginal_people_hold_posts_without_a_reason(category: str) -> None:
    assert holder_refusal(category, None) is None


@pytest.mark.parametrize("category", ["ordinary", "sudden_hardship"])
def test_anyone_else_holds_a_post_only_with_a_stated_reason(category: str) -> None:
    assert holder_refusal(category, None)
    assert holder_refusal(category, "  ")
    assert holder_refusal(category, "本嘎查无符合条件的脱贫人口报名") is None


def test_a_month_the_term_covers_pays_the_whole_wage() -> None:
    assert wage_for_month(80_000, date(2026, 1, 1), date(2026, 12, 31), "2026-06") == 80_000


def test_the_first_and_last_months_pay_the_days_covered() -> None:
    # 16 of November's 30 days, 10 of December's 31 (rounded half up).
    assert wage_for_month(90_000, date(2026, 11, 15), date(2026, 12, 10), "2026-11") == 48_000
    assert wage_for_month(90_000, date(2026, 11, 15), date(2026, 12, 10), "2026-12") == 29_032


def test_a_month_outside_the_term_pays_nothing() -> None:
    assert wage_for_month(80_000, date(2026, 3, 1), date(2026, 5, 31), "2026-06") == 0


def test_a_month_is_read_strictly_and_keys_one_entitlement_per_post_and_month() -> None:
    assert month_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    with pytest.raises(ValueError):
        month_bounds("2026-13")
    post = uuid.uuid4()
    assert post_wage_key(post, "2026-06") != post_wage_key(post, "2026-07")
    assert post_wage_key(post, "2026-06") == post_wage_key(post, "2026-06")
