"""The reporting conversation through the emulator: ask, every step, 修改, 同上月, pause, resume."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select

from models import Evidence, Report, ReportDraft
from models.database import SessionFactory
from services.clock import ManualClock
from tests.botflow import ask, import_seed
from tests.inprocess import running_bot
from tests.reporting.chat import (
    bind_directly,
    close_month,
    label_with,
    labels,
    last_id,
    open_month,
    press,
    say,
)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 20


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_seed(sessions, clock)
    return sessions


async def _reports(sessions: SessionFactory) -> list[Report]:
    async with sessions() as session:
        query = select(Report).order_by(col(Report.id))
        return list((await session.exec(query)).all())


async def test_two_tasks_reported_with_evidence_edit_pause_and_same_as_last_month(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 10, 20, 9, 0))
    async with running_bot(seeded, clock, rate_limit=False) as h:
        users = await bind_directly(h, seeded, "张玉珍")
        zhang = users["张玉珍"]
        since = await last_id(h.tg, zhang)
        await open_month(h, seeded, 202110)
        asked = await h.tg.wait_for_message(zhang, after_message_id=since, timeout=20)
        assert "2021年10月" in asked["text"] and "10月25日前" in asked["text"]
        assert "1. 建设德艺文创国际经贸合作信息化平台" in asked["text"]
        assert len(labels(asked)) == 3  # 开始填报 + one per task

        q = await press(h.tg, zhang, asked, "▶️ 开始填报")
        assert "第 1/2 项" in q["text"] and "任务状态" in q["text"]
        q = await press(h.tg, zhang, q, "按计划推进")
        assert "本月工作进展" in q["text"]
        q = await say(h.tg, zhang, "平台主体完工")
        assert "存在问题" in q["text"]
        q = await press(h.tg, zhang, q, "跳过")
        assert "下阶段工作目标" in q["text"] and "同上月" not in labels(q)
        q = await say(h.tg, zhang, "完成平台验收")
        assert "截至本月累计完成投资（万元）" in q["text"] and "3900 万元" in q["text"]
        q = await say(h.tg, zhang, "0.32亿")
        assert "佐证材料" in q["text"]
        sent = await h.tg.send_photo(zhang, PNG, "site.png", "image/png")
        q = await h.tg.wait_for_message(zhang, after_message_id=sent["message_id"], timeout=20)
        assert "已收到 1 个" in q["text"]
        q = await press(h.tg, zhang, q, label_with(q, "完成"))
        assert "请核对后提交" in q["text"] and "3200 万元" in q["text"]
        q = await press(h.tg, zhang, q, "✏️ 修改")
        q = await press(h.tg, zhang, q, "本月工作进展")
        assert "本月工作进展" in q["text"] and "↩️ 返回汇总" in labels(q)
        q = await say(h.tg, zhang, "平台主体完工，进入联调")
        assert "请核对后提交" in q["text"] and "进入联调" in q["text"]
        saved = await press(h.tg, zhang, q, "✅ 提交")
        assert "已提交" in saved["text"]
        nxt = await h.tg.wait_for_message(zhang, after_message_id=saved["message_id"], timeout=20)
        assert "第 2/2 项" in nxt["text"] and "2. 新建开元寺" in nxt["text"]

        q = await press(h.tg, zhang, nxt, "进度滞后")
        q = await say(h.tg, zhang, "完成主体结构 60%")
        assert "必填" in q["text"]  # 滞后: problems required, no 跳过
        assert "跳过" not in labels(q)
        paused = await ask(h.tg, zhang, "cancel")
        assert "已暂停" in paused["text"]
        again = await ask(h.tg, zhang, "report")
        assert "存在问题" in again["text"] and "2. 新建开元寺" in again["text"]
        q = await say(h.tg, zhang, "无")
        assert "请写明存在的问题" in q["text"]
        q = await say(h.tg, zhang, "征迁未完成，需协调区住建局")
        q = await say(h.tg, zhang, "完成主体结构")
        q = await say(h.tg, zhang, "1,200")
        q = await press(h.tg, zhang, q, "完成")
        saved = await press(h.tg, zhang, q, "✅ 提交")
        thanks = await h.tg.wait_for_message(
            zhang, after_message_id=saved["message_id"], timeout=20
        )
        assert "都已提交" in thanks["text"]
        assert "1. 建设德艺文创国际经贸合作信息化平台" in thanks["text"]

        reports = await _reports(seeded)
        answers = [(r.status, r.progress, r.problems, r.next_goal, r.metric_value) for r in reports]
        assert answers == [
            ("on_track", "平台主体完工，进入联调", None, "完成平台验收", Decimal("3200")),
            ("behind", "完成主体结构 60%", "征迁未完成，需协调区住建局", "完成主体结构",
             Decimal("1200")),
        ]  # fmt: skip
        assert all(r.filler_id == r.person_id and not r.late for r in reports)
        async with seeded() as session:
            files = (await session.exec(select(Evidence))).all()
            assert [(f.report_id, f.kind) for f in files] == [(reports[0].id, "photo")]
            assert (await session.exec(select(ReportDraft))).first() is None

        # November: 同上月 takes October's goal
        await close_month(h, seeded)
        clock.set(datetime(2021, 11, 20, 9, 0))
        await open_month(h, seeded, 202111)
        asked = await h.tg.wait_for_message(zhang, after_message_id=thanks["message_id"],
                                            timeout=20)  # fmt: skip
        q = await press(h.tg, zhang, asked, label_with(asked, "1. 建设"))
        q = await press(h.tg, zhang, q, "按计划推进")
        q = await say(h.tg, zhang, "完成联调")
        q = await press(h.tg, zhang, q, "跳过")
        assert "上月目标：完成平台验收" in q["text"]
        q = await press(h.tg, zhang, q, "同上月")
        assert "上次填报 3200 万元" in q["text"]
        q = await say(h.tg, zhang, "3500")
        q = await press(h.tg, zhang, q, "完成")
        await press(h.tg, zhang, q, "✅ 提交")
    november = (await _reports(seeded))[-1]
    assert (november.next_goal, november.metric_value) == ("完成平台验收", Decimal("3500"))


async def test_a_reopened_report_of_an_older_month_is_offered_in_myreports(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 10, 20, 9, 0))
    async with running_bot(seeded, clock, rate_limit=False) as h:
        zhang = (await bind_directly(h, seeded, "张玉珍"))["张玉珍"]
        await open_month(h, seeded, 202110)
        q = await ask(h.tg, zhang, "report")
        for step in (
            "按计划推进",
            "平台主体完工",
            "跳过",
            "完成平台验收",
            "3200",
            "完成",
            "✅ 提交",
        ):
            q = await (press(h.tg, zhang, q, step) if step in labels(q) else say(h.tg, zhang, step))
        await close_month(h, seeded)
        clock.set(datetime(2021, 11, 20, 9, 0))
        await open_month(h, seeded, 202111)
        granted = await ask(h.tg, h.admin_id, "reopen", "张玉珍 1 2021-10")
        assert "张玉珍" in granted["text"]
        mine = await ask(h.tg, zhang, "myreports")
        assert "准许补改" in mine["text"] and "2021年10月 · 1. 建设" in mine["text"]
        revise = [label for label in labels(mine) if label.startswith("✏️ 修改 1.")]
        assert len(revise) == 1
        q = await press(h.tg, zhang, mine, revise[0])
        assert "请核对后提交" in q["text"] and "平台主体完工" in q["text"]
        q = await press(h.tg, zhang, q, "✏️ 修改")
        q = await press(h.tg, zhang, q, "本月工作进展")
        q = await say(h.tg, zhang, "平台主体完工（更正）")
        await press(h.tg, zhang, q, "✅ 提交")
    october = [r for r in await _reports(seeded) if r.cycle_id == 1]
    assert [(r.revision, r.progress) for r in october if r.stage_id == october[0].stage_id] == [
        (1, "平台主体完工"), (2, "平台主体完工（更正）")]  # fmt: skip
