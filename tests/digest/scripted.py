"""A scripted quarter on the seed task list: three closed months with a fixed set of answers.

`scripted_month(sessions, clock)` imports the seed (附件2 + 附件1, plan year 2021), then runs
2021-09, 2021-10 and 2021-11: each month is opened on the 20th at 09:00 (due the 24th, 25th and
25th), reports are submitted through `submit_report` at fixed clock times, and the month is closed
on the 28th / 28th / 29th at 18:00. Deterministic: the golden digests are built on it.

Tests use the `scripted` fixture (import it with `scripted_template`): the script runs once per
test session into a template database, and each test gets its own copy.

Besides the answers, the headquarters has:
- a liaison 王晓燕 of 东街口商圈管委会 (附件1's spelling: a second Unit row, reconciled with 附件2's
  区东街口商圈管委会 by the automatic 区 rule) who reports for 林叶成;
- an admin alias 区外事办 → 区政府办（外事办） (林武星's unit is shown as the latter).

September and October: every due item is reported on time as 按计划推进 with a month-specific
progress text and a figure on 序时进度 (target × m / 12, whole numbers; 10 for the % metric),
except:
- task 28 (福州日): stage 1 (1-9 月) 林武星 按计划推进 in September (never 已完成: overdue later),
  叶艺芳 已完成; stage 2 (10 月) 林武星 按计划推进 in October (🔴 past its end in October's
  digest, overdue in November), 叶艺芳 does not report it;
- task 6 (朱向东) and task 20 (高勇坤) say the same in Sep, Oct and Nov (task 6 also the same
  figure 600; task 20's October text has a line break where the others have a space):
  停滞 for 2 months since 2021-09 in November;
- task 7 (朱向东) says the same text each month but its figure grows (700, 800, 900): not stalled.

November (37 items due, 16 persons; due 2021-11-25):
- missing: 黄勉 (4, 5), 叶艺芳 (11), 林秀 (17) entirely; 高勇坤 misses 25 only (32 reported);
- late (2021-11-26): 林嵩 (3), 苏林 (15);
- 🔴 blocked: 8 吴振国 (figure 40 of 100), 15 林叶成 (filled by the liaison 王晓燕);
- 🟡 behind: 14 郑榕; 🟡 not started (stage from 2021-08): 14 孙功惠;
- 🟡 below 序时进度: 1 张玉珍 3200 of 3900 万元 (82.1 %, 9.6 points under 91.7 %), 6 朱向东 600 of
  1000, 18 高勇坤 外贸出口增长 8.5 % of 10 %;
- 🟢 the rest, among them 9 张林 已完成 (521.35 of 521.35) and 21 高勇坤 已完成; task 2 is on
  track with a problem named all the same; 朱嘉希 first reports 13 as 进度滞后 then revises it to
  按计划推进 (the newest revision counts); 高勇坤's reports come by the Excel 填报表 (via "book");
- overdue: task 28 stage 1 (林武星, 2 months over), stage 2 (林武星 and 叶艺芳, 1 month over); task
  16's 8 月 stage ended before any cycle: unknown, not overdue.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.database import SessionFactory, create_engine, session_factory
from models.migrate import upgrade
from models.people import Person, Unit
from models.reporting import Cycle, ReportStatus
from models.tables import Headquarters
from models.tasks import Task
from services.clock import ManualClock
from services.digest.units import add_alias
from services.due import DueStage, due_in
from services.reporting.answers import Answers
from services.reporting.cycles import close_cycle
from services.reporting.office import open_month
from services.reporting.reports import submit_report
from services.roles import grant_liaison
from tests.botflow import HQ_NAME, import_seed
from tests.dbutil import create_database, drop_database, sqlite_url, test_backend_url

T = TypeVar("T")

MONTHS = (202109, 202110, 202111)
DUE_DAY = {202109: 24, 202110: 25, 202111: 25}
CLOSE_DAY = {202109: 28, 202110: 28, 202111: 29}
LIAISON = "王晓燕"
LIAISON_UNIT = "东街口商圈管委会"
ALIAS = ("区外事办", "区政府办（外事办）")
FIRST_AT = 22  # reports start on the 22nd at 10:00, one minute apart in plan order
LATE_AT = datetime(2021, 11, 26, 15, 0)


@dataclass(frozen=True)
class Say:
    """One report in the script: whose, on which 序号, what it says, and how it arrives."""

    number: int
    person: str
    status: ReportStatus
    progress: str
    problems: str | None = None
    goal: str = "下月继续按计划推进"
    metric: str | None = None
    late: bool = False
    via: str = "chat"
    filler: str | None = None


STALLED_6 = "中东头条平台完成阿拉伯语版本测试，正在对接当地运营商"
STALLED_20 = "组织企业参加外商投资法专题培训； 持续跟踪在谈外资项目"
STALLED_20_OCT = (
    "组织企业参加外商投资法专题培训；\n持续跟踪在谈外资项目"  # whitespace aside, the same
)
SAME_TEXT_7 = "网络支付系统正在进行合规评估"

OVERRIDES: dict[int, list[Say]] = {
    202109: [
        Say(28, "林武星", ReportStatus.on_track, "福州日活动前期对接准备工作基本就绪"),
        Say(28, "叶艺芳", ReportStatus.done, "演出节目已排练完成，前期准备完成"),
        Say(6, "朱向东", ReportStatus.on_track, STALLED_6, metric="600"),
        Say(7, "朱向东", ReportStatus.on_track, SAME_TEXT_7, metric="700"),
        Say(20, "高勇坤", ReportStatus.on_track, STALLED_20),
    ],
    202110: [
        Say(28, "林武星", ReportStatus.on_track, "随市团组参加福州日活动，演出团队已组建"),
        Say(6, "朱向东", ReportStatus.on_track, STALLED_6, metric="600"),
        Say(7, "朱向东", ReportStatus.on_track, SAME_TEXT_7, metric="800"),
        Say(20, "高勇坤", ReportStatus.on_track, STALLED_20_OCT),
    ],
    202111: [
        Say(1, "张玉珍", ReportStatus.on_track, "国际电子商务平台完成主体开发，数字展示厅布展中",
            goal="12月完成平台上线试运行", metric="3200"),
        Say(2, "张玉珍", ReportStatus.on_track, "纪念堂主体结构施工中",
            problems="纪念堂用地手续仍在办理", metric="2300"),
        Say(3, "林嵩", ReportStatus.on_track, "博物馆展陈设计完成，进入布展阶段", metric="6600",
            late=True),
        Say(6, "朱向东", ReportStatus.on_track, STALLED_6, metric="600"),
        Say(7, "朱向东", ReportStatus.on_track, SAME_TEXT_7, metric="900"),
        Say(8, "吴振国", ReportStatus.blocked, "平台软件开发完成，等待卫星频段许可",
            problems="卫星频段使用许可尚未获批，需指挥部协调省通信管理局", metric="40"),
        Say(9, "张林", ReportStatus.done, "渔港视频监控平台已建成并通过验收", goal="做好运维保障",
            metric="521.35"),
        Say(14, "郑榕", ReportStatus.behind, "匠人大会筹备方案已报审",
            problems="举办场地尚未落实，台湾匠人邀请进度偏慢", goal="12月上旬落实场地"),
        Say(14, "孙功惠", ReportStatus.not_started, "无", problems="等待主办单位通知",
            goal="配合做好匠人大会工会相关工作"),
        Say(15, "林叶成", ReportStatus.blocked, "黄巷街巷立面整治完成六成",
            problems="部分历史建筑产权复杂，征收补偿未谈妥，需区里统筹协调",
            goal="完成剩余立面整治", filler=LIAISON),
        Say(15, "苏林", ReportStatus.on_track, "配合做好黄巷周边环境整治", late=True),
        Say(18, "高勇坤", ReportStatus.on_track, "组织32家企业参加RCEP专题培训", metric="8.5",
            via="book"),
        Say(20, "高勇坤", ReportStatus.on_track, STALLED_20, via="book"),
        Say(21, "高勇坤", ReportStatus.done, "已组织23家企业首次入驻跨境电商平台，全年任务完成",
            via="book"),
    ],
}  # fmt: skip

MISSING: dict[int, set[tuple[int, str]]] = {
    202109: set(),
    202110: {(28, "叶艺芳")},
    202111: {(4, "黄勉"), (5, "黄勉"), (11, "叶艺芳"), (17, "林秀"), (25, "高勇坤")},
}
REVISED = Say(13, "朱嘉希", ReportStatus.behind, "青年节参会人员报名偏少",
              problems="报名人数不足", goal="加大宣传")  # fmt: skip
VIA_BOOK = {(202111, "高勇坤")}


@dataclass(frozen=True)
class ScriptedMonth:
    """The scripted headquarters and its months (all closed, in order)."""

    hq_id: int
    months: tuple[int, ...] = MONTHS
    liaison: str = LIAISON
    alias: tuple[str, str] = ALIAS
    due_on: dict[int, date] = field(default_factory=dict)


def _at(clock: ManualClock, when: datetime) -> datetime:
    """Move the clock to `when` and return it (aware)."""
    clock.set(when)
    return clock.now()


def _default(ym: int, due: DueStage, target: Decimal | None, unit: str | None) -> Say:
    """The ordinary report of a month: on track, with a figure on 序时进度."""
    month = ym % 100
    metric = None
    if unit == "%":
        metric = "10"
    elif unit is not None and target is not None:
        metric = str((target * month / 12).quantize(Decimal(1)))
    via = "book" if (ym, due.person_name) in VIA_BOOK else "chat"
    return Say(due.task_number, due.person_name, ReportStatus.on_track,
               f"{month}月按计划推进{due.task_name}", metric=metric, via=via)  # fmt: skip


def _plan(ym: int, due: list[DueStage], tasks: dict[int, Task]) -> list[tuple[DueStage, Say]]:
    """What is said on every due item this month (missing ones left out), in 序号 order."""
    said = {(s.number, s.person): s for s in OVERRIDES[ym]}
    plan = []
    for item in due:
        key = (item.task_number, item.person_name)
        if key in MISSING[ym]:
            continue
        task = tasks[item.task_id]
        default = _default(ym, item, task.metric_annual_target, task.metric_unit)
        plan.append((item, said.get(key, default)))
    return plan


def _timed(ym: int, plan: list[tuple[DueStage, Say]]) -> list[tuple[datetime, DueStage, Say]]:
    """When each report is submitted: a minute apart from the 22nd 10:00; the late ones on the
    26th; 朱嘉希's task 13 first as 进度滞后, revised a day later."""
    year, month = divmod(ym, 100)
    start, timed, late = datetime(year, month, FIRST_AT, 10, 0), [], 0
    for minute, (due, say) in enumerate(plan):
        when = start + timedelta(minutes=minute)
        if say.late:
            when, late = LATE_AT + timedelta(minutes=30 * late), late + 1
        if ym == MONTHS[-1] and (due.task_number, due.person_name) == (
            REVISED.number,
            REVISED.person,
        ):
            timed.append((when, due, REVISED))
            when += timedelta(days=1)
        timed.append((when, due, say))
    return sorted(timed, key=lambda t: t[0])


