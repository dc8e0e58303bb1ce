"""Which headquarters a command is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
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
    all_hq = list((await session.exec(select(Headquarters).order_by(col(Headquarters.id)))).all())
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


MAX_HQ_NAME = 200


class RenameKind(StrEnum):
    """What renaming a headquarters did."""

    renamed = "renamed"
    same = "same"  # it already has that name
    taken = "taken"  # another headquarters has it
    invalid = "invalid"  # empty or longer than MAX_HQ_NAME after stripping
    missing = "missing"  # no headquarters with that id


@dataclass(frozen=True)
class RenameOutcome:
    """The outcome of `rename_hq`: the kind, the (stripped) name asked for, the old name."""

    kind: RenameKind
    name: str
    old_name: str | None = None
    limit: int = MAX_HQ_NAME


async def rename_hq(session: AsyncSession, hq_id: int, new_name: str) -> RenameOutcome:
    """Give a headquarters another name (1..200 characters after stripping); commit."""
    name = " ".join(new_name.split())
    if not 1 <= len(name) <= MAX_HQ_NAME:
        return RenameOutcome(RenameKind.invalid, name)
    hq = await session.get(Headquarters, hq_id)
    if hq is None:
        return RenameOutcome(RenameKind.missing, name)
    old = hq.name
    if old == name:
        return RenameOutcome(RenameKind.same, name, old)
    other = await session.exec(
        select(Headquarters.id).where(col(Headquarters.name) == name, col(Headquarters.id) != hq_id)
    )
    if other.first() is not None:
        return RenameOutcome(RenameKind.taken, name, old)
    hq.name = name
    session.add(hq)
    try:
        await session.commit()
    except IntegrityError:  # taken meanwhile (the name is unique)
        await session.rollback()
        return RenameOutcome(RenameKind.taken, name, old)
    return RenameOutcome(RenameKind.renamed, name, old)
