"""Exports over plain HTTP against the demo stack: a list's 导出 link carries its filters, and the file holds
what the list shows — filtered, scoped to the caller — in .csv and .xlsx."""

import csv
import io
import re
from collections.abc import Iterator

import httpx
import pytest
from openpyxl import load_workbook

from deploy.stack import Stack
from tests.browser.test_pages_http import signed_in


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=30) as c:
        yield c


def rows_of(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_an_export_link_carries_the_lists_filter_and_the_file_holds_only_those_rows(
    client: httpx.Client,
) -> None:
    signed_in(client, "banner")
    page = client.get("/assets", params={"asset_class": "operating"})
    links = re.findall(r'href="(/exports/assets\?[^"]+)"', page.text)
    assert links and all("asset_class=operating" in link for link in links)
    csv_link = next(link for link in links if "format=csv" in link).replace("&amp;", "&")
    rows = rows_of(client.get(csv_link))
    assert rows and {row["类别"] for row in rows} == {"经营性资产"}
    everything = rows_of(client.get("/exports/assets", params={"format": "csv"}))
    assert len(everything) > len(rows)
    assert all(row["区域"] and row["区域代码"].isdigit() for row in everything)  # names, and codes beside

    workbook = client.get(csv_link.replace("format=csv", "format=xlsx"))
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    assert len(list(sheet.iter_rows())) == len(rows) + 1


def test_an_export_is_scoped_like_the_api_and_refuses_a_bad_filter(client: httpx.Client) -> None:
    signed_in(client, "asier")
    rows = rows_of(client.get("/exports/assets", params={"format": "csv"}))
    assert rows and all(row["区域代码"].startswith("150625100") for row in rows)
    batches = rows_of(client.get("/exports/batches", params={"format": "csv"}))
    assert all(row["区域代码"].startswith("150625100201") for row in batches)
    bad = client.get("/exports/assets", params={"format": "csv", "asset_class": "nonsense"})
    assert bad.status_code == 400 and "查询条件有误" in bad.text
