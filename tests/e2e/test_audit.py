"""Auditors read the audit: every service's records in their scope, who changed what and when, the before
and after of the changed fields only, and whether each service's chain verifies."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from deploy.stack import Stack
from tests.conftest import TokenFactory, bearer
from tests.support.households import household

VILLAGE = "150625100201"


@pytest.fixture
def edited(live_stack: Stack, token_for: TokenFactory) -> str:
    """A household a village official registered and then moved to another address."""
    official = bearer(token_for("village_official", VILLAGE, subject="audit-village-official"))
    gateway = live_stack.url("gateway")
    created = httpx.post(f"{gateway}/api/v1/households", json=household(VILLAGE), headers=official)
    assert created.status_code == 201, created.text
    household_id = created.json()["id"]
    patched = httpx.patch(
        f"{gateway}/api/v1/households/{household_id}", json={"address": "阿斯尔嘎查二社8号"}, headers=official
    )
    assert patched.status_code == 200, patched.text
    return str(household_id)


def audit(live_stack: Stack, headers: dict[str, str], **params: object) -> httpx.Response:
    return httpx.get(live_stack.url("gateway") + "/api/v1/audit", params=params, headers=headers)


def test_an_auditor_reads_who_changed_which_field(
    live_stack: Stack, token_for: TokenFactory, edited: str
) -> None:
    auditor = bearer(token_for("auditor", "150625100"))
    answer = audit(live_stack, auditor, entity="household", entity_id=edited)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 2
    update, create = body["items"]  # newest first
    assert update["service"] == "registry" and update["actor"] == "audit-village-official"
    assert update["changes"] == {"address": ["锡尼镇阿斯尔嘎查一社3号", "阿斯尔嘎查二社8号"]}
    assert create["changes"]["address"] == [None, "锡尼镇阿斯尔嘎查一社3号"]
    assert datetime.fromisoformat(update["at"]).tzinfo is not None
    one_service = audit(live_stack, auditor, service="registry", entity_id=edited, page_size=1)
    assert one_service.json()["total"] == 2 and one_service.json()["items"] == [update]


def test_the_audit_is_scoped_and_filtered(live_stack: Stack, token_for: TokenFactory, edited: str) -> None:
    elsewhere = bearer(token_for("auditor", "150625101"))
    assert audit(live_stack, elsewhere, entity_id=edited).json() == {"items": [], "total": 0}
    banner = bearer(token_for("banner_official", "150625"))
    assert audit(live_stack, banner, actor="audit-village-official", entity_id=edited).json()["total"] == 2
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert audit(live_stack, banner, entity_id=edited, **{"from": later}).json()["total"] == 0
    assert audit(live_stack, banner, entity_id=edited, to=later).json()["total"] == 2


def test_only_auditors_and_banner_officials_read_the_audit(
    live_stack: Stack, token_for: TokenFactory
) -> None:
    for role, region in (("village_official", VILLAGE), ("township_official", "150625100")):
        assert audit(live_stack, bearer(token_for(role, region))).status_code == 403


def test_a_merged_page_is_bounded(live_stack: Stack, token_for: TokenFactory) -> None:
    banner = bearer(token_for("banner_official", "150625"))
    refused = audit(live_stack, banner, page=100, page_size=200)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "page"
    assert audit(live_stack, banner, service="registry", page=100, page_size=200).status_code == 200


def test_each_service_says_whether_its_chain_verifies(live_stack: Stack, token_for: TokenFactory) -> None:
    auditor = bearer(token_for("auditor", "150625100"))
    answer = httpx.get(live_stack.url("gateway") + "/api/v1/audit/verify", headers=auditor)
    assert answer.status_code == 200, answer.text
    chains = {c["service"]: c for c in answer.json()}
    assert set(chains) == {"registry", "monitoring", "payments", "assets"}
    assert all(c["verified"] for c in chains.values())
    assert chains["registry"]["records"] > 0
