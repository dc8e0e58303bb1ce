"""The benchmarks still run end to end (tiny numbers; what they measure is not checked)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from bench import broadcast
from tests.e2e.harness import REPO

BENCH_TIMEOUT = 60.0


async def _bench_json(module: str, *args: str) -> dict[str, Any]:
    """Run `python -m MODULE ARGS --json` and parse what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HQBOT_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *args, "--json",
        cwd=str(REPO),
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), BENCH_TIMEOUT)
    assert proc.returncode == 0, err.decode()[-3000:]
    result: dict[str, Any] = json.loads(out)
    return result


async def test_updates_bench_reports_hqbot_and_the_echo_bot(database_url: str) -> None:
    report = await _bench_json(
        "bench.updates", "--messages", "5", "--users", "3", "--database", database_url
    )
    assert set(report["bots"]) == {"echo", "hqbot"}
    for numbers in report["bots"].values():
        assert numbers["updates"] == 5 and numbers["replies"] == 5
        assert {"cpu_seconds", "cpu_ms_per_update", "updates_per_second"} <= set(numbers)
    assert report["bound"] == 2  # the two users beside the admin, bound to listed persons
    assert set(report["ratio"]) == {"cpu_per_update", "throughput"}


async def test_concurrency_bench_times_start_in_each_phase(database_url: str) -> None:
    report = await _bench_json(
        "bench.concurrency", "--rows", "300", "--interval", "0.05", "--database", database_url
    )
    phases = report["phases"]
    assert list(phases) == ["idle", "preview", "confirm"]
    assert phases["idle"]["starts"] == 10
    for phase in phases.values():  # every phase timed at least one answered /start
        assert phase["starts"] >= 1 and phase["unanswered"] == 0
        assert phase["median_wait"] is not None and phase["max_wait"] is not None


async def test_reporting_bench_times_every_answer_of_every_round(database_url: str) -> None:
    report = await _bench_json("bench.reporting", "--persons", "3", "--database", database_url)
    rounds = report["rounds"]
    assert list(rounds) == ["status", "progress", "problems", "goal", "metric", "evidence",
                            "submit"]  # fmt: skip
    for numbers in rounds.values():  # each of the 3 persons answered and got the next question
        assert numbers["count"] == 3
        assert 0 < numbers["median_ms"] <= numbers["p95_ms"] <= numbers["max_ms"]
    assert report["overall"]["count"] == 21 and report["errors"] == 0
    assert report["cpu_seconds"] > 0


async def test_broadcast_bench_delivers_every_ask_once_under_the_limits(database_url: str) -> None:
    report = await broadcast.run(persons=60, database=database_url)
    broadcast.print_table(report)  # shown with -s, or when the test fails
    assert report.queued == 60 and report.delivered == 60
    assert report.lost == 0 and report.duplicated == 0 and report.left == 0
    assert report.requests == 60 + report.refused  # a refused send is tried again, once sent
