"""The rules of resettlement sites, without a server: working age by the calendar, who counts as in work,
what a facility's follow-up must say."""

from datetime import date

from services.registry.site_rules import check_facility, is_working_age, work_count, work_share
from shared.vocabulary.places import FacilityStatus


def test_working_age_is_sixteen_to_fifty_nine() -> None:
    today = date(2026, 12, 6)
    assert is_working_age(date(2010, 12, 6), today)  # sixteen today
    assert not is_working_age(date(2010, 12, 7), today)  # sixteen tomorrow
    assert is_working_age(date(1966, 12, 7), today)  # sixty tomorrow
    assert not is_working_age(date(1966, 12, 6), today)  # sixty today
    people = [(date(1990, 1, 1), "外出务工"), (date(1980, 1, 1), " "), (date(2015, 1, 1), "放牧")]
    assert work_count(people, today) == (2, 1)
    assert work_share(2, 1) == 0.5 and work_share(0, 0) is None


def test_a_facility_being_fixed_names_its_project_and_an_adequate_one_has_none() -> None:
    assert check_facility(FacilityStatus.in_progress, has_project=False)[0].field == "project"
    assert check_facility(FacilityStatus.adequate, has_project=True)[0].field == "project"
    assert check_facility(FacilityStatus.gap, has_project=False) == []
    assert check_facility(FacilityStatus.in_progress, has_project=True) == []
