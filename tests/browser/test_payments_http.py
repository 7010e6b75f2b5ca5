"""The payments pages over plain HTTP: scope of the batch list, the masked public notice, the claim form's
idempotency key, the polling fragment, the policy table and the Chinese refusals."""

import re
from collections.abc import Iterator

import httpx
import pytest

from deploy.stack import Stack
from tests.browser.test_pages_http import signed_in
from tests.browser.test_payments import (
    ASIER_VILLAGE,
    BAYIN_VILLAGE,
    YEAR,
    api,
    draft_batch,
    file_sheep_claim,
    fresh_household,
)

FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=20) as c:
        yield c


def test_payment_pages_need_a_session(client: httpx.Client) -> None:
    response = client.get("/payments/batches?status=draft")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/payments/batches")


def test_village_official_lists_only_its_villages_batches(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    file_sheep_claim(gateway, "asier", ASIER_VILLAGE)
    own = draft_batch(gateway, "xini", ASIER_VILLAGE)
    file_sheep_claim(gateway, "bayin", BAYIN_VILLAGE)
    other = draft_batch(gateway, "xini", BAYIN_VILLAGE)
    signed_in(client, "asier")

    page = client.get("/payments/batches")
    assert page.status_code == 200
    assert "补贴发放" in page.text and 'href="/payments/batches"' in page.text
    assert f'href="/payments/batches/{own["id"]}"' in page.text
    assert other["id"] not in page.text
    linked = re.findall(r'href="/payments/batches/([0-9a-f-]{36})"', page.text)
    assert linked
    with api(gateway, "xini") as xini:
        regions = {
            b["id"]: b["region_code"]
            for b in xini.get("/api/v1/payments/batches?page_size=500").json()["items"]
        }
    assert all(regions[batch_id] == ASIER_VILLAGE for batch_id in linked)
    assert 'id="batch-form"' not in page.text  # a village official does not draft batches

    refused = client.get(f"/payments/batches/{other['id']}")
    assert refused.status_code == 404 and "未找到该发放批次" in refused.text
    assert client.get(f"/payments/batches/{other['id']}/notice").status_code == 404
    assert client.get("/payments/batches/not-a-uuid").status_code == 404


def test_notice_is_printable_and_masks_names_and_ids(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    claim = file_sheep_claim(gateway, "asier", ASIER_VILLAGE, quantity=7)
    batch = draft_batch(gateway, "xini", ASIER_VILLAGE)
    signed_in(client, "xini")

    page = client.get(f"/payments/batches/{batch['id']}/notice", params={"region": ASIER_VILLAGE})
    assert page.status_code == 200
    text = page.text
    assert "发放公示" in text and f"{YEAR} 年" in text and "公示期" in text
    assert claim["household_number"] in text and "700.00" in text
    assert "合计" in text and 'id="notice-total"' in text
    assert claim["payee_name"] not in text  # the payee's full name never appears
    assert not FULL_ID.search(text), FULL_ID.search(text)
    assert 'class="mainnav"' not in text and "退出登录" not in text
    assert "@media print" in client.get("/static/app.css").text

    with api(gateway, "xini") as xini:
        household = xini.get(f"/api/v1/households/{claim['household_id']}").json()
    assert household["members"][0]["id_number"] not in text


def test_claim_form_files_once_whatever_the_double_clicks(client: httpx.Client, live_stack: Stack) -> None:
    household = fresh_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    token = signed_in(client, "asier")
    form = client.get("/payments/claims/new", params={"household_id": household["id"]})
    assert form.status_code == 200
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text)
    assert key is not None
    assert household["number"] in form.text and "预计" in form.text
    body = {
        "csrf_token": token,
        "idempotency_key": key.group(1),
        "household_id": household["id"],
        "kind": "sheep",
        "year": str(YEAR),
        "quantity": "3",
    }
    first = client.post("/payments/claims/new", data=body, headers={"HX-Request": "true"})
    second = client.post("/payments/claims/new", data=body, headers={"HX-Request": "true"})
    assert first.status_code == second.status_code == 200
    assert "300.00 元" in first.text and "300.00 元" in second.text
    claims = client.get("/payments/claims", params={"year": YEAR, "kind": "sheep"}).text
    assert claims.count(f">{household['number']}</a>") == 1

    preview = client.get(
        "/payments/claims/preview",
        params={"household_id": household["id"], "kind": "sheep", "year": YEAR, "quantity": "30"},
        headers={"HX-Request": "true"},
    )
    assert preview.text.lstrip().startswith('<aside id="claim-preview"')
    assert "17 只" in preview.text and "1,700.00 元" in preview.text  # 20 − 3 left, at 100 yuan


def test_claim_without_csrf_is_refused(client: httpx.Client) -> None:
    signed_in(client, "asier")
    response = client.post("/payments/claims/new", data={"kind": "sheep"})
    assert response.status_code == 403 and "CSRF" in response.text


def test_progress_fragment_polls_only_while_disbursing(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    file_sheep_claim(gateway, "bayin", BAYIN_VILLAGE)
    batch = draft_batch(gateway, "xini", BAYIN_VILLAGE)
    signed_in(client, "banner")
    draft = client.get(f"/payments/batches/{batch['id']}/progress", headers={"HX-Request": "true"})
    assert draft.status_code == 200 and "every 2s" not in draft.text and "✓" in draft.text
    # Nothing to follow: the whole batch is shown in place of the page's body, and polling stops.
    assert draft.headers["hx-retarget"] == "#batch-body" and 'id="batch-body"' in draft.text

    with api(gateway, "xini") as xini:
        assert xini.post(f"/api/v1/payments/batches/{batch['id']}/submit").status_code == 200
    with api(gateway, "banner") as banner:
        assert banner.post(f"/api/v1/payments/batches/{batch['id']}/approve").status_code == 200
        assert banner.post(f"/api/v1/payments/batches/{batch['id']}/disburse").status_code == 200
    polling = client.get(f"/payments/batches/{batch['id']}/progress", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polling.text and "<progress" in polling.text
    assert 'id="batch-status" hx-swap-oob="true"' in polling.text and "发放中" in polling.text


def test_policy_table_in_chinese_and_the_new_version_form_for_the_admin(client: httpx.Client) -> None:
    signed_in(client, "xini")
    page = client.get("/payments/policies", params={"year": YEAR})
    assert page.status_code == 200
    for text in (
        "肉羊出栏补贴",
        "100.00 / 只",
        "20 只",
        "教育生活补贴 · 学前",
        "3,750.00",
        "高中（含中职）",
        "大专及以上",
    ):
        assert text in page.text, text
    assert "版本沿革" in page.text and 'id="policy-form"' not in page.text

    client.cookies.clear()
    token = signed_in(client, "admin")
    page = client.get("/payments/policies", params={"year": YEAR})
    assert 'id="policy-form"' in page.text
    rates = dict(re.findall(r'name="(rate-\d+)" inputmode="decimal" value="([^"]*)"', page.text))
    caps = dict(re.findall(r'name="(cap-\d+)" min="1" step="1" value="([^"]*)"', page.text))
    assert "100" in rates.values() and "3750" in rates.values() and "20" in caps.values()
    bad = client.post(
        "/payments/policies",
        data={
            "csrf_token": token,
            "year": str(YEAR),
            "effective_from": "",
            **{k: "12.345" for k in rates},
            **caps,
        },
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422
    assert "请选择生效日期" in bad.text and "最多两位小数" in bad.text
