"""The reporting conversation as a state machine over the draft row (no Telegram here).

Every answer is committed before the function returns, so the bot answers only what is saved;
a restarted or second instance picks the draft up where it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person
from models.reporting import Cycle, CycleStatus, Reopen, Report, ReportDraft, ReportStatus
from models.tasks import Stage, Task
from services.reporting.answers import (
    Answers,
    Field,
    MetricSpec,
    Problem,
    check_metric,
    check_problems,
    check_progress,
    check_text,
    missing,
    problems_required,
)
from services.reporting.reports import (
    Item,
    ItemState,
    answers_of,
    earlier_reports,
    evidence_of,
    items_for,
    metric_spec,
    submit_report,
)

MAX_EVIDENCE = 10  # files per report


class Step(StrEnum):
    """Where a draft stands: the question being asked."""

    status = "status"
    progress = "progress"
    problems = "problems"
    goal = "goal"
    metric = "metric"
    metric_lower = "metric_lower"  # confirm a cumulative figure below last month's
    evidence = "evidence"
    summary = "summary"
    pick = "pick"  # 修改: which field to redo


FIELD_STEP = {
    Field.status: Step.status,
    Field.progress: Step.progress,
    Field.problems: Step.problems,
    Field.goal: Step.goal,
    Field.metric: Step.metric,
    Field.evidence: Step.evidence,
}
TEXT_STEPS = frozenset({Step.progress, Step.problems, Step.goal, Step.metric})
BACK = "_back"  # in the draft's JSON: return to the summary after this field (修改)
PENDING = "_pending_metric"  # a lower figure waiting for its confirmation
SEEN = (
    "_seen_message"  # the newest message taken as an answer: a redelivered one is not taken twice
)


@dataclass
class DraftView:
    """A draft with what asking its question needs."""

    draft: ReportDraft
    cycle: Cycle
    task: Task
    stage: Stage
    person: Person  # 责任人
    filler: Person  # 填报人
    answers: Answers
    metric: MetricSpec | None
    last: Report | None  # last month's report on this task
    previous: Decimal | None  # the cumulative figure given earlier this year
    reopened: bool = False  # the cycle is closed but an admin let this report be revised
    position: int = 0
    total: int = 0

    @property
    def step(self) -> Step:
        """The question being asked."""
        return Step(self.draft.step)

    @property
    def editing(self) -> bool:
        """Whether this field is redone from the summary (修改)."""
        return bool(self.draft.answers.get(BACK))

    @property
    def pending_metric(self) -> Decimal | None:
        """A figure below last month's, waiting to be confirmed."""
        value = self.draft.answers.get(PENDING)
        return Decimal(value) if value is not None else None

    @property
    def problems_required(self) -> bool:
        """Whether 存在问题 must be answered (滞后 / 受阻)."""
        return problems_required(self.answers.status)

    @property
    def missing(self) -> list[Field]:
        """What the summary cannot be submitted without."""
        return missing(self.answers, self.metric)


class Outcome(StrEnum):
    """What an answer did."""

    next = "next"  # saved; ask the draft's (new) step
    refused = "refused"  # not saved: re-ask with the problem
    stale = "stale"  # the button belongs to another step, a closed cycle or someone else


@dataclass
class StepResult:
    """The outcome of one answer, with the draft as it now stands."""

    outcome: Outcome
    view: DraftView | None = None
    problem: Problem | None = None


class StartKind(StrEnum):
    """What starting (or resuming) a report did."""

    started = "started"
    resumed = "resumed"
    revising = "revising"
    submitted = "submitted"  # already submitted: offer a revision
    closed = "closed"  # the cycle is closed and no reopen allows it
    not_yours = "not_yours"  # not this filler's task, or not due this month
    nothing = "nothing"  # nothing (left) to report


@dataclass
class StartOutcome:
    """The draft to ask from, or why there is none."""

    kind: StartKind
    view: DraftView | None = None
    item: Item | None = None


