"""Problem details (RFC 9457) for every error, and the domain errors services raise instead of HTTPException.

Validation problems carry one entry per bad field, so a form or a partner's client can point at it.
"""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("hangjin.errors")
# SQLSTATE classes of a database that cannot serve now, whatever the statement: a connection exception
# (08), insufficient resources such as too many clients (53), an operator's shutdown or restart (57P).
UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
RETRY_AFTER_S = 1


class FieldProblem(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """The body of every error response."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None
    request_id: str | None = None


class DomainError(Exception):
    """A refusal the caller can act on; mapped to problem+json by one handler."""

    status = 400
    title = "Bad request"

    def __init__(
        self, detail: str, *, errors: list[FieldProblem] | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class Unauthorized(DomainError):
    status, title = 401, "Unauthorized"


class Forbidden(DomainError):
    status, title = 403, "Forbidden"


class NotFound(DomainError):
    status, title = 404, "Not found"


class Conflict(DomainError):
    status, title = 409, "Conflict"


class Invalid(DomainError):
    status, title = 422, "Unprocessable content"

    @classmethod
    def field(cls, field: str, reason: str) -> "Invalid":
        return cls(f"{field}: {reason}", errors=[FieldProblem(field=field, reason=reason)])


class TooManyRequests(DomainError):
    status, title = 429, "Too many requests"


class Unavailable(DomainError):
    status, title = 503, "Service unavailable"


# 400 is a body that cannot be read at all (not UTF-8, not JSON, not a form), before any field is checked;
# 413 a body past the bound (shared/body_limit.py).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {PROBLEM_JSON: {}}} for code in (400, 401, 403, 404, 409, 413, 422)
}


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: list[FieldProblem] | None = None,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None) if request is not None else None
    body = Problem(title=title, status=status, detail=detail, errors=errors, request_id=request_id)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


def validation_problems(exc: RequestValidationError) -> list[FieldProblem]:
    return [
        FieldProblem(field=_field_name(tuple(e.get("loc", ()))), reason=e.get("msg", ""))
        for e in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Map every error a request can meet to problem+json; nothing escapes as an HTML 500."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            exc.status, exc.title, exc.detail, errors=exc.errors, request=request, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_problems(exc)
        detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
        return problem_response(422, "Unprocessable content", detail, errors=errors, request=request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            _reason(exc.status_code),
            str(exc.detail),
            request=request,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return problem_response(409, "Conflict", "the change conflicts with existing data", request=request)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if unstorable_value(exc):
            log.warning("value refused by the database: %s", exc.orig)
            return problem_response(
                422, "Unprocessable content", "a value cannot be stored as given", request=request
            )
        if database_unavailable(exc):
            return await _busy(request, exc)
        return await _unexpected(request, exc)

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(ConnectionError)  # the database refused the connection outright (it is down)
    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return problem_response(
            503,
            "Service unavailable",
            "the database cannot serve the request now; try again shortly",
            request=request,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem_response(
            500, "Internal server error", "an unexpected error was logged", request=request
        )


def unstorable_value(exc: DBAPIError) -> bool:
    """Whether the database refused a value the caller sent, not the statement: PostgreSQL's data
    exceptions (SQLSTATE class 22: a NUL byte in text, a number or date past its type) or a parameter the
    driver cannot encode at all (asyncpg raises a ValueError for an integer past int64)."""
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return str(getattr(cause, "sqlstate", "")).startswith("22") or isinstance(cause, ValueError)


def database_unavailable(exc: DBAPIError) -> bool:
    """Whether the database could not serve at all (it refused or lost the connection: too many clients, a
    restart), rather than refused the statement: a 503 the caller may retry, as for a pool with no free
    connection, not a 500."""
    if exc.connection_invalidated:
        return True
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return str(getattr(cause, "sqlstate", "")).startswith(UNAVAILABLE_SQLSTATES) or isinstance(cause, OSError)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
