"""Task 18's growth target (外贸出口增长 10%) goes into the database as a % metric, and importing
the seed again changes nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from models import Task
from models.database import SessionFactory
from services import importer
from services.clock import ManualClock
from tests.importer.helpers import HQ, dump
from tests.tasklist.helpers import SAMPLE


async def _import(sessions: SessionFactory, clock: ManualClock) -> importer.ImportPreview:
    parsed = importer.parse_upload(SAMPLE.read_bytes(), SAMPLE.name, 2021)
    async with sessions() as session:
        return await importer.apply_upload(session, HQ, parsed, now=clock.now())


async def _task_18(sessions: SessionFactory) -> Task:
    async with sessions() as session:
        return (await session.exec(select(Task).where(Task.number == 18))).one()


async def test_task_18_is_stored_with_a_percentage_metric_and_reimport_is_a_noop(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    assert (await _import(sessions, clock)).applied
    task = await _task_18(sessions)
    assert (task.metric_name, task.metric_unit) == ("外贸出口增长", "%")
    assert task.metric_annual_target == Decimal(10) and task.total_investment is None
    before = await dump(sessions)
    again = await _import(sessions, clock)
    assert not again.applied and again.is_noop and again.unchanged == 29
    assert await dump(sessions) == before


async def test_a_database_imported_before_growth_metrics_gains_it_once(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await _import(sessions, clock)
    async with sessions() as session:
        task = (await session.exec(select(Task).where(Task.number == 18))).one()
        task.metric_name = task.metric_unit = task.metric_annual_target = None
        session.add(task)
        await session.commit()
    upgraded = await _import(sessions, clock)
    assert upgraded.applied and [(c.number, c.fields) for c in upgraded.changed] == [
        (18, ["metric"])
    ]
    assert (await _task_18(sessions)).metric_name == "外贸出口增长"
    assert (await _import(sessions, clock)).is_noop
