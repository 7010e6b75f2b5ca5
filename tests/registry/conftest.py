"""The registry app in process, on the test's database, with the demo villages its tests register into."""

import httpx
import pytest

from services.registry.app import create_app
from services.registry.seed import seed_villages
from shared.db import Database
from shared.settings import Settings


@pytest.fixture
async def registry(settings: Settings, asgi_client_factory) -> httpx.AsyncClient:
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        await seed_villages(session)
    await db.dispose()
    return await asgi_client_factory(create_app(settings))
