"""The dashboard over plain HTTP against the demo stack: the inbox, the charts, the official's name."""

import base64
import re
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from deploy.stack import Stack
from tests.browser.test_pages_http import signed_in
from tests.conftest import bearer
from tests.e2e.test_admin import login
from tests.support.households import household


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=20) as c:
        yield c


def charts_of(html: str) -> dict[str, str]:
    """Each chart's alt text (its title first) → its SVG."""
    found = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', html)
    return {alt: base64.b64decode(src).decode() for src, alt in found}


def test_the_banner_official_sees_what_awaits_them_and_the_charts(client: httpx.Client) -> None:
    signed_in(client, "banner")
    page = client.get("/")
    assert page.status_code == 200
    inbox = page.text.split('id="inbox"', 1)[1].split("</section>", 1)[0]
    assert "待我处理" in page.text
    # The demo holds batches awaiting the banner's approval; each kind is counted and aged.
    assert 'data-kind="batches_submitted"' in inbox
    assert re.search(r'发放批次待审批 <span class="badge badge-count">\d+</span>', inbox)
    assert "最久已等" in inbox
    charts = charts_of(page.text)
    titles = [alt.split("：", 1)[0] for alt in charts]
    assert "各区域农牧户分类" in titles
    assert any(t.startswith("财政专项衔接资金投入") for t in titles)  # the banner's own chart
    households = next(svg for alt, svg in charts.items() if alt.startswith("各区域农牧户分类"))
    assert "锡尼镇" in households and "一般农牧户" in households and "<script" not in households
    assert "李红梅" in page.text  # the official's own name, not the login name, in the top bar


def test_a_village_official_sees_only_their_inbox_kinds(client: httpx.Client) -> None:
    signed_in(client, "asier")
    page = client.get("/")
    assert page.status_code == 200
    inbox = page.text.split('id="inbox"', 1)[1].split("</section>", 1)[0]
    # Approving batches or bank endpoints is the banner's: never in a village official's inbox.
    assert "batches_submitted" not in inbox and "endpoints" not in inbox
    titles = [alt.split("：", 1)[0] for alt in charts_of(page.text)]
    assert not any(t.startswith("财政专项衔接资金投入") for t in titles)


def test_a_renovation_not_started_in_time_waits_in_the_village_inbox(
    client: httpx.Client, live_stack: Stack
) -> None:
    village = bearer(login(live_stack, "asier"))
    home = client.post("/api/v1/households", json=household(), headers=village)
    assert home.status_code == 201, home.text
    renovation = client.post(
        "/api/v1/monitoring/renovations",
        json={
            "household_id": home.json()["id"],
            "grade": "d",
            "assessed_on": str(date.today() - timedelta(days=365)),  # the oldest waiting, so it is shown
            "kind": "rebuild",
            "subsidy_fen": 4_000_000,
        },
        headers=village,
    )
    assert renovation.status_code == 201, renovation.text
    signed_in(client, "asier")
    inbox = client.get("/").text.split('id="inbox"', 1)[1].split("</section>", 1)[0]
    assert 'data-kind="renovations_overdue"' in inbox
    assert f"{home.json()['head_name']} · 阿斯尔嘎查 · 鉴定后逾期未开工" in inbox
    assert re.search(r'危房改造逾期 <span class="badge badge-count">\d+</span>', inbox)


def test_the_dashboard_names_a_service_that_is_down_and_still_answers(
    client: httpx.Client, live_stack: Stack
) -> None:
    signed_in(client, "banner")
    live_stack.stop("payments")
    try:
        page = client.get("/")
    finally:
        live_stack.start("payments")
        live_stack.wait_ready(["payments"])
    assert page.status_code == 200
    assert "补贴发放服务暂时不可用，其中的待办事项未能列出" in page.text
    assert "各区域农牧户分类" in page.text
