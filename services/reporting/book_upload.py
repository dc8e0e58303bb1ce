"""A filled 填报表 sent back: read and check it, keep it for 确认, then save every report at once.

The preview is the confirmation: 确认 re-reads the stored file, re-checks every row against the
presser's tasks as they are now, and saves only when that gives exactly what the preview showed
(`BookCheck.fingerprint`); all the reports and the file's decision are one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.book import PendingBook
from models.people import Person
from models.reporting import Cycle, CycleStatus, ReportDraft
from models.tasks import PendingStatus
from services.importer.offload import run_parser
from services.reporting.book_check import BookCheck, RowSave, check_book
from services.reporting.book_sheet import RawBook, ReadKind, parse_row_key, read_book
from services.reporting.cycles import open_cycle_of
from services.reporting.reports import (
    ItemState,
    answers_of,
    evidence_of,
    items_for,
    submit_report,
)

PENDING_TTL = timedelta(hours=24)
VIA = "excel"


class StageKind(StrEnum):
    """What became of an uploaded 填报表."""

    preview = "preview"  # checked: stored under `token` for 确认
    problems = "problems"  # some rows are wrong: nothing stored
    nothing = "nothing"  # no row filled in, or every row as already submitted
    unreadable = "unreadable"  # not an .xlsx that can be opened (`code` says why)
    not_a_book = "not_a_book"  # a spreadsheet without a 填报表 in it
    no_cycle = "no_cycle"  # no month is open
    closed = "closed"  # the file's month is closed
    wrong_month = "wrong_month"  # the file is another month's (`file_ym`)
    wrong_hq = "wrong_hq"  # the file is another headquarters'


@dataclass
class StagedBook:
    """The outcome of `stage_book`."""

    kind: StageKind
    filename: str
    cycle: Cycle | None = None
    check: BookCheck | None = None
    token: str | None = None
    code: str | None = None
    file_ym: int | None = None


class DecisionKind(StrEnum):
    """What pressing 确认 / 取消 under a 填报表 preview did."""

    saved = "saved"
    cancelled = "cancelled"
    unknown = "unknown"  # no such upload, or not the presser's
    already = "already"  # decided before (`status`)
    expired = "expired"  # older than the confirm window: nothing saved
    closed = "closed"  # the month closed meanwhile: nothing saved
    stale = "stale"  # the tasks or reports changed since the preview: nothing saved


@dataclass
class BookDecision:
    """The outcome of `decide_book`."""

    kind: DecisionKind
    filename: str = ""
    cycle: Cycle | None = None
    saved: list[RowSave] = field(default_factory=list)
    remaining: int = 0  # this month's tasks of the filler still not reported
    status: PendingStatus | None = None


def _file_cycle(raw: RawBook) -> int | None:
    """The cycle the file was made for: its marker, else its first row key."""
    if raw.cycle_id is not None:
        return raw.cycle_id
    for row in raw.rows:
        key = parse_row_key(row.key)
        if key is not None:
            return key[0]
    return None


async def _cycle_for(
    session: AsyncSession, raw: RawBook, hq_id: int, filename: str
) -> Cycle | StagedBook:
    """The open cycle the file may fill, or why the file cannot be taken."""
    if raw.hq_id is not None and raw.hq_id != hq_id:
        return StagedBook(StageKind.wrong_hq, filename)
    current = await open_cycle_of(session, hq_id)
    wanted = _file_cycle(raw)
    if wanted is not None and (current is None or wanted != current.id):
        made_for = await session.get(Cycle, wanted)
        if made_for is None or made_for.hq_id != hq_id:
            return StagedBook(StageKind.wrong_hq if made_for else StageKind.wrong_month, filename,
                              cycle=current)  # fmt: skip
        if made_for.status != CycleStatus.open:
            return StagedBook(StageKind.closed, filename, cycle=current, file_ym=made_for.ym)
    if current is None:
        return StagedBook(StageKind.no_cycle, filename)
    return current


async def _read_and_check(
    session: AsyncSession,
    data: bytes,
    filename: str,
    *,
    hq_id: int,
    person_ids: list[int],
    now: datetime,
) -> StagedBook:
    """Read the file and check it; no transaction stays open while the file is parsed."""
    await session.commit()  # nothing is pending: this ends the read without expiring objects
    raw = await run_parser(len(data), read_book, data, filename)
    if raw.kind is ReadKind.unreadable:
        return StagedBook(StageKind.unreadable, filename, code=raw.code)
    if raw.kind is ReadKind.not_a_book:
        return StagedBook(StageKind.not_a_book, filename)
    cycle = await _cycle_for(session, raw, hq_id, filename)
    if isinstance(cycle, StagedBook):
        return cycle
    check = await check_book(session, raw, cycle=cycle, person_ids=person_ids, now=now)
    if not check.ok:
        return StagedBook(StageKind.problems, filename, cycle, check)
    if not check.saves:
        return StagedBook(StageKind.nothing, filename, cycle, check)
    return StagedBook(StageKind.preview, filename, cycle, check)


async def stage_book(
    session: AsyncSession, *, data: bytes, filename: str, hq_id: int, filler: Person,
    principal_ids: list[int], uploaded_by: int, now: datetime,
) -> StagedBook:  # fmt: skip
    """Read and check an uploaded 填报表; keep it for 确认 when every row is right; commit."""
    filler_id = filler.id
    assert filler_id is not None
    staged = await _read_and_check(session, data, filename, hq_id=hq_id,
                                   person_ids=[filler_id, *principal_ids], now=now)  # fmt: skip
    if staged.kind is not StageKind.preview or staged.check is None or staged.cycle is None:
        return staged
    assert staged.cycle.id is not None
    pending = PendingBook(
        token=secrets.token_urlsafe(12), uploaded_by=uploaded_by, filler_id=filler_id,
        cycle_id=staged.cycle.id, filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(), data=data,
        fingerprint=staged.check.fingerprint, created_at=now,
    )  # fmt: skip
    session.add(pending)
    await session.commit()
    staged.token = pending.token
    return staged


async def _claim(
    session: AsyncSession, pending_id: int, status: PendingStatus, now: datetime
) -> bool:
    """Mark a still-pending upload decided, in the caller's transaction; False if it was not."""
    result = await session.exec(
        update(PendingBook)
        .where(col(PendingBook.id) == pending_id, col(PendingBook.status) == PendingStatus.pending)
        .values(status=status, decided_at=now, data=b"")
    )
    return bool(result.rowcount)


