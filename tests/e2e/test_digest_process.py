"""The digest reaches the HQ group by itself: the real `hqbot run` under faketime at the
scheduled close (Friday 2021-11-26 09:00), killed while the chart was being sent, restarted, and
started again later — the text, chart and Excel each arrive once (but the one message in flight
at the kill, which Telegram had taken), and a leader's /digest says the same."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from models import Headquarters, Person
from models.schedule import CycleRun
from tests.e2e.harness import open_private_chats, until
from tests.e2e.test_schedule_process import Scene, _report, _seed_sample, _ticked, scene

__all__ = ["scene"]  # the fixture, shared with the schedule's end-to-end tests

TITLE = "构建对外开放新高地项目指挥部 2021年11月工作进展汇总"
LEADER = "陈旭"


def _group_messages(scene: Scene, chat_id: int) -> list[dict]:
    """The bot's messages in a group as the emulator holds them: kind and text."""
    account = scene.server.world.bots[scene.token]
    chat = scene.server.world.groups[chat_id]
    found = []
    for m in chat.messages:
        if m.sender.id == account.id and not m.service:
            kind = m.file.kind if m.file is not None else "text"
            found.append({"kind": kind, "text": m.text or ""})
    return found


def _digest_messages(scene: Scene, chat_id: int) -> list[dict]:
    messages = _group_messages(scene, chat_id)
    first = next((n for n, m in enumerate(messages) if TITLE in m["text"]), len(messages))
    return messages[first:]


def _has(scene: Scene, chat_id: int, kind: str) -> bool:
    return any(m["kind"] == kind for m in _digest_messages(scene, chat_id))


async def _hq_group(scene: Scene, members: list[int]) -> int:
    group = await scene.tg.create_group("指挥部工作群", members, add_bot=True, bot=scene.token)
    async with scene.sessions() as session:
        hq = (await session.exec(select(Headquarters))).one()
        hq.hq_chat_id = group["id"]
        session.add(hq)
        await session.commit()
    return int(group["id"])


async def _bind_leader(scene: Scene) -> int:
    user = (await scene.tg.create_user(LEADER, language_code="zh"))["id"]
    open_private_chats(scene.server, scene.token, [user])
    async with scene.sessions() as session:
        person = (await session.exec(select(Person).where(Person.name == LEADER))).one()
        person.telegram_user_id = user
        session.add(person)
        await session.commit()
    return int(user)


async def test_the_scheduled_close_posts_the_digest_once_across_a_kill_and_restarts(
    scene: Scene,
) -> None:
    users = await _seed_sample(scene)
    leader = await _bind_leader(scene)
    group = await _hq_group(scene, [scene.admin, leader])
    bot = await scene.start(datetime(2021, 11, 22, 9, 5))  # the month opens
    assert (await _ticked(bot))[0] == 1
    await until(scene.server, lambda: all(scene.kinds(u) == ["ask"] for u in users.values()), 60)
    assert await bot.stop() == 0
    await _report(scene.sessions, "林嵩", {3})
    await _report(scene.sessions, "张玉珍", {1, 2})

    # 15 s before the close: the chart reaches the group, its answer never comes back
    await scene.tg.inject_fault("hang", method="sendPhoto", phase="after", delay=None)
    bot = await scene.start(datetime(2021, 11, 26, 8, 59, 45))
    await _ticked(bot)  # the first tick, before 09:00: nothing yet
    await until(scene.server, lambda: _has(scene, group, "photo"), 150)
    await bot.kill()
    await scene.tg.clear_faults()
    assert not _has(scene, group, "document")

    bot = await scene.start(datetime(2021, 11, 26, 9, 3))  # back: the rest is delivered
    await until(scene.server, lambda: _has(scene, group, "document"), 90)
    posted = _digest_messages(scene, group)
    texts = [m["text"] for m in posted if m["kind"] == "text"]
    assert [m["kind"] for m in posted] == ["text"] * len(texts) + ["photo", "photo", "document"]
    assert len(set(texts)) == len(texts) and TITLE in texts[0]  # every text part once
    assert "黄勉（东街街道，海丝引领专项组）" in "".join(texts)

    # a leader's /digest says what the group was told
    before = len(scene.messages(leader))
    await scene.tg.send_command(leader, "digest")
    await until(scene.server, lambda: len(scene.messages(leader)) >= before + len(texts) + 1, 60)
    mine = scene.messages(leader)[before:]
    assert [t for t in mine if t][: len(texts)] == texts
    assert await bot.stop() == 0

    since = scene.last_seq()
    bot = await scene.start(datetime(2021, 11, 26, 10, 0))  # an hour later: nothing again
    await _ticked(bot)
    assert await bot.stop() == 0
    group_sends = [e for e in scene.server.world.request_log if e["seq"] > since
                   and str(e["params"].get("chat_id")) == str(group)]  # fmt: skip
    assert group_sends == []
    async with scene.sessions() as session:
        runs = (await session.exec(select(CycleRun.kind).where(
            col(CycleRun.kind).in_(["close", "digest"])))).all()  # fmt: skip
    assert sorted(runs) == ["close", "digest"]
    assert all("Traceback" not in b.log for b in scene.started)
