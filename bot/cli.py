"""The `hqbot` command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.logs import redact, setup_logging
from bot.templating import Renderer

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from services.tasks import TaskView

app = typer.Typer(
    help="hqbot — monthly follow-up of a project headquarters (项目指挥部) on Telegram.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
out = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="HQBOT_CONFIG",
        help="TOML config file (default ./config.toml).",
        show_default=False,
    ),
]


def _settings(config: Path | None, *, sandbox: bool = False) -> Settings:
    """Load settings or exit with the one-line reason."""
    try:
        return load_settings(config, sandbox=sandbox)
    except ConfigError as exc:
        typer.echo(f"config error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def version() -> None:
    """Print hqbot's version."""
    out.print(f"hqbot {__version__}", highlight=False)


@app.command("check-config")
def check_config(config: ConfigOption = None) -> None:
    """Validate the configuration and show it (secrets hidden)."""
    from bot.clirender import print_config

    settings = _settings(config)
    rows = [
        ("telegram.token", "[REDACTED]"),
        ("telegram.base_url", settings.telegram.base_url),
        ("telegram.admins", ", ".join(map(str, settings.telegram.admins)) or "—"),
        ("database.url", _hide_password(settings.database.url)),
        ("app.timezone", settings.app.timezone),
        ("app.language", settings.app.language),
        ("app.log_level", settings.app.log_level),
    ]
    print_config(out, _renderer(settings), rows)


@app.command()
def run(config: ConfigOption = None) -> None:
    """Run the bot (long polling) until SIGINT/SIGTERM."""
    from bot.app import run as run_bot

    settings = _settings(config)
    setup_logging(settings.app.log_level, settings.redactions())
    run_bot(settings)


@app.command()
def sandbox(
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(help="Port of the local Telegram emulator.")] = 8081,
    console: Annotated[
        bool, typer.Option(help="Chat with the bot from this terminal (when it is a TTY).")
    ] = True,
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: a SQLite file var/sandbox.db).")
    ] = None,
) -> None:
    """Start the Telegram emulator and the bot together: no token, no network needed."""
    from sandbox.runner import run_sandbox

    settings = _settings(config, sandbox=True)
    interactive = console and sys.stdin.isatty()
    # In the terminal chat, only warnings interleave with the conversation.
    setup_logging("WARNING" if interactive else settings.app.log_level, settings.redactions())
    run_sandbox(settings, port=port, console=console and sys.stdin.isatty(), database_url=database)


