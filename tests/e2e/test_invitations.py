"""Through the emulator against the real bot process: the admin invites all 16 persons of the
seed task list, each binds and sees their tasks; used links are refused; nothing leaks to logs."""

from __future__ import annotations

import re

from sandbox.emulator import EmulatorClient
from tests.botflow import ask, bind, links
from tests.e2e.harness import BotProcess
from tests.tasklist.helpers import SAMPLE

EXPECTED_TASKS = {"张玉珍": [1, 2], "林嵩": [3], "高勇坤": [10, 15, 18, 19, 20, 21, 22, 23, 24,
                                                      25, 26, 27], "林武星": [28, 29]}  # fmt: skip


async def test_invite_all_sixteen_bind_and_whoami(
    tg: EmulatorClient, bot: BotProcess, admin: dict
) -> None:
    uid = admin["id"]
    sent = await tg.send_document(uid, SAMPLE.read_bytes(), SAMPLE.name)
    preview = await tg.wait_for_message(uid, after_message_id=sent["message_id"], timeout=30)
    from tests.botflow import press_and_wait_edit

    await press_and_wait_edit(tg, uid, preview, "✅ 确认导入")

    reply = await ask(tg, uid, "invite", "all")
    codes = links(reply["text"])
    assert len(codes) == 16 and "郑榕" in codes and "郑 榕" not in codes
    assert re.search(r"https://t\.me/hqbot\?start=", reply["text"])

    for name, code in codes.items():
        user = await tg.create_user(name, language_code="zh")
        card = await bind(tg, user["id"], code)
        assert "绑定成功" in card["text"] and name in card["text"]
        me = await ask(tg, user["id"], "whoami")
        numbers = [int(n) for n in re.findall(r"^(\d+)\. ", me["text"], re.M)]
        assert numbers, me["text"]
        if name in EXPECTED_TASKS:
            assert numbers == EXPECTED_TASKS[name], (name, numbers)

    stranger = await tg.create_user("冒名顶替")
    refused = await ask(tg, stranger["id"], "start", codes["张玉珍"])
    assert "已经使用过" in refused["text"]

    people = await ask(tg, uid, "people")
    assert "已绑定 16 · 已邀请 0 · 未邀请 0" in people["text"]

    assert await bot.stop() == 0
    for code in codes.values():
        assert code not in bot.log
    assert bot.token not in bot.log
