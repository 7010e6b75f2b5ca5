"""The rules of the three guarantees (seed §五(一)2–3) as plain functions: whether a child out of school is
still out after the follow-ups (who is of school age the registry decides, from the birth dates it holds),
what a year's insurance record may say, and how far a reimbursement falls short of the year's floor.

No I/O here, like `rules`: the services load the facts, these decide.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from services.monitoring.rules import Thresholds
from shared.vocabulary.monitoring import CareKind, DropoutAction

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
