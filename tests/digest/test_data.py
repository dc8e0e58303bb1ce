"""The digest computed from the database, on the scripted quarter (tests/digest/scripted.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from models.reporting import Cycle, ReportStatus
from services.clock import ManualClock
from services.digest.data import build_digest, build_quarter, quarter_months, trend_of
from services.digest.model import Digest, ItemLine, Light, Trend, Why
from services.digest.progress import points
from services.digest.rows import due_items
from services.digest.stalled import same
from services.due import due_in
from services.reporting.cycles import open_cycle
from tests.digest.scripted import Scripted

D = Decimal
TOLERANCE = D(5)
G1, G2, G3, G4 = "海丝引领专项组", "第一家园建设工作组", "国际贸易和国际投资组", "国际交流工作组"
FOREIGN = "区政府办（外事办）"  # 区外事办, by the admin's alias


async def _digest(scripted: Scripted, ym: int) -> Digest:
    async with scripted.sessions() as session:
        digest = await build_digest(session, hq_id=scripted.script.hq_id, ym=ym,
                                    tolerance=TOLERANCE)  # fmt: skip
    assert digest is not None
    return digest


def _item(digest: Digest, number: int, person: str) -> ItemLine:
    return next(i for i in digest.items if (i.number, i.person) == (number, person))


async def test_november_submission_counts_and_names_who_has_not_reported(
    scripted: Scripted,
) -> None:
    nov = await _digest(scripted, 202111)
    assert (nov.ym, nov.plan_year, nov.closed, nov.due_on) == (
        202111,
        2021,
        True,
        date(2021, 11, 25),
    )
    assert nov.hq_name == "构建对外开放新高地项目指挥部"
    sub = nov.submission
    assert (sub.due, sub.reported, sub.on_time, sub.late) == (37, 32, 30, 2)
    assert (sub.persons_due, sub.persons_reported) == (16, 12)
    assert points(sub.rate) == D("86.5")
    assert [(m.person, m.unit, m.group, m.numbers) for m in sub.missing] == [
        ("黄勉", "东街街道", G1, [4, 5]),
        ("叶艺芳", "区文体旅局", G2, [11]),
        ("林秀", "区人社局", G2, [17]),
        ("高勇坤", "区商务局", G3, [25]),
    ]
    assert sub.missing[0].task_names[0] == "福建省海丝纾困股权投资基金"
    assert sub.missing[0].task_names[1].startswith("福建省盐业发展股权投资合伙企业")
    assert {i.number for i in nov.items if i.late} == {3, 15}
    assert _item(nov, 15, "苏林").late and not _item(nov, 15, "林叶成").late


async def test_november_lights_item_by_item(scripted: Scripted) -> None:
    nov = await _digest(scripted, 202111)
    assert [i.number for i in nov.items] == sorted(i.number for i in nov.items)
    not_green = [(i.number, i.person, i.light, i.why) for i in nov.items if i.light != Light.green]
    assert not_green == [
        (1, "张玉珍", Light.yellow, Why.below_schedule),
        (4, "黄勉", Light.white, Why.missing),
        (5, "黄勉", Light.white, Why.missing),
        (6, "朱向东", Light.yellow, Why.below_schedule),
        (8, "吴振国", Light.red, Why.blocked),
        (11, "叶艺芳", Light.white, Why.missing),
        (14, "郑榕", Light.yellow, Why.behind),
        (14, "孙功惠", Light.yellow, Why.not_started),
        (15, "林叶成", Light.red, Why.blocked),
        (17, "林秀", Light.white, Why.missing),
        (18, "高勇坤", Light.yellow, Why.below_schedule),
        (25, "高勇坤", Light.white, Why.missing),
    ]
    lights = nov.lights
    assert (lights.green, lights.yellow, lights.red, lights.white) == (25, 5, 2, 5)
    assert lights.statuses == {ReportStatus.done: 2, ReportStatus.on_track: 26,
                               ReportStatus.behind: 1, ReportStatus.blocked: 2,
                               ReportStatus.not_started: 1}  # fmt: skip
    assert _item(nov, 9, "张林").why is Why.done
    # the newest revision counts: 朱嘉希 first said 进度滞后, then 按计划推进 without a problem
    revised = _item(nov, 13, "朱嘉希")
    assert (revised.status, revised.light, revised.problems) == (ReportStatus.on_track,
                                                                 Light.green, None)  # fmt: skip


async def test_items_carry_who_typed_it_when_and_how(scripted: Scripted) -> None:
    nov = await _digest(scripted, 202111)
    blocked = _item(nov, 15, "林叶成")
    assert (blocked.unit, blocked.filler) == ("区东街口商圈管委会", "王晓燕")
    assert all(i.filler is None for i in nov.items if i is not blocked)
    assert {i.via for i in nov.items if i.person == "高勇坤" and i.reported} == {"book"}
    assert _item(nov, 1, "张玉珍").via == "chat"
    zhang = _item(nov, 1, "张玉珍")
    assert zhang.submitted_at is not None and zhang.submitted_at.date() == date(2021, 11, 22)
    missing = _item(nov, 4, "黄勉")
    assert (missing.reported, missing.status, missing.submitted_at, missing.metric) == (
        False, None, None, None)  # fmt: skip
    assert _item(nov, 29, "林武星").unit == FOREIGN
    assert _item(nov, 29, "林武星").time_share == D("0.5000")  # 2021-06 … 2022-05 stage
    assert _item(nov, 14, "孙功惠").time_share == D("0.8000")  # 8-12 月


async def test_november_metrics_against_schedule(scripted: Scripted) -> None:
    nov = await _digest(scripted, 202111)
    first = _item(nov, 1, "张玉珍").metric
    assert first is not None
    assert (first.name, first.unit, first.cumulative, first.first_ym, first.ym) == (
        "年度投资", "万元", True, 202101, 202111)  # fmt: skip
    std = first.standing
    assert (std.value, std.target, points(std.share or D(0)), std.gap, std.behind) == (
        D(3200), D(3900), D("82.1"), D("9.6"), True)  # fmt: skip
    rate = _item(nov, 18, "高勇坤").metric
    assert rate is not None and not rate.cumulative
    assert (rate.standing.expected, rate.standing.gap) == (D(1), D("15.0"))
    assert _item(nov, 9, "张林").metric.standing.value == D("521.35")  # type: ignore[union-attr]
    assert [i.number for i in nov.behind_metrics] == [1, 6, 8, 18]
    assert [(m.name, m.unit, m.tasks, m.reported) for m in nov.metrics] == [
        ("年度投资", "万元", 9, 7)
    ]
    total = nov.metrics[0].standing
    assert (total.value, total.target, total.share) == (D("14161.35"), D("33004.35"), D("0.4291"))
    assert total.behind
    assert nov.group(G1).metrics == nov.metrics  # type: ignore[union-attr]
    assert all(not g.metrics for g in nov.groups if g.name != G1)


async def test_groups_in_task_list_order_with_leaders_scores_and_ranks(scripted: Scripted) -> None:
    nov = await _digest(scripted, 202111)
    assert [(g.name, g.leaders, g.score, g.rank) for g in nov.groups] == [
        (G1, ["陈旭"], D("0.4444"), 4),
        (G2, ["郑榕", "林叶成"], D("0.7059"), 3),
        (G3, ["高勇坤"], D("0.8000"), 2),
        (G4, ["林武星", "于梦镌"], D(1), 1),
    ]
    g2 = nov.group(G2)
    assert g2 is not None
    assert (g2.submission.due, g2.submission.reported, g2.lights.green, g2.lights.yellow,
            g2.lights.red, g2.lights.white) == (17, 15, 12, 2, 1, 2)  # fmt: skip
    assert [m.person for m in g2.submission.missing] == ["叶艺芳", "林秀"]
    assert nov.group("综合协调组") is None  # nothing due there


async def test_problems_goals_and_notices(scripted: Scripted) -> None:
    nov = await _digest(scripted, 202111)
    assert [(p.number, p.person, p.unit, p.status) for p in nov.problems] == [
        (2, "张玉珍", "鼓东街道", ReportStatus.on_track),
        (8, "吴振国", "洪山镇", ReportStatus.blocked),
        (14, "郑榕", "区委台港澳办", ReportStatus.behind),
        (14, "孙功惠", "区总工会", ReportStatus.not_started),
        (15, "林叶成", "区东街口商圈管委会", ReportStatus.blocked),
    ]
    assert nov.problems[1].text == "卫星频段使用许可尚未获批，需指挥部协调省通信管理局"
    assert [(g.group, len(g.lines)) for g in nov.goals] == [(G1, 7), (G2, 15), (G3, 9), (G4, 1)]
    assert nov.goals[0].lines[0].text == "12月完成平台上线试运行"
    groups = [
        (n.rank, n.name, n.missing, n.lagging, n.due, n.needs_plan) for n in nov.notice_groups
    ]
    assert groups == [(1, G1, 2, 3, 9, True), (1, G2, 2, 3, 17, True), (3, G3, 1, 1, 10, True)]
    assert [(o.number, o.why) for o in nov.notice_groups[2].owed] == [
        (18, Why.below_schedule), (25, Why.missing)]  # fmt: skip
    units = [(n.rank, n.name, n.missing, n.lagging, n.needs_plan) for n in nov.notice_units]
    assert units == [
        (1, "东街街道", 2, 0, False),
        (2, "区商务局", 1, 1, True),
        (3, "区人社局", 1, 0, False),
        (3, "区文体旅局", 1, 0, False),
        (5, "区东街口商圈管委会", 0, 1, True),
        (5, "区委台港澳办", 0, 1, True),
        (5, "区总工会", 0, 1, True),
        (5, "洪山镇", 0, 1, True),
        (5, "软件园", 0, 1, True),
        (5, "鼓东街道", 0, 1, True),
    ]


async def test_overdue_stages_and_stalled_tasks(scripted: Scripted) -> None:
    nov = await _digest(scripted, 202111)
    overdue = [(o.number, o.period_text, o.unit, o.person, o.last_status, o.last_ym, o.months_over)
               for o in nov.overdue]  # fmt: skip
    assert overdue == [
        (28, "1-9 月", FOREIGN, "林武星", ReportStatus.on_track, 202109, 2),
        (28, "10 月", FOREIGN, "林武星", ReportStatus.on_track, 202110, 1),
        (28, "10 月", "区文体旅局", "叶艺芳", None, None, 1),
    ]
    # task 16's 8 月 stage and task 12's stages ended before any cycle: unknown, not overdue
    assert {o.number for o in nov.overdue} == {28}
    stalled = [(s.number, s.person, s.unit, s.months, s.since_ym) for s in nov.stalled]
    assert stalled == [(6, "朱向东", "软件园", 2, 202109), (20, "高勇坤", "区商务局", 2, 202109)]
    assert nov.stalled[0].progress == "中东头条平台完成阿拉伯语版本测试，正在对接当地运营商"
    assert nov.stalled[1].progress == "组织企业参加外商投资法专题培训； 持续跟踪在谈外资项目"

    oct_ = await _digest(scripted, 202110)
    assert oct_.stalled == []  # only two months of the same text so far
    past_end = [(i.number, i.person, i.why) for i in oct_.items if i.light is Light.red]
    assert past_end == [(28, "林武星", Why.past_end)]
    assert [(o.period_text, o.person, o.months_over) for o in oct_.overdue] == [
        ("1-9 月", "林武星", 1), ("10 月", "林武星", 0), ("10 月", "叶艺芳", 0)]  # fmt: skip


async def test_the_digest_is_a_function_of_the_database(
    scripted: Scripted, clock: ManualClock
) -> None:
    first = await _digest(scripted, 202111)
    assert await _digest(scripted, 202111) == first
    async with scripted.sessions() as session:
        assert (
            await build_digest(session, hq_id=scripted.script.hq_id, ym=202112, tolerance=TOLERANCE)
            is None
        )
        assert (
            await build_digest(session, hq_id=scripted.script.hq_id, ym=202108, tolerance=TOLERANCE)
            is None
        )
        assert await build_digest(session, hq_id=999, ym=202111, tolerance=TOLERANCE) is None
        await open_cycle(session, hq_id=scripted.script.hq_id, ym=202112, now=clock.now(), by=None,
                         due_on=date(2021, 12, 24))  # fmt: skip
    december = await _digest(scripted, 202112)
    assert not december.closed
    assert (december.submission.due, december.submission.reported) == (37, 0)
    assert december.lights.white == 37 and december.stalled == [] and december.problems == []
    assert await _digest(scripted, 202111) == first  # closed months stay as they were


async def test_an_open_month_is_an_interim_digest(scripted: Scripted, clock: ManualClock) -> None:
    async with scripted.sessions() as session:
        await open_cycle(session, hq_id=scripted.script.hq_id, ym=202111, now=clock.now(), by=None,
                         due_on=date(2021, 11, 25))  # fmt: skip
        cycle = (await session.exec(select(Cycle).where(Cycle.ym == 202111))).one()
        assert cycle.status == "open"
    nov = await _digest(scripted, 202111)
    assert not nov.closed and nov.submission.reported == 32


async def test_due_items_are_the_items_due_in_says(scripted: Scripted) -> None:
    async with scripted.sessions() as session:
        for ym in scripted.script.months:
            ours = [
                (d.stage_id, d.person_id)
                for d in await due_items(session, scripted.script.hq_id, ym)
            ]
            theirs = [
                (d.stage_id, d.person_id) for d in await due_in(session, scripted.script.hq_id, ym)
            ]
            assert ours == list(dict.fromkeys(theirs))


async def test_the_quarter_side_by_side_with_trends(scripted: Scripted) -> None:
    async with scripted.sessions() as session:
        q4 = await build_quarter(session, hq_id=scripted.script.hq_id, year=2021, quarter=4,
                                 tolerance=TOLERANCE)  # fmt: skip
        q3 = await build_quarter(session, hq_id=scripted.script.hq_id, year=2021, quarter=3,
                                 tolerance=TOLERANCE)  # fmt: skip
        q1 = await build_quarter(session, hq_id=scripted.script.hq_id, year=2021, quarter=1,
                                 tolerance=TOLERANCE)  # fmt: skip
    assert q1 is None
    assert q4 is not None and q3 is not None
    assert (q4.months, [d.ym if d else None for d in q4.digests]) == (
        [202110, 202111, 202112], [202110, 202111, None])  # fmt: skip
    rows = [(g.name, [m.score if m else None for m in g.months], g.trend) for g in q4.groups]
    assert rows == [
        (G1, [D("0.8889"), D("0.4444"), None], Trend.down),
        (G2, [D(1), D("0.7059"), None], Trend.down),
        (G3, [D(1), D("0.8000"), None], Trend.down),
        (G4, [D("0.3333"), D(1), None], Trend.up),
    ]
    assert q4.trend is Trend.down
    assert q4.hq_name == q4.digests[1].hq_name  # type: ignore[union-attr]
    assert [d.ym if d else None for d in q3.digests] == [None, None, 202109]
    assert {g.trend for g in q3.groups} == {Trend.new} and q3.trend is Trend.new


def test_reports_say_the_same_whitespace_aside_and_with_equal_figures() -> None:
    assert same(("推进 前期\n工作", None), ("推进  前期 工作", None))
    assert same(("前期工作", D("600.0000")), ("前期工作", D(600)))
    assert not same(("前期工作", None), ("前期工作", D(0)))
    assert not same(("前期 工作", None), ("前期工作", None))
    assert not same(None, ("前期工作", None))


def test_trends_move_beyond_five_points() -> None:
    assert trend_of([]) is Trend.new and trend_of([D("0.5")]) is Trend.new
    assert trend_of([D("0.50"), D("0.55")]) is Trend.flat
    assert trend_of([D("0.50"), D("0.5501")]) is Trend.up
    assert trend_of([D("0.50"), D("0.90"), D("0.45")]) is Trend.flat
    assert trend_of([D("0.50"), D("0.4499")]) is Trend.down
    assert quarter_months(2021, 4) == [202110, 202111, 202112]
    with pytest.raises(ValueError):
        quarter_months(2021, 5)