@db_app.command("upgrade")
def db_upgrade(
    config: ConfigOption = None,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to a revision (head by default)."""
    from models.database import create_engine
    from models.migrate import current_revision, upgrade

    settings = _settings(config, sandbox=True)

    async def _go() -> str | None:
        engine = create_engine(settings.database.url)
        try:
            await upgrade(engine, revision)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    text = _renderer(settings).render_text("cli_db_upgraded", revision=asyncio.run(_go()))
    out.print(text, highlight=False, markup=False)


@db_app.command("current")
def db_current(config: ConfigOption = None) -> None:
    """Show the database's revision and the newest one this code ships."""
    from models.database import create_engine
    from models.migrate import current_revision, head_revision

    settings = _settings(config, sandbox=True)

    async def _go() -> str | None:
        engine = create_engine(settings.database.url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    text = _renderer(settings).render_text(
        "cli_db_current", current=asyncio.run(_go()), head=head_revision()
    )
    out.print(text, highlight=False, markup=False)


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
    config: ConfigOption = None,
) -> None:
    """Autogenerate a new migration from the models (for developers)."""
    from alembic import command

    from models.migrate import alembic_config

    settings = _settings(config, sandbox=True)
    command.revision(alembic_config(settings.database.url), message=message, autogenerate=True)


async def _in_session(settings: Settings, work):  # type: ignore[no-untyped-def]
    """Run `work(session)` on a migrated database and return its result."""
    from models.database import create_engine, session_factory
    from models.migrate import upgrade

    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


HQOption = Annotated[
    str | None, typer.Option("--hq", help="Headquarters name (default: the only one).")
]
YearOption = Annotated[
    int | None, typer.Option("--year", help="Plan year (default: the latest imported, or now).")
]


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(help="Task list (.xlsx or .csv), or an HQ structure workbook.")
    ],
    config: ConfigOption = None,
    hq: HQOption = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="Plan year (default: from the file name, the file's title or periods, "
            "the latest imported, or now).",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Preview only.")] = False,
    problems_file: Annotated[
        Path | None,
        typer.Option("--problems", help="Also write every problem found to this .xlsx file."),
    ] = None,
) -> None:
    """Preview a task-list file against the database and apply it (unless --dry-run)."""
    from bot.clirender import plain
    from bot.templating import Renderer
    from services import importer
    from services.clock import SystemClock

    settings = _settings(config, sandbox=True)
    renderer = Renderer(settings.app.language)
    clock = SystemClock(settings.app.tz)
    if not file.is_file():
        typer.echo(renderer.render_text("cli_no_file", command="import", file=file), err=True)
        raise typer.Exit(2)
    data = file.read_bytes()

    async def work(session: AsyncSession) -> importer.ImportRun:
        return await importer.import_file(
            session,
            hq_name=hq,
            filename=file.name,
            data=data,
            year=year,
            default_hq_name=renderer.render_text("default_hq_name"),
            now=clock.now(),
            dry_run=dry_run,
        )

    run = asyncio.run(_in_session(settings, work))
    if run.kind == importer.RunKind.ambiguous_hq or run.preview is None:
        typer.echo(renderer.render_text("cli_import_pick_hq", names=run.candidates), err=True)
        raise typer.Exit(2)
    preview = run.preview
    text = renderer.render("import_preview", preview=preview, filename=file.name, pending=False,
                           year_source=run.plan_year.source if run.plan_year else None)  # fmt: skip
    out.print(plain(text), highlight=False, markup=False, soft_wrap=True)
    result = renderer.render_text("cli_import_result", preview=preview, dry_run=dry_run)
    if result:
        out.print(result, highlight=False, markup=False)
    if problems_file is not None and preview.problems:
        texts = [plain(renderer.render("import_problem", p=p)) for p in preview.problems]
        name, *header = renderer.render_text("import_problems_sheet").splitlines()
        problems_file.write_bytes(
            importer.problems_workbook(preview.problems, texts, header=header, sheet_name=name)
        )
        written = renderer.render_text("cli_problems_written", file=problems_file, count=len(texts))
        out.print(written, highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(0 if preview.ok else 1)


@app.command("tasks")
def list_tasks(
    config: ConfigOption = None,
    hq: HQOption = None,
    year: YearOption = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this working group.")] = None,
) -> None:
    """List the task list with stages and responsible persons."""
    from bot.clirender import print_tasks

    settings = _settings(config, sandbox=True)
    renderer = _renderer(settings)
    found = asyncio.run(_in_session(settings, _tasks_loader(hq, year, group)))
    if found is None:
        typer.echo(renderer.render_text("cli_no_task_list", command="tasks"), err=True)
        raise typer.Exit(1)
    print_tasks(out, renderer, *found)


@app.command("export")
def export_tasks(
    file: Annotated[Path, typer.Argument(help="Where to write the .xlsx.")],
    config: ConfigOption = None,
    hq: HQOption = None,
    year: YearOption = None,
) -> None:
    """Write the task list back to Excel in the office's layout (re-importable)."""
    from services.tasklist import write_task_file
    from services.tasks import to_parsed

    settings = _settings(config, sandbox=True)
    renderer = _renderer(settings)
    found = asyncio.run(_in_session(settings, _tasks_loader(hq, year, None)))
    if found is None:
        typer.echo(renderer.render_text("cli_no_task_list", command="export"), err=True)
        raise typer.Exit(1)
    hq_name, plan_year, tasks = found
    title = renderer.render_text("export_title", hq_name=hq_name, plan_year=plan_year)
    data = write_task_file([to_parsed(t) for t in tasks], title=title, plan_year=plan_year)
    file.write_bytes(data)
    text = renderer.render_text("cli_exported", file=file, count=len(tasks), plan_year=plan_year)
    out.print(text, highlight=False, markup=False, soft_wrap=True)


@app.command("invites")
def invites_command(
    config: ConfigOption = None,
    hq: HQOption = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Also write the table to this .xlsx file.")
    ] = None,
    bot_username: Annotated[
        str | None,
        typer.Option("--bot-username", help="The bot's @username (default: asked from Telegram)."),
    ] = None,
) -> None:
    """Invitation links for everyone not yet bound (new links void older unused ones)."""
    from datetime import timedelta

    from bot.clirender import InviteRow, print_invites, write_invites_xlsx
    from services import invitations, people
    from services.clock import SystemClock
    from services.hq import resolve_hq
    from services.invitations import invite_link

    settings = _settings(config, sandbox=bot_username is not None)
    renderer = _renderer(settings)
    username = bot_username or asyncio.run(_bot_username(settings))
    clock = SystemClock(settings.app.tz)

    async def work(session: AsyncSession) -> list[InviteRow] | None:
        choice = await resolve_hq(session, hq)
        if choice.hq is None or choice.hq.id is None:
            return None
        hq_id = choice.hq.id
        ttl = timedelta(days=settings.app.invite_ttl_days)
        outcome = await invitations.invite(
            session, hq_id=hq_id, who=None, now=clock.now(), ttl=ttl, by=None
        )
        rows = await people.people_of(session, hq_id, clock.now())
        tasks = {r.id: tuple(r.task_numbers) for r in rows}
        return [
            InviteRow(i.name, i.unit or "", invite_link(username, i.code), i.expires_at,
                      tasks.get(i.person_id, ()), i.invitation_id)
            for i in outcome.issued
        ]  # fmt: skip

    invites = asyncio.run(_in_session(settings, work))
    if invites is None:
        typer.echo(renderer.render_text("cli_no_hq", command="invites"), err=True)
        raise typer.Exit(1)
    if not invites:
        out.print(renderer.render_text("cli_invites_none"), highlight=False, markup=False)
        return
    print_invites(out, renderer, invites, settings.app.tz)
    if out_file is not None:
        out_file.write_bytes(write_invites_xlsx(renderer, invites, settings.app.tz))
        text = renderer.render_text("cli_invites_written", file=out_file, count=len(invites))
        out.print(text, highlight=False, markup=False, soft_wrap=True)
    ids = [
        i.invitation_id for i in invites if i.invitation_id is not None
    ]  # delivered: only now void the older links

    async def supersede(session: AsyncSession) -> int:
        return await invitations.supersede(session, ids, clock.now())

    asyncio.run(_in_session(settings, supersede))


