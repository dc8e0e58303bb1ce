"""Typed callback data: every inline button's payload as a small frozen dataclass.

`pack()` makes the ≤ 64-byte string Telegram carries; `parse()` reads it back strictly (ASCII
digits only, ids range-checked, exact field count) and returns None for anything else, so a
forged or stale payload never reaches a handler as half-parsed strings.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

MAX_INT = 2**53  # larger than any id we store, small enough for every backend
_INT = re.compile(r"[0-9]{1,16}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,48}")
MAX_BYTES = 64


class CallbackData:
    """Base of every button payload: `prefix:field:field…`."""

    prefix: ClassVar[str]

    def pack(self) -> str:
        """The callback_data string for this payload."""
        parts = [self.prefix, *(_dump(getattr(self, f.name)) for f in fields(self))]  # type: ignore[arg-type]
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data too long: {data!r}")
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The payload in `data`, or None when it is not exactly one of these."""
        if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
            return None
        parts = data.split(":")
        own = fields(cls)  # type: ignore[arg-type]
        if parts[0] != cls.prefix or len(parts) != len(own) + 1:
            return None
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for field, raw in zip(own, parts[1:], strict=True):
            value = _load(hints[field.name], raw)
            if value is _INVALID:
                return None
            values[field.name] = value
        return cls(**values)

    @classmethod
    def matches(cls) -> Callable[[object], bool]:
        """A CallbackQueryHandler pattern accepting exactly this kind of payload."""
        return lambda data: cls.parse(data) is not None


_INVALID = object()


def _dump(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        if not 0 <= value <= MAX_INT:
            raise ValueError(f"id out of range: {value}")
        return str(value)
    if isinstance(value, str) and _TOKEN.fullmatch(value):
        return value
    raise ValueError(f"cannot pack {value!r}")


def _load(hint: Any, raw: str) -> object:
    if get_origin(hint) in (Union, types.UnionType):
        if raw == "":
            return None
        hint = next(a for a in get_args(hint) if a is not type(None))
    if hint is bool:
        return {"1": True, "0": False}.get(raw, _INVALID)
    if hint is int:
        if not _INT.fullmatch(raw) or int(raw) > MAX_INT:
            return _INVALID
        return int(raw)
    if hint is str:
        return raw if _TOKEN.fullmatch(raw) else _INVALID
    raise TypeError(f"unsupported callback field type {hint!r}")


@dataclass(frozen=True)
class BindChoice(CallbackData):
    """确认 / 不是我 on an invitation card."""

    prefix: ClassVar[str] = "bind"
    ok: bool
    invitation_id: int


@dataclass(frozen=True)
class ImportChoice(CallbackData):
    """确认导入 / 取消 under an import preview."""

    prefix: ClassVar[str] = "imp"
    ok: bool
    token: str


@dataclass(frozen=True)
class TasksPage(CallbackData):
    """◀ / ▶ under /tasks, optionally within one working group."""

    prefix: ClassVar[str] = "tasks"
    page: int
    group_id: int | None = None


@dataclass(frozen=True)
class PeoplePage(CallbackData):
    """◀ / ▶ under /people."""

    prefix: ClassVar[str] = "people"
    page: int


@dataclass(frozen=True)
class MoveHQGroup(CallbackData):
    """移到本群 / 取消 when /sethq is sent in a group other than the current HQ group."""

    prefix: ClassVar[str] = "sethq"
    ok: bool
    hq_id: int


@dataclass(frozen=True)
class ReportStart(CallbackData):
    """A task's button under the month's ask or /myreports (stage 0: the next task to report)."""

    prefix: ClassVar[str] = "rs"
    cycle_id: int
    stage_id: int
    person_id: int


@dataclass(frozen=True)
class ReportRevise(CallbackData):
    """修改 a submitted report from /myreports (until the month closes, or once reopened)."""

    prefix: ClassVar[str] = "rv"
    cycle_id: int
    stage_id: int
    person_id: int


@dataclass(frozen=True)
class ReportStep(CallbackData):
    """A choice within a draft's current step (`step` must still be the draft's step)."""

    prefix: ClassVar[str] = "rq"
    draft_id: int
    step: str
    choice: str


@dataclass(frozen=True)
class BookDownload(CallbackData):
    """下载填报表 under /myreports: the person's due tasks this month as an .xlsx."""

    prefix: ClassVar[str] = "bk"
    cycle_id: int


@dataclass(frozen=True)
class BookChoice(CallbackData):
    """确认 / 取消 under the preview of an uploaded 填报表."""

    prefix: ClassVar[str] = "bkc"
    ok: bool
    token: str


@dataclass(frozen=True)
class PickHQ(CallbackData):
    """One headquarters under /hq (or under "which headquarters?"): make it this chat's."""

    prefix: ClassVar[str] = "hq"
    hq_id: int


@dataclass(frozen=True)
class OutboxRetry(CallbackData):
    """重试失败消息 under /outbox: queue the headquarters' refused messages again."""

    prefix: ClassVar[str] = "obr"
    hq_id: int


@dataclass(frozen=True)
class DigestPublish(CallbackData):
    """发布到指挥部群 under /digest preview: post that month's digest to the HQ group."""

    prefix: ClassVar[str] = "dgp"
    cycle_id: int


@dataclass(frozen=True)
class LangChoice(CallbackData):
    """中文 / English under /lang: this chat's language."""

    prefix: ClassVar[str] = "lang"
    language: str
