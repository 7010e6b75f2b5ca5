"""Spreadsheet import, export and template of households (API.md "Registry").

Included before the household routes, so that `/households/export` is not taken for a household id.
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse, StreamingResponse

from services.registry import transfer
from services.registry.dependencies import CipherDep, Reader, Registrar
from services.registry.routes import REGION_CODE
from shared.db import DatabaseDep, SessionDep
from shared.errors import PROBLEM_JSON, Problem
from shared.vocabulary.households import Category

transfer_router = APIRouter(prefix="/api/v1", tags=["households"])

FormatQuery = Annotated[transfer.FileFormat, Query(alias="format", description="xlsx (default) or csv")]
BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the spreadsheet, as an attachment",
        "content": {transfer.MEDIA_TYPES["xlsx"]: BINARY, transfer.MEDIA_TYPES["csv"]: BINARY},
    }
}


def _attachment(download: transfer.Download) -> StreamingResponse:
    """An ASCII `filename` for every client, and the Chinese name as RFC 5987 `filename*`."""
    disposition = (
        f"attachment; filename=\"{download.filename}\"; filename*=UTF-8''{quote(download.display_name)}"
    )
    return StreamingResponse(
        download.body, media_type=download.media_type, headers={"Content-Disposition": disposition}
    )


@transfer_router.get("/households/import-template", response_class=StreamingResponse, responses=FILE_RESPONSE)
async def import_template(
    session: SessionDep, principal: Registrar, file_format: FormatQuery = "xlsx"
) -> StreamingResponse:
    """The import spreadsheet's columns with one example household (and, in .xlsx, a 填写说明 sheet)."""
    return _attachment(await transfer.template(session, principal=principal, file_format=file_format))


@transfer_router.post(
    "/households/import",
    response_model=transfer.ImportReport,
    status_code=status.HTTP_201_CREATED,
    responses={
        413: {
            "model": Problem,
            "content": {PROBLEM_JSON: {}},
            "description": "file larger than REGISTRY_IMPORT_MAX_BYTES (20 MB unless configured)",
        },
        422: {
            "model": transfer.ImportProblem,
            "content": {PROBLEM_JSON: {}},
            "description": "nothing imported: an unreadable `file`, one past the import's bounds (rows read, "
            "blank ones included; columns; unpacked size; compression ratio: the detail names the setting), "
            "or the cells to fix, row by row",
        },
    },
)
async def import_households(
    request: Request,
    db: DatabaseDep,
    principal: Registrar,
    cipher: CipherDep,
    file: Annotated[UploadFile, File(description=".xlsx or .csv (UTF-8 or GB18030), one row per member")],
) -> transfer.ImportReport | JSONResponse:
    """Register the households of a spreadsheet, all or nothing, with a row-by-row report of what to fix."""
    try:
        limits = transfer.Limits.of(request.app.state.settings)
        return await transfer.import_households(
            db, principal=principal, cipher=cipher, upload=file, limits=limits
        )
    except transfer.ImportRefused as refused:
        body = refused.problem(getattr(request.state, "request_id", None))
        return JSONResponse(
            body.model_dump(exclude_none=True), status_code=refused.status, media_type=PROBLEM_JSON
        )


@transfer_router.get("/households/export", response_class=StreamingResponse, responses=FILE_RESPONSE)
async def export_households(
    db: DatabaseDep,
    principal: Reader,
    cipher: CipherDep,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
    category: Category | None = None,
    q: Annotated[str, Query(max_length=50, description="name, household number or ID number")] = "",
    file_format: FormatQuery = "xlsx",
) -> StreamingResponse:
    """The caller's households as a spreadsheet in the template's columns, one row per member; the search
    `q` narrows them as it narrows the list."""
    download = await transfer.export_households(
        db,
        principal=principal,
        cipher=cipher,
        region=region,
        category=category,
        q=q.strip(),
        file_format=file_format,
    )
    return _attachment(download)
