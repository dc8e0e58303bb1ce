"""The office's task list (附件2) and headquarters structure (附件1): parse, validate, export."""

from services.tasklist.load import ScannedFile, parse_structure_file, parse_task_file, scan_file
from services.tasklist.metrics import extract_metric, extract_total_investment
from services.tasklist.normalize import (
    normalize_content,
    normalize_name,
    normalize_title,
    normalize_unit,
    split_cell,
    text_key,
)
from services.tasklist.parse import pair_assignments, parse_number
from services.tasklist.periods import (
    PeriodError,
    PeriodSpec,
    format_month,
    format_period,
    parse_period,
    parse_period_spec,
)
from services.tasklist.problems import ALL_CODES, FILE_CODES, ROW_CODES
from services.tasklist.title import hq_name_from_title
from services.tasklist.types import (
    Assignment,
    Leader,
    Limits,
    Metric,
    Problem,
    Stage,
    Structure,
    Task,
    TaskList,
    WorkingGroup,
    YearHints,
    YearMonth,
)
from services.tasklist.writer import write_task_file

__all__ = [
    "ALL_CODES",
    "FILE_CODES",
    "ROW_CODES",
    "Assignment",
    "Leader",
    "Limits",
    "Metric",
    "PeriodError",
    "PeriodSpec",
    "Problem",
    "ScannedFile",
    "Stage",
    "Structure",
    "Task",
    "TaskList",
    "WorkingGroup",
    "YearHints",
    "YearMonth",
    "extract_metric",
    "extract_total_investment",
    "format_month",
    "format_period",
    "hq_name_from_title",
    "normalize_content",
    "normalize_name",
    "normalize_title",
    "normalize_unit",
    "pair_assignments",
    "parse_number",
    "parse_period",
    "parse_period_spec",
    "parse_structure_file",
    "parse_task_file",
    "scan_file",
    "split_cell",
    "text_key",
    "write_task_file",
]