cycle_app = typer.Typer(
    help="The reporting month: open it (the asks go out), close it, see who is missing.",
    no_args_is_help=True,
)
app.add_typer(cycle_app, name="cycle")
NowOption = Annotated[
    datetime | None,
    typer.Option(
        "--now",
        hidden=True,  # for tests: the clock starts at this moment (in app.timezone)
        formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    ),
]


@cycle_app.command("open")
def cycle_open(
    month: Annotated[
        str | None, typer.Argument(help="YYYY-MM (default: this month).", show_default=False)
    ] = None,
    config: ConfigOption = None,
    hq: HQOption = None,
    now: NowOption = None,
) -> None:
    """Open a month (as /cycle open) and deliver the asks, with a progress bar."""
    from bot.cli_cycle import open_command

    open_command(_settings(config, sandbox=True), out, hq=hq, month_text=month, now=now)


@cycle_app.command("close")
def cycle_close(config: ConfigOption = None, hq: HQOption = None, now: NowOption = None) -> None:
    """Close the open month (as /cycle close): no more reports; pending reminders dropped."""
    from bot.cli_cycle import close_command

    close_command(_settings(config, sandbox=True), out, hq=hq, now=now)


@cycle_app.command("status")
def cycle_status(config: ConfigOption = None, hq: HQOption = None) -> None:
    """The latest month's progress per working group, who is missing, and its outbox."""
    from bot.cli_cycle import status_command

    status_command(_settings(config, sandbox=True), out, hq=hq)


@app.command("export-month")
def export_month(
    month: Annotated[str, typer.Argument(help="YYYY-MM, e.g. 2021-11.")],
    file: Annotated[Path, typer.Argument(help="Where to write the .xlsx.")],
    config: ConfigOption = None,
    hq: HQOption = None,
) -> None:
    """Write a month's digest workbook: every report, not reported, problems, per group."""
    from bot.cli_digest import export_month_command

    export_month_command(_settings(config, sandbox=True), out, month_text=month, file=file, hq=hq)


@app.command("outbox")
def outbox_command(
    config: ConfigOption = None,
    hq: Annotated[
        str | None, typer.Option("--hq", help="Only this headquarters (default: all).")
    ] = None,
    retry: Annotated[bool, typer.Option("--retry", help="Queue failed messages again.")] = False,
    now: NowOption = None,
) -> None:
    """Outbox counts by status and the latest failures (as /outbox)."""
    from bot.cli_cycle import outbox_command as show_outbox

    show_outbox(_settings(config, sandbox=True), out, hq=hq, retry=retry, now=now)


async def _bot_username(settings: Settings) -> str:
    """Ask Telegram (or the emulator) for the bot's username."""
    from telegram import Bot

    bot = Bot(
        settings.telegram.token.get_secret_value(),
        base_url=settings.telegram.api_base,
        base_file_url=settings.telegram.file_base,
    )
    async with bot:
        return bot.username


TasksFound = tuple[str, int, list["TaskView"]]


def _tasks_loader(
    hq: str | None, year: int | None, group: str | None
) -> Callable[[AsyncSession], Awaitable[TasksFound | None]]:
    """A session callback returning (hq name, plan year, tasks) or None (the bot's /tasks)."""
    from services.plans import PlanStatus, current_plan

    async def work(session: AsyncSession) -> TasksFound | None:
        plan = await current_plan(session, hq_name=hq, year=year, group=group)
        if plan.status is not PlanStatus.ok or plan.hq is None or plan.plan_year is None:
            return None
        return plan.hq.name, plan.plan_year, plan.tasks

    return work


def _renderer(settings: Settings) -> Renderer:
    """The CLI speaks the bot's language (`app.language`)."""
    return Renderer(settings.app.language)


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Console-script entry point; never lets a secret reach the terminal in a traceback."""
    try:
        app()
    except Exception as exc:  # last resort: one redacted line, not a traceback with the token
        typer.echo(f"hqbot: {redact(f'{type(exc).__name__}: {exc}')}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
