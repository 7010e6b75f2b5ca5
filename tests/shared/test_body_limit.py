"""A body past the bound is refused with 413 problem+json before the app reads it, declared or chunked."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request, UploadFile

from shared.app import create_service_app
from shared.body_limit import BodyLimit
from shared.errors import PROBLEM_JSON, install_error_handlers
from shared.settings import Settings

LIMIT = 1000
UPLOAD_LIMIT = 5000


def make_app() -> tuple[FastAPI, list[int]]:
    """An app that records every body it got whole, so a test can tell that nothing past the bound was."""
    app = FastAPI()
    install_error_handlers(app)
    read: list[int] = []

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        read.append(len(await request.body()))
        return {"bytes": read[-1]}

    @app.post("/upload")
    async def upload(file: UploadFile) -> dict[str, int]:
        read.append(len(await file.read()))
        return {"bytes": read[-1]}

    app.add_middleware(BodyLimit, limit=LIMIT, upload_limit=UPLOAD_LIMIT)
    return app, read


async def chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 100):
        yield b"x" * 100


@pytest.fixture
def app() -> tuple[FastAPI, list[int]]:
    return make_app()


async def post(app: FastAPI, path: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.post(path, **kwargs)  # type: ignore[arg-type]


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == 413


async def test_a_body_within_the_bound_is_read(app: tuple[FastAPI, list[int]]) -> None:
    response = await post(app[0], "/echo", content=b"x" * LIMIT)
    assert response.json() == {"bytes": LIMIT}


async def test_a_declared_length_past_the_bound_is_refused_unread(app: tuple[FastAPI, list[int]]) -> None:
    assert_too_large(await post(app[0], "/echo", content=b"x" * (LIMIT + 1)))
    assert app[1] == []


async def test_a_chunked_body_past_the_bound_is_refused(app: tuple[FastAPI, list[int]]) -> None:
    """No Content-Length: counted as it arrives, and the handler never sees it whole."""
    assert_too_large(await post(app[0], "/echo", content=chunks(LIMIT * 3)))
    assert app[1] == []


async def test_an_upload_has_its_own_bound(app: tuple[FastAPI, list[int]]) -> None:
    within = await post(app[0], "/upload", files={"file": ("a.xlsx", b"x" * (UPLOAD_LIMIT - 500))})
    assert within.json() == {"bytes": UPLOAD_LIMIT - 500}
    assert_too_large(await post(app[0], "/upload", files={"file": ("a.xlsx", b"x" * UPLOAD_LIMIT)}))
    assert app[1] == [UPLOAD_LIMIT - 500]


async def test_every_service_refuses_a_body_past_its_setting() -> None:
    """Before the token is even looked at: the body is never read."""
    settings = Settings(hangjin_env="test", max_body_bytes=LIMIT)
    service = create_service_app(process="registry", title="registry", settings=settings)
    assert_too_large(await post(service, "/api/v1/households", content=b"{}" + b" " * LIMIT))


def test_the_import_bound_is_set_by_its_documented_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_IMPORT_BYTES", "12345")
    assert Settings().registry_import_max_bytes == 12345
