"""Run the real `hqbot run` as a subprocess against the emulator, over loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class BotProcess:
    """A running bot subprocess and what it printed."""

    proc: asyncio.subprocess.Process
    config_path: Path
    token: str
    stderr_lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    @property
    def log(self) -> str:
        """Everything the bot logged so far."""
        return "".join(self.stderr_lines)

    async def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM the bot and return its exit code (killing it if it hangs)."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
                raise
        if self._reader is not None:
            await self._reader
        return self.proc.returncode  # type: ignore[return-value]


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


async def start_bot(config_path: Path, token: str) -> BotProcess:
    """Start `hqbot run --config PATH` and collect its stderr in the background."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HQBOT_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--config",
        str(config_path),
        cwd=str(config_path.parent),
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    bot = BotProcess(proc=proc, config_path=config_path, token=token)

    async def _read() -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            bot.stderr_lines.append(line.decode("utf-8", "replace"))

    bot._reader = asyncio.create_task(_read())
    return bot
