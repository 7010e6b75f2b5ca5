"""Publish before paying: a submitted batch's notice has fixed dates, the fund, the issuing bodies and their
supervision phones; approval waits for the period to end and for every objection to be settled; an upheld
objection takes its line out and releases it."""

import asyncio
from datetime import datetime
from typing import Any

import pytest

from services.payments.notices import issuers, parse_phones, supervision_phone
from shared.settings import Settings
from tests.payments.conftest import ASIER, BAYIN, XINI
from tests.payments.test_batches import BATCHES, draft, lines_of, ok, sheep_claims

pytestmark = pytest.mark.usefixtures("clean_databases")
PERIOD_SECONDS = 3.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A notice period of a few seconds (PAYMENT_NOTICE_DAYS is a decimal number of days)."""
    return settings.model_copy(
        update={
            "payment_notice_days": PERIOD_SECONDS / 86_400,
            "payment_supervision_phones": "150625100=0477-111",
        }
    )


async def submitted(payments, registry, people, quantities: list[int]) -> dict[str, Any]:
    await sheep_claims(payments, registry, people, quantities)
    batch = await draft(payments, people["xini"], region=ASIER)
    return await ok(await payments.post(f"{BATCHES}/{batch['id']}/submit", headers=people["xini"]))


async def until_posted(batch: dict[str, Any]) -> None:
    left = datetime.fromisoformat(batch["notice_until"]) - datetime.fromisoformat(batch["submitted_at"])
    await asyncio.sleep(left.total_seconds() + 0.3)


async def test_the_notice_is_published_on_submit_and_approval_waits_for_it(
    payments, registry, people
) -> None:
    await sheep_claims(payments, registry, people, [2])
    batch = await draft(payments, people["xini"], region=ASIER)
    path = f"{BATCHES}/{batch['id']}"
    unpublished = await ok(await payments.get(f"{path}/notice", headers=people["asier"]))
    assert unpublished["published"] is False and unpublished["until"] is None
    batch = await ok(await payments.post(f"{path}/submit", headers=people["xini"]))
    notice = await ok(await payments.get(f"{path}/notice?region={ASIER}", headers=people["asier"]))
    assert notice["published"] and notice["until"] == batch["notice_until"]
    assert notice["posted_at"] == batch["notice_posted_at"] and notice["number"] == batch["number"]
    assert notice["fund_source"] and "肉羊出栏补贴" in notice["fund_use"]
    assert [(i["level"], i["supervision_phone"]) for i in notice["issuers"]] == [
        ("village", "0477-111"),
        ("township", "0477-111"),
        ("banner", "12317"),
    ]
    assert notice["issuers"][0]["name"].endswith("村民委员会")
    assert notice["issuers"][1]["name"] == "锡尼镇人民政府"
    refused = await payments.post(f"{path}/approve", headers=people["banner"])
    assert refused.status_code == 409 and "公示期" in refused.json()["detail"]
    reprint = await ok(await payments.get(f"{path}/notice?region={ASIER}", headers=people["asier"]))
    assert (reprint["posted_on"], reprint["until"]) == (notice["posted_on"], notice["until"])
    await until_posted(batch)
    approved = await ok(await payments.post(f"{path}/approve", headers=people["banner"]))
    assert approved["status"] == "approved"


async def test_an_objection_holds_the_batch_until_the_township_settles_it(payments, registry, people) -> None:
    claims = await sheep_claims(payments, registry, people, [2, 5])
    batch = await draft(payments, people["xini"], region=ASIER)
    path = f"{BATCHES}/{batch['id']}"
    kept, contested = sorted(
        await lines_of(payments, people, batch["id"]), key=lambda line: line["amount_fen"]
    )
    body = {"reason": "群众反映该户已出售羊只数量不实"}
    early = await payments.post(
        f"{path}/lines/{contested['id']}/objections", json=body, headers=people["asier"]
    )
    assert early.status_code == 409  # no notice posted yet
    batch = await ok(await payments.post(f"{path}/submit", headers=people["xini"]))
    outsider = await payments.post(
        f"{path}/lines/{contested['id']}/objections", json=body, headers=people["bayin"]
    )
    assert outsider.status_code == 404
    objection = await ok(
        await payments.post(f"{path}/lines/{contested['id']}/objections", json=body, headers=people["asier"]),
        201,
    )
    twice = await payments.post(
        f"{path}/lines/{contested['id']}/objections", json=body, headers=people["asier"]
    )
    assert twice.status_code == 409
    await until_posted(batch)
    held = await payments.post(f"{path}/approve", headers=people["banner"])
    assert held.status_code == 409 and "异议" in held.json()["detail"]
    settle = f"/api/v1/payments/objections/{objection['id']}/settle"
    decision = {"outcome": "upheld", "note": "经核实出栏数量不实"}
    assert (await payments.post(settle, json=decision, headers=people["asier"])).status_code == 403
    assert (await payments.post(settle, json=decision, headers=people["balagong"])).status_code == 404
    settled = await ok(await payments.post(settle, json=decision, headers=people["xini"]))
    assert (settled["outcome"], settled["settled_by"]) == ("upheld", "xini")
    assert (await payments.post(settle, json=decision, headers=people["xini"])).status_code == 409
    listed = await ok(await payments.get(f"{path}/objections", headers=people["asier"]))
    assert [o["id"] for o in listed["items"]] == [objection["id"]]

    after = await ok(await payments.get(path, headers=people["banner"]))
    assert (after["line_count"], after["total_fen"]) == (1, kept["amount_fen"])
    lines = {line["id"]: line for line in await lines_of(payments, people, batch["id"])}
    assert (
        lines[contested["id"]]["status"] == "cancelled" and "公示异议成立" in lines[contested["id"]]["reason"]
    )
    notice = await ok(await payments.get(f"{path}/notice", headers=people["xini"]))
    assert [row["amount_fen"] for row in notice["rows"]] == [kept["amount_fen"]]
    await ok(await payments.post(f"{path}/approve", headers=people["banner"]))
    again = await draft(payments, people["xini"])  # the line taken out is released for a later batch
    assert again["total_fen"] == contested["amount_fen"] == max(c["amount_fen"] for c in claims)


async def test_a_dismissed_objection_leaves_the_line(payments, registry, people) -> None:
    batch = await submitted(payments, registry, people, [3])
    [line] = await lines_of(payments, people, batch["id"])
    path = f"{BATCHES}/{batch['id']}"
    objection = await ok(
        await payments.post(
            f"{path}/lines/{line['id']}/objections", json={"reason": "疑似重复"}, headers=people["xini"]
        ),
        201,
    )
    decision = {"outcome": "dismissed", "note": "经核实无误"}
    await ok(
        await payments.post(
            f"/api/v1/payments/objections/{objection['id']}/settle", json=decision, headers=people["xini"]
        )
    )
    await until_posted(batch)
    late = await payments.post(
        f"{path}/lines/{line['id']}/objections", json={"reason": "迟到"}, headers=people["xini"]
    )
    assert late.status_code == 409  # the notice period is over
    approved = await ok(await payments.post(f"{path}/approve", headers=people["banner"]))
    assert (approved["line_count"], approved["total_fen"]) == (1, line["amount_fen"])


async def test_each_level_shows_its_own_phone_or_the_nearest_above() -> None:
    phones = parse_phones("150625=0477-000, 150625101=0477-101,bad")
    assert supervision_phone(BAYIN, phones) == "0477-000"
    assert supervision_phone("150625101202", phones) == "0477-101"
    assert supervision_phone("150626", phones) == "12317"
    names = {XINI: "锡尼镇", "150625": "杭锦旗"}
    assert [i.name for i in issuers(XINI, names, phones)] == ["锡尼镇人民政府", "杭锦旗人民政府"]
