"""What the dashboard's charts show, read from the services on the caller's token, concurrently: households
by category per child region (registry's stats), cases per month (monitoring), money paid per month by kind
(payments) and, for the banner, the special funds by year (assets). A chart whose service is down is left
out."""

import asyncio
from collections.abc import Awaitable
from typing import Any

from fastapi import Request, status

from gateway.policy import allowed
from gateway.web.clients import call_service, this_year
from gateway.web.dashboard.charts import Chart, lines, stacked_bars
from shared.auth import Principal
from shared.errors import Unavailable
from shared.regions import Tier, tier_of
from shared.vocabulary import labels
from shared.vocabulary.assets import FundingSource
from shared.vocabulary.households import Category
from shared.vocabulary.payments import Kind

CASE_TREND = "/api/v1/monitoring/stats/cases"
PAID_TREND = "/api/v1/payments/stats/paid"
SPECIAL_FUNDS = "/api/v1/assets/reports/special-funds"
MONTHS = 12
FUND_YEARS = 5


def households_chart(stats: dict[str, Any]) -> Chart | None:
    """Households by category, a stacked bar per child region of the caller's (registry's stats)."""
    if not stats.get("rows"):
        return None
    series = {c.label: [row["counts"].get(c.value, 0) for row in stats["rows"]] for c in Category}
    return stacked_bars(
        "各区域农牧户分类", [row["name"] for row in stats["rows"]], _nonzero(series), unit=" 户"
    )


def cases_chart(trend: dict[str, Any]) -> Chart:
    months = trend["months"]
    return lines(
        "监测对象每月新增与结案（右轴：从发现到认定的天数中位数）",
        [_month(m["month"]) for m in months],
        {"新增": [m["opened"] for m in months], "结案": [m["closed"] for m in months]},
        unit=" 户",
        secondary={"认定天数中位数": [m["median_days_to_decision"] for m in months]},
        secondary_unit=" 天",
    )


def paid_chart(trend: dict[str, Any]) -> Chart:
    months = trend["months"]
    kinds = [k for k in Kind if any(m["by_kind"].get(k.value) for m in months)]
    series = {k.label: [m["by_kind"].get(k.value, 0) for m in months] for k in kinds}
    return stacked_bars(
        "每月到账补贴金额（元，按类别）", [_month(m["month"]) for m in months], series, unit=" 元", money=True
    )


def funds_chart(reports: list[dict[str, Any]]) -> Chart:
    sources = labels(FundingSource)
    series = {
        label: [
            next((s["this_year_fen"] for s in r["by_source"] if s["funding_source"] == value), 0)
            for r in reports
        ]
        for value, label in sources.items()
    }
    return stacked_bars(
        "财政专项衔接资金投入（元，按年度、来源）",
        [f"{r['year']} 年" for r in reports],
        _nonzero(series),
        unit=" 元",
        money=True,
    )


def _month(key: str) -> str:
    """`2026-01` → `26年1月`, any other month → `3月` (short enough for twelve to stand side by side)."""
    year, month = key.split("-")
    return f"{year[2:]}年{int(month)}月" if month == "01" else f"{int(month)}月"


def _nonzero(series: dict[str, list[int]]) -> dict[str, list[int]]:
    """Series that hold something: a legend of empty categories tells nothing."""
    return {name: values for name, values in series.items() if any(values)}


async def service_charts(request: Request, principal: Principal) -> list[Chart]:
    """The charts of monitoring, payments and assets the caller may see, their figures read concurrently."""

    async def read(service: str, path: str, **params: Any) -> dict[str, Any] | None:
        if not allowed("GET", path, principal.role):
            return None
        try:
            answer = await call_service(request, service, "GET", path, token=principal.token, params=params)
        except Unavailable:
            return None
        return answer.json() if answer.status_code == status.HTTP_200_OK else None

    fund_years = range(this_year() - FUND_YEARS + 1, this_year() + 1)
    banner = tier_of(principal.region) is Tier.banner
    reads: list[Awaitable[dict[str, Any] | None]] = [
        read("monitoring", CASE_TREND, months=MONTHS),
        read("payments", PAID_TREND, months=MONTHS),
        *(read("assets", SPECIAL_FUNDS, year=year) for year in (fund_years if banner else ())),
    ]
    cases, paid, *funds = await asyncio.gather(*reads)
    reports = [report for report in funds if report]
    found = [
        cases_chart(cases) if cases else None,
        paid_chart(paid) if paid else None,
        funds_chart(reports) if reports and len(reports) == len(funds) else None,
    ]
    return [chart for chart in found if chart is not None]
