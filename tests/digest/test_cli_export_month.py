"""`hqbot export-month YYYY-MM FILE.xlsx`: the month's digest workbook from the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app
from tests.digest.scripted import Scripted

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("HQBOT_CONFIG", "HQBOT_TELEGRAM__TOKEN", "HQBOT_DATABASE__URL"):
        monkeypatch.delenv(key, raising=False)


def _config(tmp_path: Path, url: str) -> list[str]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return ["--config", str(cfg)]


async def test_export_month_writes_the_four_sheets(scripted: Scripted, tmp_path: Path) -> None:
    out = tmp_path / "nov.xlsx"
    args = ["export-month", "2021-11", str(out), *_config(tmp_path, scripted.url)]
    result = await asyncio.to_thread(runner.invoke, app, args)
    assert result.exit_code == 0, result.output
    assert "应报 37 项，已报 32 项，未报送 4 人" in result.output
    book = load_workbook(out)
    assert len(book.sheetnames) == 4
    items = book.worksheets[0]
    numbers = [row[0] for row in items.iter_rows(min_row=3, values_only=True) if row[0]]
    assert len(numbers) == 37 and numbers[0] == 1


async def test_export_month_refuses_a_bad_or_empty_month(
    scripted: Scripted, tmp_path: Path
) -> None:
    config = _config(tmp_path, scripted.url)
    bad = await asyncio.to_thread(
        runner.invoke, app, ["export-month", "2021-13", "x.xlsx", *config]
    )
    assert bad.exit_code == 1 and "不是月份" in bad.output
    none = await asyncio.to_thread(
        runner.invoke, app, ["export-month", "2021-05", "y.xlsx", *config]
    )
    assert none.exit_code == 1 and "没有填报记录" in none.output
    assert not (tmp_path / "y.xlsx").exists()
