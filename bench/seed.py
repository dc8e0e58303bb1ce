"""A bench database: migrated, a task list imported, and some of its persons bound to accounts."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.processes import REPO
from bot.config import normalize_database_url
from bot.templating import Renderer
from models.database import create_engine, session_factory
from models.migrate import upgrade
from services import importer, invitations, people
from services.hq import resolve_hq

SAMPLE_TASKS = REPO / "tests" / "fixtures" / "tasklist" / "opening-up-tasks-2021.xlsx"
SEED_TIME = datetime(2021, 6, 20, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


async def seed_database(
    url: str, *, tasks: Path = SAMPLE_TASKS, plan_year: int = 2021, bind: list[int]
) -> int:
    """Import `tasks` and bind its persons, in order, to the Telegram ids in `bind`.

    Returns how many accounts were bound (at most the number of persons in the task list).
    """
    engine = create_engine(normalize_database_url(url))
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        parsed = importer.parse_upload(tasks.read_bytes(), tasks.name, plan_year)
        hq_name = Renderer("zh").render_text("default_hq_name")
        async with sessions() as session:
            applied = await importer.apply_upload(session, hq_name, parsed, now=SEED_TIME)
            if not applied.applied:
                raise RuntimeError(f"{tasks}: not imported ({applied.problems[:3]})")
        async with sessions() as session:
            hq = (await resolve_hq(session, None)).hq
            assert hq is not None and hq.id is not None
            ids = await people.hq_person_ids(session, hq.id)
            persons = await people.persons_by_id(session, ids[: len(bind)])
            issued = await invitations.issue(
                session, hq.id, persons, now=SEED_TIME, ttl=timedelta(days=14), created_by=None
            )
            bound = 0
            for invite, user_id in zip(issued, bind, strict=False):
                claim = await invitations.claim(session, invite.code, user_id, SEED_TIME)
                assert claim.invitation is not None and claim.invitation.id is not None
                done = await invitations.confirm(
                    session, claim.invitation.id, user_id, None, SEED_TIME
                )
                bound += done.status is invitations.ConfirmStatus.bound
            return bound
    finally:
        await engine.dispose()
