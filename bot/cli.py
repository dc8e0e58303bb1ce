"""The `hqbot` command line."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.logs import redact, setup_logging

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
    settings = _settings(config)
    table = Table("key", "value", title="hqbot configuration")
    table.add_row("telegram.token", "[REDACTED]")
    table.add_row("telegram.base_url", settings.telegram.base_url)
    table.add_row("telegram.admins", ", ".join(map(str, settings.telegram.admins)) or "—")
    table.add_row("database.url", _hide_password(settings.database.url))
    table.add_row("app.timezone", settings.app.timezone)
    table.add_row("app.language", settings.app.language)
    table.add_row("app.log_level", settings.app.log_level)
    out.print(table)
    out.print("[green]configuration OK[/green]")


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

    out.print(f"database at revision {asyncio.run(_go())}", highlight=False)


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

    out.print(f"current: {asyncio.run(_go())}  head: {head_revision()}", highlight=False)


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
    from bot.clirender import plain, print_preview
    from bot.templating import Renderer
    from services import importer
    from services.clock import SystemClock

    settings = _settings(config, sandbox=True)
    renderer = Renderer(settings.app.language)
    clock = SystemClock(settings.app.tz)
    if not file.is_file():
        typer.echo(f"hqbot import: {file}: no such file", err=True)
        raise typer.Exit(2)
    data = file.read_bytes()

    async def work(session):  # type: ignore[no-untyped-def]
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
        typer.echo(
            f"hqbot import: several headquarters ({', '.join(run.candidates)}); use --hq", err=True
        )
        raise typer.Exit(2)
    preview = run.preview
    if preview.is_structure and preview.ok:
        text = renderer.render("structure_preview", preview=preview, filename=file.name,
                               pending=False)  # fmt: skip
        out.print(plain(text), highlight=False, markup=False, soft_wrap=True)
        if not preview.is_noop:
            out.print("[green]applied[/green]" if preview.applied else
                      "dry run: nothing was written")  # fmt: skip
    else:
        print_preview(out, renderer, preview, dry_run=dry_run)
    if run.plan_year is not None and preview.ok:
        out.print(f"plan year {run.plan_year.year} ({run.plan_year.source})", highlight=False)
    if problems_file is not None and preview.problems:
        texts = [plain(renderer.render("import_problem", p=p)) for p in preview.problems]
        name, *header = renderer.render_text("import_problems_sheet").splitlines()
        problems_file.write_bytes(
            importer.problems_workbook(preview.problems, texts, header=header, sheet_name=name)
        )
        out.print(f"{problems_file}: {len(texts)} problem(s)", highlight=False, soft_wrap=True)
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
    from bot.templating import Renderer

    settings = _settings(config, sandbox=True)
    found = asyncio.run(_in_session(settings, _tasks_loader(hq, year, group)))
    if found is None:
        typer.echo("hqbot tasks: no such headquarters or no task list yet", err=True)
        raise typer.Exit(1)
    print_tasks(out, Renderer(settings.app.language), *found)


@app.command("export")
def export_tasks(
    file: Annotated[Path, typer.Argument(help="Where to write the .xlsx.")],
    config: ConfigOption = None,
    hq: HQOption = None,
    year: YearOption = None,
) -> None:
    """Write the task list back to Excel in the office's layout (re-importable)."""
    from bot.templating import Renderer
    from services.tasklist import write_task_file
    from services.tasks import to_parsed

    settings = _settings(config, sandbox=True)
    found = asyncio.run(_in_session(settings, _tasks_loader(hq, year, None)))
    if found is None:
        typer.echo("hqbot export: no such headquarters or no task list yet", err=True)
        raise typer.Exit(1)
    hq_name, plan_year, tasks = found
    title = Renderer(settings.app.language).render_text(
        "export_title", hq_name=hq_name, plan_year=plan_year
    )
    data = write_task_file([to_parsed(t) for t in tasks], title=title, plan_year=plan_year)
    file.write_bytes(data)
    out.print(f"{file}: {len(tasks)} tasks, plan year {plan_year}", highlight=False, soft_wrap=True)


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

    from bot.clirender import print_invites, write_invites_xlsx
    from handlers.people import invite_link
    from services import invitations, people
    from services.clock import SystemClock
    from services.hq import resolve_hq

    settings = _settings(config, sandbox=bot_username is not None)
    username = bot_username or asyncio.run(_bot_username(settings))
    clock = SystemClock(settings.app.tz)

    async def work(session):  # type: ignore[no-untyped-def]
        choice = await resolve_hq(session, hq)
        if choice.hq is None:
            return None
        rows = await people.people_of(session, choice.hq.id, clock.now())
        waiting = [r.id for r in rows if r.status != people.Status.bound and
                   r.status != people.Status.unreachable]  # fmt: skip
        persons = await people.persons_by_id(session, waiting)
        ttl = timedelta(days=settings.app.invite_ttl_days)
        return await invitations.issue(
            session, choice.hq.id, persons, now=clock.now(), ttl=ttl, created_by=None
        )

    issued = asyncio.run(_in_session(settings, work))
    if issued is None:
        typer.echo("hqbot invites: no such headquarters (import a task list first)", err=True)
        raise typer.Exit(1)
    rows = [(i.name, i.unit or "", invite_link(username, i.code), i.expires_at) for i in issued]
    print_invites(out, rows, settings.app.tz)
    if out_file is not None:
        out_file.write_bytes(write_invites_xlsx(rows, settings.app.tz))
        out.print(f"{out_file}: {len(rows)} invitation(s)", highlight=False, soft_wrap=True)


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


def _tasks_loader(hq: str | None, year: int | None, group: str | None):  # type: ignore[no-untyped-def]
    """A session callback returning (hq name, plan year, tasks) or None."""
    from services.hq import latest_plan_year, resolve_hq
    from services.tasks import load_tasks

    async def work(session):  # type: ignore[no-untyped-def]
        choice = await resolve_hq(session, hq)
        if choice.hq is None:
            return None
        plan_year = year or await latest_plan_year(session, choice.hq.id)
        if plan_year is None:
            return None
        tasks = await load_tasks(session, choice.hq.id, plan_year, group=group)
        return choice.hq.name, plan_year, tasks

    return work


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
