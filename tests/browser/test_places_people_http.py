"""Places, partners and people over plain HTTP: a role the policy refuses gets the Chinese 403 page, never
the service's call; a site that is no id is not found; a form's problem stands beside its field and nothing
is written; the assessment's export links answer the files."""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from deploy.stack import Stack
from tests.browser.test_assets_http import api
from tests.browser.test_pages_http import signed_in

SOME_ID = str(uuid.uuid4())
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=30) as c:
        yield c


@pytest.mark.parametrize(
    ("username", "method", "path"),
    [
        ("asier", "GET", "/people/assessment"),  # villages are assessed, they do not read the assessment
        ("asier", "GET", "/people/assignments"),
        ("xini", "POST", "/people/assignments"),  # the banner sends work teams
        ("xini", "POST", "/assets/allocations"),  # the banner allocates and publishes
        ("xini", "GET", "/assets/projects/new"),  # ...and sets projects and their targets
        ("xini", "POST", "/assets/projects"),
        ("xini", "POST", "/assets/allocations/notices"),
        ("bayin", "POST", f"/assets/products/{SOME_ID}/checks"),  # checks: township and banner
        ("minzheng", "POST", f"/places/sites/{SOME_ID}/facilities"),
        ("audit", "POST", "/assets/partnerships"),
        ("audit", "POST", f"/assets/projects/{SOME_ID}/targets/{SOME_ID}"),
    ],
)
def test_a_refused_role_gets_the_chinese_403_page(
    client: httpx.Client, username: str, method: str, path: str
) -> None:
    csrf = signed_in(client, username)
    answer = client.request(method, path, data={"csrf_token": csrf} if method == "POST" else None)
    assert answer.status_code == 403
    assert "您的角色无权使用此功能。" in answer.text


def test_a_site_that_is_no_id_or_out_of_scope_is_not_found(client: httpx.Client, live_stack: Stack) -> None:
    sites = api(live_stack.url("gateway"), "banner", "GET", "/api/v1/resettlement-sites").json()["items"]
    signed_in(client, "asier")
    for path in ("/places/sites/not-a-uuid", f"/places/sites/{sites[0]['id']}"):  # the town's site
        answer = client.get(path)
        assert answer.status_code == 404
        assert "未找到该安置点" in answer.text


def test_an_allocation_typed_wrong_is_refused_beside_its_field_and_not_written(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    before = api(gateway, "banner", "GET", "/api/v1/assets/allocations", params={"year": 2026}).json()
    project = api(gateway, "banner", "GET", "/api/v1/assets/projects", params={"year": 2026}).json()["items"][
        0
    ]
    csrf = signed_in(client, "banner")
    answer = client.post(
        "/assets/allocations",
        data={
            "csrf_token": csrf,
            "project_id": project["id"],
            "year": "2026",
            "source": "banner_special",
            "amount_yuan": "12.345",  # a third decimal is not money
            "allocated_on": "2026-06-01",
        },
    )
    assert answer.status_code == 422
    assert 'aria-describedby="allocation-amount-error"' in answer.text
    assert "请填写大于 0 的金额（元，最多两位小数）" in answer.text
    answer = client.post(
        "/assets/allocations",
        data={
            "csrf_token": csrf,
            "project_id": project["id"],
            "year": "2026",
            "source": "banner_special",
            "amount_yuan": "10",
            "allocated_on": "2025-12-31",  # the service's own rule, in Chinese, beside the date
        },
    )
    assert answer.status_code == 422
    assert "下达日期须在资金年度内" in answer.text and 'id="allocation-date-error"' in answer.text
    after = api(gateway, "banner", "GET", "/api/v1/assets/allocations", params={"year": 2026}).json()
    assert after["amount_fen"] == before["amount_fen"] and after["total"] == before["total"]


def test_a_project_typed_wrong_is_refused_beside_its_fields_and_not_written(
    client: httpx.Client, live_stack: Stack
) -> None:
    gateway = live_stack.url("gateway")
    projects = "/api/v1/assets/projects"
    before = api(gateway, "banner", "GET", projects, params={"year": 2026}).json()["total"]
    csrf = signed_in(client, "banner")
    answer = client.post(
        "/assets/projects",
        data={
            "csrf_token": csrf,
            "name": "巴音乌素嘎查棚圈项目",
            "region_code": "150625100202",
            "year": "2026",
            "implementer": "锡尼镇人民政府",
            "content": "新建棚圈",
            "timeline": "2026年",
            "kind-0": "output",
            "indicator-0": "新建棚圈",
            "comparison-0": "at_least",
            "target_value-0": "3.5",  # a count, not a fraction
            "unit-0": "座",
            "indicator-1": "带动农牧户",  # a row begun without its kind
            "comparison-1": "at_least",
            "target_value-1": "10",
            "unit-1": "户",
        },
    )
    assert answer.status_code == 422
    assert 'id="target-value-0-error"' in answer.text and "请填写目标值（非负整数）" in answer.text
    assert 'id="target-kind-1-error"' in answer.text and "请选择指标类型" in answer.text
    assert 'value="巴音乌素嘎查棚圈项目"' in answer.text  # what was typed stays
    assert api(gateway, "banner", "GET", projects, params={"year": 2026}).json()["total"] == before


def test_the_assessment_links_its_exports(client: httpx.Client) -> None:
    signed_in(client, "xini")
    page = client.get("/people/assessment", params={"year": 2026})
    assert page.status_code == 200
    assert "阿斯尔嘎查" in page.text and "巴特尔" in page.text  # a village and a 帮扶责任人, by name
    workbook = client.get("/api/v1/assessments/export", params={"year": 2026, "format": "xlsx"})
    assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX
    assert 'href="/api/v1/assessments/export?year=2026&amp;format=xlsx"' in page.text
    table = client.get(
        "/api/v1/assessments/export", params={"year": 2026, "format": "csv", "part": "officials"}
    )
    assert table.status_code == 200 and "asier" in table.text
    assert 'href="/api/v1/assessments/export?year=2026&amp;format=csv&amp;part=officials"' in page.text
