"""Liveness and readiness, the same on every process."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from shared.db import DatabaseDep
from shared.errors import problem_response
from shared.migrations import is_current

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get(
    "/readyz", response_model=Health, responses={503: {"description": "database unreachable or behind"}}
)
async def readyz(request: Request, db: DatabaseDep) -> Health | JSONResponse:
    """The database answers and stands at the migration head the code expects."""
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        current = await is_current(db, request.app.state.process)
    except Exception as exc:
        return problem_response(503, "Service unavailable", f"database unreachable: {type(exc).__name__}")
    if not current:
        return problem_response(503, "Service unavailable", "database migrations are not at head")
    return Health(status="ok")