def _save(draft: ReportDraft, answers: Answers, step: Step, now: datetime, **extra: Any) -> None:
    data = answers.to_json()
    for key in (BACK, PENDING, SEEN):
        if key in extra:
            if extra[key] is not None:
                data[key] = extra[key]
        elif key in draft.answers:
            data[key] = draft.answers[key]
    draft.answers, draft.step, draft.updated_at = data, step.value, now


async def load_view(session: AsyncSession, draft: ReportDraft) -> DraftView:
    """A draft with its cycle, task, stage, persons, last month's report and metric."""
    query = (
        select(Cycle, Stage, Task)
        .select_from(Cycle)
        .join(Stage, col(Stage.id) == draft.stage_id)
        .join(Task, col(Task.id) == Stage.task_id)
        .where(Cycle.id == draft.cycle_id)
    )  # one round trip instead of three
    cycle, stage, task = (await session.exec(query)).one()
    return await _view_of(session, draft, cycle, stage, task)


async def live_view(session: AsyncSession, filler_id: int) -> DraftView | None:
    """The draft this filler is answering now (not paused) with its view, in one query."""
    query = (
        select(ReportDraft, Cycle, Stage, Task)
        .join(Cycle, col(Cycle.id) == ReportDraft.cycle_id)
        .join(Stage, col(Stage.id) == ReportDraft.stage_id)
        .join(Task, col(Task.id) == Stage.task_id)
        .where(ReportDraft.filler_id == filler_id, col(ReportDraft.paused).is_(False))
        .order_by(col(ReportDraft.updated_at).desc())
        .limit(1)
    )
    found = (await session.exec(query)).first()
    if found is None:
        return None
    draft, cycle, stage, task = found
    return await _view_of(session, draft, cycle, stage, task)


async def _view_of(
    session: AsyncSession, draft: ReportDraft, cycle: Cycle, stage: Stage, task: Task
) -> DraftView:
    person = await session.get(Person, draft.person_id)
    filler = (
        person if draft.filler_id == draft.person_id else await session.get(Person, draft.filler_id)
    )
    assert task.id is not None and person is not None and filler is not None
    assert person.id is not None
    spec = metric_spec(task)
    last, previous = await earlier_reports(session, hq_id=cycle.hq_id, ym=cycle.ym,
                                           task_id=task.id, person_id=person.id,
                                           with_metric=spec is not None)  # fmt: skip
    reopened = cycle.status != CycleStatus.open and await _reopened(session, draft)
    return DraftView(draft, cycle, task, stage, person, filler, Answers.from_json(draft.answers),
                     spec, last, previous, reopened)  # fmt: skip


async def _reopened(session: AsyncSession, draft: ReportDraft) -> bool:
    query = select(Reopen.id).where(Reopen.cycle_id == draft.cycle_id,
                                    Reopen.stage_id == draft.stage_id,
                                    Reopen.person_id == draft.person_id,
                                    col(Reopen.used_at).is_(None))  # fmt: skip
    return (await session.exec(query)).first() is not None


def _may_report_for(filler: Person, person_id: int, principal_ids: list[int]) -> bool:
    return filler.id == person_id or person_id in principal_ids


async def live_draft(session: AsyncSession, filler_id: int) -> ReportDraft | None:
    """The draft this filler is answering now (not paused), if any."""
    query = (
        select(ReportDraft)
        .where(ReportDraft.filler_id == filler_id, col(ReportDraft.paused).is_(False))
        .order_by(col(ReportDraft.updated_at).desc())
    )
    return (await session.exec(query)).first()


async def last_paused(session: AsyncSession, filler_id: int) -> ReportDraft | None:
    """The draft this filler put aside most recently (/report resumes it)."""
    query = (
        select(ReportDraft)
        .join(Cycle, col(Cycle.id) == ReportDraft.cycle_id)
        .where(ReportDraft.filler_id == filler_id, Cycle.status == CycleStatus.open)
        .order_by(col(ReportDraft.updated_at).desc())
    )
    return (await session.exec(query)).first()


