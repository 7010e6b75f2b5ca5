"""User and client administration through the gateway, with the registry checking regions over HTTP."""

import uuid

import httpx
import pytest

from deploy.stack import Stack
from gateway.seed import DEMO_PASSWORD
from shared.roles import Role
from tests.conftest import TokenFactory, bearer


def login(stack: Stack, username: str, password: str = DEMO_PASSWORD) -> str:
    response = httpx.post(
        stack.url("gateway") + "/auth/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_admin_creates_a_village_official_who_sees_only_that_village(live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    admin = bearer(login(live_stack, "admin"))
    username = unique("village")
    created = httpx.post(
        gateway + "/api/v1/admin/users",
        headers=admin,
        json={
            "username": username,
            "password": "a-long-password",
            "role": "village_official",
            "region": "150625101202",
            "department": "黄河村两委",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["region"] == "150625101202" and "password" not in created.text
    listed = httpx.get(gateway + "/api/v1/admin/users", headers=admin, params={"page_size": 200}).json()
    assert username in {u["username"] for u in listed["items"]}

    own = bearer(login(live_stack, username, "a-long-password"))
    [village] = httpx.get(gateway + "/api/v1/regions", headers=own).json()
    assert (village["code"], village["name"], village["children"]) == ("150625101202", "黄河村", [])
    assert httpx.get(gateway + "/api/v1/regions/150625101201", headers=own).status_code == 404


def test_a_taken_username_is_409(live_stack: Stack) -> None:
    body = {
        "username": "xini",
        "password": "a-long-password",
        "role": "township_official",
        "region": "150625100",
    }
    response = httpx.post(
        live_stack.url("gateway") + "/api/v1/admin/users",
        headers=bearer(login(live_stack, "admin")),
        json=body,
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("role", "region"),
    [
        ("village_official", "150625100"),  # a village official needs a village
        ("township_official", "150625"),  # a township official needs a township
        ("banner_official", "150625100201"),
        ("village_official", "150625100299"),  # no such village
        ("township_official", "150625105"),  # no such township
    ],
)
def test_a_role_must_fit_a_known_region_of_its_tier(live_stack: Stack, role: str, region: str) -> None:
    response = httpx.post(
        live_stack.url("gateway") + "/api/v1/admin/users",
        headers=bearer(login(live_stack, "admin")),
        json={"username": unique("u"), "password": "a-long-password", "role": role, "region": region},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["region"]


def test_bad_input_names_each_field(live_stack: Stack) -> None:
    response = httpx.post(
        live_stack.url("gateway") + "/api/v1/admin/users",
        headers=bearer(login(live_stack, "admin")),
        json={"username": "x", "password": "short", "role": "emperor", "region": "abc"},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"username", "password", "role", "region"}


def test_client_secret_is_shown_once_and_works(live_stack: Stack) -> None:
    gateway = live_stack.url("gateway")
    admin = bearer(login(live_stack, "admin"))
    created = httpx.post(
        gateway + "/api/v1/admin/clients",
        headers=admin,
        json={"name": "旗民政局数据平台", "role": "partner_agency", "region": "150625"},
    )
    assert created.status_code == 201
    client = created.json()
    listed = httpx.get(gateway + "/api/v1/admin/clients", headers=admin).json()["items"]
    [shown] = [c for c in listed if c["client_id"] == client["client_id"]]
    assert "client_secret" not in shown
    token = httpx.post(
        gateway + "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    ).json()["access_token"]
    assert httpx.get(gateway + "/api/v1/regions", headers=bearer(token)).status_code == 200
    assert httpx.get(gateway + "/api/v1/admin/users", headers=bearer(token)).status_code == 403


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.banner_admin])
def test_administration_is_for_the_banner_admin_only(
    live_stack: Stack, token_for: TokenFactory, role: Role
) -> None:
    region = {
        "village_official": "150625100201",
        "work_team": "150625100201",
        "township_official": "150625100",
    }.get(role, "150625")
    headers = bearer(token_for(role, region))
    gateway = live_stack.url("gateway")
    user = {"username": unique("u"), "password": "a-long-password", "role": "auditor", "region": "150625"}
    client = {"name": "x", "role": "bank", "region": "150625"}
    assert httpx.get(gateway + "/api/v1/admin/users", headers=headers).status_code == 403
    assert httpx.post(gateway + "/api/v1/admin/users", headers=headers, json=user).status_code == 403
    assert httpx.get(gateway + "/api/v1/admin/clients", headers=headers).status_code == 403
    assert httpx.post(gateway + "/api/v1/admin/clients", headers=headers, json=client).status_code == 403
