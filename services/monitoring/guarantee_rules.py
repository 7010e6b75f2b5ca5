"""The rules of the three guarantees and water (seed §五(一)2–3) as plain functions: whether a child out of
school is still out after the follow-ups (who is of school age the registry decides, from the birth dates it
holds), what a year's insurance record may say, how far a reimbursement falls short of the year's floor, and
the order of a renovation's or a water fix's dates, where it stands and when its next step is due.

No I/O here, like `rules`: the services load the facts, these decide.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.monitoring.rules import Thresholds
from shared.vocabulary.monitoring import CareKind, DropoutAction, RenovationStatus

BASIS_POINTS = 10_000


def still_out(actions: Sequence[str]) -> bool:
    """A child out of school stays on the list until the latest follow-up (in date order) is a return."""
    return not actions or actions[-1] != DropoutAction.returned_to_school


def insurance_refusal(enrolled: bool, premium_fen: int, paid_on_behalf_fen: int) -> tuple[str, str] | None:
    """(field, why) an insurance record is refused, or None: nothing is paid for a member not enrolled, and
    never more than the premium."""
    if not enrolled and (premium_fen or paid_on_behalf_fen):
        field = "premium_fen" if premium_fen else "paid_on_behalf_fen"
        return field, "未参保的成员没有保费，也没有代缴"
    if paid_on_behalf_fen > premium_fen:
        return "paid_on_behalf_fen", "代缴金额不能超过应缴保费"
    return None


@dataclass(frozen=True)
class FloorCheck:
    floor_bp: int
    ratio_bp: int  # reimbursed ÷ eligible cost, rounded down: below the floor exactly when short
    floor_fen: int  # the least reimbursement the floor asks, rounded up to the fen
    shortfall_fen: int

    @property
    def short(self) -> bool:
        return self.shortfall_fen > 0


def floor_bp(kind: CareKind, thresholds: Thresholds) -> int:
    """The year's floor for `kind` (data in the thresholds, like the income line)."""
    if kind == CareKind.chronic:
        return thresholds.chronic_reimbursement_floor_bp
    return thresholds.inpatient_reimbursement_floor_bp


def reimbursement_check(eligible_cost_fen: int, reimbursed_fen: int, floor: int) -> FloorCheck:
    """How a reimbursement of an eligible cost stands against a floor in basis points; exact in fen."""
    if eligible_cost_fen <= 0 or not 0 <= reimbursed_fen <= eligible_cost_fen:
        raise ValueError("a reimbursement lies between nothing and the whole eligible cost")
    floor_fen = -(-eligible_cost_fen * floor // BASIS_POINTS)
    ratio_bp = reimbursed_fen * BASIS_POINTS // eligible_cost_fen
    return FloorCheck(floor, ratio_bp, floor_fen, max(floor_fen - reimbursed_fen, 0))


STEP_WORDS = {
    "assessed_on": "鉴定日期",
    "found_on": "发现日期",
    "started_on": "开工日期",
    "completed_on": "竣工日期",
    "accepted_on": "验收日期",
    "done_on": "完成日期",
}


def steps_refusal(steps: Sequence[tuple[str, date | None]], today: date) -> tuple[str, str] | None:
    """(field, why) a record's dated steps are refused, or None: none after today, none before the step
    before it, and none taken before the steps before it (a house is not completed before it is started)."""
    earlier: tuple[str, date] | None = None
    for index, (name, on) in enumerate(steps):
        if on is None:
            continue
        if on > today:
            return name, "日期不能晚于今天"
        missing = next((before for before, seen in steps[:index] if seen is None), None)
        if missing is not None:
            return name, f"须先登记{STEP_WORDS.get(missing, missing)}"
        if earlier is not None and on < earlier[1]:
            return name, f"不能早于{STEP_WORDS.get(earlier[0], earlier[0])}（{earlier[1]}）"
        earlier = (name, on)
    return None


def renovation_status(
    started_on: date | None, completed_on: date | None, accepted_on: date | None
) -> RenovationStatus:
    """Where a renovation stands by the steps recorded; only acceptance (验收) makes the house safe."""
    if accepted_on is not None:
        return RenovationStatus.accepted
    if completed_on is not None:
        return RenovationStatus.completed
    if started_on is not None:
        return RenovationStatus.under_way
    return RenovationStatus.planned


@dataclass(frozen=True)
class FollowUpDays:
    """How long each step of a renovation or a water fix may wait before it reaches the officials' inbox.

    The plan asks that a house found dangerous or water found unsafe be followed up at once ("及时跟进落实危房
    改造和饮水安全政策", seed §五(一)5) and names no days; these are the banner's working limits: building
    starts within a month of the appraisal, the house is completed and accepted (验收) within half a year of
    the start, and a water problem is fixed within a month of being found."""

    renovation_start: int = 30
    renovation_acceptance: int = 180
    water_fix: int = 30


FOLLOW_UP = FollowUpDays()


def renovation_due_on(assessed_on: date, started_on: date | None, accepted_on: date | None) -> date | None:
    """The day a renovation's next step is due: the start after the appraisal, then the acceptance after
    the start; None once accepted."""
    if accepted_on is not None:
        return None
    if started_on is None:
        return assessed_on + timedelta(days=FOLLOW_UP.renovation_start)
    return started_on + timedelta(days=FOLLOW_UP.renovation_acceptance)


def water_fix_due_on(found_on: date, done_on: date | None) -> date | None:
    """The day a water problem's fix is due; None once done."""
    return None if done_on is not None else found_on + timedelta(days=FOLLOW_UP.water_fix)
