"""Households over the registry API, on both databases: rules, scope, history, search, statistics."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from services.registry.models import Household, Member, audit_log
from shared.audit import verify_chain
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import household, member, register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BAYIN, HUANGHE = "150625100201", "150625100202", "150625101202"


@pytest.fixture
def as_village(token_for: TokenFactory):
    def _headers(village: str = ASIER, role: str = "village_official") -> dict[str, str]:
        return bearer(token_for(role, village))

    return _headers


async def count_rows(settings: Settings, model: Any) -> int:
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        total = (await session.execute(select(func.count()).select_from(model))).scalar_one()
    await db.dispose()
    return int(total)


async def test_registration_derives_sex_and_birth_and_starts_the_history(
    registry: httpx.AsyncClient, as_village
) -> None:
    head = member("巴特尔", "head")
    created = await register(
        registry, as_village(), members=[head, member("其其格", "child", school_stage="primary")]
    )
    assert created["number"].startswith(ASIER) and len(created["number"]) == 17
    assert created["head_name"] == "巴特尔" and created["member_count"] == 2
    assert created["members"][0]["id_number"] == head["id_number"]
    assert created["members"][0]["sex"] == "male"
    assert created["members"][0]["birth_date"] == (
        f"{head['id_number'][6:10]}-{head['id_number'][10:12]}-{head['id_number'][12:14]}"
    )
    assert created["members"][1]["school_stage"] == "primary"
    assert created["income_per_capita_fen"] == 812345
    history = (await registry.get(f"/api/v1/households/{created['id']}/history", headers=as_village())).json()
    assert [(h["from_category"], h["to_category"], h["actor"]) for h in history] == [
        (None, "lifted_supported", f"village_official-{ASIER}")
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda h: h["members"][0].update(id_number=h["members"][0]["id_number"][:17] + "Y"),
            "members.0.id_number",
        ),
        (lambda h: h["members"][1].update(relation="head"), "members"),
        (lambda h: h["members"][0].update(relation="child"), "members"),
        (lambda h: h.update(region_code="150625100"), "region_code"),
        (lambda h: h.update(region_code=BAYIN), "region_code"),
        (lambda h: h["members"][0].update(sex="female"), "members.0.sex"),
        (lambda h: h["members"][1].update(id_number=h["members"][0]["id_number"]), "members.1.id_number"),
        (lambda h: h.update(category="poor"), "category"),
        (lambda h: h.update(members=[]), "members"),
        (lambda h: h.update(phone="12"), "phone"),
        (lambda h: h.update(income_per_capita_fen=12.5), "income_per_capita_fen"),
    ],
)
async def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    registry: httpx.AsyncClient, as_village, settings: Settings, change, field: str
) -> None:
    body = household()
    change(body)
    response = await registry.post("/api/v1/households", json=body, headers=as_village())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await count_rows(settings, Household) == 0 and await count_rows(settings, Member) == 0


async def test_one_person_one_household_across_the_registry(registry: httpx.AsyncClient, as_village) -> None:
    shared_person = member("苏和", "head")
    await register(registry, as_village(ASIER), members=[shared_person])
    body = household(
        region_code=HUANGHE, members=[member("额尔登", "head"), {**shared_person, "relation": "parent"}]
    )
    response = await registry.post("/api/v1/households", json=body, headers=as_village(HUANGHE))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "members.1.id_number", "reason": "该身份证号已在其他家庭登记"}
    ]


async def test_concurrent_registrations_of_one_person_yield_one_household(
    registry: httpx.AsyncClient, as_village, settings: Settings
) -> None:
    person = member("孟和", "head")
    bodies = [household(members=[person]), household(members=[{**person}])]
    responses = await asyncio.gather(
        *(registry.post("/api/v1/households", json=b, headers=as_village()) for b in bodies)
    )
    assert sorted(r.status_code for r in responses) in ([201, 409], [201, 422])
    loser = next(r for r in responses if r.status_code != 201)
    assert loser.headers["content-type"] == "application/problem+json"
    assert await count_rows(settings, Household) == 1 and await count_rows(settings, Member) == 1


async def test_id_numbers_are_encrypted_at_rest(
    registry: httpx.AsyncClient, as_village, settings: Settings
) -> None:
    person = member()
    await register(registry, as_village(), members=[person])
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        dump = " ".join(
            str(v) for row in (await session.execute(text("SELECT * FROM members"))).all() for v in row
        )
        audit_dump = " ".join(
            str(v) for row in (await session.execute(text("SELECT * FROM audit_log"))).all() for v in row
        )
    await db.dispose()
    assert person["id_number"] not in dump and person["id_number"][6:14] not in dump
    assert person["id_number"] not in audit_dump and "13912345678" not in audit_dump


async def test_full_id_numbers_only_for_roles_that_need_them(
    registry: httpx.AsyncClient, as_village, token_for: TokenFactory
) -> None:
    person = member()
    created = await register(registry, as_village(), members=[person])
    path = f"/api/v1/households/{created['id']}"
    for role, region, full in [
        ("village_official", ASIER, True),
        ("township_official", "150625100", True),
        ("banner_official", "150625", True),
        ("department_officer", "150625", True),
        ("work_team", ASIER, False),
        ("auditor", "150625", False),
        ("partner_agency", "150625", False),
        ("banner_admin", "150625", False),
    ]:
        body = (await registry.get(path, headers=bearer(token_for(role, region)))).json()
        shown = body["members"][0]["id_number"]
        assert (shown == person["id_number"]) is full, role
        if not full:
            assert shown == person["id_number"][:6] + "********" + person["id_number"][-4:]
            assert body["phone"] == "139****5678"


async def test_another_village_learns_nothing(
    registry: httpx.AsyncClient, as_village, token_for: TokenFactory
) -> None:
    mine = await register(registry, as_village(ASIER), members=[member("阿拉坦", "head")])
    theirs = await register(
        registry, as_village(BAYIN), region_code=BAYIN, members=[member("阿拉坦仓", "head")]
    )
    me = as_village(ASIER)
    listing = (await registry.get("/api/v1/households", headers=me)).json()
    assert [h["id"] for h in listing["items"]] == [mine["id"]] and listing["total"] == 1
    for path in (f"/api/v1/households/{theirs['id']}", f"/api/v1/households/{theirs['id']}/history"):
        response = await registry.get(path, headers=me)
        assert response.status_code == 404 and response.json()["detail"] == "household not found"
    patch = await registry.patch(f"/api/v1/households/{theirs['id']}", json={"address": "x"}, headers=me)
    assert patch.status_code == 404
    change = await registry.post(
        f"/api/v1/households/{theirs['id']}/category-changes",
        json={"category": "ordinary", "reason": "试图越权", "effective_date": "2026-01-01"},
        headers=me,
    )
    assert change.status_code == 404
    for query in (
        {"q": "阿拉坦"},
        {"q": theirs["number"]},
        {"region": BAYIN},
        {"q": theirs["members"][0]["id_number"]},
    ):
        found = (await registry.get("/api/v1/households", params=query, headers=me)).json()
        assert theirs["id"] not in [h["id"] for h in found["items"]], query
        assert found["total"] == (1 if query == {"q": "阿拉坦"} else 0), query
    stats = (await registry.get("/api/v1/stats/households", headers=me)).json()
    assert stats["total"] == 1 and [r["code"] for r in stats["rows"]] == [ASIER]
    assert (
        await registry.get("/api/v1/stats/households", params={"region": "150625100"}, headers=me)
    ).status_code == 404


async def test_search_by_name_number_and_id(registry: httpx.AsyncClient, as_village) -> None:
    child = member("娜仁花", "child")
    target = await register(registry, as_village(), members=[member("图门", "head"), child])
    await register(registry, as_village(), members=[member("王建国", "head")])
    me = as_village()

    async def ids(**params: str) -> list[str]:
        return [
            h["id"]
            for h in (await registry.get("/api/v1/households", params=params, headers=me)).json()["items"]
        ]

    assert await ids(q="图门") == [target["id"]]
    assert await ids(q="娜仁") == [target["id"]]  # a member's name finds the household
    assert await ids(q=target["number"]) == [target["id"]]
    assert await ids(q=child["id_number"]) == [target["id"]]
    assert await ids(q=child["id_number"].lower()) == [target["id"]]
    assert await ids(q="%") == []


async def test_pages_and_category_filter(registry: httpx.AsyncClient, as_village) -> None:
    for category in ("ordinary", "ordinary", "lifted_unsupported", "lifted_supported", "ordinary"):
        await register(registry, as_village(), category=category, members=[member()])
    me = as_village()
    page = (
        await registry.get("/api/v1/households", params={"category": "ordinary", "page_size": 2}, headers=me)
    ).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["page_size"] == 2
    last = (
        await registry.get(
            "/api/v1/households", params={"category": "ordinary", "page_size": 2, "page": 2}, headers=me
        )
    ).json()
    assert len(last["items"]) == 1
    numbers = [h["number"] for h in page["items"] + last["items"]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    bad = await registry.get("/api/v1/households", params={"page_size": 1000}, headers=me)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "page_size"


async def test_category_changes_only_through_the_history(
    registry: httpx.AsyncClient, as_village, token_for: TokenFactory
) -> None:
    created = await register(registry, as_village(), category="lifted_supported", lifted_year=2019)
    path = f"/api/v1/households/{created['id']}"
    ignored = await registry.patch(
        path, json={"category": "ordinary", "address": "新地址"}, headers=as_village()
    )
    assert ignored.status_code == 200 and ignored.json()["category"] == "lifted_supported"
    township = bearer(token_for("township_official", "150625100"))
    change = {
        "category": "lifted_unsupported",
        "reason": "稳定脱贫，不再享受政策",
        "effective_date": "2026-11-01",
    }
    made = await registry.post(f"{path}/category-changes", json=change, headers=township)
    assert made.status_code == 201
    same = await registry.post(f"{path}/category-changes", json=change, headers=township)
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "category"
    history = (await registry.get(f"{path}/history", headers=as_village())).json()
    assert [(h["from_category"], h["to_category"]) for h in history] == [
        (None, "lifted_supported"),
        ("lifted_supported", "lifted_unsupported"),
    ]
    assert history[1] | {"id": None, "at": None} == {
        "id": None,
        "at": None,
        "from_category": "lifted_supported",
        "to_category": "lifted_unsupported",
        "reason": "稳定脱贫，不再享受政策",
        "effective_date": "2026-11-01",
        "actor": "township_official-150625100",
        "role": "township_official",
        "historical": False,
    }
    assert (await registry.get(path, headers=as_village())).json()["category"] == "lifted_unsupported"
    auditor = await registry.post(
        f"{path}/category-changes", json=change, headers=bearer(token_for("auditor", "150625"))
    )
    assert auditor.status_code == 403


async def test_a_repeated_idempotent_category_change_applies_once(
    registry: httpx.AsyncClient, as_village, token_for: TokenFactory
) -> None:
    created = await register(registry, as_village(), category="ordinary")
    path = f"/api/v1/households/{created['id']}/category-changes"
    body = {"category": "marginal", "reason": "旗确认纳入边缘易致贫户", "effective_date": "2026-11-20"}
    monitoring = bearer(token_for("service", "150625", "svc-monitoring"))
    headers = {**monitoring, "Idempotency-Key": "case-42-confirm"}
    first = await registry.post(path, json=body, headers=headers)
    second = await registry.post(path, json=body, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    history = (await registry.get(f"/api/v1/households/{created['id']}/history", headers=as_village())).json()
    assert len(history) == 2


async def test_updating_members_keeps_one_person_one_household(
    registry: httpx.AsyncClient, as_village
) -> None:
    first = await register(registry, as_village(), members=[member("甲", "head")])
    other = await register(registry, as_village(), members=[member("乙", "head")])
    path = f"/api/v1/households/{first['id']}"
    kept = {**first["members"][0], "relation": "head"}
    newborn = member("丙", "grandchild")
    keep_fields = {k: kept[k] for k in ("name", "id_number", "relation")}
    ok = await registry.patch(path, json={"members": [keep_fields, newborn]}, headers=as_village())
    assert ok.status_code == 200 and ok.json()["member_count"] == 2
    stolen = {"name": "乙", "id_number": other["members"][0]["id_number"], "relation": "sibling"}
    refused = await registry.patch(path, json={"members": [keep_fields, stolen]}, headers=as_village())
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "members.1.id_number"
    assert (await registry.get(path, headers=as_village())).json()["member_count"] == 2


async def test_statistics_by_child_region(
    registry: httpx.AsyncClient, as_village, token_for: TokenFactory
) -> None:
    await register(registry, as_village(ASIER), category="ordinary", members=[member()])
    await register(registry, as_village(ASIER), category="lifted_unsupported", members=[member()])
    await register(
        registry, as_village(HUANGHE), region_code=HUANGHE, category="ordinary", members=[member()]
    )
    banner = (
        await registry.get("/api/v1/stats/households", headers=bearer(token_for("auditor", "150625")))
    ).json()
    rows = {r["code"]: r for r in banner["rows"]}
    assert len(rows) == 6 and banner["total"] == 3
    assert (
        rows["150625100"]["counts"]["ordinary"] == 1
        and rows["150625100"]["counts"]["lifted_unsupported"] == 1
    )
    assert rows["150625101"]["total"] == 1 and rows["150625200"]["total"] == 0
    assert banner["totals"]["ordinary"] == 2
    township = (
        await registry.get(
            "/api/v1/stats/households",
            params={"region": "150625100"},
            headers=bearer(token_for("township_official", "150625100")),
        )
    ).json()
    assert {r["code"]: r["total"] for r in township["rows"]}[ASIER] == 2 and len(township["rows"]) == 5


async def test_every_change_is_audited_in_one_chain(
    registry: httpx.AsyncClient, as_village, settings: Settings
) -> None:
    created = await register(registry, as_village())
    path = f"/api/v1/households/{created['id']}"
    await registry.patch(path, json={"address": "新址"}, headers=as_village())
    await registry.post(
        f"{path}/category-changes",
        headers=as_village(),
        json={"category": "ordinary", "reason": "收入稳定", "effective_date": "2026-10-01"},
    )
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        rows = (await session.execute(audit_log.select().order_by(audit_log.c.seq))).mappings().all()
        assert [r["action"] for r in rows] == [
            "household.create",
            "household.update",
            "household.category_change",
        ]
        assert rows[1]["before"]["address"] != rows[1]["after"]["address"] == "新址"
        assert await verify_chain(session, audit_log) is None
    await db.dispose()


async def test_bank_cannot_read_the_registry(registry: httpx.AsyncClient, token_for: TokenFactory) -> None:
    assert (
        await registry.get("/api/v1/households", headers=bearer(token_for("bank", "150625")))
    ).status_code == 403


async def test_unknown_household_is_404_and_bad_id_422(registry: httpx.AsyncClient, as_village) -> None:
    missing = await registry.get(
        "/api/v1/households/00000000-0000-0000-0000-000000000000", headers=as_village()
    )
    assert missing.status_code == 404
    assert (await registry.get("/api/v1/households/not-a-uuid", headers=as_village())).status_code == 422


async def test_bulk_lookup_by_household_id_and_id_number_stays_in_scope(
    registry: httpx.AsyncClient, as_village, token_for: TokenFactory
) -> None:
    child = member("敖日格乐", "child", school_stage="junior")
    mine = await register(registry, as_village(), members=[member("宝音", "head"), child])
    theirs = await register(registry, as_village(BAYIN), region_code=BAYIN, members=[member()])
    body = {
        "household_ids": [theirs["id"]],
        "id_numbers": [child["id_number"], theirs["members"][0]["id_number"]],
    }
    items = (await registry.post("/api/v1/households/lookup", json=body, headers=as_village())).json()[
        "items"
    ]
    assert [i["id"] for i in items] == [mine["id"]]
    assert [(m["name"], m["school_stage"], m["matched"]) for m in items[0]["members"]] == [
        ("宝音", "none", False),
        ("敖日格乐", "junior", True),
    ]
    assert items[0]["income_per_capita_fen"] == 812345 and "id_number" not in items[0]["members"][0]
    banner = bearer(token_for("banner_official", "150625"))
    both = (await registry.post("/api/v1/households/lookup", json=body, headers=banner)).json()["items"]
    assert {i["id"] for i in both} == {mine["id"], theirs["id"]}
    too_many = await registry.post(
        "/api/v1/households/lookup", json={"id_numbers": ["x"] * 1001}, headers=banner
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "id_numbers"
