"""A digest as it is sent: its text parts, its chart PNG and its Excel file, in one language."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import tzinfo

from bot.chart_labels import chart_labels, english_chart_labels
from bot.digest_book_labels import (
    digest_book_filename,
    digest_book_labels,
    quarter_book_filename,
    quarter_book_labels,
)
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


async def month_files(renderer: Renderer, digest: Digest, tz: tzinfo) -> DigestFiles:
    """The month's digest in the renderer's language (chart and workbook made off the loop)."""
    parts = render_digest(renderer, digest)
    chart = await asyncio.to_thread(
        month_chart, digest, chart_labels(renderer), fallback=english_chart_labels()
    )
    labels = digest_book_labels(renderer, digest)
    book = await asyncio.to_thread(month_workbook, digest, labels, tz=tz)
    return DigestFiles(
        parts, chart, renderer.render_text("digest_chart_filename", digest=digest),
        renderer.render("digest_chart_caption", digest=digest), book,
        digest_book_filename(renderer, digest),
        renderer.render("digest_book_caption", digest=digest),
    )  # fmt: skip


async def quarter_files(renderer: Renderer, quarter: QuarterDigest) -> DigestFiles:
    """The quarter review in the renderer's language."""
    parts = render_quarter(renderer, quarter)
    chart = await asyncio.to_thread(
        quarter_chart, quarter, chart_labels(renderer), fallback=english_chart_labels()
    )
    labels = quarter_book_labels(renderer, quarter)
    book = await asyncio.to_thread(quarter_workbook, quarter, labels)
    return DigestFiles(
        parts, chart, renderer.render_text("quarter_chart_filename", quarter=quarter),
        renderer.render("quarter_chart_caption", quarter=quarter), book,
        quarter_book_filename(renderer, quarter),
        renderer.render("quarter_book_caption", quarter=quarter),
    )  # fmt: skip


def group_parts(renderer: Renderer, digest: Digest, group: str) -> list[str]:
    """One working group's part of the digest, for its leader."""
    return render_group(renderer, digest, group)