async def _setup(sessions: SessionFactory, clock: ManualClock) -> int:
    """The seed, the liaison (of 附件1's spelling of the unit) and the admin's alias."""
    clock.set(datetime(2021, 9, 1, 9, 0))
    await import_seed(sessions, clock)
    async with sessions() as session:
        hq = (await session.exec(select(Headquarters).where(Headquarters.name == HQ_NAME))).one()
        assert hq.id is not None
        unit = Unit(name=LIAISON_UNIT, created_at=clock.now())
        session.add(unit)
        await session.flush()
        liaison = Person(name=LIAISON, unit_id=unit.id, created_at=clock.now())
        session.add(liaison)
        principal = (await session.exec(select(Person).where(Person.name == "林叶成"))).one()
        await grant_liaison(session, hq.id, liaison, principal, by=None, now=clock.now())
        await add_alias(session, alias=ALIAS[0], canonical=ALIAS[1], by=None, now=clock.now())
        return hq.id


async def _persons(sessions: SessionFactory) -> dict[str, int]:
    async with sessions() as session:
        return {p.name: p.id for p in (await session.exec(select(Person))).all() if p.id}


async def _run_month(
    sessions: SessionFactory, clock: ManualClock, hq_id: int, ym: int, persons: dict[str, int]
) -> date:
    """Open the month, submit its plan at fixed times, close it; the due day."""
    year, month = divmod(ym, 100)
    due_on = date(year, month, DUE_DAY[ym])
    async with sessions() as session:
        opened_at = _at(clock, datetime(year, month, 20, 9))
        opened = await open_month(session, hq_id=hq_id, ym=ym, due_on=due_on, now=opened_at,
                                  by=None)  # fmt: skip
        cycle = opened.cycle
        assert isinstance(cycle, Cycle)
        tasks = {t.id: t for t in (await session.exec(select(Task))).all() if t.id}
        plan = _plan(ym, await due_in(session, hq_id, ym), tasks)
        for when, due, say in _timed(ym, plan):
            await _submit(session, cycle, due, say, persons, _at(clock, when))
        await close_cycle(session, hq_id=hq_id, by=None,
                          now=_at(clock, datetime(year, month, CLOSE_DAY[ym], 18)))  # fmt: skip
    return due_on


