"""附件2 rows → tasks with stages, collecting every problem on the way."""

from __future__ import annotations

import re
from datetime import date

from services.tasklist import problems as P
from services.tasklist.headers import Header, is_blank, is_repeated_header, note_text
from services.tasklist.metrics import extract_metric, extract_total_investment
from services.tasklist.normalize import (
    as_text,
    cell_text,
    fold_width,
    key_of,
    name_of,
    normalize_content,
    normalize_title,
    parts_of,
    unit_of,
)
from services.tasklist.periods import (
    PeriodError,
    YearMark,
    YearMarkKind,
    format_month,
    parse_period_spec,
    year_mark,
)
from services.tasklist.reader import Row
from services.tasklist.types import Assignment, Limits, Problem, Stage, Task, YearMonth

_NUMBER = re.compile(r"[(（]?(\d+)(?:\.0*)?[)）.、]?")
_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]\s*(.+)$")


def parse_number(value: object) -> int | None:
    """A 序号 as a positive integer ("1", 1.0, "１", "1." all give 1), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value > 0 else None
    match = _NUMBER.fullmatch("".join(fold_width(cell_text(value)).split()))
    if match is None or int(match.group(1)) <= 0:
        return None
    return int(match.group(1))


def pair_assignments(units: list[str], persons: list[str]) -> list[Assignment] | None:
    """Pair units with persons by position (one side may be a single entry); None on mismatch."""
    if len(units) == 1:
        pairs = [(units[0], person) for person in persons]
    elif len(persons) == 1:
        pairs = [(unit, persons[0]) for unit in units]
    elif len(units) == len(persons):
        pairs = list(zip(units, persons, strict=True))
    else:
        return None
    return list(dict.fromkeys(Assignment(unit, person) for unit, person in pairs))


class TaskSheetParser:
    """Collects the data rows under a task header; `build` reads them for a plan year.

    Rows are kept as the reader cleaned them, so that the plan year can still be chosen from
    what the file itself says (its title, the years its periods write out) before any period
    is read against one.
    """

    def __init__(self, sheet: str | None, header: Header, limits: Limits) -> None:
        self.sheet = sheet
        self.header = header
        self.limits = limits
        self.data_rows = 0
        self.marks: list[YearMark] = []
        self._items: list[tuple[int, dict[str, object]] | str] = []  # rows, or a heading's group
        self._task: tuple[object, object] = (None, None)
        self._task_plain = False  # the current task has a period written without a year

    def feed(self, row: int, values: Row) -> None:
        """Keep one non-blank row (notes and repeated headers are dropped here)."""
        cells = self.header.cells(values)
        if all(is_blank(value) for value in cells.values()):
            return
        if is_repeated_header(self.header.schema, values):
            return
        note = note_text(values, self.header)
        if note is not None:
            heading = _HEADING.match(note)
            if heading and "group" not in self.header.columns:
                self._items.append(unit_of(heading.group(1)))
            return
        if all(is_blank(value) for key, value in cells.items() if key != "number"):
            return  # a template row numbered in advance and never filled
        self.data_rows += 1
        self._items.append((row, cells))
        self._mark_year(cells)

    def _mark_year(self, cells: dict[str, object]) -> None:
        """Note a year the row's 完成时限 writes out (see `periods.plan_year_from_marks`)."""
        number, name = cells.get("number"), cells.get("name")
        continues = (is_blank(number) and is_blank(name)) or (number, name) == self._task
        if not continues:
            self._task, self._task_plain = (number, name), False
        period = cells.get("period")
        if is_blank(period):
            return
        mark = year_mark(period)
        if mark is None:
            self._task_plain = True
            return
        if mark.kind == YearMarkKind.deadline and continues and self._task_plain:
            mark = YearMark(YearMarkKind.spill, mark.year)
        self.marks.append(mark)

    def build(self, plan_year: int) -> tuple[list[Task], list[Problem]]:
        """The tasks (with metrics) and every problem, reading periods in `plan_year`."""
        builder = _TaskBuilder(self.sheet, self.header, plan_year, self.limits)
        for item in self._items:
            if isinstance(item, str):
                builder.last_group = item
            else:
                builder.row(*item)
        return builder.finish(), builder.problems


