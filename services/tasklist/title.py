"""The title above a table ("构建对外开放新高地实施项目（任务）清单") and what it tells:
the headquarters' name and the plan year."""

from __future__ import annotations

import re

from services.tasklist.normalize import is_cjk, normalize_unit

YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
MAX_HQ_NAME = 200
HQ_WORD = "指挥部"
HQ_SUFFIX = "项目指挥部"

# Lines above a header that are not its title: "附件2", "附表 1", who filled it in and when.
_LABEL = re.compile(r"^(?:附件|附表|表)\s*[0-9一二三四五六七八九十]*\s*[:：]?$")
_NOT_TITLE = ("填报单位", "填表单位", "报送单位", "填报日期", "填表日期", "日期", "单位:", "单位：")
_ATTACHMENT_PREFIX = re.compile(r"^(?:附件|附表)\s*[0-9一二三四五六七八九十]*\s*[:：]?\s*")
_YEAR_PREFIX = re.compile(r"^(?:20\d\d)\s*年(?:度)?\s*")
_YEAR_NOTE = re.compile(r"[（(]\s*20\d\d\s*年?(?:度)?\s*[)）]\s*$")
# What a task-list title ends with, after the programme's own name: "实施项目（任务）清单",
# "重点项目清单", "工作任务清单", "任务台账" …
_LIST_TAIL = re.compile(
    r"(?:重点)?(?:实施)?(?:工作)?(?:项目)?(?:[（(](?:任务|项目)[)）])?(?:工作)?(?:任务)?"
    r"(?:清单|台账|一览表|计划表|安排表|分解表|责任表)$"
)
_STRUCTURE_TAIL = re.compile(r"(?:架构|组织架构|成员名单|名单|组成人员|人员名单)$")


def title_of(lines: list[str]) -> str | None:
    """The title among the lines above a header: the first that is not a label or a note."""
    for line in lines:
        text = line.strip()
        if not text or _LABEL.match(text) or text.startswith(_NOT_TITLE):
            continue
        if sum(1 for char in text if is_cjk(char) or char.isalpha()) < 2:
            continue
        return text
    return None


def year_in(lines: list[str]) -> int | None:
    """The first 20xx year written in some lines (e.g. "2021年度…清单"), else None."""
    for line in lines:
        match = YEAR.search(line)
        if match:
            return int(match.group(1))
    return None


def hq_name_from_title(title: str | None) -> str | None:
    """The headquarters' name a table's title implies, or None when it implies none.

    "构建对外开放新高地项目指挥部架构" → "构建对外开放新高地项目指挥部";
    "构建对外开放新高地实施项目（任务）清单" → "构建对外开放新高地项目指挥部".
    """
    if not title:
        return None
    text = normalize_unit(title).replace("\n", "")
    text = _ATTACHMENT_PREFIX.sub("", text)
    text = _YEAR_PREFIX.sub("", text)
    text = _YEAR_NOTE.sub("", text)
    if HQ_WORD in text:
        name = text[: text.index(HQ_WORD) + len(HQ_WORD)]
        core = name[: -len(HQ_WORD)].removesuffix("项目")
    else:
        core = _LIST_TAIL.sub("", text) if _LIST_TAIL.search(text) else ""
        if not core:
            core = _STRUCTURE_TAIL.sub("", text) if _STRUCTURE_TAIL.search(text) else ""
        core = core.removesuffix("项目")
        name = core + HQ_SUFFIX
    if sum(1 for char in core if is_cjk(char) or char.isalpha()) < 2:
        return None
    if len(name) > MAX_HQ_NAME:
        return None
    return name
