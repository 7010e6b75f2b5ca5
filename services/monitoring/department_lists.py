"""Departments' lists compared with the registry (数据比对, seed §五(二)2): a typed file per department,
matched to members by ID number in bulk, its findings kept per household, alerts raised for households with
no open case; and the findings a case's `data_comparison` step records."""

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import assistance_rules, deliveries, discovery
from services.monitoring.clients import RegistryClient, RegistryHousehold
from services.monitoring.findings import finding_public
from services.monitoring.models import DepartmentFinding, DepartmentUpload, MonitoringCase, audit_log, outbox
from services.monitoring.schemas import (
    LIST_ROWS,
    DepartmentListResult,
    ListRow,
    UnmatchedRow,
)
from services.monitoring.thresholds import thresholds_for
from shared import audit, workbook
from shared.auth import Principal
from shared.errors import FieldProblem, Invalid
from shared.idnumber import mask_id_number, parse_id_number
from shared.outbox import enqueue
from shared.vocabulary.monitoring import DepartmentList

MAX_ROWS = 20_000  # a banner's list for one department and year
BOUNDS = workbook.Bounds(max_rows=MAX_ROWS + 1, max_unpacked_bytes=64 << 20, max_ratio=200)
NOT_IN_REGISTRY = "户籍库中无此身份证号，或不在您的管辖范围内"


def _cell(value: Any) -> Any:
    """A cell as the row model reads it: text stripped, a blank as missing, a whole float as an integer."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet(content: bytes, filename: str) -> list[Sequence[Any]]:
    """The file's rows, header first: a .csv (UTF-8 or GB18030) or the first sheet of an .xlsx."""
    name = filename.lower()
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise Invalid.field("file", "CSV 文件须为 UTF-8 或 GB18030 编码")
        rows = list(csv.reader(io.StringIO(text)))
    elif name.endswith(".xlsx"):
        try:
            with workbook.xlsx_rows(io.BytesIO(content), BOUNDS) as sheet:
                rows = [row for _, row in zip(range(MAX_ROWS + 2), sheet, strict=False)]
        except (workbook.UnreadableFile, workbook.OutOfBounds) as exc:
            raise Invalid.field("file", str(exc)) from None
    else:
        raise Invalid.field("file", "只接受 .csv 或 .xlsx 文件")
    if len(rows) > MAX_ROWS + 1:
        raise Invalid.field("file", f"名单超过 {MAX_ROWS} 行，请分批上传")
    return rows


def read_list(department: DepartmentList, content: bytes, filename: str) -> list[ListRow]:
    """Every row of the list, typed by the department's columns; any bad cell refuses the whole file (422
    naming `rows.N.column`, N the row's number in the file)."""
    rows = _sheet(content, filename)
    model = LIST_ROWS[department]
    header = [str(h).strip().lower() if h is not None else "" for h in (rows[0] if rows else [])]
    missing = [name for name, f in model.model_fields.items() if f.is_required() and name not in header]
    if missing:
        raise Invalid.field("file", f"缺少列：{'、'.join(missing)}（{department.label}名单）")
    typed, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = {h: _cell(v) for h, v in zip(header, row, strict=False) if h in model.model_fields}
        if all(v is None for v in cells.values()):
            continue
        try:
            typed.append(model.model_validate({k: v for k, v in cells.items() if v is not None}))
        except ValidationError as exc:
            problems += [
                FieldProblem(field=f"rows.{number}.{'.'.join(map(str, e['loc']))}", reason=e["msg"])
                for e in exc.errors()
            ]
    if problems:
        raise Invalid(f"{len(problems)} 个单元格有误，名单未导入", errors=problems[:200])
    if not typed:
        raise Invalid.field("file", "名单中没有数据行")
    return typed


async def _households_by_person(
    registry: RegistryClient, principal: Principal, rows: Iterable[ListRow]
) -> dict[tuple[str, str], RegistryHousehold]:
    """The caller's households that hold the rows' members, keyed as `discovery.person_key` (bulk lookup)."""
    people = {}
    numbers = [r.id_number for r in rows]
    for household in await registry.lookup(token=principal.token, id_numbers=numbers):
        for member in household.members:
            if member.matched:
                people[discovery.person_key(member.id_masked, member.birth_date)] = household
    return people


async def _open_case_households(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    statement = select(MonitoringCase.active_household_id).where(
        col(MonitoringCase.active_household_id).in_(ids)
    )
    return {i for i in await session.exec(statement) if i is not None}


async def compare_list(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    department: DepartmentList,
    year: int,
    content: bytes,
    filename: str,
    now: datetime,
) -> DepartmentListResult:
    """Match a department's list to members, keep its findings, raise alerts where no case is open, and
    send the members' flags the 医保 and 民政 lists state to the registry through the outbox."""
    rows = read_list(department, content, filename)
    people = await _households_by_person(registry, principal, rows)
    limits = await thresholds_for(session, year=year)
    upload = DepartmentUpload(
        department=department,
        year=year,
        filename=filename[:200],
        rows=len(rows),
        matched=0,
        region_code=principal.region,
        uploaded_by=principal.subject,
        uploaded_at=now,
    )
    session.add(upload)
    await session.flush()
    unmatched, found, flags = [], [], []
    for number, row in enumerate(rows, start=2):
        masked = mask_id_number(row.id_number)
        household = people.get(discovery.person_key(masked, parse_id_number(row.id_number).birth_date))
        if household is None:
            unmatched.append(UnmatchedRow(row=number, id_masked=masked, reason=NOT_IN_REGISTRY))
            continue
        values = row.model_dump()
        if stated := assistance_rules.row_flags(department, values):
            flags.append({"id_number": row.id_number, "flags": stated})
        found += [
            (household, masked, finding, values.get("out_of_pocket_fen"))
            for finding in assistance_rules.row_findings(department, values, limits)
        ]
    upload.matched = len(rows) - len(unmatched)
    with_case = await _open_case_households(session, [h.id for h, _, _, _ in found])
    alerts = await discovery.raise_alerts(
        session,
        principal=principal,
        findings=[(h, f, amount) for h, _, f, amount in found if h.id not in with_case],
        origin=department,
        year=year,
        now=now,
    )
    alert_of = {(a.household_id, a.kind): a.id for a in alerts}
    findings = [
        DepartmentFinding(
            upload_id=upload.id,
            household_id=h.id,
            region_code=h.region_code,
            household_number=h.number,
            member_id_masked=masked,
            department=department,
            year=year,
            kind=f.kind,
            reason=f.reason,
            amount_fen=amount,
            alert_id=alert_of.get((h.id, f.kind)),
            found_at=now,
        )
        for h, masked, f, amount in found
    ]
    session.add_all(findings)
    session.add(upload)
    await session.flush()
    if flags:  # the 医保 and 民政 lists also set the members' flags they state, in the registry
        await enqueue(
            session,
            outbox,
            topic=deliveries.MEMBER_FLAGS,
            payload={"source": f"{department.label}{year}年名单", "items": flags},
            idempotency_key=deliveries.member_flags_key(upload.id),
        )
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=principal.region,
        action="department_list.compare",
        entity="department_upload",
        entity_id=str(upload.id),
        after={"department": department, "year": year, "rows": len(rows), "findings": len(findings)},
    )
    return DepartmentListResult(
        id=upload.id,
        department=department,
        year=year,
        rows=len(rows),
        matched=upload.matched,
        unmatched=unmatched,
        findings=[finding_public(f) for f in findings],
    )