async def _pause_others(session: AsyncSession, filler_id: int, keep: int | None) -> None:
    query = select(ReportDraft).where(
        ReportDraft.filler_id == filler_id, col(ReportDraft.paused).is_(False)
    )
    for other in (await session.exec(query)).all():
        if other.id != keep:
            other.paused = True
            session.add(other)


async def pause(session: AsyncSession, filler_id: int, now: datetime) -> ReportDraft | None:
    """/cancel: put the live draft aside (kept whole for /report); commit."""
    draft = await live_draft(session, filler_id)
    if draft is not None:
        draft.paused, draft.updated_at = True, now
        session.add(draft)
        await session.commit()
    return draft


def _first_step(answers: Answers) -> Step:
    return Step.summary if answers.status is not None else Step.status


async def start(
    session: AsyncSession,
    *,
    cycle: Cycle,
    filler: Person,
    principal_ids: list[int],
    person_id: int,
    stage_id: int,
    now: datetime,
    revise: bool = False,
    items: list[Item] | None = None,
) -> StartOutcome:
    """Start, resume or (with `revise`) revise a report of (person, stage) in the cycle; commit.

    `items` may pass the filler's items of the cycle when the caller has just read them.
    """
    assert filler.id is not None and cycle.id is not None
    if not _may_report_for(filler, person_id, principal_ids):
        return StartOutcome(StartKind.not_yours)
    if items is None:
        items = await items_for(session, cycle, _persons(filler, principal_ids))
    item = next((i for i in items if i.key == (stage_id, person_id)), None)
    if item is None:
        return StartOutcome(StartKind.not_yours)
    if cycle.status != CycleStatus.open and not item.reopened:
        return StartOutcome(StartKind.closed, item=item)
    draft = (
        await session.exec(
            select(ReportDraft).where(
                ReportDraft.cycle_id == cycle.id,
                ReportDraft.person_id == person_id,
                ReportDraft.stage_id == stage_id,
            )
        )  # fmt: skip
    ).first()
    if item.report is not None and draft is None and not revise:
        return StartOutcome(StartKind.submitted, item=item)
    kind = StartKind.resumed
    if draft is None:
        answers, revising = Answers(), False
        if item.report is not None and item.report.id is not None:
            answers = answers_of(item.report, await evidence_of(session, item.report.id))
            revising = True
        draft = ReportDraft(cycle_id=cycle.id, person_id=person_id, stage_id=stage_id,
                            filler_id=filler.id, step=_first_step(answers).value,
                            answers=answers.to_json(), revising=revising, created_at=now,
                            updated_at=now)  # fmt: skip
        kind = StartKind.revising if revising else StartKind.started
    draft.filler_id, draft.paused, draft.updated_at = filler.id, False, now
    session.add(draft)
    await session.flush()
    await _pause_others(session, filler.id, draft.id)
    await session.commit()
    view = await load_view(session, draft)
    _place(view, items)  # positions only: the states read before this draft do not matter
    return StartOutcome(kind, view, item)


def _persons(filler: Person, principal_ids: list[int]) -> list[int]:
    assert filler.id is not None
    return [filler.id, *[p for p in principal_ids if p != filler.id]]


def _place(view: DraftView, items: list[Item]) -> None:
    keys = [i.key for i in items]
    key = (view.draft.stage_id, view.draft.person_id)
    view.total = len(keys)
    view.position = keys.index(key) + 1 if key in keys else 0


async def start_next(
    session: AsyncSession, *, cycle: Cycle, filler: Person, principal_ids: list[int],
    now: datetime, after: tuple[int, int] | None = None,
) -> StartOutcome:  # fmt: skip
    """Start the next task still to report (`nothing` when all are submitted); commit."""
    items = await items_for(session, cycle, _persons(filler, principal_ids))
    item = _next_of(items, after)
    if item is None:
        return StartOutcome(StartKind.nothing)
    return await start(session, cycle=cycle, filler=filler, principal_ids=principal_ids,
                       person_id=item.due.person_id, stage_id=item.due.stage_id, now=now,
                       items=items)  # fmt: skip


