"""The upload use cases the bot and the CLI share: stage a file for confirmation, then confirm
or cancel it; a preview confirmed after another import changed the data is refused."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.templating import Renderer
from models import Headquarters, PendingImport, PendingStatus, Task, TaskStatus
from models.database import SessionFactory
from services import importer
from services.clock import ManualClock
from services.hq import ensure_hq
from services.importer import DecisionKind, StageKind, YearSource
from services.importer import uploads as uploads_module
from services.tasklist.writer import HEADER
from tests.importer.helpers import (
    ADMIN,
    DEFAULT_HQ,
    HQ,
    count,
    dump,
    edited_sample,
    set_task_content,
)
from tests.tasklist.helpers import SAMPLE, row, task_sheet, xlsx


async def stage(
    sessions: SessionFactory,
    clock: ManualClock,
    data: bytes,
    filename: str = "tasks-2021.xlsx",
    *,
    caption: str | None = None,
    user: int = ADMIN,
) -> importer.StagedUpload:
    async with sessions() as session:
        return await importer.stage_upload(
            session,
            hq_name=None,
            uploaded_by=user,
            filename=filename,
            data=data,
            caption=caption,
            default_hq_name=DEFAULT_HQ,
            now=clock.now(),
        )


async def decide(
    sessions: SessionFactory,
    clock: ManualClock,
    token: str | None,
    *,
    confirm: bool = True,
    user: int = ADMIN,
) -> importer.UploadDecision:
    assert token is not None
    async with sessions() as session:
        return await importer.decide_upload(
            session, token=token, user_id=user, confirm=confirm, now=clock.now()
        )


async def stage_and_apply(sessions: SessionFactory, clock: ManualClock, data: bytes) -> None:
    staged = await stage(sessions, clock, data)
    assert staged.kind == StageKind.preview, staged.problems
    assert (await decide(sessions, clock, staged.token)).kind == DecisionKind.applied


def with_task_30(ws) -> None:  # type: ignore[no-untyped-def]
    set_task_content(3, "7083", "8000")(ws)
    ws.append([30, "国际交流工作组", "新增任务", "内容", "11-12月", "区外事办", "林武星"])


async def target_of_task_3(sessions: SessionFactory) -> Decimal | None:
    async with sessions() as session:
        task = (await session.exec(select(Task).where(Task.number == 3))).one()
        return task.metric_annual_target


async def test_stage_stores_nothing_but_the_upload_and_confirm_applies(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    staged = await stage(sessions, clock, SAMPLE.read_bytes())
    assert staged.kind == StageKind.preview and staged.token
    assert staged.preview is not None and len(staged.preview.added) == 29
    assert not staged.is_structure
    assert await count(sessions, Task) == 0 and await count(sessions, PendingImport) == 1
    decision = await decide(sessions, clock, staged.token)
    assert decision.kind == DecisionKind.applied
    assert decision.preview is not None and decision.preview.applied
    assert await count(sessions, Task) == 29
    async with sessions() as session:
        stored = (await session.exec(select(PendingImport))).one()
    assert stored.status == PendingStatus.applied and stored.data == b""


async def test_a_stale_preview_is_refused_and_changes_nothing(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await stage_and_apply(sessions, clock, SAMPLE.read_bytes())
    v2 = edited_sample(set_task_content(3, "7083", "8000"))
    v3 = edited_sample(with_task_30)
    staged_v2 = await stage(sessions, clock, v2)
    assert staged_v2.kind == StageKind.preview
    await stage_and_apply(sessions, clock, v3)  # v3 adds task 30 after v2 was previewed
    before = await dump(sessions)

    decision = await decide(sessions, clock, staged_v2.token)

    assert decision.kind == DecisionKind.stale
    assert decision.preview is not None  # what v2 would do now: withdraw task 30
    assert decision.preview.withdrawn == [(30, "新增任务")] and not decision.preview.applied
    assert await dump(sessions) == before
    async with sessions() as session:
        task30 = (await session.exec(select(Task).where(Task.number == 30))).one()
    assert task30.status == TaskStatus.active


async def test_a_preview_holds_while_nothing_else_changed(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await stage_and_apply(sessions, clock, SAMPLE.read_bytes())
    staged = await stage(sessions, clock, edited_sample(set_task_content(3, "7083", "8000")))
    other = await stage(sessions, clock, edited_sample(with_task_30))  # previewed, never confirmed
    assert other.kind == StageKind.preview
    clock.advance(timedelta(hours=2))
    assert (await decide(sessions, clock, staged.token)).kind == DecisionKind.applied
    assert await target_of_task_3(sessions) == Decimal("8000")


async def test_applying_and_marking_applied_are_one_transaction(
    sessions: SessionFactory, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = await stage(sessions, clock, SAMPLE.read_bytes())
    before = await dump(sessions)
    real_write = uploads_module.write_plan

    async def crash_after_writing(session, plan, *, now):  # type: ignore[no-untyped-def]
        await real_write(session, plan, now=now)
        raise RuntimeError("process killed before the commit")

    monkeypatch.setattr(uploads_module, "write_plan", crash_after_writing)
    with pytest.raises(RuntimeError):
        await decide(sessions, clock, staged.token)
    assert await dump(sessions) == before  # neither the tasks nor the "applied" mark
    monkeypatch.undo()
    assert (await decide(sessions, clock, staged.token)).kind == DecisionKind.applied
    assert await count(sessions, Task) == 29


async def test_double_press_applies_once(sessions: SessionFactory, clock: ManualClock) -> None:
    staged = await stage(sessions, clock, SAMPLE.read_bytes())
    first, second = await asyncio.gather(
        decide(sessions, clock, staged.token), decide(sessions, clock, staged.token)
    )
    kinds = sorted([first.kind, second.kind])
    assert kinds == [DecisionKind.already, DecisionKind.applied]
    late = first if first.kind == DecisionKind.already else second
    assert late.status == PendingStatus.applied
    assert await count(sessions, Task) == 29
    again = await decide(sessions, clock, staged.token)
    assert (again.kind, again.status) == (DecisionKind.already, PendingStatus.applied)


async def test_cancel_expiry_and_strangers(sessions: SessionFactory, clock: ManualClock) -> None:
    staged = await stage(sessions, clock, SAMPLE.read_bytes())
    assert (await decide(sessions, clock, staged.token, user=ADMIN + 1)).kind == (
        DecisionKind.unknown
    )
    assert (await decide(sessions, clock, "no-such-token")).kind == DecisionKind.unknown
    cancelled = await decide(sessions, clock, staged.token, confirm=False)
    assert cancelled.kind == DecisionKind.cancelled
    later = await decide(sessions, clock, staged.token)
    assert (later.kind, later.status) == (DecisionKind.already, PendingStatus.cancelled)

    old = await stage(sessions, clock, SAMPLE.read_bytes())
    clock.advance(timedelta(hours=25))
    assert (await decide(sessions, clock, old.token)).kind == DecisionKind.expired
    assert await count(sessions, Task) == 0


async def test_problems_and_identical_files_store_nothing(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    broken = await stage(sessions, clock, task_sheet([row(1, "甲", "13月")]))
    assert broken.kind == StageKind.problems and broken.token is None
    assert [p.code for p in broken.problems] == ["month_out_of_range"]
    await stage_and_apply(sessions, clock, SAMPLE.read_bytes())
    same = await stage(sessions, clock, SAMPLE.read_bytes())
    assert same.kind == StageKind.noop and same.token is None
    assert await count(sessions, PendingImport) == 1  # only the one that was applied


async def test_several_headquarters_must_be_named(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    async with sessions() as session:
        await ensure_hq(session, "甲指挥部", clock.now())
        await ensure_hq(session, "乙指挥部", clock.now())
    staged = await stage(sessions, clock, SAMPLE.read_bytes())
    assert staged.kind == StageKind.ambiguous_hq
    assert staged.candidates == ["甲指挥部", "乙指挥部"]


# --- the plan year (defect 9) ---------------------------------------------------------------


async def test_first_upload_without_a_year_reads_the_periods(sessions: SessionFactory) -> None:
    in_2026 = ManualClock(datetime(2026, 3, 5, 9, 0), tz="Asia/Shanghai")
    staged = await stage(sessions, in_2026, SAMPLE.read_bytes(), filename="tasks.xlsx")
    assert staged.kind == StageKind.preview, staged.problems
    assert staged.plan_year == importer.PlanYear(2021, YearSource.periods)
    text = Renderer("zh").render(
        "import_preview", preview=staged.preview, filename="tasks.xlsx", pending=True,
        year_source=staged.plan_year.source,
    )  # fmt: skip
    assert "（2021 年度，按完成时限中的年份推断）" in text
    assert await decide(sessions, in_2026, staged.token)
    async with sessions() as session:
        years = set((await session.exec(select(Task.plan_year))).all())
    assert years == {2021}


async def test_caption_then_file_name_then_title(sessions: SessionFactory) -> None:
    in_2026 = ManualClock(datetime(2026, 3, 5, 9, 0), tz="Asia/Shanghai")
    titled = xlsx({"清单": [["2023年重点项目（任务）清单"], list(HEADER), row(1, "甲", "1-12月")]})
    by_title = await stage(sessions, in_2026, titled, filename="list.xlsx")
    assert by_title.plan_year == importer.PlanYear(2023, YearSource.file_title)
    by_name = await stage(sessions, in_2026, titled, filename="list-2024.xlsx")
    assert by_name.plan_year == importer.PlanYear(2024, YearSource.filename)
    by_caption = await stage(
        sessions, in_2026, titled, filename="list-2024.xlsx", caption="2025 年度清单"
    )
    assert by_caption.plan_year == importer.PlanYear(2025, YearSource.caption)
    plain = xlsx({"清单": [list(HEADER), row(1, "甲", "1-12月")]})
    by_clock = await stage(sessions, in_2026, plain, filename="list.xlsx")
    assert by_clock.plan_year == importer.PlanYear(2026, YearSource.clock)


async def test_latest_plan_year_comes_after_the_file(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await stage_and_apply(sessions, clock, SAMPLE.read_bytes())  # 2021 (file name)
    plain = xlsx({"清单": [list(HEADER), row(1, "甲", "1-12月")]})
    assert (await stage(sessions, clock, plain, "x.xlsx")).plan_year == importer.PlanYear(
        2021, YearSource.latest
    )
    spill = xlsx({"清单": [list(HEADER), row(1, "甲", "6月"), row(None, None, "2024年3月")]})
    assert (await stage(sessions, clock, spill, "x.xlsx")).plan_year == importer.PlanYear(
        2023, YearSource.periods
    )


# --- the headquarters' name -----------------------------------------------------------------


async def test_a_new_headquarters_is_named_after_the_title(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    staged = await stage(sessions, clock, SAMPLE.read_bytes())
    assert staged.preview is not None and staged.preview.hq_name == HQ
    await decide(sessions, clock, staged.token)
    async with sessions() as session:
        names = (await session.exec(select(Headquarters.name))).all()
    assert names == [HQ]


async def test_a_title_less_file_gets_the_default_name(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    plain = xlsx({"清单": [list(HEADER), row(1, "甲", "1-12月")]})
    staged = await stage(sessions, clock, plain, "x-2021.xlsx")
    assert staged.preview is not None and staged.preview.hq_name == DEFAULT_HQ


async def test_a_placeholder_name_is_replaced_by_the_title(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    async with sessions() as session:  # e.g. /sethq in a group before any import
        await ensure_hq(session, DEFAULT_HQ, clock.now())
    staged = await stage(sessions, clock, SAMPLE.read_bytes())
    assert staged.preview is not None
    assert (staged.preview.hq_renamed_from, staged.preview.hq_name) == (DEFAULT_HQ, HQ)
    text = Renderer("zh").render("import_preview", preview=staged.preview, filename="t.xlsx",
                                 pending=True)  # fmt: skip
    assert f"指挥部名称：「{DEFAULT_HQ}」→「{HQ}」" in text
    decision = await decide(sessions, clock, staged.token)
    assert decision.kind == DecisionKind.applied
    async with sessions() as session:
        names = (await session.exec(select(Headquarters.name))).all()
    assert names == [HQ]
    again = await stage(sessions, clock, SAMPLE.read_bytes())
    assert again.kind == StageKind.noop  # named now: nothing left to rename
