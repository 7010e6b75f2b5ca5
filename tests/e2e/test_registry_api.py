"""A partner agency and an official use the registry through the gateway, as they would in production."""

import httpx

from deploy.stack import Stack
from tests.conftest import bearer
from tests.e2e.test_admin import login
from tests.support.households import household, member


def test_an_official_registers_and_a_partner_agency_reads_masked(live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    official = bearer(login(live_stack, "asier"))
    head = member("满都拉", "head")
    created = httpx.post(gateway + "/api/v1/households", json=household(members=[head]), headers=official)
    assert created.status_code == 201, created.text
    household_id = created.json()["id"]

    admin = bearer(login(live_stack, "admin"))
    client = httpx.post(
        gateway + "/api/v1/admin/clients",
        headers=admin,
        json={"name": "旗医保局", "role": "partner_agency", "region": "150625"},
    ).json()
    agency = bearer(
        httpx.post(
            gateway + "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
            },
        ).json()["access_token"]
    )
    found = httpx.get(gateway + "/api/v1/households", params={"q": head["id_number"]}, headers=agency).json()
    assert [h["id"] for h in found["items"]] == [household_id]
    detail = httpx.get(f"{gateway}/api/v1/households/{household_id}", headers=agency).json()
    assert detail["members"][0]["id_number"] == head["id_number"][:6] + "********" + head["id_number"][-4:]
    refused = httpx.post(gateway + "/api/v1/households", json=household(), headers=agency)
    assert refused.status_code == 403


def test_another_village_official_cannot_reach_it_through_the_gateway(live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    mine = httpx.post(
        gateway + "/api/v1/households",
        json=household(members=[member("其木格", "head")]),
        headers=bearer(login(live_stack, "asier")),
    ).json()
    neighbour = bearer(login(live_stack, "bayin"))
    assert httpx.get(f"{gateway}/api/v1/households/{mine['id']}", headers=neighbour).status_code == 404
    listed = httpx.get(gateway + "/api/v1/households", params={"q": "其木格"}, headers=neighbour).json()
    assert listed["total"] == 0
