"""Monthly reporting in the private chat: the ask, /report, each question, /myreports, /cancel.

The conversation's state is the draft row (services/reporting/conversation.py): this module only
turns updates into calls on it and its outcomes into questions.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext, HQApplication
from handlers.callbacks import BookDownload, ReportRevise, ReportStart, ReportStep
from handlers.guards import guarded, open_request, pressed
from handlers.permissions import PERMISSIONS
from handlers.request import Press, Request
from models.people import Person
from models.reporting import Cycle, ReportDraft, ReportStatus
from services.reporting import conversation as conv
from services.reporting.answers import Field
from services.reporting.cycles import is_late, latest_cycle, open_cycle_of
from services.reporting.reports import Item, ItemState, items_for, reopened_items

log = logging.getLogger(__name__)

STATUSES = [ReportStatus.done, ReportStatus.on_track, ReportStatus.behind, ReportStatus.blocked,
            ReportStatus.not_started]  # fmt: skip
PICKABLE = [Field.status, Field.progress, Field.problems, Field.goal, Field.metric, Field.evidence]
BUTTON_NAME = 14  # characters of a task name on its button
DRAFT_FIRST = -10  # handler group that sees private messages before any other


def _button(label: str, data: Any) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def _item_buttons(render: Any, cycle: Cycle, items: list[Item]) -> list[list[InlineKeyboardButton]]:
    assert cycle.id is not None
    rows = []
    for item in items:
        label = render("button_report_task", item=item, width=BUTTON_NAME)
        payload: ReportStart | ReportRevise = ReportStart(
            cycle.id, item.due.stage_id, item.due.person_id
        )
        if item.state in (ItemState.submitted, ItemState.late):
            payload = ReportRevise(cycle.id, item.due.stage_id, item.due.person_id)
        rows.append([_button(label, payload)])
    return rows


def _principals(req: Request) -> list[int]:
    return [p.id for p in req.ident.principals if p.id is not None]


def _filler(req: Request) -> Person | None:
    person = req.ident.person
    return person if person is not None and person.id is not None else None


def _markup(req: Request, view: conv.DraftView) -> InlineKeyboardMarkup | None:
    """The buttons under a question (none for plain text questions)."""
    draft_id = view.draft.id or 0
    step = view.step

    def b(choice: str, template: str, **ctx: Any) -> InlineKeyboardButton:
        return _button(req.render(template, **ctx), ReportStep(draft_id, step.value, choice))

    rows: list[list[InlineKeyboardButton]] = []
    if step is conv.Step.status:
        buttons = [b(s.value, "button_report_status", status=s.value) for s in STATUSES]
        rows = [buttons[0:2], buttons[2:4], buttons[4:]]
    elif step is conv.Step.problems and not view.problems_required:
        rows = [[b("skip", "button_report_skip")]]
    elif step is conv.Step.goal and view.last is not None and view.last.next_goal:
        rows = [[b("same", "button_report_same")]]
    elif step is conv.Step.metric_lower:
        rows = [[b("yes", "button_report_keep_lower"), b("no", "button_report_retype")]]
    elif step is conv.Step.evidence:
        rows = [[b("done", "button_report_evidence_done", count=len(view.answers.evidence))]]
    elif step is conv.Step.summary:
        rows = [[b("submit", "button_report_submit"), b("edit", "button_report_edit")]]
    elif step is conv.Step.pick:
        fields = [f for f in PICKABLE if f is not Field.metric or view.metric is not None]
        buttons = [b(f.value, "button_report_field", field=f.value) for f in fields]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([b("back", "button_report_back")])
    if view.editing and step not in (conv.Step.summary, conv.Step.pick):
        rows.append([b("back", "button_report_back")])
    return InlineKeyboardMarkup(rows) if rows else None


async def ask_question(req: Request, view: conv.DraftView, *, problem: str | None = None,
                       unexpected: bool = False) -> Message | None:  # fmt: skip
    """Send the draft's current question (with why the last answer was refused, if it was)."""
    return await req.reply(
        "report_question", reply_markup=_markup(req, view), view=view, step=view.step.value,
        problem=problem, unexpected=unexpected, late=is_late(view.cycle, req.now),
    )  # fmt: skip


