"""Whole files: find the task table and the 附件1 sheets in an upload, and parse them."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.tasklist import problems as P
from services.tasklist.headers import GROUPS, LEADERS, TASKS, Header, find_header
from services.tasklist.parse import TaskSheetParser
from services.tasklist.periods import plan_year_from_marks
from services.tasklist.reader import open_workbook
from services.tasklist.structure import GroupSheetParser, LeaderSheetParser
from services.tasklist.title import title_of, year_in
from services.tasklist.types import Limits, Problem, Structure, TaskList, YearHints


@dataclass
class _Scan:
    """What one pass over a workbook found."""

    problems: list[Problem] = field(default_factory=list)
    task_parser: TaskSheetParser | None = None
    task_above: list[str] = field(default_factory=list)
    groups: GroupSheetParser | None = None
    groups_above: list[str] = field(default_factory=list)
    leaders: LeaderSheetParser | None = None
    best: dict[str, tuple[str | None, Header]] = field(default_factory=dict)
    rows_seen: int = 0


def _scan(data: bytes, filename: str, limits: Limits, *, tasks: bool = True) -> _Scan:
    """Stream every sheet once; `tasks` False skips task tables (structure only)."""
    scan = _Scan()
    with open_workbook(data, filename, limits) as book:
        for sheet in book.sheets():
            detected = find_header(sheet.rows, limits.header_scan_rows)
            scan.rows_seen += detected.rows_seen
            for kind, header in detected.best.items():
                known = scan.best.get(kind)
                if known is None or len(header.columns) > len(known[1].columns):
                    scan.best[kind] = (sheet.name, header)
            found = detected.header
            if found is None:
                continue
            parser: TaskSheetParser | GroupSheetParser | LeaderSheetParser
            if found.schema is TASKS and scan.task_parser is None and tasks:
                parser = scan.task_parser = TaskSheetParser(sheet.name, found, limits)
                scan.task_above = detected.above
            elif found.schema is GROUPS and scan.groups is None:
                parser = scan.groups = GroupSheetParser(sheet.name, found, limits)
                scan.groups_above = detected.above
            elif found.schema is LEADERS and scan.leaders is None:
                parser = scan.leaders = LeaderSheetParser(sheet.name, found, limits)
            else:
                continue
            for number, values in sheet.rows:
                scan.rows_seen += 1
                parser.feed(number, values)
        scan.problems.extend(book.problems)
    return scan


def _fatal(scan: _Scan) -> list[Problem]:
    """File-level problems (they make row-level ones moot)."""
    return [p for p in scan.problems if p.code != P.TOO_MANY_ROWS]


def _no_header(scan: _Scan, kind: str, expected: list[str]) -> Problem:
    if not scan.rows_seen:
        return P.problem(P.EMPTY, reason="no_rows")
    if kind in scan.best:
        sheet, header = scan.best[kind]
        return P.problem(
            P.NO_HEADER, sheet=sheet, row=header.row, missing=header.missing, expected=expected
        )
    return P.problem(P.NO_HEADER, missing=expected, expected=expected)


def _structure(scan: _Scan) -> Structure | None:
    if scan.groups is None and scan.leaders is None:
        return None
    structure = Structure(title=title_of(scan.groups_above))
    for parser in (scan.groups, scan.leaders):
        if parser is not None:
            structure.problems.extend(parser.problems)
    if scan.groups is not None:
        structure.groups = scan.groups.groups
    if scan.leaders is not None:
        structure.leaders = scan.leaders.leaders
    return structure


@dataclass
class ScannedFile:
    """An upload read once: its task table (not yet read against a plan year) and its 附件1."""

    _scan: _Scan

    @property
    def has_task_table(self) -> bool:
        """Whether a task-list header was found."""
        return self._scan.task_parser is not None

    @property
    def is_structure(self) -> bool:
        """Whether the file is an 附件1 on its own (working groups, and no task table)."""
        return (
            not _fatal(self._scan)
            and self._scan.task_parser is None
            and bool(self._scan.groups and self._scan.groups.groups)
        )

    @property
    def hints(self) -> YearHints:
        """The title above the task table and the plan year the file itself suggests."""
        parser = self._scan.task_parser
        above = self._scan.task_above if parser is not None else self._scan.groups_above
        return YearHints(
            title=title_of(above),
            title_year=year_in(above),
            period_year=plan_year_from_marks(parser.marks) if parser is not None else None,
        )

    def task_list(self, plan_year: int) -> TaskList:
        """The task list, its periods read in `plan_year` (an 附件1 beside it included)."""
        scan = self._scan
        fatal = _fatal(scan)
        if fatal:
            return TaskList([], fatal, plan_year)
        structure = _structure(scan)
        parser = scan.task_parser
        if parser is None:
            expected = [f.label for f in TASKS.required]
            problem = _no_header(scan, TASKS.kind, expected)
            return TaskList([], [problem], plan_year, None, structure)
        tasks, row_problems = parser.build(plan_year)
        problems = list(scan.problems) + row_problems
        if structure is not None:
            problems += structure.problems  # a broken 附件1 beside the tasks also blocks it
        if not parser.data_rows:
            problems.append(
                P.problem(P.EMPTY, sheet=parser.sheet, row=parser.header.row, reason="no_data")
            )
        title = title_of(scan.task_above)
        return TaskList(tasks, problems, plan_year, parser.sheet, structure, title)

    def structure(self) -> Structure:
        """The headquarters structure (附件1: sheets 工作小组 and, optionally, 指挥部领导)."""
        scan = self._scan
        fatal = _fatal(scan)
        if fatal:
            return Structure(problems=fatal)
        structure = _structure(scan) or Structure()
        structure.problems[:0] = [p for p in scan.problems if p.code == P.TOO_MANY_ROWS]
        if scan.groups is None:
            expected = [f.label for f in GROUPS.required]
            structure.problems.insert(0, _no_header(scan, GROUPS.kind, expected))
        elif not structure.groups and not structure.problems:
            structure.problems.append(
                P.problem(
                    P.EMPTY, sheet=scan.groups.sheet, row=scan.groups.header.row, reason="no_data"
                )
            )
        return structure


def scan_file(data: bytes, filename: str, *, limits: Limits | None = None) -> ScannedFile:
    """Read an upload once (xlsx or csv); date its task table later with `task_list(year)`."""
    return ScannedFile(_scan(data, filename, limits or Limits()))


def parse_task_file(
    data: bytes, filename: str, *, plan_year: int, limits: Limits | None = None
) -> TaskList:
    """Parse an uploaded task list (附件2, .xlsx or .csv); also returns an 附件1 found beside it."""
    return scan_file(data, filename, limits=limits).task_list(plan_year)


def parse_structure_file(data: bytes, filename: str, *, limits: Limits | None = None) -> Structure:
    """Parse the headquarters structure (附件1: sheets 工作小组 and, optionally, 指挥部领导)."""
    return ScannedFile(_scan(data, filename, limits or Limits(), tasks=False)).structure()
