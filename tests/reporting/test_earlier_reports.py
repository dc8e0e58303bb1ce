"""Last month's report and the year's previous figure, read in one query for each question."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from models import ReportStatus
from models.database import SessionFactory
from services.clock import ManualClock
from services.reporting.answers import Answers
from services.reporting.cycles import close_cycle, open_cycle
from services.reporting.reports import (
    earlier_reports,
    items_for,
    last_month_report,
    previous_metric,
    submit_report,
)
from tests.botflow import import_seed
from tests.reporting.helpers import person, the_hq


async def test_last_report_any_year_previous_figure_this_year_only(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    async with sessions() as session:
        hq = await the_hq(session)
        zhang = await person(session, "张玉珍")
        assert hq.id is not None and zhang.id is not None
        given = {202110: [("目标十月", Decimal(3000))],
                 202111: [("目标十一月", Decimal(3500)), ("目标十一月改", None)]}  # fmt: skip
        task_id = stage_id = 0
        for ym, revisions in given.items():
            clock.set(datetime(ym // 100, ym % 100, 20, 9, 0))
            cycle = (await open_cycle(session, hq_id=hq.id, ym=ym, due_day=25, now=clock.now(),
                                      by=None)).cycle  # fmt: skip
            task1 = next(i for i in await items_for(session, cycle, [zhang.id])
                         if i.due.task_number == 1)  # fmt: skip
            task_id, stage_id = task1.due.task_id, task1.due.stage_id
            for goal, metric in revisions:
                answers = Answers(ReportStatus.on_track, "进展", None, goal, metric)
                await submit_report(session, cycle=cycle, stage_id=stage_id, person_id=zhang.id,
                                    filler_id=zhang.id, answers=answers, via="chat",
                                    now=clock.now())  # fmt: skip
            await close_cycle(session, hq_id=hq.id, now=clock.now(), by=None)

        async def both(ym: int) -> tuple[str | None, Decimal | None]:
            keys = {"hq_id": hq.id or 0, "ym": ym, "task_id": task_id, "person_id": zhang.id or 0}
            last, previous = await earlier_reports(session, **keys)
            only_last, none = await earlier_reports(session, **keys, with_metric=False)
            assert none is None and only_last is last
            assert last is await last_month_report(session, **keys)  # the same row as before
            assert previous == await previous_metric(session, **keys)
            return (last.next_goal if last else None), previous

        assert await both(202110) == (None, None)
        assert await both(202111) == ("目标十月", Decimal(3000))
        # November's newest revision has no figure: the figure is its first revision's
        assert await both(202112) == ("目标十一月改", Decimal(3500))
        assert await both(202201) == ("目标十一月改", None)  # a new year starts from nothing
