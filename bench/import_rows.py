"""Import speed: a generated N-row task list (default 10 000) previewed and applied, then again.

Usage: .venv/bin/python -m bench.import_rows [--rows 10000] [--database URL]
(an empty database: it creates the headquarters "bench").
Prints wall time per step and the process's peak RSS (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import tempfile
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from bot.config import normalize_database_url
from models.database import create_engine, session_factory
from models.migrate import upgrade
from services import importer

HEADER = ["序号", "工作小组名称", "项目名称", "具体内容", "完成时限", "责任单位", "责任人"]
GROUPS = ["海丝引领专项组", "第一家园建设工作组", "国际贸易和国际投资组", "国际交流工作组"]


def build_workbook(rows: int) -> bytes:
    """A task list of `rows` stage rows: tasks of one or two stages, 100 units, 400 persons."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("任务清单")
    ws.append(["附件2"])
    ws.append(["基准测试任务清单"])
    ws.append(HEADER)
    written, number = 0, 0
    while written < rows:
        number += 1
        unit = f"第{number % 100}街道"
        person = f"责任人{number % 400}"
        content = f"任务{number}的具体内容，年度投资 {number % 900 + 100} 万元。"
        group = GROUPS[number % len(GROUPS)]
        if number % 3 == 0 and rows - written >= 2:
            ws.append([number, group, f"项目{number}", content, "1-6月", unit, person])
            ws.append([None, None, None, "第二阶段内容", "7-12月", unit, person])
            written += 2
        else:
            ws.append([number, group, f"项目{number}", content, "1-12 月", unit, person])
            written += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main() -> None:
    """Generate, parse, preview, apply, then re-import unchanged; print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", default=None, help="database URL (default: temp SQLite)")
    args = parser.parse_args()
    data = build_workbook(args.rows)
    now = datetime(2021, 1, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(args.database or f"sqlite:///{tmp}/bench.db")
        engine = create_engine(url)
        await upgrade(engine)
        sessions = session_factory(engine)
        base_rss = peak_rss_mib()
        print(f"{args.rows} rows, {len(data) / 1024:.0f} KiB xlsx, database {url.split(':')[0]}")

        t0 = time.perf_counter()
        parsed = importer.parse_upload(data, "bench.xlsx", 2021)
        t1 = time.perf_counter()
        async with sessions() as session:
            preview = await importer.preview_upload(session, "bench", parsed)
        t2 = time.perf_counter()
        async with sessions() as session:
            applied = await importer.apply_upload(session, "bench", parsed, now=now)
        t3 = time.perf_counter()
        assert applied.applied and not applied.problems, applied.problems[:3]
        print(f"tasks {preview.task_count}, stages {preview.stage_count}")
        print(f"first import: parse {t1 - t0:.2f} s + preview {t2 - t1:.2f} s "
              f"+ apply {t3 - t2:.2f} s = {t3 - t0:.2f} s")  # fmt: skip

        t4 = time.perf_counter()
        again = importer.parse_upload(data, "bench.xlsx", 2021)
        async with sessions() as session:
            second = await importer.apply_upload(session, "bench", again, now=now)
        t5 = time.perf_counter()
        assert second.is_noop and not second.applied
        print(f"unchanged re-import (parse + compare): {t5 - t4:.2f} s")

        t6 = time.perf_counter()
        async with sessions() as session:
            staged = await importer.stage_upload(
                session, hq_name=None, uploaded_by=1, filename="bench-2021.xlsx", data=data,
                caption=None, default_hq_name="项目指挥部", now=now,
            )  # fmt: skip
        t7 = time.perf_counter()
        assert staged.kind == importer.StageKind.noop, staged.kind
        print(f"bot upload of the same file (parse off the event loop + compare + fingerprint): "
              f"{t7 - t6:.2f} s")  # fmt: skip
        print(f"peak RSS {peak_rss_mib():.0f} MiB (after start-up {base_rss:.0f} MiB)")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
