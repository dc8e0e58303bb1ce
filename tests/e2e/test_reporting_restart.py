"""A report survives the bot process dying: SIGKILL mid-report, restart, /report carries on.

The real `hqbot run` runs against the emulator on the test database. The seed list is imported,
张玉珍 is bound and 2021-11 is open (written to the database from the test, as an admin's
`/cycle open` would); her first due task there is task 1, which has a metric.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from models import Person, Report, ReportDraft
from models.database import SessionFactory
from sandbox.emulator import EmulatorClient, EmulatorServer
from services.clock import ManualClock
from services.reporting.cycles import open_cycle
from tests.botflow import ask, import_seed
from tests.e2e.harness import BotProcess, start_bot, write_config
from tests.reporting.chat import label_with, labels, press, say
from tests.reporting.helpers import the_hq

BOT = "hqbot"
START_TIMEOUT = 60.0
TASK_1 = "1. 建设德艺文创国际经贸合作信息化平台"
PROGRESS = "信息化平台主体完工，电商平台进入联调 <b>&"
GOAL = "完成平台验收并上线试运营"


@dataclass
class Scene:
    """The emulator, the bot's config and the bound person."""

    server: EmulatorServer
    tg: EmulatorClient
    config: Path
    token: str
    zhang: int


async def running(scene: Scene) -> BotProcess:
    """Start `hqbot run` and return once it polls the emulator."""
    log = scene.server.world.request_log
    since = log[-1]["seq"] if log else 0
    bot = await start_bot(scene.config, scene.token)
    polling = asyncio.create_task(
        scene.tg.wait_for_request("getUpdates", since=since, timeout=START_TIMEOUT)
    )
    exited = asyncio.create_task(bot.proc.wait())
    done, _ = await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
    if polling not in done:
        polling.cancel()
        raise AssertionError(f"hqbot exited with {bot.proc.returncode}:\n{bot.log[-3000:]}")
    exited.cancel()
    return bot


async def sigkill(bot: BotProcess) -> None:
    """Kill the process outright: no shutdown, no last getUpdates confirming anything."""
    bot.proc.send_signal(signal.SIGKILL)
    assert await bot.proc.wait() == -signal.SIGKILL
    if bot._reader is not None:
        await bot._reader


@pytest.fixture
async def scene(
    emulator: EmulatorServer,
    tg: EmulatorClient,
    admin: dict,
    sessions: SessionFactory,
    clock: ManualClock,
    database_url: str,
    tmp_path: Path,
) -> Scene:
    """The seed list imported and 2021-11 open; 张玉珍's account (not bound yet)."""
    registered = await tg.create_bot(BOT, "指挥部调度助手")
    config = write_config(tmp_path, token=registered["token"], base_url=emulator.url,
                          database_url=database_url, admins=[admin["id"]])  # fmt: skip
    await import_seed(sessions, clock)
    clock.set(datetime(2021, 11, 10, 9, 0))
    async with sessions() as session:
        hq = await the_hq(session)
        await open_cycle(session, hq_id=hq.id or 0, ym=202111, due_day=25, now=clock.now(), by=None)
    user = await tg.create_user("玉珍", "张", language_code="zh")
    return Scene(emulator, tg, config, registered["token"], user["id"])


async def begin(scene: Scene, sessions: SessionFactory) -> BotProcess:
    """Start the bot; 张玉珍 sends /start and is bound (binding itself is tested elsewhere)."""
    bot = await running(scene)
    await ask(scene.tg, scene.zhang, "start")
    async with sessions() as session:
        zhang = (await session.exec(select(Person).where(Person.name == "张玉珍"))).one()
        zhang.telegram_user_id = scene.zhang
        session.add(zhang)
        await session.commit()
    return bot


async def until(server: EmulatorServer, condition: Callable[[], bool]) -> None:
    """Return once `condition` holds, re-checked on every Bot API call the emulator logs."""
    async with asyncio.timeout(START_TIMEOUT):
        while not condition():
            await server.world.requests_changed.wait(None)


async def _draft(sessions: SessionFactory) -> ReportDraft:
    async with sessions() as session:
        return (await session.exec(select(ReportDraft))).one()


async def _to_progress(tg: EmulatorClient, zhang: int) -> dict[str, Any]:
    """/report, then 按计划推进: the progress question of task 1."""
    q = await ask(tg, zhang, "report")
    assert TASK_1 in q["text"] and "任务状态" in q["text"]
    q = await press(tg, zhang, q, "按计划推进")
    assert TASK_1 in q["text"] and "本月工作进展" in q["text"]
    return q


