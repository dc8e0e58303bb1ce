"""Task-list files waiting for an admin's confirmation (kept in the database, not in memory)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tasks import PendingImport

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
) -> PendingImport:
    """Store an uploaded file under an unguessable token for the confirm button."""
    pending = PendingImport(
        token=secrets.token_urlsafe(12),
        uploaded_by=uploaded_by,
        hq_name=hq_name,
        plan_year=plan_year,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
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


async def decide(session: AsyncSession, pending: PendingImport, status: str, now: datetime) -> None:
    """Mark an upload applied / cancelled / expired and drop its bytes."""
    pending.status = status
    pending.decided_at = now
    pending.data = b""
    session.add(pending)
    await session.commit()
