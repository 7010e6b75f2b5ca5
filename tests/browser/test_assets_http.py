"""The assets pages over plain HTTP: scope of the register, a plan approved only after its notice to the
village, the maker's refused approval, the fund's position, the dashboard section, and the forms' errors next
to their fields."""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deploy.stack import Stack
from tests.browser.household_data import api_token
from tests.browser.test_pages_http import signed_in

ASIER = "150625100201"
BAYIN = "150625100202"
WULAN = "150625100203"
ALL_CATEGORIES = [
    "lifted_supported",
    "lifted_unsupported",
    "marginal",
    "monitored",
    "sudden_hardship",
    "ordinary",
]


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=30) as c:
        yield c


def api(gateway: str, username: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Call the gateway's JSON API as `username`."""
    headers = {"authorization": f"Bearer {api_token(gateway, username)}"}
    return httpx.request(method, f"{gateway}{path}", headers=headers, timeout=30, **kwargs)


def operating_asset(gateway: str, username: str, village: str, *, income_fen: int | None = None) -> dict:
    """A fresh operating asset (so its yearly income is never a repeat), with a 2025 income if given."""
    body = {
        "name": f"测试光伏电站 {village[-3:]}",
        "asset_class": "operating",
        "region_code": village,
        "project": "页面测试",
        "funding_source": "central",
        "funding_year": 2020,
        "value_fen": 50_000_000,
    }
    answer = api(gateway, username, "POST", "/api/v1/assets", json=body)
    assert answer.status_code == 201, answer.text
    asset = dict(answer.json())
    if income_fen is not None:
        income = {"year": 2025, "amount_fen": income_fen}
        answer = api(gateway, username, "POST", f"/api/v1/assets/{asset['id']}/incomes", json=income)
        assert answer.status_code == 201, answer.text
    return asset


def draft_plan(gateway: str, username: str, village: str, total_fen: int) -> dict:
    body = {
        "year": 2025,
        "region": village,
        "total_fen": total_fen,
        "shares": {"households": 60, "public_posts": 20, "collective": 20},
        "categories": ALL_CATEGORIES,
    }
    answer = api(gateway, username, "POST", "/api/v1/assets/distributions", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def published(gateway: str, username: str, plan: dict) -> dict:
    """The plan published to its village (公示); its notice has run at once (PAYMENT_NOTICE_DAYS is 0)."""
    answer = api(gateway, username, "POST", f"/api/v1/assets/distributions/{plan['id']}/publish")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_assets_without_session_redirect_to_login(client: httpx.Client) -> None:
    response = client.get("/assets?asset_class=operating")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/assets")


def test_village_official_sees_only_its_villages_assets(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    others = api(gateway, "banner", "GET", "/api/v1/assets", params={"region": BAYIN}).json()["items"]
    assert others, "the demo seed has assets in 巴音乌素"
    signed_in(client, "asier")

    page = client.get("/assets")
    assert page.status_code == 200
    assert 'href="/assets" aria-current="page"' in page.text  # the nav item, and the sub-navigation
    assert "阿斯尔嘎查标准化肉羊棚圈" in page.text and "经营性资产" in page.text
    assert "巴音乌素嘎查饲草料加工厂" not in page.text and "锡尼镇智慧农贸市场冷库" not in page.text
    assert f'value="{ASIER}"' in page.text and f'value="{BAYIN}"' not in page.text

    fragment = client.get("/assets", params={"asset_class": "household"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="asset-results"')
    assert "到户基础母羊" in fragment.text and "肉羊棚圈" not in fragment.text

    response = client.get(f"/assets/{others[0]['id']}")
    assert response.status_code == 404
    assert "未找到该资产" in response.text and others[0]["name"] not in response.text
    assert client.get("/assets/not-a-uuid").status_code == 404


def test_the_maker_cannot_approve_and_sees_the_services_refusal(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    operating_asset(gateway, "xini", WULAN, income_fen=100_000)
    plan = draft_plan(gateway, "xini", WULAN, 10_001)
    line = plan["lines"][0]
    with httpx.Client(base_url=gateway, follow_redirects=False, timeout=30) as checker:
        csrf = signed_in(checker, "banner")  # not the maker, but the plan is not yet published
        page = checker.get(f"/assets/distributions/{plan['id']}")
        assert "草稿" in page.text and "审批通过" not in page.text and "须先在嘎查村公示" in page.text
        # households by number and head, the UUID only in the link
        assert f">{line['household_no']}</a>" in page.text and line["payee_name"] in page.text
        assert line["household_id"] not in page.text.replace(f"/households/{line['household_id']}", "")
        early = checker.post(
            f"/assets/distributions/{plan['id']}/approve",
            headers={"HX-Request": "true", "X-CSRF-Token": csrf},
        )
        assert early.status_code == 422 and "须先在嘎查村公示" in early.text

    published(gateway, "xini", plan)
    csrf = signed_in(client, "xini")
    page = client.get(f"/assets/distributions/{plan['id']}")
    assert page.status_code == 200
    assert "公示中" in page.text and "审批通过" in page.text and "100.01 元" in page.text

    refused = client.post(
        f"/assets/distributions/{plan['id']}/approve",
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert refused.status_code == 422
    assert refused.text.lstrip().startswith('<section id="plan-actions"')
    assert "制定分配方案的人不能审批同一方案" in refused.text
    assert (
        api(gateway, "xini", "GET", f"/api/v1/assets/distributions/{plan['id']}").json()["status"]
        == "in_notice"
    )

    without_csrf = client.post(f"/assets/distributions/{plan['id']}/approve")
    assert without_csrf.status_code == 403 and "CSRF" in without_csrf.text


def test_a_village_official_has_no_approve_button(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    operating_asset(gateway, "asier", ASIER, income_fen=50_000)
    plan = draft_plan(gateway, "asier", ASIER, 3_000)
    csrf = signed_in(client, "asier")
    page = client.get(f"/assets/distributions/{plan['id']}")
    assert page.status_code == 200 and "审批通过" not in page.text and "撤销方案" in page.text
    assert "发布公示" in page.text  # the village publishes its own plan
    forbidden = client.post(f"/assets/distributions/{plan['id']}/approve", headers={"X-CSRF-Token": csrf})
    assert forbidden.status_code == 403 and "无权" in forbidden.text


def test_fund_page_shows_the_position_and_capital_preserved(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    position = api(gateway, "banner", "GET", "/api/v1/assets/fund").json()
    signed_in(client, "banner")
    page = client.get("/assets/fund")
    assert page.status_code == 200
    text = page.text
    assert "保本" in text and "15,000,000.00 元" in text
    assert ("保本 · 是" in text) is position["capital_preserved"]
    assert "天牧朔方" in text and "1:0.6" in text and "4.00%" in text
    assert 'id="investment-form"' in text and "登记回款" in text


def test_fund_is_not_a_village_officials_and_the_dashboard_skips_it(
    client: httpx.Client, live_stack: Stack
) -> None:
    signed_in(client, "asier")
    response = client.get("/assets/fund")
    assert response.status_code == 404 and "锡尼镇先行先试" in response.text
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "扶贫资产与收益分配" in dashboard.text and 'id="dashboard-assets"' in dashboard.text
    assert 'id="dashboard-fund"' not in dashboard.text
    assert "农牧户分类统计" in dashboard.text or "辖区" in dashboard.text  # the existing sections stay


def test_banner_dashboard_shows_assets_dividends_and_the_fund(client: httpx.Client) -> None:
    signed_in(client, "banner")
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    text = dashboard.text
    assert 'id="dashboard-assets"' in text and "经营性资产" in text and "公益性资产" in text
    assert 'id="dashboard-dividends"' in text and "已移交发放" in text
    assert 'id="dashboard-fund"' in text and "15,000,000.00 元" in text


def test_forms_put_errors_next_to_their_fields(client: httpx.Client, live_stack: Stack) -> None:
    csrf = signed_in(client, "xini")
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    bad = client.post(
        "/assets",
        data={
            "name": "",
            "asset_class": "operating",
            "region_code": WULAN,
            "funding_source": "central",
            "funding_year": "2020",
            "value_yuan": "12.345",
        },
        headers=hx,
    )
    assert bad.status_code == 422 and bad.text.lstrip().startswith('<form id="asset-form"')
    assert "最多两位小数" in bad.text

    too_much = client.post(
        "/assets/fund/investments",
        data={
            "entity_id": "",
            "amount_yuan": "99999999",
            "self_raised_yuan": "0",
            "term_months": "12",
            "expected_return_pct": "3",
            "start_date": "2026-01-01",
            "link": "employment",
        },
        headers=hx,
    )
    assert too_much.status_code == 422 and "请选择经营主体" in too_much.text

    shares = client.post(
        "/assets/distributions/new",
        data={
            "year": "2025",
            "region": WULAN,
            "total_yuan": "10",
            "share_households": "50",
            "share_public_posts": "20",
            "share_collective": "20",
            "categories": "monitored",
        },
        headers=hx,
    )
    assert shares.status_code == 422 and "现为 90%" in shares.text

    too_big = client.post(
        "/assets/distributions/new",
        data={
            "year": "2025",
            "region": WULAN,
            "total_yuan": "99999999",
            "share_households": "60",
            "share_public_posts": "20",
            "share_collective": "20",
            "categories": "monitored",
        },
        headers=hx,
    )
    assert too_big.status_code == 422 and "超过 2025 年度可分配的经营性资产收益" in too_big.text

    created = client.post(
        "/assets",
        data={
            "name": "锡尼镇测试冷链仓储",
            "asset_class": "operating",
            "region_code": WULAN,
            "funding_source": "banner_special",
            "funding_year": "2024",
            "value_yuan": "1,200,000.5",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 303
    detail = client.get(created.headers["location"])
    assert "1,200,000.50 元" in detail.text and "旗级专项扶贫资金" in detail.text
    assert re.search(r'id="income-form"', detail.text)
