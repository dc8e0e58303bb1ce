"""The digest chart's words, rendered from `templates/<lang>/chart_labels.txt` for the chart."""

from __future__ import annotations

from functools import cache

from bot.templating import Renderer
from services.digest.chart import ChartLabels
from services.digest.model import LIGHT_ORDER, Trend


def _pairs(text: str) -> dict[str, str]:
    """`key|text` lines of a template as a dict."""
    pairs = {}
    for line in text.splitlines():
        key, _, value = line.partition("|")
        if value:
            pairs[key.strip()] = value.strip()
    return pairs


def chart_labels(renderer: Renderer) -> ChartLabels:
    """Every text of the digest charts, in the renderer's language."""
    words = _pairs(renderer.render_text("chart_labels"))
    months = tuple(month.strip() for month in words["months"].split(","))
    if len(months) != 12:
        raise ValueError(f"chart_labels.txt: 12 months expected, got {len(months)}")
    return ChartLabels(
        month_title=words["month_title"], quarter_title=words["quarter_title"], months=months,
        interim=words["interim"],
        lights={light: words[f"light_{light.value}"] for light in LIGHT_ORDER},
        items_title=words["items_title"], items_axis=words["items_axis"], rank=words["rank"],
        metric_title=words["metric_title"], metric_title_one=words["metric_title_one"],
        metric_axis=words["metric_axis"], on_schedule=words["on_schedule"],
        below_schedule=words["below_schedule"], expected=words["expected"],
        overall=words["overall"], capped=words["capped"], group=words["group"],
        metric=words["metric"], headquarters=words["headquarters"],
        share_title=words["share_title"], share_axis=words["share_axis"],
        trend_title=words["trend_title"],
        trends={trend: words[f"trend_{trend.value}"] for trend in Trend},
        no_data=words["no_data"], no_items=words["no_items"],
    )  # fmt: skip


@cache
def english_chart_labels() -> ChartLabels:
    """The English words: what the charts fall back to where no CJK font is installed."""
    return chart_labels(Renderer("en"))
