"""A hand-made digest with every section filled, for tests of its wording, chart and workbook."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from models.reporting import ReportStatus
from services.digest.model import (
    Digest,
    GoalLine,
    GroupGoals,
    GroupSummary,
    ItemLine,
    Light,
    LightCounts,
    MetricLine,
    MetricTotal,
    MissingPerson,
    Notice,
    OverdueLine,
    Owed,
    ProblemLine,
    QuarterDigest,
    QuarterGroup,
    StalledLine,
    Submission,
    Trend,
    Why,
)
from services.digest.progress import standing

YM = 202111
TOLERANCE = Decimal(5)
GROUPS = ("海丝引领专项组", "第一家园建设工作组", "国际贸易和国际投资组")


def _metric(value: str, target: str, unit: str = "万元") -> MetricLine:
    std = standing(Decimal(value), Decimal(target), unit=unit, ym=YM, start_ym=202101,
                   end_ym=202112, tolerance=TOLERANCE)  # fmt: skip
    name = "年度投资" if unit == "万元" else "外贸出口增长"
    return MetricLine(name, unit, unit != "%", 202101, YM, std)


def _item(number: int, group: str, person: str, unit: str, light: Light, why: Why,
          status: ReportStatus | None, **more: object) -> ItemLine:  # fmt: skip
    item = ItemLine(task_id=number, number=number, task_name=f"任务{number}<&>", group=group,
                    stage_id=number, stage_content=f"第{number}项的阶段要求", period_text="1-12月",
                    start_ym=202101, end_ym=202112, unit=unit, person_id=number, person=person,
                    light=light, why=why, time_share=Decimal("0.9167"), status=status)  # fmt: skip
    if status is not None:
        item.progress = f"{person}本月推进了第{number}项"
        item.next_goal = "下月完成验收"
        item.submitted_at = datetime(2021, 11, 24, 2, 0, tzinfo=UTC)
        item.via = "chat"
    for name, value in more.items():
        setattr(item, name, value)
    return item


def items() -> list[ItemLine]:
    """Six items: green, yellow (metric), yellow, red (blocked), red (past end), white."""
    g1, g2, g3 = GROUPS
    return [
        _item(1, g1, "张玉珍", "鼓东街道", Light.green, Why.on_track, ReportStatus.on_track,
              metric=_metric("3600", "3900")),
        _item(3, g1, "林嵩", "水部街道", Light.yellow, Why.below_schedule, ReportStatus.on_track,
              metric=_metric("3200", "7083"), late=True),
        _item(12, g2, "郑榕", "区委台港澳办", Light.yellow, Why.behind, ReportStatus.behind,
              problems="场地未落实"),
        _item(15, g2, "林叶成", "区东街口商圈管委会", Light.red, Why.blocked, ReportStatus.blocked,
              problems="征迁需区里协调 <b>急</b>", filler="王联络"),
        _item(16, g2, "郑榕", "区委台港澳办", Light.red, Why.past_end, ReportStatus.on_track,
              end_ym=YM, period_text="8-11月"),
        _item(18, g3, "高勇坤", "区商务局", Light.white, Why.missing, None,
              metric=None),
    ]  # fmt: skip


def _counts(lines: list[ItemLine]) -> LightCounts:
    counts = LightCounts()
    for line in lines:
        setattr(counts, line.light.value, counts.of(line.light) + 1)
        if line.status is not None:
            counts.statuses[line.status] = counts.statuses.get(line.status, 0) + 1
    return counts


def _submission(lines: list[ItemLine]) -> Submission:
    sub = Submission(due=len(lines), reported=sum(i.reported for i in lines))
    sub.late = sum(i.late for i in lines)
    sub.on_time = sub.reported - sub.late
    persons = {i.person for i in lines}
    missing = [i for i in lines if not i.reported]
    sub.persons_due = len(persons)
    sub.persons_reported = len(persons - {i.person for i in missing})
    sub.missing = [MissingPerson(i.person, i.unit, i.group, [i.number], [i.task_name])
                   for i in missing]  # fmt: skip
    return sub


def _invest(done: str, plan: str, tasks: int) -> MetricTotal:
    std = standing(Decimal(done), Decimal(plan), unit="万元", ym=YM, start_ym=202101,
                   end_ym=202112, tolerance=TOLERANCE)  # fmt: skip
    return MetricTotal("年度投资", "万元", tasks, tasks, 202101, YM, std)


def digest(ym: int = YM) -> Digest:
    """A November 2021 digest of three groups with every section non-empty."""
    lines = items()
    groups = []
    for rank, name in enumerate(GROUPS, start=1):
        mine = [i for i in lines if i.group == name]
        metrics = [_invest("6800", "10983", 2)] if name == GROUPS[0] else []
        groups.append(GroupSummary(name, ["陈旭"] if rank == 1 else ["郑榕", "林叶成"],
                                   _submission(mine), _counts(mine), metrics,
                                   Decimal(len(mine) - rank), rank))  # fmt: skip
    return Digest(
        hq_id=1, hq_name="构建对外开放新高地项目指挥部", ym=ym, plan_year=2021, closed=True,
        due_on=date(2021, 11, 25), tolerance=TOLERANCE, submission=_submission(lines),
        lights=_counts(lines), metrics=[_invest("6800", "10983", 2)],
        behind_metrics=[lines[1]], groups=groups,
        problems=[ProblemLine(i.number, i.task_name, i.group, i.unit, i.person,
                              i.status or ReportStatus.behind, i.problems or "")
                  for i in lines if i.problems],
        goals=[GroupGoals(g, [GoalLine(i.number, i.task_name, i.unit, i.person, i.next_goal or "")
                              for i in lines if i.group == g and i.next_goal]) for g in GROUPS],
        overdue=[OverdueLine(16, "任务16<&>", GROUPS[1], "申报", "8-11月", YM, "区委台港澳办",
                             "郑榕", ReportStatus.on_track, YM, 0),
                 OverdueLine(12, "任务12<&>", GROUPS[1], "筹备", "4-7月", 202107, "区委台港澳办",
                             "郑榕", None, None, 4)],
        stalled=[StalledLine(3, "任务3<&>", GROUPS[0], "水部街道", "林嵩", "正在推进前期工作", 2,
                             202109)],
        notice_groups=[Notice(GROUPS[1], 0, 3, 3, [Owed(12, "任务12<&>", "郑榕", Why.behind),
                                                   Owed(15, "任务15<&>", "林叶成", Why.blocked),
                                                   Owed(16, "任务16<&>", "郑榕", Why.past_end)],
                              1, True),
                       Notice(GROUPS[2], 1, 0, 1, [Owed(18, "任务18<&>", "高勇坤", Why.missing)],
                              2, False)],
        notice_units=[Notice("区委台港澳办", 0, 2, 2, [Owed(12, "任务12<&>", "郑榕", Why.behind),
                                                      Owed(16, "任务16<&>", "郑榕", Why.past_end)],
                             1, True)],
        items=lines,
    )  # fmt: skip


def quarter() -> QuarterDigest:
    """The fourth quarter of 2021 with October missing (no cycle) and November, December alike."""
    months = [202110, 202111, 202112]
    nov, dec = digest(202111), digest(202112)
    groups = [QuarterGroup(g.name, [None, g, dec.group(g.name)], Trend.flat) for g in nov.groups]
    return QuarterDigest(1, nov.hq_name, 2021, 4, months, [None, nov, dec], groups, Trend.flat)
