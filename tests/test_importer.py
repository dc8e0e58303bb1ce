"""Importing the task list into the database: counts, re-import, corrections, round trip,
and broken files that leave the database exactly as it was."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import SQLModel, func, select

from models import Assignment, Person, Stage, Task, TaskStatus, Unit, WorkingGroup
from models.database import SessionFactory
from services import importer
from services.clock import ManualClock
from services.hq import resolve_hq
from services.tasklist import parse_task_file, write_task_file
from services.tasks import load_tasks, to_parsed
from tests.tasklist.helpers import SAMPLE, STRUCTURE, csv_text, long_form_rows, row, task_sheet

HQ = "构建对外开放新高地项目指挥部"


async def dump(sessions: SessionFactory) -> dict[str, list[tuple]]:
    """Every row of every table, ordered: the database's whole logical content."""
    out: dict[str, list[tuple]] = {}
    async with sessions() as session:
        for table in SQLModel.metadata.sorted_tables:
            conn = await session.connection()
            rows = (await conn.execute(table.select())).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out


async def import_bytes(
    sessions: SessionFactory, clock: ManualClock, data: bytes, name: str = "tasks.xlsx"
) -> importer.ImportPreview:
    parsed = importer.parse_upload(data, name, 2021)
    async with sessions() as session:
        return await importer.apply_upload(session, HQ, parsed, now=clock.now())


@pytest.fixture
async def imported(sessions: SessionFactory, clock: ManualClock) -> importer.ImportPreview:
    result = await import_bytes(sessions, clock, SAMPLE.read_bytes(), SAMPLE.name)
    assert result.applied and result.ok
    return result


async def count(sessions: SessionFactory, model: type[SQLModel]) -> int:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_sample_imports_with_expected_shape(
    sessions: SessionFactory, imported: importer.ImportPreview
) -> None:
    assert (imported.task_count, imported.stage_count) == (29, 35)
    assert await count(sessions, Task) == 29
    assert await count(sessions, Stage) == 35
    assert await count(sessions, Unit) == 16
    assert await count(sessions, Person) == 16
    async with sessions() as session:
        names = set((await session.exec(select(Person.name))).all())
        assert "郑榕" in names and "郑 榕" not in names
        groups_with_tasks = (
            await session.exec(select(func.count(func.distinct(Task.group_id))))
        ).one()
        assert groups_with_tasks == 4
        hq = (await resolve_hq(session, None)).hq
        tasks = {t.number: t for t in await load_tasks(session, hq.id, 2021)}
    t12 = tasks[12].stages
    assert [(str(s.start), str(s.end)) for s in t12] == [
        ("2021-01", "2021-03"),
        ("2021-04", "2021-07"),
    ]
    assert len(tasks[29].stages) == 3 and str(tasks[29].stages[-1].end) == "2022-05"
    assert tasks[15].stages[0].assignments[0] == ("区东街口商圈管委会", "林叶成")
    assert len(tasks[15].stages[0].assignments) == 4
    targets = [tasks[n].metric_annual_target for n in range(1, 10)]
    assert targets == [Decimal(v) for v in "3900 2500 7083 100 16800 1000 1000 100 521.35".split()]
    assert tasks[4].total_investment == Decimal("60100")
    assert all(tasks[n].metric_name == "年度投资" for n in range(1, 10))
    assert tasks[10].metric_name is None


async def test_second_import_changes_nothing(
    sessions: SessionFactory, clock: ManualClock, imported: importer.ImportPreview
) -> None:
    before = await dump(sessions)
    parsed = importer.parse_upload(SAMPLE.read_bytes(), SAMPLE.name, 2021)
    async with sessions() as session:
        preview = await importer.preview_upload(session, HQ, parsed)
    assert preview.is_noop and preview.unchanged == 29
    clock.advance(__import__("datetime").timedelta(days=3))
    again = await import_bytes(sessions, clock, SAMPLE.read_bytes())
    assert not again.applied and again.is_noop
    assert await dump(sessions) == before


