"""Footprint: time from `hqbot run` to its first getUpdates, and idle RSS (not a test).

Usage: .venv/bin/python -m bench.startup [--runs 5] [--idle 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sandbox.emulator import EmulatorClient, EmulatorServer
from tests.e2e.harness import start_bot, write_config


def rss_mib(pid: int) -> float:
    """Resident set size of a process, MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def one_run(idle: float) -> tuple[float, float]:
    """Start the bot once; return (seconds to first getUpdates, idle RSS MiB)."""
    server = EmulatorServer()
    await server.start()
    try:
        async with EmulatorClient(server.url) as tg:
            registered = await tg.create_bot("hqbot")
            with tempfile.TemporaryDirectory() as tmp:
                config = write_config(
                    Path(tmp),
                    token=registered["token"],
                    base_url=server.url,
                    database_url=f"sqlite+aiosqlite:///{tmp}/hqbot.db",
                    admins=[],
                )
                started = time.perf_counter()
                bot = await start_bot(config, registered["token"])
                await tg.wait_for_request("getUpdates", timeout=60)
                elapsed = time.perf_counter() - started
                await asyncio.sleep(idle)  # let it sit idle in long polling
                rss = rss_mib(bot.proc.pid)
                code = await bot.stop()
                if code != 0:
                    raise RuntimeError(f"bot exited {code}: {bot.log[-2000:]}")
                return elapsed, rss
    finally:
        await server.stop()


async def main() -> None:
    """Run the measurement several times and print the median and worst."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=5.0)
    args = parser.parse_args()
    results = [await one_run(args.idle) for _ in range(args.runs)]
    starts = [r[0] for r in results]
    rss = [r[1] for r in results]
    print(f"python {sys.version.split()[0]}, {args.runs} runs (fresh SQLite database each)")
    med_start, med_rss = statistics.median(starts), statistics.median(rss)
    print(f"start → first getUpdates: median {med_start:.2f} s, max {max(starts):.2f} s")
    print(f"idle RSS after {args.idle:.0f} s: median {med_rss:.1f} MiB, max {max(rss):.1f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
