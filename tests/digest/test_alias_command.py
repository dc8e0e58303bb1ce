"""/alias: the admin sees and extends how units are named in digests; others may not."""

from __future__ import annotations

from datetime import datetime

from models.database import SessionFactory
from services.clock import ManualClock
from services.digest.units import unit_names
from tests.botflow import ask, import_seed
from tests.inprocess import running_bot
from tests.reporting.chat import bind_directly


async def test_the_admin_lists_adds_and_removes_aliases(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 11, 1, 9, 0))
    await import_seed(sessions, clock)
    async with running_bot(sessions, clock) as h:
        listed = await ask(h.tg, h.admin_id, "alias")
        assert "管理员尚未添加别名" in listed["text"]

        added = await ask(h.tg, h.admin_id, "alias", "区外事办 = 区政府办（外事办）")
        assert "已添加" in added["text"] and "区政府办（外事办）" in added["text"]
        async with sessions() as session:
            assert (await unit_names(session)).canonical("区外事办") == "区政府办（外事办）"
        listed = await ask(h.tg, h.admin_id, "alias")
        assert "区外事办 → 区政府办（外事办）" in listed["text"]

        unknown = await ask(h.tg, h.admin_id, "alias", "区外事办 = 不存在的单位")
        assert "找不到单位" in unknown["text"]
        bad = await ask(h.tg, h.admin_id, "alias", "区外事办")
        assert "无法识别" in bad["text"] and "用法" in bad["text"]
        async with sessions() as session:  # refusals changed nothing
            assert (await unit_names(session)).canonical("区外事办") == "区政府办（外事办）"

        removed = await ask(h.tg, h.admin_id, "alias", "remove 区外事办")
        assert "已删除" in removed["text"]
        async with sessions() as session:
            assert (await unit_names(session)).canonical("区外事办") == "区外事办"

        users = await bind_directly(h, sessions, "陈旭")
        refused = await ask(h.tg, users["陈旭"], "alias", "区外事办 = 区政府办（外事办）")
        assert "权限" in refused["text"]
