"""Who is due in a month, across stage boundaries and year ends, on the seed task list."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import Headquarters
from models.database import SessionFactory
from services.clock import ManualClock
from services.due import due_in, month_key
from tests.botflow import import_seed


async def due(sessions: SessionFactory, year: int, month: int) -> list:
    async with sessions() as session:
        hq = (await session.exec(select(Headquarters))).one()
        assert hq.id is not None
        return await due_in(session, hq.id, month_key(year, month))


async def test_task_12_changes_stage_at_the_boundary(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    march = [d for d in await due(sessions, 2021, 3) if d.task_number == 12]
    april = [d for d in await due(sessions, 2021, 4) if d.task_number == 12]
    assert {d.stage_seq for d in march} == {1} and {d.stage_seq for d in april} == {2}
    assert "1-3" in march[0].period_text.replace(" ", "").replace("－", "-")


async def test_november_asks_all_sixteen_and_january_only_task_29(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    november = await due(sessions, 2021, 11)
    assert len({d.person_id for d in november}) == 16
    january = await due(sessions, 2022, 1)
    assert {d.task_number for d in january} == {29}
    assert {d.person_name for d in january} == {"林武星"}
    assert [d.task_number for d in await due(sessions, 2022, 5)] == [29]
    assert await due(sessions, 2022, 6) == []


def test_months_are_checked() -> None:
    assert month_key(2021, 11) == 202111
    with pytest.raises(ValueError):
        month_key(2021, 13)
