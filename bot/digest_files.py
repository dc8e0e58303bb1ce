"""A digest as it is sent: its text parts, its chart PNG and its Excel file, in one language."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.chart_labels import chart_labels
from bot.digest_book_labels import digest_book_labels, quarter_book_labels
from bot.digest_text import render_digest, render_group, render_quarter
from bot.templating import Renderer
from services.digest.chart import month_chart, quarter_chart
from services.digest.model import Digest, QuarterDigest
from services.digest.workbook import month_workbook, quarter_workbook


@dataclass(frozen=True)
class DigestFiles:
    """What the HQ group receives: text parts, a chart and a workbook, with their captions."""

    parts: list[str]
    chart: bytes
    chart_name: str
    chart_caption: str
    book: bytes
    book_name: str
    book_caption: str


def _names(renderer: Renderer, prefix: str, **context: object) -> tuple[str, str, str, str]:
    """The chart's and the workbook's file names and captions."""
    return (
        renderer.render_text(f"{prefix}_chart_filename", **context),
        renderer.render(f"{prefix}_chart_caption", **context),
        renderer.render_text(f"{prefix}_book_filename", **context),
        renderer.render(f"{prefix}_book_caption", **context),
    )


async def month_files(renderer: Renderer, digest: Digest) -> DigestFiles:
    """The month's digest in the renderer's language (chart and workbook drawn off the loop)."""
    parts = render_digest(renderer, digest)
    chart = await asyncio.to_thread(month_chart, digest, chart_labels(renderer))
    book = await asyncio.to_thread(month_workbook, digest, digest_book_labels(renderer, digest))
    chart_name, chart_caption, book_name, book_caption = _names(renderer, "digest", digest=digest)
    return DigestFiles(parts, chart, chart_name, chart_caption, book, book_name, book_caption)


async def quarter_files(renderer: Renderer, quarter: QuarterDigest) -> DigestFiles:
    """The quarter review in the renderer's language."""
    parts = render_quarter(renderer, quarter)
    chart = await asyncio.to_thread(quarter_chart, quarter, chart_labels(renderer))
    labels = quarter_book_labels(renderer, quarter)
    book = await asyncio.to_thread(quarter_workbook, quarter, labels)
    chart_name, chart_caption, book_name, book_caption = _names(
        renderer, "quarter", quarter=quarter
    )
    return DigestFiles(parts, chart, chart_name, chart_caption, book, book_name, book_caption)


def group_parts(renderer: Renderer, digest: Digest, group: str) -> list[str]:
    """One working group's part of the digest, for its leader."""
    return render_group(renderer, digest, group)
