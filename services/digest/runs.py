"""When a month's digest was posted: a `cycle_run` row of kind "digest" per posting, once each.

Posting number 0 is the one at the close (`[digest] post`); an admin's 发布到指挥部群 adds 1, 2…
The row and the digest's outbox messages are one transaction, so a second tick or process fails
at commit and posts nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.reporting import Cycle, CycleStatus
from models.schedule import CycleRun

DIGEST = "digest"
AT_CLOSE = 0
CATCH_UP = timedelta(days=7)


async def postings(session: AsyncSession, cycle_id: int) -> list[int]:
    """The postings of a cycle's digest so far (their numbers, in order)."""
    rows = await session.exec(
        select(CycleRun.n).where(CycleRun.cycle_id == cycle_id, CycleRun.kind == DIGEST)
    )
    return sorted(rows.all())


async def next_posting(session: AsyncSession, cycle_id: int) -> int:
    """The number an admin's next posting of this cycle's digest gets (1, 2, …)."""
    query = select(func.max(CycleRun.n)).where(
        CycleRun.cycle_id == cycle_id, CycleRun.kind == DIGEST
    )
    latest = (await session.exec(query)).first()
    return 1 if latest is None else max(latest, AT_CLOSE) + 1


def record_posting(
    session: AsyncSession, cycle: Cycle, n: int, *, now: datetime, by: int | None
) -> None:
    """Note that the digest was queued for posting (not committed)."""
    assert cycle.id is not None
    session.add(CycleRun(cycle_id=cycle.id, kind=DIGEST, n=n, due_at=now, done_at=now, by=by))


async def unposted_close(session: AsyncSession, hq_id: int, now: datetime) -> Cycle | None:
    """The newest closed month of the headquarters if its digest has not been posted yet.

    Only a month closed in the last `CATCH_UP` (a crash between the close and the posting);
    months closed before digests existed are not posted on an upgrade.
    """
    query = (
        select(Cycle)
        .where(Cycle.hq_id == hq_id, Cycle.status == CycleStatus.closed)
        .order_by(col(Cycle.ym).desc())
        .limit(1)
    )
    cycle = (await session.exec(query)).first()
    if cycle is None or cycle.id is None or await postings(session, cycle.id):
        return None
    if cycle.closed_at is None or cycle.closed_at < now - CATCH_UP:
        return None
    return cycle


async def digest_months(session: AsyncSession, hq_id: int) -> list[Cycle]:
    """The headquarters' months with a cycle, newest first."""
    query = select(Cycle).where(Cycle.hq_id == hq_id).order_by(col(Cycle.ym).desc())
    return list((await session.exec(query)).all())


async def latest_month(session: AsyncSession, hq_id: int) -> Cycle | None:
    """The month /digest shows without a month: the newest closed one, else the open one."""
    cycles = await digest_months(session, hq_id)
    closed = [c for c in cycles if c.status == CycleStatus.closed]
    return closed[0] if closed else (cycles[0] if cycles else None)
