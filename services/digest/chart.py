"""The digest's charts as PNG bytes: the month (per group: items by light, metric completion
against 序时进度) and the quarter (per group: the three months' 🟢 share side by side).

Drawn on a `Figure` of its own with the Agg canvas — no pyplot, no global state — so the bot can
call these from worker threads (`asyncio.to_thread`). The same input gives the same bytes.
Every word comes in `ChartLabels`, rendered by the caller from templates: no language here.
Without a CJK font the `fallback` labels (English) are used, and names the fonts cannot draw
become "Group 1", "Group 2"… (see `services.digest.fonts`).
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from services.digest.fonts import ChartFont, chart_font, cjk_font, warn_missing_cjk
from services.digest.model import (
    LIGHT_ORDER,
    Digest,
    GroupSummary,
    Light,
    MetricTotal,
    QuarterDigest,
    QuarterGroup,
    Trend,
)

__all__ = ["ChartLabels", "cjk_font", "month_chart", "quarter_chart"]

MAX_GROUPS = 40  # more are not drawn (the ones with the most due items are), with a note
DPI = 100
WIDTH = 16.0  # inches: 1600 px
MIN_HEIGHT = 9.0  # 900 px; taller with many groups
NAME_WIDTH = 24  # a group name's line, in half-width characters (a Chinese one counts 2)
NAME_LINES = 2
TOP = 0.95  # inches above the panels: the title, the panels' titles
BOTTOM = 1.1  # inches under them: tick labels, axis label, legend
EDGE = 0.25  # inches at the figure's left and right edges
GAP = 0.5  # inches between two panels (besides the second one's labels)
MIN_ROWS = 8  # a panel has room for this many rows at least: few groups get no fat bars

LIGHT_COLOURS = {
    Light.green: "#3a9d4a",
    Light.yellow: "#f2b705",
    Light.red: "#d93b3b",
    Light.white: "#d5d9de",
}
LIGHT_INK = {Light.green: "white", Light.yellow: "#333333", Light.red: "white",
             Light.white: "#333333"}  # fmt: skip
ON_SCHEDULE = "#3b78b5"  # metric bars: blue at or over 序时进度, orange under it
BEHIND = "#ef8a2c"
EXPECTED_INK = "#222222"
MONTH_COLOURS = ("#9ecae1", "#4292c6", "#08519c")  # the quarter's months, oldest lightest
MUTED = "#666666"
GRID = "#e6e6e6"

T = TypeVar("T")


@dataclass(frozen=True)
class ChartLabels:
    """Every text the charts draw, in one language; `{name}` fields are filled in here."""

    month_title: str  # {hq} {year} {month}
    quarter_title: str  # {hq} {year} {quarter}
    months: tuple[str, ...]  # twelve month names
    interim: str  # {title}: the title of an open month's chart
    lights: Mapping[Light, str]  # the legend's words
    items_title: str
    items_axis: str
    rank: str  # {rank}
    metric_title: str  # several metrics
    metric_title_one: str  # {metric}
    metric_axis: str
    on_schedule: str
    below_schedule: str
    expected: str  # 序时进度
    overall: str  # the whole headquarters
    capped: str  # {shown} {total}
    group: str  # {n}: a group whose name the fonts cannot draw
    metric: str  # {n}: a metric whose name the fonts cannot draw
    headquarters: str  # a headquarters whose name the fonts cannot draw
    share_title: str
    share_axis: str
    trend_title: str  # {trend}
    trends: Mapping[Trend, str]
    no_data: str  # a month without a digest
    no_items: str  # nothing due


@dataclass(frozen=True)
class _Style:
    """The font and the labels one chart is drawn with."""

    font: ChartFont
    labels: ChartLabels

    def text(self, text: str) -> str:
        """A text as it can be drawn."""
        return self.font.clean(text)

    def name(self, name: str, n: int, pattern: str) -> str:
        """A data name (group, metric, headquarters), or `pattern` numbered when undrawable."""
        return self.font.clean(name if self.font.draws_letters(name) else pattern.format(n=n))

    def props(self, size: float, *, bold: bool = False) -> FontProperties:
        """Font properties of a text."""
        return self.font.props(size, bold=bold)


def _style(labels: ChartLabels, fallback: ChartLabels | None) -> _Style:
    """The CJK font and `labels`, or the Latin font and the fallback labels (warned once)."""
    family = cjk_font()
    if family is None:
        warn_missing_cjk()
        return _Style(chart_font(None), fallback or labels)
    return _Style(chart_font(family), labels)


def _wrap(text: str, width: int = NAME_WIDTH, lines: int = NAME_LINES) -> str:
    """`text` on at most `lines` lines of `width` half-width characters, "…" when cut."""
    if text.isascii():
        parts = textwrap.wrap(text, width) or [""]
    else:
        parts, line, used = [], "", 0
        for char in text:
            size = 2 if unicodedata.east_asian_width(char) in "WF" else 1
            if used + size > width:
                parts.append(line)
                line, used = "", 0
            line, used = line + char, used + size
        parts.append(line)
    if len(parts) > lines:
        parts = parts[: lines - 1] + [parts[lines - 1][:-1].rstrip() + "…"]
    return "\n".join(parts)


def _capped(items: Sequence[T], limit: int, size: Callable[[T], int]) -> list[T]:
    """The `limit` largest items by `size` (ties: the first), in their own order."""
    if len(items) <= limit:
        return list(items)
    keep = sorted(range(len(items)), key=lambda i: (-size(items[i]), i))[:limit]
    return [items[i] for i in sorted(keep)]


G = TypeVar("G", GroupSummary, QuarterGroup)


def _named(style: _Style, groups: Sequence[G]) -> list[tuple[G, str]]:
    """Each group with its name as drawn ("Group 3" when the fonts cannot draw it)."""
    return [(g, style.name(g.name, n, style.labels.group)) for n, g in enumerate(groups, start=1)]


def _height(rows: float, per_row: float) -> float:
    """The figure's height in inches for `rows` rows of `per_row` inches."""
    return max(MIN_HEIGHT, 2.6 + rows * per_row)


