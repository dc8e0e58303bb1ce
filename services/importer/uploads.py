"""The import use cases the bot and the CLI share: stage an upload for confirmation, confirm or
cancel it, or import a file at once. Each returns an outcome with a `kind` the caller words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from models.tasks import PendingStatus
from services import pending as pending_store
from services import tasklist as tl
from services.hq import latest_plan_year, resolve_hq
from services.importer.offload import run_parser
from services.importer.plan_year import PlanYear, choose_plan_year
from services.importer.preview import ImportPreview
from services.importer.upload import Parsed, as_task_list, parse_upload, parsed_from_scan
from services.importer.write import ImportPlan, plan_import, write_plan


class StageKind(StrEnum):
    """What became of an uploaded file."""

    preview = "preview"  # something to confirm: stored under `token`
    noop = "noop"  # identical to the database; nothing to confirm
    problems = "problems"  # the file has problems; nothing stored
    ambiguous_hq = "ambiguous_hq"  # several headquarters and none named


@dataclass
class StagedUpload:
    """The outcome of `stage_upload`."""

    kind: StageKind
    filename: str
    preview: ImportPreview | None = None
    plan_year: PlanYear | None = None  # None for an 附件1 on its own
    token: str | None = None
    candidates: list[str] = field(default_factory=list)  # the headquarters, when ambiguous

    @property
    def is_structure(self) -> bool:
        """An 附件1 upload (working groups and leaders), with its own preview."""
        return self.preview is not None and self.preview.is_structure

    @property
    def problems(self) -> list[tl.Problem]:
        """Every problem of the file (empty unless `kind` is problems)."""
        return self.preview.problems if self.preview else []


class DecisionKind(StrEnum):
    """What pressing 确认导入 / 取消 did."""

    applied = "applied"
    cancelled = "cancelled"
    stale = "stale"  # another import changed the data since the preview: nothing done
    expired = "expired"  # older than the confirm window: nothing done
    unknown = "unknown"  # no such upload, or another admin's
    already = "already"  # decided before (see `status`)


@dataclass
class UploadDecision:
    """The outcome of `decide_upload`."""

    kind: DecisionKind
    filename: str = ""
    preview: ImportPreview | None = None  # applied: what changed; stale: what it would do now
    status: PendingStatus | None = None  # already: how it was decided


class RunKind(StrEnum):
    """What `import_file` did."""

    applied = "applied"
    previewed = "previewed"  # a dry run with changes
    noop = "noop"
    problems = "problems"
    ambiguous_hq = "ambiguous_hq"


@dataclass
class ImportRun:
    """The outcome of `import_file` (the command line)."""

    kind: RunKind
    preview: ImportPreview | None = None
    plan_year: PlanYear | None = None
    candidates: list[str] = field(default_factory=list)


@dataclass
class _Prepared:
    """A parsed upload, the headquarters it goes to and the year it was read in."""

    parsed: Parsed
    plan_year: PlanYear | None
    hq_name: str
    rename_to: str | None


def _read(
    data: bytes,
    filename: str,
    *,
    caption: str | None,
    given: int | None,
    latest: int | None,
    now: datetime,
) -> tuple[Parsed, PlanYear | None, str | None]:
    """Parse a file once, in the plan year it implies (runs in a worker thread)."""
    scanned = tl.scan_file(data, filename)
    hints = scanned.hints
    if scanned.is_structure:
        return scanned.structure(), None, hints.title
    year = choose_plan_year(
        given=given, caption=caption, filename=filename, hints=hints, latest=latest, now=now
    )
    return parsed_from_scan(scanned, year.year), year, hints.title


async def _prepare(
    session: AsyncSession,
    *,
    hq_name: str | None,
    filename: str,
    data: bytes,
    caption: str | None,
    given: int | None,
    default_hq_name: str,
    now: datetime,
) -> _Prepared | list[str]:
    """Resolve the headquarters and parse the file; the candidates when several exist."""
    choice = await resolve_hq(session, hq_name)
    if choice.ambiguous:
        return choice.candidates
    hq = choice.hq
    current = hq.name if hq else None
    latest = await latest_plan_year(session, hq.id) if hq and hq.id else None
    await session.rollback()  # no transaction stays open while the file is parsed
    parsed, year, title = await run_parser(
        len(data), _read, data, filename, caption=caption, given=given, latest=latest, now=now
    )
    named = tl.hq_name_from_title(title)
    rename_to = None
    if current is not None:
        target = current
        if hq_name is None and current == default_hq_name and named and named != current:
            rename_to = named  # the HQ still has the placeholder name: the file names it
    else:
        target = hq_name or named or default_hq_name
    return _Prepared(parsed, year, target, rename_to)


async def stage_upload(
    session: AsyncSession,
    *,
    hq_name: str | None,
    uploaded_by: int,
    filename: str,
    data: bytes,
    caption: str | None,
    default_hq_name: str,
    now: datetime,
) -> StagedUpload:
    """Parse and preview an upload; store it for 确认导入 when there is something to confirm.

    The plan year comes from the caption, the file name, the title, the periods, the HQ's
    latest plan year, then `now` (see `choose_plan_year`). With no headquarters yet, the new
    one is named after the file's title (else `default_hq_name`); one still named
    `default_hq_name` is renamed after it by the import (shown in the preview).
    """
    prepared = await _prepare(
        session,
        hq_name=hq_name,
        filename=filename,
        data=data,
        caption=caption,
        given=None,
        default_hq_name=default_hq_name,
        now=now,
    )
    if isinstance(prepared, list):
        return StagedUpload(StageKind.ambiguous_hq, filename, candidates=prepared)
    parsed = as_task_list(prepared.parsed)
    plan = await plan_import(session, prepared.hq_name, parsed, rename_to=prepared.rename_to)
    await session.rollback()
    staged = StagedUpload(StageKind.problems, filename, plan.preview, prepared.plan_year)
    if not plan.preview.ok:
        return staged
    if plan.preview.is_noop:
        staged.kind = StageKind.noop
        return staged
    stored = await pending_store.create_pending(
        session,
        uploaded_by=uploaded_by,
        hq_name=prepared.hq_name,
        plan_year=parsed.plan_year,
        filename=filename,
        data=data,
        now=now,
        fingerprint=plan.fingerprint,
        rename_hq_to=plan.rename_to,
    )
    staged.kind, staged.token = StageKind.preview, stored.token
    return staged


async def decide_upload(
    session: AsyncSession, *, token: str, user_id: int, confirm: bool, now: datetime
) -> UploadDecision:
    """确认导入 (`confirm`) applies a stored upload, 取消 drops it; only its uploader decides.

    The import and marking the upload applied are one transaction. A preview holds only for the
    data it was computed on: when another import changed that since, nothing is done (stale).
    """
    stored = await pending_store.get_pending(session, token)
    if stored is None or stored.uploaded_by != user_id or stored.id is None:
        return UploadDecision(DecisionKind.unknown)
    filename = stored.filename
    if stored.status != PendingStatus.pending:
        return UploadDecision(DecisionKind.already, filename, status=PendingStatus(stored.status))
    expired = pending_store.is_expired(stored, now)
    if expired or not confirm:
        status = PendingStatus.expired if expired else PendingStatus.cancelled
        if not await pending_store.claim(session, stored.id, status, now):
            await session.rollback()
            return await _already(session, token, filename)
        await session.commit()
        kind = DecisionKind.expired if status == PendingStatus.expired else DecisionKind.cancelled
        return UploadDecision(kind, filename)
    pending_id, hq_name, plan_year = stored.id, stored.hq_name, stored.plan_year
    data, fingerprint, rename_to = stored.data, stored.fingerprint, stored.rename_hq_to
    await session.rollback()  # no transaction stays open while the file is parsed
    parsed = await run_parser(len(data), parse_upload, data, filename, plan_year)
    if not await pending_store.claim(session, pending_id, PendingStatus.applied, now):
        await session.rollback()
        return await _already(session, token, filename)
    plan = await plan_import(session, hq_name, as_task_list(parsed), lock=True, rename_to=rename_to)
    if plan.fingerprint != fingerprint or not plan.preview.ok:
        await session.rollback()  # the claim too: the upload stays as it was
        return UploadDecision(DecisionKind.stale, filename, plan.preview)
    await write_plan(session, plan, now=now)
    await session.commit()
    return UploadDecision(DecisionKind.applied, filename, plan.preview)


async def _already(session: AsyncSession, token: str, filename: str) -> UploadDecision:
    """Someone decided the upload meanwhile (e.g. a double press)."""
    stored = await pending_store.get_pending(session, token)
    status = PendingStatus(stored.status) if stored else None
    return UploadDecision(DecisionKind.already, filename, status=status)


async def import_file(
    session: AsyncSession,
    *,
    hq_name: str | None,
    filename: str,
    data: bytes,
    year: int | None,
    default_hq_name: str,
    now: datetime,
    dry_run: bool = False,
) -> ImportRun:
    """Import a file at once (the command line): as `stage_upload` decides, then apply."""
    prepared = await _prepare(
        session,
        hq_name=hq_name,
        filename=filename,
        data=data,
        caption=None,
        given=year,
        default_hq_name=default_hq_name,
        now=now,
    )
    if isinstance(prepared, list):
        return ImportRun(RunKind.ambiguous_hq, candidates=prepared)
    parsed = as_task_list(prepared.parsed)
    plan: ImportPlan = await plan_import(
        session, prepared.hq_name, parsed, lock=not dry_run, rename_to=prepared.rename_to
    )
    run = ImportRun(RunKind.problems, plan.preview, prepared.plan_year)
    if not plan.preview.ok:
        await session.rollback()
    elif plan.preview.is_noop and plan.snap.hq is not None:
        await session.rollback()
        run.kind = RunKind.noop
    elif dry_run:
        await session.rollback()
        run.kind = RunKind.previewed
    else:
        await write_plan(session, plan, now=now)
        await session.commit()
        run.kind = RunKind.applied
    return run
