"""`hqbot cycle open|close|status` and `hqbot outbox`: the office's month from the terminal.

The same services and jobs as /cycle and /outbox; the asks of `cycle open` are delivered here,
with a progress bar, unless the running bot holds the sender lease (then it delivers them and
the bar follows the outbox).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any, NoReturn

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.error import TelegramError

from bot.app import build_application, deps_of
from bot.clirender import labels
from bot.config import ConfigError, Settings, check_token
from bot.context import HQApplication
from bot.logs import redact
from bot.sender import LEASE, LEASE_TTL, Sender
from bot.templating import Renderer
from jobs import month
from models.database import SessionFactory, create_engine, session_factory
from models.migrate import upgrade
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.tables import Headquarters
from services import outbox, schedule
from services.clock import Clock, SystemClock
from services.hq import resolve_hq
from services.reporting.cycles import latest_cycle, open_cycle_of, parse_month, this_month
from services.reporting.month import CycleProgress, cycle_progress
from services.reporting.office import has_task_list, open_month
from services.reporting.runs import Owed
from services.schedule import RunKind
from services.schedule_settings import rules_for

log = logging.getLogger(__name__)

# Delivery by this process waits for messages due within this long (a 429's retry_after, a
# retry after a passing failure); anything later is left to the running bot.
WAIT_AT_MOST = timedelta(seconds=60)
# Following the running bot's delivery: give up when nothing moved for this many seconds.
STALLED_AFTER = 60.0
STATUSES = (OutboxStatus.pending, OutboxStatus.sent, OutboxStatus.failed,
            OutboxStatus.unreachable, OutboxStatus.cancelled)  # fmt: skip
CYCLE_KINDS = (OutboxKind.ask, OutboxKind.remind, OutboxKind.escalate)
# Stands in for a missing token: the application is built (its Deps queue messages) but never
# initialised, so nothing is sent to Telegram with it.
QUEUE_ONLY_TOKEN = "0:queue-only"


class ShiftedClock:
    """The wall clock started at a given moment (the CLI's hidden --now, for tests)."""

    def __init__(self, start: datetime, tz: tzinfo) -> None:
        self.tz = tz
        self._start = start if start.tzinfo is not None else start.replace(tzinfo=tz)
        self._began = time.monotonic()

    def now(self) -> datetime:
        """The start moment plus the time elapsed since."""
        elapsed = timedelta(seconds=time.monotonic() - self._began)
        return (self._start + elapsed).astimezone(self.tz)


def clock_for(settings: Settings, now: datetime | None) -> Clock:
    """The system clock, or one started at `now` (naive: in `app.timezone`)."""
    if now is None:
        return SystemClock(settings.app.tz)
    return ShiftedClock(now, settings.app.tz)


@dataclass
class Terminal:
    """Where the CLI speaks: settings, the renderer in `app.language`, and the console."""

    settings: Settings
    console: Console

    @cached_property
    def renderer(self) -> Renderer:
        """Templates in the bot's language."""
        return Renderer(self.settings.app.language)

    def say(self, template: str, **context: Any) -> None:
        """Print a plain-text template (nothing when it renders empty)."""
        text = self.renderer.render_text(template, **context)
        if text:
            self.console.print(text, highlight=False, markup=False, soft_wrap=True)

    def fail(self, template: str, code: int = 1, **context: Any) -> NoReturn:
        """Print a template to stderr and exit with `code`."""
        typer.echo(self.renderer.render_text(template, **context), err=True)
        raise typer.Exit(code)

    def table(self, headers: str, title: str | None = None) -> Table:
        """A rich table with the columns of a `a|b|c` template."""
        return Table(*labels(self.renderer, headers), title=title)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[SessionFactory]:
    """Sessions on the migrated database, disposed of afterwards."""
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()


def has_token(settings: Settings) -> bool:
    """Whether the configuration holds a usable bot token."""
    try:
        check_token(settings)
    except ConfigError:
        return False
    return True


def application_for(settings: Settings, clock: Clock, sessions: SessionFactory) -> HQApplication:
    """The bot's application (not initialised: nothing is asked of Telegram yet)."""
    if not has_token(settings):
        telegram = settings.telegram.model_copy(update={"token": SecretStr(QUEUE_ONLY_TOKEN)})
        settings = settings.model_copy(update={"telegram": telegram})
    return build_application(settings, clock=clock, sessions=sessions,
                             rate_limit=settings.telegram.rate_limit)  # fmt: skip


async def _hq(term: Terminal, session: AsyncSession, name: str | None, command: str) -> int:
    """The headquarters' id (--hq, or the only one), or exit saying why there is none."""
    choice = await resolve_hq(session, name)
    if choice.hq is None or choice.hq.id is None:
        if choice.ambiguous and not name:
            term.fail("cli_pick_hq", command=command, names=choice.candidates)
        term.fail("cli_no_hq", command=command)
    return choice.hq.id


def open_command(
    settings: Settings, console: Console, *, hq: str | None, month_text: str | None,
    now: datetime | None,
) -> None:  # fmt: skip
    """`hqbot cycle open [YYYY-MM]`: open the month, queue the asks, deliver them."""
    term = Terminal(settings, console)
    clock = clock_for(settings, now)
    ym = this_month(clock.now())
    if month_text is not None:
        parsed = parse_month(month_text)
        if parsed is None:
            term.fail("cli_cycle_usage", code=2, value=month_text)
        ym = parsed
    asyncio.run(_open(term, clock, hq, ym))


async def _open(term: Terminal, clock: Clock, hq: str | None, ym: int) -> None:
    settings = term.settings
    async with database(settings) as sessions:
        application = application_for(settings, clock, sessions)
        deps = deps_of(application)
        async with sessions() as session:
            hq_id = await _hq(term, session, hq, "cycle open")
            now = clock.now()
            rules = await rules_for(session, hq_id, settings.cycle)
            due = schedule.due_on(ym, rules)  # the due day, moved off holidays
            opened = await open_month(session, hq_id=hq_id, ym=ym, due_on=due, now=now,
                                      by=None)  # fmt: skip
            cycle = opened.cycle
            if cycle is None or not opened.asks:
                term.say("cli_cycle_opened", kind=opened.kind.value, ym=ym, cycle=cycle,
                         tally=None, progress=None)  # fmt: skip
                raise typer.Exit(1)
            tally = await month.queue_asks(deps, session, cycle, now, rules)
            progress = await cycle_progress(session, cycle)
        term.say("cli_cycle_opened", kind=opened.kind.value, ym=ym, cycle=cycle, tally=tally,
                 progress=progress)  # fmt: skip
        prefix = f"ask:{cycle.id}:"
        async with sessions() as session:
            pending = (await outbox.summary(session, key_prefix=prefix)).pending
        held = schedule.after_quiet_hours(now, rules, tz=clock.tz)
        if pending and held > now:
            term.say("cli_cycle_delivery", mode="held", at=held)
        elif pending:
            await _deliver(term, application, clock, prefix, pending)
        async with sessions() as session:
            done = await outbox.summary(session, key_prefix=prefix)
        term.say("cli_cycle_delivered", s=done,
                 unreachable=done.counts.get(OutboxStatus.unreachable, 0))  # fmt: skip


def _bar(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)  # fmt: skip


async def _deliver(
    term: Terminal, application: HQApplication, clock: Clock, prefix: str, total: int
) -> None:
    """Send the queued asks here, or follow the running bot sending them."""
    deps = deps_of(application)
    async with deps.sessions() as session:
        holder = await outbox.lease_holder(session, LEASE, now=clock.now())
    if holder is not None:
        await _follow(term, deps.sessions, prefix, total)
        return
    if not has_token(term.settings):
        term.say("cli_cycle_delivery", mode="no_token")
        return
    try:
        async with application:  # asks Telegram who the bot is; no polling
            await _send_here(term, application, clock, prefix, total)
    except TelegramError as exc:
        error = redact(f"{type(exc).__name__}: {exc}", term.settings.redactions())
        term.say("cli_cycle_delivery", mode="offline", error=error)


async def _send_here(
    term: Terminal, application: HQApplication, clock: Clock, prefix: str, total: int
) -> None:
    """Hold the sender lease and drain the outbox, the bar advancing per ask done."""
    deps = deps_of(application)
    bar = _bar(term.console)
    task = bar.add_task(term.renderer.render_text("cli_cycle_sending"), total=total)

    def done(row: OutboxMessage) -> None:
        if row.key.startswith(prefix):
            bar.advance(task)

    sender = Sender(deps, on_done=done)
    if not await sender.hold_lease():  # the bot started just now: it sends them
        await _follow(term, deps.sessions, prefix, total)
        return
    stop = asyncio.Event()
    keeper = asyncio.create_task(_keep_lease(sender, stop))
    try:
        with bar:
            left = await _drain(sender, deps.sessions, clock, prefix)
    finally:
        stop.set()
        await keeper
        async with deps.sessions() as session:
            await outbox.release_lease(session, LEASE, sender.holder)
    if left:
        term.say("cli_cycle_delivery", mode="stalled", left=left)


async def _keep_lease(sender: Sender, stop: asyncio.Event) -> None:
    """Renew the sender lease while a long broadcast is being drained."""
    while not stop.is_set():
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=LEASE_TTL.total_seconds() / 3)
        if not stop.is_set():
            try:
                await sender.hold_lease()
            except Exception:  # the database went away for a moment: try at the next turn
                log.warning("could not renew the sender lease", exc_info=True)


