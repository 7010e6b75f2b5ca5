"""Every error a request can meet leaves as RFC 9457 problem+json, one entry per bad field."""

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.errors import PROBLEM_JSON, Conflict, DomainError, Invalid, Unauthorized, install_error_handlers


class Gone(DomainError):
    status, title = 410, "Gone"


class Member(BaseModel):
    name: str
    id_number: Annotated[str, Field(min_length=18, max_length=18)]


class HouseholdCreate(BaseModel):
    village: str
    members: list[Member]


SECRET = "password=hunter2 at db.internal"


class DriverError(Exception):
    """What asyncpg raises, with its SQLSTATE; SQLAlchemy's DBAPIError wraps the driver's adapter error
    whose cause it is."""

    def __init__(self, sqlstate: str):
        super().__init__(SECRET)
        self.sqlstate = sqlstate


def database_error(sqlstate: str) -> DBAPIError:
    adapted = Exception(SECRET)
    adapted.__cause__ = DriverError(sqlstate)
    return DBAPIError("SELECT 1", {}, adapted)


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/households", status_code=201)
    async def create(body: HouseholdCreate) -> dict[str, int]:
        return {"members": len(body.members)}

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("户已存在")

    @app.get("/gone")
    async def gone() -> None:
        raise Gone("the plan was withdrawn")

    @app.get("/invalid")
    async def invalid() -> None:
        raise Invalid.field("region", "unknown region")

    @app.get("/unauthorized")
    async def unauthorized() -> None:
        raise Unauthorized("a bearer token is required", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/integrity")
    async def integrity() -> None:
        raise IntegrityError("INSERT ...", {}, Exception(SECRET))

    @app.get("/database/{sqlstate}")
    async def database(sqlstate: str) -> None:
        raise database_error(sqlstate)

    @app.get("/pool-timeout")
    async def pool_timeout() -> None:
        raise PoolTimeout("QueuePool limit of size 10 overflow 20 reached")

    @app.get("/refused")
    async def refused() -> None:
        raise ConnectionRefusedError(111, SECRET)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET)

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions=False: Starlette re-raises an unhandled error after its 500 handler answered.
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


async def test_a_good_body_passes(client: httpx.AsyncClient) -> None:
    body = {"village": "150625100201", "members": [{"name": "张三", "id_number": "11010519491231002X"}]}
    response = await client.post("/households", json=body)
    assert (response.status_code, response.json()) == (201, {"members": 1})


async def test_a_bad_body_names_each_bad_field(client: httpx.AsyncClient) -> None:
    body = {"members": [{"name": "张三", "id_number": "123"}, {"id_number": "11010519491231002X"}]}
    found = problem(await client.post("/households", json=body), 422)
    fields = {e["field"]: e["reason"] for e in found["errors"]}  # type: ignore[union-attr]
    assert set(fields) == {"village", "members.0.id_number", "members.1.name"}
    assert all(fields.values())
    assert "members.0.id_number" in str(found["detail"])


async def test_a_body_that_is_not_json_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/households", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert problem(response, 422)["errors"]


@pytest.mark.parametrize(
    ("path", "status", "title", "detail"),
    [
        ("/conflict", 409, "Conflict", "户已存在"),
        ("/gone", 410, "Gone", "the plan was withdrawn"),
        ("/unauthorized", 401, "Unauthorized", "a bearer token is required"),
    ],
)
async def test_domain_errors_map_to_their_status(
    client: httpx.AsyncClient, path: str, status: int, title: str, detail: str
) -> None:
    body = problem(await client.get(path), status)
    assert (body["title"], body["detail"]) == (title, detail)


async def test_domain_error_headers_are_sent(client: httpx.AsyncClient) -> None:
    assert (await client.get("/unauthorized")).headers["www-authenticate"] == "Bearer"


async def test_invalid_field_carries_its_field(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/invalid"), 422)
    assert body["errors"] == [{"field": "region", "reason": "unknown region"}]


async def test_integrity_error_is_a_409_without_the_database_message(client: httpx.AsyncClient) -> None:
    response = await client.get("/integrity")
    problem(response, 409)
    assert "hunter2" not in response.text


async def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    body = problem(response, 500)
    assert body["title"] == "Internal server error"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text


UNAVAILABLE = ["/database/53300", "/database/08006", "/database/57P03", "/pool-timeout", "/refused"]


@pytest.mark.parametrize("path", UNAVAILABLE)
async def test_a_database_that_cannot_serve_now_is_a_503(client: httpx.AsyncClient, path: str) -> None:
    """Too many clients, a lost connection, a restart, no free pooled connection, the server down: the
    request may succeed in a moment, so 503 with Retry-After, not a 500."""
    response = await client.get(path)
    assert problem(response, 503)["title"] == "Service unavailable"
    assert int(response.headers["retry-after"]) >= 1
    assert "hunter2" not in response.text


async def test_a_statement_the_database_refuses_is_still_a_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/database/42P01")  # an undefined table: a fault in the code, not a load
    problem(response, 500)
    assert "hunter2" not in response.text


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/no/such/route"), 404)
    assert body["title"] == "Not Found"


async def test_a_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    problem(await client.delete("/households"), 405)