def _rows(ax: Axes, count: int) -> None:
    """Rows 0..count-1 top down, centred in at least MIN_ROWS rows' room."""
    pad = max(MIN_ROWS - count, 0) / 2
    ax.set_ylim(count - 0.5 + pad, -0.5 - pad)


def _figure(height: float) -> Figure:
    """A figure of its own (no pyplot), full width, `height` inches tall."""
    fig = Figure(figsize=(WIDTH, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _panels(
    fig: Figure, style: _Style, labels: Sequence[Sequence[str]], ratios: Sequence[float]
) -> list[Axes]:
    """Panels side by side sharing the width by `ratios`, each with room for its y labels.

    The labels are measured with the chart's font (a manual layout: constrained layout would
    cost half the drawing time).
    """
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    prop = style.props(10, bold=True)

    def widest(texts: Sequence[str]) -> float:
        lines = [line for text in texts for line in text.split("\n")]
        sizes = [renderer.get_text_width_height_descent(line, prop, ismath=False)[0]
                 for line in lines]  # fmt: skip
        return max(sizes, default=0.0) / DPI

    width, height = fig.get_size_inches()
    margins = [widest(texts) + 0.2 for texts in labels]
    free = width - 2 * EDGE - sum(margins) - GAP * (len(ratios) - 1)
    axes, x = [], EDGE
    for margin, ratio in zip(margins, ratios, strict=True):
        x += margin
        share = free * ratio / sum(ratios)
        box = (x / width, BOTTOM / height, share / width, (height - TOP - BOTTOM) / height)
        axes.append(fig.add_axes(box))
        x += share + GAP
    return axes


def _title(fig: Figure, style: _Style, title: str) -> None:
    """The chart's title at the top."""
    height = fig.get_size_inches()[1]
    fig.suptitle(style.text(title), y=1 - 0.12 / height, va="top",
                 fontproperties=style.props(17, bold=True))  # fmt: skip


def _legend(fig: Figure, style: _Style, handles: list[Any]) -> None:
    """One legend across the bottom."""
    height = fig.get_size_inches()[1]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.08 / height),
               ncols=len(handles), frameon=False, prop=style.props(11))  # fmt: skip


