"""Task-list files waiting for an admin's confirmation (kept in the database, not in memory)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tasks import PendingImport, PendingStatus

PENDING_TTL = timedelta(hours=24)


async def create_pending(
    session: AsyncSession,
    *,
    uploaded_by: int,
    hq_name: str,
    plan_year: int,
    filename: str,
    data: bytes,
    now: datetime,
    fingerprint: str = "",
    rename_hq_to: str | None = None,
) -> PendingImport:
    """Store an uploaded file under an unguessable token for the confirm button; commit."""
    pending = PendingImport(
        token=secrets.token_urlsafe(12),
        uploaded_by=uploaded_by,
        hq_name=hq_name,
        plan_year=plan_year,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        fingerprint=fingerprint,
        rename_hq_to=rename_hq_to,
        created_at=now,
    )
    session.add(pending)
    await session.commit()
    return pending


async def get_pending(session: AsyncSession, token: str) -> PendingImport | None:
    """A stored upload by its token."""
    return (await session.exec(select(PendingImport).where(PendingImport.token == token))).first()


def is_expired(pending: PendingImport, now: datetime) -> bool:
    """Whether the confirm window has passed."""
    return now - pending.created_at > PENDING_TTL


async def claim(
    session: AsyncSession, pending_id: int, status: PendingStatus, now: datetime
) -> bool:
    """Mark a still-pending upload decided, in the caller's transaction (no commit).

    False when it was decided meanwhile (a second press of the button). On PostgreSQL the row
    stays locked until the transaction ends, so two presses cannot both go through.
    """
    result = await session.exec(
        update(PendingImport)
        .where(
            col(PendingImport.id) == pending_id, col(PendingImport.status) == PendingStatus.pending
        )
        .values(status=status, decided_at=now, data=b"")
    )
    return bool(result.rowcount)
