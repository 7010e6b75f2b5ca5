"""The visit targets the roster orders by: monthly for households in the procedure, quarterly otherwise."""

from datetime import date

from gateway.web.households.roster_rules import RosterRow, roster_order, visit_due

TODAY = date(2026, 6, 30)


def row(number: str, category: str, last: date | None) -> RosterRow:
    return RosterRow({"number": number, "category": category}, last, visit_due(category, last), None, 0)


def test_monitored_households_are_due_monthly_and_others_quarterly() -> None:
    assert visit_due("monitored", date(2026, 6, 1)) == date(2026, 7, 1)
    assert visit_due("marginal", date(2026, 6, 1)) == date(2026, 7, 1)
    assert visit_due("ordinary", date(2026, 6, 1)) == date(2026, 8, 30)
    assert visit_due("ordinary", None) is None


def test_the_roster_puts_the_never_visited_then_the_longest_overdue_first() -> None:
    rows = [
        row("05", "ordinary", date(2026, 6, 20)),  # due in August
        row("04", "monitored", date(2026, 6, 20)),  # due 20 July
        row("03", "monitored", date(2026, 5, 1)),  # overdue since 31 May
        row("02", "ordinary", date(2026, 1, 5)),  # overdue since 5 April
        row("01", "lifted_supported", None),  # never visited
        row("00", "sudden_hardship", None),  # never visited, in the procedure: first of all
    ]
    ordered = roster_order(rows, TODAY)
    assert [r.household["number"] for r in ordered] == ["00", "01", "02", "03", "04", "05"]
    assert [r.overdue(TODAY) for r in ordered] == [True, True, True, True, False, False]
    assert ordered[3].days_late(TODAY) == 30