async def _finish(tg: EmulatorClient, zhang: int, problems_question: dict[str, Any]) -> None:
    """From the 存在问题 question: 跳过, the goal, a metric, no evidence, 提交."""
    q = await press(tg, zhang, problems_question, "跳过")
    assert "下阶段工作目标" in q["text"]
    q = await say(tg, zhang, GOAL)
    assert "截至本月累计完成投资（万元）" in q["text"]
    q = await say(tg, zhang, "3200")
    assert "佐证材料" in q["text"]
    q = await press(tg, zhang, q, label_with(q, "完成"))
    assert "请核对后提交" in q["text"]
    assert "本月工作进展：信息化平台主体完工，电商平台进入联调 <b>&" in q["text"]
    saved = await press(tg, zhang, q, "✅ 提交")
    assert "已提交" in saved["text"]


async def _the_report(sessions: SessionFactory) -> Report:
    async with sessions() as session:
        return (await session.exec(select(Report))).one()


async def test_sigkill_after_the_progress_answer_then_report_resumes_at_problems(
    scene: Scene, sessions: SessionFactory
) -> None:
    tg, zhang = scene.tg, scene.zhang
    bot = await begin(scene, sessions)
    await _to_progress(tg, zhang)
    q = await say(tg, zhang, PROGRESS)  # the bot asks this only once the answer is committed
    assert TASK_1 in q["text"] and "存在问题" in q["text"]
    await sigkill(bot)

    draft = await _draft(sessions)
    assert draft.step == "problems"
    assert draft.answers["progress"] == PROGRESS and draft.answers["status"] == "on_track"

    bot = await running(scene)
    try:
        q = await ask(tg, zhang, "report")
        assert TASK_1 in q["text"] and "存在问题" in q["text"] and "跳过" in labels(q)
        assert "本月工作进展" not in q["text"]
        same = await _draft(sessions)
        assert same.id == draft.id and same.step == "problems"
        assert same.answers["progress"] == PROGRESS
        await _finish(tg, zhang, q)
    finally:
        assert await bot.stop() == 0
    report = await _the_report(sessions)
    assert report.progress == PROGRESS and report.status == "on_track"
    assert report.problems is None and report.next_goal == GOAL
    assert report.metric_value is not None and int(report.metric_value) == 3200
    assert "Traceback" not in bot.log


def _current_poll(server: EmulatorServer) -> dict[str, Any] | None:
    """The bot's getUpdates the emulator is holding open, if it is holding one."""
    for entry in reversed(server.world.request_log):
        if entry["method"] == "getUpdates":
            return entry if entry["status"] is None else None
    return None


async def _stopped_while_polling(server: EmulatorServer, bot: BotProcess) -> dict[str, Any]:
    """SIGSTOP the bot while a getUpdates of its is open (what it returns is never confirmed)."""
    while True:
        await until(server, lambda: _current_poll(server) is not None)
        bot.proc.send_signal(signal.SIGSTOP)
        poll = _current_poll(server)
        if poll is not None:
            return poll
        bot.proc.send_signal(signal.SIGCONT)  # caught between two polls: try again


async def test_an_answer_delivered_but_not_confirmed_is_processed_once_after_restart(
    scene: Scene, sessions: SessionFactory
) -> None:
    """Like Telegram, the emulator redelivers updates a crashed bot never confirmed."""
    server, tg, zhang = scene.server, scene.tg, scene.zhang
    bot = await begin(scene, sessions)
    await _to_progress(tg, zhang)
    poll = await _stopped_while_polling(server, bot)
    try:
        sent = await tg.send_text(zhang, PROGRESS)
        await until(server, lambda: poll["status"] is not None)  # handed to the frozen bot
        assert poll["status"] == 200
    finally:
        await sigkill(bot)
    pending = await tg.pending_updates(bot=BOT)
    assert [u["message"]["text"] for u in pending] == [PROGRESS]  # never confirmed
    assert (await _draft(sessions)).step == "progress"

    bot = await running(scene)
    try:
        q = await tg.wait_for_message(zhang, after_message_id=sent["message_id"], timeout=30)
        assert TASK_1 in q["text"] and "存在问题" in q["text"]
        goal_q = await press(tg, zhang, q, "跳过")  # ordered after any duplicate of the text
        assert "下阶段工作目标" in goal_q["text"]
        after = [m for m in await tg.bot_messages(zhang) if m["message_id"] > sent["message_id"]]
        assert [m["message_id"] for m in after] == [q["message_id"], goal_q["message_id"]]
        draft = await _draft(sessions)
        assert draft.step == "goal"
        assert draft.answers["progress"] == PROGRESS and draft.answers["problems"] is None
        assert await tg.pending_updates(bot=BOT) == []
    finally:
        assert await bot.stop() == 0
