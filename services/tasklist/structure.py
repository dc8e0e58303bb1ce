"""附件1 rows → working groups (工作小组) and headquarters leaders (指挥部领导)."""

from __future__ import annotations

from services.tasklist import problems as P
from services.tasklist.headers import Header, is_blank, is_repeated_header, note_text
from services.tasklist.normalize import (
    normalize_name,
    normalize_unit,
    split_cell,
    text_key,
)
from services.tasklist.reader import Row
from services.tasklist.types import Leader, Limits, Problem, WorkingGroup


class _SheetParser:
    """Shared row plumbing: skips repeated headers and notes, records problems."""

    def __init__(self, sheet: str | None, header: Header, limits: Limits) -> None:
        self.sheet = sheet
        self.header = header
        self.limits = limits
        self.problems: list[Problem] = []

    def _problem(
        self, code: str, row: int, key: str | None, value: object = None, **params: object
    ) -> None:
        column = self.header.label(key) if key else None
        self.problems.append(
            P.problem(code, sheet=self.sheet, row=row, column=column, value=value, **params)
        )

    def _cells(self, values: Row) -> dict[str, object] | None:
        cells = self.header.cells(values)
        if all(is_blank(value) for value in cells.values()):
            return None
        if is_repeated_header(self.header.schema, values):
            return None
        if note_text(values, self.header) is not None:
            return None
        return cells

    def _names(self, row: int, key: str, raw: object) -> list[str]:
        names = [normalize_name(name) for name in split_cell(raw)]
        for name in names:
            if len(name) > self.limits.max_person_chars:
                self._problem(
                    P.TOO_LONG, row, key, name, length=len(name), limit=self.limits.max_person_chars
                )
        return names

    def _titles(self, row: int, key: str, raw: object, count: int) -> list[str]:
        titles = [normalize_unit(t) for t in split_cell(raw, "\n")]
        if len(titles) == count:
            return titles
        if len(titles) <= 1:
            return [titles[0] if titles else ""] * count
        self._problem(P.TITLE_COUNT_MISMATCH, row, key, raw, leaders=count, titles=len(titles))
        return (titles + [""] * count)[:count]


class GroupSheetParser(_SheetParser):
    """Rows of the 工作小组 sheet."""

    def __init__(self, sheet: str | None, header: Header, limits: Limits) -> None:
        super().__init__(sheet, header, limits)
        self.groups: list[WorkingGroup] = []
        self._by_key: dict[str, WorkingGroup] = {}

    def feed(self, row: int, values: Row) -> None:
        """Read one non-blank row (a blank group name continues the group above)."""
        cells = self._cells(values)
        if cells is None:
            return
        name = normalize_unit(cells.get("group"))
        leaders = self._names(row, "leaders", cells.get("leaders"))
        titles = self._titles(row, "titles", cells.get("titles"), len(leaders))
        members = [normalize_unit(unit) for unit in split_cell(cells.get("members"))]
        for unit in members:
            if len(unit) > self.limits.max_unit_chars:
                self._problem(
                    P.TOO_LONG,
                    row,
                    "members",
                    unit,
                    length=len(unit),
                    limit=self.limits.max_unit_chars,
                )
        if not name:
            if not self.groups:
                self._problem(P.MISSING_VALUE, row, "group")
                return
            group = self.groups[-1]
        else:
            existing = self._by_key.get(text_key(name))
            if existing is not None:
                self._problem(P.DUPLICATE_GROUP, row, "group", name, first_row=existing.source_row)
                return
            if len(name) > self.limits.max_unit_chars:
                self._problem(
                    P.TOO_LONG,
                    row,
                    "group",
                    name,
                    length=len(name),
                    limit=self.limits.max_unit_chars,
                )
            group = WorkingGroup(name=name, source_row=row)
            self.groups.append(group)
            self._by_key[text_key(name)] = group
            if not leaders:
                self._problem(P.MISSING_VALUE, row, "leaders")
        group.leaders.extend(leaders)
        group.leader_titles.extend(titles)
        group.member_units.extend(u for u in members if u not in group.member_units)


class LeaderSheetParser(_SheetParser):
    """Rows of the 指挥部领导 sheet (a blank 职务 repeats the one above, as merged cells do)."""

    def __init__(self, sheet: str | None, header: Header, limits: Limits) -> None:
        super().__init__(sheet, header, limits)
        self.leaders: list[Leader] = []
        self._role = ""

    def feed(self, row: int, values: Row) -> None:
        """Read one non-blank row."""
        cells = self._cells(values)
        if cells is None:
            return
        role = normalize_unit(cells.get("role")) or self._role
        if not role:
            self._problem(P.MISSING_VALUE, row, "role")
        self._role = role
        names = self._names(row, "name", cells.get("name"))
        if not names:
            self._problem(P.MISSING_VALUE, row, "name")
            return
        titles = self._titles(row, "title", cells.get("title"), len(names))
        for name, title in zip(names, titles, strict=True):
            self.leaders.append(Leader(role=role, name=name, title=title, source_row=row))
