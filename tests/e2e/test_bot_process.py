"""The real bot process against the emulator: /start round trip, menu, clean shutdown."""

from __future__ import annotations

from sandbox.emulator import EmulatorClient
from tests.e2e.harness import BotProcess


async def test_start_reply_and_clean_sigterm(
    tg: EmulatorClient, bot: BotProcess, admin: dict
) -> None:
    user = await tg.create_user("玉珍", "张", language_code="zh")
    await tg.send_command(user["id"], "start")
    reply = await tg.wait_for_message(user["id"], timeout=30)
    assert "项目指挥部" in reply["text"]
    assert "张" in reply["text"] or "玉珍" in reply["text"]

    await tg.send_command(admin["id"], "start")
    admin_reply = await tg.wait_for_message(admin["id"], timeout=15)
    assert "综合协调组" in admin_reply["text"]

    assert await bot.stop(timeout=10) == 0
    assert bot.token not in bot.log
    assert bot.token.split(":")[1] not in bot.log
    assert "hqbot is running as @hqbot" in bot.log


async def test_command_menu_help_and_unknown_command(tg: EmulatorClient, bot: BotProcess) -> None:
    user = await tg.create_user("Li", language_code="en")
    await tg.send_command(user["id"], "help")
    reply = await tg.wait_for_message(user["id"], timeout=30)
    assert "/start" in reply["text"] and "/help" in reply["text"]
    commands = {c["command"] for c in await tg.commands()}
    assert {"start", "help"} <= commands

    await tg.send_command(user["id"], "frobnicate")
    nope = await tg.wait_for_message(user["id"], after_message_id=reply["message_id"], timeout=15)
    assert "/frobnicate" in nope["text"] and "/help" in nope["text"]


async def test_html_in_names_is_escaped(tg: EmulatorClient, bot: BotProcess) -> None:
    user = await tg.create_user("<b>Bob</b> & <i>", language_code="en")
    await tg.send_command(user["id"], "start")
    reply = await tg.wait_for_message(user["id"], timeout=30)
    assert "<b>Bob</b> & <i>" in reply["text"]  # shown literally, not as markup