async def _cycle(req: Request) -> Cycle | None:
    hq = req.hq
    if hq is None or hq.id is None:
        return None
    return await open_cycle_of(req.session, hq.id)


async def _start_next(req: Request, cycle: Cycle, filler: Person,
                      after: tuple[int, int] | None = None) -> bool:  # fmt: skip
    """Ask the first question of the next task still to report; False when none is left."""
    started = await conv.start_next(req.session, cycle=cycle, filler=filler,
                                    principal_ids=_principals(req), now=req.now,
                                    after=after)  # fmt: skip
    if started.view is None:
        return False
    await ask_question(req, started.view)
    return True


@guarded("report")
async def report_command(req: Request) -> None:
    """/report: resume the live or last paused draft, else start the next task to report."""
    filler = _filler(req)
    if filler is None or filler.id is None:
        return
    draft = await conv.live_draft(req.session, filler.id) or await conv.last_paused(
        req.session, filler.id
    )
    if draft is not None:
        view = await conv.load_view(req.session, draft)
        if conv.check_live(view) or draft.paused:
            resumed = await conv.start(req.session, cycle=view.cycle, filler=filler,
                                       principal_ids=_principals(req), person_id=draft.person_id,
                                       stage_id=draft.stage_id, now=req.now)  # fmt: skip
            if resumed.view is not None:
                await ask_question(req, resumed.view)
                return
    cycle = await _cycle(req)
    if cycle is None:
        await req.reply("report_no_cycle")
        return
    if not await _start_next(req, cycle, filler):
        await _thanks(req, cycle, filler)


async def _thanks(req: Request, cycle: Cycle, filler: Person) -> None:
    assert filler.id is not None
    items = await items_for(req.session, cycle, [filler.id, *_principals(req)])
    done = [i for i in items if i.state in (ItemState.submitted, ItemState.late)]
    await req.reply("report_thanks", cycle=cycle, items=done, filler=filler)


@guarded("cancel")
async def cancel_command(req: Request) -> None:
    """/cancel: pause the report being typed; the draft is kept for /report."""
    filler = _filler(req)
    paused = await conv.pause(req.session, filler.id, req.now) if filler and filler.id else None
    await req.reply("report_paused", paused=paused is not None)


@guarded("myreports")
async def myreports_command(req: Request) -> None:
    """/myreports: this month's tasks with their state, a button each, and the 填报表."""
    filler = _filler(req)
    hq = req.hq
    if filler is None or filler.id is None or hq is None or hq.id is None:
        return
    cycle = await latest_cycle(req.session, hq.id)
    if cycle is None or cycle.id is None:
        await req.reply("report_no_cycle")
        return
    persons = [filler.id, *_principals(req)]
    items = await items_for(req.session, cycle, persons)
    rows: list[list[InlineKeyboardButton]] = []
    if cycle.status == "open":
        rows = _item_buttons(req.render_text, cycle, items)
        if items:
            rows.append([_button(req.render("button_report_book"), BookDownload(cycle.id))])
    else:
        reopened = [i for i in items if i.reopened]
        rows = _item_buttons(req.render_text, cycle, reopened)
    older = await reopened_items(req.session, hq_id=hq.id, person_ids=persons, besides=cycle.id)
    for other, item in older:
        rows += _item_buttons(req.render_text, other, [item])
    await req.reply("report_mine", reply_markup=InlineKeyboardMarkup(rows) if rows else None,
                    cycle=cycle, items=items, filler=filler, older=older)  # fmt: skip


