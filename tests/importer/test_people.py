"""One name listed under two units is one person (defect 8); databases that already hold two
such persons keep working: the bound one (else the first unit's) is kept, nobody is deleted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import select

from bot.templating import Renderer
from models import Assignment, Person, Stage, Task, Unit
from models.database import SessionFactory
from services import importer
from services.clock import ManualClock
from tests.importer.helpers import HQ, count, edited_sample
from tests.tasklist.helpers import SAMPLE


def zheng_rong_at_commerce(ws) -> None:  # type: ignore[no-untyped-def]
    """Task 18 (区商务局) now names 郑榕, who answers for tasks 10-17 under 区委台港澳办."""
    for r in ws.iter_rows(min_row=4):
        if r[0].value == 18:
            r[6].value = "郑 榕"


TWO_UNITS = edited_sample(zheng_rong_at_commerce)


async def apply(
    sessions: SessionFactory, clock: ManualClock, data: bytes
) -> importer.ImportPreview:
    parsed = importer.parse_upload(data, "tasks-2021.xlsx", 2021)
    async with sessions() as session:
        return await importer.apply_upload(session, HQ, parsed, now=clock.now())


async def preview(sessions: SessionFactory, data: bytes) -> importer.ImportPreview:
    parsed = importer.parse_upload(data, "tasks-2021.xlsx", 2021)
    async with sessions() as session:
        return await importer.preview_upload(session, HQ, parsed)


async def assignments_of(sessions: SessionFactory, name: str) -> list[tuple[int, str, int]]:
    """(task number, unit, person id) of every assignment of persons with that name."""
    async with sessions() as session:
        rows = await session.exec(
            select(Task.number, Unit.name, Person.id)
            .join(Stage, Stage.task_id == Task.id)
            .join(Assignment, Assignment.stage_id == Stage.id)
            .join(Unit, Unit.id == Assignment.unit_id)
            .join(Person, Person.id == Assignment.person_id)
            .where(Person.name == name)
            .order_by(Task.number, Stage.seq)
        )
        return [(n, u, p) for n, u, p in rows.all()]


async def persons_named(sessions: SessionFactory, name: str) -> list[tuple[int, str | None]]:
    async with sessions() as session:
        rows = await session.exec(
            select(Person.id, Unit.name)
            .join(Unit, Unit.id == Person.unit_id, isouter=True)
            .where(Person.name == name)
            .order_by(Person.id)
        )
        return [(i, u) for i, u in rows.all()]


async def test_one_name_under_two_units_is_one_person(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    shown = await preview(sessions, TWO_UNITS)
    assert shown.merged_persons == [importer.PersonMerge("郑榕", ("区委台港澳办", "区商务局"))]
    text = Renderer("zh").render("import_preview", preview=shown, filename="x.xlsx", pending=True)
    assert "郑榕：区委台港澳办、区商务局 → 按同一人处理" in text
    assert ("郑榕", "区商务局") not in shown.new_persons

    result = await apply(sessions, clock, TWO_UNITS)
    assert result.applied
    assert await count(sessions, Person) == 16  # as many as names, 郑榕 once
    [(person_id, home)] = await persons_named(sessions, "郑榕")
    assert home == "区委台港澳办"
    rows = await assignments_of(sessions, "郑榕")
    assert (18, "区商务局", person_id) in rows  # each assignment keeps its row's unit
    assert (10, "区委台港澳办", person_id) in rows
    again = await apply(sessions, clock, TWO_UNITS)
    assert again.is_noop and not again.applied


async def split_as_before(sessions: SessionFactory, clock: ManualClock) -> tuple[int, int]:
    """A database from before the fix: 郑榕 twice, task 18 pointing at the 区商务局 one."""
    await apply(sessions, clock, SAMPLE.read_bytes())
    async with sessions() as session:
        commerce = (await session.exec(select(Unit).where(Unit.name == "区商务局"))).one()
        first = (await session.exec(select(Person).where(Person.name == "郑榕"))).one()
        second = Person(name="郑榕", unit_id=commerce.id, created_at=clock.now())
        session.add(second)
        await session.flush()
        conn = await session.connection()
        await conn.execute(
            text(
                "update assignment set person_id = :p where stage_id in (select s.id from stage s"
                " join task t on t.id = s.task_id where t.number = 18)"
            ),
            {"p": second.id},
        )
        await session.commit()
        assert first.id is not None and second.id is not None
        return first.id, second.id


async def bind(sessions: SessionFactory, person_id: int, telegram_id: int) -> None:
    async with sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.telegram_user_id = telegram_id
        person.bound_at = datetime(2021, 6, 1, tzinfo=UTC)
        session.add(person)
        await session.commit()


async def test_existing_split_person_merges_into_the_first_units(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    first, second = await split_as_before(sessions, clock)
    result = await apply(sessions, clock, TWO_UNITS)
    assert [c.number for c in result.changed] == [18]  # moved to the kept person
    assert {p for _, _, p in await assignments_of(sessions, "郑榕")} == {first}
    assert [i for i, _ in await persons_named(sessions, "郑榕")] == [first, second]  # kept
    assert (await apply(sessions, clock, TWO_UNITS)).is_noop


async def test_existing_split_person_merges_into_the_bound_one(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    first, second = await split_as_before(sessions, clock)
    await bind(sessions, second, 555)
    result = await apply(sessions, clock, TWO_UNITS)
    assert sorted(c.number for c in result.changed) == list(range(10, 18))
    assert {p for _, _, p in await assignments_of(sessions, "郑榕")} == {second}
    assert (await apply(sessions, clock, TWO_UNITS)).is_noop


async def test_two_bound_accounts_are_two_people(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    first, second = await split_as_before(sessions, clock)
    await bind(sessions, first, 555)
    await bind(sessions, second, 556)
    shown = await preview(sessions, TWO_UNITS)
    assert shown.merged_persons == [] and shown.is_noop
    rows = await assignments_of(sessions, "郑榕")
    assert {(u, p) for _, u, p in rows} == {("区委台港澳办", first), ("区商务局", second)}


async def test_the_sample_lists_every_name_under_one_unit(sessions: SessionFactory) -> None:
    shown = await preview(sessions, SAMPLE.read_bytes())
    assert shown.merged_persons == []
    assert len(shown.new_persons) == 16 and len(shown.new_units) == 16
