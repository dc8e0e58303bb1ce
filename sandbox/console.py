"""The sandbox's terminal chat: typed lines go to the bot as the demo admin, and every bot message
is printed when it arrives and again, marked as edited, whenever the bot edits it."""

from __future__ import annotations

import asyncio
import codecs
import os
import sys
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sandbox.emulator import EmulatorClient, EmulatorError
from sandbox.emulator.state import Message, World

QUIT_WORDS = ("/quit", ":quit")
ANSWER_WAIT = 10.0  # seconds to wait for the bot to answer a pressed button


class LineReader:
    """Lines from a file descriptor (the terminal), read without ever blocking the event loop.

    The loop watches the descriptor (``add_reader``), so Ctrl-C or a stop signal ends the console
    at once instead of after the next Enter. Where the loop cannot watch it (a regular file, a loop
    without reader support) a daemon thread reads instead; a daemon never holds up the exit.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._partial = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watching = False
        self._ended = False

    def start(self) -> None:
        """Begin reading; call from inside the running event loop."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        try:
            loop.add_reader(self._fd, self._on_readable)
            self._watching = True
        except (NotImplementedError, OSError, ValueError):
            threading.Thread(target=self._read_in_thread, name="sandbox-stdin", daemon=True).start()

    def close(self) -> None:
        """Stop watching the descriptor (the thread fallback simply dies with the process)."""
        if self._watching and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
        self._watching = False

    async def readline(self) -> str | None:
        """The next line without its line break, or None once the input has ended."""
        line = await self._queue.get()
        if line is None:
            self._queue.put_nowait(None)  # stay at the end for later calls
        return line

    def _on_readable(self) -> None:
        try:
            chunk = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: the terminal went away
            chunk = b""
        self._feed(chunk)

    def _read_in_thread(self) -> None:
        loop = self._loop
        assert loop is not None
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:
                chunk = b""
            try:
                loop.call_soon_threadsafe(self._feed, chunk)
            except RuntimeError:  # the loop has closed
                return
            if not chunk:
                return

    def _feed(self, chunk: bytes) -> None:
        if self._ended:
            return
        if not chunk:
            self.close()
            self._ended = True
            rest = self._partial + self._decoder.decode(b"", final=True)
            if rest:
                self._queue.put_nowait(rest)
            self._queue.put_nowait(None)
            return
        self._partial += self._decoder.decode(chunk)
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self._queue.put_nowait(line.rstrip("\r"))


@dataclass(frozen=True)
class Button:
    """An inline button as numbered in the terminal."""

    message_id: int
    text: str
    data: str | None


@dataclass(frozen=True)
class _Seen:
    edits: int
    deleted: bool


class Console:
    """The demo admin's side of the private chat with the bot, in the terminal."""

    def __init__(
        self,
        tg: EmulatorClient,
        world: World,
        user_id: int,
        *,
        bot: str | None = None,
        out: TextIO | None = None,
    ) -> None:
        self._tg = tg
        self._world = world
        self._user_id = user_id
        self._bot = bot
        self._out = out or sys.stdout
        self._seen: dict[int, _Seen] = {}
        self._buttons: list[Button] = []
        self._buttons_of: int | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def run(self, lines: LineReader) -> None:
        """Send each typed line until `/quit` or end of input, printing the bot's messages."""
        printer = asyncio.create_task(self._print_changes())
        try:
            while (line := await lines.readline()) is not None:
                line = line.strip()
                if line in QUIT_WORDS:
                    break
                try:
                    await self._handle(line)
                except EmulatorError as exc:
                    self._say(f"  (emulator: {exc.message})")
        finally:
            printer.cancel()
            for task in self._background:
                task.cancel()

    async def _handle(self, line: str) -> None:
        if line.startswith(":upload "):
            path = Path(line.split(" ", 1)[1].strip()).expanduser()
            if path.is_file():
                await self._tg.send_document(
                    self._user_id, path.read_bytes(), path.name, bot=self._bot
                )
            else:
                self._say(f"  (no such file: {path})")
        elif line.startswith(":press"):
            await self._press(line.split()[1:])
        elif line:
            await self._tg.send_text(self._user_id, line, bot=self._bot)

    async def _press(self, args: list[str]) -> None:
        number = int(args[0]) if args and args[0].isdigit() else 0
        if not 1 <= number <= len(self._buttons):
            self._say("  (no such button)")
            return
        button = self._buttons[number - 1]
        pressed = await self._tg.press_button(
            self._user_id,
            self._user_id,
            button.message_id,
            text=None if button.data else button.text,
            data=button.data,
            bot=self._bot,
        )
        task = asyncio.create_task(self._print_answer(str(pressed["callback_query_id"])))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _print_answer(self, query_id: str) -> None:
        """Show the bot's pop-up answer to a pressed button, if it has text."""
        with suppress(EmulatorError):
            query = await self._tg.callback_answer(query_id, wait=ANSWER_WAIT)
            text = (query.get("answer") or {}).get("text")
            if text:
                self._say(f"\nhqbot (notice)> {text}")

    async def _print_changes(self) -> None:
        """Print new bot messages, and edited or deleted ones again, as the chat changes."""
        while True:
            bot = self._world.find_bot(self._bot)
            chat = self._world.chat_view(bot, self._user_id)
            for message in chat.messages if chat is not None else []:
                if message.sender.is_bot:
                    self._show_if_changed(message)
            # No await between the read above and this wait: no change can slip in between.
            await self._world.changed.wait(None)

    def _show_if_changed(self, message: Message) -> None:
        now = _Seen(len(message.history), message.deleted)
        before = self._seen.get(message.message_id)
        if before == now:
            return
        self._seen[message.message_id] = now
        if message.deleted:
            if before is not None:
                self._say(f"\nhqbot (deleted message {message.message_id})")
            if self._buttons_of == message.message_id:
                self._buttons, self._buttons_of = [], None
            return
        label = "hqbot>" if before is None else f"hqbot (edited message {message.message_id})>"
        self._say(f"\n{label} {_content(message)}")
        buttons = [
            Button(message.message_id, str(b.get("text", "")), b.get("callback_data"))
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for b in row
        ]
        for number, button in enumerate(buttons, start=1):
            self._say(f"  [{number}] {button.text}")
        if buttons:
            self._buttons, self._buttons_of = buttons, message.message_id
        elif self._buttons_of == message.message_id:
            self._buttons, self._buttons_of = [], None

    def _say(self, text: str) -> None:
        print(text, file=self._out, flush=True)


def _content(message: Message) -> str:
    """What the terminal shows of a message: its text, or its file and caption."""
    if message.text is not None:
        return message.text
    parts = []
    if message.file is not None:
        parts.append(f"[{message.file.kind}: {message.file.file_name or message.file.file_id}]")
    if message.caption:
        parts.append(message.caption)
    return " ".join(parts)
