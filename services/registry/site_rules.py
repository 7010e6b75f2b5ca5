"""The rules of resettlement sites as plain functions (seed §五(四)): working age, work share, facility
follow-up."""

from collections.abc import Iterable
from datetime import date

from services.registry.rules import RuleBreach, age_on
from shared.vocabulary.places import FacilityStatus

# Working age as the plan's employment follow-up counts it: 16 to 59 years old inclusive.
WORKING_AGE = range(16, 60)


def is_working_age(birth: date, today: date) -> bool:
    return age_on(birth, today) in WORKING_AGE


def in_work(employment: str | None) -> bool:
    """A member is in work when the registry records an occupation for them (务工, 公益性岗位, 放牧, …)."""
    return bool(employment and employment.strip())


def work_count(people: Iterable[tuple[date, str | None]], today: date) -> tuple[int, int]:
    """(working-age people, of whom in work) among (birth date, employment) pairs."""
    working_age = [employment for birth, employment in people if is_working_age(birth, today)]
    return len(working_age), sum(in_work(e) for e in working_age)


def work_share(working_age: int, employed: int) -> float | None:
    """The share of working-age people in work, 0–1 to four places; None for a site without any."""
    return round(employed / working_age, 4) if working_age else None


def check_facility(status: FacilityStatus, *, has_project: bool) -> list[RuleBreach]:
    """An adequate facility has no follow-up project; one being fixed names its project (and due date)."""
    if status == FacilityStatus.adequate and has_project:
        return [RuleBreach("project", "设施已完善，不能再有补短板项目")]
    if status == FacilityStatus.in_progress and not has_project:
        return [RuleBreach("project", "补短板项目在建时须写明项目名称和完成期限")]
    return []


def is_overdue(status: FacilityStatus, due_on: date | None, today: date) -> bool:
    """A gap whose follow-up project is past its due date and still not adequate."""
    return status != FacilityStatus.adequate and due_on is not None and due_on < today