def _hbars(
    ax: Axes,
    rows: Sequence[float],
    widths: Sequence[float],
    colours: Sequence[str],
    *,
    lefts: Sequence[float] | None = None,
    height: float = 0.64,
    edge: str = "none",
) -> None:
    """Horizontal bars as one collection (far cheaper than a Rectangle each); no autoscaling."""
    lefts = lefts or [0.0] * len(rows)
    boxes = [
        ((x, y - height / 2), (x + w, y - height / 2), (x + w, y + height / 2), (x, y + height / 2))
        for x, y, w in zip(lefts, rows, widths, strict=True)
        if w
    ]
    ink = [c for c, w in zip(colours, widths, strict=True) if w]  # fmt: skip
    ax.add_collection(PolyCollection(boxes, facecolors=ink, edgecolors=edge, linewidths=0.8),
                      autolim=False)  # fmt: skip


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes without metadata that would vary (stable for the same input)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def _frame(ax: Axes, style: _Style, title: str, axis: str) -> None:
    """A panel's title, axis label, grid and spines."""
    ax.set_title(style.text(title), loc="left", fontproperties=style.props(13, bold=True))
    ax.set_xlabel(style.text(axis), fontproperties=style.props(10))
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _empty(ax: Axes, style: _Style) -> None:
    """A panel with nothing to draw says so."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, style.text(style.labels.no_items), ha="center", va="center",
            transform=ax.transAxes, fontproperties=style.props(14), color=MUTED)  # fmt: skip


# --- the month ---------------------------------------------------------------------------


def _items_panel(ax: Axes, style: _Style, groups: list[GroupSummary], names: list[str]) -> None:
    """Per group a horizontal bar of its items stacked by light, and its rank at the end."""
    labels = style.labels
    _frame(ax, style, labels.items_title, labels.items_axis)
    totals = [g.lights.total for g in groups]
    top = max(totals, default=0) or 1
    ax.set_xlim(0, top * 1.14 + 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    rows = range(len(groups))
    left = [0.0] * len(groups)
    for light in LIGHT_ORDER:
        widths = [g.lights.of(light) for g in groups]
        _hbars(ax, rows, widths, [LIGHT_COLOURS[light]] * len(rows), lefts=left, edge="white")
        for row, (start, width) in enumerate(zip(left, widths, strict=True)):
            if width and width / top >= 0.012 * len(str(width)) + 0.008:
                ax.text(start + width / 2, row, str(width), ha="center", va="center",
                        color=LIGHT_INK[light], fontproperties=style.props(9))  # fmt: skip
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for row, group in enumerate(groups):
        ax.text(totals[row] + top * 0.012, row, style.text(labels.rank.format(rank=group.rank)),
                va="center", color=MUTED, fontproperties=style.props(9))  # fmt: skip
    ax.set_yticks(list(rows), names, fontproperties=style.props(10))
    _rows(ax, len(groups))


@dataclass(frozen=True)
class _MetricBar:
    """One bar of the metric panel: a completion share against 序时进度, both in percent."""

    label: str  # wrapped
    share: float
    expected: float
    behind: bool
    overall: bool


def _percent(share: Decimal) -> float:
    return float(share * 100)


def _metric_bars(
    style: _Style, digest: Digest, groups: list[GroupSummary], names: list[str]
) -> tuple[list[_MetricBar], str]:
    """The metric panel's bars (overall first, then the groups that have a metric) and title."""
    labels = style.labels

    def counted(metrics: list[MetricTotal]) -> list[MetricTotal]:
        return [m for m in metrics if m.standing.share is not None]

    drawn = [(name, m) for g, name in zip(groups, names, strict=True) for m in counted(g.metrics)]
    if not drawn:
        return [], ""
    keys: list[tuple[str, str]] = []
    for metric in counted(digest.metrics) + [m for _, m in drawn]:
        if (metric.name, metric.unit) not in keys:
            keys.append((metric.name, metric.unit))
    clash = len({name for name, _ in keys}) < len(keys)
    titles = {key: style.name(f"{key[0]}({key[1]})" if clash else key[0], n, labels.metric)
              for n, key in enumerate(keys, start=1)}  # fmt: skip

    def bar(label: str, metric: MetricTotal, overall: bool) -> _MetricBar:
        if len(keys) > 1:  # the group on one line, the metric on the next
            label = f"{_wrap(label, lines=1)}\n{_wrap(titles[(metric.name, metric.unit)], lines=1)}"
        else:
            label = _wrap(label)
        std = metric.standing
        share = _percent(std.share) if std.share is not None else 0.0
        return _MetricBar(label, share, _percent(std.expected), std.behind, overall)

    bars = [bar(style.text(labels.overall), m, True) for m in counted(digest.metrics)]
    bars += [bar(name, m, False) for name, m in drawn]
    if len(keys) == 1:
        return bars, labels.metric_title_one.format(metric=titles[keys[0]])
    return bars, labels.metric_title


