"""The one sender: delivers the outbox within Telegram's limits, marking a message sent only
after Telegram accepted it (so a crash sends the message in flight again, never loses it)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

from aiolimiter import AsyncLimiter
from telegram import Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from bot import notify
from bot.deps import Deps
from models.outbox import OutboxKind, OutboxMedia, OutboxMessage, OutboxStatus
from services import outbox

log = logging.getLogger(__name__)

LEASE = "sender"
LEASE_TTL = timedelta(seconds=30)
LEASE_RENEW = timedelta(seconds=10)  # renewed this often while a long drain goes on
BATCH = 100
QUICK_TRIES = 5  # tries of one message in a row (5xx, timeouts, resets) before it waits
LIMITERS_KEPT = 2048  # idle per-chat limiters are dropped past this many


def _passing(exc: BaseException) -> bool:
    """A failure worth trying again at once: 5xx, timeouts, lost connections (not 400)."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


def _backoff(attempts: int) -> timedelta:
    """How long a message that kept failing waits before its next round of tries."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def default_holder() -> str:
    """This process's name on the sender lease: host, pid, and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"


def _holder_dead(holder: str) -> bool:
    """Whether a lease holder is a process of this host that no longer runs (e.g. SIGKILLed)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Sender:
    """Sends due outbox messages one at a time: Telegram's overall and per-group pace is kept by
    PTB's rate limiter, each chat's own pace (1 a second private, 20 a minute group) here."""

    def __init__(
        self,
        deps: Deps,
        *,
        holder: str | None = None,
        on_done: Callable[[OutboxMessage], None] | None = None,
    ) -> None:
        self.deps = deps
        self.holder = holder or default_holder()
        self.on_done = on_done
        self._sessions = deps.sessions
        self._wake = asyncio.Event()
        self._draining = asyncio.Lock()
        self._chats: dict[int, AsyncLimiter] = {}
        delivery = deps.settings.delivery
        self._private_interval = delivery.private_interval
        self._group_interval = 60.0 / delivery.group_per_minute
        self._max_attempts = delivery.max_attempts

    def wake(self) -> None:
        """New messages were queued: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, *, poll: float = 1.0) -> None:
        """Deliver until `stop` is set, while holding the sender lease (one sender at a time)."""
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    if await self.hold_lease():
                        await self.drain()
                except Exception:  # the database went away for a moment: try again next poll
                    log.exception("the sender failed; trying again")
                waiters = [asyncio.ensure_future(self._wake.wait()),
                           asyncio.ensure_future(stop.wait())]  # fmt: skip
                _done, pending = await asyncio.wait(
                    waiters, timeout=poll, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in pending:
                    waiter.cancel()
        finally:
            try:
                async with self._sessions() as session:
                    await outbox.release_lease(session, LEASE, self.holder)
            except Exception:
                log.warning("could not release the sender lease", exc_info=True)

    async def hold_lease(self) -> bool:
        """Take or renew the sender lease; a dead holder of this host is taken over at once."""
        now = self.deps.clock.now()
        async with self._sessions() as session:
            holder = await outbox.lease_holder(session, LEASE, now=now)
            if holder is not None and holder != self.holder and _holder_dead(holder):
                log.info("the sender lease of %s is taken over (process gone)", holder)
                await outbox.release_lease(session, LEASE, holder)
            return await outbox.take_lease(session, LEASE, self.holder, now=now, ttl=LEASE_TTL)

    async def drain(self) -> int:
        """Deliver every message due now; returns how many Telegram accepted.

        Never runs twice at once: a second call waits for the first, then sends what is left.
        """
        async with self._draining:
            return await self._drain()

    async def _drain(self) -> int:
        accepted = 0
        renew_at = self.deps.clock.now() + LEASE_RENEW
        while True:
            if self.deps.clock.now() >= renew_at:  # a long broadcast keeps the lease alive
                if not await self.hold_lease():
                    log.warning("the sender lease went to another process; stopping here")
                    return accepted
                renew_at = self.deps.clock.now() + LEASE_RENEW
            async with self._sessions() as session:
                rows = await outbox.due_messages(session, self.deps.clock.now(), BATCH)
            if not rows:
                return accepted
            busy: set[int] = set()
            waiting: OutboxMessage | None = None
            progressed = False
            for row in rows:
                if row.chat_id in busy:
                    continue
                limiter = self._limiter(row.chat_id)
                if not limiter.has_capacity():
                    busy.add(row.chat_id)  # later rows of this chat wait too: order is kept
                    waiting = waiting or row
                    continue
                await limiter.acquire()
                accepted += await self._deliver(row)
                progressed = True
            if not progressed and waiting is not None:  # every due chat is at its pace
                await self._limiter(waiting.chat_id).acquire()
                accepted += await self._deliver(waiting)

    def _limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) > LIMITERS_KEPT:
                self._chats = {k: v for k, v in self._chats.items() if not v.has_capacity()}
            interval = self._private_interval if chat_id > 0 else self._group_interval
            limiter = self._chats[chat_id] = AsyncLimiter(1, interval)
        return limiter

    async def _send(self, row: OutboxMessage) -> Message:
        """One message, tried a few times at once on passing failures (backoff with jitter)."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(_passing),
            stop=stop_after_attempt(QUICK_TRIES),
            wait=wait_random_exponential(multiplier=0.2, max=3),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                if attempt.retry_state.attempt_number > 1:  # a failed try may have arrived:
                    await self._limiter(row.chat_id).acquire()  # every try keeps the chat's pace
                return await self.deps.outbound.deliver(
                    row.chat_id, row.text, markup=row.markup, document=row.document,
                    filename=row.filename, photo=row.media == OutboxMedia.photo,
                )  # fmt: skip
        raise AssertionError("unreachable")  # pragma: no cover

    async def _deliver(self, row: OutboxMessage) -> int:
        """Send one row and record the outcome; 1 when Telegram accepted it."""
        assert row.id is not None
        sessions, clock = self._sessions, self.deps.clock
        try:
            try:
                message = await self._send(row)
            except ChatMigrated as exc:
                await notify.on_migrated(self.deps, row.chat_id, exc.new_chat_id)
                row.chat_id = exc.new_chat_id
                message = await self._send(row)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            later = clock.now() + timedelta(seconds=seconds)
            async with sessions() as session:
                await outbox.mark_retry(session, row.id, error=f"429: {exc.message}",
                                        not_before=later)  # fmt: skip
            return 0
        except Forbidden as exc:
            log.warning("outbox %s: chat %s unreachable: %s", row.id, row.chat_id, exc.message)
            async with sessions() as session:
                await outbox.mark_failed(session, row.id, status=OutboxStatus.unreachable,
                                         error=f"403: {exc.message}")  # fmt: skip
            if row.chat_id > 0:
                await notify.on_unreachable(self.deps, row.chat_id)
            self._done(row)
            return 0
        except NetworkError as exc:
            if isinstance(exc, BadRequest):
                await self._refused(row, f"400: {exc.message}")
                return 0
            async with sessions() as session:
                attempts = await outbox.mark_retry(
                    session, row.id, error=f"{type(exc).__name__}: {exc.message}",
                    not_before=clock.now() + _backoff(row.attempts + 1),
                )  # fmt: skip
            log.warning("outbox %s: %s (round %s)", row.id, exc.message, attempts)
            if attempts >= self._max_attempts:
                await self._refused(row, f"gave up after {attempts} rounds: {exc.message}")
            return 0
        except Exception as exc:  # noqa: BLE001 - a bad row must not stop the sender
            log.exception("outbox %s could not be sent", row.id)
            await self._refused(row, f"{type(exc).__name__}: {exc}")
            return 0
        async with sessions() as session:
            await outbox.mark_sent(session, row.id, message_id=message.message_id,
                                   chat_id=message.chat_id, now=clock.now())  # fmt: skip
        self._done(row)
        return 1

    async def _refused(self, row: OutboxMessage, error: str) -> None:
        """Give up on a row and tell the admins (not about a notice to them: no loops)."""
        assert row.id is not None
        log.warning("outbox %s (%s) failed: %s", row.id, row.key, error)
        async with self._sessions() as session:
            await outbox.mark_failed(session, row.id, status=OutboxStatus.failed, error=error)
        if row.kind != OutboxKind.notice:
            await notify.notify_admins(
                self.deps, row.hq_id, "admin_outbox_failed", key=f"failed:{row.id}",
                row=row, error=error,
            )  # fmt: skip
        self._done(row)

    def _done(self, row: OutboxMessage) -> None:
        if self.on_done is not None:
            self.on_done(row)
