"""Settings: a TOML file plus HQBOT_* environment overrides, validated by pydantic-settings."""

from __future__ import annotations

import os
import re
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from services.schedule import is_quiet_time

DEFAULT_CONFIG_PATH = Path("config.toml")
TELEGRAM_API = "https://api.telegram.org"
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
PLACEHOLDER_MARKERS = ("change-me", "changeme", "your-token", "placeholder")


class ConfigError(Exception):
    """A configuration problem, phrased as one line naming the key and what is expected."""


class TelegramSettings(BaseModel):
    """The [telegram] table."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr = SecretStr("")
    base_url: str = TELEGRAM_API
    admins: list[int] = Field(default_factory=list)
    # Pace sends to Telegram's limits (PTB's AIORateLimiter); off only to benchmark on the emulator.
    rate_limit: bool = True

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @property
    def api_base(self) -> str:
        """URL prefix for Bot API calls (the token is appended by the client)."""
        return f"{self.base_url}/bot"

    @property
    def file_base(self) -> str:
        """URL prefix for file downloads."""
        return f"{self.base_url}/file/bot"


class DatabaseSettings(BaseModel):
    """The [database] table."""

    model_config = ConfigDict(extra="forbid")

    url: str = "sqlite+aiosqlite:///./var/hqbot.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        return normalize_database_url(value)


class AppSettings(BaseModel):
    """The [app] table."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    invite_ttl_days: int = Field(default=14, ge=1, le=365)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; expected e.g. Asia/Shanghai") from exc
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def tz(self) -> ZoneInfo:
        """The configured zone as a tzinfo."""
        return ZoneInfo(self.timezone)


_CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _clock_time(value: Any) -> Any:
    """'09:00' (or a TOML local time) as a naive time; anything else is an error."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("expected a local time such as 09:00, without a zone")
        return value
    if isinstance(value, str):
        match = _CLOCK_TIME.match(value.strip())
        if match:
            return time(int(match[1]), int(match[2]))
    raise ValueError("expected a time of day as HH:MM, such as 09:00")


class CycleSettings(BaseModel):
    """The reporting month: when it opens, is reminded, due, escalated and closed; quiet hours."""

    model_config = ConfigDict(extra="forbid")

    due_day: int = Field(default=25, ge=1, le=28)
    open_day: int = Field(default=20, ge=1, le=28)
    open_time: time = time(9, 0)
    # Working days before the due day of the first reminder (another one on the due day).
    remind_days_before: int = Field(default=2, ge=0, le=10)
    remind_time: time = time(9, 0)
    escalate_time: time = time(15, 0)
    close_time: time = time(9, 0)
    # China's public holidays and make-up working days; false: only weekends are non-working.
    holidays: bool = True
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    # Whole non-working days (weekends, and public holidays when `holidays`) are quiet too.
    quiet_weekends: bool = False
    max_reminders: int = Field(default=3, ge=0, le=10)
    # Run the month by the clock (open, remind, escalate, close); false: only by /cycle.
    auto: bool = True

    @field_validator(
        "open_time",
        "remind_time",
        "escalate_time",
        "close_time",
        "quiet_start",
        "quiet_end",
        mode="before",
    )
    @classmethod
    def _hh_mm(cls, value: Any) -> Any:
        return _clock_time(value)

    @model_validator(mode="after")
    def _coherent(self) -> CycleSettings:
        if self.open_day >= self.due_day:
            raise ValueError(f"open_day {self.open_day} must come before due_day {self.due_day}")
        if self.escalate_time <= self.remind_time:
            raise ValueError(
                f"escalate_time {self.escalate_time:%H:%M} must be after "
                f"remind_time {self.remind_time:%H:%M} (both are on the due day)"
            )
        for name in ("open_time", "remind_time", "escalate_time", "close_time"):
            at: time = getattr(self, name)
            if is_quiet_time(at, self.quiet_start, self.quiet_end):
                raise ValueError(
                    f"{name} {at:%H:%M} falls in the quiet hours "
                    f"{self.quiet_start:%H:%M}–{self.quiet_end:%H:%M}"
                )
        return self


class DeliverySettings(BaseModel):
    """The [delivery] table: how fast the outbox sender may go (Telegram's limits, with margin)."""

    model_config = ConfigDict(extra="forbid")

    # Telegram allows 30 messages a second overall, one a second per private chat and 20 a
    # minute per group; the sender spaces messages evenly a little under those ceilings.
    per_second: float = Field(default=28, gt=0, le=30)
    private_interval: float = Field(default=1.05, ge=1.0, le=60)
    group_per_minute: float = Field(default=19, gt=0, le=20)
    # Tries of one message before it is given up on and the admins are told.
    max_attempts: int = Field(default=8, ge=1, le=100)


class DigestSettings(BaseModel):
    """The [digest] table: the monthly report posted to the HQ group at the close."""

    model_config = ConfigDict(extra="forbid")

    # Percentage points a metric may fall under 序时进度 before it counts as behind (🟡).
    tolerance: Decimal = Field(default=Decimal(5), ge=0, le=100)
    # Post the digest (text, chart, Excel) to the HQ group and each group leader at the close.
    post: bool = True


class Settings(BaseSettings):
    """All of hqbot's settings."""

    model_config = SettingsConfigDict(
        env_prefix="HQBOT_", env_nested_delimiter="__", extra="forbid", toml_file=None
    )

    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    app: AppSettings = Field(default_factory=AppSettings)
    cycle: CycleSettings = Field(default_factory=CycleSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init kwargs win, then the environment, then the TOML file."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def redactions(self) -> list[str]:
        """Secrets that must never reach a log line."""
        token = self.telegram.token.get_secret_value()
        return [token] if token else []


def normalize_database_url(value: str) -> str:
    """Check a database URL and pick the async driver for its backend."""
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(
            "expected a URL like sqlite:///var/hqbot.db or postgresql://user:pw@host/db"
        ) from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database {backend!r}; expected sqlite or postgresql")
    return url.render_as_string(hide_password=False)


def resolve_config_path(path: str | Path | None) -> tuple[Path, bool]:
    """The config file to read and whether the user named it explicitly."""
    if path is not None:
        return Path(path), True
    env = os.environ.get("HQBOT_CONFIG")
    if env:
        return Path(env), True
    return DEFAULT_CONFIG_PATH, False


def load_settings(
    path: str | Path | None = None, *, sandbox: bool = False, **overrides: Any
) -> Settings:
    """Read the TOML file and the environment; raise ConfigError with one clear line."""
    cfg_path, explicit = resolve_config_path(path)
    if explicit and not cfg_path.is_file():
        raise ConfigError(f"config file {cfg_path} not found (copy config.example.toml there)")
    toml_file = cfg_path if cfg_path.is_file() else None

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=toml_file)

    try:
        settings: Settings = _FileSettings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except ValueError as exc:  # a malformed TOML file
        raise ConfigError(f"{cfg_path}: not valid TOML ({exc})") from None
    if not sandbox:
        check_token(settings)
    return settings


def check_token(settings: Settings) -> None:
    """Refuse a missing or placeholder token outside sandbox mode."""
    token = settings.telegram.token.get_secret_value().strip()
    if not token or any(marker in token.lower() for marker in PLACEHOLDER_MARKERS):
        raise ConfigError(
            "telegram.token: missing or a placeholder; expected the token from @BotFather "
            "(or set HQBOT_TELEGRAM__TOKEN; `hqbot sandbox` needs none)"
        )
    if not TOKEN_RE.match(token):
        raise ConfigError(
            "telegram.token: not a bot token; expected '<digits>:<35 letters, digits, _ or ->'"
        )


def _describe(exc: ValidationError) -> str:
    """One line naming the first bad key and what is expected."""
    err = exc.errors(include_url=False, include_input=False)[0]
    key = ".".join(str(p) for p in err["loc"])
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        msg = "unknown key; see config.example.toml for the known ones"
    return f"{key}: {msg}"
