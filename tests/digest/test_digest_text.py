"""The digest's wording: every section in the office's order with the right figures and names,
the 序时进度 sentence worded as offices word it, user text escaped, a group's part, the quarter
review, and golden copies of all three in both languages."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from bot.digest_text import join_parts, render_digest, render_group, render_quarter
from bot.templating import LANGUAGES, Renderer
from models.reporting import ReportStatus
from sandbox.emulator.html_check import parse_html, strip_html
from services.digest.model import (
    Digest,
    GroupSummary,
    LightCounts,
    MetricLine,
    MetricTotal,
    Submission,
    Trend,
)
from services.digest.progress import standing
from tests.digest.factory import GROUPS, TOLERANCE, YM, digest, quarter
from tests.digest.golden import assert_golden

ZH_HEADINGS = [
    "<b>构建对外开放新高地项目指挥部 2021年11月工作进展汇总</b>",
    "<b>一、报送情况</b>",
    "<b>二、总体情况</b>",
    "<b>三、分组情况</b>",
    "<b>四、需指挥部协调的问题</b>",
    "<b>五、下阶段工作目标</b>",
    "<b>六、逾期与停滞</b>",
    "<b>七、通报</b>",
]
EN_HEADINGS = [
    "<b>构建对外开放新高地项目指挥部: progress report, November 2021</b>",
    "<b>1. Reporting</b>",
    "<b>2. Overview</b>",
    "<b>3. Working groups</b>",
    "<b>4. Problems needing the HQ's coordination</b>",
    "<b>5. Goals for the next stage</b>",
    "<b>6. Overdue and stalled</b>",
    "<b>7. Notice (通报)</b>",
]


RENDERERS = {lang: Renderer(lang) for lang in LANGUAGES}


def render(lang: str, dg: Digest | None = None) -> str:
    return join_parts(render_digest(RENDERERS[lang], dg or digest()))


def section(text: str, heading: str) -> str:
    """The paragraph that starts with `heading`."""
    found = [p for p in text.split("\n\n") if p.startswith(heading)]
    assert len(found) == 1, f"{heading!r} starts {len(found)} paragraphs"
    return found[0]


def invest(done: str, plan: str) -> MetricTotal:
    std = standing(Decimal(done), Decimal(plan), unit="万元", ym=YM, start_ym=202101,
                   end_ym=202112, tolerance=TOLERANCE)  # fmt: skip
    return MetricTotal("年度投资", "万元", 1, 1, 202101, YM, std)


@pytest.mark.parametrize(("lang", "headings"), [("zh", ZH_HEADINGS), ("en", EN_HEADINGS)])
def test_sections_are_paragraphs_in_the_offices_order(lang: str, headings: list[str]) -> None:
    paragraphs = render(lang).split("\n\n")
    assert [p.splitlines()[0].split("</b>")[0] + "</b>" for p in paragraphs] == headings


def test_zh_reporting_names_who_is_missing() -> None:
    text = section(render("zh"), "<b>一、报送情况</b>")
    assert "本月应报送 6 项，已报送 5 项，报送率 83.3%" in text
    assert "按时报送 4 项，逾期报送 1 项，按时报送率 66.7%" in text
    assert "应报责任人 5 人，已报齐 4 人" in text
    assert (
        "未报送（1 人）：\n1. 高勇坤（区商务局，国际贸易和国际投资组）：序号18“任务18&lt;&amp;&gt;”"
        in text
    )


def test_zh_overview_lights_statuses_and_schedule() -> None:
    text = section(render("zh"), "<b>二、总体情况</b>")
    assert "🟢 1 🟡 2 🔴 2 ⚪ 1（共 6 项）" in text
    assert "按计划推进 3 项，进度滞后 1 项，受阻需协调 1 项；未报送 1 项。" in text
    assert (
        "年度投资：1-11月累计完成投资 6800 万元，占年度计划的 61.9%，低于序时进度 29.8 个百分点"
        in text
    )
    assert "（年度计划 10983 万元，计入 2 个项目，其中本月填报 2 个）" in text
    assert "低于序时进度 5 个百分点以上的项目（1 项）：" in text
    assert (
        "1. 序号3“任务3&lt;&amp;&gt;”（水部街道 林嵩）：1-11月累计完成投资 3200 万元，"
        "占年度计划的 45.2%，低于序时进度 46.5 个百分点。"
    ) in text


@pytest.mark.parametrize(
    ("done", "sentence"),
    [
        ("3200", "1-11月累计完成投资 3200 万元，占年度计划的 82.1%，低于序时进度 9.6 个百分点"),
        ("3700", "1-11月累计完成投资 3700 万元，占年度计划的 94.9%，高于序时进度 3.2 个百分点"),
        ("3575", "1-11月累计完成投资 3575 万元，占年度计划的 91.7%，达到序时进度"),
        (
            "521.35",
            "1-11月累计完成投资 521.35 万元，占年度计划的 13.4%，低于序时进度 78.3 个百分点",
        ),
    ],
)
def test_schedule_sentence_is_worded_as_offices_word_it(done: str, sentence: str) -> None:
    dg = replace(digest(), metrics=[invest(done, "3900")])
    assert f"年度投资：{sentence}（年度计划 3900 万元" in render("zh", dg)


def test_percentages_round_half_up_with_one_decimal() -> None:
    dg = replace(digest(), submission=Submission(due=16, reported=1, on_time=1, persons_due=1))
    text = section(render("zh", dg), "<b>一、报送情况</b>")
    assert "报送率 6.3%" in text  # 6.25 → 6.3, as progress.points rounds
    dg = replace(digest(), metrics=[invest("8125", "100000")])
    assert "占年度计划的 8.1%" in render("zh", dg)  # 0.08125 → 0.0813 (share) → 8.1


def test_zh_groups_are_ranked_with_counts_and_metrics() -> None:
    text = section(render("zh"), "<b>三、分组情况</b>")
    assert text.splitlines()[1:4] == [
        "（一）海丝引领专项组（组长：陈旭）　第1名",
        "应报 2 项，已报 2 项，报送率 100.0%；🟢 1 🟡 1 🔴 0 ⚪ 0",
        "年度投资 完成 6800 / 计划 10983 万元，61.9%（低于序时进度 29.8 个百分点）",
    ]
    assert "（三）国际贸易和国际投资组（组长：郑榕、林叶成）　第3名" in text
    assert "应报 1 项，已报 0 项，报送率 0.0%；🟢 0 🟡 0 🔴 0 ⚪ 1" in text


def test_zh_problems_goals_overdue_stalled_and_notice() -> None:
    text = render("zh")
    problems = section(text, "<b>四、需指挥部协调的问题</b>")
    assert (
        "1. 序号12“任务12&lt;&amp;&gt;”"
        "（第一家园建设工作组，区委台港澳办 郑榕，进度滞后）：场地未落实" in problems
    )
    assert (
        "2. 序号15" in problems and "受阻需协调）：征迁需区里协调 &lt;b&gt;急&lt;/b&gt;" in problems
    )
    goals = section(text, "<b>五、下阶段工作目标</b>")
    assert goals.index("（一）海丝引领专项组") < goals.index("（二）第一家园建设工作组")
    assert "国际贸易和国际投资组" not in goals  # no goal reported there: the office omits it
    assert "3. 序号16“任务16&lt;&amp;&gt;”（区委台港澳办 郑榕）：下月完成验收" in goals
    late = section(text, "<b>六、逾期与停滞</b>")
    assert "逾期未完成的阶段任务（2 项）" in late
    assert (
        "阶段“申报”（8-11月，区委台港澳办 郑榕）：本月到期，最近一次报告（11月）为按计划推进"
        in late
    )
    assert "阶段“筹备”（4-7月，区委台港澳办 郑榕）：已逾期 4 个月，尚无进展报告" in late
    assert "（水部街道 林嵩）：自9月起进展连续 2 个月无变化——“正在推进前期工作”" in late
    notice = section(text, "<b>七、通报</b>")
    assert (
        "1. 第一家园建设工作组：应报 3 项，其中滞后 3 项。"
        "序号12“任务12&lt;&amp;&gt;”（郑榕）进度滞后；"
        "序号15“任务15&lt;&amp;&gt;”（林叶成）受阻需协调；"
        "序号16“任务16&lt;&amp;&gt;”（郑榕）到期未完成。"
        "请于下月报送时附推进方案。"
    ) in notice
    assert (
        "2. 国际贸易和国际投资组：应报 1 项，其中未报送 1 项。"
        "序号18“任务18&lt;&amp;&gt;”（高勇坤）未报送。\n" in notice
    )
    assert (
        notice.index("（一）工作小组")
        < notice.index("（二）责任单位")
        < notice.index("1. 区委台港澳办")
    )


def test_en_is_a_complete_translation() -> None:
    text = render("en")
    assert "reporting rate 83.3%; on time 4, late 1, on-time rate 66.7%" in text
    assert "1. 高勇坤 (区商务局, 国际贸易和国际投资组): No. 18 “任务18&lt;&amp;&gt;”" in text
    assert "🟢 1 🟡 2 🔴 2 ⚪ 1 (6 items)" in text
    assert (
        "年度投资, Jan–Nov: 6800 万元 done, 61.9% of the annual plan, "
        "29.8 percentage points behind the time schedule"
    ) in text
    assert "(1) 海丝引领专项组 (leader: 陈旭) — rank 1" in text
    assert "(2) 第一家园建设工作组 (leaders: 郑榕, 林叶成) — rank 2" in text
    assert "4 months overdue, no progress report yet" in text
    assert "Please attach a plan to catch up (推进方案) to next month's report." in text
    assert chinese_outside_data(text) == {"通报", "推进方案"}  # glossed, in brackets


def chinese_outside_data(html: str) -> set[str]:
    """The runs of Chinese characters in the visible text that do not come from the data."""
    dg = digest()
    data = [dg.hq_name, *GROUPS, "陈旭", "郑榕", "林叶成", "年度投资", "万元", "正在推进前期工作",
            "申报", "筹备", "8-11月", "4-7月"]  # fmt: skip
    for item in dg.items:
        data += [item.task_name, item.unit, item.person, item.problems or "", item.next_goal or ""]
    plain = strip_html(html)
    for value in sorted(filter(None, data), key=len, reverse=True):
        plain = plain.replace(value, " ")
    return set(re.findall(r"[\u4e00-\u9fff]+", plain))


def test_interim_digest_says_so() -> None:
    for lang, marker in (("zh", "以下为阶段性汇总"), ("en", "an interim summary")):
        assert marker not in render(lang)
        assert marker in render(lang, replace(digest(), closed=False)).split("\n\n")[0]


def test_empty_sections_say_so_briefly() -> None:
    dg = replace(
        digest(), problems=[], goals=[], overdue=[], stalled=[], notice_groups=[],
        notice_units=[], behind_metrics=[], submission=Submission(due=3, reported=3, on_time=3,
        persons_due=2, persons_reported=2),
    )  # fmt: skip
    text = render("zh", dg)
    assert "全部责任人均已报送。" in text
    assert "各项指标均未低于序时进度 5 个百分点以上。" in text
    assert section(text, "<b>四、需指挥部协调的问题</b>").endswith("本月无需指挥部协调的问题。")
    assert section(text, "<b>五、下阶段工作目标</b>").endswith("本月未报送下阶段工作目标。")
    assert section(text, "<b>六、逾期与停滞</b>").endswith(
        "逾期未完成的阶段任务：无。\n进展停滞的项目：无。"
    )
    assert section(text, "<b>七、通报</b>").endswith("无通报事项。")
    english = render("en", dg)
    assert "No problem was raised this month." in english
    assert "nobody is named this month" in english


@pytest.mark.parametrize("lang", LANGUAGES)
def test_user_text_arrives_escaped_and_the_html_is_telegrams(lang: str) -> None:
    dg = digest()
    dg.hq_name = "<i>指挥部</i> & co"
    dg.groups[0].name = "<b>组</b>"
    text = render(lang, dg)
    assert "&lt;i&gt;指挥部&lt;/i&gt; &amp; co" in text
    assert "&lt;b&gt;组&lt;/b&gt;" in text
    assert "任务18&lt;&amp;&gt;" in text and "<&>" not in text
    assert "征迁需区里协调 &lt;b&gt;急&lt;/b&gt;" in text
    parse_html(text)  # raises on a tag Telegram does not know or an unescaped "&"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_user_text_shows_exactly_as_typed(lang: str) -> None:
    odd = "A<&>“B”"
    dg = digest()
    dg.overdue = [replace(o, stage_content=odd * 10) for o in dg.overdue]  # clipped at 40
    dg.stalled = [replace(s, progress=odd * 20, unit=odd) for s in dg.stalled]  # clipped at 60
    dg.problems = [replace(p, text=odd, person=odd) for p in dg.problems]
    dg.goals = [replace(g, lines=[replace(x, text=odd) for x in g.lines]) for g in dg.goals]
    dg.submission.missing = [replace(m, person=odd, unit=odd) for m in dg.submission.missing]
    dg.notice_units = [replace(n, name=odd) for n in dg.notice_units]
    texts = [render(lang, dg)]
    texts += [join_parts(render_group(RENDERERS[lang], dg, g)) for g in GROUPS]
    for text in texts:
        assert "&amp;amp;" not in text and "&amp;lt;" not in text  # escaped once, not twice
        assert "<&>" not in text
    visible = strip_html(texts[0])
    assert visible.count(odd) >= 6  # problems, goals, missing, notice…
    assert (odd * 10)[:39] + "…" in visible  # a clipped text is cut before escaping
    assert (odd * 20)[:59] + "…" in visible


def test_a_growth_rate_is_compared_with_its_target() -> None:
    dg = digest()
    item = replace(dg.items[1], metric=_rate("6", "10"))
    text = render("zh", replace(dg, behind_metrics=[item]))
    assert "（水部街道 林嵩）：1-11月外贸出口增长 6%，年度目标 10%，完成目标的 60.0%。" in text
    english = render("en", replace(dg, behind_metrics=[item]))
    assert "外贸出口增长, Jan–Nov: 6%, annual target 10%, 60.0% of the target." in english


def _rate(value: str, target: str) -> MetricLine:
    std = standing(Decimal(value), Decimal(target), unit="%", ym=YM, start_ym=202101,
                   end_ym=202112, tolerance=TOLERANCE)  # fmt: skip
    return MetricLine("外贸出口增长", "%", False, 202101, YM, std)


def test_many_groups_get_chinese_ordinals() -> None:
    base = digest().groups[0]
    groups = [replace(base, name=f"第{n}组", rank=n) for n in range(1, 24)]
    text = section(render("zh", replace(digest(), groups=groups)), "<b>三、分组情况</b>")
    for n, numeral in ((1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三")):
        assert f"（{numeral}）第{n}组" in text


def test_a_group_without_anything_due() -> None:
    idle = GroupSummary("空组", [], Submission(), LightCounts(), [], Decimal(0), 4)
    dg = replace(digest(), groups=[*digest().groups, idle])
    assert "（四）空组　第4名\n本月无应报送事项。" in render("zh", dg)
    assert "本组本月无应报送事项。" in join_parts(render_group(RENDERERS["zh"], dg, "空组"))
    unnamed = replace(dg, groups=[*digest().groups, replace(idle, name="")])
    assert "（四）未分组　第4名" in render("zh", unnamed)
    assert join_parts(render_group(RENDERERS["zh"], unnamed, "")).startswith("<b>未分组 2021年11月")


def test_group_part_is_the_groups_own() -> None:
    text = join_parts(render_group(RENDERERS["zh"], digest(), GROUPS[1]))
    assert text.startswith(
        "<b>第一家园建设工作组 2021年11月工作进展</b>\n构建对外开放新高地项目指挥部"
    )
    assert "🟢 0 🟡 1 🔴 2 ⚪ 0（共 3 项），在 3 个工作小组中排第 2 名。" in text
    assert "2. 🔴 序号15“任务15&lt;&amp;&gt;”（区东街口商圈管委会 林叶成）：受阻需协调" in text
    assert "场地未落实" in text and "征迁需区里协调" in text
    assert "序号1“" not in text and "序号3“" not in text and "序号18“" not in text  # others'
    assert "本组列入本月通报（第1位）：应报 3 项，其中滞后 3 项。" in text
    assert (
        "责任单位区委台港澳办列入本月通报（第1位），涉及本组序号12、16，须于下月报送时附推进方案。"
        in text
    )
    first = join_parts(render_group(RENDERERS["zh"], digest(), GROUPS[0]))
    assert "本组未列入本月通报。" in first
    assert "1. 🟡 序号3“任务3&lt;&amp;&gt;”（水部街道 林嵩）：1-11月累计完成投资 3200 万元" in first
    assert "（水部街道 林嵩）：自9月起进展连续 2 个月无变化" in first
    third = join_parts(render_group(RENDERERS["en"], digest(), GROUPS[2]))
    assert "1. 高勇坤 (区商务局, 国际贸易和国际投资组): No. 18" in third
    assert "Your group is named in this month's notice (place 2)" in third


def test_unknown_group_is_refused() -> None:
    with pytest.raises(LookupError):
        render_group(RENDERERS["zh"], digest(), "没有这个组")


def test_quarter_sets_the_months_side_by_side() -> None:
    text = join_parts(render_quarter(RENDERERS["zh"], quarter()))
    assert text.startswith(
        "<b>构建对外开放新高地项目指挥部 2021年第四季度工作进展评估</b>\n（10月、11月、12月）"
    )
    assert "10月：未开展月度填报" in text
    assert "11月：应报 6 项，报送率 83.3%；🟢 1 🟡 2 🔴 2 ⚪ 1；年度投资完成 61.9%" in text
    assert "季度趋势（按🟢项目占比）：→ 持平" in text
    assert (
        "（一）海丝引领专项组　→ 持平\n"
        "报送率：10月 —｜11月 100.0%｜12月 100.0%\n"
        "🟢/🟡/🔴/⚪：10月 —｜11月 1/1/0/0｜12月 1/1/0/0\n"
        "年度投资完成率：10月 —｜11月 61.9%｜12月 61.9%\n"
        "排名：10月 —｜11月 第1名｜12月 第1名"
    ) in text
    assert "第一家园建设工作组：11月（第1位）、12月（第1位）列入月度通报，请重点督促。" in text
    english = join_parts(render_quarter(RENDERERS["en"], quarter()))
    assert "Reporting rate: Oct — | Nov 100.0% | Dec 100.0%" in english
    assert "Trend over the quarter (share of 🟢 items): → steady" in english


def test_quarter_trends_read_as_arrows() -> None:
    q = quarter()
    q.trend = Trend.up
    q.groups[0].trend = Trend.down
    q.groups[1].trend = Trend.new
    text = join_parts(render_quarter(RENDERERS["zh"], q))
    assert "季度趋势（按🟢项目占比）：↗ 向好" in text
    assert "（一）海丝引领专项组　↘ 下滑" in text
    assert "（二）第一家园建设工作组　— 暂无可比数据" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_golden(lang: str) -> None:
    renderer = RENDERERS[lang]
    assert_golden(f"digest_{lang}.html", join_parts(render_digest(renderer, digest())))
    for number, group in enumerate(GROUPS, start=1):
        parts = render_group(renderer, digest(), group)
        assert_golden(f"digest_group{number}_{lang}.html", join_parts(parts))
    assert_golden(f"digest_quarter_{lang}.html", join_parts(render_quarter(renderer, quarter())))


def test_statuses_count_every_status_reported() -> None:
    dg = digest()
    dg.lights.statuses = {ReportStatus.done: 2, ReportStatus.not_started: 1}
    assert "已完成 2 项，未启动 1 项；未报送 1 项。" in render("zh", dg)
