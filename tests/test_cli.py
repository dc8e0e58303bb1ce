"""The command line: help, version, check-config, db upgrade, one-line config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import __version__
from bot.cli import app

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("HQBOT_CONFIG", "HQBOT_TELEGRAM__TOKEN", "HQBOT_DATABASE__URL"):
        monkeypatch.delenv(key, raising=False)


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "sandbox", "check-config", "version", "db"):
        assert command in result.output


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_check_config_ok_hides_token(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[telegram]\ntoken = "{TOKEN}"\nadmins = [1]\n', encoding="utf-8")
    result = runner.invoke(app, ["check-config", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output
    assert TOKEN not in result.output and "[REDACTED]" in result.output


def test_check_config_error_is_one_line_with_exit_2(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[telegram]\ntoken = "{TOKEN}"\n[app]\ntimezone = "Nowhere/City"\n')
    result = runner.invoke(app, ["check-config", "--config", str(cfg)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "config error: app.timezone: unknown time zone 'Nowhere/City'; expected e.g. Asia/Shanghai"
    ]


def test_run_refuses_placeholder_token() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    result = runner.invoke(app, ["run", "--config", str(example)])
    assert result.exit_code == 2
    assert "telegram.token" in result.output and "placeholder" in result.output


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n', encoding="utf-8")
    result = runner.invoke(app, ["db", "upgrade", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "database at revision" in result.output
    current = runner.invoke(app, ["db", "current", "--config", str(cfg)])
    head = current.output.split("head:")[1].strip()
    assert current.output.startswith(f"current: {head}")


SAMPLE = Path(__file__).resolve().parent / "fixtures" / "tasklist" / "opening-up-tasks-2021.xlsx"


def test_import_dry_run_then_apply_then_list_and_export(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n', encoding="utf-8")
    args = ["--config", str(cfg)]
    dry = runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", "--dry-run", *args])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing was written" in dry.output
    assert "no task list yet" in runner.invoke(app, ["tasks", *args]).output

    applied = runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", *args])
    assert applied.exit_code == 0 and "applied" in applied.output
    again = runner.invoke(app, ["import", str(SAMPLE), *args])  # year: the latest imported
    assert again.exit_code == 0 and "nothing changes" in again.output

    listed = runner.invoke(app, ["tasks", "--group", "国际交流工作组", *args])
    assert listed.exit_code == 0
    assert "2021-06..2022-05" in listed.output and "林武星" in listed.output
    assert "海丝引领专项组" not in listed.output

    out = tmp_path / "export.xlsx"
    exported = runner.invoke(app, ["export", str(out), *args])
    assert exported.exit_code == 0 and "29 tasks" in exported.output
    back = runner.invoke(app, ["import", str(out), "--dry-run", *args])
    assert "nothing changes" in back.output


def test_import_of_a_broken_file_lists_problems_and_exits_1(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n', encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "序号,工作小组名称,项目名称,具体内容,完成时限,责任单位,责任人\n1,组,甲,内容,13月,单位,人\n"
    )
    result = runner.invoke(app, ["import", str(bad), "--config", str(cfg)])
    assert result.exit_code == 1
    assert "第 2 行 完成时限 '13月' 不是有效月份" in result.output
    assert "nothing was imported" in result.output


def test_invites_table_and_xlsx(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n', encoding="utf-8")
    args = ["--config", str(cfg)]
    assert runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", *args]).exit_code == 0
    out = tmp_path / "invites.xlsx"
    result = runner.invoke(app, ["invites", "--bot-username", "hqbot", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    assert "16 invitation(s)" in result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("name", "unit", "link", "expires")
    assert len(rows) == 17 and ("张玉珍", "鼓东街道") == rows[1][:2]
    assert all(r[2].startswith("https://t.me/hqbot?start=") for r in rows[1:])
    assert len({r[2] for r in rows[1:]}) == 16
