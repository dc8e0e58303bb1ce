"""`hqbot cycle open|close|status` and `hqbot outbox` against the emulator: the asks go out once,
the progress bar is the outbox, quiet hours hold, a running bot delivers instead of the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.cli import app
from models import Person
from models.database import SessionFactory
from models.outbox import OutboxMessage, OutboxStatus
from sandbox.emulator import EmulatorClient, EmulatorServer
from services.clock import ManualClock
from tests.botflow import ask, import_seed
from tests.inprocess import running_bot

runner = CliRunner()
ASK_TITLE = "工作进展填报"
BOUND = ("张玉珍", "林嵩", "高勇坤")


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("HQBOT_CONFIG", "HQBOT_TELEGRAM__TOKEN", "HQBOT_DATABASE__URL"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    clock.set(datetime(2021, 11, 20, 9, 0))
    await import_seed(sessions, clock)
    return sessions


def _config(tmp_path: Path, database_url: str, telegram: str = "") -> list[str]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'{telegram}[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return ["--config", str(cfg)]


async def hqbot(*args: str) -> Result:
    """Run the CLI in a thread: the emulator keeps serving in this loop meanwhile."""
    return await asyncio.to_thread(runner.invoke, app, list(args), env={"COLUMNS": "200"})


async def _bind(sessions: SessionFactory, users: dict[str, int]) -> None:
    """Bind persons of the task list to Telegram accounts (as accepting an invitation does)."""
    async with sessions() as session:
        for name, user_id in users.items():
            person = (await session.exec(select(Person).where(Person.name == name))).one()
            person.telegram_user_id = user_id
            session.add(person)
        await session.commit()


async def _asks(tg: EmulatorClient, user_id: int) -> list[dict]:
    return [m for m in await tg.bot_messages(user_id) if ASK_TITLE in m["text"]]


def _row(output: str, first: str) -> list[str]:
    """The other cells of the table row whose first cell is `first`."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if cells[0] == first:
            return cells[1:]
    raise AssertionError(f"no row {first!r} in:\n{output}")


@dataclass
class World:
    """The emulator with the bot registered, three bound persons, and the CLI's arguments."""

    tg: EmulatorClient
    users: dict[str, int]
    args: list[str]