async def _begin(press: Press[Any], cycle_id: int, stage_id: int, person_id: int,
                 revise: bool) -> None:  # fmt: skip
    filler = _filler(press)
    cycle = await press.session.get(Cycle, cycle_id)
    hq = press.hq
    if filler is None or cycle is None or hq is None or cycle.hq_id != hq.id:
        await press.answer("report_stale", alert=True)
        return
    if stage_id == 0:  # 开始填报: the draft being typed, else the next task
        if cycle.status != "open":
            await press.answer("report_closed", alert=True)
            return
        draft = await conv.live_draft(press.session, filler.id or 0)
        if draft is not None and draft.cycle_id == cycle.id:
            stage_id, person_id = draft.stage_id, draft.person_id
        else:
            await press.answer()
            if not await _start_next(press, cycle, filler):
                await _thanks(press, cycle, filler)
            return
    started = await conv.start(press.session, cycle=cycle, filler=filler,
                               principal_ids=_principals(press), person_id=person_id,
                               stage_id=stage_id, now=press.now, revise=revise)  # fmt: skip
    if started.kind is conv.StartKind.not_yours:
        await press.answer("report_stale", alert=True)
        return
    if started.kind is conv.StartKind.closed:
        await press.answer("report_closed", alert=True)
        return
    await press.answer()
    if started.kind is conv.StartKind.submitted and started.item is not None:
        item = started.item
        again = ReportRevise(cycle_id, item.due.stage_id, item.due.person_id)
        markup = InlineKeyboardMarkup([[_button(press.render("button_report_revise"), again)]])
        await press.reply("report_already", item=item, reply_markup=markup)
        return
    if started.view is not None:
        await ask_question(press, started.view)


@pressed("report", ReportStart)
async def on_start_button(press: Press[ReportStart]) -> None:
    """A task's button (or 开始填报) under the ask or /myreports."""
    data = press.data
    await _begin(press, data.cycle_id, data.stage_id, data.person_id, revise=False)


@pressed("report", ReportRevise)
async def on_revise_button(press: Press[ReportRevise]) -> None:
    """修改 a submitted report: its summary card, to change one field and submit again."""
    data = press.data
    await _begin(press, data.cycle_id, data.stage_id, data.person_id, revise=True)


async def _own_view(press: Press[ReportStep]) -> conv.DraftView | None:
    """The pressed draft, only when it is the presser's, on its step, in a live cycle."""
    filler = _filler(press)
    draft = await press.session.get(ReportDraft, press.data.draft_id)
    if filler is None or draft is None or draft.filler_id != filler.id:
        return None
    view = await conv.load_view(press.session, draft)
    if not conv.check_live(view, press.data.step):
        return None
    return view


@pressed("report", ReportStep)
async def on_step_button(press: Press[ReportStep]) -> None:
    """A choice within the current question: status, 跳过, 同上月, 提交, 修改, a field…"""
    view = await _own_view(press)
    if view is None:
        await press.answer("report_stale", alert=True)
        return
    choice, step, now, session = press.data.choice, view.step, press.now, press.session
    result: conv.StepResult | None = None
    if step is conv.Step.status and choice in ReportStatus.__members__:
        result = await conv.answer_status(session, view, ReportStatus(choice), now)
    elif choice == "back" and (view.editing or step is conv.Step.pick):
        result = await conv.back_to_summary(session, view, now)
    elif choice == "skip":
        result = await conv.skip(session, view, now)
    elif choice == "same":
        result = await conv.same_as_last(session, view, now)
    elif step is conv.Step.metric_lower and choice in ("yes", "no"):
        result = await conv.confirm_lower(session, view, choice == "yes", now)
    elif step is conv.Step.evidence and choice == "done":
        result = await conv.skip(session, view, now)
    elif step is conv.Step.summary and choice == "edit":
        result = await conv.ask_pick(session, view, now)
    elif step is conv.Step.pick and choice in Field.__members__:
        result = await conv.pick_field(session, view, Field(choice), now)
    elif step is conv.Step.summary and choice == "submit":
        await _submit(press, view)
        return
    if result is None or result.outcome is conv.Outcome.stale or result.view is None:
        await press.answer("report_stale", alert=True)
        return
    await press.answer()
    await ask_question(press, result.view)


async def _submit(press: Press[ReportStep], view: conv.DraftView) -> None:
    submitted = await conv.submit(press.session, view, press.now)
    if submitted.kind is conv.SubmitKind.closed:
        await press.answer("report_closed", alert=True)
        return
    if submitted.kind is conv.SubmitKind.incomplete:
        await press.answer("report_incomplete", alert=True, gaps=submitted.gaps or [])
        return
    await press.answer()
    await press.reply("report_saved", view=view, report=submitted.report)
    filler = _filler(press)
    if filler is None or view.cycle.status != "open":
        return
    after = (view.stage.id or 0, view.person.id or 0)
    if not await _start_next(press, view.cycle, filler, after=after):
        await _thanks(press, view.cycle, filler)