def _metric_panel(ax: Axes, style: _Style, bars: list[_MetricBar], title: str) -> None:
    """Completion bars (green on schedule, amber behind) with 序时进度 as a black mark."""
    _frame(ax, style, title, style.labels.metric_axis)
    rows = list(range(len(bars)))
    top = max([100.0] + [b.share for b in bars] + [b.expected for b in bars])
    ax.set_xlim(0, top * 1.16)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    _hbars(ax, rows, [b.share for b in bars], [BEHIND if b.behind else ON_SCHEDULE for b in bars])
    marks = [((b.expected, row - 0.42), (b.expected, row + 0.42)) for row, b in enumerate(bars)]
    ax.add_collection(LineCollection(marks, colors=EXPECTED_INK, linewidths=2.4,
                                     capstyle="butt", zorder=2), autolim=False)  # fmt: skip
    for row, b in enumerate(bars):
        end = max(b.share, b.expected)
        ax.text(end + top * 0.015, row, f"{b.share:.1f}%", va="center", color=MUTED,
                fontproperties=style.props(9, bold=b.overall))  # fmt: skip
    ax.set_yticks(rows, [b.label for b in bars], fontproperties=style.props(10))
    for tick, b in zip(ax.get_yticklabels(), bars, strict=True):
        if b.overall:
            tick.set_fontweight("bold")
    overall = sum(b.overall for b in bars)
    if 0 < overall < len(bars):
        ax.axhline(overall - 0.5, color="#999999", linewidth=0.8)
    _rows(ax, len(bars))


def _note(ax: Axes, style: _Style, shown: int, total: int) -> None:
    """Say above the groups' panel that only some groups are drawn."""
    if shown < total:
        ax.set_title(style.text(style.labels.capped.format(shown=shown, total=total)),
                     loc="right", color=MUTED, fontproperties=style.props(9))  # fmt: skip


def month_chart(
    digest: Digest,
    labels: ChartLabels,
    *,
    fallback: ChartLabels | None = None,
    max_groups: int = MAX_GROUPS,
) -> bytes:
    """The month's chart as PNG: items by light per group (with rank), metric completion.

    `fallback` (English) labels are used when no CJK font is installed.
    """
    style = _style(labels, fallback)
    named = _capped(_named(style, digest.groups), max_groups, lambda p: p[0].lights.total)
    groups, shown = [g for g, _ in named], [name for _, name in named]
    bars, metric_title = _metric_bars(style, digest, groups, shown)
    fig = _figure(_height(max(len(groups), len(bars)), 0.36))
    if not groups:
        _empty(fig.add_axes((0, 0, 1, 1)), style)
    else:
        names = [_wrap(name) for name in shown]
        if bars:
            items_ax, metric_ax = _panels(fig, style, [names, [b.label for b in bars]],
                                          [3, 2])  # fmt: skip
            _metric_panel(metric_ax, style, bars, metric_title)
        else:
            (items_ax,) = _panels(fig, style, [names], [1])
        _items_panel(items_ax, style, groups, names)
        _note(items_ax, style, len(groups), len(digest.groups))
        _legend(fig, style, _month_legend(style, metrics=bool(bars)))
    hq = style.name(digest.hq_name, 1, style.labels.headquarters)
    month = style.labels.months[digest.month - 1]
    title = style.labels.month_title.format(hq=hq, year=digest.year, month=month)
    if not digest.closed:
        title = style.labels.interim.format(title=title)
    _title(fig, style, title)
    return _png(fig)


def _month_legend(style: _Style, *, metrics: bool) -> list[Any]:
    """The legend's entries: the four lights, and the metric panel's colours and mark."""
    labels = style.labels
    handles: list[Any] = [Patch(color=LIGHT_COLOURS[light], label=style.text(labels.lights[light]))
                          for light in LIGHT_ORDER]  # fmt: skip
    if metrics:
        handles += [
            Patch(color=ON_SCHEDULE, label=style.text(labels.on_schedule)),
            Patch(color=BEHIND, label=style.text(labels.below_schedule)),
            Line2D([], [], color=EXPECTED_INK, linewidth=2.4, label=style.text(labels.expected)),
        ]
    return handles


# --- the quarter -------------------------------------------------------------------------


def _green_share(summary: GroupSummary | Digest | None) -> float | None:
    """The 🟢 share of due items in percent (None: no digest, or nothing due)."""
    if summary is None or summary.lights.total == 0:
        return None
    return 100.0 * summary.lights.green / summary.lights.total


