"""Calendar months as the banner counts them (Beijing time): the keys of every per-month figure."""

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query

BEIJING = ZoneInfo("Asia/Shanghai")
MonthsQuery = Annotated[int, Query(ge=1, le=36, description="how many months back, this one included")]


def today() -> date:
    """Today as the banner's officials count it (Beijing): what "not after today" and "this year" are judged
    by, so a date a page offers as today is never refused between midnight and 08:00 Beijing time."""
    return datetime.now(BEIJING).date()


def month_of(moment: datetime) -> str:
    """`2026-03` for a time in March in Beijing (a naive time is UTC, as the services store it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m")


def last_months(now: datetime, count: int) -> list[str]:
    """The `count` months ending with `now`'s, oldest first."""
    year, month = map(int, month_of(now).split("-"))
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def first_moment(month: str) -> datetime:
    """The first instant of a month in Beijing, as UTC: where a query over the months starts."""
    year, number = map(int, month.split("-"))
    return datetime(year, number, 1, tzinfo=BEIJING).astimezone(UTC)
