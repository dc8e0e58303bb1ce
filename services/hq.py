"""Which headquarters a command is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Headquarters
from models.tasks import Task


@dataclass
class HQChoice:
    """The outcome of resolving a headquarters: the one found, or why none was."""

    hq: Headquarters | None
    candidates: list[str]

    @property
    def ambiguous(self) -> bool:
        """Several headquarters exist and none was named."""
        return self.hq is None and len(self.candidates) > 1


async def resolve_hq(session: AsyncSession, name: str | None) -> HQChoice:
    """The named headquarters, or the only one when no name is given."""
    all_hq = list((await session.exec(select(Headquarters).order_by(Headquarters.id))).all())
    names = [h.name for h in all_hq]
    if name:
        return HQChoice(next((h for h in all_hq if h.name == name), None), names)
    return HQChoice(all_hq[0] if len(all_hq) == 1 else None, names)


async def latest_plan_year(session: AsyncSession, hq_id: int) -> int | None:
    """The newest plan year that has tasks in a headquarters."""
    return (await session.exec(select(func.max(Task.plan_year)).where(Task.hq_id == hq_id))).one()


async def ensure_hq(session: AsyncSession, name: str, now: datetime) -> Headquarters:
    """The named headquarters, created when it does not exist yet."""
    hq = (await session.exec(select(Headquarters).where(Headquarters.name == name))).first()
    if hq is None:
        hq = Headquarters(name=name, created_at=now)
        session.add(hq)
        await session.commit()
    return hq


async def set_hq_chat(session: AsyncSession, hq: Headquarters, chat_id: int) -> int | None:
    """Make a group the headquarters' group; returns the group it replaced, if any."""
    previous = hq.hq_chat_id
    hq.hq_chat_id = chat_id
    session.add(hq)
    await session.commit()
    return previous if previous != chat_id else None


async def migrate_hq_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """Follow a group's upgrade to a supergroup; returns how many headquarters moved."""
    moved = list(
        (
            await session.exec(select(Headquarters).where(Headquarters.hq_chat_id == old_chat_id))
        ).all()
    )
    for hq in moved:
        hq.hq_chat_id = new_chat_id
        session.add(hq)
    await session.commit()
    return len(moved)


async def hq_of_chat(session: AsyncSession, chat_id: int) -> Headquarters | None:
    """The headquarters whose group this chat is."""
    return (
        await session.exec(select(Headquarters).where(Headquarters.hq_chat_id == chat_id))
    ).first()
