"""The digest's Excel file for a large month: N due items (default 10 000) written to .xlsx.

Usage: .venv/bin/python -m bench.digest_workbook [--items 10000] [--lang zh] [--out FILE]
The items are the test factory's six, replicated with longer texts across 20 groups; a tenth
is missing (one line per person on 未报送), a fifth raises a problem. Prints the time to write
the workbook, its size, and the process's peak RSS before and after (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace
from decimal import Decimal

from bot.digest_book_labels import digest_book_labels
from bot.templating import Renderer
from models.reporting import ReportStatus
from services.digest.model import Digest, GroupSummary, ItemLine, Light, MissingPerson, Why
from services.digest.workbook import month_workbook
from tests.digest.factory import digest as factory_digest

GROUPS = 20
PROGRESS = "已完成项目立项、用地预审和规划选址，正在开展施工图设计和招标准备工作，" * 2


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_digest(count: int) -> Digest:
    """The factory's November digest with `count` items, missing persons and problems."""
    base = factory_digest()
    seeds = base.items
    items: list[ItemLine] = []
    for index in range(count):
        seed = seeds[index % len(seeds)]
        missing = index % 10 == 9
        item = replace(
            seed, task_id=index + 1, number=index + 1, task_name=f"项目{index + 1}{seed.task_name}",
            group=f"第{index % GROUPS + 1}工作组", stage_content=PROGRESS[:60],
            person_id=index % 4000, person=f"责任人{index % 4000}", unit=f"第{index % 300}街道",
        )  # fmt: skip
        if missing:
            item = replace(item, light=Light.white, why=Why.missing, status=None,
                           progress=None, problems=None, next_goal=None, submitted_at=None,
                           filler=None)  # fmt: skip
        else:
            item.progress = PROGRESS
            item.problems = PROGRESS[:40] if index % 5 == 0 else None
        items.append(item)
    missing_lines = [MissingPerson(i.person, i.unit, i.group, [i.number], [i.task_name])
                     for i in items if not i.reported]  # fmt: skip
    base.submission.missing = missing_lines
    base.items = items
    base.problems = [replace(base.problems[0], number=i.number, text=i.problems)
                     for i in items if i.problems]  # fmt: skip
    base.groups = [
        replace(base.groups[n % len(base.groups)], name=f"第{n + 1}工作组", rank=n + 1)
        for n in range(GROUPS)
    ]  # fmt: skip
    assert all(isinstance(g, GroupSummary) for g in base.groups)
    assert all(p.status in ReportStatus for p in base.problems) and Decimal(1)
    return base


def main() -> None:
    """Build the synthetic digest, then time writing its workbook."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    digest = big_digest(args.items)
    labels = digest_book_labels(Renderer(args.lang), digest)
    before = peak_rss_mib()
    start, cpu = time.perf_counter(), time.process_time()
    data = month_workbook(digest, labels)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if args.out:
        with open(args.out, "wb") as out:
            out.write(data)
    print(f"items={len(digest.items)} missing={len(digest.submission.missing)} "
          f"problems={len(digest.problems)} groups={len(digest.groups)}")  # fmt: skip
    print(f"month_workbook: {seconds:.2f} s ({cpu:.2f} s CPU), {len(data) / 1e6:.1f} MB; peak RSS "
          f"{before:.0f} MiB before writing, {peak_rss_mib():.0f} MiB after")  # fmt: skip


if __name__ == "__main__":
    main()
