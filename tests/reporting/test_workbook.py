"""The Excel 填报表 as services: download, fill, check every row, preview, confirm, revise."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import col, select

from bot.templating import Renderer
from models import PendingBook, Report, ReportDraft, ReportStatus, Task
from models.database import SessionFactory
from services.clock import ManualClock
from services.reporting import conversation as conv
from services.reporting.answers import Answers, Problem
from services.reporting.book_check import RowIssue
from services.reporting.book_sheet import HEADER_WORDS, header_column, is_book
from services.reporting.book_upload import (
    BookDecision,
    DecisionKind,
    StagedBook,
    StageKind,
    decide_book,
    stage_book,
)
from services.reporting.cycles import close_cycle, open_cycle
from services.reporting.reports import items_for, submit_report
from tests.botflow import import_seed
from tests.reporting.book_helpers import Sheet, download, fill_all, open_sheet
from tests.reporting.helpers import cycle, person, the_hq

GAO = "高勇坤"
GAO_USER = 7001  # his Telegram account (the services only compare it)
GAO_NUMBERS = [10, 15, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]


@pytest.fixture
def clock() -> ManualClock:
    """2021-11-20 09:00 in Shanghai: November is open, due on the 25th."""
    return ManualClock(datetime(2021, 11, 20, 9, 0), tz="Asia/Shanghai")


@pytest.fixture
async def november(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    """The seed list, task 25 with an investment target and task 18 with a growth rate, 2021-11
    open."""
    await import_seed(sessions, clock)
    async with sessions() as session:
        for number, name, unit, target in ((25, "年度投资", "万元", 1000),
                                           (18, "外贸出口增长", "%", 10)):  # fmt: skip
            task = (await session.exec(select(Task).where(Task.number == number))).one()
            task.metric_name, task.metric_unit = name, unit
            task.metric_annual_target = Decimal(target)
            session.add(task)
        await session.commit()
        hq = await the_hq(session)
        assert hq.id is not None
        await open_cycle(session, hq_id=hq.id, ym=202111, due_day=25, now=clock.now(), by=1)
    return sessions


async def _stage(sessions: SessionFactory, clock: ManualClock, data: bytes, *,
                 name: str = GAO, user: int = GAO_USER) -> StagedBook:  # fmt: skip
    async with sessions() as session:
        hq = await the_hq(session)
        assert hq.id is not None
        return await stage_book(session, data=data, filename="填报表.xlsx", hq_id=hq.id,
                                filler=await person(session, name), principal_ids=[],
                                uploaded_by=user, now=clock.now())  # fmt: skip


async def _decide(sessions: SessionFactory, clock: ManualClock, token: str, *, confirm: bool = True,
                  name: str = GAO, user: int = GAO_USER) -> BookDecision:  # fmt: skip
    async with sessions() as session:
        return await decide_book(session, token=token, user_id=user,
                                 filler=await person(session, name), principal_ids=[],
                                 confirm=confirm, now=clock.now())  # fmt: skip


async def _reports(sessions: SessionFactory) -> list[Report]:
    async with sessions() as session:
        query = select(Report).order_by(col(Report.stage_id), col(Report.revision))
        return list((await session.exec(query)).all())


def _metrics(sheet: Sheet, row: int, n: int) -> None:
    if n == 25:
        sheet.put(row, "截至本月累计完成投资（万元）", 820)
    if n == 18:
        sheet.put(row, "截至本月外贸出口增长（%）", "8.5%")


async def test_round_trip_twelve_rows_saves_exactly_the_values(
    november: SessionFactory, clock: ManualClock
) -> None:
    sheet = open_sheet(await download(november, GAO))
    assert [sheet.number(r) for r in sheet.rows] == GAO_NUMBERS
    assert "2021年11月工作进展填报表" in str(sheet.ws["A1"].value)
    assert "构建对外开放新高地项目指挥部" in str(sheet.ws["A1"].value)
    assert "报送截止：2021年11月25日" in str(sheet.ws["A2"].value)
    assert set(sheet.columns) >= {
        "序号", "项目名称", "本阶段要求", "责任人", "状态", "截至本月累计完成投资（万元）",
        "截至本月外贸出口增长（%）",
    }  # fmt: skip

    def fill(s: Sheet, row: int, n: int) -> None:
        _metrics(s, row, n)
        if n == 20:
            s.put(row, "状态", "受阻需协调")
            s.put(row, "存在问题", "外资企业<b>&</b>落地需协调")

    fill_all(sheet, fill)
    staged = await _stage(november, clock, sheet.save())
    assert staged.kind is StageKind.preview and staged.check is not None, staged
    assert [s.item.due.task_number for s in staged.check.saves] == GAO_NUMBERS
    assert staged.token is not None
    assert await _reports(november) == []  # nothing saved before 确认

    decision = await _decide(november, clock, staged.token)
    assert decision.kind is DecisionKind.saved and decision.remaining == 0
    reports = await _reports(november)
    assert len(reports) == 12
    async with november() as session:
        gao = await person(session, GAO)
        items = await items_for(session, await cycle(session, 202111), [gao.id or 0])
    by_stage = {i.due.stage_id: i.due.task_number for i in items}
    for report in reports:
        n = by_stage[report.stage_id]
        assert (report.revision, report.via, report.late) == (1, "excel", False)
        assert report.person_id == gao.id and report.filler_id == gao.id
        assert report.progress == f"任务{n}本月进展" and report.next_goal == f"任务{n}下阶段目标"
        if n == 20:
            assert report.status == "blocked" and report.problems == "外资企业<b>&</b>落地需协调"
        else:
            assert report.status == "on_track" and report.problems is None
        expected = {25: Decimal("820"), 18: Decimal("8.5")}.get(n)
        assert report.metric_value == expected
    async with november() as session:
        pending = (await session.exec(select(PendingBook))).one()
    assert pending.status == "applied" and pending.data == b""


@pytest.mark.parametrize(
    ("number", "status", "metric", "problem", "text"),
    [
        (21, "进度滞后", None, Problem.problems_required, "状态为进度滞后时必须填写存在问题"),
        (25, "按计划推进", -5, Problem.metric_negative, "指标不能是负数"),
        (25, "按计划推进", "八百", Problem.metric_not_a_number, "指标「八百」不是数字"),
        (22, "快完成了", None, RowIssue.bad_status, "状态「快完成了」无法识别"),
    ],
)
async def test_one_bad_row_saves_nothing_and_names_the_row(
    november: SessionFactory, clock: ManualClock, number: int, status: str,
    metric: object, problem: object, text: str,
) -> None:  # fmt: skip
    sheet = open_sheet(await download(november, GAO))

    def fill(s: Sheet, row: int, n: int) -> None:
        _metrics(s, row, n)
        if n == number:
            s.put(row, "状态", status)
            if metric is not None:
                s.put(row, "截至本月累计完成投资（万元）", metric)

    fill_all(sheet, fill)
    bad_row = next(r for r in sheet.rows if sheet.number(r) == number)
    staged = await _stage(november, clock, sheet.save())
    assert staged.kind is StageKind.problems and staged.check is not None
    assert [(p.row, p.number, p.problem) for p in staged.check.problems] == [
        (bad_row, number, problem)
    ]
    message = Renderer("zh").render(
        "book_problems", filename="填报表.xlsx", problems=staged.check.problems, shown=30,
        max_text=4096,
    )  # fmt: skip
    assert f"第 {bad_row} 行（序号 {number}）：{text}" in message
    assert "没有保存任何内容" in message
    assert await _reports(november) == []
    async with november() as session:
        assert (await session.exec(select(PendingBook))).first() is None


async def test_a_row_for_someone_elses_task_is_refused(
    november: SessionFactory, clock: ManualClock
) -> None:
    # 张玉珍's own 填报表 gives the hidden key of her task 1; 高勇坤 pastes it into his.
    theirs = open_sheet(await download(november, "张玉珍"))
    key_column = theirs.ws.max_column
    their_key = theirs.ws.cell(theirs.rows[0], key_column).value
    sheet = open_sheet(await download(november, GAO))
    fill_all(sheet, _metrics)
    row = sheet.rows[3]
    sheet.ws.cell(row, sheet.ws.max_column).value = their_key
    staged = await _stage(november, clock, sheet.save())
    assert staged.kind is StageKind.problems and staged.check is not None
    assert [(p.row, p.problem) for p in staged.check.problems] == [(row, RowIssue.not_yours)]
    assert await _reports(november) == []


async def test_the_file_has_a_drop_down_status_and_locked_key_columns(
    november: SessionFactory,
) -> None:
    data = await download(november, GAO)
    sheet = open_sheet(data)
    ws = sheet.ws
    assert ws.protection.sheet is True
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1 and validations[0].type == "list"
    assert validations[0].formula1 == '"已完成,按计划推进,进度滞后,受阻需协调,未启动"'
    status = sheet.column("状态")
    first, last = sheet.rows[0], sheet.rows[-1]
    assert str(validations[0].sqref) == f"{ws.cell(first, status).coordinate}:" + (
        ws.cell(last, status).coordinate
    )
    for header in ("序号", "项目名称", "本阶段要求", "责任人"):
        assert ws.cell(first, sheet.column(header)).protection.locked is True
    for header in ("状态", "本月工作进展", "存在问题", "下阶段工作目标"):
        assert ws.cell(first, sheet.column(header)).protection.locked is False
    metric = sheet.column("截至本月累计完成投资")
    row25 = next(r for r in sheet.rows if sheet.number(r) == 25)
    assert ws.cell(row25, metric).protection.locked is False
    assert ws.cell(first, metric).protection.locked is True  # task 10 has no such metric
    assert ws.cell(first, metric).fill.fgColor.rgb.endswith("D9D9D9")  # grey
    key = ws.max_column
    assert ws.column_dimensions[ws.cell(1, key).column_letter].hidden is True
    assert ws.cell(first, sheet.column("本阶段要求")).alignment.wrap_text is True
    assert ws.column_dimensions["F"].width >= 30
    marker = load_workbook(io.BytesIO(data))["hqbot"]
    assert marker.sheet_state == "veryHidden"
    assert is_book(data, "any.xlsx")


async def test_a_second_upload_revises_only_what_changed(
    november: SessionFactory, clock: ManualClock
) -> None:
    sheet = open_sheet(await download(november, GAO))
    fill_all(sheet, _metrics)
    first = await _stage(november, clock, sheet.save())
    assert first.token is not None
    assert (await _decide(november, clock, first.token)).kind is DecisionKind.saved

    again = open_sheet(await download(november, GAO))  # pre-filled with the reports
    row = next(r for r in again.rows if again.number(r) == 19)
    assert again.get(row, "状态") == "按计划推进"
    assert again.get(row, "本月工作进展") == "任务19本月进展"
    row25 = next(r for r in again.rows if again.number(r) == 25)
    assert again.get(row25, "截至本月累计完成投资") == 820
    again.put(row, "状态", "已完成")
    again.put(row, "本月工作进展", "任务19已全部完成")
    clock.advance(timedelta(days=1))
    second = await _stage(november, clock, again.save())
    assert second.kind is StageKind.preview and second.check is not None
    assert [(s.item.due.task_number, s.revision) for s in second.check.saves] == [(19, 2)]
    assert len(second.check.unchanged) == 11
    assert second.token is not None
    assert (await _decide(november, clock, second.token)).kind is DecisionKind.saved
    reports = await _reports(november)
    assert len(reports) == 13
    revised = [r for r in reports if r.revision == 2]
    assert len(revised) == 1
    assert (revised[0].status, revised[0].progress, revised[0].via) == (
        "done", "任务19已全部完成", "excel")  # fmt: skip


async def test_empty_rows_are_not_reported_and_half_filled_rows_are_wrong(
    november: SessionFactory, clock: ManualClock
) -> None:
    sheet = open_sheet(await download(november, GAO))
    rows = sheet.rows
    for row in rows[:2]:
        sheet.put(row, "状态", "未启动")
        sheet.put(row, "本月工作进展", "无")
        sheet.put(row, "下阶段工作目标", "年底前启动")
    staged = await _stage(november, clock, sheet.save())
    assert staged.kind is StageKind.preview and staged.check is not None
    assert [s.item.due.task_number for s in staged.check.saves] == [10, 15]
    assert len(staged.check.empty) == 10

    sheet.put(rows[2], "下阶段工作目标", "只写了目标")  # no 状态, no 进展
    staged = await _stage(november, clock, sheet.save())
    assert staged.kind is StageKind.problems and staged.check is not None
    assert [(p.row, p.problem) for p in staged.check.problems] == [
        (rows[2], RowIssue.status_missing)
    ]


async def test_a_figure_below_last_months_is_saved_but_flagged(
    november: SessionFactory, clock: ManualClock
) -> None:
    async with november() as session:
        hq = await the_hq(session)
        assert hq.id is not None
        await close_cycle(session, hq_id=hq.id, now=clock.now(), by=1)
        await open_cycle(session, hq_id=hq.id, ym=202110, due_day=25, now=clock.now(), by=1)
        october = await cycle(session, 202110)
        gao = await person(session, GAO)
        item = next(i for i in await items_for(session, october, [gao.id or 0])
                    if i.due.task_number == 25)  # fmt: skip
        await submit_report(session, cycle=october, stage_id=item.due.stage_id,
                            person_id=gao.id or 0, filler_id=gao.id or 0,
                            answers=Answers(ReportStatus.on_track, "十月进展", None, "十一月目标",
                                            Decimal(900)),
                            via="chat", now=clock.now())  # fmt: skip
        await close_cycle(session, hq_id=hq.id, now=clock.now(), by=1)
        await open_cycle(session, hq_id=hq.id, ym=202111, due_day=25, now=clock.now(), by=1)
    sheet = open_sheet(await download(november, GAO))
    row25 = next(r for r in sheet.rows if sheet.number(r) == 25)
    assert sheet.get(row25, "下阶段工作目标") == "十一月目标"  # last month's goal
    assert sheet.get(row25, "截至本月累计完成投资") == 900  # last month's figure
    sheet.put(row25, "状态", "按计划推进")
    sheet.put(row25, "本月工作进展", "更正了统计口径")
    sheet.put(row25, "截至本月累计完成投资（万元）", "850万")
    staged = await _stage(november, clock, sheet.save())
    assert staged.kind is StageKind.preview and staged.check is not None
    (save,) = staged.check.saves
    assert save.lower and save.previous == Decimal(900) and save.answers.metric == Decimal(850)
    preview = Renderer("zh").render("book_preview", filename="x.xlsx", cycle=staged.cycle,
                                    check=staged.check, filler=save.item.due.person_id)  # fmt: skip
    flagged = "25. 福州天极数码有限公司外资项目 — 按计划推进\n"
    assert flagged + "  ⚠️ 年度投资：850 万元，低于此前填报的 900 万元\n" in preview
    assert staged.token is not None
    assert (await _decide(november, clock, staged.token)).kind is DecisionKind.saved
    november_reports = [r for r in await _reports(november) if r.metric_value == Decimal(850)]
    assert len(november_reports) == 1


async def test_stale_and_forged_confirms_change_nothing(
    november: SessionFactory, clock: ManualClock
) -> None:
    sheet = open_sheet(await download(november, GAO))
    fill_all(sheet, _metrics)
    data = sheet.save()
    staged = await _stage(november, clock, data)
    assert staged.token is not None
    other = await _decide(november, clock, staged.token, name="张玉珍", user=7002)
    assert other.kind is DecisionKind.unknown
    same_user_other_person = await _decide(november, clock, staged.token, name="张玉珍")
    assert same_user_other_person.kind is DecisionKind.unknown
    assert await _reports(november) == []

    # a report given in the chat after the preview: the preview no longer holds
    async with november() as session:
        gao = await person(session, GAO)
        current = await cycle(session, 202111)
        item = (await items_for(session, current, [gao.id or 0]))[0]
        await submit_report(session, cycle=current, stage_id=item.due.stage_id,
                            person_id=gao.id or 0, filler_id=gao.id or 0,
                            answers=Answers(ReportStatus.done, "聊天里报的", None, "下月目标"),
                            via="chat", now=clock.now())  # fmt: skip
    assert (await _decide(november, clock, staged.token)).kind is DecisionKind.stale
    assert len(await _reports(november)) == 1

    again = await _stage(november, clock, data)
    assert again.token is not None
    async with november() as session:
        hq = await the_hq(session)
        await close_cycle(session, hq_id=hq.id or 0, now=clock.now(), by=1)
    assert (await _decide(november, clock, again.token)).kind is DecisionKind.closed
    assert len(await _reports(november)) == 1
    closed = await _stage(november, clock, data)
    assert closed.kind is StageKind.closed and closed.file_ym == 202111
    refused = Renderer("zh").render("book_refused", kind="closed", filename="x", code=None,
                                    file_ym=closed.file_ym, cycle=None)  # fmt: skip
    assert "2021年11月的填报表，该月填报已截止" in refused


async def test_a_confirm_pressed_twice_saves_once(
    november: SessionFactory, clock: ManualClock
) -> None:
    sheet = open_sheet(await download(november, GAO))
    fill_all(sheet, _metrics)
    staged = await _stage(november, clock, sheet.save())
    assert staged.token is not None
    assert (await _decide(november, clock, staged.token)).kind is DecisionKind.saved
    twice = await _decide(november, clock, staged.token)
    assert twice.kind is DecisionKind.already and twice.status == "applied"
    assert len(await _reports(november)) == 12
    cancelled = await _stage(november, clock, sheet.save())
    assert cancelled.kind is StageKind.nothing  # every row as already submitted
    assert cancelled.check is not None and len(cancelled.check.unchanged) == 12


async def test_saving_drops_the_chat_draft_and_keeps_its_evidence(
    november: SessionFactory, clock: ManualClock
) -> None:
    async with november() as session:
        gao = await person(session, GAO)
        current = await cycle(session, 202111)
        item = (await items_for(session, current, [gao.id or 0]))[0]
        started = await conv.start(session, cycle=current, filler=gao, principal_ids=[],
                                   person_id=gao.id or 0, stage_id=item.due.stage_id,
                                   now=clock.now())  # fmt: skip
        assert started.view is not None
        await conv.answer_status(session, started.view, ReportStatus.behind, clock.now())
        await conv.answer_text(session, started.view, "聊天里写的进展", clock.now())
        draft = (await session.exec(select(ReportDraft))).one()
        draft.answers = {**draft.answers, "evidence": [{"kind": "photo", "file_id": "P1"}]}
        session.add(draft)
        await session.commit()
    sheet = open_sheet(await download(november, GAO))
    first = sheet.rows[0]
    assert sheet.get(first, "状态") == "进度滞后"  # the draft's answers are pre-filled
    assert sheet.get(first, "本月工作进展") == "聊天里写的进展"
    sheet.put(first, "存在问题", "用地指标未落实")
    sheet.put(first, "下阶段工作目标", "协调用地")
    staged = await _stage(november, clock, sheet.save())
    assert staged.kind is StageKind.preview and staged.token is not None
    assert (await _decide(november, clock, staged.token)).kind is DecisionKind.saved
    async with november() as session:
        assert (await session.exec(select(ReportDraft))).first() is None
        report = (await session.exec(select(Report))).one()
        from models import Evidence

        files = (await session.exec(select(Evidence))).all()
    assert (report.status, report.problems) == ("behind", "用地指标未落实")
    assert [f.file_id for f in files] == ["P1"] and files[0].report_id == report.id


async def test_rows_copied_into_a_plain_workbook_are_read_by_their_headers(
    november: SessionFactory, clock: ManualClock
) -> None:
    sheet = open_sheet(await download(november, GAO))
    fill_all(sheet, _metrics)
    plain = Workbook()
    ws = plain.active
    assert ws is not None
    visible = [c for h, c in sorted(sheet.columns.items(), key=lambda x: x[1])]
    for out_row, row in enumerate([5, *sheet.rows], start=1):
        for out_col, column in enumerate(visible, start=1):
            ws.cell(out_row, out_col).value = sheet.ws.cell(row, column).value
    data = io.BytesIO()
    plain.save(data)
    assert is_book(data.getvalue(), "copy.xlsx")
    staged = await _stage(november, clock, data.getvalue())
    assert staged.kind is StageKind.preview and staged.check is not None, staged
    assert [s.item.due.task_number for s in staged.check.saves] == GAO_NUMBERS
    metric = {s.item.due.task_number: s.answers.metric for s in staged.check.saves}
    assert metric[25] == Decimal(820) and metric[18] == Decimal("8.5")


async def test_a_task_list_is_not_taken_for_a_book() -> None:
    from tests.tasklist.helpers import SAMPLE

    assert not is_book(SAMPLE.read_bytes(), SAMPLE.name)


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_every_header_and_status_word_of_both_languages_reads_back(
    november: SessionFactory, clock: ManualClock, language: str
) -> None:
    from services.reporting.answers import parse_status
    from services.reporting.book_sheet import Column, read_book

    renderer = Renderer(language)
    words = dict(line.split("|", 1) for line in renderer.render_text("book_statuses").splitlines())
    assert {parse_status(w) for w in words.values()} == set(ReportStatus)
    assert all(parse_status(w) == ReportStatus(k) for k, w in words.items())
    data = await download(november, GAO, language=language)
    headers = open_sheet(data).columns
    found = {header_column(h) for h in headers}
    assert set(HEADER_WORDS) <= found | {Column.key}
    book = read_book(data, "x.xlsx")
    assert book.marked and book.keyed and len(book.rows) == 12


async def test_a_liaison_fills_in_for_their_principal(
    november: SessionFactory, clock: ManualClock
) -> None:
    from services.names import person_query
    from services.roles import DelegationKind, delegate

    async with november() as session:
        hq = await the_hq(session)
        done = await delegate(session, hq_id=hq.id or 0, principal=person_query("张玉珍"),
                              liaison=person_query("李明"), by=None, now=clock.now())  # fmt: skip
        assert done.kind is DelegationKind.delegated
        await session.commit()
        zhang = await person(session, "张玉珍")
    sheet = open_sheet(await download(november, "李明", principals=("张玉珍",)))
    assert "填报人：李明（含代 张玉珍 填报）" in str(sheet.ws["A2"].value)
    assert [sheet.number(r) for r in sheet.rows] == [1, 2]
    assert str(sheet.get(sheet.rows[0], "责任人")).startswith("张玉珍\n")
    fill_all(sheet, lambda s, row, n: s.put(row, "截至本月累计完成投资（万元）", "0.32亿"))
    async with november() as session:
        hq_id = (await the_hq(session)).id or 0
        liaison = await person(session, "李明")
        liaison_id = liaison.id
        staged = await stage_book(session, data=sheet.save(), filename="x.xlsx", hq_id=hq_id,
                                  filler=liaison, principal_ids=[zhang.id or 0],
                                  uploaded_by=GAO_USER + 1, now=clock.now())  # fmt: skip
    assert staged.kind is StageKind.preview and staged.token is not None, staged
    async with november() as session:
        decision = await decide_book(session, token=staged.token, user_id=GAO_USER + 1,
                                     filler=await person(session, "李明"),
                                     principal_ids=[zhang.id or 0], confirm=True,
                                     now=clock.now())  # fmt: skip
    assert decision.kind is DecisionKind.saved
    reports = await _reports(november)
    assert {(r.person_id, r.filler_id) for r in reports} == {(zhang.id, liaison_id)}
    assert {r.metric_value for r in reports} >= {Decimal(3200)}
    # without the delegation the same file is someone else's tasks
    async with november() as session:
        refused = await stage_book(session, data=sheet.save(), filename="x.xlsx",
                                   hq_id=hq_id, filler=await person(session, "李明"),
                                   principal_ids=[], uploaded_by=GAO_USER + 1,
                                   now=clock.now())  # fmt: skip
    assert refused.kind is StageKind.problems and refused.check is not None
    assert {p.problem for p in refused.check.problems} == {RowIssue.not_yours}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_refusal_and_decision_has_words(language: str) -> None:
    from datetime import date

    from models import Cycle

    renderer = Renderer(language)
    month = Cycle(hq_id=1, ym=202111, due_on=date(2021, 11, 25))
    texts = [
        renderer.render("book_refused", kind=kind.value, filename="f.xlsx", code=code,
                        file_ym=202110, cycle=month, size=3_000_000, limit=2_000_000)
        for kind, code in [(k, "corrupt") for k in StageKind]
        + [(StageKind.unreadable, "save_as_xlsx"), (StageKind.unreadable, "encrypted")]
        if kind not in (StageKind.preview, StageKind.problems, StageKind.nothing)
    ]  # fmt: skip
    texts += [
        renderer.render("book_decided", kind=kind.value, filename="f.xlsx", cycle=month,
                        saved=[], remaining=2, filler=1)
        for kind in (DecisionKind.saved, DecisionKind.cancelled, DecisionKind.expired,
                     DecisionKind.closed, DecisionKind.stale)
    ]  # fmt: skip
    alerts = [
        renderer.render("book_alert", kind=kind, status=status)
        for kind in ("unknown", "already", "closed", "stale", "expired", "month")
        for status in ("applied", "cancelled", None)
    ]
    assert all(texts) and all(alerts)
    assert all(len(a) <= 200 for a in alerts)  # a button answer shows at most 200 characters
    assert len(set(texts)) == len(texts)  # each outcome says something of its own


async def test_cancel_and_an_expired_preview_save_nothing(
    november: SessionFactory, clock: ManualClock
) -> None:
    sheet = open_sheet(await download(november, GAO))
    fill_all(sheet, _metrics)
    cancelled = await _stage(november, clock, sheet.save())
    assert cancelled.token is not None
    decision = await _decide(november, clock, cancelled.token, confirm=False)
    assert decision.kind is DecisionKind.cancelled
    late_confirm = await _decide(november, clock, cancelled.token)
    assert late_confirm.kind is DecisionKind.already and late_confirm.status == "cancelled"

    old = await _stage(november, clock, sheet.save())
    assert old.token is not None
    clock.advance(timedelta(hours=24, seconds=1))
    assert (await _decide(november, clock, old.token)).kind is DecisionKind.expired
    assert await _reports(november) == []
    async with november() as session:
        stored = (await session.exec(select(PendingBook))).all()
    assert sorted(p.status for p in stored) == ["cancelled", "expired"]
    assert all(p.data == b"" for p in stored)  # the files are not kept once decided


async def test_a_form_sent_after_the_due_day_is_saved_late(
    november: SessionFactory, clock: ManualClock
) -> None:
    sheet = open_sheet(await download(november, GAO))
    fill_all(sheet, _metrics)
    clock.advance(timedelta(days=6))  # 11-26, past the 25th
    staged = await _stage(november, clock, sheet.save())
    assert staged.check is not None and staged.token is not None
    preview = Renderer("zh").render("book_preview", filename="x.xlsx", cycle=staged.cycle,
                                    check=staged.check, filler=0)  # fmt: skip
    assert preview.count("（逾期）") == 12
    assert (await _decide(november, clock, staged.token)).kind is DecisionKind.saved
    assert {r.late for r in await _reports(november)} == {True}