async def _drain(sender: Sender, sessions: SessionFactory, clock: Clock, prefix: str) -> int:
    """Drain until none of `prefix` is pending or the rest waits long; how many are left."""
    while True:
        await sender.drain()
        async with sessions() as session:
            left = (await outbox.summary(session, key_prefix=prefix)).pending
            next_at = await outbox.next_due_at(session)
        now = clock.now()
        if not left or next_at is None or next_at - now > WAIT_AT_MOST:
            return left
        await asyncio.sleep(min(max((next_at - now).total_seconds(), 0.05), 5.0))


async def _follow(term: Terminal, sessions: SessionFactory, prefix: str, total: int) -> None:
    """The running bot delivers: follow the outbox once a second until nothing is pending."""
    term.say("cli_cycle_delivery", mode="bot")
    left = await _watch(term, sessions, prefix, total)
    if left:
        term.say("cli_cycle_delivery", mode="stalled", left=left)


async def _watch(term: Terminal, sessions: SessionFactory, prefix: str, total: int) -> int:
    last, moved = total, time.monotonic()
    with _bar(term.console) as bar:
        task = bar.add_task(term.renderer.render_text("cli_cycle_sending"), total=total)
        while True:
            async with sessions() as session:
                pending = (await outbox.summary(session, key_prefix=prefix)).pending
            total = max(total, pending)
            bar.update(task, total=total, completed=total - pending)
            if not pending:
                return 0
            if pending < last:
                last, moved = pending, time.monotonic()
            elif time.monotonic() - moved > STALLED_AFTER:
                return pending
            await asyncio.sleep(1.0)


