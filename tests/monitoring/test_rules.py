"""The monitoring rules as plain functions: the procedure table exhaustively, classification, alerts,
risk elimination and the clock — no server, no database."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from services.monitoring import rules
from services.monitoring.enums import RecordKind
from services.monitoring.rules import (
    CaseFacts,
    Refusal,
    RefusalKind,
    Thresholds,
    VisitFacts,
    classify,
    elimination_blockers,
    next_status,
)
from shared.regions import Tier
from shared.roles import ROLE_TIERS, Role
from shared.vocabulary.monitoring import Action, AlertKind, CaseStatus, RiskType

# --- the procedure, exhaustively ----------------------------------------------------------------------
# An oracle written from MISSION.md §3 and API.md, independently of the module's own tables.

V1, V2, T1, OTHER_VILLAGE, T2, BANNER = (
    "150625100201",
    "150625100202",
    "150625100",
    "150625101201",
    "150625101",
    "150625",
)
ORDER = [
    ("applied", "village_review", "village_reviewed"),
    ("village_reviewed", "data_comparison", "data_compared"),
    ("data_compared", "township_review", "township_reviewed"),
    ("township_reviewed", "publish_notice", "in_public_notice"),
    ("in_public_notice", "confirm", "confirmed"),
    ("confirmed", "start_assistance", "assisting"),
    ("assisting", "propose_elimination", "elimination_proposed"),
    ("elimination_proposed", "review_elimination", "elimination_reviewed"),
    ("elimination_reviewed", "eliminate_risk", "risk_eliminated"),
]
NEXT = {(status, action): to for status, action, to in ORDER}
PENDING = {status: action for status, action, _ in ORDER}
# who: (roles, must the actor be of the case's own village / township?)
WHO = {
    "village_review": ({"village_official", "work_team"}, "village"),
    "data_comparison": ({"department_officer", "banner_official"}, None),
    "township_review": ({"township_official"}, "township"),
    "publish_notice": ({"township_official"}, "township"),
    "confirm": ({"banner_official"}, None),
    "start_assistance": ({"village_official", "township_official", "banner_official"}, None),
    "propose_elimination": ({"village_official", "work_team"}, "village"),
    "review_elimination": ({"township_official"}, "township"),
    "eliminate_risk": ({"banner_official"}, None),
}
REJECTABLE = ["applied", "village_reviewed", "data_compared", "township_reviewed", "in_public_notice"]
# The actor's region at each tier, and the case's village in three relations to it.
ACTOR_REGION = {Tier.banner: BANNER, Tier.township: T1, Tier.village: V1}
CASE_REGION = {"own": V1, "sibling_village": V2, "other_township": OTHER_VILLAGE}


def expected(status: str, action: str, role: str, actor_region: str, case_region: str) -> str:
    """The outcome the rules must give: a status, or `order` / `role` / `scope`."""
    if not case_region.startswith(actor_region):
        return "scope"
    if action == "reject":
        if status not in REJECTABLE:
            return "order"
        roles, reach = WHO[PENDING[status]]
        if status == "in_public_notice":  # the township that published may reject on an upheld objection
            roles, reach = roles | {"township_official"}, None
    else:
        roles, reach = WHO[action]
    if role not in roles:
        return "role"
    if reach == "village" and actor_region != case_region:
        return "scope"
    if reach == "township" and actor_region != case_region[:9]:
        return "scope"
    if action == "reject":
        return "rejected"
    if action == "village_review" and status == "applied":
        return "applied"  # the first of two signatures: the village has a work team on record by default
    return NEXT.get((status, action), "order")


ACTORS = [(role, tier) for role in Role for tier in sorted(ROLE_TIERS[role])]
TABLE = list(itertools.product(CaseStatus, Action, ACTORS, CASE_REGION))


@pytest.mark.parametrize(
    ("status", "action", "actor", "relation"),
    TABLE,
    ids=[f"{s}-{a}-{r}@{t}-{rel}" for s, a, (r, t), rel in TABLE],
)
def test_every_status_action_role_and_region(
    status: CaseStatus, action: Action, actor: tuple[Role, Tier], relation: str
) -> None:
    role, tier = actor
    actor_region, case_region = ACTOR_REGION[tier], CASE_REGION[relation]
    outcome = next_status(status, action, role, actor_region, case_region, facts=rules.READY)
    want = expected(status, action, role, actor_region, case_region)
    if want in ("order", "role", "scope"):
        assert isinstance(outcome, Refusal), outcome
        assert outcome.kind == RefusalKind(want)
        assert outcome.reason
    else:
        assert outcome == CaseStatus(want)


STATUS_ROLE_PLACE = list(itertools.product(CaseStatus, ACTORS, CASE_REGION))


@pytest.mark.parametrize(
    ("status", "actor", "relation"),
    STATUS_ROLE_PLACE,
    ids=[f"{s}-{r}@{t}-{rel}" for s, (r, t), rel in STATUS_ROLE_PLACE],
)
def test_allowed_actions_are_the_steps_the_rules_let_through(
    status: CaseStatus, actor: tuple[Role, Tier], relation: str
) -> None:
    role, tier = actor
    actor_region, case_region = ACTOR_REGION[tier], CASE_REGION[relation]
    want = [
        action
        for action in Action
        if expected(status, action, role, actor_region, case_region) not in ("order", "role", "scope")
    ]
    assert rules.allowed_actions(status, role, actor_region, case_region, facts=rules.READY) == want


def test_allowed_actions_leave_out_a_confirmation_the_notice_still_holds() -> None:
    allowed = rules.allowed_actions(
        CaseStatus.in_public_notice, Role.banner_official, BANNER, V1, facts=NOTICE_OPEN
    )
    assert allowed == [Action.reject]


def test_the_table_covers_every_combination() -> None:
    assert len(TABLE) == len(CaseStatus) * len(Action) * len(ACTORS) * 3
    assert {(r, t) for r, t in ACTORS} >= {(Role.department_officer, Tier.township)}


NOTICE_OPEN = CaseFacts(notice_open=True, notice_ends=datetime(2026, 6, 5, tzinfo=UTC))


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        (NOTICE_OPEN, "公示期未满"),
        (CaseFacts(unresolved_objections=2), "2 条异议尚未处理"),
        (CaseFacts(upheld_objections=1), "异议成立"),
    ],
)
def test_confirm_waits_for_the_notice_and_its_objections(facts: CaseFacts, words: str) -> None:
    refused = next_status(
        CaseStatus.in_public_notice, Action.confirm, Role.banner_official, BANNER, V1, facts=facts
    )
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.order and words in refused.reason


def test_reject_during_the_notice_needs_no_closed_period() -> None:
    for role, region in ((Role.township_official, T1), (Role.banner_official, BANNER)):
        outcome = next_status(CaseStatus.in_public_notice, Action.reject, role, region, V1, facts=NOTICE_OPEN)
        assert outcome == CaseStatus.rejected


@pytest.mark.parametrize(
    ("status", "action", "role", "region"),
    [
        (CaseStatus.assisting, Action.propose_elimination, Role.work_team, V1),
        (CaseStatus.elimination_proposed, Action.review_elimination, Role.township_official, T1),
        (CaseStatus.elimination_reviewed, Action.eliminate_risk, Role.banner_official, BANNER),
    ],
)
def test_each_elimination_step_carries_every_blocker(
    status: CaseStatus, action: Action, role: Role, region: str
) -> None:
    facts = CaseFacts(elimination_blockers=("income", "measures"))
    refused = next_status(status, action, role, region, V1, facts=facts)
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.order
    assert refused.blockers == ("income", "measures")


COMMITTEE = rules.Signature("asier", Role.village_official)
TEAM = rules.Signature("asier-team", Role.work_team)


@pytest.mark.parametrize(
    ("signed", "on_record", "role", "actor", "outcome"),
    [
        ((), True, Role.village_official, "asier", "applied"),
        ((), True, Role.work_team, "asier-team", "applied"),
        ((COMMITTEE,), True, Role.work_team, "asier-team", "village_reviewed"),
        ((TEAM,), True, Role.village_official, "asier", "village_reviewed"),
        ((), False, Role.village_official, "asier", "village_reviewed"),  # no work team on record
        ((), False, Role.work_team, "asier-team", "applied"),  # a team that signs waits for the committee
        ((TEAM,), False, Role.village_official, "asier", "village_reviewed"),
        ((COMMITTEE,), True, Role.village_official, "asier2", "order"),  # the same role twice
        ((COMMITTEE,), True, Role.work_team, "asier", "order"),  # the same person twice
        ((TEAM,), True, Role.work_team, "asier-team2", "order"),
    ],
)
def test_the_village_review_is_signed_by_two(
    signed: tuple[rules.Signature, ...], on_record: bool, role: Role, actor: str, outcome: str
) -> None:
    facts = CaseFacts(signatures=signed, work_team_on_record=on_record)
    result = next_status(CaseStatus.applied, Action.village_review, role, V1, V1, facts=facts, actor=actor)
    if outcome == "order":
        assert isinstance(result, Refusal) and result.kind == RefusalKind.order and result.reason
    else:
        assert result == CaseStatus(outcome)
    offered = rules.allowed_actions(CaseStatus.applied, role, V1, V1, facts=facts, actor=actor)
    assert (Action.village_review in offered) == (outcome != "order")


@pytest.mark.parametrize(
    ("at_opening", "returns"),
    [
        ("lifted_supported", "lifted_supported"),
        ("lifted_unsupported", "lifted_unsupported"),
        ("monitored", "lifted_supported"),
        ("marginal", "ordinary"),
        ("sudden_hardship", "ordinary"),
        ("ordinary", "ordinary"),
    ],
)
def test_the_category_a_household_returns_to(at_opening: str, returns: str) -> None:
    assert rules.category_after_elimination(at_opening) == returns


@pytest.mark.parametrize(
    ("role", "region", "statuses"),
    [
        (Role.village_official, V1, {"applied", "confirmed", "assisting"}),
        (Role.work_team, V1, {"applied", "assisting"}),
        (Role.department_officer, BANNER, {"village_reviewed"}),
        (Role.department_officer, T1, {"village_reviewed"}),
        (
            Role.township_official,
            T1,
            {"data_compared", "township_reviewed", "confirmed", "elimination_proposed"},
        ),
        (
            Role.banner_official,
            BANNER,
            {"village_reviewed", "in_public_notice", "confirmed", "elimination_reviewed"},
        ),
        (Role.auditor, BANNER, set()),
        (Role.banner_admin, BANNER, set()),
    ],
)
def test_the_inbox_statuses_follow_the_rules(role: Role, region: str, statuses: set[str]) -> None:
    assert rules.awaiting_statuses(role, region) == {CaseStatus(s) for s in statuses}


# --- classification -----------------------------------------------------------------------------------

LINE = 700_000


@pytest.mark.parametrize(
    ("category", "risks", "income", "result"),
    [
        ("lifted_supported", ["illness"], 900_000, "monitored"),
        ("lifted_unsupported", ["income_drop"], 100_000, "monitored"),
        ("monitored", ["disaster"], 900_000, "monitored"),
        ("ordinary", ["illness"], LINE, "sudden_hardship"),
        ("ordinary", ["accident", "education"], 900_000, "sudden_hardship"),
        ("ordinary", ["disaster"], LINE - 1, "marginal"),
        ("ordinary", ["illness"], None, "marginal"),
        ("ordinary", ["education", "unemployment"], 900_000, "marginal"),
        ("marginal", ["income_drop"], 300_000, "marginal"),
        ("sudden_hardship", ["illness"], 800_000, "sudden_hardship"),
    ],
)
def test_classification(category: str, risks: list[str], income: int | None, result: str) -> None:
    assert classify(category, risks, income, LINE) == result


# --- alerts -------------------------------------------------------------------------------------------

LIMITS = Thresholds(income_line_fen=LINE, rigid_expenditure_fen=1_000_000)


def visit(day: date, income: int = 800_000, rigid: int = 0, **secure: bool) -> VisitFacts:
    return VisitFacts(visited_on=day, income_per_capita_fen=income, rigid_expenditure_fen=rigid, **secure)


def test_a_sound_visit_raises_nothing() -> None:
    assert rules.visit_findings(visit(date(2026, 3, 1), LINE, 1_000_000), LIMITS) == []


def test_a_visit_raises_one_finding_per_risk() -> None:
    findings = rules.visit_findings(
        visit(date(2026, 3, 1), LINE - 1, 1_000_001, housing_secure=False, water_secure=False), LIMITS
    )
    assert [f.kind for f in findings] == [
        AlertKind.income_below_line,
        AlertKind.housing_unsecured,
        AlertKind.water_unsecured,
        AlertKind.rigid_expenditure,
    ]
    assert "6,999.99" in findings[0].reason and "7,000.00" in findings[0].reason


@pytest.mark.parametrize(
    ("kind", "amount", "alerts"),
    [
        (RecordKind.dibao, None, [AlertKind.dibao]),
        (RecordKind.tekun, None, [AlertKind.tekun]),
        (RecordKind.school_dropout, None, [AlertKind.school_dropout]),
        (RecordKind.housing_unsafe, None, [AlertKind.housing_unsecured]),
        (RecordKind.medical_expense, 1_500_000, [AlertKind.rigid_expenditure]),
        (RecordKind.medical_expense, 1_000_000, []),
        (RecordKind.medical_expense, None, []),
        (RecordKind.income, 500_000, [AlertKind.income_below_line]),
        (RecordKind.income, LINE, []),
    ],
)
def test_department_records(kind: RecordKind, amount: int | None, alerts: list[AlertKind]) -> None:
    assert [f.kind for f in rules.record_findings(kind, amount, LIMITS)] == alerts


def test_every_alert_kind_maps_to_a_risk_type() -> None:
    assert set(rules.ALERT_RISKS) == set(AlertKind)
    assert all(isinstance(r, RiskType) for r in rules.ALERT_RISKS.values())


# --- risk elimination ---------------------------------------------------------------------------------

TODAY = date(2026, 11, 1)
STABLE = [visit(date(2026, 4, 1)), visit(date(2026, 7, 1)), visit(date(2026, 10, 1))]


def blockers(**overrides: object) -> list[str]:
    facts: dict[str, object] = {
        "visits": STABLE,
        "measures": 1,
        "confirmed_on": date(2026, 5, 1),
        "today": TODAY,
        "has_labour": True,
        "thresholds": LIMITS,
    }
    return elimination_blockers(**{**facts, **overrides})  # type: ignore[arg-type]


def test_all_conditions_met() -> None:
    assert blockers() == []


def test_every_unmet_condition_is_named() -> None:
    every = blockers(visits=[], measures=0, confirmed_on=None, has_labour=False)
    assert every == [
        "income",
        "rigid_expenditure",
        "guarantees",
        "measures",
        "case_age",
        "labour_ability",
    ]
    assert set(rules.BLOCKER_REASONS) == set(
        blockers(visits=[], measures=0, confirmed_on=None, has_labour=False)
    )


@pytest.mark.parametrize(
    ("visits", "stable"),
    [
        (STABLE, True),
        ([visit(date(2026, 4, 1)), visit(date(2026, 10, 1))], True),
        ([visit(date(2026, 4, 2)), visit(date(2026, 10, 1))], False),  # a day short of 6 months
        ([visit(date(2026, 10, 1))], False),
        ([visit(date(2026, 4, 1)), visit(date(2026, 7, 1), LINE - 1), visit(date(2026, 10, 1))], False),
        ([visit(date(2026, 1, 1), 100), visit(date(2026, 4, 1)), visit(date(2026, 10, 1))], True),
        ([visit(date(2026, 4, 1)), visit(date(2026, 10, 1), LINE - 1)], False),
    ],
)
def test_income_stable_for_six_months(visits: list[VisitFacts], stable: bool) -> None:
    assert ("income" not in blockers(visits=visits)) is stable


def test_the_latest_visit_decides_rigid_spending_and_guarantees() -> None:
    late = [*STABLE[:2], visit(date(2026, 10, 1), rigid=1_000_001, water_secure=False)]
    assert blockers(visits=late) == ["rigid_expenditure", "guarantees"]
    earlier_trouble = [visit(date(2026, 4, 1), rigid=5_000_000, medical_secure=False), *STABLE[1:]]
    assert blockers(visits=earlier_trouble) == []


def test_six_months_since_confirmation() -> None:
    assert blockers(confirmed_on=date(2026, 5, 1)) == []
    assert blockers(confirmed_on=date(2026, 5, 2)) == ["case_age"]


def test_add_months_keeps_to_the_month_end() -> None:
    assert rules.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert rules.add_months(date(2026, 3, 15), -6) == date(2025, 9, 15)


# --- the clock, masking -------------------------------------------------------------------------------


def test_step_spans_and_overdue() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    spans = rules.step_spans(
        [(CaseStatus.applied, start), (CaseStatus.village_reviewed, start + timedelta(days=2))],
        start + timedelta(days=3, hours=12),
    )
    assert [(s.status, s.days) for s in spans] == [
        (CaseStatus.applied, 2.0),
        (CaseStatus.village_reviewed, 1.5),
    ]
    due = start + timedelta(days=15)
    assert not rules.is_overdue(CaseStatus.applied, due, None, due)
    assert rules.is_overdue(CaseStatus.applied, due, None, due + timedelta(seconds=1))
    assert not rules.is_overdue(CaseStatus.confirmed, due, due - timedelta(days=1), due + timedelta(days=30))
    assert rules.is_overdue(CaseStatus.confirmed, due, due + timedelta(days=1), due + timedelta(days=30))
