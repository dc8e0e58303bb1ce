"""Golden files: a rendered text must equal its checked-in copy under tests/digest/golden/.

The copies are rewritten only on purpose: `HQBOT_UPDATE_GOLDEN=1 pytest tests/digest` writes
what is rendered now (review the diff before committing it).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE_FLAG = "HQBOT_UPDATE_GOLDEN"


def updating() -> bool:
    """Whether golden files are being rewritten in this run."""
    return os.environ.get(UPDATE_FLAG) == "1"


def assert_golden(name: str, text: str) -> None:
    """Fail unless `text` equals the golden file `name` (rewrite it when the flag is set)."""
    path = GOLDEN_DIR / name
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    if not path.exists():
        pytest.fail(f"no golden file {path}; write it with {UPDATE_FLAG}=1 and review it")
    expected = path.read_bytes().decode("utf-8")
    if text != expected:
        diff = "\n".join(
            difflib.unified_diff(
                expected.splitlines(), text.splitlines(), f"golden/{name}", "rendered", lineterm=""
            )
        )
        pytest.fail(f"{name} differs from its golden file ({UPDATE_FLAG}=1 rewrites it):\n{diff}")