@pytest.fixture
async def world(seeded: SessionFactory, database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    server = EmulatorServer()
    await server.start()
    try:
        async with EmulatorClient(server.url) as tg:
            token = (await tg.create_bot("hqbot", "hqbot"))["token"]
            users = {}
            for name in BOUND:
                user_id = int((await tg.create_user(name))["id"])
                await tg.send_command(user_id, "start")  # a private chat with the bot
                users[name] = user_id
            await _bind(seeded, users)
            telegram = f'[telegram]\ntoken = "{token}"\nbase_url = "{server.url}"\n'
            yield World(tg, users, _config(tmp_path, database_url, telegram))
    finally:
        await server.stop()


async def test_open_asks_each_bound_person_once_then_status_and_close(world: World) -> None:
    opened = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-20T09:00", *world.args)
    assert opened.exit_code == 0, opened.output
    assert "已开启 2021年11月 填报，报送截止 11月25日。" in opened.output
    assert "本月应报送 16 人、37 项。" in opened.output
    assert "本次通知 3 人 · 未绑定账号 13 人 · 无法送达 0 人" in opened.output
    assert "发送填报通知" in opened.output and "3/3" in opened.output  # the progress bar
    assert "已送达 3 条 · 发送失败 0 条 · 待发 0 条" in opened.output
    for user_id in world.users.values():
        assert len(await _asks(world.tg, user_id)) == 1
    [gao] = await _asks(world.tg, world.users["高勇坤"])
    assert "18. " in gao["text"] and "27. " in gao["text"]  # his tasks, with buttons
    assert gao["reply_markup"]["inline_keyboard"]

    again = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-20T09:10", *world.args)
    assert again.exit_code == 0, again.output
    assert "2021年11月 已在填报中" in again.output
    assert "本次通知 0 人 · 未绑定账号 13 人" in again.output
    assert "已送达 3 条 · 发送失败 0 条 · 待发 0 条" in again.output
    for user_id in world.users.values():
        assert len(await _asks(world.tg, user_id)) == 1

    other = await hqbot("cycle", "open", "2021-12", "--now", "2021-11-20T09:20", *world.args)
    assert other.exit_code == 1
    assert "2021年11月 仍在填报中，一次只能开启一个月份" in other.output

    status = await hqbot("cycle", "status", *world.args)
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert "2021年11月填报进度（填报中）· 报送截止 11月25日" in status.output
    assert "已报送 0/37 项，已报齐 0/16 人" in status.output
    assert "未报齐（16 人）" in status.output
    zheng = next(line for line in lines if "郑榕" in line)
    assert "区委台港澳办" in zheng and "10、 11、 13、 14、 15、 17" in zheng and "未绑定" in zheng
    zhang = next(line for line in lines if "张玉珍" in line)
    assert "1、 2" in zhang and "未绑定" not in zhang and "未收到通知" not in zhang
    assert _row(status.output, "填报通知") == ["0", "3", "0", "0", "0"]  # pending, sent, …

    closed = await hqbot("cycle", "close", "--now", "2021-11-26T09:00", *world.args)
    assert closed.exit_code == 0, closed.output
    assert "已关闭 2021年11月 填报：已报送 0/37 项，已报齐 0/16 人。" in closed.output
    after = await hqbot("cycle", "status", *world.args)
    assert "2021年11月填报进度（已关闭）" in after.output
    twice = await hqbot("cycle", "close", "--now", "2021-11-26T09:05", *world.args)
    assert twice.exit_code == 1
    assert "目前没有填报中的月份（最近一个月份2021年11月已关闭）" in twice.output


async def test_quiet_hours_hold_the_asks_until_the_morning(world: World) -> None:
    night = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-20T22:30", *world.args)
    assert night.exit_code == 0, night.output
    assert "本次通知 3 人" in night.output
    assert "现在是免打扰时段：通知将于 11月21日 08:00 由运行中的机器人" in night.output
    assert "已送达 0 条 · 发送失败 0 条 · 待发 3 条" in night.output
    for user_id in world.users.values():
        assert await _asks(world.tg, user_id) == []

    morning = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-21T08:05", *world.args)
    assert morning.exit_code == 0, morning.output
    assert "本次通知 0 人" in morning.output  # nobody asked twice: the held asks go out
    assert "已送达 3 条 · 发送失败 0 条 · 待发 0 条" in morning.output
    for user_id in world.users.values():
        assert len(await _asks(world.tg, user_id)) == 1


async def test_failures_are_listed_and_retried(world: World, seeded: SessionFactory) -> None:
    await world.tg.block_bot(world.users["林嵩"])
    await world.tg.inject_fault(method="sendMessage", count=1, status=400,
                                description="Bad Request: can't parse entities")  # fmt: skip
    opened = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-20T09:00", *world.args)
    assert opened.exit_code == 0, opened.output
    assert "已送达 1 条 · 发送失败 2 条（其中无法送达 1 条） · 待发 0 条" in opened.output

    shown = await hqbot("outbox", *world.args)
    assert shown.exit_code == 0, shown.output
    assert "最近发送失败的消息（2 条）" in shown.output
    assert "400: Can't parse entities" in shown.output
    assert "403: Forbidden: bot was blocked by the user" in shown.output
    assert _row(shown.output, "全部") == ["0", "1", "1", "1", "0"]

    retried = await hqbot("outbox", "--retry", "--now", "2021-11-20T09:05", *world.args)
    assert retried.exit_code == 0, retried.output
    assert "已把 1 条发送失败的消息重新排队" in retried.output
    assert "无法送达的 1 条不重发：对方已屏蔽机器人。" in retried.output
    async with seeded() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
        assert sorted(r.status for r in rows if r.key.startswith("ask:")) == [
            OutboxStatus.pending, OutboxStatus.sent, OutboxStatus.unreachable
        ]  # fmt: skip

    # the next `cycle open` delivers the row queued again; the blocked person is not asked again
    again = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-20T09:10", *world.args)
    assert again.exit_code == 0, again.output
    assert "本次通知 0 人 · 未绑定账号 13 人 · 无法送达 1 人" in again.output
    assert "已送达 2 条 · 发送失败 1 条（其中无法送达 1 条） · 待发 0 条" in again.output
    got = {name: len(await _asks(world.tg, uid)) for name, uid in world.users.items()}
    assert got == {"张玉珍": 1, "林嵩": 0, "高勇坤": 1}


async def test_while_the_bot_runs_it_delivers_and_the_cli_follows(
    seeded: SessionFactory, clock: ManualClock, database_url: str, tmp_path: Path
) -> None:
    clock.set(datetime(2021, 11, 20, 9, 5))
    async with running_bot(seeded, clock) as h:
        users = {}
        for name in BOUND:
            user_id = int((await h.tg.create_user(name))["id"])
            await ask(h.tg, user_id, "start")
            users[name] = user_id
        await _bind(seeded, users)
        args = _config(tmp_path, database_url)  # no token: this process cannot send
        opened = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-20T09:00", *args)
        assert opened.exit_code == 0, opened.output
        assert "本次通知 3 人" in opened.output
        assert "机器人正在运行，由它发出通知：" in opened.output
        assert "已送达 3 条 · 发送失败 0 条 · 待发 0 条" in opened.output
        for user_id in users.values():
            assert len(await _asks(h.tg, user_id)) == 1


async def test_without_a_token_the_asks_wait_for_the_bot(
    seeded: SessionFactory, database_url: str, tmp_path: Path
) -> None:
    args = _config(tmp_path, database_url)
    none = await hqbot("cycle", "status", *args)
    assert none.exit_code == 1
    assert "还没有开启过填报月份。运行 hqbot cycle open 开启" in none.output
    bad = await hqbot("cycle", "open", "2021-13", *args)
    assert bad.exit_code == 2 and "“2021-13”不是月份" in bad.output
    unknown = await hqbot("cycle", "open", "2021-11", "--hq", "别的指挥部", *args)
    assert unknown.exit_code == 1 and "没有这个指挥部" in unknown.output

    await _bind(seeded, {"张玉珍": 9001, "林嵩": 9002})
    opened = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-20T09:00", *args)
    assert opened.exit_code == 0, opened.output
    assert "本次通知 2 人 · 未绑定账号 14 人" in opened.output
    assert "未配置 telegram.token：通知已排队，由运行中的机器人（hqbot run）发出。" in opened.output
    assert "已送达 0 条 · 发送失败 0 条 · 待发 2 条" in opened.output


async def test_in_english(seeded: SessionFactory, database_url: str, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[app]\nlanguage = "en"\n[database]\nurl = "{database_url}"\n')
    args = ["--config", str(cfg)]
    opened = await hqbot("cycle", "open", "2021-11", "--now", "2021-11-20T09:00", *args)
    assert opened.exit_code == 0, opened.output
    assert "November 2021 is open for reporting, due 2021-11-25." in opened.output
    assert "0 asked · 16 not bound · 0 unreachable" in opened.output
    status = await hqbot("cycle", "status", *args)
    assert "Not complete (16 persons)" in status.output and "not bound" in status.output


def test_help_lists_the_month_commands_not_the_test_clock() -> None:
    listed = runner.invoke(app, ["--help"])
    assert "cycle" in listed.output and "outbox" in listed.output
    cycle = runner.invoke(app, ["cycle", "--help"])
    assert all(verb in cycle.output for verb in ("open", "close", "status"))
    opening = runner.invoke(app, ["cycle", "open", "--help"])
    assert "YYYY-MM" in opening.output and "--now" not in opening.output
