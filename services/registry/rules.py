"""The registry's rules as plain functions over plain data (MISSION.md §2), tested without a server."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.idnumber import IdFacts, InvalidIdNumber, Sex, parse_id_number
from shared.vocabulary.households import PROCEDURE_CATEGORIES, Relation


@dataclass(frozen=True)
class RuleBreach:
    """One broken rule: which field (dotted path, as the API names it) and why, in Chinese."""

    field: str
    reason: str


def check_member_identity(
    id_number: str, *, field: str, sex: Sex | None = None, birth_date: date | None = None
) -> tuple[IdFacts | None, list[RuleBreach]]:
    """Validate an ID number (GB 11643) and check entered sex and birth date against what it encodes."""
    try:
        facts = parse_id_number(id_number)
    except InvalidIdNumber as exc:
        return None, [RuleBreach(f"{field}.id_number", str(exc))]
    breaches = []
    if sex is not None and sex != facts.sex:
        breaches.append(RuleBreach(f"{field}.sex", "性别与身份证号不符"))
    if birth_date is not None and birth_date != facts.birth_date:
        breaches.append(RuleBreach(f"{field}.birth_date", "出生日期与身份证号不符"))
    return facts, breaches


PROCEDURE_ONLY = "边缘易致贫户、脱贫监测户、突发严重困难户只能通过防返贫监测程序纳入或退出"
HISTORICAL_REASON = "系统建立前认定（历史导入）"
SCHOOL_AGES = range(6, 16)  # 义务教育: 6 to 15 years old on the school year's first day


def procedure_bound(*categories: str | None) -> bool:
    """Whether a move into or out of these categories is the monitoring procedure's alone."""
    return any(category in PROCEDURE_CATEGORIES for category in categories)


def check_one_head(relations: list[Relation]) -> list[RuleBreach]:
    """A household has exactly one head (户主)."""
    heads = relations.count(Relation.head)
    if heads == 1:
        return []
    return [RuleBreach("members", "家庭成员中须有且只有一名户主" if heads else "家庭成员中缺少户主")]


def check_distinct_ids(id_numbers: list[str], *, prefix: str = "members") -> list[RuleBreach]:
    """The same person cannot appear twice in one submission."""
    seen: dict[str, int] = {}
    breaches = []
    for index, number in enumerate(id_numbers):
        key = number.strip().upper()
        if key in seen:
            breaches.append(
                RuleBreach(f"{prefix}.{index}.id_number", f"与第 {seen[key] + 1} 名成员身份证号重复")
            )
        else:
            seen[key] = index
    return breaches


def age_on(birth: date, today: date) -> int:
    """Whole years: shown instead of the birth date beside a masked ID number, whose hidden digits it is."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def school_age_births(year: int) -> tuple[date, date]:
    """Those of compulsory-school age, 6 to 15 on 1 September of `year` (seed §五(一)2, 控辍保学), were born
    after the first date and on or before the second: decided here from the birth date, which every role's
    answer may hide but the registry always holds, so the list is the same whoever asks."""
    first_day = date(year, 9, 1)
    return first_day.replace(year=year - SCHOOL_AGES.stop), first_day.replace(year=year - SCHOOL_AGES.start)


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields an edit changed, before and after: the household's field-level trail."""
    names = [name for name in {**before, **after} if before.get(name) != after.get(name)]
    return {name: before.get(name) for name in names}, {name: after.get(name) for name in names}


def household_number(village_code: str, sequence: int) -> str:
    """`150625100201` + 5-digit sequence: readable, unique, and ordered within a village."""
    return f"{village_code}{sequence:05d}"


def mask_phone(phone: str | None) -> str | None:
    """`13812345678` → `138****5678`."""
    if not phone:
        return phone
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)
