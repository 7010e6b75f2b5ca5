"""The registry's rules as pure functions."""

from datetime import date

import pytest

from services.registry import rules
from shared.idnumber import Sex, make_id_number, mask_id_number
from shared.vocabulary.households import Relation

ID = make_id_number("150625", date(1988, 5, 17), 12, Sex.female)


def test_a_valid_id_yields_its_facts() -> None:
    facts, breaches = rules.check_member_identity(ID, field="members.0")
    assert breaches == [] and facts is not None
    assert (facts.sex, facts.birth_date) == (Sex.female, date(1988, 5, 17))


def test_entered_sex_and_birth_date_must_match_the_id() -> None:
    _, breaches = rules.check_member_identity(
        ID, field="members.1", sex=Sex.male, birth_date=date(1988, 5, 18)
    )
    assert [b.field for b in breaches] == ["members.1.sex", "members.1.birth_date"]


def test_a_bad_check_digit_names_the_field() -> None:
    bad = ID[:17] + ("0" if ID[17] != "0" else "1")
    facts, breaches = rules.check_member_identity(bad, field="members.3")
    assert facts is None and breaches[0].field == "members.3.id_number" and "校验位" in breaches[0].reason


def test_exactly_one_head() -> None:
    assert rules.check_one_head([Relation.head, Relation.child]) == []
    assert rules.check_one_head([Relation.spouse])[0].reason == "家庭成员中缺少户主"
    assert rules.check_one_head([Relation.head, Relation.head])[0].field == "members"


def test_the_same_person_twice_in_one_household() -> None:
    breaches = rules.check_distinct_ids(
        [ID, ID.lower(), make_id_number("150625", date(1990, 1, 1), 1, Sex.male)]
    )
    assert [b.field for b in breaches] == ["members.1.id_number"]


def test_household_numbers_sort_within_a_village() -> None:
    assert rules.household_number("150625100201", 7) == "15062510020100007"
    assert rules.household_number("150625100201", 10) > rules.household_number("150625100201", 9)


def test_phone_masking() -> None:
    assert rules.mask_phone("13912345678") == "139****5678"
    assert rules.mask_phone(None) is None


def test_age_is_whole_years_counted_on_the_birthday() -> None:
    assert rules.age_on(date(2000, 3, 1), date(2026, 2, 28)) == 25
    assert rules.age_on(date(2000, 3, 1), date(2026, 3, 1)) == 26
    assert rules.age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


@pytest.mark.parametrize(
    ("born", "of_school_age"),
    [
        (date(2020, 9, 1), True),  # six on the first day of school
        (date(2020, 9, 2), False),  # turns six a day late: next year
        (date(2010, 9, 2), True),  # still fifteen
        (date(2010, 9, 1), False),  # sixteen that morning
    ],
)
def test_school_age_is_six_to_fifteen_on_the_first_of_september(born: date, of_school_age: bool) -> None:
    born_after, born_by = rules.school_age_births(2026)
    assert (born_after < born <= born_by) is of_school_age
    assert (rules.age_on(born, date(2026, 9, 1)) in rules.SCHOOL_AGES) is of_school_age


def test_the_masked_number_hides_exactly_the_birth_date() -> None:
    masked = mask_id_number(ID)
    assert masked[:6] + "19880517" + masked[14:] == ID  # so a birth date beside it rebuilds the number


def test_only_changed_fields_are_kept() -> None:
    before, after = rules.changed_fields({"sheep": 40, "address": "一社"}, {"sheep": 45, "address": "一社"})
    assert (before, after) == ({"sheep": 40}, {"sheep": 45})
    assert rules.changed_fields({"a": 1}, {"a": 1}) == ({}, {})


def test_the_procedure_alone_moves_monitoring_categories() -> None:
    assert rules.procedure_bound("lifted_supported", "monitored")
    assert rules.procedure_bound("marginal", None) and rules.procedure_bound("sudden_hardship")
    assert not rules.procedure_bound("lifted_supported", "lifted_unsupported", "ordinary", None)
