"""Fixtures for the task-list parser tests: the real sample files, parsed once."""

from __future__ import annotations

import pytest

from services.tasklist import TaskList, parse_task_file
from tests.tasklist.helpers import SAMPLE, STRUCTURE


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    """The office's 附件2 as xlsx."""
    return SAMPLE.read_bytes()


@pytest.fixture(scope="session")
def structure_bytes() -> bytes:
    """The office's 附件1 as xlsx."""
    return STRUCTURE.read_bytes()


@pytest.fixture(scope="session")
def sample(sample_bytes: bytes) -> TaskList:
    """The sample parsed for plan year 2021."""
    return parse_task_file(sample_bytes, SAMPLE.name, plan_year=2021)
