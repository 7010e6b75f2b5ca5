"""The claim rules of issue 13 part 5 as pure functions: which years may be claimed on a given day, and when a
livestock claim outnumbers the herd on record."""

from datetime import date

import pytest

from services.payments.rules import claim_year_problem, herd_problem

MARCH_31 = (3, 31)


@pytest.mark.parametrize(
    ("year", "today", "allowed"),
    [
        (2026, date(2026, 1, 1), True),
        (2026, date(2026, 12, 31), True),
        (2025, date(2026, 3, 31), True),  # last year's claims until the configured day, inclusive
        (2025, date(2026, 4, 1), False),
        (2027, date(2026, 12, 31), False),  # never a year to come
        (2024, date(2026, 1, 2), False),  # nor the year before last
    ],
)
def test_claims_are_for_this_year_and_last_year_until_the_configured_day(
    year: int, today: date, allowed: bool
) -> None:
    assert (claim_year_problem(year, today=today, previous_until=MARCH_31) is None) is allowed


def test_the_reason_says_what_may_be_claimed() -> None:
    assert claim_year_problem(2025, today=date(2026, 4, 1), previous_until=MARCH_31) == (
        "2025年度补贴的申报已于2026年3月31日截止"
    )
    assert claim_year_problem(2027, today=date(2026, 4, 1), previous_until=MARCH_31) == (
        "不能申报以后年度（2027年）的补贴"
    )
    assert claim_year_problem(2020, today=date(2026, 2, 1), previous_until=MARCH_31) == (
        "只能申报2025年、2026年的补贴"
    )
    assert claim_year_problem(2020, today=date(2026, 5, 1), previous_until=MARCH_31) == "只能申报2026年的补贴"


def test_animals_sold_in_a_year_cannot_outnumber_the_herd_on_record() -> None:
    assert herd_problem(36, claimed_before=0, herd=36, unit="只") is None
    assert herd_problem(16, claimed_before=20, herd=36, unit="只") is None
    over = herd_problem(40, claimed_before=0, herd=36, unit="只")
    assert over is not None and over.startswith("申报出栏40只，超过户籍登记的存栏36只")
    together = herd_problem(17, claimed_before=20, herd=36, unit="只")
    assert together is not None and "本年度已申报20只" in together
    assert herd_problem(1, claimed_before=0, herd=0, unit="头") is not None
