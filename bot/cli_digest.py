"""`hqbot export-month YYYY-MM FILE.xlsx`: the month's digest workbook, as /export sends it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.console import Console

from bot.cli_cycle import Terminal, _hq, database
from bot.config import Settings
from bot.digest_book_labels import digest_book_labels
from services.digest.data import build_digest
from services.digest.model import Digest
from services.digest.workbook import month_workbook
from services.reporting.cycles import parse_month


def export_month_command(
    settings: Settings, console: Console, *, month_text: str, file: Path, hq: str | None
) -> None:
    """Write the month's Excel file (every report, not reported, problems, groups) to `file`."""
    term = Terminal(settings, console)
    ym = parse_month(month_text)
    if ym is None:
        term.fail("cli_month_bad", value=month_text)
    digest = asyncio.run(_digest(term, ym, hq))
    labels = digest_book_labels(term.renderer, digest)
    file.write_bytes(month_workbook(digest, labels, tz=settings.app.tz))
    term.say("cli_month_exported", file=file, digest=digest)


async def _digest(term: Terminal, ym: int, hq: str | None) -> Digest:
    async with database(term.settings) as sessions, sessions() as session:
        hq_id = await _hq(term, session, hq, "export-month")
        tolerance = term.settings.digest.tolerance
        digest = await build_digest(session, hq_id=hq_id, ym=ym, tolerance=tolerance)
    if digest is None:
        term.fail("cli_month_none", ym=ym)
    return digest
