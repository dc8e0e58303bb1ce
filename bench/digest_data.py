"""Digest data speed: `build_digest` over a synthetic headquarters of N tasks with three months.

Each size is seeded (bulk inserts, in a child process) into a fresh database: N tasks of plan
year 2021 in 8 groups, N/5 persons in N/50 units (some units also spelled without the leading
"区"), one stage per task (a third split into 1-9 月 + 10-12 月, so ended stages exist), a second
responsible unit on a fifth of the stages, 40 % of the tasks with a 年度投资 target and 5 % with a
growth rate; cycles 2021-09, 2021-10 and 2021-11 (closed) with 90 % of the items reported each
month, a tenth of those revised once, and some texts unchanged for three months. Then a second
child process builds November's digest `--runs` times and reports the wall and CPU time of each
build (CPU: this process, the SQLite thread included) and its peak RSS (so the seeding's memory is
not counted). A measurement, not a test.

Usage: .venv/bin/python -m bench.digest_data [--tasks 1000 10000 100000] [--runs 3]
       [--database-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import SQLModel

from models.database import create_engine, session_factory
from models.digest import UnitAlias
from models.migrate import upgrade
from models.people import Person, Unit
from models.reporting import Cycle, Report, ReportStatus
from models.tables import Headquarters
from models.tasks import Assignment, GroupLeader, Stage, Task, WorkingGroup
from services.digest.data import build_digest

AT = datetime(2021, 9, 1, 1, 0, tzinfo=UTC)
MONTHS = (202109, 202110, 202111)
GROUPS = 8
STATUSES = [ReportStatus.on_track] * 14 + [
    ReportStatus.done, ReportStatus.behind, ReportStatus.blocked, ReportStatus.not_started,
]  # fmt: skip
BATCH = 5000


def _table(model: type[SQLModel]) -> Any:
    """The SQLAlchemy table of a model."""
    return model.__table__  # type: ignore[attr-defined]


class Rows:
    """Rows to insert, table by table, with ids assigned here."""

    def __init__(self) -> None:
        self.tables: dict[type[SQLModel], list[dict[str, Any]]] = {}

    def add(self, model: type[SQLModel], **row: Any) -> int:
        """Queue a row; its id (1-based, per table)."""
        rows = self.tables.setdefault(model, [])
        rows.append(row)
        if "id" not in row and model not in (GroupLeader, UnitAlias):
            row["id"] = len(rows)
        return int(row.get("id", len(rows)))


def _structure(rows: Rows, tasks: int, rnd: random.Random) -> list[list[tuple[int, int, int, int]]]:
    """Headquarters, groups, units, persons, tasks and stages; per task its stages' assignments
    as (stage id, start, end, person id) lists."""
    hq = rows.add(Headquarters, name="bench", created_at=AT)
    units = [
        rows.add(Unit, name=f"区第{u}单位", created_at=AT) for u in range(max(10, tasks // 50))
    ]
    for u in range(0, len(units), 10):
        rows.add(Unit, name=f"第{u}单位", created_at=AT)  # 附件1's spelling, no assignments
    persons = [rows.add(Person, name=f"责任人{p}", unit_id=units[p % len(units)], created_at=AT)
               for p in range(max(20, tasks // 5))]  # fmt: skip
    groups = [
        rows.add(WorkingGroup, hq_id=hq, name=f"工作组{g}", position=g) for g in range(GROUPS)
    ]
    for g, group in enumerate(groups):
        for k in range(2):
            rows.add(GroupLeader, group_id=group, person_id=persons[(g * 2 + k) % len(persons)],
                     position=k)  # fmt: skip
    plan = []
    for number in range(1, tasks + 1):
        metric: dict[str, Any] = dict.fromkeys(
            ("metric_name", "metric_unit", "metric_annual_target")
        )
        if number % 20 == 0:
            metric = {"metric_name": "外贸出口增长", "metric_unit": "%",
                      "metric_annual_target": Decimal(10)}  # fmt: skip
        elif number % 5 < 2:
            metric = {"metric_name": "年度投资", "metric_unit": "万元",
                      "metric_annual_target": Decimal(rnd.randint(100, 20000))}  # fmt: skip
        group = groups[number % GROUPS]
        task = rows.add(Task, hq_id=hq, plan_year=2021, number=number, group_id=group,
                        name=f"项目{number}", created_at=AT, updated_at=AT, **metric)  # fmt: skip
        spans = [(202101, 202109), (202110, 202112)] if number % 3 == 0 else [(202101, 202112)]
        stages = []
        for seq, (start, end) in enumerate(spans, start=1):
            stage = rows.add(Stage, task_id=task, seq=seq, content=f"任务{number}阶段{seq}",
                             start_ym=start, end_ym=end,
                             period_text=f"{start % 100}-{end % 100}月")  # fmt: skip
            lead = persons[rnd.randrange(len(persons))]
            who = [lead] + ([persons[rnd.randrange(len(persons))]] if number % 5 == 1 else [])
            for position, person in enumerate(dict.fromkeys(who)):
                rows.add(Assignment, stage_id=stage, unit_id=units[person % len(units)],
                         person_id=person, position=position)  # fmt: skip
                stages.append((stage, start, end, person))
        plan.append(stages)
    return plan


def _reports(rows: Rows, plan: list[list[tuple[int, int, int, int]]], rnd: random.Random) -> None:
    """Three closed cycles; 90 % of the due items reported each month, some revised."""
    for ym in MONTHS:
        cycle = rows.add(Cycle, hq_id=1, ym=ym, status="closed", due_on=date(2021, ym % 100, 25),
                         opened_at=AT, closed_at=AT)  # fmt: skip
        for number, stages in enumerate(plan, start=1):
            for stage, start, end, person in stages:
                if not start <= ym <= end or rnd.random() < 0.1:
                    continue
                same = number % 17 == 0
                for revision in range(1, 3 if rnd.random() < 0.1 else 2):
                    rows.add(Report, cycle_id=cycle, stage_id=stage, person_id=person,
                             revision=revision, filler_id=person,
                             status=rnd.choice(STATUSES).value,
                             progress="持续推进" if same else f"{ym}月第{number}项第{revision}稿",
                             problems="需协调" if number % 11 == 0 else None,
                             next_goal="下月继续推进", metric_value=Decimal(rnd.randint(0, 15000)),
                             via="chat", late=rnd.random() < 0.05, submitted_at=AT)  # fmt: skip


async def seed(url: str, tasks: int) -> None:
    """A fresh database with the synthetic headquarters."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        rnd, rows = random.Random(tasks), Rows()
        _reports(rows, _structure(rows, tasks, rnd), rnd)
        rows.add(UnitAlias, alias="区第1单位", canonical="区第2单位", added_at=AT)
        async with engine.begin() as connection:
            for model, table_rows in rows.tables.items():
                for start in range(0, len(table_rows), BATCH):
                    await connection.execute(
                        insert(_table(model)), table_rows[start : start + BATCH]
                    )
    finally:
        await engine.dispose()


