"""An uploaded file as a task list or an 附件1; preview and apply either kind."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services import tasklist as tl
from services.importer.preview import ImportPreview
from services.importer.write import plan_import, write_plan

Parsed = tl.TaskList | tl.Structure


def parsed_from_scan(scanned: tl.ScannedFile, plan_year: int) -> Parsed:
    """The scanned file as an 附件1 on its own, or as a task list read in `plan_year`."""
    if scanned.is_structure:
        return scanned.structure()
    return scanned.task_list(plan_year)


def parse_upload(data: bytes, filename: str, plan_year: int) -> Parsed:
    """Parse a file as a task list, or as an 附件1 structure when it has no task-list header."""
    return parsed_from_scan(tl.scan_file(data, filename), plan_year)


def as_task_list(parsed: Parsed) -> tl.TaskList:
    """Either kind as a task list (an 附件1 on its own: no tasks, plan year 0)."""
    if isinstance(parsed, tl.TaskList):
        return parsed
    holder = tl.TaskList(tasks=[], problems=list(parsed.problems), plan_year=0)
    holder.structure = parsed
    holder.title = parsed.title
    return holder


async def preview_import(session: AsyncSession, hq_name: str, parsed: tl.TaskList) -> ImportPreview:
    """What importing `parsed` into headquarters `hq_name` would change; writes nothing."""
    plan = await plan_import(session, hq_name, parsed)
    await session.rollback()
    return plan.preview


async def apply_import(
    session: AsyncSession, hq_name: str, parsed: tl.TaskList, *, now: datetime
) -> ImportPreview:
    """Apply `parsed` in one transaction (nothing when it has problems); returns what changed."""
    plan = await plan_import(session, hq_name, parsed, lock=True)
    if await write_plan(session, plan, now=now):
        await session.commit()
    else:
        await session.rollback()
    return plan.preview


async def preview_upload(session: AsyncSession, hq_name: str, parsed: Parsed) -> ImportPreview:
    """Preview either kind of upload without writing."""
    return await preview_import(session, hq_name, as_task_list(parsed))


async def apply_upload(
    session: AsyncSession, hq_name: str, parsed: Parsed, *, now: datetime
) -> ImportPreview:
    """Apply either kind of upload in one transaction."""
    return await apply_import(session, hq_name, as_task_list(parsed), now=now)


async def apply_structure(
    session: AsyncSession,
    hq_name: str,
    structure: tl.Structure,
    *,
    now: datetime,
    dry_run: bool = False,
) -> ImportPreview:
    """Import an 附件1 on its own: working groups, their leaders and the HQ leaders."""
    if dry_run:
        return await preview_upload(session, hq_name, structure)
    return await apply_upload(session, hq_name, structure, now=now)
