"""Whatever is stored, exports write it safely: a control character an older release let in no longer fails
the banner's workbook, and a cell Excel would run as a formula (tab and CR included) is kept as text.
New inputs with such characters are refused, naming the field."""

import io
import uuid

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from services.registry import spreadsheets
from services.registry.models import Household
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import household

pytestmark = pytest.mark.usefixtures("clean_databases")

VILLAGE = "150625100201"
EXPORT = "/api/v1/households/export"


async def stored_with_address(
    registry: httpx.AsyncClient, settings: Settings, official: dict[str, str], address: str
) -> None:
    """A household whose address was stored as given, as an older release stored it."""
    created = await registry.post("/api/v1/households", json=household(VILLAGE), headers=official)
    assert created.status_code == 201, created.text
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        await session.execute(
            update(Household).where(Household.id == uuid.UUID(created.json()["id"])).values(address=address)
        )
    await db.dispose()


def addresses(response: httpx.Response) -> list[str]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    column = spreadsheets.headers().index("家庭住址")
    return [row[column] for row in list(sheet.iter_rows(values_only=True))[1:]]


async def test_a_stored_control_character_does_not_fail_the_workbook(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory
) -> None:
    official = bearer(token_for("village_official", VILLAGE))
    await stored_with_address(registry, settings, official, "一社\x013号\x1b")
    banner = bearer(token_for("banner_official", "150625"))
    response = await registry.get(EXPORT, headers=banner)
    assert response.status_code == 200, response.text
    assert set(addresses(response)) == {"一社\ufffd3号\ufffd"}


@pytest.mark.parametrize("start", ["\t", "\r", "=", "@"])
async def test_a_cell_excel_would_run_stays_text(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory, start: str
) -> None:
    official = bearer(token_for("village_official", VILLAGE))
    await stored_with_address(registry, settings, official, f"{start}cmd|' /C calc'!A0")
    response = await registry.get(EXPORT, params={"format": "csv"}, headers=official)
    assert f"'{start}cmd|" in response.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address": "一社\x003号"}, "address"),
        ({"address": "一社\n3号"}, "address"),
        (
            {"members": [{"name": "巴特尔\u202e", "id_number": "150625196803120011", "relation": "head"}]},
            "members.0.name",
        ),
    ],
)
async def test_new_text_with_control_characters_is_refused(
    registry: httpx.AsyncClient, token_for: TokenFactory, changes: dict[str, object], field: str
) -> None:
    official = bearer(token_for("village_official", VILLAGE))
    response = await registry.post("/api/v1/households", json=household(VILLAGE, **changes), headers=official)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
