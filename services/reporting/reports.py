"""Submitted reports: saving a revision, what each person has reported, a task's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person
from models.reporting import Cycle, Evidence, Reopen, Report, ReportDraft, ReportStatus
from models.tasks import Stage, Task
from services.due import DueStage, due_in
from services.reporting.answers import Answers, MetricSpec
from services.reporting.cycles import is_late


class ItemState(StrEnum):
    """Where one due task of a person stands this month."""

    todo = "todo"  # 未填
    draft = "draft"  # 草稿
    submitted = "submitted"  # 已提交
    late = "late"  # 逾期提交


@dataclass
class Item:
    """One (stage, responsible person) due in a cycle, with its state."""

    due: DueStage
    state: ItemState
    report: Report | None = None
    draft_id: int | None = None
    reopened: bool = False

    @property
    def key(self) -> tuple[int, int]:
        """(stage id, person id): what a report is about."""
        return (self.due.stage_id, self.due.person_id)


def metric_spec(task: Task) -> MetricSpec | None:
    """The task's metric as asked, when it has one."""
    if not task.metric_name or not task.metric_unit:
        return None
    return MetricSpec(task.metric_name, task.metric_unit, task.metric_annual_target)


async def latest_reports(
    session: AsyncSession, cycle_id: int, person_ids: list[int] | None = None
) -> dict[tuple[int, int], Report]:
    """The newest revision of every report in a cycle, by (stage id, person id)."""
    query = select(Report).where(Report.cycle_id == cycle_id)
    if person_ids is not None:
        query = query.where(col(Report.person_id).in_(person_ids))
    latest: dict[tuple[int, int], Report] = {}
    for report in (await session.exec(query.order_by(col(Report.revision)))).all():
        latest[(report.stage_id, report.person_id)] = report
    return latest


async def items_for(session: AsyncSession, cycle: Cycle, person_ids: list[int]) -> list[Item]:
    """Every task these persons are due to report on in the cycle, in 序号 order, with states."""
    assert cycle.id is not None
    due = await due_in(session, cycle.hq_id, cycle.ym, person_ids=person_ids)
    reports = await latest_reports(session, cycle.id, person_ids)
    drafts = {
        (d.stage_id, d.person_id): d
        for d in (
            await session.exec(
                select(ReportDraft).where(
                    ReportDraft.cycle_id == cycle.id, col(ReportDraft.person_id).in_(person_ids)
                )
            )
        ).all()
    }
    reopens = {
        (r.stage_id, r.person_id)
        for r in (
            await session.exec(
                select(Reopen).where(
                    Reopen.cycle_id == cycle.id,
                    col(Reopen.person_id).in_(person_ids),
                    col(Reopen.used_at).is_(None),
                )
            )
        ).all()
    }
    items: list[Item] = []
    seen: set[tuple[int, int]] = set()
    for stage in due:
        key = (stage.stage_id, stage.person_id)
        if key in seen:
            continue
        seen.add(key)
        report, draft = reports.get(key), drafts.get(key)
        if report is not None:
            state = ItemState.late if report.late else ItemState.submitted
        else:
            state = ItemState.draft if draft is not None else ItemState.todo
        items.append(Item(stage, state, report, draft.id if draft else None, key in reopens))
    return items


async def submit_report(
    session: AsyncSession,
    *,
    cycle: Cycle,
    stage_id: int,
    person_id: int,
    filler_id: int,
    answers: Answers,
    via: str,
    now: datetime,
    commit: bool = True,
) -> Report:
    """Save the answers as the next revision of the report (late when past the due day)."""
    assert cycle.id is not None and answers.status is not None
    first = (
        await session.exec(
            select(Report)
            .where(
                Report.cycle_id == cycle.id,
                Report.stage_id == stage_id,
                Report.person_id == person_id,
            )
            .order_by(col(Report.revision))
        )  # fmt: skip
    ).all()
    revision = (first[-1].revision + 1) if first else 1
    late = first[0].late if first else is_late(cycle, now)
    report = Report(
        cycle_id=cycle.id, stage_id=stage_id, person_id=person_id, revision=revision,
        filler_id=filler_id, status=answers.status.value, progress=(answers.progress or "").strip(),
        problems=(answers.problems or "").strip() or None,
        next_goal=(answers.goal or "").strip() or None,
        metric_value=answers.metric, via=via, late=late, submitted_at=now,
    )  # fmt: skip
    session.add(report)
    await session.flush()
    assert report.id is not None
    for position, item in enumerate(answers.evidence):
        session.add(Evidence(report_id=report.id, kind=str(item.get("kind", "document")),
                             file_id=str(item["file_id"]), file_unique_id=item.get("unique_id"),
                             name=item.get("name"), mime=item.get("mime"), size=item.get("size"),
                             position=position))  # fmt: skip
    if cycle.status != "open":
        reopen = (
            await session.exec(
                select(Reopen).where(
                    Reopen.cycle_id == cycle.id,
                    Reopen.stage_id == stage_id,
                    Reopen.person_id == person_id,
                    col(Reopen.used_at).is_(None),
                )
            )  # fmt: skip
        ).first()
        if reopen is not None:
            reopen.used_at, reopen.report_id = now, report.id
            session.add(reopen)
    if commit:
        await session.commit()
    return report


