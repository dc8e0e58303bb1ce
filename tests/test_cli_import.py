"""`hqbot import`: the plan year from the file itself, the HQ named after the title, the 附件1
preview, and every problem written to a workbook."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app
from tests.tasklist.helpers import SAMPLE, STRUCTURE

runner = CliRunner()


@pytest.fixture
def args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    for key in ("HQBOT_CONFIG", "HQBOT_TELEGRAM__TOKEN", "HQBOT_DATABASE__URL"):
        monkeypatch.delenv(key, raising=False)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n', encoding="utf-8")
    return ["--config", str(cfg)]


def test_the_year_in_the_file_name_is_used(args: list[str]) -> None:
    result = runner.invoke(app, ["import", str(SAMPLE), *args])
    assert result.exit_code == 0, result.output
    assert "已导入。" in result.output and "2021 年度，取自文件名" in result.output
    listed = runner.invoke(app, ["tasks", *args])
    assert "构建对外开放新高地项目指挥部 · 2021" in listed.output


def test_without_a_year_anywhere_the_periods_decide(args: list[str], tmp_path: Path) -> None:
    renamed = tmp_path / "tasks.xlsx"
    shutil.copy(SAMPLE, renamed)
    result = runner.invoke(app, ["import", str(renamed), *args])
    assert result.exit_code == 0, result.output
    assert "2021 年度，按完成时限中的年份推断" in result.output


def test_the_structure_gets_its_own_preview(args: list[str]) -> None:
    result = runner.invoke(app, ["import", str(STRUCTURE), "--dry-run", *args])
    assert result.exit_code == 0, result.output
    assert "指挥部架构导入预览" in result.output
    assert "陈旭（区发改局局长）" in result.output and "将新建人员 8 位" in result.output
    assert "试运行：未写入任何内容" in result.output


def test_problems_go_to_a_workbook(args: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = ["序号,工作小组名称,项目名称,具体内容,完成时限,责任单位,责任人"]
    lines += [f"{n},组,任务{n},内容,13月,单位,人" for n in range(1, 51)]
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "problems.xlsx"
    result = runner.invoke(app, ["import", str(bad), "--problems", str(out), *args])
    assert result.exit_code == 1
    assert f"已把全部 50 个问题写入 {out}" in result.output.replace("\n", "")
    rows = list(load_workbook(io.BytesIO(out.read_bytes())).active.iter_rows(values_only=True))
    assert len(rows) == 51 and rows[50][4] == "第 51 行 完成时限 '13月' 不是有效月份。"
