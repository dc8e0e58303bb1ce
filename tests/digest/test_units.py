"""Unit names in digests: the automatic 区 rule, the admin's aliases, and the digest using them."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import col, select

from models.people import Person, Unit
from models.tasks import Assignment, Stage, Task
from services.clock import ManualClock
from services.digest.data import build_digest
from services.digest.model import Digest, Why
from services.digest.units import (
    AliasKind,
    RemoveKind,
    UnitNames,
    add_alias,
    list_aliases,
    remove_alias,
    rule_names,
    unit_names,
)
from tests.digest.scripted import Scripted

EAST = "区东街口商圈管委会"  # 附件2's spelling (the task list)
EAST_SHORT = "东街口商圈管委会"  # 附件1's spelling
FOREIGN, FOREIGN_TASKS = "区政府办（外事办）", "区外事办"
ADMIN = 4242


def test_the_district_rule_prefers_the_task_lists_spelling_then_the_longer() -> None:
    assert rule_names([(EAST, True), (EAST_SHORT, False)]) == {EAST_SHORT: EAST}
    assert rule_names([("区人才办", False), ("人才办", True)]) == {"人才办": "人才办"}
    assert rule_names([("商务局", True), ("区商务局", True)]) == {"商务局": "区商务局"}
    assert rule_names([("区商务局", False), ("商务局", False)]) == {"商务局": "区商务局"}
    names = UnitNames(by_key=rule_names([(EAST, True), ("鼓东街道", True), ("区", True)]))
    assert names.canonical(EAST_SHORT) == EAST and names(EAST) == EAST
    assert names.canonical("鼓东街道") == "鼓东街道" and names.canonical("区") == "区"
    assert names.canonical("不相干的单位") == "不相干的单位"


async def test_both_spellings_of_a_unit_are_one_without_any_alias(scripted: Scripted) -> None:
    async with scripted.sessions() as session:
        # the liaison's unit is 附件1's spelling: a second Unit row, without assignments
        assert (await session.exec(select(Unit).where(Unit.name == EAST_SHORT))).one()
        names = await unit_names(session)
    assert names.canonical(EAST_SHORT) == EAST
    assert names.canonical(EAST) == EAST


async def _november(scripted: Scripted) -> Digest:
    async with scripted.sessions() as session:
        digest = await build_digest(session, hq_id=scripted.script.hq_id, ym=202111,
                                    tolerance=Decimal(5))  # fmt: skip
    assert digest is not None
    return digest


async def test_a_unit_spelled_both_ways_in_the_task_list_is_named_once(
    scripted: Scripted, clock: ManualClock
) -> None:
    """王晓燕 of 东街口商圈管委会 is also made responsible for task 13: one unit in the digest."""
    async with scripted.sessions() as session:
        liaison = (await session.exec(select(Person).where(Person.name == "王晓燕"))).one()
        query = select(Stage).join(Task, col(Task.id) == Stage.task_id).where(Task.number == 13)
        stage = (await session.exec(query)).one()
        assert stage.id is not None and liaison.id is not None and liaison.unit_id is not None
        session.add(Assignment(stage_id=stage.id, unit_id=liaison.unit_id, person_id=liaison.id,
                               position=2))  # fmt: skip
        await session.commit()
    nov = await _november(scripted)
    added = next(i for i in nov.items if i.person == "王晓燕")
    assert (added.number, added.unit) == (13, EAST)
    assert all(i.unit != EAST_SHORT for i in nov.items)
    east = [n for n in nov.notice_units if EAST_SHORT in n.name]
    assert [(n.name, n.missing, n.lagging, n.due) for n in east] == [(EAST, 1, 1, 2)]
    assert [(o.number, o.person, o.why) for o in east[0].owed] == [
        (13, "王晓燕", Why.missing), (15, "林叶成", Why.blocked)]  # fmt: skip
    assert [m.unit for m in nov.submission.missing if m.person == "王晓燕"] == [EAST]


async def test_the_admins_alias_names_the_unit_everywhere_until_removed(
    scripted: Scripted,
) -> None:
    nov = await _november(scripted)
    assert {i.unit for i in nov.items if i.person == "林武星"} == {FOREIGN}
    assert {o.unit for o in nov.overdue if o.person == "林武星"} == {FOREIGN}
    async with scripted.sessions() as session:
        assert await remove_alias(session, alias=FOREIGN_TASKS) is RemoveKind.removed
        assert await remove_alias(session, alias=FOREIGN_TASKS) is RemoveKind.unknown
    nov = await _november(scripted)
    assert {i.unit for i in nov.items if i.person == "林武星"} == {FOREIGN_TASKS}
    assert {o.unit for o in nov.overdue if o.person == "林武星"} == {FOREIGN_TASKS}


async def test_alias_outcomes(scripted: Scripted, clock: ManualClock) -> None:
    now = clock.now()
    async with scripted.sessions() as session:

        async def add(alias: str, canonical: str) -> tuple[AliasKind, str, str | None, int]:
            got = await add_alias(session, alias=alias, canonical=canonical, by=ADMIN, now=now)
            return got.kind, got.canonical, got.previous, got.moved

        assert [(a.alias, a.canonical) for a in await list_aliases(session)] == [
            (FOREIGN_TASKS, FOREIGN)]  # fmt: skip
        assert await add(FOREIGN_TASKS, FOREIGN) == (AliasKind.unchanged, FOREIGN, FOREIGN, 0)
        # the canonical is itself an alias: its own canonical is stored instead
        assert await add("外办", FOREIGN_TASKS) == (AliasKind.chain, FOREIGN, None, 0)
        assert await add(FOREIGN, FOREIGN_TASKS) == (AliasKind.same_name, FOREIGN, None, 0)
        assert await add("区商务局", " 区商务局 ") == (AliasKind.same_name, "区商务局", None, 0)
        assert (await add("某局", "不存在的单位"))[0] is AliasKind.unknown_unit
        assert (await add("某" * 101, "区商务局"))[0] is AliasKind.too_long
        assert (await add(" ", "区商务局"))[0] is AliasKind.empty
        # 附件1 says 区委组织部（人才办）, the task list 区委组织部（人才科）
        assert await add("人才办", "区委组织部（人才科）") == (
            AliasKind.added, "区委组织部（人才科）", None, 0)  # fmt: skip
        # aliasing a name other aliases point at moves them along (no chains)
        assert await add("区委组织部（人才科）", "区委组织部（人才办）") == (
            AliasKind.added, "区委组织部（人才办）", None, 1)  # fmt: skip
        assert await add("外办", "区商务局") == (AliasKind.replaced, "区商务局", FOREIGN, 0)
        aliases = await list_aliases(session)
        names = await unit_names(session)
    assert [(a.alias, a.canonical) for a in aliases] == [
        ("外办", "区商务局"),
        ("人才办", "区委组织部（人才办）"),
        ("区委组织部（人才科）", "区委组织部（人才办）"),
        (FOREIGN_TASKS, FOREIGN),
    ]
    assert {a.added_by for a in aliases if a.alias != FOREIGN_TASKS} == {ADMIN}
    assert (
        names.canonical("人才办")
        == names.canonical("区委组织部（人才科）")
        == "区委组织部（人才办）"
    )
    assert names.canonical("外事办") == FOREIGN  # the 区 rule finds 区外事办, then its alias