async def test_csv_long_form_gives_the_same_database(
    sessions: SessionFactory, clock: ManualClock, database_url: str
) -> None:
    sample = parse_task_file(SAMPLE.read_bytes(), SAMPLE.name, plan_year=2021)
    csv_bytes = csv_text(long_form_rows(sample.tasks)).encode("utf-8-sig")
    result = await import_bytes(sessions, clock, csv_bytes, "tasks.csv")
    assert result.applied, result.problems
    async with sessions() as session:
        hq = (await resolve_hq(session, None)).hq
        from_csv = [to_parsed(t) for t in await load_tasks(session, hq.id, 2021)]
    assert from_csv == sample.tasks
    # and importing the xlsx on top of the CSV changes nothing
    parsed = importer.parse_upload(SAMPLE.read_bytes(), SAMPLE.name, 2021)
    async with sessions() as session:
        assert (await importer.preview_upload(session, HQ, parsed)).is_noop


async def test_export_then_import_round_trips(
    sessions: SessionFactory, clock: ManualClock, imported: importer.ImportPreview
) -> None:
    async with sessions() as session:
        hq = (await resolve_hq(session, None)).hq
        tasks = [to_parsed(t) for t in await load_tasks(session, hq.id, 2021)]
    exported = write_task_file(tasks, title="清单", plan_year=2021)
    parsed = importer.parse_upload(exported, "export.xlsx", 2021)
    async with sessions() as session:
        preview = await importer.preview_upload(session, HQ, parsed)
    assert preview.ok and preview.is_noop, (preview.changed, preview.problems)


