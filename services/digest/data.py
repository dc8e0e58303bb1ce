"""The digest of a headquarters' month, computed from the database (a pure function of it).

About ten set-based queries (`rows`, `overdue`, `stalled`, `units`), then dict lookups over the
month's items: no query per item, nothing quadratic. Units are shown by their canonical names
(`units.UnitNames`) everywhere. Beyond the rules of the lights, 序时进度, 逾期, 停滞, ranks and
通报 (see `lights`, `overdue`, `stalled`, `ranking`):

- Items are the (stage, person) pairs `services.due.due_in` gives, each with the newest revision
  of its report this month.
- A task's metric figure (the lead unit's, else the first given in the task list's unit order) is
  the `MetricLine` of every reported item of that task, so its co-units share its light;
  `behind_metrics` lists the task once (the item whose figure counts).
- 报送情况 names the missing by (person, unit, group), in the order of their first 序号.
- Groups are those with items due this month (a group with nothing due has no summary); tasks
  without a group count in the totals only. `goals` leaves out groups without any goal.
- Group ranks order by score (🟢 / due), then 报送率, then the mean share of the group's metric
  totals; groups equal on all three share a rank. 通报 ranks share a rank on equal (total,
  missing).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.digest.lights import light_of, why_of
from services.digest.metrics import TaskFigure, counting_figure, metric_line, metric_totals
from services.digest.model import (
    Digest,
    GoalLine,
    GroupGoals,
    GroupSummary,
    ItemLine,
    MetricLine,
    ProblemLine,
    QuarterDigest,
    QuarterGroup,
    Trend,
)
from services.digest.overdue import overdue_lines
from services.digest.progress import SHARE_PLACES, expected_share
from services.digest.ranking import group_score, notices, rank_groups
from services.digest.rows import (
    DueItem,
    GroupRow,
    ReportRow,
    cycle_rows,
    due_items,
    group_rows,
    hq_name,
    month_reports,
    person_names,
)
from services.digest.stalled import stalled_lines
from services.digest.summary import light_counts, submission_of
from services.digest.units import UnitNames, unit_names
from services.reporting.answers import MetricSpec

__all__ = ["build_digest", "build_quarter", "group_score", "quarter_months", "trend_of"]

TREND_STEP = Decimal("0.05")  # a change of the score (or 🟢 share) beyond this is up / down


@dataclass(frozen=True)
class _Month:
    """What the items of a month are built from (all dict lookups)."""

    ym: int
    tolerance: Decimal
    reports: Mapping[tuple[int, int], ReportRow]
    names: UnitNames
    persons: Mapping[int, str]
    shares: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    def unit(self, name: str) -> str:
        """A unit's canonical name (resolved once per name)."""
        if name not in self.units:
            self.units[name] = self.names.canonical(name)
        return self.units[name]

    def time_share(self, start_ym: int, end_ym: int) -> Decimal:
        """The stage's 序时进度 at the end of the month (computed once per period)."""
        key = (start_ym, end_ym)
        if key not in self.shares:
            self.shares[key] = expected_share(self.ym, start_ym, end_ym)
        return self.shares[key]


def _figures(due: Sequence[DueItem], month: _Month) -> dict[int, TaskFigure]:
    """The figure that counts for every due task with a metric, by task id."""
    keyed: dict[int, list[tuple[tuple[int, int], Decimal | None]]] = {}
    first: dict[int, tuple[DueItem, MetricSpec]] = {}
    for item in due:
        if item.metric is None:
            continue
        report = month.reports.get(item.key)
        first.setdefault(item.task_id, (item, item.metric))
        keyed.setdefault(item.task_id, []).append(
            (item.key, report.metric_value if report is not None else None)
        )
    figures = {}
    for task_id, pairs in keyed.items():
        (lead, spec), counting = first[task_id], counting_figure(pairs)
        figures[task_id] = TaskFigure(task_id, lead.group, spec, lead.plan_year,
                                      counting[1] if counting else None,
                                      counting[0] if counting else None)  # fmt: skip
    return figures


