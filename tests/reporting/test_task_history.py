"""/task 序号 for leaders: the stages, then the task's reports month by month."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select

from models import Stage, Task
from models.database import SessionFactory
from models.reporting import ReportStatus
from services.clock import ManualClock
from services.names import person_query
from services.reporting.answers import Answers
from services.reporting.cycles import close_cycle, open_cycle
from services.reporting.history import share_of_target
from services.reporting.reports import submit_report
from services.roles import delegate
from tests.botflow import ask, bind, import_seed, links
from tests.inprocess import BotHarness, running_bot
from tests.reporting.helpers import person, the_hq

TASK_1 = "建设德艺文创国际经贸合作信息化平台"


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    clock.set(datetime(2021, 10, 20, 9, 0))
    await import_seed(sessions, clock)
    return sessions


async def _stage_of(sessions: SessionFactory, number: int) -> int:
    async with sessions() as session:
        stage = (
            await session.exec(
                select(Stage).join(Task, col(Task.id) == Stage.task_id).where(Task.number == number)
            )
        ).first()
        assert stage is not None and stage.id is not None
        return stage.id


async def _month(
    sessions: SessionFactory,
    clock: ManualClock,
    ym: int,
    reports: list[tuple[str, Answers, datetime]],
    *,
    close: bool = True,
    filler: str | None = None,
    number: int = 1,
) -> None:
    """Open month `ym`, save each (person, answers, when) on task `number`, close it."""
    stage_id = await _stage_of(sessions, number)
    async with sessions() as session:
        hq = await the_hq(session)
        assert hq.id is not None
        clock.set(datetime(ym // 100, ym % 100, 20, 9, 0))
        opened = await open_cycle(session, hq_id=hq.id, ym=ym, due_day=25, now=clock.now(), by=1)
        for name, answers, when in reports:
            clock.set(when)
            who = await person(session, name)
            by = await person(session, filler) if filler else who
            assert who.id is not None and by.id is not None
            await submit_report(session, cycle=opened.cycle, stage_id=stage_id, person_id=who.id,
                                filler_id=by.id, answers=answers, via="chat",
                                now=clock.now())  # fmt: skip
        if close:
            await close_cycle(session, hq_id=hq.id, now=clock.now(), by=1)


async def _leader(h: BotHarness, name: str) -> int:
    code = links((await ask(h.tg, h.admin_id, "invite", name))["text"])[name]
    user = await h.tg.create_user(name)
    await bind(h.tg, user["id"], code)
    return int(user["id"])


def test_share_of_the_annual_target() -> None:
    assert share_of_target(Decimal("3200"), Decimal("3900"), "万元") == Decimal("82.1")
    assert share_of_target(Decimal("2600"), Decimal("3900"), "万元") == Decimal("66.7")
    assert share_of_target(Decimal("1"), Decimal("8"), "万元") == Decimal("12.5")  # half up
    assert share_of_target(Decimal("8.5"), Decimal("10"), "%") is None  # a rate is no share
    assert share_of_target(Decimal("5"), None, "万元") is None
    assert share_of_target(None, Decimal("3900"), "万元") is None
    assert share_of_target(Decimal("5"), Decimal("0"), "万元") is None


async def test_task_shows_reports_month_by_month_with_exact_values(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    photo = {"kind": "photo", "file_id": "P1", "unique_id": "U1", "size": 1000}
    pdf = {"kind": "document", "file_id": "D1", "unique_id": "U2", "name": "验收.pdf"}
    october_first = Answers(ReportStatus.on_track, "平台主体完工", None, "完成平台联调",
                            Decimal("2500"), [photo])  # fmt: skip
    october_revised = Answers(ReportStatus.on_track, "平台主体完工，开始联调", None,
                              "完成平台联调", Decimal("2600"), [photo])  # fmt: skip
    await _month(seeded, clock, 202110, [
        ("张玉珍", october_first, datetime(2021, 10, 21, 10, 0)),
        ("张玉珍", october_revised, datetime(2021, 10, 22, 10, 0)),
    ])  # fmt: skip
    async with seeded() as session:
        hq = await the_hq(session)
        assert hq.id is not None
        await delegate(session, hq_id=hq.id, principal=person_query("张玉珍"),
                       liaison=person_query("王秘书"), by=1, now=clock.now())  # fmt: skip
    november = Answers(ReportStatus.behind, "征地<b>&拆迁完成 80%", "资金未到位 <i>急</i>",
                       "完成验收 & 上线", Decimal("3200"), [photo, pdf])  # fmt: skip
    await _month(seeded, clock, 202111, [("张玉珍", november, datetime(2021, 11, 26, 9, 0))],
                 filler="王秘书", close=False)  # fmt: skip

    async with running_bot(seeded, clock) as h:
        chen = await _leader(h, "陈旭")  # leads 海丝引领专项组
        shown = await ask(h.tg, chen, "task", "1")
        text, html = shown["text"], shown["html"]
        assert f"1. {TASK_1}" in text
        assert text.index("阶段 1") < text.index("报送情况（按月份，最新在前，最多 12 个月）")
        assert text.index("2021年11月（填报中）") < text.index("2021年10月")
        november_part = text[text.index("2021年11月（填报中）") : text.index("2021年10月")]
        assert november_part.splitlines()[1:] == [
            "▸ 张玉珍：进度滞后 · 逾期 · 填报人：王秘书（代填）",
            "本月进展（形象进度）：征地<b>&拆迁完成 80%",
            "存在问题：资金未到位 <i>急</i>",
            "下阶段目标：完成验收 & 上线",
            "累计完成投资：3200 万元（占年度目标 82.1%）",
            "佐证材料：2 份",
            "",
        ]
        october_part = text[text.index("2021年10月") :]
        assert october_part.splitlines()[1:] == [
            "▸ 张玉珍：按计划推进 · 已修改 1 次",
            "本月进展（形象进度）：平台主体完工，开始联调",
            "存在问题：无",
            "下阶段目标：完成平台联调",
            "累计完成投资：2600 万元（占年度目标 66.7%）",
            "佐证材料：1 份",
        ]
        assert "征地&lt;b&gt;&amp;拆迁" in html and "资金未到位 &lt;i&gt;急&lt;/i&gt;" in html
        assert "<b>&" not in html

        none = await ask(h.tg, h.admin_id, "task", "2")
        assert none["text"].endswith("报送情况（按月份，最新在前，最多 12 个月）\n\n暂无报送记录。")


async def test_task_in_english(seeded: SessionFactory, clock: ManualClock) -> None:
    answers = Answers(ReportStatus.done, "done <b>&", None, None, Decimal("3900"), [])
    await _month(seeded, clock, 202111, [("张玉珍", answers, datetime(2021, 11, 21, 9, 0))])
    async with running_bot(seeded, clock, language="en") as h:
        text = (await ask(h.tg, h.admin_id, "task", "1"))["text"]
        assert "Reports (by month, newest first, at most 12 months)" in text
        assert "November 2021\n▸ 张玉珍: done\nProgress this month: done <b>&\n" in text
        assert "年度投资 to date: 3900 万元 (100% of the annual target)" in text


async def test_a_year_of_long_reports_is_split_not_cut(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    def long(ym: int, what: str, size: int) -> str:
        return f"[{ym}{what}]" + "项目推进" * (size // 4) + f"<{ym}{what}完>"

    months = [202101 + i for i in range(12)] + [202201]
    for ym in months:
        answers = Answers(ReportStatus.on_track, long(ym, "进展", 1600), long(ym, "问题", 800),
                          long(ym, "目标", 800), Decimal(ym % 100 * 100), [])  # fmt: skip
        await _month(seeded, clock, ym, [("张玉珍", answers, datetime(ym // 100, ym % 100, 21))])
    async with running_bot(seeded, clock, rate_limit=False) as h:
        first = await h.tg.send_command(h.admin_id, "task", "1")
        # a user's updates are handled in order: every part of /task 1 comes before /task 2's
        await h.tg.send_command(h.admin_id, "task", "2")
        second = await h.tg.wait_for_message(
            h.admin_id, after_message_id=first["message_id"], timeout=30,
            predicate=lambda m: m["text"].startswith("2. "),
        )  # fmt: skip
        parts = [m for m in await h.tg.bot_messages(h.admin_id)
                 if first["message_id"] < m["message_id"] < second["message_id"]]  # fmt: skip
    assert len(parts) >= 10
    assert all(len(p["text"]) <= 4096 for p in parts)
    whole = "".join("".join(p["text"].split()) for p in parts)
    for ym in months[1:]:  # the newest twelve months with reports
        for what, size in (("进展", 1600), ("问题", 800), ("目标", 800)):
            assert long(ym, what, size) in whole, (ym, what)
    assert "[202101进展]" not in whole  # the thirteenth month back is left out
    assert whole.index("2022年1月") < whole.index("2021年12月") < whole.index("2021年2月")