def _next_of(items: list[Item], after: tuple[int, int] | None) -> Item | None:
    """The next task still to report after `after` in list order, wrapping round."""
    open_items = [i for i in items if i.state in (ItemState.todo, ItemState.draft)]
    if not open_items:
        return None
    if after is not None:
        keys = [i.key for i in items]
        if after in keys:
            start_at = keys.index(after)
            ordered = items[start_at + 1 :] + items[: start_at + 1]
            open_items = [i for i in ordered if i.state in (ItemState.todo, ItemState.draft)]
    return open_items[0]


def check_live(view: DraftView, step: str | None = None) -> bool:
    """Whether the draft still takes answers (cycle open or reopened; the expected step)."""
    if step is not None and view.draft.step != step:
        return False
    if view.draft.paused:
        return False
    return view.cycle.status == CycleStatus.open or view.reopened


def _after(view: DraftView, field: Field) -> Step:
    """The step after answering `field`: the summary when editing, else the next question."""
    if view.editing:
        return Step.summary
    order = [Field.status, Field.progress, Field.problems, Field.goal, Field.metric, Field.evidence]
    for following in order[order.index(field) + 1 :]:
        if following is Field.metric and view.metric is None:
            continue
        return FIELD_STEP[following]
    return Step.summary


async def _commit(session: AsyncSession, view: DraftView, answers: Answers, step: Step,
                  now: datetime, **extra: Any) -> StepResult:  # fmt: skip
    if step is Step.summary:
        extra[BACK] = None
    _save(view.draft, answers, step, now, **extra)
    session.add(view.draft)
    await session.commit()
    view.answers = answers
    return StepResult(Outcome.next, view)


async def answer_status(
    session: AsyncSession, view: DraftView, status: ReportStatus, now: datetime
) -> StepResult:
    """状态 chosen; when editing it may make 存在问题 required, which is then asked."""
    answers = view.answers
    answers.status = status
    step = _after(view, Field.status)
    if step is Step.summary and check_problems(answers.problems, status) is not None:
        return await _commit(session, view, answers, Step.problems, now)
    if step is Step.summary and check_progress(answers.progress or "", status) is not None:
        return await _commit(session, view, answers, Step.progress, now)
    return await _commit(session, view, answers, step, now)


async def answer_text(
    session: AsyncSession, view: DraftView, text: str, now: datetime, *,
    message_id: int | None = None,
) -> StepResult:  # fmt: skip
    """A typed answer to the current text step; refused (nothing saved) when it breaks a rule.

    With `message_id`, a message already taken (Telegram redelivering it after a crash) is
    `stale`: it does not become the answer to the next question.
    """
    if message_id is not None:
        if message_id <= int(view.draft.answers.get(SEEN) or 0):
            return StepResult(Outcome.stale, view)
        view.draft.answers = {**view.draft.answers, SEEN: message_id}
    step, answers = view.step, view.answers
    if step is Step.progress:
        problem = check_progress(text, answers.status)
        if problem is not None:
            return StepResult(Outcome.refused, view, problem)
        answers.progress = text.strip()
        return await _commit(session, view, answers, _after(view, Field.progress), now)
    if step is Step.problems:
        problem = check_problems(text, answers.status) or check_text(text, required=True)
        if problem is not None:
            return StepResult(Outcome.refused, view, problem)
        answers.problems = text.strip()
        return await _commit(session, view, answers, _after(view, Field.problems), now)
    if step is Step.goal:
        problem = check_text(text, required=True)
        if problem is not None:
            return StepResult(Outcome.refused, view, problem)
        answers.goal = text.strip()
        return await _commit(session, view, answers, _after(view, Field.goal), now)
    if step is Step.metric and view.metric is not None:
        checked = check_metric(text, view.metric, view.previous)
        if checked.problem is Problem.metric_lower and checked.value is not None:
            _save(view.draft, answers, Step.metric_lower, now, **{PENDING: str(checked.value)})
            session.add(view.draft)
            await session.commit()
            return StepResult(Outcome.next, view, Problem.metric_lower)
        if checked.problem is not None or checked.value is None:
            return StepResult(Outcome.refused, view, checked.problem)
        answers.metric = checked.value
        return await _commit(session, view, answers, _after(view, Field.metric), now)
    return StepResult(Outcome.stale, view)


