"""Metrics in a digest: the figure that counts for a task, its line, and totals by metric."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.digest.model import MetricLine, MetricTotal
from services.digest.progress import standing
from services.reporting.answers import MetricSpec
from services.tasklist.metrics import clean_decimal


@dataclass(frozen=True)
class TaskFigure:
    """A due task with a metric: the figure that counts this month (None: none given)."""

    task_id: int
    group: str
    spec: MetricSpec
    plan_year: int
    value: Decimal | None
    key: tuple[int, int] | None  # the (stage, person) whose figure counts


def counting_figure(
    keyed: Sequence[tuple[tuple[int, int], Decimal | None]],
) -> tuple[tuple[int, int], Decimal] | None:
    """The lead unit's figure (the first listed), else the first figure given, with its key."""
    return next(((key, value) for key, value in keyed if value is not None), None)


def year_span(plan_year: int) -> tuple[int, int]:
    """A plan year's first and last month (YYYYMM)."""
    return plan_year * 100 + 1, plan_year * 100 + 12


def metric_line(
    spec: MetricSpec, value: Decimal, *, plan_year: int, ym: int, tolerance: Decimal
) -> MetricLine:
    """A task's figure against its annual target and the plan year's 序时进度."""
    first, last = year_span(plan_year)
    target = clean_decimal(spec.target) if spec.target is not None else None
    std = standing(clean_decimal(value), target, unit=spec.unit, ym=ym, start_ym=first,
                   end_ym=last, tolerance=tolerance)  # fmt: skip
    return MetricLine(spec.name, spec.unit, spec.cumulative, first, ym, std)


@dataclass
class _Sum:
    """A running total of one metric."""

    done: Decimal = Decimal(0)
    plan: Decimal = Decimal(0)
    tasks: int = 0
    reported: int = 0
    year: int = 0


def metric_totals(
    figures: Iterable[TaskFigure], *, ym: int, tolerance: Decimal
) -> list[MetricTotal]:
    """Cumulative metrics with a target summed by (name, unit), in the order first met."""
    sums: dict[tuple[str, str], _Sum] = {}
    for fig in figures:
        target = fig.spec.target
        if not fig.spec.cumulative or target is None or target <= 0:
            continue
        acc = sums.setdefault((fig.spec.name, fig.spec.unit), _Sum())
        acc.done += fig.value or 0
        acc.plan += target
        acc.tasks += 1
        acc.reported += fig.value is not None
        acc.year = max(acc.year, fig.plan_year)
    totals = []
    for (name, unit), acc in sums.items():
        first, last = year_span(acc.year)
        std = standing(clean_decimal(acc.done), clean_decimal(acc.plan), unit=unit, ym=ym,
                       start_ym=first, end_ym=last, tolerance=tolerance)  # fmt: skip
        totals.append(MetricTotal(name, unit, acc.tasks, acc.reported, first, ym, std))
    return totals
