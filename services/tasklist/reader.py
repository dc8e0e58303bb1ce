"""Uploaded bytes → sheets of raw rows (1-based row numbers), safely and as a stream."""

from __future__ import annotations

import codecs
import csv
import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from services.tasklist import problems as P
from services.tasklist.normalize import cell_text
from services.tasklist.types import Limits, Problem

Row = tuple[Any, ...]

# openpyxl warns about workbook features it drops (data validation, styles); none matter here.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RATIO_CHECK_BYTES = 1024 * 1024
TEXT_EXTENSIONS = (".csv", ".txt", ".tsv")
_MAGIC_KINDS = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"RIFF", "media"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf", "archive"),
    (b"\x1f\x8b", "archive"),
    (b"{\\rtf", "document"),
)


@dataclass
class Sheet:
    """One sheet's name and its non-blank rows as (row number, values).

    Values are cleaned once, here: text is trimmed (see `cell_text`), empty text is None, and
    trailing empty cells are dropped, so nothing downstream needs to clean a cell again.
    """

    name: str | None
    rows: Iterator[tuple[int, Row]]


@dataclass
class Workbook:
    """An opened upload: sheets to stream, and problems met while opening or reading."""

    problems: list[Problem] = field(default_factory=list)
    _sheets: Iterator[Sheet] = field(default_factory=lambda: iter(()))
    _close: Any = None

    def sheets(self) -> Iterator[Sheet]:
        """The sheets in file order (stops early once a limit was hit)."""
        for sheet in self._sheets:
            if self.stopped:
                return
            yield sheet

    @property
    def stopped(self) -> bool:
        """True once a problem ended reading."""
        return bool(self.problems)

    def close(self) -> None:
        """Release the underlying archive."""
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_workbook(data: bytes, filename: str, limits: Limits) -> Workbook:
    """Sniff the bytes and open them as xlsx or CSV; problems explain a refusal."""
    if len(data) > limits.max_file_bytes:
        return _refused(P.TOO_LARGE, size=len(data), limit=limits.max_file_bytes)
    if not data.strip():
        return _refused(P.EMPTY, reason="no_rows")
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _open_xlsx(data, limits)
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return _refused(P.ENCRYPTED)
        return _refused(P.SAVE_AS_XLSX, format="xls")
    for magic, kind in _MAGIC_KINDS:
        if data.startswith(magic):
            return _refused(P.NOT_A_SPREADSHEET, kind=kind)
    return _open_csv(data, filename, limits)


def _refused(code: str, **params: Any) -> Workbook:
    return Workbook(problems=[P.problem(code, **params)])


def _zip_problem(archive: zipfile.ZipFile, limits: Limits) -> Problem | None:
    infos = archive.infolist()
    if len(infos) > limits.max_zip_entries:
        return P.problem(P.ZIP_BOMB, reason="entries", limit=limits.max_zip_entries)
    if sum(info.file_size for info in infos) > limits.max_uncompressed_bytes:
        return P.problem(P.ZIP_BOMB, reason="size", limit=limits.max_uncompressed_bytes)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_BYTES and ratio > limits.max_compression_ratio:
            return P.problem(P.ZIP_BOMB, reason="ratio", limit=limits.max_compression_ratio)
    names = set(archive.namelist())
    if "[Content_Types].xml" in names and any(n.endswith("/workbook.xml") for n in names):
        return None
    if any(n.endswith("/workbook.bin") for n in names):
        return P.problem(P.SAVE_AS_XLSX, format="xlsb")
    if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
        if b"spreadsheet" in archive.read("mimetype"):
            return P.problem(P.SAVE_AS_XLSX, format="ods")
        return P.problem(P.NOT_A_SPREADSHEET, kind="document")
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        return P.problem(P.NOT_A_SPREADSHEET, kind="document")
    return P.problem(P.NOT_A_SPREADSHEET, kind="archive")


def _open_xlsx(data: bytes, limits: Limits) -> Workbook:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found = _zip_problem(archive, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return _refused(P.CORRUPT)
    if found is not None:
        return Workbook(problems=[found])
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on malformed parts
        return _refused(P.CORRUPT)
    workbook = Workbook(_close=book.close)
    counter = _RowBudget(workbook, limits)

    def sheets() -> Iterator[Sheet]:
        for ws in book.worksheets:
            ws.reset_dimensions()
            raw = ws.iter_rows(min_row=1, max_col=limits.max_columns, values_only=True)
            yield Sheet(ws.title, counter.rows(ws.title, enumerate(raw, start=1)))

    workbook._sheets = sheets()
    return workbook


def _decode(data: bytes) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best = {sep: max((line.count(sep) for line in lines), default=0) for sep in ",\t;"}
    for sep in "\t;":
        if best[sep] >= 2 and best[sep] > best[","]:
            return sep
    return ","


def _open_csv(data: bytes, filename: str, limits: Limits) -> Workbook:
    text = _decode(data)
    textual = filename.lower().endswith(TEXT_EXTENSIONS)
    if text is None:
        return _refused(P.ENCODING if textual else P.NOT_A_SPREADSHEET, kind="binary")
    if "\x00" in text:
        return _refused(P.NOT_A_SPREADSHEET, kind="binary")
    if text.lstrip().lower().startswith(("<html", "<table", "<!doctype", "<?xml")):
        return _refused(P.SAVE_AS_XLSX, format="html")
    workbook = Workbook()
    counter = _RowBudget(workbook, limits)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def records() -> Iterator[tuple[int, Row]]:
        number = 0
        try:
            for number, record in enumerate(reader, start=1):  # noqa: B007
                yield number, tuple(value or None for value in record[: limits.max_columns])
        except csv.Error:
            workbook.problems.append(P.problem(P.CORRUPT, row=number + 1))

    workbook._sheets = iter([Sheet(None, counter.rows(None, records()))])
    return workbook


class _RowBudget:
    """Counts non-blank rows over the whole file and stops reading past the limit."""

    def __init__(self, workbook: Workbook, limits: Limits) -> None:
        self.workbook = workbook
        self.limits = limits
        self.count = 0
        self.width = 0  # the widest row so far

    def rows(self, sheet: str | None, raw: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
        """Non-blank, cleaned rows, ending at the row limit or a long blank run."""
        blank_run = 0
        try:
            for number, values in raw:
                if self.workbook.stopped:
                    return
                clean = self._clean(values)
                if not clean:
                    blank_run += 1
                    if blank_run > self.limits.max_blank_run:
                        return
                    continue
                blank_run = 0
                self.count += 1
                if self.count > self.limits.max_rows:
                    self.workbook.problems.append(
                        P.problem(
                            P.TOO_MANY_ROWS, sheet=sheet, row=number, limit=self.limits.max_rows
                        )
                    )
                    return
                yield number, clean
        except Exception:  # a malformed sheet part surfaces only while streaming
            self.workbook.problems.append(P.problem(P.CORRUPT, sheet=sheet))

    def _clean(self, values: Row) -> Row:
        """Cells cut to the length limit and cleaned; empty text as None; no trailing blanks."""
        cut = self.limits.max_cell_chars + 1
        width, count = self.width, len(values)
        if width < count and values[width:] == (None,) * (count - width):
            values = values[:width]  # rows come padded to the column limit: skip the padding
        out: list[Any] = []
        for value in values:
            if isinstance(value, str):
                value = cell_text(value[:cut]) or None
            out.append(value)
        while out and out[-1] is None:
            out.pop()
        self.width = max(self.width, len(out))
        return tuple(out)
