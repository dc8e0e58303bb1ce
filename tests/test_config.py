"""Configuration: file + environment, one-line errors, secrets never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import RedactingFormatter, setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (
        "HQBOT_CONFIG",
        "HQBOT_TELEGRAM__TOKEN",
        "HQBOT_DATABASE__URL",
        "HQBOT_TELEGRAM__RATE_LIMIT",
    ):
        monkeypatch.delenv(key, raising=False)


def test_reads_file_and_defaults(tmp_path: Path) -> None:
    cfg = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\nadmins = [42, 43]\n')
    settings = load_settings(cfg)
    assert settings.telegram.admins == [42, 43]
    assert settings.telegram.api_base == "https://api.telegram.org/bot"
    assert settings.app.timezone == "Asia/Shanghai"
    assert settings.database.url.startswith("sqlite+aiosqlite:///")


def test_missing_token_is_refused_with_the_key_named(tmp_path: Path) -> None:
    cfg = write(tmp_path, "[app]\nlanguage = 'zh'\n")
    with pytest.raises(ConfigError, match=r"^telegram\.token: missing"):
        load_settings(cfg)


def test_placeholder_token_from_example_is_refused_but_fine_in_sandbox() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    with pytest.raises(ConfigError, match="placeholder"):
        load_settings(example)
    assert load_settings(example, sandbox=True).app.language == "zh"


def test_malformed_token_is_refused(tmp_path: Path) -> None:
    cfg = write(tmp_path, '[telegram]\ntoken = "not-a-token"\n')
    with pytest.raises(ConfigError, match="telegram.token: not a bot token"):
        load_settings(cfg)


def test_bad_timezone_names_key_and_expectation(tmp_path: Path) -> None:
    cfg = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n[app]\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert str(info.value) == (
        "app.timezone: unknown time zone 'Mars/Olympus'; expected e.g. Asia/Shanghai"
    )
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://u:p@host/db", "database.url: unsupported database 'mysql'"),
        ("::not a url::", "database.url: expected a URL like"),
    ],
)
def test_bad_database_url(tmp_path: Path, url: str, expected: str) -> None:
    cfg = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n[database]\nurl = "{url}"\n')
    with pytest.raises(ConfigError, match=expected):
        load_settings(cfg)


def test_postgres_url_gets_async_driver(tmp_path: Path) -> None:
    cfg = write(
        tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n[database]\nurl = "postgresql://a:b@h/d"\n'
    )
    assert load_settings(cfg).database.url == "postgresql+asyncpg://a:b@h/d"


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    cfg = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\ntokn = "x"\n')
    with pytest.raises(ConfigError, match=r"^telegram\.tokn: unknown key"):
        load_settings(cfg)


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(tmp_path, '[telegram]\ntoken = "123:placeholder"\n[app]\nlanguage = "zh"\n')
    monkeypatch.setenv("HQBOT_TELEGRAM__TOKEN", TOKEN)
    monkeypatch.setenv("HQBOT_APP__LANGUAGE", "en")
    monkeypatch.setenv("HQBOT_TELEGRAM__ADMINS", "[7, 8]")
    settings = load_settings(cfg)
    assert settings.telegram.token.get_secret_value() == TOKEN
    assert settings.app.language == "en"
    assert settings.telegram.admins == [7, 8]


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\nadmins = [5]\n')
    monkeypatch.setenv("HQBOT_CONFIG", str(cfg))
    assert load_settings().telegram.admins == [5]


def test_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_broken_toml_is_one_line(tmp_path: Path) -> None:
    cfg = write(tmp_path, "[telegram\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(cfg)


def test_token_hidden_in_repr_and_dump(tmp_path: Path) -> None:
    cfg = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n')
    settings = load_settings(cfg)
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())
    assert TOKEN not in settings.model_dump_json()


@pytest.fixture
def _restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("_restore_logging")
def test_token_redacted_in_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG", [TOKEN])
    log = logging.getLogger("hqbot.test")
    log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"boom at /bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("failed")
    logging.getLogger("httpx").warning("HTTP Request: POST .../bot%s/getUpdates", TOKEN)
    err = capsys.readouterr().err
    assert "getMe" in err and "boom at" in err and "getUpdates" in err
    assert TOKEN not in err
    assert TOKEN.split(":")[1] not in err
    assert "[REDACTED]" in err


def test_any_token_shaped_string_is_masked() -> None:
    formatter = RedactingFormatter("%(message)s")
    other = "987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "t=%s", (other,), None)
    assert formatter.format(record) == "t=[REDACTED]"


def test_invitation_codes_are_masked() -> None:
    formatter = RedactingFormatter("%(message)s")
    code = "Id1eNgwhMpA8GEROANkxuuoaKt0zTFs9"
    for message in (
        f"text: 张玉珍：https://t.me/hqbot?start={code}",
        f"update {{'text': '/start {code}'}}",
        f"'/start@hqbot {code}'",
    ):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, message, (), None)
        out = formatter.format(record)
        assert code not in out and "[REDACTED]" in out


def test_rate_limit_is_on_by_default_and_in_the_example(tmp_path: Path) -> None:
    cfg = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n')
    assert load_settings(cfg).telegram.rate_limit is True
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    assert load_settings(example, sandbox=True).telegram.rate_limit is True


def test_rate_limit_switched_off_in_file_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\nrate_limit = false\n')
    assert load_settings(off).telegram.rate_limit is False
    on = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\nrate_limit = true\n')
    monkeypatch.setenv("HQBOT_TELEGRAM__RATE_LIMIT", "false")
    assert load_settings(on).telegram.rate_limit is False


def test_rate_limit_must_be_a_boolean(tmp_path: Path) -> None:
    cfg = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\nrate_limit = "sometimes"\n')
    with pytest.raises(ConfigError, match=r"^telegram\.rate_limit: "):
        load_settings(cfg)
