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
    assert "hqbot 配置" in result.output and "配置正确" in result.output  # app.language = zh
    assert TOKEN not in result.output and "[REDACTED]" in result.output
    with cfg.open("a", encoding="utf-8") as f:
        f.write('[app]\nlanguage = "en"\n')
    result = runner.invoke(app, ["check-config", "--config", str(cfg)])
    assert "hqbot configuration" in result.output and "configuration OK" in result.output
    assert TOKEN not in result.output


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
    assert "数据库已升级到版本" in result.output
    current = runner.invoke(app, ["db", "current", "--config", str(cfg)])
    head = current.output.split("最新版本：")[1].strip()
    assert current.output.startswith(f"当前版本：{head}")


SAMPLE = Path(__file__).resolve().parent / "fixtures" / "tasklist" / "opening-up-tasks-2021.xlsx"


def test_import_dry_run_then_apply_then_list_and_export(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n', encoding="utf-8")
    args = ["--config", str(cfg)]
    dry = runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", "--dry-run", *args])
    assert dry.exit_code == 0, dry.output
    assert "试运行：未写入任何内容" in dry.output
    assert "还没有任务清单" in runner.invoke(app, ["tasks", *args]).output

    applied = runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", *args])
    assert applied.exit_code == 0 and "已导入。" in applied.output
    again = runner.invoke(app, ["import", str(SAMPLE), *args])  # year: the latest imported
    assert again.exit_code == 0 and "无需更新" in again.output

    listed = runner.invoke(app, ["tasks", "--group", "国际交流工作组", *args])
    assert listed.exit_code == 0
    assert "2021 年度任务清单" in listed.output and "工作小组" in listed.output
    assert "2021-06..2022-05" in listed.output and "林武星" in listed.output
    assert "海丝引领专项组" not in listed.output

    out = tmp_path / "export.xlsx"
    exported = runner.invoke(app, ["export", str(out), *args])
    assert exported.exit_code == 0 and "已导出 29 项任务" in exported.output
    back = runner.invoke(app, ["import", str(out), "--dry-run", *args])
    assert "无需更新" in back.output


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
    assert "未导入任何内容" in result.output


def _config(tmp_path: Path, language: str = "zh") -> list[str]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n[app]\nlanguage = "{language}"\n',
        encoding="utf-8",
    )
    return ["--config", str(cfg)]


def test_invites_table_and_xlsx(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import load_workbook

    args = _config(tmp_path)
    assert runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", *args]).exit_code == 0
    out = tmp_path / "invites.xlsx"
    result = runner.invoke(app, ["invites", "--bot-username", "hqbot", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    assert "邀请链接（16 人）" in result.output and "已写入 16 个邀请" in result.output
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "邀请链接"
    assert rows[0] == ("姓名", "单位", "任务序号", "邀请链接", "有效期至")
    assert all(cell.font.bold for cell in sheet[1]) and sheet.freeze_panes == "A2"
    assert len(rows) == 17 and ("张玉珍", "鼓东街道", "1、2") == rows[1][:3]
    links = [r[3] for r in rows[1:]]
    assert all(link.startswith("https://t.me/hqbot?start=") for link in links)
    assert len(set(links)) == 16
    assert [sheet.cell(row=r, column=4).hyperlink.target for r in range(2, 18)] == links
    expiry = sheet["E2"]
    assert isinstance(expiry.value, datetime) and expiry.is_date
    assert expiry.number_format == "yyyy-mm-dd hh:mm"


def test_invites_in_english(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    args = _config(tmp_path, "en")
    assert runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", *args]).exit_code == 0
    out = tmp_path / "invites.xlsx"
    result = runner.invoke(app, ["invites", "--bot-username", "hqbot", "--out", str(out), *args])
    assert "16 invitation(s)" in result.output and "Forward each link" in result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("name", "unit", "tasks", "link", "expires")
    assert rows[1][2] == "1, 2"


def test_invite_links_stay_whole_at_80_columns(tmp_path: Path) -> None:
    from tests.botflow import LINK

    args = _config(tmp_path)
    assert runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", *args]).exit_code == 0
    username = "opening_up_headquarters_hq_bot"  # a long but valid @username: 90-char links
    result = runner.invoke(
        app, ["invites", "--bot-username", username, *args], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    links = [line for line in lines if line.startswith("https://")]
    assert len(links) == 16 and len(set(links)) == 16
    for link in links:
        match = LINK.fullmatch(link)
        assert match and match.group(1) == username and len(match.group(2)) == 32
    assert max(len(link) for link in links) > 80
    assert "1. 张玉珍（鼓东街道）" in lines


HOSTILE_CSV = (
    "序号,工作小组名称,项目名称,具体内容,完成时限,责任单位,责任人\n"
    '1,组,=HYPERLINK("http://x"),@SUM(1+1),3月,-单位,"=HYPERLINK(""http://evil"")"\n'
    "2,组,乙,内容,4月,@单位,+张三\n"
)


def test_no_exported_cell_is_a_formula(tmp_path: Path) -> None:
    """Names and texts that start like a formula stay text in every workbook hqbot writes."""
    from openpyxl import load_workbook

    args = _config(tmp_path)
    source = tmp_path / "hostile.csv"
    source.write_text(HOSTILE_CSV, encoding="utf-8")
    assert runner.invoke(app, ["import", str(source), "--year", "2021", *args]).exit_code == 0
    invites, export = tmp_path / "invites.xlsx", tmp_path / "export.xlsx"
    result = runner.invoke(app, ["invites", "--bot-username", "b", "--out", str(invites), *args])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["export", str(export), *args]).exit_code == 0
    for path in (invites, export):
        texts = 0
        for row in load_workbook(path).active.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (path.name, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.quotePrefix, (path.name, cell.coordinate)
                    texts += 1
        assert texts >= 2, path.name
    names = [r[0] for r in load_workbook(invites).active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["+张三", "=HYPERLINK"]
    again = runner.invoke(app, ["import", str(export), "--dry-run", *args])
    assert "无需更新" in again.output


def test_export_title_is_plain_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    args = _config(tmp_path)
    hq = ["--hq", "R&D <开放> 指挥部"]
    imported = runner.invoke(app, ["import", str(SAMPLE), "--year", "2021", *hq, *args])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "export.xlsx"
    assert runner.invoke(app, ["export", str(out), *hq, *args]).exit_code == 0
    assert load_workbook(out).active["A1"].value == "R&D <开放> 指挥部2021年度实施项目（任务）清单"
