"""Posting a month's digest: to the HQ group (text, chart, Excel), each group's part to its
leaders, and after a quarter's third month the quarter review — through the outbox, once.

The digest is built and drawn before anything is written; the outbox rows and the posting's
`cycle_run` row are then one transaction, so a second tick or process posts nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from bot.digest_files import DigestFiles, group_parts, month_files, quarter_files
from bot.languages import languages_for, renderer_of
from models.outbox import OutboxKind, OutboxMedia
from models.reporting import Cycle
from models.tables import Headquarters
from services import outbox
from services.digest.data import build_digest, build_quarter
from services.digest.model import Digest
from services.digest.runs import AT_CLOSE, next_posting, postings, record_posting
from services.reporting.runs import group_leads
from services.schedule import after_quiet_hours
from services.schedule_settings import Rules

log = logging.getLogger(__name__)

QUARTER_ENDS = (3, 6, 9, 12)


class PostKind(StrEnum):
    """What posting a digest did."""

    posted = "posted"
    no_group = "no_group"  # no HQ group set: /sethq first (the leaders still got their parts)
    already = "already"  # this posting was done before (another tick or process)
    nothing = "nothing"  # no such month


@dataclass(frozen=True)
class Posting:
    """A digest posting's outcome: what was queued and to how many leaders."""

    kind: PostKind
    digest: Digest | None = None
    n: int = 0
    leaders: int = 0
    quarter: bool = False


async def _queue_files(
    session: AsyncSession, files: DigestFiles, *, key: str, chat_id: int, hq_id: int,
    now: datetime, not_before: datetime,
) -> None:  # fmt: skip
    """The text parts, then the chart as a photo, then the workbook, in this order."""
    for index, part in enumerate(files.parts, start=1):
        await outbox.enqueue(session, key=f"{key}:text#{index}", kind=OutboxKind.digest,
                             chat_id=chat_id, text=part, now=now, not_before=not_before,
                             hq_id=hq_id)  # fmt: skip
    await outbox.enqueue(session, key=f"{key}:chart", kind=OutboxKind.digest, chat_id=chat_id,
                         text=files.chart_caption, now=now, not_before=not_before, hq_id=hq_id,
                         document=files.chart, filename=files.chart_name,
                         media=OutboxMedia.photo)  # fmt: skip
    await outbox.enqueue(session, key=f"{key}:book", kind=OutboxKind.digest, chat_id=chat_id,
                         text=files.book_caption, now=now, not_before=not_before, hq_id=hq_id,
                         document=files.book, filename=files.book_name)  # fmt: skip


async def _queue_leaders(
    deps: Deps, session: AsyncSession, digest: Digest, *, key: str, now: datetime,
    not_before: datetime,
) -> int:  # fmt: skip
    """Each working group's part to each of its bound leaders; how many were queued."""
    names = [g.name for g in digest.groups]
    leads = await group_leads(session, digest.hq_id)
    chats = [lead.person.telegram_user_id for lead in leads]
    languages = await languages_for(deps, session, [c for c in chats if c is not None])
    queued = 0
    for lead in leads:
        if lead.group not in names or lead.person.telegram_user_id is None:
            continue
        renderer = deps.renderers.for_language(languages[lead.person.telegram_user_id])
        parts = group_parts(renderer, digest, lead.group)
        for index, part in enumerate(parts, start=1):
            await outbox.enqueue(
                session, key=f"{key}:lead:{names.index(lead.group)}:{lead.person.id}#{index}",
                kind=OutboxKind.digest, chat_id=lead.person.telegram_user_id, text=part,
                now=now, not_before=not_before, hq_id=digest.hq_id, person_id=lead.person.id,
            )  # fmt: skip
        queued += 1
    return queued


async def post_digest(
    deps: Deps, session: AsyncSession, cycle: Cycle, now: datetime, rules: Rules, *,
    n: int | None = None, by: int | None = None,
) -> Posting:  # fmt: skip
    """Queue the month's digest for the HQ group and the leaders; record the posting; commit.

    `n` None: an admin's posting (the next number); `AT_CLOSE`: the one at the close. Leaders
    get their group's part with the first posting of the month only.
    """
    assert cycle.id is not None
    done = await postings(session, cycle.id)
    n = await next_posting(session, cycle.id) if n is None else n
    if n in done:
        return Posting(PostKind.already, n=n)
    tolerance = deps.settings.digest.tolerance
    digest = await build_digest(session, hq_id=cycle.hq_id, ym=cycle.ym, tolerance=tolerance)
    if digest is None:
        return Posting(PostKind.nothing, n=n)
    hq = await session.get(Headquarters, cycle.hq_id)
    chat_id = hq.hq_chat_id if hq is not None else None
    not_before = after_quiet_hours(now, rules, tz=deps.clock.tz)
    key = f"digest:{cycle.id}:{n}"
    quarter = None
    if chat_id is not None:
        renderer = await renderer_of(deps, session, chat_id)
        files = await month_files(renderer, digest, deps.clock.tz)
        if cycle.ym % 100 in QUARTER_ENDS:
            year, month = divmod(cycle.ym, 100)
            quarter = await build_quarter(session, hq_id=cycle.hq_id, year=year,
                                          quarter=month // 3, tolerance=tolerance)  # fmt: skip
        extra = await quarter_files(renderer, quarter) if quarter is not None else None
        await _queue_files(session, files, key=key, chat_id=chat_id, hq_id=cycle.hq_id, now=now,
                           not_before=not_before)  # fmt: skip
        if extra is not None:
            await _queue_files(session, extra, key=f"{key}:quarter", chat_id=chat_id,
                               hq_id=cycle.hq_id, now=now, not_before=not_before)  # fmt: skip
    leaders = 0
    if not done:
        leaders = await _queue_leaders(deps, session, digest, key=key, now=now,
                                       not_before=not_before)  # fmt: skip
    record_posting(session, cycle, n, now=now, by=by)
    await session.commit()
    deps.wake_sender()
    log.info("hq %s: digest %s #%s queued (%s leaders)", cycle.hq_id, cycle.ym, n, leaders)
    kind = PostKind.posted if chat_id is not None else PostKind.no_group
    return Posting(kind, digest, n, leaders, quarter is not None)


async def post_at_close(deps: Deps, session: AsyncSession, cycle: Cycle, now: datetime,
                        rules: Rules) -> Posting | None:  # fmt: skip
    """The posting at the close, when `[digest] post` is on."""
    if not deps.settings.digest.post:
        return None
    return await post_digest(deps, session, cycle, now, rules, n=AT_CLOSE)
