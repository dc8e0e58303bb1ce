"""The texts of the digest's Excel file, rendered from templates in the reader's language.

`services.digest.workbook` knows no language: the caller renders `digest_book_labels.txt`,
`digest_book_metric.txt`, `book_statuses.txt` and `digest_quarter_book_labels.txt` (lines of
`key|text`) into the label dataclasses and passes them in::

    labels = digest_book_labels(renderer, digest)
    data = await asyncio.to_thread(month_workbook, digest, labels, tz=settings.app.tz)
    filename = digest_book_filename(renderer, digest)
"""

from __future__ import annotations

from bot.templating import Renderer
from models.reporting import ReportStatus
from services.digest.model import Digest, QuarterDigest, Trend, Why
from services.digest.workbook import (
    DigestBookLabels,
    GroupColumn,
    ItemColumn,
    MetricPart,
    MissingColumn,
    ProblemColumn,
    QuarterBookLabels,
    QuarterColumn,
    Sheet,
    metric_keys,
)

_UNSAFE_NAME = str.maketrans("", "", '\\/:*?"<>|')


def _pairs(text: str) -> dict[str, str]:
    """`key|text` lines of a template as a dict (the text kept as written, spaces included)."""
    pairs = {}
    for line in text.splitlines():
        key, bar, value = line.partition("|")
        if bar and key.strip():
            pairs[key.strip()] = value
    return pairs


def digest_book_labels(renderer: Renderer, digest: Digest) -> DigestBookLabels:
    """Every text of the month's workbook, from the templates in the renderer's language."""
    render = renderer.render_text
    words = _pairs(render("digest_book_labels", digest=digest))
    statuses = _pairs(render("book_statuses"))
    return DigestBookLabels(
        sheets={s: words[f"sheet.{s.value}"] for s in Sheet},
        titles={s: words[f"title.{s.value}"] for s in Sheet},
        items={c: words[f"items.{c.value}"] for c in ItemColumn},
        missing={c: words[f"missing.{c.value}"] for c in MissingColumn},
        problems={c: words[f"problems.{c.value}"] for c in ProblemColumn},
        groups={c: words[f"groups.{c.value}"] for c in GroupColumn},
        metrics={
            key: {p: parts[p.value] for p in MetricPart}
            for key in metric_keys(digest)
            for parts in [_pairs(render("digest_book_metric", name=key.name, unit=key.unit))]
        },
        statuses={s: statuses[s.value].strip() for s in ReportStatus},
        whys={w: words[f"why.{w.value}"] for w in Why},
        not_reported=words["not_reported"], yes=words["yes"], no=words["no"],
        overall=words["overall"], separator=words["separator"],
    )  # fmt: skip


def quarter_book_labels(renderer: Renderer, quarter: QuarterDigest) -> QuarterBookLabels:
    """Every text of the quarter's sheet, from the templates in the renderer's language."""
    words = _pairs(renderer.render_text("digest_quarter_book_labels", quarter=quarter))
    return QuarterBookLabels(
        sheet=words["sheet"], title=words["title"],
        months=[words[f"month.{i}"] for i in range(len(quarter.months))],
        columns={c: words[c.value] for c in QuarterColumn},
        trends={t: words[f"trend.{t.value}"] for t in Trend}, overall=words["overall"],
    )  # fmt: skip


def digest_book_filename(renderer: Renderer, digest: Digest) -> str:
    """The month's file name, e.g. 工作进展汇总-2021年11月.xlsx."""
    return renderer.render_text("digest_book_filename", digest=digest).translate(_UNSAFE_NAME)


def quarter_book_filename(renderer: Renderer, quarter: QuarterDigest) -> str:
    """The quarter's file name, e.g. 季度评估-2021年第四季度.xlsx."""
    return renderer.render_text("digest_quarter_book_filename", quarter=quarter).translate(
        _UNSAFE_NAME
    )
