"""The NDJSON bulk read other services' batch work uses: scope, filters, order, and only the facts needed."""

import json
from datetime import date
from typing import Any

import httpx
import pytest

from services.registry import stream
from tests.conftest import TokenFactory, bearer
from tests.support.households import id_number, member, register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, HUANGHE = "150625100201", "150625101202"
STREAM = "/api/v1/households/stream"


async def lines(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(STREAM, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(stream.NDJSON)
    return [json.loads(line) for line in response.text.splitlines() if line]


async def test_the_stream_is_scoped_filtered_and_in_number_order(
    registry: httpx.AsyncClient, token_for: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    banner = bearer(token_for("banner_official", "150625"))
    pupil = member("其其格", "child", school_stage="primary")
    in_school = await register(
        registry, banner, members=[member("巴特尔", "head"), member("乌日娜", "spouse"), pupil]
    )
    no_school = await register(registry, banner)
    ordinary = await register(
        registry,
        banner,
        category="ordinary",
        members=[member(), member("苏和", "child", school_stage="junior")],
    )
    elsewhere = await register(registry, banner, region_code=HUANGHE)
    monkeypatch.setattr(stream, "STREAM_PAGE", 2)  # several keyset pages even for four households

    everything = await lines(registry, banner)
    assert [h["number"] for h in everything] == sorted(
        h["number"] for h in (in_school, no_school, ordinary, elsewhere)
    )
    township = await lines(registry, bearer(token_for("township_official", "150625100")))
    assert {h["id"] for h in township} == {in_school["id"], no_school["id"], ordinary["id"]}  # not 黄河村
    assert {h["id"] for h in await lines(registry, banner, region=HUANGHE)} == {elsewhere["id"]}

    [due] = await lines(registry, banner, category=["lifted_supported", "monitored"], school="true")
    assert due["id"] == in_school["id"] and due["category"] == "lifted_supported"
    assert due["head_name"] == "巴特尔"
    assert (
        due["head_id_masked"]
        == in_school["members"][0]["id_number"][:6] + "********" + in_school["members"][0]["id_number"][-4:]
    )
    assert [(m["name"], m["school_stage"]) for m in due["members"]] == [("其其格", "primary")]
    shown = {"id", "name", "relation", "birth_date", "age", "school_stage", "disability_grade", "dibao"}
    shown |= {"pension_insurance"}
    assert set(due["members"][0]) == shown  # no ID number; a banner official sees full numbers, so the date


async def test_school_age_is_picked_by_birth_date_whoever_reads(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    """6–15 on 1 September from the birth date, also for a work team that sees only ages: a child who turns
    six a day late or is sixteen that morning is left out for every role."""
    banner = bearer(token_for("banner_official", "150625"))
    children = {
        "乌云": date(2020, 9, 1),  # six on the first day of school
        "苏和": date(2020, 9, 2),  # six a day late
        "其其格": date(2010, 9, 2),  # still fifteen
        "阿拉坦": date(2010, 9, 1),  # sixteen that morning
    }
    home = await register(
        registry,
        banner,
        members=[member(), *(member(n, "child", id_number=id_number(birth=b)) for n, b in children.items())],
    )
    await register(registry, banner)  # no child at all: no line
    for role in ("banner_official", "work_team"):
        [line] = await lines(registry, bearer(token_for(role, ASIER)), school_age_in=2026)
        assert line["id"] == home["id"]
        assert [m["name"] for m in line["members"]] == ["乌云", "其其格"], role
    refused = await registry.get(STREAM, params={"school_age_in": 1900}, headers=banner)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "school_age_in"


async def test_a_bank_may_not_read_the_stream(registry: httpx.AsyncClient, token_for: TokenFactory) -> None:
    response = await registry.get(STREAM, headers=bearer(token_for("bank", "150625")))
    assert response.status_code == 403


async def test_members_narrows_the_lines_to_the_members_a_batch_can_pay(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    """`members=none` gives every household without members (a claim batch needs only the payee); a fact
    gives only its members, and only the households that have one (a safety-net batch reads no others)."""
    banner = bearer(token_for("banner_official", "150625"))
    disabled = member("苏和", "spouse", disability_grade=2, pension_insurance=True)
    on_dibao = member("乌云", "child", dibao=True)
    first = await register(registry, banner, members=[member("巴特尔", "head"), disabled])
    second = await register(registry, banner, members=[member("其其格", "head"), on_dibao])
    ours = {first["id"], second["id"]}

    bare = [h for h in await lines(registry, banner, region=ASIER, members="none") if h["id"] in ours]
    assert {h["id"] for h in bare} == ours and all(h["members"] == [] for h in bare)
    for fact, household, name in (
        ("disabled", first, "苏和"),
        ("dibao", second, "乌云"),
        ("insured", first, "苏和"),
    ):
        picked = [h for h in await lines(registry, banner, region=ASIER, members=fact) if h["id"] in ours]
        assert [(h["id"], [m["name"] for m in h["members"]]) for h in picked] == [(household["id"], [name])]
    uninsured = [
        h for h in await lines(registry, banner, region=ASIER, members="uninsured") if h["id"] in ours
    ]
    assert {h["id"]: [m["name"] for m in h["members"]] for h in uninsured} == {
        first["id"]: ["巴特尔"],
        second["id"]: ["其其格", "乌云"],
    }
    refused = await registry.get(STREAM, params={"members": "some"}, headers=banner)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "members"


async def test_with_income_each_line_carries_the_latest_income(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    banner = bearer(token_for("banner_official", "150625"))
    home = await register(registry, banner, income_per_capita_fen=812_345)
    plain = [h for h in await lines(registry, banner, region=ASIER) if h["id"] == home["id"]]
    assert plain and "income_per_capita_fen" not in plain[0]
    [line] = [
        h for h in await lines(registry, banner, region=ASIER, with_income="true") if h["id"] == home["id"]
    ]
    assert (line["income_year"], line["income_per_capita_fen"]) == (home["incomes"][-1]["year"], 812_345)
