"""The bots under measurement as subprocesses on the emulator: `hqbot run` and the bare echo bot,
their readiness, their logs, and their CPU time (Linux /proc)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.emulator import EmulatorClient

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0  # seconds from spawning a bot to its first getUpdates
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Child:
    """A bot subprocess and what it wrote to stderr."""

    name: str
    proc: asyncio.subprocess.Process
    stderr_lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    @property
    def log(self) -> str:
        """Everything it wrote to stderr so far."""
        return "".join(self.stderr_lines)

    async def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM it and return its exit code (killing it if it hangs)."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            await self._reader
        return self.proc.returncode if self.proc.returncode is not None else -1


async def start_child(name: str, args: list[str], *, cwd: Path, env: dict[str, str]) -> Child:
    """Start `python ARGS` from the repository's code and collect its stderr in the background."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HQBOT_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=str(cwd),
        env={**clean, "PYTHONPATH": str(REPO), **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    child = Child(name, proc)

    async def _read() -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            child.stderr_lines.append(line.decode("utf-8", "replace"))

    child._reader = asyncio.create_task(_read())
    return child


def write_hqbot_config(
    directory: Path,
    *,
    token: str,
    base_url: str,
    database_url: str,
    admins: list[int],
    rate_limit: bool,
    log_level: str = "INFO",
) -> Path:
    """A config.toml for `hqbot run` against the emulator."""
    path = directory / "config.toml"
    path.write_text(
        "[telegram]\n"
        f'token = "{token}"\n'
        f'base_url = "{base_url}"\n'
        f"admins = {admins!r}\n"
        f"rate_limit = {str(rate_limit).lower()}\n"
        "[database]\n"
        f'url = "{database_url}"\n'
        "[app]\n"
        f'log_level = "{log_level}"\n',
        encoding="utf-8",
    )
    return path


async def start_hqbot(config: Path) -> Child:
    """`hqbot run --config PATH` (the real command, as a subprocess)."""
    return await start_child(
        "hqbot", ["-m", "bot.cli", "run", "--config", str(config)], cwd=config.parent, env={}
    )


async def start_echo_bot(base_url: str, token: str, cwd: Path) -> Child:
    """The bare python-telegram-bot bot of bench/echo_bot.py."""
    return await start_child(
        "echo",
        ["-m", "bench.echo_bot", "--base-url", base_url],
        cwd=cwd,
        env={"ECHO_BOT_TOKEN": token},
    )


async def wait_polling(tg: EmulatorClient, bot_username: str, child: Child) -> None:
    """Return once the bot's first getUpdates reached the emulator; fail if the bot exits first."""
    polling = asyncio.create_task(
        tg.wait_for_request("getUpdates", bot=bot_username, timeout=START_TIMEOUT)
    )
    exited = asyncio.create_task(child.proc.wait())
    done, _ = await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
    if polling not in done:
        polling.cancel()
        raise RuntimeError(
            f"{child.name} exited with {child.proc.returncode}:\n{child.log[-3000:]}"
        )
    exited.cancel()
    polling.result()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process (all its threads) has used so far, from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
