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
