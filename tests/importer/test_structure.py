"""An 附件1 on its own gets its own preview (defect 11): groups new or changed, leaders with
their titles, the HQ leaders, and the persons it will really create."""

from __future__ import annotations

import pytest

from bot.templating import LANGUAGES, Renderer
from models import Person
from models.database import SessionFactory
from services import importer
from services.clock import ManualClock
from services.importer import GroupStatus
from tests.importer.helpers import HQ, count
from tests.tasklist.helpers import SAMPLE, STRUCTURE


async def preview(sessions: SessionFactory, path_bytes: bytes, name: str) -> importer.ImportPreview:
    parsed = importer.parse_upload(path_bytes, name, 2021)
    async with sessions() as session:
        return await importer.preview_upload(session, HQ, parsed)


async def apply(sessions: SessionFactory, clock: ManualClock, data: bytes, name: str) -> None:
    parsed = importer.parse_upload(data, name, 2021)
    async with sessions() as session:
        assert (await importer.apply_upload(session, HQ, parsed, now=clock.now())).applied


async def test_structure_first_names_its_leaders_and_counts_who_it_creates(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    shown = await preview(sessions, STRUCTURE.read_bytes(), STRUCTURE.name)
    assert shown.is_structure and shown.structure is not None
    s = shown.structure
    assert [g.status for g in s.groups] == [GroupStatus.new] * 5
    assert s.groups[1].leaders == [("陈旭", "区发改局局长")]
    assert [ld.name for ld in s.leaders][:2] == ["黄瑞忠", "林武星"] and s.leaders_changed
    assert len(s.new_persons) == 8 and len(shown.new_persons) == 8
    text = Renderer("zh").render(
        "structure_preview", preview=shown, filename="hq.xlsx", pending=True
    )
    assert "指挥部架构导入预览" in text and "任务清单导入预览" not in text
    assert "海丝引领专项组：组长 陈旭（区发改局局长）" in text
    assert "指挥长：黄瑞忠（区委常委、区政府党组成员）" in text
    assert "将新建人员 8 位" in text

    await apply(sessions, clock, STRUCTURE.read_bytes(), STRUCTURE.name)
    assert await count(sessions, Person) == 8  # as the preview said


async def test_after_the_task_list_only_the_unknown_leaders_are_new(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await apply(sessions, clock, SAMPLE.read_bytes(), SAMPLE.name)
    shown = await preview(sessions, STRUCTURE.read_bytes(), STRUCTURE.name)
    assert shown.structure is not None
    assert sorted(shown.structure.new_persons) == sorted(["陈旭", "于梦镌", "黄瑞忠", "林礼兴"])
    statuses = {g.name: g.status for g in shown.structure.groups}
    assert statuses["综合协调组"] == GroupStatus.new
    assert statuses["海丝引领专项组"] == GroupStatus.changed  # gets its leader and members
    await apply(sessions, clock, STRUCTURE.read_bytes(), STRUCTURE.name)
    assert await count(sessions, Person) == 16 + 4
    again = await preview(sessions, STRUCTURE.read_bytes(), STRUCTURE.name)
    assert again.is_noop
    assert {g.status for g in again.structure.groups} == {GroupStatus.same}  # type: ignore[union-attr]


async def test_a_changed_member_unit_alone_is_applied(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await apply(sessions, clock, STRUCTURE.read_bytes(), STRUCTURE.name)

    def edit(ws) -> None:  # type: ignore[no-untyped-def]
        ws["D5"].value = ws["D5"].value + "、区统计局"  # 海丝引领专项组 gains a member unit

    changed = edited_sample_of(STRUCTURE.read_bytes(), edit)
    shown = await preview(sessions, changed, "hq.xlsx")
    assert not shown.is_noop and shown.structure is not None
    assert [g.name for g in shown.structure.changed_groups] == ["海丝引领专项组"]


def edited_sample_of(data: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    edit(book["工作小组"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_structure_preview_renders_in_both_languages(
    lang: str, sessions: SessionFactory
) -> None:
    shown = await preview(sessions, STRUCTURE.read_bytes(), STRUCTURE.name)
    text = Renderer(lang).render("structure_preview", preview=shown, filename="<b>", pending=True)
    assert "&lt;b&gt;" in text and "陈旭" in text


async def test_the_task_list_preview_shows_an_attachment_1_as_a_structure(
    sessions: SessionFactory,
) -> None:
    shown = await preview(sessions, STRUCTURE.read_bytes(), STRUCTURE.name)
    text = Renderer("zh").render("import_preview", preview=shown, filename="hq.xlsx", pending=True)
    assert "指挥部架构导入预览" in text and "0 项任务" not in text
