"""Invitation codes and the bot token never reach the log, whatever shape the message took."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import REDACTED, RedactingFormatter, redact
from models.database import SessionFactory
from services.clock import ManualClock
from tests.botflow import ask
from tests.inprocess import running_bot

CODE = "Qm3xV9_kTz-8pLw2RbN7sYc4HdJf6GaE"  # shaped like secrets.token_urlsafe(24)
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"

# The ways a person may send a code, as a Telegram message text.
SENT = [
    f"/start {CODE}",
    f"/START {CODE}",
    f"/Start@hqbot {CODE}",
    f"/start\u3000{CODE}",
    f"/start\n{CODE}",
    f"/start  \t{CODE}",
    CODE,
    f"我的邀请码：{CODE}",
    f"https://t.me/hqbot?start={CODE}",
]


@pytest.mark.parametrize("text", SENT)
def test_codes_are_masked_as_sent_in_python_repr_and_json(text: str) -> None:
    update = {"update_id": 7, "message": {"message_id": 3, "text": text}}
    for shape in (
        text,
        repr(update),  # what PTB's DEBUG "finished with return value" line holds
        json.dumps(update),  # escapes U+3000 and Chinese as \uXXXX
        json.dumps(update, ensure_ascii=False),
    ):
        masked = redact(shape)
        assert CODE not in masked and REDACTED in masked, shape
        assert CODE[:12] not in masked and CODE[-12:] not in masked


def test_short_guesses_after_start_are_masked_too() -> None:
    assert redact("/start guess01xx") == f"/start {REDACTED}"
    assert redact("/START@hqbot\\u3000guess01xx") == f"/START@hqbot\\u3000{REDACTED}"


@pytest.mark.parametrize(
    "line",
    [
        "imported opening-up-tasks-2021.xlsx: 29 tasks",
        "/work/shared/data/opening-up-tasks-2021.xlsx",
        "Calling Bot API endpoint `getUpdates` with parameters `{'timeout': 1}`",
        "sqlalchemy.engine.Engine BEGIN (implicit)",
        "persistence_update_interval_seconds is ordinary",
        "code_hash " + "3f" * 32,  # a stored sha256 is not the code
        "update ids 12345678901234567890123",
        "构建对外开放新高地项目指挥部 2021 年度",
        "ALLOWED_UPDATES_FOR_THE_BOT_IN_GROUPS",
    ],
)
def test_ordinary_text_is_left_alone(line: str) -> None:
    assert redact(line) == line


def test_bot_token_and_given_secrets_are_masked() -> None:
    line = f"POST /bot{TOKEN}/getMe password=hunter2hunter2"
    masked = redact(line, ["hunter2hunter2"])
    assert TOKEN not in masked and "hunter2" not in masked
    assert masked == f"POST /bot{REDACTED}/getMe password={REDACTED}"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, formatted the way `hqbot run` formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_ptb_debug_log_of_updates_never_shows_a_code(
    sessions: SessionFactory, clock: ManualClock, debug_log: io.StringIO
) -> None:
    async with running_bot(sessions, clock) as h:
        user = await h.tg.create_user("Paster", language_code="zh")
        for text in SENT:
            await h.tg.send_text(user["id"], text)
        await ask(h.tg, user["id"], "help")  # answered only after every update above was read
    output = debug_log.getvalue()
    assert "getUpdates" in output and "finished with return value" in output
    assert "/START" in output and "\\u3000" + REDACTED in output  # the real shapes were logged
    assert CODE not in output
    assert CODE[:12] not in output and CODE[-12:] not in output
