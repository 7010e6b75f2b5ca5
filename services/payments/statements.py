"""Reconciliation by bank statement: a statement file (CSV, or the bank's MT940) read into entries, each
applied to its line of the batch as a callback would be — moved forward, or recorded as a bank discrepancy
when it contradicts the line or its amount — so a bank that does not call back can still be reconciled."""

import csv
import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

import mt940
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments import bank, batches, discrepancies
from services.payments.models import BankDiscrepancy, Batch, Line, audit_log
from services.payments.schemas import BankCallbackIn, StatementResult, StatementRow
from shared import audit
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.money import format_yuan
from shared.scope import scoped
from shared.vocabulary.payments import BatchStatus, LineStatus

CSV_COLUMNS = ("instruction_id", "status", "amount_fen", "bank_reference", "reason")
REPORTED = ("paid", "failed", "returned")
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# MT940 :61: debit/credit marks: the money left (paid), or came back (a credit, or a debit reversed).
MT940_STATUS = {"D": "paid", "C": "returned", "RD": "returned"}
MT940_RETURNED = "银行对账单：款项退回"


@dataclass(frozen=True)
class Entry:
    """One statement entry: what the bank says happened to one instruction."""

    row: int
    instruction_id: uuid.UUID | None
    status: str | None
    amount_fen: int
    bank_reference: str
    reason: str | None


