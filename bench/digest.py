"""Digest at scale: the month's data, text, chart and Excel for synthetic headquarters.

    python -m bench.digest                 # 1 000, 10 000 and 100 000 tasks
    python -m bench.digest --sizes 1000 10000 --db postgresql://…/EMPTY_DB

Each size is seeded into a new database (bulk INSERTs: groups, units, persons, tasks with one
year-long stage, a third with a 年度投资 target; September to November 2021 with reports for
nine items in ten, some behind, blocked, late or unchanged; November closed) and then measured
in a fresh child process, so that its peak RSS is its own: build the digest (queries and
computation), render and split the zh text, draw the chart, write the workbook. The growth
exponent is the slope of log(time) against log(tasks) between the smallest and largest size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from bench.processes import REPO
from bot.config import normalize_database_url
from models.database import create_engine, session_factory
from models.migrate import upgrade
from models.people import Person, Unit
from models.reporting import Cycle, Report
from models.tables import Headquarters
from models.tasks import Assignment, Stage, Task, WorkingGroup

YEAR = 2021
MONTHS = (202109, 202110, 202111)
SIZES = (1_000, 10_000, 100_000)
TASKS_PER_PERSON = 5
PERSONS_PER_UNIT = 4
CHUNK = 2000
STATUSES = ("on_track", "on_track", "on_track", "done", "behind", "blocked", "not_started")
AIM_SECONDS = 1.0  # 10 000 tasks: data + text
AIM_MB = 300


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


async def seed(url: str, tasks: int) -> int:
    """Migrate `url` and write one headquarters of `tasks` tasks with three months of reports;
    its id."""
    now = datetime(2021, 9, 1, tzinfo=UTC)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            connection = await session.connection()

            async def ids(model: Any, rows: list[dict[str, Any]]) -> list[int]:
                found: list[int] = []
                for chunk in _chunks(rows):
                    query = insert(model).returning(model.id, sort_by_parameter_order=True)
                    found += (await connection.execute(query, chunk)).scalars().all()
                return found

            async def put(model: Any, rows: list[dict[str, Any]]) -> None:
                for chunk in _chunks(rows):
                    await connection.execute(insert(model), chunk)

            groups_n = max(5, min(40, tasks // 250))
            persons_n = max(1, tasks // TASKS_PER_PERSON)
            units_n = max(1, persons_n // PERSONS_PER_UNIT)
            (hq,) = await ids(Headquarters, [{"name": f"基准指挥部{tasks}", "created_at": now}])
            groups = await ids(WorkingGroup, [
                {"hq_id": hq, "name": f"第{g + 1}工作组", "position": g} for g in range(groups_n)
            ])  # fmt: skip
            units = await ids(Unit, [{"name": f"基准单位{tasks}-{u + 1}", "created_at": now}
                                     for u in range(units_n)])  # fmt: skip
            persons = await ids(Person, [
                {"name": f"责任人{p + 1}", "unit_id": units[p % units_n], "created_at": now}
                for p in range(persons_n)
            ])  # fmt: skip
            task_ids = await ids(Task, [
                {"hq_id": hq, "plan_year": YEAR, "number": n + 1, "group_id": groups[n % groups_n],
                 "name": f"基准任务{n + 1}", "status": "active", "created_at": now,
                 "updated_at": now, "metric_name": "年度投资" if n % 3 == 0 else None,
                 "metric_unit": "万元" if n % 3 == 0 else None,
                 "metric_annual_target": Decimal(1000 + n % 97 * 10) if n % 3 == 0 else None}
                for n in range(tasks)
            ])  # fmt: skip
            stages = await ids(Stage, [
                {"task_id": t, "seq": 1, "content": f"任务{n + 1}：全年推进，按月报告进展。",
                 "start_ym": YEAR * 100 + 1, "end_ym": YEAR * 100 + (12 if n % 10 else 10),
                 "period_text": "1-12月", "active": True}
                for n, t in enumerate(task_ids)
            ])  # fmt: skip
            owner = [persons[n % persons_n] for n in range(tasks)]
            await put(Assignment, [{"stage_id": s, "unit_id": units[(n % persons_n) % units_n],
                                    "person_id": owner[n], "position": 0}
                                   for n, s in enumerate(stages)])  # fmt: skip
            for ym in MONTHS:
                due = date(ym // 100, ym % 100, 25)
                (cycle,) = await ids(Cycle, [{"hq_id": hq, "ym": ym, "status": "closed",
                                              "due_on": due, "opened_at": now,
                                              "closed_at": now}])  # fmt: skip
                await put(Report, [_report(cycle, ym, n, s, owner[n], now)
                                   for n, s in enumerate(stages) if n % 10 != 7])  # fmt: skip
            await session.commit()
            return hq
    finally:
        await engine.dispose()


def _report(cycle: int, ym: int, n: int, stage: int, person: int, now: datetime) -> dict[str, Any]:
    """One report: varied status; tasks n % 13 == 0 keep the same text all quarter (停滞)."""
    status = STATUSES[(n + ym) % len(STATUSES)]
    same = n % 13 == 0
    month = ym % 100
    return {
        "cycle_id": cycle, "stage_id": stage, "person_id": person, "revision": 1,
        "filler_id": person, "status": status,
        "progress": "正在推进前期工作" if same else f"{month}月完成阶段工作，任务{n + 1}进展顺利。",
        "problems": "资金未到位，需协调" if status in ("behind", "blocked") else None,
        "next_goal": f"{month + 1}月继续推进",
        "metric_value": Decimal(80 * month + n % 50) if n % 3 == 0 else None,
        "via": "chat", "late": n % 17 == 0, "submitted_at": now + timedelta(days=20),
    }  # fmt: skip


@dataclass
class Measure:
    """One size's timings (seconds) and peak RSS (MB)."""

    tasks: int
    items: int
    data: float
    text: float
    chart: float
    excel: float
    peak_mb: float
    parts: int
    xlsx_kb: int

    @property
    def data_text(self) -> float:
        """What the aim is about: the digest's data and text."""
        return self.data + self.text


