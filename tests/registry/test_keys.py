"""Rotating the ID-number encryption key: old rows re-sealed under the new key, numbers unchanged."""

import pytest
from sqlalchemy import select

from deploy.manage import rotate_id_keys
from services.registry.app import create_app
from services.registry.models import Member
from services.registry.seed import seed_villages
from shared.crypto import FieldCipher, new_key
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import household

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_rotation_reseals_every_row_and_keeps_search_working(
    settings: Settings, asgi_client_factory, token_for: TokenFactory
) -> None:
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        await seed_villages(session)
    headers = bearer(token_for("village_official", "150625100201"))
    old = await asgi_client_factory(create_app(settings))
    created = [
        (await old.post("/api/v1/households", json=household(), headers=headers)).json() for _ in range(3)
    ]
    numbers = {m["id"]: m["id_number"] for h in created for m in h["members"]}

    rotated = settings.model_copy(
        update={"id_encryption_keys": f"k2:{new_key()},{settings.id_encryption_keys}"}
    )
    assert await rotate_id_keys(rotated) == len(numbers)
    assert await rotate_id_keys(rotated) == 0
    async with db.session_scope() as session:
        sealed = (await session.execute(select(Member.id, Member.id_cipher))).all()
    await db.dispose()
    assert all(value.startswith("k2:") for _, value in sealed)

    only_new = rotated.model_copy(update={"id_encryption_keys": rotated.id_encryption_keys.split(",")[0]})
    cipher = FieldCipher.from_settings(only_new.id_encryption_keys, only_new.id_lookup_key)
    assert {str(i): cipher.decrypt(v) for i, v in sealed} == numbers
    new = await asgi_client_factory(create_app(only_new), base_url="http://rotated")
    some = next(iter(numbers.values()))
    found = (await new.get("/api/v1/households", params={"q": some}, headers=headers)).json()
    assert found["total"] == 1
    detail = (await new.get(f"/api/v1/households/{found['items'][0]['id']}", headers=headers)).json()
    assert some in [m["id_number"] for m in detail["members"]]
