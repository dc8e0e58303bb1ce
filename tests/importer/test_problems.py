"""A file with thousands of problems (defect 15): the message lists the first 20 and counts
the rest; every problem goes into a workbook the bot attaches, written as text only."""

from __future__ import annotations

import io
from html import unescape

import pytest
from openpyxl import load_workbook

from bot.templating import LANGUAGES, Renderer
from models.database import SessionFactory
from services import importer
from services.clock import ManualClock
from services.tasklist import Problem
from services.tasklist.problems import problem
from tests.importer.helpers import ADMIN, DEFAULT_HQ
from tests.tasklist.helpers import csv_text

BAD_ROWS = 3000
MAX_MESSAGE = 4096


def thousands_of_problems() -> bytes:
    rows = [
        [str(n), "组", f"任务{n}", "内容", "13月", "单位", "人"] for n in range(1, BAD_ROWS + 1)
    ]
    return csv_text(rows).encode("utf-8")


async def staged_problems(sessions: SessionFactory, clock: ManualClock) -> importer.StagedUpload:
    async with sessions() as session:
        return await importer.stage_upload(
            session,
            hq_name=None,
            uploaded_by=ADMIN,
            filename="bad-2021.csv",
            data=thousands_of_problems(),
            caption=None,
            default_hq_name=DEFAULT_HQ,
            now=clock.now(),
        )


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_message_lists_the_first_problems_and_counts_the_rest(
    lang: str, sessions: SessionFactory, clock: ManualClock
) -> None:
    staged = await staged_problems(sessions, clock)
    assert staged.kind == importer.StageKind.problems and len(staged.problems) == BAD_ROWS
    assert staged.preview is not None
    renderer = Renderer(lang)
    text = renderer.render(
        "import_preview", preview=staged.preview, filename="bad.csv", pending=False,
        problems_attached=True,
    )  # fmt: skip
    assert len(text) < MAX_MESSAGE  # one message, not dozens
    assert "\n20. " in text and "\n21. " not in text
    assert str(BAD_ROWS - importer.PREVIEW_PROBLEMS) in text
    assert ("所附 Excel" if lang == "zh" else "attached Excel") in text


async def test_the_workbook_lists_every_problem(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    staged = await staged_problems(sessions, clock)
    renderer = Renderer("zh")
    texts = [unescape(renderer.render("import_problem", p=p)) for p in staged.problems]
    name, *header = renderer.render_text("import_problems_sheet").splitlines()
    data = importer.problems_workbook(staged.problems, texts, header=header, sheet_name=name)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert ws.title == "问题清单"
    assert rows[0] == ("序号", "工作表", "行", "列", "问题")
    assert len(rows) == BAD_ROWS + 1
    assert rows[1] == (1, None, 2, "完成时限", "第 2 行 完成时限 '13月' 不是有效月份。")


def test_formula_looking_text_is_written_as_text() -> None:
    evil = '=HYPERLINK("http://example.com","x")'
    problems: list[Problem] = [problem("bad_period", sheet="=1+1", row=3, column="完成时限")]
    data = importer.problems_workbook(
        problems, [evil], header=["a", "b", "c", "d", "e"], sheet_name="p"
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["E2"].value == evil and ws["E2"].data_type == "s"
    assert ws["B2"].value == "=1+1" and ws["B2"].data_type == "s"


def test_one_text_per_problem() -> None:
    with pytest.raises(ValueError):
        importer.problems_workbook([], ["x"], header=["a", "b", "c", "d", "e"], sheet_name="p")