def _metric(figure: TaskFigure | None, month: _Month) -> MetricLine | None:
    """The task's metric line when a figure was given."""
    if figure is None or figure.value is None:
        return None
    return metric_line(figure.spec, figure.value, plan_year=figure.plan_year, ym=month.ym,
                       tolerance=month.tolerance)  # fmt: skip


def _item(item: DueItem, metric: MetricLine | None, month: _Month) -> ItemLine:
    """One due item with its newest report, light and metric."""
    report = month.reports.get(item.key)
    metric = metric if report is not None else None
    behind = metric is not None and metric.standing.behind
    why = why_of(report.status if report else None, ym=month.ym, start_ym=item.start_ym,
                 end_ym=item.end_ym, metric_behind=behind)  # fmt: skip
    line = ItemLine(
        task_id=item.task_id, number=item.number, task_name=item.task_name, group=item.group,
        stage_id=item.stage_id, stage_content=item.content, period_text=item.period_text,
        start_ym=item.start_ym, end_ym=item.end_ym, unit=month.unit(item.unit),
        person_id=item.person_id, person=item.person, light=light_of(why), why=why,
        time_share=month.time_share(item.start_ym, item.end_ym),
    )  # fmt: skip
    if report is not None:
        line.status, line.progress, line.problems = report.status, report.progress, report.problems
        line.next_goal, line.metric, line.via = report.next_goal, metric, report.via
        line.submitted_at, line.late = report.submitted_at, report.late
        if report.filler_id != report.person_id:
            line.filler = month.persons.get(report.filler_id)
    return line


def _items(
    due: Sequence[DueItem], figures: Mapping[int, TaskFigure], month: _Month
) -> tuple[list[ItemLine], list[ItemLine]]:
    """Every item in 序号 order, and those whose counting figure is behind 序时进度."""
    metrics = {task_id: _metric(fig, month) for task_id, fig in figures.items()}
    items, behind = [], []
    for entry in due:
        line = _item(entry, metrics.get(entry.task_id), month)
        items.append(line)
        figure = figures.get(entry.task_id)
        if figure is not None and figure.key == entry.key and line.metric is not None:
            if line.metric.standing.behind:
                behind.append(line)
    return items, behind


def _groups(
    rows: Sequence[GroupRow], items: Sequence[ItemLine], figures: Sequence[TaskFigure],
    month: _Month,
) -> list[GroupSummary]:  # fmt: skip
    """分组情况 of every group with items due, in the task list's order, ranked."""
    mine: dict[str, list[ItemLine]] = {}
    for item in items:
        mine.setdefault(item.group, []).append(item)
    measured: dict[str, list[TaskFigure]] = {}
    for figure in figures:
        measured.setdefault(figure.group, []).append(figure)
    summaries = []
    for row in rows:
        lines = mine.get(row.name)
        if not lines:
            continue
        lights = light_counts(lines)
        totals = metric_totals(measured.get(row.name, []), ym=month.ym,
                               tolerance=month.tolerance)  # fmt: skip
        summaries.append(GroupSummary(row.name, list(row.leaders), submission_of(lines), lights,
                                      totals, group_score(lights.green, len(lines))))  # fmt: skip
    rank_groups(summaries)
    return summaries


def _goals(groups: Sequence[GroupSummary], items: Sequence[ItemLine]) -> list[GroupGoals]:
    """下阶段工作目标 by group (groups without any left out)."""
    goals = {g.name: GroupGoals(g.name, []) for g in groups}
    for item in items:
        if item.next_goal and item.group in goals:
            goals[item.group].lines.append(
                GoalLine(item.number, item.task_name, item.unit, item.person, item.next_goal)
            )
    return [g for g in goals.values() if g.lines]


def _problems(items: Sequence[ItemLine]) -> list[ProblemLine]:
    """需指挥部协调的问题: every problem raised in this month's reports."""
    return [ProblemLine(i.number, i.task_name, i.group, i.unit, i.person, i.status, i.problems)
            for i in items if i.problems and i.status is not None]  # fmt: skip


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a digest's many small objects are made.

    They hold no reference cycles (reference counting frees them), but the collector would walk
    each of them several times as they age: about 40 % of the build for 10 000 tasks.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def build_digest(
    session: AsyncSession, *, hq_id: int, ym: int, tolerance: Decimal
) -> Digest | None:
    """The digest of month `ym` (YYYYMM); None when the headquarters has no cycle that month."""
    with _gc_paused():
        return await _build(session, hq_id, ym, tolerance)


