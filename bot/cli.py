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
    setup_logging(settings.app.log_level, settings.redactions())
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