class _TaskBuilder:
    """Turns kept rows into tasks with stages for one plan year, collecting every problem."""

    def __init__(self, sheet: str | None, header: Header, plan_year: int, limits: Limits) -> None:
        self.sheet = sheet
        self.header = header
        self.plan_year = plan_year
        self.limits = limits
        self.tasks: list[Task] = []
        self.problems: list[Problem] = []
        self.last_group = ""
        self._by_number: dict[int, Task] = {}
        self._by_name: dict[str, Task] = {}
        self._current: Task | None = None
        self._carry: tuple[list[str], list[str]] = ([], [])

    def _problem(
        self, code: str, row: int, key: str | None, value: object = None, **params: object
    ) -> None:
        column = self.header.label(key) if key else None
        self.problems.append(
            P.problem(code, sheet=self.sheet, row=row, column=column, value=value, **params)
        )

    def row(self, row: int, cells: dict[str, object]) -> None:
        """Read one data row: a new task, or another stage of the task above."""
        task, continuation = self._task_for(row, cells)
        stage = self._stage(row, cells, task, continuation)
        if task is not None and stage is not None:
            task.stages.append(stage)

    def finish(self) -> list[Task]:
        """The tasks read so far, with metrics taken from their contents."""
        for task in self.tasks:
            text = "\n".join(stage.content for stage in task.stages)
            task.metric = extract_metric(text)
            task.total_investment = extract_total_investment(text)
        return [task for task in self.tasks if task.stages]

    def _task_for(self, row: int, cells: dict[str, object]) -> tuple[Task | None, bool]:
        """The task this row belongs to, and whether the row only adds a stage."""
        raw_number = cells.get("number")
        name = normalize_title(cells.get("name"))
        if is_blank(raw_number) and not name:
            if self._current is None:
                self._problem(P.STAGE_BEFORE_TASK, row, "name")
            return self._current, True
        if is_blank(raw_number):
            return self._unnumbered(row, name)
        number = parse_number(raw_number)
        if number is None:
            self._problem(P.BAD_NUMBER, row, "number", raw_number)
            return self._placeholder(row, name), False
        existing = self._by_number.get(number)
        if existing is not None:
            if not name or key_of(name) == key_of(existing.name):
                self._current = existing
                return existing, True
            self._problem(
                P.DUPLICATE_NUMBER,
                row,
                "number",
                raw_number,
                number=number,
                first_row=existing.source_row,
                first_name=existing.name,
            )
            return self._placeholder(row, name), False
        if not name:
            self._problem(P.MISSING_VALUE, row, "name")
            return self._placeholder(row, name), False
        return self._new_task(row, number, name, cells), False

    def _unnumbered(self, row: int, name: str) -> tuple[Task | None, bool]:
        """A row with a name but no 序号: same task again, an auto-number, or a problem."""
        existing = self._by_name.get(key_of(name))
        if existing is not None:
            self._current = existing
            return existing, True
        if "number" in self.header.columns:
            self._problem(P.MISSING_VALUE, row, "number")
            return self._placeholder(row, name), False
        number = max(self._by_number, default=0) + 1
        return self._new_task(row, number, name, {}), False

    def _new_task(self, row: int, number: int, name: str, cells: dict[str, object]) -> Task:
        group = unit_of(as_text(cells.get("group")))
        if not group:
            group = self.last_group
            if not group and "group" in self.header.columns:
                self._problem(P.MISSING_VALUE, row, "group")
        if len(name) > self.limits.max_name_chars:
            self._problem(
                P.TOO_LONG, row, "name", name, length=len(name), limit=self.limits.max_name_chars
            )
        self.last_group = group
        task = Task(number=number, group=group, name=name, source_row=row)
        self.tasks.append(task)
        self._by_number[number] = task
        self._by_name.setdefault(key_of(name), task)
        self._current = task
        return task

    def _placeholder(self, row: int, name: str) -> Task:
        """A task that will not be imported, so that its stage rows are still checked."""
        task = Task(number=0, group=self.last_group, name=name, source_row=row)
        self._current = task
        return task

    def _stage(
        self, row: int, cells: dict[str, object], task: Task | None, continuation: bool
    ) -> Stage | None:
        """Check and build the stage a row describes (None when something is wrong)."""
        before = len(self.problems)
        content = normalize_content(cells.get("content"))
        if not content:
            self._problem(P.MISSING_VALUE, row, "content")
        elif len(content) > self.limits.max_content_chars:
            self._problem(
                P.TOO_LONG,
                row,
                "content",
                content,
                length=len(content),
                limit=self.limits.max_content_chars,
            )
        previous = task.stages[-1] if task is not None and task.stages else None
        months = self._period(row, cells.get("period"), previous)
        assignments = self._assignments(row, cells, continuation and task is not None)
        if len(self.problems) > before or months is None or assignments is None:
            return None
        start, end = months
        raw_period = cells.get("period")
        text = as_text(raw_period)
        if isinstance(raw_period, date):
            text = format_month(end, self.plan_year)
        return Stage(content, start, end, text, assignments, row)

    def _period(
        self, row: int, raw: object, previous: Stage | None
    ) -> tuple[YearMonth, YearMonth] | None:
        if is_blank(raw):
            self._problem(P.MISSING_VALUE, row, "period")
            return None
        try:
            spec = parse_period_spec(raw, self.plan_year)
        except PeriodError as error:
            self._problem(error.code, row, "period", raw, **error.params)
            return None
        start, end = spec.resolve(self.plan_year, previous.end if previous else None)
        if previous is not None and end < previous.start:
            self._problem(
                P.PERIOD_BEFORE_PREVIOUS_STAGE,
                row,
                "period",
                raw,
                end=str(end),
                previous_start=str(previous.start),
            )
            return None
        return start, end

    def _assignments(
        self, row: int, cells: dict[str, object], continuation: bool
    ) -> list[Assignment] | None:
        units = [unit_of(u) for u in parts_of(as_text(cells.get("unit")))]
        persons = [n for n in (name_of(p) for p in parts_of(as_text(cells.get("person")))) if n]
        if continuation:  # blank on a stage row: merged with the row above
            units = units or self._carry[0]
            persons = persons or self._carry[1]
        self._carry = (units, persons)
        ok = True
        for key, values, limit in (
            ("unit", units, self.limits.max_unit_chars),
            ("person", persons, self.limits.max_person_chars),
        ):
            if not values:
                self._problem(P.MISSING_VALUE, row, key)
                ok = False
            for value in values:
                if len(value) > limit:
                    self._problem(P.TOO_LONG, row, key, value, length=len(value), limit=limit)
                    ok = False
        if not ok:
            return None
        pairs = pair_assignments(units, persons)
        if pairs is None:
            self._problem(
                P.COUNT_MISMATCH,
                row,
                "person",
                cells.get("person"),
                units=len(units),
                persons=len(persons),
            )
        return pairs
