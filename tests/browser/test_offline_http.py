"""What the field app keeps, over plain HTTP: the village's own households with a version each, summaries
with no ID number or phone even for a role that sees them in full, another village's household not found,
the worker served to control the whole site and the manifest starting at the roster."""

from collections.abc import Iterator

import httpx
import pytest

from deploy.stack import Stack
from tests.browser.household_data import register_household
from tests.browser.test_pages_http import signed_in

ASIER_VILLAGE = "150625100201"
BAYIN_VILLAGE = "150625100202"


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=60) as c:
        yield c


def test_the_phone_keeps_the_village_without_ids_or_phones(client: httpx.Client, live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    home = register_household(gateway, "asier", ASIER_VILLAGE)
    elsewhere = register_household(gateway, "bayin", BAYIN_VILLAGE)
    signed_in(client, "asier")  # a village official sees full ID numbers online

    listed = client.get("/field/offline.json")
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    kept = {h["id"]: h for h in listed.json()["households"]}
    assert home["id"] in kept and elsewhere["id"] not in kept
    assert kept[home["id"]]["pages"] == [
        f"/field/households/{home['id']}",
        f"/monitoring/visits/new?household_id={home['id']}",
    ]

    summary = client.get(f"/field/households/{home['id']}")
    assert summary.status_code == 200
    assert home["head_name"] in summary.text
    assert all(member["id_number"] not in summary.text for member in home["members"])
    online = client.get(f"/households/{home['id']}").text  # the household file online shows them in full
    assert all(member["id_number"] in online for member in home["members"])
    assert client.get(f"/field/households/{elsewhere['id']}").status_code == 404


def test_only_those_who_visit_get_the_field_pages(client: httpx.Client) -> None:
    signed_in(client, "xini")  # a township official does not record visits
    assert client.get("/field/offline.json").status_code == 403
    assert client.get("/roster").status_code == 403


def test_the_worker_controls_the_site_and_the_app_starts_at_the_roster(client: httpx.Client) -> None:
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["content-type"].startswith("text/javascript")
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["start_url"] == "/roster" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