def _text(raw: bytes) -> str:
    """A statement's text: UTF-8 (a BOM allowed), else GB18030 as Chinese banks' exports often are."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise Invalid.field("file", "对账单编码无法识别（应为 UTF-8 或 GB18030）") from None


def is_mt940(text: str) -> bool:
    """MT940 opens with its transaction reference (:20:) or a SWIFT header block ({1:)."""
    head = text.lstrip()
    return head.startswith((":20:", "{1:"))


def read_csv(text: str) -> list[Entry]:
    """CSV entries with the columns `instruction_id, status, amount_fen, bank_reference, reason`; a bad cell
    refuses the whole file (422 naming `file` and the row)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid.field("file", f"对账单缺少列：{', '.join(missing)}")
    entries = []
    for n, record in enumerate(reader, start=1):
        cells = {c: (record.get(c) or "").strip() for c in CSV_COLUMNS}
        try:
            instruction_id = uuid.UUID(cells["instruction_id"])
        except ValueError:
            raise Invalid.field("file", f"第 {n} 行：instruction_id 不是支付指令编号") from None
        if cells["status"] not in REPORTED:
            raise Invalid.field("file", f"第 {n} 行：status 应为 paid、failed 或 returned")
        if not cells["amount_fen"].isdigit():
            raise Invalid.field("file", f"第 {n} 行：amount_fen 应为非负整数（分）")
        if not 1 <= len(cells["bank_reference"]) <= 64:
            raise Invalid.field("file", f"第 {n} 行：bank_reference 应为 1–64 个字符")
        entries.append(
            Entry(
                row=n,
                instruction_id=instruction_id,
                status=cells["status"],
                amount_fen=int(cells["amount_fen"]),
                bank_reference=cells["bank_reference"],
                reason=cells["reason"][:200] or None,
            )
        )
    return entries


def read_mt940(text: str) -> list[Entry]:
    """MT940 entries (read with the `mt-940` library): the instruction id in the entry's :86: narrative, the
    bank's reference after `//` in :61: (else its customer reference), debits paid, credits returned."""
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(text)
    except Exception:  # the library raises its own and builtin errors alike on a malformed file
        raise Invalid.field("file", "MT940 对账单格式无法解析") from None
    entries = []
    for n, transaction in enumerate(transactions, start=1):
        data = transaction.data
        narrative = "".join(str(data.get("transaction_details") or "").split())
        found = UUID_PATTERN.search(narrative)
        fen = abs(Decimal(data["amount"].amount)) * 100
        if fen != fen.to_integral_value():
            raise Invalid.field("file", f"第 {n} 笔：金额不是整分")
        reference = str(data.get("bank_reference") or data.get("customer_reference") or "")
        status = MT940_STATUS.get(str(data.get("status")))
        entries.append(
            Entry(
                row=n,
                instruction_id=uuid.UUID(found.group()) if found else None,
                status=status,
                amount_fen=int(fen),
                bank_reference=(reference.strip() or f"MT940-{n}")[:64],
                reason=MT940_RETURNED if status == "returned" else None,
            )
        )
    return entries


def read_statement(raw: bytes) -> tuple[str, list[Entry]]:
    """The statement's format and entries; 422 naming `file` when it is neither, or empty."""
    text = _text(raw)
    fmt, entries = ("mt940", read_mt940(text)) if is_mt940(text) else ("csv", read_csv(text))
    if not entries:
        raise Invalid.field("file", "对账单中没有交易记录")
    return fmt, entries


def entry_problem(entry: Entry, line: Line | None) -> str | None:
    """Why an entry cannot be applied to a line at all, in Chinese; None when it may be."""
    if entry.instruction_id is None:
        return "对账记录中没有支付指令编号"
    if line is None:
        return "不是本批次（或不在您辖区内）的支付指令"
    if entry.status is None:
        return "无法识别的借贷标记"
    return None


async def reconcile(
    session: AsyncSession, *, principal: Principal, batch: Batch, raw: bytes
) -> StatementResult:
    """Apply a statement to a disbursing or completed batch, entry by entry; an amount that differs from the
    instruction's, or an outcome that contradicts a final line, becomes a bank discrepancy (not applied).
    The same file again changes nothing."""
    if batch.status not in (BatchStatus.disbursing, BatchStatus.completed):
        raise Conflict("只有已发放（发放中或已完毕）的批次可以导入银行对账单")
    fmt, entries = read_statement(raw)
    digest = hashlib.sha256(raw).hexdigest()[:32]
    ids = [e.instruction_id for e in entries if e.instruction_id is not None]
    lines = {
        line.id: line
        for line in (
            await session.exec(
                scoped(select(Line), Line.region_code, principal).where(
                    Line.batch_id == batch.id, col(Line.id).in_(ids)
                )
            )
        ).all()
    }
    report_ids = [f"statement:{digest}:{e.row}" for e in entries]
    seen = set(
        (
            await session.exec(
                select(BankDiscrepancy.webhook_id).where(col(BankDiscrepancy.webhook_id).in_(report_ids))
            )
        ).all()
    )
    rows = []
    for entry, report_id in zip(entries, report_ids, strict=True):
        line = lines.get(entry.instruction_id) if entry.instruction_id else None
        problem = entry_problem(entry, line)
        applied, discrepancy_id = False, None
        if problem is None and report_id in seen:
            problem = "该记录已随同一对账单导入过"
        elif problem is None:
            assert line is not None and entry.status is not None and entry.instruction_id is not None
            await session.refresh(line, with_for_update=True)
            mismatch = amount_problem(entry.amount_fen, line.amount_fen)
            report = BankCallbackIn(
                instruction_id=entry.instruction_id,
                status=entry.status,  # type: ignore[arg-type]
                bank_reference=entry.bank_reference,
                reason=mismatch or entry.reason,
            )
            if mismatch:
                discrepancy = await bank.record_discrepancy(session, principal, line, report, report_id)
            else:
                applied, discrepancy = await bank.apply_report(
                    session, principal, line, batch, report, report_id=report_id
                )
            if discrepancy is not None:
                discrepancy_id = discrepancy.id
                problem = mismatch or "与该明细已有的结果相反，已登记为银行差异"
        rows.append(
            StatementRow(
                row=entry.row,
                instruction_id=entry.instruction_id,
                reported=LineStatus(entry.status) if entry.status else None,
                amount_fen=entry.amount_fen,
                bank_reference=entry.bank_reference,
                applied=applied,
                line_status=LineStatus(line.status) if line else None,
                discrepancy_id=discrepancy_id,
                problem=problem,
            )
        )
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=batch.region_code,
        action="batch.statement",
        entity="batch",
        entity_id=str(batch.id),
        after={
            "format": fmt,
            "sha256": digest,
            "entries": len(rows),
            "applied": sum(r.applied for r in rows),
        },
    )
    await session.refresh(batch)
    sums = await batches.reconciliation(session, principal=principal, batch=batch)
    sums.discrepancies = await discrepancies.open_count(session, principal=principal, batch_id=batch.id)
    return StatementResult(batch_id=batch.id, format=fmt, rows=rows, reconciliation=sums)  # type: ignore[arg-type]


def amount_problem(reported_fen: int, instructed_fen: int) -> str | None:
    """Why a statement's amount is not the instruction's, in yuan; None when they agree to the fen."""
    if reported_fen == instructed_fen:
        return None
    return f"对账单金额 {format_yuan(reported_fen)} 元与支付指令金额 {format_yuan(instructed_fen)} 元不符"
