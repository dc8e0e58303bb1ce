"""Concurrent updates that stay in order for each user."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's semaphore only bounds queued updates; the real bound on running handlers is `running`.
QUEUE_BOUND = 10_000


class PerUserOrderProcessor(BaseUpdateProcessor):
    """Runs updates of different users at the same time, each user's strictly one after another.

    A slow update (a big file being previewed) delays only its sender. Waiting for the user's
    turn does not take one of the `running` slots, so one busy user cannot starve the others.
    """

    def __init__(self, running: int = 32) -> None:
        super().__init__(QUEUE_BOUND)
        self._running = asyncio.Semaphore(running)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @staticmethod
    def key(update: object) -> int:
        """Whose turn an update waits for: its group chat, else its user (0 for anything else).

        A group is one conversation (a /sethq card, then its button), so it runs in order.
        """
        if isinstance(update, Update):
            chat = update.effective_chat
            if chat is not None and chat.type != chat.PRIVATE:
                return chat.id
            if update.effective_user is not None:
                return update.effective_user.id
            if chat is not None:
                return chat.id
        return 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this user's previous updates, then run within the global bound."""
        key = self.key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
