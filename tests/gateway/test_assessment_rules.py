"""How the assessment counts, without a server: the months a term covers, the visits owed, and one row per
village and per official composed from the services' figures."""

from datetime import UTC, date, datetime

from gateway.assessment_rules import months_covered, visit_target
from gateway.assessments import compose
from gateway.people_schemas import AssignmentPublic
from shared.vocabulary.people import AssignmentKind

ASIER = "150625100201"


def test_a_term_covers_the_months_of_the_year_it_touches_up_to_today() -> None:
    today = date(2026, 12, 5)
    assert months_covered(date(2026, 1, 1), None, year=2026, today=today) == 12
    assert months_covered(date(2025, 3, 1), None, year=2026, today=date(2026, 6, 30)) == 6
    assert months_covered(date(2026, 4, 20), date(2026, 7, 1), year=2026, today=today) == 4
    assert months_covered(date(2026, 4, 20), date(2026, 7, 1), year=2025, today=today) == 0
    assert months_covered(date(2027, 1, 1), None, year=2026, today=today) == 0
    assert visit_target(3, 4) == 12 and visit_target(3, 4, 2) == 24


def figures(visits: int) -> dict:
    return {
        "villages": [
            {
                "village_code": ASIER,
                "followed_households": 2,
                "visits": visits,
                "cases_decided": 3,
                "cases_decided_on_time": 2,
                "cases_past_due": 1,
                "notices_published": 3,
                "notices_on_time": 3,
                "measures_overdue": 1,
            }
        ],
        "people": [
            {
                "username": "asier-team",
                "display_name": None,
                "visits": visits,
                "responsible_visits": 0,
                "households_responsible": 0,
                "measures_overdue": 0,
            },
            {
                "username": "zhang.min",
                "display_name": "张敏",
                "visits": 9,  # all their visits, …
                "responsible_visits": 5,  # … of which these to the households in their charge
                "households_responsible": 2,
                "measures_overdue": 1,
            },
        ],
    }


def test_the_assessment_is_composed_from_the_figures_and_moves_with_them() -> None:
    team = AssignmentPublic(
        id="00000000-0000-0000-0000-000000000001",
        username="asier-team",
        display_name="赵文静",
        kind=AssignmentKind.first_secretary,
        village_code=ASIER,
        dispatching_unit="旗财政局",
        starts_on=date(2026, 10, 15),
        ends_on=None,
        visits_per_month=2,
        created_by="banner",
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    payments = {"villages": [{"village_code": "150625100202", "lines_sent": 5, "lines_reconciled": 4}]}

    def assess(visits: int):
        return compose(
            year=2026,
            region="150625100",
            today=date(2026, 12, 5),
            monitoring=figures(visits),
            payments=payments,
            assigned=[team],
        )

    before, after = assess(visits=3), assess(visits=4)
    asier = {v.village_code: v for v in before.villages}[ASIER]
    assert (asier.visits_done, asier.visits_target) == (3, 24)  # 2 households, monthly, 12 months
    assert (asier.cases_decided, asier.cases_decided_on_time, asier.measures_overdue) == (3, 2, 1)
    bayin = {v.village_code: v for v in before.villages}["150625100202"]
    assert (bayin.payment_lines_sent, bayin.payment_lines_reconciled, bayin.visits_target) == (5, 4, 0)
    [secretary, responsible] = before.officials
    # three months of term (October to December), two households, twice a month
    assert (secretary.kind, secretary.visits_done, secretary.visits_target) == ("first_secretary", 3, 12)
    assert (responsible.username, responsible.kind, responsible.visits_done, responsible.visits_target) == (
        "zhang.min",
        "responsible",
        5,
        24,
    )
    assert after.officials[0].visits_done == 4
    assert {v.village_code: v for v in after.villages}[ASIER].visits_done == 4
