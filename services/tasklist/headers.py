"""Header rows: the column labels of 附件2 and 附件1, found wherever they are in a sheet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from services.tasklist.normalize import as_text, label_key, squeeze, text_key
from services.tasklist.reader import Row

_PARENTHETICAL = re.compile(r"\([^()]*\)")
_NOTE_MARKERS = (
    "注:",
    "备注",
    "说明:",
    "填表人",
    "填报人",
    "制表人",
    "审核人",
    "联系人",
    "联系电话",
    "合计",
    "小计",
    "总计",
)


@dataclass(frozen=True)
class Field:
    """One expected column: an internal key, its canonical label and accepted variants."""

    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = True

    def matches(self, key: str) -> bool:
        """Whether a reduced label (see `label_key`) names this column."""
        return key in self._keys

    @cached_property
    def _keys(self) -> frozenset[str]:
        return frozenset(label_key(alias) for alias in (self.label, *self.aliases))


@dataclass(frozen=True)
class Schema:
    """The columns of one kind of table."""

    kind: str
    fields: tuple[Field, ...]

    @property
    def required(self) -> tuple[Field, ...]:
        """The columns a header must have."""
        return tuple(f for f in self.fields if f.required)


TASKS = Schema(
    "tasks",
    (
        Field(
            "number", "序号", ("编号", "序", "项目序号", "任务序号", "项目编号", "no", "no."), False
        ),
        Field(
            "group",
            "工作小组名称",
            ("工作小组", "小组", "小组名称", "责任小组", "牵头小组", "工作组", "所属小组"),
            False,
        ),
        Field(
            "name",
            "项目名称",
            ("任务名称", "项目(任务)名称", "项目/任务名称", "项目任务名称", "项目", "任务"),
        ),
        Field(
            "content",
            "具体内容",
            (
                "工作内容",
                "主要内容",
                "建设内容",
                "工作任务",
                "任务内容",
                "具体工作内容",
                "项目内容",
                "主要工作",
                "具体措施",
                "工作措施",
                "内容",
            ),
        ),
        Field(
            "period",
            "完成时限",
            (
                "时间节点",
                "完成时间",
                "时限",
                "时间安排",
                "完成期限",
                "计划完成时间",
                "时间进度",
                "进度安排",
                "时间",
            ),
        ),
        Field("unit", "责任单位", ("牵头单位", "责任部门", "牵头部门", "实施单位", "单位")),
        Field("person", "责任人", ("负责人", "具体责任人", "责任人员")),
    ),
)

GROUPS = Schema(
    "groups",
    (
        Field("group", "工作小组", ("工作小组名称", "小组", "小组名称", "组别", "工作组")),
        Field("leaders", "组长", ("组长姓名", "牵头领导", "召集人")),
        Field("titles", "组长职务", ("职务", "组长单位及职务", "单位职务", "组长单位职务"), False),
        Field("members", "成员单位", ("成员", "参与单位", "组成单位")),
    ),
)

LEADERS = Schema(
    "leaders",
    (
        Field("role", "职务", ("指挥部职务", "职位", "角色", "担任职务")),
        Field("name", "姓名", ("领导姓名", "名字")),
        Field("title", "单位职务", ("单位及职务", "现任职务", "工作单位及职务", "本职"), False),
    ),
)

SCHEMAS = (TASKS, GROUPS, LEADERS)

# Second pass for task-list headers that use none of the known labels ("牵头责任单位",
# "责任人及联系方式", "计划完成时间节点"): a keyword inside the label, tried field by field in
# this order so that e.g. 责任人 is claimed before 单位; labels with an `avoid` word are skipped
# (配合单位 is a cooperating unit, not the responsible one).
FUZZY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "person": (("责任人", "负责人", "联系人"), ()),
    "unit": (("单位", "部门"), ("配合", "协办", "参与", "协助")),
    "period": (("时限", "时间", "期限", "节点"), ()),
    "content": (("内容", "措施", "举措"), ()),
    "name": (("名称", "项目", "任务"), ()),
    "group": (("小组", "专项组", "工作组"), ()),
    "number": (("序号", "编号"), ()),
}


@dataclass
class Header:
    """A found header row: which column holds each field, and its label as written."""

    schema: Schema
    row: int
    columns: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every required column is present."""
        return all(f.key in self.columns for f in self.schema.required)

    @property
    def missing(self) -> list[str]:
        """Canonical labels of the required columns that are absent."""
        return [f.label for f in self.schema.required if f.key not in self.columns]

    def label(self, key: str) -> str:
        """The file's label for a field (or the canonical one when the column is absent)."""
        if key in self.labels:
            return self.labels[key]
        return next(f.label for f in self.schema.fields if f.key == key)

    def cells(self, values: Row) -> dict[str, object]:
        """The row's values by field key."""
        return {
            key: values[index] if index < len(values) else None
            for key, index in self.columns.items()
        }