async def _build(session: AsyncSession, hq_id: int, ym: int, tolerance: Decimal) -> Digest | None:
    """`build_digest`, with the collector paused."""
    cycles = await cycle_rows(session, hq_id)
    cycle, name = cycles.get(ym), await hq_name(session, hq_id)
    if cycle is None or name is None:
        return None
    due = await due_items(session, hq_id, ym)
    reports = await month_reports(session, cycle.id)
    persons = {d.person_id: d.person for d in due}
    persons |= await person_names(session, {r.filler_id for r in reports.values()} - set(persons))
    month = _Month(ym, tolerance, reports, await unit_names(session), persons)
    figures = _figures(due, month)
    items, behind = _items(due, figures, month)
    groups = _groups(await group_rows(session, hq_id), items, list(figures.values()), month)
    return Digest(
        hq_id=hq_id, hq_name=name, ym=ym,
        plan_year=max((d.plan_year for d in due), default=ym // 100),
        closed=cycle.closed, due_on=cycle.due_on, tolerance=tolerance,
        submission=submission_of(items), lights=light_counts(items),
        metrics=metric_totals(figures.values(), ym=ym, tolerance=tolerance),
        behind_metrics=behind, groups=groups, problems=_problems(items),
        goals=_goals(groups, items),
        overdue=await overdue_lines(session, hq_id, ym, month.unit),
        stalled=await stalled_lines(session, ym=ym, cycles={m: c.id for m, c in cycles.items()},
                                    items=items, reports=reports),
        notice_groups=notices(items, lambda i: i.group),
        notice_units=notices(items, lambda i: i.unit),
        items=items,
    )  # fmt: skip


def quarter_months(year: int, quarter: int) -> list[int]:
    """The three months (YYYYMM) of a quarter (1-4)."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter out of range: {quarter}")
    return [year * 100 + 3 * (quarter - 1) + k for k in (1, 2, 3)]


def trend_of(values: Sequence[Decimal]) -> Trend:
    """From the first to the last value: up / down beyond 0.05, else flat; new with fewer than 2."""
    if len(values) < 2:
        return Trend.new
    change = values[-1] - values[0]
    if change > TREND_STEP:
        return Trend.up
    if change < -TREND_STEP:
        return Trend.down
    return Trend.flat


def _green_share(digest: Digest) -> Decimal | None:
    """The share of the month's items that are 🟢 (None when nothing was due)."""
    if digest.lights.total == 0:
        return None
    share = Decimal(digest.lights.green) / Decimal(digest.lights.total)
    return share.quantize(SHARE_PLACES, ROUND_HALF_UP)


async def build_quarter(
    session: AsyncSession, *, hq_id: int, year: int, quarter: int, tolerance: Decimal
) -> QuarterDigest | None:
    """The quarter's three digests side by side; None when no month of it has a cycle."""
    months = quarter_months(year, quarter)
    digests = [await build_digest(session, hq_id=hq_id, ym=m, tolerance=tolerance) for m in months]
    present = [d for d in digests if d is not None]
    if not present:
        return None
    order = {row.name: place for place, row in enumerate(await group_rows(session, hq_id))}
    names = sorted({g.name for d in present for g in d.groups}, key=lambda n: (order.get(n, 0), n))
    groups = []
    for name in names:
        summaries = [d.group(name) if d is not None else None for d in digests]
        scores = [s.score for s in summaries if s is not None]
        groups.append(QuarterGroup(name, summaries, trend_of(scores)))
    shares = [s for s in map(_green_share, present) if s is not None]
    return QuarterDigest(hq_id, present[0].hq_name, year, quarter, months, digests, groups,
                         trend_of(shares))  # fmt: skip
