"""`hqbot sandbox` (the README's first command) starts the emulator and a bot that answers."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from sandbox.emulator import EmulatorClient
from tests.e2e.harness import REPO


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
