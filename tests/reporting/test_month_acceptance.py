"""Issue 8's acceptance: the seed list's November 2021, every due person reporting everything."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select

from models import Person, Report
from models.database import SessionFactory
from sandbox.emulator import EmulatorClient
from services.clock import ManualClock
from services.due import due_in
from tests.botflow import ask, import_seed
from tests.inprocess import running_bot
from tests.reporting.chat import bind_directly, last_id, open_month
from tests.reporting.helpers import the_hq

STATUS_BY_NUMBER = {0: "按计划推进", 1: "已完成", 2: "进度滞后", 3: "受阻需协调", 4: "未启动"}
STATUS_KEYS = {"按计划推进": "on_track", "已完成": "done", "进度滞后": "behind",
               "受阻需协调": "blocked", "未启动": "not_started"}  # fmt: skip


def _task_number(text: str) -> int:
    """The 序号 in a question's heading ("第 2/12 项 · 15. …" or "15. …")."""
    head = text.split("\n", 1)[0].split("· ")[-1]
    return int(head.split(".", 1)[0])


async def _press(tg: EmulatorClient, uid: int, message: dict, label: str) -> dict:
    since = await last_id(tg, uid)
    await tg.press_button(uid, uid, message["message_id"], text=label)
    return await tg.wait_for_message(
        uid, after_message_id=since, timeout=30, predicate=lambda m: not m["text"].startswith("✅")
    )


async def _say(tg: EmulatorClient, uid: int, text: str) -> dict:
    sent = await tg.send_text(uid, text)
    return await tg.wait_for_message(uid, after_message_id=sent["message_id"], timeout=30)


async def report_everything(tg: EmulatorClient, uid: int, name: str, asked: dict) -> list[tuple]:
    """Answer every question until the thank-you; returns what was given per task."""
    given = []
    q = await _press(tg, uid, asked, "▶️ 开始填报")
    current: dict = {}
    while "都已提交" not in q["text"]:
        text = q["text"]
        assert "⚠️" not in text, text
        if "请核对后提交" in text:
            given.append((current["number"], current["status"], current["progress"],
                          current["problems"], current["goal"], current.get("metric")))  # fmt: skip
            q = await _press(tg, uid, q, "✅ 提交")
        elif "任务状态" in text:
            number = _task_number(text)
            status = STATUS_BY_NUMBER[number % 5]
            current = {"number": number, "status": STATUS_KEYS[status]}
            q = await _press(tg, uid, q, status)
        elif "本月工作进展（形象进度）" in text:
            current["progress"] = f"{name}：序号{current['number']}本月推进情况"
            q = await _say(tg, uid, current["progress"])
        elif "存在问题 / 需指挥部协调事项" in text:
            if "必填" in text:
                current["problems"] = f"序号{current['number']}需协调用地"
                q = await _say(tg, uid, current["problems"])
            else:
                current["problems"] = None
                q = await _press(tg, uid, q, "跳过")
        elif "下阶段工作目标" in text:
            current["goal"] = f"序号{current['number']}下月目标"
            q = await _say(tg, uid, current["goal"])
        elif "截至本月" in text and "（%）" in text:  # task 18: 外贸出口增长 10%
            current["metric"] = Decimal("8.5")
            q = await _say(tg, uid, "8.5%")
        elif "截至本月" in text:
            current["metric"] = Decimal("3200")
            q = await _say(tg, uid, "0.32亿")
        elif "佐证材料" in text:
            q = await _press(tg, uid, q, "完成")
        else:
            raise AssertionError(f"unexpected question for {name}: {text[:200]}")
    return given


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_seed(sessions, clock)
    clock.set(datetime(2021, 11, 20, 9, 0))
    return sessions


async def test_november_every_due_person_reports_everything(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        hq = await the_hq(session)
        due = await due_in(session, hq.id or 0, 202111)
    names = sorted({d.person_name for d in due})
    assert len(names) == 16
    async with running_bot(seeded, clock, rate_limit=False) as h:
        users = await bind_directly(h, seeded, *names)
        since = {name: await last_id(h.tg, uid) for name, uid in users.items()}
        await open_month(h, seeded, 202111)
        asks = {}
        for name, uid in users.items():
            asks[name] = await h.tg.wait_for_message(uid, after_message_id=since[name], timeout=30)
            assert "2021年11月工作进展填报" in asks[name]["text"]
        given = await asyncio.gather(*(report_everything(h.tg, users[n], n, asks[n])
                                       for n in names))  # fmt: skip
        for name in names:  # exactly one ask each
            texts = [m["text"] for m in await h.tg.bot_messages(users[name])]
            assert sum("工作进展填报" in t for t in texts) == 1, name
        task1 = await ask(h.tg, h.admin_id, "task", "1")
        assert "张玉珍：序号1本月推进情况" in task1["text"] and "2021年11月" in task1["text"]
    async with seeded() as session:
        persons = {p.id: p.name for p in (await session.exec(select(Person))).all()}
        reports = (await session.exec(select(Report).order_by(col(Report.id)))).all()
        stages = {d.stage_id: d.task_number for d in due}
    expected = {(names[i], *g) for i, per in enumerate(given) for g in per}
    stored = {(persons[r.person_id], stages[r.stage_id], r.status, r.progress, r.problems,
               r.next_goal, r.metric_value) for r in reports}  # fmt: skip
    assert stored == expected
    assert len(reports) == len({(d.stage_id, d.person_id) for d in due})
