"""The outbox: queue a message with its idempotency key, hand due ones to the sender, record
what Telegram said. Nothing here sends; the sender (bot/sender.py) does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.outbox import OutboxKind, OutboxMedia, OutboxMessage, OutboxStatus, SenderLease
from models.reporting import Ask

ERROR_TEXT = 500  # characters of an error kept on the row


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    kind: OutboxKind,
    chat_id: int,
    text: str,
    now: datetime,
    not_before: datetime | None = None,
    hq_id: int | None = None,
    person_id: int | None = None,
    ref_id: int | None = None,
    markup: dict[str, Any] | None = None,
    document: bytes | None = None,
    filename: str | None = None,
    media: OutboxMedia = OutboxMedia.document,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction (not committed).

    Returns None when a message with this key was queued before: the same message is never
    queued twice. Two transactions racing on one key: the second fails at commit.
    """
    found = await session.exec(select(OutboxMessage.id).where(OutboxMessage.key == key))
    if found.first() is not None:
        return None
    row = OutboxMessage(
        key=key, kind=kind, chat_id=chat_id, text=text, created_at=now,
        not_before=not_before or now, hq_id=hq_id, person_id=person_id, ref_id=ref_id,
        markup=markup, document=document, filename=filename, media=media,
    )  # fmt: skip
    session.add(row)
    return row


async def due_messages(session: AsyncSession, now: datetime, limit: int) -> list[OutboxMessage]:
    """Pending messages whose time has come, oldest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.pending, col(OutboxMessage.not_before) <= now)
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the earliest pending message may go (None: nothing pending)."""
    query = select(func.min(OutboxMessage.not_before)).where(
        OutboxMessage.status == OutboxStatus.pending
    )
    return (await session.exec(query)).first()


async def mark_sent(
    session: AsyncSession, row_id: int, *, message_id: int | None, chat_id: int, now: datetime
) -> None:
    """Telegram accepted the message: record it (and, for an ask, the ask); commit."""
    row = await session.get(OutboxMessage, row_id)
    if row is None:
        return
    row.status, row.sent_at, row.message_id, row.error = OutboxStatus.sent, now, message_id, None
    row.attempts += 1
    session.add(row)
    if row.kind == OutboxKind.ask and row.ref_id is not None:
        ask = await session.get(Ask, row.ref_id)
        if ask is not None:
            ask.chat_id, ask.message_id, ask.sent_at, ask.error = chat_id, message_id, now, None
            session.add(ask)
    await session.commit()


async def mark_retry(
    session: AsyncSession, row_id: int, *, error: str, not_before: datetime
) -> int:
    """A passing failure: try again after `not_before`; commit. Returns the attempts so far."""
    row = await session.get(OutboxMessage, row_id)
    if row is None:
        return 0
    row.attempts += 1
    row.error, row.not_before = error[:ERROR_TEXT], not_before
    session.add(row)
    await session.commit()
    return row.attempts


async def mark_failed(
    session: AsyncSession, row_id: int, *, status: OutboxStatus, error: str
) -> OutboxMessage | None:
    """Give up on a message (refused, unreachable); commit. For an ask, the ask says why."""
    row = await session.get(OutboxMessage, row_id)
    if row is None:
        return None
    row.status, row.error = status, error[:ERROR_TEXT]
    row.attempts += 1
    session.add(row)
    if row.kind == OutboxKind.ask and row.ref_id is not None:
        ask = await session.get(Ask, row.ref_id)
        if ask is not None and ask.sent_at is None:
            ask.error = "unreachable" if status == OutboxStatus.unreachable else "failed"
            session.add(ask)
    await session.commit()
    return row


async def cancel_pending(session: AsyncSession, key_prefix: str) -> int:
    """Cancel pending messages whose key starts with `key_prefix` (not committed)."""
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.pending,
            col(OutboxMessage.key).startswith(key_prefix, autoescape=True),
        )
        .values(status=OutboxStatus.cancelled)
    )
    result = await session.exec(statement)
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class OutboxSummary:
    """Counts by status and the latest failures."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[OutboxMessage] = field(default_factory=list)

    @property
    def pending(self) -> int:
        """Messages still to send."""
        return self.counts.get(OutboxStatus.pending, 0)

    @property
    def sent(self) -> int:
        """Messages Telegram accepted."""
        return self.counts.get(OutboxStatus.sent, 0)

    @property
    def failed(self) -> int:
        """Messages given up on (refused or unreachable)."""
        return self.counts.get(OutboxStatus.failed, 0) + self.counts.get(
            OutboxStatus.unreachable, 0
        )


async def summary(
    session: AsyncSession, *, hq_id: int | None = None, key_prefix: str | None = None,
    failures: int = 5,
) -> OutboxSummary:  # fmt: skip
    """Counts by status (of one headquarters, or of keys with a prefix) and the last failures."""
    scope: list[ColumnElement[bool]] = []
    if hq_id is not None:
        scope.append(col(OutboxMessage.hq_id) == hq_id)
    if key_prefix is not None:
        scope.append(col(OutboxMessage.key).startswith(key_prefix, autoescape=True))
    counts = await session.exec(
        select(OutboxMessage.status, func.count()).where(*scope).group_by(OutboxMessage.status)
    )
    last = await session.exec(
        select(OutboxMessage)
        .where(*scope, col(OutboxMessage.status).in_([OutboxStatus.failed,
                                                        OutboxStatus.unreachable]))
        .order_by(col(OutboxMessage.id).desc())
        .limit(failures)
    )  # fmt: skip
    return OutboxSummary(dict(counts.all()), list(last.all()))


async def retry_failed(session: AsyncSession, *, hq_id: int | None, now: datetime) -> int:
    """Queue refused messages again (not the unreachable: that needs the person); commit."""
    scope: list[ColumnElement[bool]] = [col(OutboxMessage.status) == OutboxStatus.failed]
    if hq_id is not None:
        scope.append(col(OutboxMessage.hq_id) == hq_id)
    statement = (
        update(OutboxMessage)
        .where(*scope)
        .values(status=OutboxStatus.pending, not_before=now, attempts=0)
    )
    result = await session.exec(statement)
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def take_lease(
    session: AsyncSession, name: str, holder: str, *, now: datetime, ttl: timedelta
) -> bool:
    """Hold (or keep holding) a named lease until now + ttl; False when another holds it; commit."""
    lease = await session.get(SenderLease, name, with_for_update=True)
    if lease is None:
        session.add(SenderLease(name=name, holder=holder, expires_at=now + ttl))
    elif lease.holder == holder or lease.expires_at <= now:
        lease.holder, lease.expires_at = holder, now + ttl
        session.add(lease)
    else:
        await session.rollback()
        return False
    try:
        await session.commit()
    except IntegrityError:  # another process inserted it first
        await session.rollback()
        return False
    return True


async def release_lease(session: AsyncSession, name: str, holder: str) -> None:
    """Let go of a lease this holder has; commit."""
    lease = await session.get(SenderLease, name)
    if lease is not None and lease.holder == holder:
        await session.delete(lease)
        await session.commit()


async def lease_holder(session: AsyncSession, name: str, *, now: datetime) -> str | None:
    """Who holds a live lease (None: nobody)."""
    lease = await session.get(SenderLease, name)
    if lease is None or lease.expires_at <= now:
        return None
    return lease.holder
