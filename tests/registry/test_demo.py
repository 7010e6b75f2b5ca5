"""The demo households: deterministic, categories in a real banner's proportions, valid and unique IDs,
consistent ages."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from services.registry.demo import (
    CATEGORY_SHARES,
    COUNTY_CODES,
    LIFTED,
    REFERENCE_DATE,
    age_on,
    generate_households,
    school_stage_for_age,
    seed_households,
)
from services.registry.models import CategoryChange, Household, Member
from services.registry.rules import (
    HISTORICAL_REASON,
    check_distinct_ids,
    check_member_identity,
    check_one_head,
)
from services.registry.schemas import HouseholdCreate
from services.registry.seed import demo_villages, seed_villages
from shared.crypto import FieldCipher
from shared.db import Database
from shared.idnumber import parse_id_number
from shared.settings import Settings
from shared.vocabulary.households import (
    PROCEDURE_CATEGORIES,
    Category,
    LabourAbility,
    Relation,
    SchoolStage,
)

VILLAGES = [v.code for v in demo_villages()]


@pytest.fixture(scope="module")
def households() -> list[HouseholdCreate]:
    return list(generate_households(3000, villages=VILLAGES))


def test_same_seed_same_households(households: list[HouseholdCreate]) -> None:
    again = list(generate_households(3000, villages=VILLAGES))
    assert [h.model_dump() for h in again] == [h.model_dump() for h in households]
    other = list(generate_households(50, villages=VILLAGES, seed=7))
    assert [h.model_dump() for h in other] != [h.model_dump() for h in households[:50]]


def test_categories_are_in_a_real_banners_proportions(households: list[HouseholdCreate]) -> None:
    counts = Counter(h.category for h in households)
    assert counts[Category.ordinary] == 2400  # most households
    assert counts[Category.lifted_supported] + counts[Category.lifted_unsupported] == 330  # about a tenth
    assert counts[Category.monitored] == counts[Category.marginal] == 120  # a few per cent each
    assert counts[Category.sudden_hardship] == 30


@pytest.mark.parametrize("n", [1, 5, 7, 13, 601])
def test_every_hundred_households_hold_the_proportions(n: int) -> None:
    counts = Counter(h.category for h in generate_households(n, villages=VILLAGES))
    assert sum(counts.values()) == n
    whole = n // 100
    assert all(
        whole * share <= counts[c] <= whole * share + (n % 100) for c, share in CATEGORY_SHARES.items()
    )


def test_households_pass_the_registry_rules(households: list[HouseholdCreate]) -> None:
    for index, household in enumerate(households):
        assert household.region_code in VILLAGES
        assert not check_one_head([m.relation for m in household.members]), index
        assert not check_distinct_ids([m.id_number for m in household.members]), index
        assert 1 <= len(household.members) <= 6
        for member in household.members:
            facts, breaches = check_member_identity(
                member.id_number, field="m", sex=member.sex, birth_date=member.birth_date
            )
            assert facts is not None and not breaches, (index, member)


def test_ids_encode_sex_and_birth_date_and_are_unique(households: list[HouseholdCreate]) -> None:
    numbers = []
    for household in households:
        for member in household.members:
            facts = parse_id_number(member.id_number)
            assert facts.sex == member.sex and facts.birth_date == member.birth_date
            assert member.id_number[:6] in COUNTY_CODES
            numbers.append(member.id_number)
    assert len(numbers) == len(set(numbers))
    assert Counter(n[:6] for n in numbers).most_common(1)[0][0] == "150625"


def test_ids_stay_unique_for_many_households() -> None:
    numbers = [m.id_number for h in generate_households(20000, villages=VILLAGES) for m in h.members]
    assert len(numbers) > 50000
    assert len(numbers) == len(set(numbers))


def _ages(household: HouseholdCreate) -> dict[Relation, list[int]]:
    ages: dict[Relation, list[int]] = {}
    for member in household.members:
        assert member.birth_date is not None
        ages.setdefault(member.relation, []).append(age_on(member.birth_date))
    return ages


def test_ages_fit_the_relations(households: list[HouseholdCreate]) -> None:
    for index, household in enumerate(households):
        ages = _ages(household)
        [head] = ages[Relation.head]
        assert head >= 18, index
        couple = [head, *ages.get(Relation.spouse, [])]
        assert all(age >= 18 for age in couple), index
        for child in ages.get(Relation.child, []):
            assert all(18 <= parent - child <= 40 for parent in couple), (index, couple, child)
        for parent in ages.get(Relation.parent, []):
            assert 18 <= parent - head <= 40, index
        for grandchild in ages.get(Relation.grandchild, []):
            assert head - grandchild >= 36, index
        assert all(age >= 18 for age in ages.get(Relation.child_in_law, [])), index
        assert all(0 <= age <= 100 for group in ages.values() for age in group), index


def test_school_stages_follow_age(households: list[HouseholdCreate]) -> None:
    stages: Counter[SchoolStage] = Counter()
    for household in households:
        for member in household.members:
            assert member.birth_date is not None
            age = age_on(member.birth_date, REFERENCE_DATE)
            expected = school_stage_for_age(age)
            if 6 <= age <= 14:  # compulsory education: everyone is enrolled
                assert member.school_stage == expected, (age, member)
            else:
                assert member.school_stage in (expected, SchoolStage.none), (age, member)
            if age < 16 or member.school_stage != SchoolStage.none:
                assert member.labour_ability == LabourAbility.none
                assert member.employment is None
            assert not (member.tekun and member.dibao)
            stages[member.school_stage] += 1
    assert all(stages[stage] > 50 for stage in SchoolStage), stages


def test_household_facts_are_plausible(households: list[HouseholdCreate]) -> None:
    by_category: dict[Category, list[HouseholdCreate]] = {}
    for household in households:
        by_category.setdefault(household.category, []).append(household)
        assert 0 <= household.sheep <= 300 and 0 <= household.cattle <= 20 and 0 <= household.pigs <= 10
        assert household.phone is None or (len(household.phone) == 11 and household.phone[1] in "3456789")
        assert household.relocated == (household.resettlement_site is not None)
        assert household.income_year == 2025 and household.income_per_capita_fen is not None
        if household.category in (Category.ordinary, Category.marginal, Category.sudden_hardship):
            assert household.lifted_year is None
        else:
            assert household.lifted_year is not None and 2014 <= household.lifted_year <= 2020

    def mean_income(category: Category) -> float:
        rows = by_category[category]
        return sum(h.income_per_capita_fen or 0 for h in rows) / len(rows) / 100

    assert mean_income(Category.ordinary) > mean_income(Category.lifted_supported) > 9000
    assert 6000 <= mean_income(Category.marginal) <= 9500
    assert 6000 <= mean_income(Category.monitored) <= 9500
    assert mean_income(Category.sudden_hardship) < 6000
    lifted = [h for h in households if h.category in LIFTED]  # relocation (易地搬迁) was for the poor
    assert 0.05 <= sum(h.relocated for h in lifted) / len(lifted) <= 0.15
    assert not any(h.relocated for h in households if h.category not in LIFTED)

    def mean_sheep(township: str) -> float:
        rows = [h for h in households if h.region_code.startswith(township)]
        return sum(h.sheep for h in rows) / len(rows)

    assert mean_sheep("150625200") > 2 * mean_sheep("150625103")
    ethnicities = Counter(m.ethnicity for h in households for m in h.members)
    assert set(ethnicities) == {"蒙古族", "汉族"} and ethnicities["汉族"] > ethnicities["蒙古族"] > 0
    at_risk = [h for h in households if h.category in (Category.marginal, Category.sudden_hardship)]
    assert any(not h.housing_secure for h in at_risk)
    assert all(h.housing_secure for h in by_category[Category.ordinary])
    assert sum(m.dibao for h in at_risk for m in h.members) > sum(
        m.dibao for h in by_category[Category.ordinary] for m in h.members
    )


def test_addresses_name_the_township_and_village(households: list[HouseholdCreate]) -> None:
    household = next(h for h in households if h.region_code == "150625100201" and not h.relocated)
    assert household.address.startswith("锡尼镇阿斯尔嘎查")


def test_reference_date_is_fixed() -> None:
    assert REFERENCE_DATE == date(2026, 9, 1)
    assert school_stage_for_age(5) == SchoolStage.kindergarten
    assert school_stage_for_age(6) == SchoolStage.primary
    assert school_stage_for_age(14) == SchoolStage.junior
    assert school_stage_for_age(17) == SchoolStage.senior
    assert school_stage_for_age(22) == SchoolStage.tertiary
    assert school_stage_for_age(23) == SchoolStage.none


class TestSeeding:
    pytestmark = pytest.mark.usefixtures("clean_databases")

    async def test_seeds_once(self, settings: Settings) -> None:
        cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
        db = Database.from_url(settings.database_url("registry"))
        try:
            async with db.session_scope() as session:
                await seed_villages(session)
            async with db.session_scope() as session:
                assert await seed_households(session, cipher=cipher, n=600) == 600
            async with db.session_scope() as session:
                assert await seed_households(session, cipher=cipher, n=600) == 0
            async with db.session_scope() as session:
                assert (await session.exec(select(func.count()).select_from(Household))).one() == 600
                categories = (
                    await session.exec(select(Household.category, func.count()).group_by(Household.category))
                ).all()
                assert dict(categories) == {c.value: 6 * share for c, share in CATEGORY_SHARES.items()}
                members = (await session.exec(select(func.count()).select_from(Member))).one()
                assert members > 1200
                # how each category was set: the procedure's own as identified before the system
                history = (await session.exec(select(CategoryChange))).all()
                assert {(c.to_category, c.reason, c.historical) for c in history} == {
                    (
                        c.value,
                        HISTORICAL_REASON if c in PROCEDURE_CATEGORIES else "批量导入",
                        c in PROCEDURE_CATEGORIES,
                    )
                    for c in Category
                }
        finally:
            await db.dispose()