async def measure(url: str, runs: int) -> dict[str, Any]:
    """Build November's digest `runs` times; seconds per build, items, peak RSS."""
    engine = create_engine(url)
    times, cpu, items = [], [], 0
    try:
        sessions = session_factory(engine)
        for _ in range(runs):
            async with sessions() as session:
                started, used = time.perf_counter(), time.process_time()
                digest = await build_digest(session, hq_id=1, ym=202111, tolerance=Decimal(5))
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
                assert digest is not None
                items = len(digest.items)
    finally:
        await engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"items": items, "seconds": times, "cpu_seconds": cpu, "peak_rss_mib": round(rss),
            "calibration_seconds": calibration()}  # fmt: skip


def calibration() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine is right now (≈0.18 s on
    an idle machine of the project's CI class; shared machines vary by 2×)."""
    started = time.process_time()
    sum(range(10**7))
    return round(time.process_time() - started, 3)


def _child(*args: str) -> str:
    """Run this module in a child process; its standard output."""
    done = subprocess.run([sys.executable, "-m", "bench.digest_data", *args], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout


def main() -> None:
    """Seed and measure each size; print a line per size (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-dir", default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seed", nargs=2, metavar=("URL", "TASKS"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        asyncio.run(seed(args.seed[0], int(args.seed[1])))
        return
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure, args.runs))))
        return
    folder = Path(args.database_dir or tempfile.mkdtemp(prefix="digest-bench-"))
    results = []
    for tasks in args.tasks:
        url = f"sqlite+aiosqlite:///{folder / f'digest-{tasks}.db'}"
        (folder / f"digest-{tasks}.db").unlink(missing_ok=True)
        started = time.perf_counter()
        _child("--seed", url, str(tasks))
        seeded = time.perf_counter() - started
        result = {"tasks": tasks, "seed_seconds": round(seeded, 1),
                  **json.loads(_child("--measure", url, "--runs", str(args.runs)))}  # fmt: skip
        results.append(result)
        if not args.json:
            best, cpu = min(result["seconds"]), min(result["cpu_seconds"])
            print(f"{tasks:>7} tasks  {result['items']:>7} items  build {best:.3f} s wall, "
                  f"{cpu:.3f} s CPU (best of {args.runs}; first {result['seconds'][0]:.3f} s)  "
                  f"peak RSS {result['peak_rss_mib']} MiB  (seeded in {seeded:.1f} s; "
                  f"calibration {result['calibration_seconds']} s)")  # fmt: skip
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