async def _already(session: AsyncSession, token: str, filename: str) -> BookDecision:
    stored = (await session.exec(select(PendingBook).where(PendingBook.token == token))).first()
    status = PendingStatus(stored.status) if stored is not None else None
    return BookDecision(DecisionKind.already, filename, status=status)


async def _save(session: AsyncSession, cycle: Cycle, filler_id: int, save: RowSave,
                now: datetime) -> None:  # fmt: skip
    """One row as the next revision of its report; the chat draft of that report is dropped."""
    assert cycle.id is not None
    item, answers = save.item, save.answers
    if item.report is not None and item.report.id is not None:  # the files stay with the report
        files = await evidence_of(session, item.report.id)
        answers.evidence = answers_of(item.report, files).evidence
    else:  # files already sent in the chat for this report go with it
        draft = (await session.exec(select(ReportDraft).where(
            ReportDraft.cycle_id == cycle.id, ReportDraft.stage_id == item.due.stage_id,
            ReportDraft.person_id == item.due.person_id))).first()  # fmt: skip
        answers.evidence = list(draft.answers.get("evidence") or []) if draft else []
    await submit_report(session, cycle=cycle, stage_id=item.due.stage_id,
                        person_id=item.due.person_id, filler_id=filler_id, answers=answers,
                        via=VIA, now=now, commit=False)  # fmt: skip
    await session.exec(delete(ReportDraft).where(
        col(ReportDraft.cycle_id) == cycle.id, col(ReportDraft.stage_id) == item.due.stage_id,
        col(ReportDraft.person_id) == item.due.person_id))  # fmt: skip


async def decide_book(
    session: AsyncSession, *, token: str, user_id: int, filler: Person | None,
    principal_ids: list[int], confirm: bool, now: datetime,
) -> BookDecision:  # fmt: skip
    """确认 saves every report of a previewed 填报表 in one transaction; 取消 drops it.

    Only the uploader decides; nothing is saved when the upload was decided before, is older
    than a day, its month closed, or the rows would not save exactly what the preview showed.
    """
    stored = (await session.exec(select(PendingBook).where(PendingBook.token == token))).first()
    filler_id = filler.id if filler is not None else None
    if (stored is None or stored.id is None or stored.uploaded_by != user_id
            or filler_id is None or stored.filler_id != filler_id):  # fmt: skip
        return BookDecision(DecisionKind.unknown)
    filename = stored.filename
    if stored.status != PendingStatus.pending:
        return BookDecision(DecisionKind.already, filename, status=PendingStatus(stored.status))
    expired = now - stored.created_at > PENDING_TTL
    if expired or not confirm:
        status = PendingStatus.expired if expired else PendingStatus.cancelled
        if not await _claim(session, stored.id, status, now):
            await session.rollback()
            return await _already(session, token, filename)
        await session.commit()
        kind = DecisionKind.expired if expired else DecisionKind.cancelled
        return BookDecision(kind, filename)
    cycle = await session.get(Cycle, stored.cycle_id)
    if cycle is None or cycle.status != CycleStatus.open:
        return BookDecision(DecisionKind.closed, filename, cycle)
    pending_id, data, fingerprint = stored.id, stored.data, stored.fingerprint
    cycle_id, hq_id = stored.cycle_id, cycle.hq_id
    person_ids = [filler_id, *principal_ids]
    staged = await _read_and_check(session, data, filename, hq_id=hq_id, person_ids=person_ids,
                                   now=now)  # fmt: skip
    check = staged.check
    if staged.kind is StageKind.closed:
        return BookDecision(DecisionKind.closed, filename, staged.cycle)
    if (staged.kind is not StageKind.preview or check is None or staged.cycle is None
            or staged.cycle.id != cycle_id or check.fingerprint != fingerprint):  # fmt: skip
        return BookDecision(DecisionKind.stale, filename, staged.cycle)
    if not await _claim(session, pending_id, PendingStatus.applied, now):
        await session.rollback()
        return await _already(session, token, filename)
    locked = (await session.exec(
        select(Cycle).where(Cycle.id == cycle_id).with_for_update()
        .execution_options(populate_existing=True))).one()  # fmt: skip
    if locked.status != CycleStatus.open:  # closed while the file was being read
        await session.rollback()
        return BookDecision(DecisionKind.closed, filename)
    for save in check.saves:
        await _save(session, locked, filler_id, save, now)
    await session.commit()
    items = await items_for(session, locked, person_ids)
    remaining = sum(1 for i in items if i.state in (ItemState.todo, ItemState.draft))
    return BookDecision(DecisionKind.saved, filename, locked, check.saves, remaining)
