"""Run the real `hqbot run` as a subprocess against the emulator, over loopback HTTP.

`start_bot(..., at=datetime(2021, 11, 22, 9, 5))` starts it under libfaketime's `faketime`
(Debian package `faketime`, installed by .ci/run): its system clock starts at that Shanghai
wall time and runs on from there. A missing `faketime` fails the test; it is never skipped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from sandbox.emulator import EmulatorServer

REPO = Path(__file__).resolve().parents[2]
FAKETIME = Path("/usr/bin/faketime")
ZONE = "Asia/Shanghai"  # the zone `at` is read in (the bot's app.timezone)
START_TIMEOUT = 60.0


@dataclass
class BotProcess:
    """A running bot subprocess and what it printed."""

    proc: asyncio.subprocess.Process
    config_path: Path
    token: str
    stderr_lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    faked: bool = False  # under faketime: `proc` is faketime, the bot is its only child
    _grew: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def log(self) -> str:
        """Everything the bot logged so far."""
        return "".join(self.stderr_lines)

    def bot_pid(self) -> int:
        """The pid of the bot itself (faketime forks it and does not pass signals on)."""
        if not self.faked:
            return self.proc.pid
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rpartition(")")[2].split()[1]) == self.proc.pid:
                    return int(entry.name)
        raise AssertionError(f"faketime ({self.proc.pid}) has no child process")

    async def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM the bot and return its exit code (killing it if it hangs)."""
        if self.proc.returncode is None:
            os.kill(self.bot_pid(), signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                await self.kill()
                raise
        if self._reader is not None:
            await self._reader
        return self.proc.returncode  # type: ignore[return-value]

    async def kill(self) -> None:
        """SIGKILL the bot: no shutdown, nothing it was doing is finished or recorded."""
        if self.faked:
            os.killpg(self.proc.pid, signal.SIGKILL)  # faketime and the bot (its own group)
        else:
            self.proc.kill()
        assert await self.proc.wait() == -signal.SIGKILL
        if self._reader is not None:
            await self._reader  # stderr ends only once the bot itself is gone

    async def wait_for_log(self, text: str, *, timeout: float = START_TIMEOUT) -> str:
        """The first line the bot logged containing `text` (waiting for it; fails if it exits)."""
        async with asyncio.timeout(timeout), self._grew:
            while True:
                for line in self.stderr_lines:
                    if text in line:
                        return line
                if self._reader is None or self._reader.done():
                    raise AssertionError(
                        f"hqbot ended without logging {text!r}:\n{self.log[-3000:]}"
                    )
                await self._grew.wait()


def write_config(
    directory: Path, *, token: str, base_url: str, database_url: str, admins: list[int]
) -> Path:
    """A config.toml for the bot under test."""
    path = directory / "config.toml"
    path.write_text(
        "[telegram]\n"
        f'token = "{token}"\n'
        f'base_url = "{base_url}"\n'
        f"admins = {admins!r}\n"
        "[database]\n"
        f'url = "{database_url}"\n'
        "[app]\n"
        'log_level = "DEBUG"\n',
        encoding="utf-8",
    )
    return path


def faketime_prefix(at: datetime) -> list[str]:
    """`faketime` starting the clock at `at` (naive, Shanghai wall time) and letting it run."""
    if not FAKETIME.exists():
        pytest.fail(f"{FAKETIME} is missing: apt-get install faketime (.ci/run installs it)")
    return [str(FAKETIME), "-f", f"@{at:%Y-%m-%d %H:%M:%S}"]


async def start_bot(config_path: Path, token: str, *, at: datetime | None = None) -> BotProcess:
    """Start `hqbot run --config PATH` and collect its stderr in the background.

    With `at`, under faketime: the bot's clock starts at that Shanghai date and time.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("HQBOT_")}
    env["PYTHONPATH"] = str(REPO)
    prefix: list[str] = []
    if at is not None:
        prefix = faketime_prefix(at)
        env["TZ"] = ZONE
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "bot.cli", "run", "--config", str(config_path),
        cwd=str(config_path.parent),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=at is not None,
    )  # fmt: skip
    bot = BotProcess(proc=proc, config_path=config_path, token=token, faked=at is not None)

    async def _read() -> None:
        assert proc.stderr is not None
        try:
            async for line in proc.stderr:
                async with bot._grew:
                    bot.stderr_lines.append(line.decode("utf-8", "replace"))
                    bot._grew.notify_all()
        finally:
            async with bot._grew:
                bot._grew.notify_all()

    bot._reader = asyncio.create_task(_read())
    return bot


async def start_polling(
    server: EmulatorServer, config_path: Path, token: str, *, at: datetime | None = None
) -> BotProcess:
    """Start the bot (see `start_bot`) and return once it polls the emulator for updates."""
    log = server.world.request_log
    since = log[-1]["seq"] if log else 0

    def polling() -> bool:
        return any(e["seq"] > since and e["method"] == "getUpdates" for e in reversed(log))

    bot = await start_bot(config_path, token, at=at)
    polled = asyncio.ensure_future(until(server, polling))
    exited = asyncio.ensure_future(bot.proc.wait())
    await asyncio.wait({polled, exited}, return_when=asyncio.FIRST_COMPLETED)
    polled.cancel()
    exited.cancel()
    if polled.done() and not polled.cancelled():
        polled.exception()  # retrieved: a timeout is reported below
    if polling():
        return bot
    if bot.proc.returncode is None:
        await bot.kill()
        raise AssertionError(f"hqbot did not poll within {START_TIMEOUT} s:\n{bot.log[-3000:]}")
    await bot.stop()
    raise AssertionError(f"hqbot exited with {bot.proc.returncode}:\n{bot.log[-3000:]}")


async def until(
    server: EmulatorServer, condition: Callable[[], bool], timeout: float = START_TIMEOUT
) -> None:
    """Return once `condition` holds, re-checked on every Bot API call the emulator logs and
    every change of its world (a message sent, say)."""
    world = server.world
    async with asyncio.timeout(timeout):
        while not condition():
            signals = [asyncio.ensure_future(world.requests_changed.wait(None)),
                       asyncio.ensure_future(world.changed.wait(None))]  # fmt: skip
            try:
                await asyncio.wait(signals, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in signals:
                    waiting.cancel()


def open_private_chats(server: EmulatorServer, token: str, user_ids: list[int]) -> None:
    """Each user has talked to the bot before (long ago): it may write to them."""
    world = server.world
    bot = world.bots[token]
    for user_id in user_ids:
        world.private_chat(bot, world.user(user_id))