async def _submit(
    session: AsyncSession, cycle: Cycle, due: DueStage, say: Say, persons: dict[str, int],
    now: datetime,
) -> None:  # fmt: skip
    """Submit one scripted report (typed by the liaison when `say.filler` is set)."""
    answers = Answers(say.status, say.progress, say.problems, say.goal,
                      Decimal(say.metric) if say.metric is not None else None)  # fmt: skip
    await submit_report(session, cycle=cycle, stage_id=due.stage_id, person_id=due.person_id,
                        filler_id=persons[say.filler or say.person], answers=answers, via=say.via,
                        now=now)  # fmt: skip


async def scripted_month(sessions: SessionFactory, clock: ManualClock) -> ScriptedMonth:
    """Seed, then run 2021-09, 2021-10 and 2021-11 with the fixed answers (see the module)."""
    hq_id = await _setup(sessions, clock)
    persons = await _persons(sessions)
    due_on = {}
    for ym in MONTHS:
        due_on[ym] = await _run_month(sessions, clock, hq_id, ym, persons)
    return ScriptedMonth(hq_id, due_on=due_on)


@dataclass(frozen=True)
class ScriptedDatabase:
    """A database holding the scripted quarter, and the clock's time after the script."""

    url: str
    script: ScriptedMonth
    clock_at: datetime


