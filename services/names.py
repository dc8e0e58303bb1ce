"""Names as admins type them in commands: normalised like the importer, split from the rest."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from services.tasklist.normalize import fold_width, is_cjk, normalize_name, normalize_unit

MAX_NAME_LENGTH = 50  # Person.name's column size
UNIT_SEPARATOR = "/"  # `姓名/单位`; a full-width ／ folds to it


@dataclass(frozen=True)
class PersonQuery:
    """Who a command names: a normalised name and, optionally, a unit to tell namesakes apart."""

    name: str
    unit: str | None = None

    @property
    def valid(self) -> bool:
        """Whether the name can be looked up or stored (not empty, fits Person.name)."""
        return valid_name(self.name)


@dataclass(frozen=True)
class PersonArgs:
    """A person named at the start of a command's arguments, and the arguments after it."""

    name: str
    unit: str | None = None
    rest: list[str] = field(default_factory=list)

    @property
    def query(self) -> PersonQuery:
        """The name (and unit) as a lookup."""
        return PersonQuery(self.name, self.unit)


def person_query(text: str, unit: str | None = None) -> PersonQuery:
    """A lookup from free text such as "郑 榕", "郑榕/区委台港澳办" or "张玉珍（副主任）"."""
    name, separator, tail = fold_width(text).partition(UNIT_SEPARATOR)
    found_unit = normalize_unit(tail) if separator else normalize_unit(unit or "")
    return PersonQuery(normalize_name(name), found_unit or None)


def valid_name(name: str) -> bool:
    """A normalised name that is not empty and fits Person.name (≤ 50 characters)."""
    return 0 < len(name) <= MAX_NAME_LENGTH


def parse_person_args(args: list[str], *, stop_words: Collection[str] = ()) -> PersonArgs:
    """Split `郑 榕 组长 …` / `郑榕/区委台港澳办 …` into (name, unit, rest).

    Names as printed pad two-character names with a space ("郑 榕"), so Telegram hands them over
    as two arguments. A lone character (or a lone Latin word) is never a whole name: it is joined
    with the next argument unless that one is a stop word (a role word, `all` …). A name that is
    already whole ends there, so `/delegate 郑榕 高勇坤` still names two people. `姓名/单位`
    names the unit too. The name is normalised the way the importer normalises it.
    """
    stops = {word.lower() for word in stop_words}
    parts: list[str] = []
    unit: str | None = None
    index = 0
    while index < len(args):
        token = fold_width(args[index]).strip()
        if not token:
            index += 1
            continue
        if token.lower() in stops:
            break
        head, separator, tail = token.partition(UNIT_SEPARATOR)
        if parts and head and not _continues(parts, head):
            break
        if head:
            parts.append(head)
        index += 1
        if separator:
            unit = normalize_unit(tail) or None
            break
    name = normalize_name(" ".join(parts))
    return PersonArgs(name, unit, list(args[index:]))


def _continues(parts: list[str], fragment: str) -> bool:
    """Whether `fragment` is the rest of a name begun by `parts` (one short fragment so far)."""
    if len(parts) != 1:
        return False
    first = parts[0]
    if all(is_cjk(c) for c in first) and all(is_cjk(c) for c in fragment):
        return len(first) == 1
    return first.isascii() and first.isalpha() and fragment.isascii() and fragment.isalpha()
