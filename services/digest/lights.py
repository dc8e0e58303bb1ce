"""A due item's light, by the first rule that applies (worst first)."""

from __future__ import annotations

from models.reporting import ReportStatus
from services.digest.model import Light, Why

WHY_LIGHT = {
    Why.missing: Light.white,
    Why.blocked: Light.red,
    Why.past_end: Light.red,
    Why.behind: Light.yellow,
    Why.not_started: Light.yellow,
    Why.below_schedule: Light.yellow,
    Why.done: Light.green,
    Why.on_track: Light.green,
}
LAGGING = frozenset({Light.yellow, Light.red})


def why_of(
    status: ReportStatus | None, *, ym: int, start_ym: int, end_ym: int, metric_behind: bool
) -> Why:
    """Why an item has its light.

    ⚪ not reported; 🔴 blocked; 🔴 the stage's end month is reached and it is not done; 🟡 behind;
    🟡 not started after the stage's first month; 🟡 its metric is behind 序时进度; else 🟢.
    """
    if status is None:
        return Why.missing
    if status is ReportStatus.blocked:
        return Why.blocked
    if end_ym <= ym and status is not ReportStatus.done:
        return Why.past_end
    if status is ReportStatus.behind:
        return Why.behind
    if status is ReportStatus.not_started and ym > start_ym:
        return Why.not_started
    if metric_behind:
        return Why.below_schedule
    return Why.done if status is ReportStatus.done else Why.on_track


def light_of(why: Why) -> Light:
    """The light a reason gives."""
    return WHY_LIGHT[why]