_FIELD_CACHE: dict[tuple[str, str], Field | None] = {}
_FIELD_CACHE_SIZE = 20_000


def _field_for(schema: Schema, value: object) -> Field | None:
    """The column a header label names (remembered: data rows repeat the same texts)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    cache_key = (schema.kind, value)
    if cache_key in _FIELD_CACHE:
        return _FIELD_CACHE[cache_key]
    if len(_FIELD_CACHE) > _FIELD_CACHE_SIZE:
        _FIELD_CACHE.clear()
    found = _FIELD_CACHE[cache_key] = _match_field(schema, value)
    return found


def _match_field(schema: Schema, value: str) -> Field | None:
    key = label_key(value)
    if not key or len(key) > 30:
        return None
    for candidate in (key, _PARENTHETICAL.sub("", key)):
        for f in schema.fields:
            if f.matches(candidate):
                return f
    return None


def match_header(schema: Schema, number: int, values: Row) -> Header:
    """Read a row as a header of `schema` (possibly incomplete)."""
    header = Header(schema, number)
    for index, value in enumerate(values):
        if value is None or not isinstance(value, str):
            continue
        f = _field_for(schema, value)
        if f is not None and f.key not in header.columns:
            header.columns[f.key] = index
            header.labels[f.key] = squeeze(value)
    if schema is TASKS and len(header.columns) >= 2:
        _match_keywords(header, values)
    return header


def _match_keywords(header: Header, values: Row) -> None:
    """Fill still-missing task columns from keywords inside otherwise unknown labels."""
    taken = set(header.columns.values())
    for key, (keywords, avoid) in FUZZY.items():
        if key in header.columns:
            continue
        for index, value in enumerate(values):
            if index in taken or not isinstance(value, str) or len(value) > 40:
                continue
            label = label_key(value)
            if any(k in label for k in keywords) and not any(a in label for a in avoid):
                header.columns[key] = index
                header.labels[key] = squeeze(value)
                taken.add(index)
                break


def is_repeated_header(schema: Schema, values: Row) -> bool:
    """A row that repeats the header (as at page breaks)."""
    return sum(1 for value in values if isinstance(value, str) and _field_for(schema, value)) >= 3


def is_blank(value: object) -> bool:
    """An empty cell (of a row the reader cleaned)."""
    return value is None or value == ""


def note_text(values: Row, header: Header) -> str | None:
    """The text of a title, heading or footnote row (a lone cell, or 注：…), else None."""
    filled = [(index, value) for index, value in enumerate(values) if not is_blank(value)]
    if not filled:
        return None
    first_index, first = filled[0]
    text = as_text(first)
    if text_key(text).startswith(_NOTE_MARKERS):
        return text
    if len(filled) != 1:
        return None
    mapped = set(header.columns.values())
    if first_index not in mapped:
        return text
    if first_index == min(mapped | {first_index}) and not text.rstrip(".、").isdigit():
        return text
    return None


@dataclass
class Detected:
    """The outcome of looking for a header at the top of a sheet."""

    header: Header | None
    best: dict[str, Header] = field(default_factory=dict)
    rows_seen: int = 0
    above: list[str] = field(default_factory=list)  # texts of the rows above the header


def find_header(rows: Iterator[tuple[int, Row]], scan_rows: int) -> Detected:
    """Consume rows until a complete header of any schema, within the first `scan_rows` rows."""
    detected = Detected(None)
    for number, values in rows:
        detected.rows_seen += 1
        for schema in SCHEMAS:
            header = match_header(schema, number, values)
            if header.complete:
                detected.header = header
                return detected
            best = detected.best.get(schema.kind)
            if len(header.columns) >= 2 and (
                best is None or len(header.columns) > len(best.columns)
            ):
                detected.best[schema.kind] = header
        line = " ".join(as_text(value) for value in values if not is_blank(value))
        if line:
            detected.above.append(line)
        if detected.rows_seen >= scan_rows:
            break
    return detected