@dataclass(frozen=True)
class Scripted:
    """A fresh copy of the scripted database for one test: its sessions and the script."""

    sessions: SessionFactory
    script: ScriptedMonth
    url: str = ""  # the copy's database URL (for the CLI)


async def _make_template(url: str) -> ScriptedDatabase:
    """Migrate `url` and run the script on it."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        clock = ManualClock(datetime(2021, 9, 1, 9, 0), tz="Asia/Shanghai")
        script = await scripted_month(session_factory(engine), clock)
        return ScriptedDatabase(url, script, clock.now())
    finally:
        await engine.dispose()


def _in_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on its own loop in a worker thread (outside pytest's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


@pytest.fixture(scope="session")
def scripted_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptedDatabase]:
    """The scripted quarter, run once per test session (a SQLite file or a PostgreSQL database)."""
    server = test_backend_url()
    if server is None:
        path = tmp_path_factory.mktemp("scripted") / "scripted.db"
        yield _in_thread(_make_template(sqlite_url(path)))
        return
    url = _in_thread(create_database(server))
    try:
        yield _in_thread(_make_template(url))
    finally:
        _in_thread(drop_database(url))


@pytest.fixture
async def scripted(
    scripted_template: ScriptedDatabase, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Scripted]:
    """A copy of the scripted database for this test; `clock` stands where the script left it."""
    server = test_backend_url()
    if server is None:
        target = tmp_path / "scripted.db"
        shutil.copyfile(make_url(scripted_template.url).database or "", target)
        url = sqlite_url(target)
    else:
        url = await create_database(server, template=make_url(scripted_template.url).database)
    clock.set(scripted_template.clock_at)
    engine = create_engine(url)
    try:
        yield Scripted(session_factory(engine), scripted_template.script, url)
    finally:
        await engine.dispose()
        if server is not None:
            await drop_database(url)
