"""The dashboard's parts as pure functions: the inbox's ages and order, the charts' figures in words, the
months the per-month figures are keyed by."""

import base64
from datetime import UTC, date, datetime

from gateway.web.dashboard.charts import describe, lines, stacked_bars
from gateway.web.dashboard.inbox import KINDS, age_days, group_of, kinds_for
from gateway.web.dashboard.trends import funds_chart
from shared.auth import Principal
from shared.months import first_moment, last_months, month_of
from shared.roles import Role

CLAIMS = next(kind for kind in KINDS if kind.key == "claims")
ENDPOINTS = next(kind for kind in KINDS if kind.key == "endpoints")


def claim(created_at: str, name: str) -> dict[str, object]:
    return {"payee_name": name, "kind": "sheep", "amount_fen": 12_345, "created_at": created_at, "id": "c1"}


def test_an_item_waits_whole_beijing_days() -> None:
    # 23:30 UTC on 1 March is already 2 March in Beijing.
    assert age_days("2026-03-01T23:30:00+00:00", date(2026, 3, 5)) == 3
    assert age_days("2026-03-01", date(2026, 3, 5)) == 4
    assert age_days(None, date(2026, 3, 5)) is None


def test_the_inbox_shows_the_oldest_first_and_counts_the_services_total() -> None:
    body = {"items": [claim("2026-03-04", "新"), claim("2026-02-01", "旧")], "total": 37}
    group = group_of(CLAIMS, body, {}, date(2026, 3, 5))
    assert group.count == 37 and group.oldest == 32
    assert [entry.title.split(" · ")[0] for entry in group.entries] == ["旧", "新"]
    assert "123.45 元" in group.entries[0].title


def test_a_list_the_service_cannot_filter_counts_only_what_waits() -> None:
    body = {
        "items": [
            {
                "status": "proposed",
                "url": "https://bank.example/cb",
                "created_by": "admin",
                "created_at": "2026-03-01",
            },
            {
                "status": "active",
                "url": "https://bank.example/old",
                "created_by": "admin",
                "created_at": "2026-01-01",
            },
        ],
        "total": 2,
    }
    group = group_of(ENDPOINTS, body, {}, date(2026, 3, 5))
    assert group.count == 1 and "cb" in group.entries[0].title


def test_each_role_sees_only_the_kinds_it_may_act_on() -> None:
    def keys(role: Role, region: str) -> set[str]:
        return {kind.key for kind in kinds_for(Principal(subject="x", role=role, region=region, token="t"))}

    banner = keys(Role.banner_official, "150625")
    assert {"batches_submitted", "batches_approved", "endpoints", "discrepancies"} <= banner
    village = keys(Role.village_official, "150625100201")
    assert "cases" in village and not village & {
        "batches_submitted",
        "batches_approved",
        "endpoints",
        "claims",
    }
    assert keys(Role.auditor, "150625") == {"cases"}


def test_a_chart_says_its_figures_and_draws_chinese_labels_without_script() -> None:
    chart = stacked_bars("各区域农牧户分类", ["锡尼镇", "巴拉贡镇"], {"一般农牧户": [120, 0]}, unit=" 户")
    svg = base64.b64decode(chart.src.split(",", 1)[1]).decode()
    assert "锡尼镇" in svg and "<script" not in svg
    assert chart.alt == "锡尼镇：一般农牧户 120 户；巴拉贡镇：无"
    assert describe(["1月"], {"新增": [None]}, " 户") == "1月：无"


def test_a_month_without_decisions_draws_no_median_line() -> None:
    chart = lines(
        "x",
        ["1月", "2月"],
        {"新增": [1, 2]},
        unit=" 户",
        secondary={"中位": [None, None]},
        secondary_unit=" 天",
    )
    assert "新增 2 户" in chart.alt