def edited_sample(edit) -> bytes:  # type: ignore[no-untyped-def]
    book = load_workbook(SAMPLE)
    edit(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_corrected_file_updates_in_place_and_withdraws(
    sessions: SessionFactory, clock: ManualClock, imported: importer.ImportPreview
) -> None:
    async with sessions() as session:
        task3_id = (await session.exec(select(Task.id).where(Task.number == 3))).one()

    def edit(ws) -> None:  # type: ignore[no-untyped-def]
        for r in ws.iter_rows(min_row=4):
            if r[0].value == 3:
                r[3].value = r[3].value.replace("7083", "8000")
            if r[0].value == 2:
                r[6].value = "王五"  # a new responsible person
        ws.delete_rows(7)  # task 4 (row 7) is dropped
        ws.append([30, "国际交流工作组", "新增任务", "内容", "11-12月", "区外事办", "林武星"])

    result = await import_bytes(sessions, clock, edited_sample(edit))
    assert result.applied
    assert result.added == [(30, "新增任务")]
    assert result.withdrawn == [(4, "福建省海丝纾困股权投资基金")]
    changed = {c.number: c.fields for c in result.changed}
    assert changed == {3: ["metric", "stages"], 2: ["assignments"]}  # stage text holds it
    assert result.new_persons == [("王五", "鼓东街道")]
    async with sessions() as session:
        task3 = await session.get(Task, task3_id)
        assert task3.metric_annual_target == Decimal("8000")  # same row, updated in place
        task4 = (await session.exec(select(Task).where(Task.number == 4))).one()
        assert task4.status == TaskStatus.withdrawn  # never deleted
    # the original file brings task 4 back and drops task 30
    back = await import_bytes(sessions, clock, SAMPLE.read_bytes())
    assert back.reactivated == [(4, "福建省海丝纾困股权投资基金")]
    assert back.withdrawn == [(30, "新增任务")]


async def test_stage_removed_then_restored(
    sessions: SessionFactory, clock: ManualClock, imported: importer.ImportPreview
) -> None:
    def drop_second_stage_of_12(ws) -> None:  # type: ignore[no-untyped-def]
        for r in ws.iter_rows(min_row=4):
            if r[4].value == "4-7 月" and r[3].value.startswith("按照海峡论坛"):
                ws.delete_rows(r[0].row)
                break

    result = await import_bytes(sessions, clock, edited_sample(drop_second_stage_of_12))
    assert [c.number for c in result.changed] == [12]
    async with sessions() as session:
        hq = (await resolve_hq(session, None)).hq
        t12 = (await load_tasks(session, hq.id, 2021, number=12))[0]
        assert len(t12.stages) == 1
        assert await count(sessions, Stage) == 35  # kept, marked inactive
    await import_bytes(sessions, clock, SAMPLE.read_bytes())
    async with sessions() as session:
        t12 = (await load_tasks(session, hq.id, 2021, number=12))[0]
    assert len(t12.stages) == 2


async def test_structure_sheet_sets_group_and_hq_leaders(
    sessions: SessionFactory, clock: ManualClock, imported: importer.ImportPreview
) -> None:
    result = await import_bytes(sessions, clock, STRUCTURE.read_bytes(), STRUCTURE.name)
    assert result.applied and "综合协调组" in result.new_groups
    async with sessions() as session:
        conn = await session.connection()
        rows = (
            await conn.execute(
                text(
                    "select g.name, p.name from group_leader gl join working_group g"
                    " on g.id = gl.group_id join person p on p.id = gl.person_id"
                )
            )
        ).all()
        rows = [tuple(r) for r in rows]
        assert ("海丝引领专项组", "陈旭") in rows
        assert ("第一家园建设工作组", "林叶成") in rows
        # 林叶成 is the same person as the responsible person of task 15
        assert await count(sessions, Person) == 16 + 4  # 陈旭, 于梦镌, 黄瑞忠, 林礼兴 are new
        leaders = (
            await conn.execute(
                text(
                    "select l.role, p.name from hq_leader l join person p on p.id = l.person_id"
                    " order by l.position"
                )
            )
        ).all()
    assert tuple(leaders[0]) == ("指挥长", "黄瑞忠") and len(leaders) == 8
    again = await import_bytes(sessions, clock, STRUCTURE.read_bytes(), STRUCTURE.name)
    assert again.is_noop and not again.applied


BROKEN: dict[str, tuple[bytes, str]] = {
    "not-a-spreadsheet": (b"%PDF-1.7 hello", "tasks.xlsx"),
    "random-bytes": (bytes(range(256)) * 8, "tasks.xlsx"),
    "empty-csv": (b"", "tasks.csv"),
    "empty-workbook": (task_sheet([], title=False), "tasks.xlsx"),
    "no-header": (task_sheet([["a", "b"]], title=False)[:0] + b"foo,bar\n1,2\n", "tasks.csv"),
    "bad-month-text": (task_sheet([row(1, "甲", "下旬吧")]), "tasks.xlsx"),
    "month-13": (task_sheet([row(1, "甲", "13月")]), "tasks.xlsx"),
    "reversed-range": (task_sheet([row(1, "甲", "7-3月")]), "tasks.xlsx"),
    "stage-before-task": (task_sheet([row(None, None, group=None)]), "tasks.xlsx"),
    "duplicate-number": (task_sheet([row(1, "甲"), row(1, "乙")]), "tasks.xlsx"),
    "count-mismatch": (
        task_sheet([row(1, "甲", unit="鼓东街道\n水部街道\n东街街道", person="张三\n李四")]),
        "tasks.xlsx",
    ),
    "missing-person": (task_sheet([row(1, "甲", person=None)]), "tasks.xlsx"),
    "bad-number": (task_sheet([row("一", "甲")]), "tasks.xlsx"),
    "overlong-content": (task_sheet([row(1, "甲", content="很" * 5000)]), "tasks.xlsx"),
    "legacy-xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "tasks.xls"),
    "huge-file": (b"0" * (10 * 1024 * 1024 + 1), "tasks.csv"),
    "one-bad-row-among-good": (
        task_sheet([row(1, "甲"), row(2, "乙", "2-0月"), row(3, "丙")]),
        "tasks.xlsx",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
async def test_broken_file_changes_nothing(
    case: str, sessions: SessionFactory, clock: ManualClock, imported: importer.ImportPreview
) -> None:
    before = await dump(sessions)
    data, name = BROKEN[case]
    result = await import_bytes(sessions, clock, data, name)
    assert result.problems and not result.applied
    assert await dump(sessions) == before


async def test_broken_file_into_empty_database_creates_nothing(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    before = await dump(sessions)
    result = await import_bytes(sessions, clock, *BROKEN["month-13"])
    assert [p.code for p in result.problems] == ["month_out_of_range"]
    assert await dump(sessions) == before


async def test_assignment_rows_follow_file_order(
    sessions: SessionFactory, imported: importer.ImportPreview
) -> None:
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Unit.name, Person.name)
                .join(Assignment, Assignment.unit_id == Unit.id)
                .join(Person, Person.id == Assignment.person_id)
                .join(Stage, Stage.id == Assignment.stage_id)
                .join(Task, Task.id == Stage.task_id)
                .where(Task.number == 17)
                .order_by(Assignment.position)
            )
        ).all()
        groups = (await session.exec(select(WorkingGroup.name))).all()
    assert [p for _, p in rows] == ["林侯荣", "林秀", "朱嘉希", "郑榕"]
    assert len(groups) == 4