async def confirm_lower(
    session: AsyncSession, view: DraftView, accept: bool, now: datetime
) -> StepResult:
    """A figure below last month's: keep it (a correction) or type it again."""
    pending = view.pending_metric
    answers = view.answers
    if not accept or pending is None:
        return await _commit(session, view, answers, Step.metric, now, **{PENDING: None})
    answers.metric = pending
    view.draft.answers.pop(PENDING, None)
    return await _commit(session, view, answers, _after(view, Field.metric), now)


async def skip(session: AsyncSession, view: DraftView, now: datetime) -> StepResult:
    """跳过 (存在问题 when optional) or 完成 (evidence)."""
    answers = view.answers
    if view.step is Step.problems and not view.problems_required:
        answers.problems = None
        return await _commit(session, view, answers, _after(view, Field.problems), now)
    if view.step is Step.evidence:
        return await _commit(session, view, answers, Step.summary, now)
    return StepResult(Outcome.stale, view)


async def same_as_last(session: AsyncSession, view: DraftView, now: datetime) -> StepResult:
    """同上月: last month's goal as this month's."""
    if view.step is not Step.goal or view.last is None or not view.last.next_goal:
        return StepResult(Outcome.stale, view)
    answers = view.answers
    answers.goal = view.last.next_goal
    return await _commit(session, view, answers, _after(view, Field.goal), now)


async def add_evidence(
    session: AsyncSession, view: DraftView, file: dict[str, Any], now: datetime
) -> StepResult:
    """A photo or document as evidence (kept by file_id); stays on the evidence step."""
    answers = view.answers
    if len(answers.evidence) >= MAX_EVIDENCE:
        return StepResult(Outcome.refused, view, None)
    if any(f.get("unique_id") and f.get("unique_id") == file.get("unique_id")
           for f in answers.evidence):  # fmt: skip
        return StepResult(Outcome.next, view)
    answers.evidence.append(file)
    return await _commit(session, view, answers, Step.evidence, now)


async def pick_field(
    session: AsyncSession, view: DraftView, field: Field, now: datetime
) -> StepResult:
    """修改 → a field: redo only it, then back to the summary."""
    if field is Field.metric and view.metric is None:
        return StepResult(Outcome.stale, view)
    return await _commit(session, view, view.answers, FIELD_STEP[field], now, **{BACK: True})


async def ask_pick(session: AsyncSession, view: DraftView, now: datetime) -> StepResult:
    """修改 on the summary: ask which field."""
    return await _commit(session, view, view.answers, Step.pick, now)


async def back_to_summary(session: AsyncSession, view: DraftView, now: datetime) -> StepResult:
    """Leave the field picker without changing anything."""
    return await _commit(session, view, view.answers, Step.summary, now)


class SubmitKind(StrEnum):
    """What 提交 did."""

    submitted = "submitted"
    incomplete = "incomplete"
    closed = "closed"


@dataclass
class SubmitOutcome:
    """The saved report, or why nothing was saved."""

    kind: SubmitKind
    report: Report | None = None
    gaps: list[Field] | None = None


async def submit(session: AsyncSession, view: DraftView, now: datetime) -> SubmitOutcome:
    """提交: save the answers as a report revision and drop the draft, in one transaction."""
    if not check_live(view):
        return SubmitOutcome(SubmitKind.closed)
    gaps = view.missing
    if gaps:
        return SubmitOutcome(SubmitKind.incomplete, gaps=gaps)
    assert view.person.id is not None and view.filler.id is not None
    report = await submit_report(session, cycle=view.cycle, stage_id=view.stage.id or 0,
                                 person_id=view.person.id, filler_id=view.filler.id,
                                 answers=view.answers, via="chat", now=now,
                                 commit=False)  # fmt: skip
    await session.delete(view.draft)
    await session.commit()
    return SubmitOutcome(SubmitKind.submitted, report)
