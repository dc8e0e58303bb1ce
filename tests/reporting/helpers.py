"""Shared setup for the reporting tests: the seed list, a cycle, and persons by name."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Cycle, Headquarters, Person


async def the_hq(session: AsyncSession) -> Headquarters:
    """The only headquarters."""
    return (await session.exec(select(Headquarters))).one()


async def person(session: AsyncSession, name: str) -> Person:
    """The one person of that name."""
    return (await session.exec(select(Person).where(Person.name == name))).one()


async def cycle(session: AsyncSession, ym: int) -> Cycle:
    """The headquarters' cycle of that month."""
    return (await session.exec(select(Cycle).where(Cycle.ym == ym))).one()