def _quarter_panel(ax: Axes, style: _Style, groups: list[QuarterGroup], names: list[str]) -> None:
    """Per group the three months' 🟢 share as bars side by side, the trend at the right."""
    labels = style.labels
    _frame(ax, style, labels.share_title, labels.share_axis)
    ax.set_xlim(0, 128)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    offsets = (-0.27, 0.0, 0.27)
    for month, offset in enumerate(offsets):
        shares = [_green_share(g.months[month]) for g in groups]
        rows = [row + offset for row, share in enumerate(shares) if share is not None]
        values = [share for share in shares if share is not None]
        _hbars(ax, rows, values, [MONTH_COLOURS[month]] * len(rows), height=0.25)
        for row, value in zip(rows, values, strict=True):
            ax.text(value + 1.2, row, f"{value:.0f}%", va="center", color=MUTED,
                    fontproperties=style.props(7.5))  # fmt: skip
    for row, group in enumerate(groups):
        trend = style.text(labels.trends[group.trend])
        ax.text(127, row, trend, ha="right", va="center", color=_TREND_INK[group.trend],
                fontproperties=style.props(10, bold=True))  # fmt: skip
    ax.set_yticks(list(range(len(groups))), names, fontproperties=style.props(10))
    _rows(ax, len(groups))


_TREND_INK = {Trend.up: LIGHT_COLOURS[Light.green], Trend.down: LIGHT_COLOURS[Light.red],
              Trend.flat: MUTED, Trend.new: MUTED}  # fmt: skip


def _overall_panel(ax: Axes, style: _Style, quarter: QuarterDigest, months: list[str]) -> None:
    """The whole headquarters' 🟢 share per month, with the quarter's trend in the title."""
    labels = style.labels
    title = labels.trend_title.format(trend=labels.trends[quarter.trend])
    ax.set_title(style.text(title), loc="left", fontproperties=style.props(13, bold=True))
    ax.set_ylim(0, 115)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    shares = [_green_share(d) for d in quarter.digests]
    points = [(x, s) for x, s in enumerate(shares) if s is not None]
    for x, share in points:
        ax.bar(x, share, width=0.6, color=MONTH_COLOURS[x])
        ax.text(x, share + 2, f"{share:.1f}%", ha="center", va="bottom",
                fontproperties=style.props(10, bold=True))  # fmt: skip
    if len(points) > 1:
        ax.plot([x for x, _ in points], [s for _, s in points], color=EXPECTED_INK,
                linewidth=1.6, marker="o", markersize=5)  # fmt: skip
    ticks = [
        m if s is not None else f"{m}\n{labels.no_data}"
        for m, s in zip(months, shares, strict=True)
    ]
    ax.set_xticks(range(3), [style.text(t) for t in ticks], fontproperties=style.props(10))
    ax.set_xlim(-0.6, 2.6)


def quarter_chart(
    quarter: QuarterDigest,
    labels: ChartLabels,
    *,
    fallback: ChartLabels | None = None,
    max_groups: int = MAX_GROUPS,
) -> bytes:
    """The quarter's chart as PNG: per group the three months' 🟢 share, and the overall trend.

    `fallback` (English) labels are used when no CJK font is installed.
    """
    style = _style(labels, fallback)

    def due(pair: tuple[QuarterGroup, str]) -> int:
        return max((m.lights.total for m in pair[0].months if m is not None), default=0)

    named = _capped(_named(style, quarter.groups), max_groups, due)
    groups = [g for g, _ in named]
    months = [style.labels.months[ym % 100 - 1] for ym in quarter.months]
    fig = _figure(_height(len(groups), 0.55))
    names = [_wrap(name) for _, name in named]
    group_ax, overall_ax = _panels(fig, style, [names, ["100%"]], [3, 1])
    if groups:
        _quarter_panel(group_ax, style, groups, names)
        _note(group_ax, style, len(groups), len(quarter.groups))
    else:
        _empty(group_ax, style)
    _overall_panel(overall_ax, style, quarter, months)
    handles: list[Any] = [
        Patch(color=colour, label=style.text(month if d else f"{month} ({style.labels.no_data})"))
        for colour, month, d in zip(MONTH_COLOURS, months, quarter.digests, strict=True)
    ]
    _legend(fig, style, handles)
    hq = style.name(quarter.hq_name, 1, style.labels.headquarters)
    title = style.labels.quarter_title.format(hq=hq, year=quarter.year, quarter=quarter.quarter)
    _title(fig, style, title)
    return _png(fig)
