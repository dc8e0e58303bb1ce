"""Two headquarters in one database: the seed under its own name (task list and 附件1), and the
seed task list again under a second name, without 张玉珍's tasks (so she belongs to one only)."""

from __future__ import annotations

from models.database import SessionFactory
from services import importer
from services.clock import ManualClock
from services.tasklist import TaskList
from tests.botflow import import_seed
from tests.tasklist.helpers import SAMPLE

HQ_B = "第二项目指挥部"
ONLY_IN_A = "张玉珍"  # tasks 1–2, left out of HQ B's list
IN_BOTH = "高勇坤"  # 12 tasks, in both lists


async def import_without(
    sessions: SessionFactory, clock: ManualClock, hq_name: str, person: str
) -> None:
    """The seed task list imported into `hq_name` without the tasks of `person`."""
    parsed = importer.parse_upload(SAMPLE.read_bytes(), SAMPLE.name, 2021)
    assert isinstance(parsed, TaskList)
    parsed.tasks = [
        t for t in parsed.tasks if all(a.person != person for s in t.stages for a in s.assignments)
    ]
    async with sessions() as session:
        result = await importer.apply_upload(session, hq_name, parsed, now=clock.now())
    assert result.applied, result.problems


async def import_two(sessions: SessionFactory, clock: ManualClock) -> None:
    """HQ A (tests.botflow.HQ_NAME, created first) and HQ B (HQ_B)."""
    await import_seed(sessions, clock)
    await import_without(sessions, clock, HQ_B, ONLY_IN_A)