def close_command(
    settings: Settings, console: Console, *, hq: str | None, now: datetime | None
) -> None:
    """`hqbot cycle close`: close the open month (reminders not yet sent are dropped)."""
    term = Terminal(settings, console)
    asyncio.run(_close(term, clock_for(settings, now), hq))


async def _close(term: Terminal, clock: Clock, hq: str | None) -> None:
    async with database(term.settings) as sessions:
        deps = deps_of(application_for(term.settings, clock, sessions))
        async with sessions() as session:
            hq_id = await _hq(term, session, hq, "cycle close")
            cycle = await open_cycle_of(session, hq_id)
            if cycle is None:
                latest = await latest_cycle(session, hq_id)
                term.say("cli_cycle_closed", cycle=None, latest=latest, progress=None)
                raise typer.Exit(1)
            now = clock.now()
            owed = Owed(RunKind.close, cycle.ym, now)
            closed = await month.close_month(deps, session, cycle, now, owed=owed, by=None)
            assert closed is not None
            progress = await cycle_progress(session, closed)
        term.say("cli_cycle_closed", cycle=closed, latest=None, progress=progress)


def status_command(settings: Settings, console: Console, *, hq: str | None) -> None:
    """`hqbot cycle status`: the latest month's progress, who is missing, its outbox."""
    term = Terminal(settings, console)
    asyncio.run(_status(term, clock_for(settings, None), hq))


