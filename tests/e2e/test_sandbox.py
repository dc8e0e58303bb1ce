"""`hqbot sandbox` (the README's first command): the emulator and a bot that answers, and the
terminal chat — edited messages shown again, Ctrl-C / SIGINT / end of input stop it at once."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import signal
import sys
import termios
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.emulator import EmulatorClient
from tests.e2e.harness import REPO
from tests.tasklist.helpers import SAMPLE

EXIT_WAIT = 10.0  # seconds a stop request may take, start-up included
LINE_WAIT = 60.0  # seconds to wait for an expected line of output


async def test_sandbox_starts_emulator_and_bot(tmp_path: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HQBOT_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "sandbox", "--port", "0", "--no-console",
        "--database", database_url,
        cwd=str(tmp_path),
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        banner = ""
        while "demo admin" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, "sandbox exited before printing its banner"
            banner += line.decode()
        url = re.search(r"(http://127\.0\.0\.1:\d+)", banner).group(1)  # type: ignore[union-attr]
        admin_id = int(re.search(r"id (\d+)", banner).group(1))  # type: ignore[union-attr]
        async with EmulatorClient(url) as tg:
            await tg.send_command(admin_id, "start")
            reply = await tg.wait_for_message(admin_id, timeout=30)
        assert "综合协调组" in reply["text"]  # the demo user is an admin
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0


@dataclass
class Terminal:
    """The sandbox with its terminal chat on a pseudo-terminal: type lines, read its output."""

    proc: asyncio.subprocess.Process
    keyboard: int  # the pty's master side: what is written here is typed
    output: list[str] = field(default_factory=list)

    def type(self, text: str) -> None:
        """Type text (a line needs its "\\n")."""
        os.write(self.keyboard, text.encode())

    async def line(self, predicate: Callable[[str], bool]) -> str:
        """The next line of output that matches (earlier ones are kept in `output`)."""
        assert self.proc.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.proc.stdout.readline(), LINE_WAIT)
            assert raw, f"sandbox exited; it printed:\n{''.join(self.output)}"
            text = raw.decode()
            self.output.append(text)
            if predicate(text):
                return text

    async def lines_until(self, predicate: Callable[[str], bool]) -> list[str]:
        """Output lines up to and including the first that matches."""
        start = len(self.output)
        await self.line(predicate)
        return self.output[start:]

    async def exit_code(self) -> int:
        """Wait (bounded) for the process to end."""
        return await asyncio.wait_for(self.proc.wait(), EXIT_WAIT)


@asynccontextmanager
async def terminal_sandbox(tmp_path: Path, database_url: str) -> AsyncIterator[Terminal]:
    """`hqbot sandbox --port 0` with stdin on a pty (so the chat is on), past its banner."""
    keyboard, screen = pty.openpty()
    attrs = termios.tcgetattr(screen)
    attrs[3] &= ~termios.ECHO  # the test reads stdout only; no echo of typed lines
    termios.tcsetattr(screen, termios.TCSANOW, attrs)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HQBOT_")}
    with (tmp_path / "sandbox.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "sandbox", "--port", "0",
            "--database", database_url,
            cwd=str(tmp_path),
            env={**env, "PYTHONPATH": str(REPO)},
            stdin=screen,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )  # fmt: skip
    os.close(screen)
    term = Terminal(proc, keyboard)
    try:
        await term.line(lambda text: "`/quit` or Ctrl-C stops" in text)
        yield term
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        os.close(keyboard)


async def _greeted(term: Terminal) -> None:
    """Send /start from the terminal and see the answer: the chat is live, back at its prompt."""
    term.type("/start\n")
    shown = await term.lines_until(lambda text: "综合协调组" in text)  # the admin's greeting
    assert any(text.startswith("hqbot> ") for text in shown)


def _edited(text: str) -> bool:
    return text.startswith("hqbot (edited message ")


def _buttons(shown: list[str]) -> list[str]:
    return [text.strip() for text in shown if re.match(r"^\s+\[\d+\] ", text)]


async def test_terminal_shows_edited_messages_with_their_buttons(
    tmp_path: Path, database_url: str
) -> None:
    async with terminal_sandbox(tmp_path, database_url) as term:
        await _greeted(term)
        term.type(f":upload {SAMPLE}\n")
        await term.line(lambda text: text.strip() == "[1] ✅ 确认导入")
        term.type(":press 1\n")
        await term.line(lambda text: _edited(text) and "已导入" in text)  # the preview, edited
        term.type("/tasks\n")
        shown = await term.lines_until(lambda text: text.startswith("hqbot> "))
        assert any("新增 29 项" in text for text in shown)
        assert _buttons(shown) == []  # 确认导入 / 取消 went with the edit

        await term.line(lambda text: "第 1/3 页" in text)
        await term.line(lambda text: text.strip() == "[1] ▶")
        term.type(":press 1\n")
        await term.line(_edited)
        page = await term.lines_until(lambda text: text.strip() == "[2] ▶")
        assert any("第 2/3 页" in text for text in page)
        assert _buttons(page) == ["[1] ◀", "[2] ▶"]
        term.type(":press 2\n")  # a button of the edited message, numbered as printed
        await term.line(_edited)
        page = await term.lines_until(lambda text: text.strip() == "[1] ◀")
        assert any("第 3/3 页" in text for text in page)

        term.type("/quit\n")
        assert await term.exit_code() == 0


async def test_sigint_stops_the_terminal_chat_at_once(tmp_path: Path, database_url: str) -> None:
    async with terminal_sandbox(tmp_path, database_url) as term:
        await _greeted(term)  # now waiting for the next line
        term.proc.send_signal(signal.SIGINT)
        assert await term.exit_code() == 0


async def test_end_of_input_stops_the_terminal_chat(tmp_path: Path, database_url: str) -> None:
    async with terminal_sandbox(tmp_path, database_url) as term:
        await _greeted(term)
        term.type("\x04")  # Ctrl-D on an empty line
        assert await term.exit_code() == 0