async def _measure(url: str, hq_id: int, tasks: int) -> Measure:
    """In this (child) process: build, render, draw, write; time each."""
    from bot.chart_labels import chart_labels
    from bot.digest_book_labels import digest_book_labels
    from bot.digest_text import render_digest
    from bot.templating import Renderer
    from services.digest.chart import month_chart
    from services.digest.data import build_digest
    from services.digest.workbook import month_workbook

    engine = create_engine(url)
    renderer = Renderer("zh")
    try:
        async with session_factory(engine)() as session:
            start = time.perf_counter()
            digest = await build_digest(session, hq_id=hq_id, ym=MONTHS[-1], tolerance=Decimal(5))
            data = time.perf_counter() - start
    finally:
        await engine.dispose()
    assert digest is not None
    start = time.perf_counter()
    parts = render_digest(renderer, digest)
    text = time.perf_counter() - start
    start = time.perf_counter()
    month_chart(digest, chart_labels(renderer))
    chart = time.perf_counter() - start
    start = time.perf_counter()
    book = month_workbook(digest, digest_book_labels(renderer, digest))
    excel = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Measure(tasks, len(digest.items), data, text, chart, excel, peak, len(parts),
                   len(book) // 1024)  # fmt: skip


def measure_in_child(url: str, hq_id: int, tasks: int) -> Measure:
    """Run `_measure` in a new interpreter (its own peak RSS)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.digest", "--child", url, str(hq_id), str(tasks)],
        cwd=REPO, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return Measure(**json.loads(out.stdout.strip().splitlines()[-1]))


def exponent(first: Measure, last: Measure, value: str) -> float:
    """The slope of log(time) over log(tasks) between two sizes."""
    a, b = getattr(first, value), getattr(last, value)
    return math.log(b / a) / math.log(last.tasks / first.tasks) if a > 0 and b > 0 else 0.0


def print_table(results: list[Measure], console: Console | None = None) -> None:
    """The measures side by side, and the growth exponents."""
    console = console or Console()
    table = Table(title="Digest at scale (seconds; peak RSS of the measuring process)")
    for name in ("tasks", "items", "data", "text", "data+text", "chart", "Excel", "peak MB",
                 "parts", "xlsx KB"):  # fmt: skip
        table.add_column(name, justify="right")
    for m in results:
        table.add_row(f"{m.tasks:,}", f"{m.items:,}", f"{m.data:.3f}", f"{m.text:.3f}",
                      f"{m.data_text:.3f}", f"{m.chart:.3f}", f"{m.excel:.2f}",
                      f"{m.peak_mb:.0f}", str(m.parts), f"{m.xlsx_kb:,}")  # fmt: skip
    console.print(table)
    if len(results) > 1:
        first, last = results[0], results[-1]
        slopes = ", ".join(f"{v} {exponent(first, last, v):.2f}"
                           for v in ("data", "text", "chart", "excel"))  # fmt: skip
        console.print(f"growth exponent ({first.tasks:,} → {last.tasks:,} tasks): {slopes}")
    aim = next((m for m in results if m.tasks == 10_000), None)
    if aim is not None:
        console.print(f"aim at 10,000 tasks: data+text {aim.data_text:.3f} s (≤ {AIM_SECONDS} s), "
                      f"peak {aim.peak_mb:.0f} MB (≤ {AIM_MB} MB)")  # fmt: skip


async def run(sizes: list[int], database: str | None) -> list[Measure]:
    """Seed and measure each size (a new SQLite file per size, or the given empty database)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="hqbot-digest-") as tmp:
        for tasks in sizes:
            url = normalize_database_url(database or f"sqlite:///{Path(tmp) / f'd{tasks}.db'}")
            hq_id = await seed(url, tasks)
            results.append(measure_in_child(url, hq_id, tasks))
    return results


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--db", default=None, help="an empty database URL (default: SQLite)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, hq_id, tasks = args.child
        measured = asyncio.run(_measure(url, int(hq_id), int(tasks)))
        print(json.dumps(vars(measured)))
        return
    results = asyncio.run(run(args.sizes, args.db))
    if args.json:
        print(json.dumps([vars(m) for m in results], indent=2))
    else:
        print_table(results)


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()