def test_special_funds_are_drawn_in_yuan_per_year_and_source() -> None:
    reports = [
        {"year": 2025, "by_source": [{"funding_source": "central", "this_year_fen": 150_000_00}]},
        {"year": 2026, "by_source": [{"funding_source": "central", "this_year_fen": 180_000_50}]},
    ]
    chart = funds_chart(reports)
    assert "2026 年：中央财政衔接资金 180,000.50 元" in chart.alt


def test_months_are_beijing_months_across_a_year_end() -> None:
    assert month_of(datetime(2025, 12, 31, 17, tzinfo=UTC)) == "2026-01"
    assert last_months(datetime(2026, 2, 10, tzinfo=UTC), 3) == ["2025-12", "2026-01", "2026-02"]
    assert first_moment("2026-01") == datetime(2025, 12, 31, 16, tzinfo=UTC)


def test_plans_wait_for_publishing_then_for_approval_once_their_notice_has_run() -> None:
    def keys(role: Role) -> set[str]:
        return {kind.key for kind in kinds_for(Principal(subject="x", role=role, region="150625", token="t"))}

    village, banner = keys(Role.village_official), keys(Role.banner_official)
    assert "dividend_plans_to_publish" in village and "dividend_plans" not in village
    assert {"dividend_plans_to_publish", "dividend_plans"} <= banner
    approval = next(kind for kind in KINDS if kind.key == "dividend_plans")
    assert approval.params == {"status": "in_notice"} and approval.keep
    assert approval.keep({"notice_until": "2026-01-01T00:00:00+00:00"})
    assert not approval.keep({"notice_until": "2999-01-01T00:00:00+00:00"})


def test_renovations_and_water_fixes_left_waiting_reach_the_village_and_township_only() -> None:
    def keys(role: Role, region: str) -> set[str]:
        return {kind.key for kind in kinds_for(Principal(subject="x", role=role, region=region, token="t"))}

    stalled = {"renovations_overdue", "water_fixes_overdue"}
    assert stalled <= keys(Role.village_official, "150625100201")
    assert stalled <= keys(Role.township_official, "150625100")
    for role, region in (
        (Role.work_team, "150625100201"),
        (Role.banner_official, "150625"),
        (Role.department_officer, "150625"),
    ):
        assert not keys(role, region) & stalled  # they may record progress, but do not chase it


def test_a_stalled_renovation_is_aged_from_the_day_its_next_step_fell_due() -> None:
    renovations = next(kind for kind in KINDS if kind.key == "renovations_overdue")
    assert renovations.params == {"overdue": "true"}

    def renovation(head: str, due_on: str, started_on: str | None) -> dict[str, object]:
        return {
            "id": head,
            "head_name": head,
            "region_code": "150625100201",
            "household_id": "h",
            "due_on": due_on,
            "started_on": started_on,
        }

    body = {
        "items": [renovation("乌兰", "2026-03-01", None), renovation("巴图", "2026-01-20", "2025-07-24")],
        "total": 2,
    }
    group = group_of(renovations, body, {"150625100201": "阿斯尔嘎查"}, date(2026, 3, 5))
    assert (group.count, group.oldest) == (2, 44)
    assert [entry.title for entry in group.entries] == [
        "巴图 · 阿斯尔嘎查 · 开工后逾期未验收",
        "乌兰 · 阿斯尔嘎查 · 鉴定后逾期未开工",
    ]
    assert group.entries[0].href == "/guarantees/renovations?overdue=true&region=150625100201#record-巴图"
    fixes = next(kind for kind in KINDS if kind.key == "water_fixes_overdue")
    fix = {
        "id": "f",
        "head_name": "乌兰",
        "region_code": "150625100201",
        "problem": "quality",
        "due_on": "2026-03-04",
    }
    [entry] = group_of(fixes, {"items": [fix], "total": 1}, {}, date(2026, 3, 5)).entries
    assert (entry.title, entry.age) == ("乌兰 · 150625100201 · 水质不达标", 1)
    assert entry.href == "/guarantees/water-fixes?overdue=true&region=150625100201#record-f"
