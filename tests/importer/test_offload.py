"""A big upload is parsed in a worker process and comes back whole, task for task."""

from __future__ import annotations

import pytest

from services.importer import offload
from services.importer.upload import parse_upload
from tests.tasklist.helpers import SAMPLE


async def test_the_worker_process_returns_what_a_thread_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = SAMPLE.read_bytes()
    in_thread = await offload.run_parser(0, parse_upload, data, SAMPLE.name, 2021)
    monkeypatch.setattr(offload, "PROCESS_FROM_BYTES", 1)
    monkeypatch.setattr(offload, "TASKS_PER_CHUNK", 4)  # several chunks for 29 tasks
    in_process = await offload.run_parser(len(data), parse_upload, data, SAMPLE.name, 2021)
    assert offload._pool is not None  # the worker process ran it (no fallback to a thread)
    assert in_process == in_thread
    assert len(in_process.tasks) == 29 and in_process.tasks[11].number == 12