async def _live_view(req: Request) -> conv.DraftView | None:
    filler = _filler(req)
    if filler is None or filler.id is None:
        return None
    view = await conv.live_view(req.session, filler.id)
    return view if view is not None and conv.check_live(view) else None


def _evidence_file(message: Message) -> dict[str, Any] | None:
    if message.photo:
        photo = message.photo[-1]
        return {"kind": "photo", "file_id": photo.file_id, "unique_id": photo.file_unique_id,
                "name": None, "mime": "image/jpeg", "size": photo.file_size}  # fmt: skip
    if message.document is not None:
        doc = message.document
        return {"kind": "document", "file_id": doc.file_id, "unique_id": doc.file_unique_id,
                "name": doc.file_name, "mime": doc.mime_type, "size": doc.file_size}  # fmt: skip
    return None


def _is_workbook(message: Message) -> bool:
    name = (message.document.file_name or "").lower() if message.document else ""
    return name.endswith((".xlsx", ".xlsm", ".xls", ".csv"))


async def on_private_message(update: Update, context: BotContext) -> None:
    """Any private message while a report is being typed: an answer, evidence, or a re-ask.

    Runs before the other handlers; without a live draft it lets the update go on to them.
    """
    message = update.effective_message
    if message is None:
        return
    async with open_request(update, context) as req:
        if req is None or not req.ident.has(*PERMISSIONS["report"].roles):
            if update.edited_message is not None:
                raise ApplicationHandlerStop
            return
        view = await _live_view(req)
        if view is None:
            if update.edited_message is not None:
                raise ApplicationHandlerStop  # an edit outside a report changes nothing
            return
        step = view.step
        if update.edited_message is not None:
            await ask_question(req, view, problem="edited")
        elif (
            message.text is not None
            and step in conv.TEXT_STEPS
            and not message.text.startswith("/")
        ):
            result = await conv.answer_text(req.session, view, message.text, req.now,
                                            message_id=message.message_id)  # fmt: skip
            problem = result.problem.value if result.problem else None
            if result.outcome is conv.Outcome.refused:
                await ask_question(req, view, problem=problem)
            else:
                await ask_question(req, view)
        elif step is conv.Step.evidence and (message.photo or message.document):
            file = _evidence_file(message)
            result = await conv.add_evidence(req.session, view, file or {}, req.now)
            problem = "too_many_files" if result.outcome is conv.Outcome.refused else None
            await ask_question(req, view, problem=problem)
        elif message.document is not None and _is_workbook(message):
            return  # a 填报表 or a task list: its own handler reads it
        else:
            await ask_question(req, view, unexpected=True)
    raise ApplicationHandlerStop


def _known_commands() -> str:
    names = "|".join(sorted(PERMISSIONS, key=len, reverse=True))
    return rf"^/({names})(@\w+)?(\s|$)"


def register(application: HQApplication) -> None:
    """Add the reporting handlers; private messages pass the live draft first."""
    private = filters.ChatType.PRIVATE
    edited = filters.UpdateType.EDITED_MESSAGE
    application.add_handler(MessageHandler(edited & private, on_private_message), group=DRAFT_FIRST)
    application.add_handler(MessageHandler(edited & ~private, _ignore_edit), group=DRAFT_FIRST)
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & private & ~filters.StatusUpdate.ALL
                       & ~filters.Regex(_known_commands()), on_private_message),
        group=DRAFT_FIRST,
    )  # fmt: skip
    application.add_handler(CommandHandler("report", report_command))
    application.add_handler(CommandHandler("cancel", cancel_command))
    application.add_handler(CommandHandler("myreports", myreports_command))
    application.add_handler(CallbackQueryHandler(on_start_button, pattern=ReportStart.matches()))
    application.add_handler(CallbackQueryHandler(on_revise_button, pattern=ReportRevise.matches()))
    application.add_handler(CallbackQueryHandler(on_step_button, pattern=ReportStep.matches()))


async def _ignore_edit(update: Update, context: BotContext) -> None:
    """Edited messages in groups change nothing."""
    raise ApplicationHandlerStop
