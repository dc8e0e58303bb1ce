"""Writing cells of the workbooks hqbot produces so that no text ever becomes a formula.

A name such as `=HYPERLINK("http://evil", "点击")` typed into the task list must come out of an
export as that text, not as a live formula (CSV/formula injection). Every writer puts its values
through `put_value`: text is stored as a string cell, and text that a spreadsheet would take for
a formula (leading `=`, `+`, `-`, `@`, tab or a line end) also gets Excel's quotePrefix
style, so the cell shows the original text, stays text when edited, and reads back unchanged.
"""

from __future__ import annotations

import re
from typing import Any

# What openpyxl refuses to write (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE): C0 controls but
# tab and line ends.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read `text`, typed into a cell, as a formula."""
    return text.startswith(FORMULA_STARTS)


def clean_text(text: str) -> str:
    """`text` without the control characters an .xlsx file cannot hold; CR becomes LF, as
    reading the file back would make it anyway."""
    return ILLEGAL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def put_value(cell: Any, value: object) -> None:
    """Store `value` in an openpyxl cell; text is always a string cell, never a formula."""
    if not isinstance(value, str):
        cell.value = value
        return
    text = clean_text(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl would turn "=…" into a formula and "#N/A" into an error
    if looks_like_formula(text):
        cell.quotePrefix = True
