"""The household pages over plain HTTP: scope, 404 outside it, fragments, export, the form's round trip."""

import csv
import html
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from deploy.stack import Stack
from shared.idnumber import Sex
from tests.browser.household_data import new_id_number, register_household, unique_name
from tests.browser.test_pages_http import signed_in

ASIER_VILLAGE = "150625100201"
BAYIN_VILLAGE = "150625100202"


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=20) as c:
        yield c


def test_households_without_session_redirect_to_login(client: httpx.Client) -> None:
    response = client.get("/households?category=marginal")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/households")


def test_village_official_lists_only_its_village(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    own = register_household(gateway, "asier", ASIER_VILLAGE)
    other = register_household(gateway, "bayin", BAYIN_VILLAGE)
    signed_in(client, "asier")

    page = client.get("/households")
    assert page.status_code == 200
    assert "农牧户" in page.text and 'href="/households"' in page.text
    assert other["number"] not in page.text
    numbers = re.findall(r'<td class="mono nowrap"><a href="/households/[^"]+">(\d+)</a>', page.text)
    assert numbers and all(n.startswith(ASIER_VILLAGE) for n in numbers)
    # The region picker offers only the caller's own village.
    assert f'value="{ASIER_VILLAGE}"' in page.text and f'value="{BAYIN_VILLAGE}"' not in page.text

    mine = client.get("/households", params={"q": own["head_name"]})
    assert own["number"] in mine.text
    asked = client.get("/households", params={"q": other["head_name"]})
    assert other["number"] not in asked.text and "没有符合条件的农牧户" in asked.text
    asked = client.get("/households", params={"region": BAYIN_VILLAGE, "q": other["head_name"]})
    assert other["number"] not in asked.text and "没有符合条件的农牧户" in asked.text

    fragment = client.get("/households", params={"q": own["head_name"]}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="household-results"')
    assert own["number"] in fragment.text and "共 1 户" in fragment.text


def test_another_villages_household_is_a_chinese_404(client: httpx.Client, live_stack: Stack) -> None:
    other = register_household(live_stack.url("gateway"), "bayin", BAYIN_VILLAGE)
    signed_in(client, "asier")
    response = client.get(f"/households/{other['id']}")
    assert response.status_code == 404
    assert "未找到" in response.text and other["head_name"] not in response.text
    assert client.get("/households/not-a-uuid").status_code == 404


def test_detail_shows_members_history_and_the_registrar_tools(
    client: httpx.Client, live_stack: Stack
) -> None:
    household = register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    signed_in(client, "asier")
    page = client.get(f"/households/{household['id']}")
    assert page.status_code == 200
    text = page.text
    assert household["members"][0]["id_number"] in text  # a village official sees the full number
    assert "已脱贫享受政策户" in text and "户主" in text and "小学" in text
    assert 'id="history"' in text and "登记" in text
    assert f'href="/households/{household["id"]}/edit"' in text and 'id="category-form"' in text


def test_auditor_sees_masked_ids_and_no_registrar_tools(client: httpx.Client, live_stack: Stack) -> None:
    household = register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    signed_in(client, "audit")
    text = client.get(f"/households/{household['id']}").text
    assert household["members"][0]["id_number"] not in text
    assert household["members"][0]["id_number"][:6] + "********" in text
    assert 'id="category-form"' not in text and "/edit" not in text
    listing = client.get("/households").text
    assert "新增农牧户" not in listing and "导出 Excel" in listing
    assert client.get("/households/new").status_code == 403


def test_form_errors_come_back_next_to_the_field(client: httpx.Client) -> None:
    csrf = signed_in(client, "asier")
    bad = new_id_number(Sex.male)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    form = {
        "region_code": ASIER_VILLAGE,
        "category": "ordinary",
        "address": "测试路 2 号",
        "phone": "12345",
        "income_yuan": "abc",
        "member": ["aaaaaaa1"],
        "m-aaaaaaa1-name": unique_name("错号"),
        "m-aaaaaaa1-id_number": bad,
        "m-aaaaaaa1-relation": "head",
    }
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
    local = client.post("/households/new", data=form, headers=headers)
    assert local.status_code == 422
    assert "请填写合理的金额" in local.text

    form["income_yuan"] = "12800.50"
    answer = client.post("/households/new", data=form, headers=headers)
    assert answer.status_code == 422
    assert answer.text.lstrip().startswith('<form id="household-form"')
    assert 'id="phone-error">电话应为' in answer.text  # the schema's English reason, said in Chinese
    assert f'value="{bad}"' in answer.text and 'value="12800.50"' in answer.text

    form["phone"] = "13912345678"
    answer = client.post("/households/new", data=form, headers=headers)
    assert answer.status_code == 422
    assert 'id="m-aaaaaaa1-id_number-error">身份证号校验位错误<' in answer.text
    assert 'aria-describedby="m-aaaaaaa1-id_number-error"' in answer.text

    assert client.post("/households/new", data=form, headers={"HX-Request": "true"}).status_code == 403


def test_export_link_returns_a_file(client: httpx.Client, live_stack: Stack) -> None:
    register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    signed_in(client, "asier")
    listing = client.get("/households", params={"category": "lifted_supported"}).text
    link = re.search(r'id="export-csv" href="([^"]+)"', listing)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert "format=csv" in href and "category=lifted_supported" in href
    for fmt in ("csv", "xlsx"):
        response = client.get(href.replace("format=csv", f"format={fmt}"))
        assert response.status_code == 200, response.text
        assert "attachment" in response.headers["content-disposition"]
        assert response.content
    assert client.get("/households/export?format=pdf").status_code == 400


def test_the_export_link_carries_the_search_and_exports_what_it_finds(
    client: httpx.Client, live_stack: Stack
) -> None:
    home = register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    signed_in(client, "asier")
    listing = client.get("/households", params={"q": home["number"], "category": "lifted_supported"}).text
    link = re.search(r'id="export-csv" href="([^"]+)"', listing)
    assert link is not None
    href = html.unescape(link.group(1))
    assert parse_qs(urlsplit(href).query) == {
        "format": ["csv"],
        "category": ["lifted_supported"],
        "q": [home["number"]],
    }
    response = client.get(href)
    assert response.status_code == 200, response.text
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    names = [row[header.index("姓名")] for row in rows]
    assert sorted(names) == sorted(m["name"] for m in home["members"])


def test_dashboard_counts_households_by_category(client: httpx.Client, live_stack: Stack) -> None:
    register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    signed_in(client, "xini")
    page = client.get("/").text
    assert 'id="household-stats"' in page
    assert "阿斯尔嘎查" in page and "边缘易致贫户" in page and "合计" in page