async def evidence_of(session: AsyncSession, report_id: int) -> list[Evidence]:
    """A report's evidence files in the order they were sent."""
    query = select(Evidence).where(Evidence.report_id == report_id).order_by(col(Evidence.position))
    return list((await session.exec(query)).all())


def answers_of(report: Report, evidence: list[Evidence]) -> Answers:
    """A saved report's answers, to revise it."""
    files = [{"kind": e.kind, "file_id": e.file_id, "unique_id": e.file_unique_id, "name": e.name,
              "mime": e.mime, "size": e.size} for e in evidence]  # fmt: skip
    return Answers(ReportStatus(report.status), report.progress, report.problems, report.next_goal,
                   report.metric_value, files)  # fmt: skip


async def last_month_report(
    session: AsyncSession, *, hq_id: int, ym: int, task_id: int, person_id: int
) -> Report | None:
    """The person's newest report on this task from an earlier month (any stage of the task)."""
    last, _ = await earlier_reports(session, hq_id=hq_id, ym=ym, task_id=task_id,
                                    person_id=person_id, with_metric=False)  # fmt: skip
    return last


async def previous_metric(
    session: AsyncSession, *, hq_id: int, ym: int, task_id: int, person_id: int
) -> Decimal | None:
    """The cumulative figure the person last gave for this task earlier in the same year."""
    _, previous = await earlier_reports(session, hq_id=hq_id, ym=ym, task_id=task_id,
                                        person_id=person_id)  # fmt: skip
    return previous


async def earlier_reports(
    session: AsyncSession, *, hq_id: int, ym: int, task_id: int, person_id: int,
    with_metric: bool = True,
) -> tuple[Report | None, Decimal | None]:  # fmt: skip
    """The newest earlier report on this task and (`with_metric`) the last figure given this
    year, in one query."""
    query = (
        select(Report, Cycle.ym)
        .join(Cycle, col(Cycle.id) == Report.cycle_id)
        .join(Stage, col(Stage.id) == Report.stage_id)
        .where(Cycle.hq_id == hq_id, col(Cycle.ym) < ym, Stage.task_id == task_id,
               Report.person_id == person_id)
        .order_by(col(Cycle.ym).desc(), col(Report.revision).desc())
    )  # fmt: skip
    if not with_metric:
        first = (await session.exec(query.limit(1))).first()
        return (first[0] if first is not None else None), None
    rows = (await session.exec(query)).all()
    year_start = (ym // 100) * 100
    previous = next(
        (r.metric_value for r, month in rows if month > year_start and r.metric_value is not None),
        None,
    )
    return (rows[0][0] if rows else None), previous


@dataclass
class MonthReports:
    """A task's reports of one month (the newest revision of each person's)."""

    ym: int
    cycle_status: str
    reports: list[tuple[Report, str, str, int]] = field(
        default_factory=list
    )  # report, 责任人, 填报人, files


async def task_history(
    session: AsyncSession, task_id: int, *, months: int = 12
) -> list[MonthReports]:
    """The task's reports month by month, newest month first (at most `months` months)."""
    query = (
        select(Report, Cycle.ym, Cycle.status)
        .join(Cycle, col(Cycle.id) == Report.cycle_id)
        .join(Stage, col(Stage.id) == Report.stage_id)
        .where(Stage.task_id == task_id)
        .order_by(col(Cycle.ym).desc(), col(Report.person_id), col(Report.revision))
    )
    rows = (await session.exec(query)).all()
    ids = {r.person_id for r, _, _ in rows} | {r.filler_id for r, _, _ in rows}
    names = {p.id: p.name for p in (await session.exec(
        select(Person).where(col(Person.id).in_(ids)))).all()}  # fmt: skip
    counts: dict[int | None, int] = {}
    if rows:
        counted = select(Evidence.report_id, func.count(col(Evidence.id))).where(
            col(Evidence.report_id).in_([r.id for r, _, _ in rows])
        ).group_by(col(Evidence.report_id))  # fmt: skip
        counts = {rid: int(n) for rid, n in (await session.exec(counted)).all()}
    by_month: dict[int, MonthReports] = {}
    newest: dict[tuple[int, int, int], int] = {}
    for report, ym, status in rows:
        month = by_month.setdefault(ym, MonthReports(ym, status))
        key = (ym, report.stage_id, report.person_id)
        entry = (report, names.get(report.person_id, ""), names.get(report.filler_id, ""),
                 counts.get(report.id, 0))  # fmt: skip
        if key in newest:
            month.reports[newest[key]] = entry
        else:
            newest[key] = len(month.reports)
            month.reports.append(entry)
    return list(by_month.values())[:months]


async def reopened_items(
    session: AsyncSession, *, hq_id: int, person_ids: list[int], besides: int | None = None
) -> list[tuple[Cycle, Item]]:
    """Reports of closed months an admin let these persons revise once more (not yet used)."""
    query = (
        select(Cycle)
        .join(Reopen, col(Reopen.cycle_id) == Cycle.id)
        .where(Cycle.hq_id == hq_id, col(Reopen.person_id).in_(person_ids),
               col(Reopen.used_at).is_(None), col(Cycle.id) != (besides or 0))
        .order_by(col(Cycle.ym))
        .distinct()
    )  # fmt: skip
    found = []
    for cycle in (await session.exec(query)).all():
        found += [(cycle, i) for i in await items_for(session, cycle, person_ids) if i.reopened]
    return found
