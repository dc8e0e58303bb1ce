"""The reporting conversation as services: steps, rules, submit, revisions, reopen, late."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import select

from models import Evidence, Report, ReportDraft, ReportStatus, Stage
from models.database import SessionFactory
from services.clock import ManualClock
from services.names import person_query
from services.reporting import conversation as conv
from services.reporting.answers import Field, Problem
from services.reporting.cycles import OpenKind, close_cycle, open_cycle, open_cycle_of
from services.reporting.month import (
    ReopenKind,
    asks_to_send,
    cycle_progress,
    record_ask,
    reopen_report,
)
from services.reporting.reports import ItemState, items_for, task_history
from tests.botflow import import_seed
from tests.reporting.helpers import person, the_hq


async def _open(sessions: SessionFactory, clock: ManualClock, ym: int) -> None:
    async with sessions() as session:
        hq = await the_hq(session)
        assert hq.id is not None
        outcome = await open_cycle(session, hq_id=hq.id, ym=ym, due_day=25, now=clock.now(), by=1)
        assert outcome.kind is OpenKind.opened


async def _report_task_1(sessions: SessionFactory, clock: ManualClock, *, metric: str,
                         goal: str = "完成平台验收") -> conv.StepResult:  # fmt: skip
    """张玉珍 reports task 1 to the summary, answering every question."""
    async with sessions() as session:
        hq = await the_hq(session)
        assert hq.id is not None
        cycle = await open_cycle_of(session, hq.id)
        assert cycle is not None
        gao = await person(session, "张玉珍")
        items = await items_for(session, cycle, [gao.id or 0])
        task1 = next(i for i in items if i.due.task_number == 1)
        started = await conv.start(session, cycle=cycle, filler=gao, principal_ids=[],
                                   person_id=gao.id or 0, stage_id=task1.due.stage_id,
                                   now=clock.now())  # fmt: skip
        assert started.view is not None and started.view.step is conv.Step.status
        view = started.view
        result = await conv.answer_status(session, view, ReportStatus.on_track, clock.now())
        assert result.view is not None and result.view.step is conv.Step.progress
        result = await conv.answer_text(session, view, "平台主体完工", clock.now())
        assert view.step is conv.Step.problems
        result = await conv.skip(session, view, clock.now())
        assert view.step is conv.Step.goal
        result = await conv.answer_text(session, view, goal, clock.now())
        assert view.step is conv.Step.metric
        return await conv.answer_text(session, view, metric, clock.now())


async def test_a_report_walks_every_step_and_keeps_exactly_the_answers(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    await _open(sessions, clock, 202106)
    result = await _report_task_1(sessions, clock, metric="0.32亿")
    view = result.view
    assert view is not None and view.step is conv.Step.evidence
    async with sessions() as session:
        draft = (await session.exec(select(ReportDraft))).one()
        view = await conv.load_view(session, draft)
        await conv.add_evidence(
            session,
            view,
            {"kind": "photo", "file_id": "F1", "unique_id": "U1", "size": 10},
            clock.now(),
        )
        await conv.skip(session, view, clock.now())
        assert view.step is conv.Step.summary and view.missing == []
        done = await conv.submit(session, view, clock.now())
        assert done.kind is conv.SubmitKind.submitted
    async with sessions() as session:
        report = (await session.exec(select(Report))).one()
        assert (report.status, report.progress, report.problems, report.next_goal) == (
            "on_track",
            "平台主体完工",
            None,
            "完成平台验收",
        )
        assert report.metric_value == Decimal("3200") and not report.late
        assert [e.file_id for e in (await session.exec(select(Evidence))).all()] == ["F1"]
        assert (await session.exec(select(ReportDraft))).first() is None


async def test_rules_refuse_and_save_nothing(sessions: SessionFactory, clock: ManualClock) -> None:
    await import_seed(sessions, clock)
    await _open(sessions, clock, 202106)
    result = await _report_task_1(sessions, clock, metric="-5")
    assert result.outcome is conv.Outcome.refused and result.problem is Problem.metric_negative
    async with sessions() as session:
        draft = (await session.exec(select(ReportDraft))).one()
        assert draft.step == "metric" and draft.answers["metric"] is None
        view = await conv.load_view(session, draft)
        refused = await conv.answer_text(session, view, "三千", clock.now())
        assert refused.problem is Problem.metric_not_a_number
        # 滞后 makes 存在问题 required when edited from the summary
        await conv.answer_text(session, view, "3200", clock.now())
        await conv.skip(session, view, clock.now())
        await conv.pick_field(session, view, Field.status, clock.now())
        await conv.answer_status(session, view, ReportStatus.behind, clock.now())
        assert view.step is conv.Step.problems
        assert (await conv.answer_text(session, view, "无", clock.now())).problem is (
            Problem.problems_required
        )
        await conv.answer_text(session, view, "征地未完成", clock.now())
        assert view.step is conv.Step.summary


async def test_lower_figure_is_confirmed_revisions_kept_late_and_reopen(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    await _open(sessions, clock, 202106)
    result = await _report_task_1(sessions, clock, metric="3200")
    async with sessions() as session:
        view = result.view
        draft = (await session.exec(select(ReportDraft))).one()
        view = await conv.load_view(session, draft)
        await conv.skip(session, view, clock.now())
        await conv.submit(session, view, clock.now())
        hq = await the_hq(session)
        await close_cycle(session, hq_id=hq.id or 0, now=clock.now(), by=1)
    clock.set(datetime(2021, 7, 26, 9, 0))  # past the 25th
    await _open(sessions, clock, 202107)
    result = await _report_task_1(sessions, clock, metric="3000", goal="同上")
    assert result.problem is Problem.metric_lower and result.view is not None
    async with sessions() as session:
        draft = (await session.exec(select(ReportDraft))).one()
        view = await conv.load_view(session, draft)
        assert view.step is conv.Step.metric_lower and view.previous == Decimal("3200")
        await conv.confirm_lower(session, view, True, clock.now())
        await conv.skip(session, view, clock.now())
        first = await conv.submit(session, view, clock.now())
        assert first.report is not None and first.report.late
        # a revision while open: a second row, the first kept
        gao = await person(session, "张玉珍")
        hq = await the_hq(session)
        cycle = await open_cycle_of(session, hq.id or 0)
        assert cycle is not None
        revised = await conv.start(session, cycle=cycle, filler=gao, principal_ids=[],
                                   person_id=gao.id or 0, stage_id=first.report.stage_id,
                                   now=clock.now(), revise=True)  # fmt: skip
        assert revised.kind is conv.StartKind.revising and revised.view is not None
        assert revised.view.step is conv.Step.summary
        await conv.pick_field(session, revised.view, Field.progress, clock.now())
        await conv.answer_text(session, revised.view, "已完成联调", clock.now())
        clock.advance(timedelta(minutes=5))
        second = await conv.submit(session, revised.view, clock.now())
        assert second.report is not None and second.report.revision == 2 and second.report.late
        await close_cycle(session, hq_id=hq.id or 0, now=clock.now(), by=1)
        # closed: no revision without a reopen; one with it, once
        closed = await conv.start(session, cycle=cycle, filler=gao, principal_ids=[],
                                  person_id=gao.id or 0, stage_id=first.report.stage_id,
                                  now=clock.now(), revise=True)  # fmt: skip
        assert closed.kind is conv.StartKind.closed
        granted = await reopen_report(session, hq_id=hq.id or 0, query=person_query("张玉珍"),
                                      number=1, ym=None, by=1, now=clock.now())  # fmt: skip
        assert granted.kind is ReopenKind.granted
        again = await conv.start(session, cycle=cycle, filler=gao, principal_ids=[],
                                 person_id=gao.id or 0, stage_id=first.report.stage_id,
                                 now=clock.now(), revise=True)  # fmt: skip
        assert again.view is not None
        third = await conv.submit(session, again.view, clock.now())
        assert third.report is not None and third.report.revision == 3
        once = await conv.start(session, cycle=cycle, filler=gao, principal_ids=[],
                                person_id=gao.id or 0, stage_id=first.report.stage_id,
                                now=clock.now(), revise=True)  # fmt: skip
        assert once.kind is conv.StartKind.closed
        stage = await session.get(Stage, first.report.stage_id)
        assert stage is not None
        history = await task_history(session, stage.task_id)
        assert [m.ym for m in history] == [202107, 202106]
        assert history[0].reports[0][0].revision == 3


async def test_asks_once_and_progress(sessions: SessionFactory, clock: ManualClock) -> None:
    await import_seed(sessions, clock)
    clock.set(datetime(2021, 11, 20, 9, 0))
    await _open(sessions, clock, 202111)
    async with sessions() as session:
        hq = await the_hq(session)
        cycle = await open_cycle_of(session, hq.id or 0)
        assert cycle is not None
        plans = await asks_to_send(session, cycle, clock.now())
        assert len(plans) == 16
        gao = next(p for p in plans if p.person.name == "高勇坤")
        assert len(gao.items) == 12
        for plan in plans:
            await record_ask(session, plan.ask, chat_id=1, message_id=1, now=clock.now())
        await session.commit()
        assert await asks_to_send(session, cycle, clock.now()) == []
        progress = await cycle_progress(session, cycle)
        assert progress.reported == 0 and progress.persons_due == 16
        assert len(progress.missing) == 16
        items = await items_for(session, cycle, [gao.person.id or 0])
        assert {i.state for i in items} == {ItemState.todo}


def test_metric_rules_for_money_and_growth_rates() -> None:
    from services.reporting.answers import MetricSpec, check_metric

    money = MetricSpec("年度投资", "万元", Decimal(3900))
    assert check_metric("0.32亿", money, None).value == Decimal(3200)
    assert check_metric("32,000,000元", money, None).value == Decimal(3200)
    assert check_metric("３２００", money, None).value == Decimal(3200)
    assert check_metric("-1", money, None).problem is Problem.metric_negative
    lower = check_metric("3000", money, Decimal(3200))
    assert lower.problem is Problem.metric_lower and lower.value == Decimal(3000)
    growth = MetricSpec("外贸出口增长", "%", Decimal(10))
    assert check_metric("8.5%", growth, None).value == Decimal("8.5")
    assert check_metric("8.5", growth, None).value == Decimal("8.5")
    assert check_metric("-3%", growth, Decimal(5)).value == Decimal(-3)  # a rate may fall
    assert check_metric("8.5万", growth, None).problem is Problem.metric_wrong_unit


async def test_a_redelivered_message_is_not_taken_as_the_next_answer(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    await _open(sessions, clock, 202106)
    async with sessions() as session:
        hq = await the_hq(session)
        cycle = await open_cycle_of(session, hq.id or 0)
        zhang = await person(session, "张玉珍")
        assert cycle is not None
        items = await items_for(session, cycle, [zhang.id or 0])
        started = await conv.start(session, cycle=cycle, filler=zhang, principal_ids=[],
                                   person_id=zhang.id or 0, stage_id=items[0].due.stage_id,
                                   now=clock.now())  # fmt: skip
        view = started.view
        assert view is not None
        await conv.answer_status(session, view, ReportStatus.on_track, clock.now())
        taken = await conv.answer_text(session, view, "平台主体完工", clock.now(), message_id=7)
        assert taken.outcome is conv.Outcome.next and view.step is conv.Step.problems
    async with sessions() as session:  # after a restart, Telegram delivers message 7 again
        draft = (await session.exec(select(ReportDraft))).one()
        view = await conv.load_view(session, draft)
        again = await conv.answer_text(session, view, "平台主体完工", clock.now(), message_id=7)
        assert again.outcome is conv.Outcome.stale
        later = await conv.answer_text(session, view, "征地未完成", clock.now(), message_id=8)
        assert later.outcome is conv.Outcome.next
    async with sessions() as session:
        draft = (await session.exec(select(ReportDraft))).one()
        assert (draft.answers["progress"], draft.answers["problems"]) == (
            "平台主体完工",
            "征地未完成",
        )
