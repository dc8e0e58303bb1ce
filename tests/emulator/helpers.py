"""Test helpers for the emulator tests: fake clocks and update draining."""

from __future__ import annotations

from telegram import Bot

WALL_START = 1_700_000_000.0


async def drain(bot: Bot) -> list:
    """Fetch and confirm every pending update."""
    updates = await bot.get_updates()
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1)
    return list(updates)


class FakeClock:
    """A manually advanced clock usable as the emulator's time or monotonic function."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