async def _status(term: Terminal, clock: Clock, hq: str | None) -> None:
    async with database(term.settings) as sessions, sessions() as session:
        hq_id = await _hq(term, session, hq, "cycle status")
        cycle = await latest_cycle(session, hq_id)
        if cycle is None:
            tasks = await has_task_list(session, hq_id)
            term.say("cli_cycle_none", tasks=tasks, ym=this_month(clock.now()))
            raise typer.Exit(1)
        progress = await cycle_progress(session, cycle)
        counts = {kind.value: (await outbox.summary(session, key_prefix=f"{kind}:{cycle.id}:"))
                  .counts for kind in CYCLE_KINDS}  # fmt: skip
        headquarters = await session.get(Headquarters, hq_id)
    assert headquarters is not None
    term.say("cli_cycle_status", hq_name=headquarters.name, cycle=cycle, progress=progress)
    print_progress(term, progress)
    print_counts(term, counts)


def print_progress(term: Terminal, progress: CycleProgress) -> None:
    """Reported/due per working group, then the missing persons by name."""
    groups = term.table("cli_cycle_groups_headers")
    for g in progress.groups:
        group = term.renderer.render_text("cli_cycle_group", group=g.group)
        groups.add_row(group, f"{g.reported}/{g.due}", str(g.late or ""))
    term.console.print(groups)
    title = term.renderer.render_text("cli_cycle_missing", count=len(progress.missing))
    if not progress.missing:
        term.console.print(title, highlight=False, markup=False)
        return
    missing = term.table("cli_cycle_missing_headers", title=title)
    for index, m in enumerate(progress.missing, start=1):
        mark = term.renderer.render_text("cli_cycle_mark", bound=m.bound, asked=m.asked)
        numbers = term.renderer.render_text("cli_task_numbers", numbers=m.numbers, spaced=True)
        missing.add_row(str(index), m.name, m.unit or "—", numbers, mark)
    term.console.print(missing)


def print_counts(term: Terminal, counts: dict[str, dict[str, int]]) -> None:
    """Outbox rows by kind (or 'all') and status."""
    table = term.table("cli_outbox_headers")
    for kind, by_status in counts.items():
        label = term.renderer.render_text("cli_outbox_kind", kind=kind)
        table.add_row(label, *(str(by_status.get(s, 0)) for s in STATUSES))
    term.console.print(table)


def outbox_command(
    settings: Settings, console: Console, *, hq: str | None, retry: bool, now: datetime | None
) -> None:
    """`hqbot outbox [--retry]`: counts by status, the latest failures; queue failed ones again."""
    term = Terminal(settings, console)
    asyncio.run(_outbox(term, clock_for(settings, now), hq, retry))


async def _outbox(term: Terminal, clock: Clock, hq: str | None, retry: bool) -> None:
    async with database(term.settings) as sessions, sessions() as session:
        hq_id, hq_name = None, None
        if hq is not None:  # without --hq: the whole outbox (notices to config admins included)
            hq_id = await _hq(term, session, hq, "outbox")
            hq_name = hq
        retried = await outbox.retry_failed(session, hq_id=hq_id, now=clock.now()) if retry else 0
        seen = await outbox.summary(session, hq_id=hq_id)  # after the retry: as it is now
    term.console.print(term.renderer.render_text("cli_outbox_title", hq_name=hq_name),
                       highlight=False, markup=False)  # fmt: skip
    print_counts(term, {"all": seen.counts})
    print_failures(term, seen.failures)
    if retry:
        term.say("cli_outbox_retried", count=retried,
                 unreachable=seen.counts.get(OutboxStatus.unreachable, 0))  # fmt: skip


def print_failures(term: Terminal, rows: list[OutboxMessage]) -> None:
    """The latest failed or unreachable messages with Telegram's error."""
    if not rows:
        return
    title = term.renderer.render_text("cli_outbox_failures_title", count=len(rows))
    table = term.table("cli_outbox_failures_headers", title=title)
    for row in rows:
        table.add_row(str(row.id), row.key, str(row.chat_id), str(row.attempts),
                      redact(row.error or ""))  # fmt: skip
    term.console.print(table)
