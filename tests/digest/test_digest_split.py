"""The digest as Telegram messages: cut at blank lines, whole paragraphs packed, numbered (1/3),
each under 4096 UTF-16 units and valid Telegram HTML, and joined back to the whole."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest_text import digest_parts, join_parts, render_digest, render_group, render_quarter
from bot.htmlsplit import TEXT_LIMIT, utf16_len
from bot.templating import LANGUAGES, Renderer
from sandbox.emulator.html_check import strip_html
from services.digest.model import (
    Digest,
    GoalLine,
    GroupGoals,
    MissingPerson,
    Notice,
    Owed,
    QuarterDigest,
    QuarterGroup,
    Trend,
    Why,
)
from tests.digest.factory import GROUPS, digest

RENDERERS = {lang: Renderer(lang) for lang in LANGUAGES}


def bodies(parts: list[str]) -> list[str]:
    """The parts without their "(k/n)\\n" numbers (checking the numbers on the way)."""
    if len(parts) == 1:
        return parts
    out = []
    for index, part in enumerate(parts, start=1):
        prefix = f"({index}/{len(parts)})\n"
        assert part.startswith(prefix)
        out.append(part.removeprefix(prefix))
    return out


def assert_sendable(parts: list[str], limit: int = TEXT_LIMIT) -> None:
    """Every part fits the limit, is Telegram HTML, and shows something."""
    for part in parts:
        assert utf16_len(part) <= limit
        assert strip_html(part).strip()  # strip_html raises on anything Telegram would refuse


def test_a_short_digest_is_one_message_without_a_number() -> None:
    html = RENDERERS["zh"].render("digest", digest=digest())
    assert digest_parts(html) == [html]
    assert join_parts([html]) == html


def test_blank_text_is_no_message() -> None:
    assert digest_parts("") == []
    assert digest_parts(" \n\n ") == []


def test_paragraphs_are_packed_whole_and_numbered() -> None:
    paragraphs = [f"<b>第{n}段</b>\n" + "进展" * 300 for n in range(1, 9)]  # ≈ 610 units each
    html = "\n\n".join(paragraphs)
    parts = digest_parts(html)
    assert len(parts) == 2
    assert_sendable(parts)
    first, second = bodies(parts)
    assert first.endswith("\n\n") and first.count("<b>第") == 6  # as many as fit
    assert second.startswith("<b>第7段</b>") and second.count("<b>第") == 2
    assert join_parts(parts) == html


def test_the_number_counts_inside_the_limit() -> None:
    paragraph = "x" * 97
    html = "\n\n".join([paragraph] * 3)  # two with their blank lines: 198 units, 204 numbered
    parts = digest_parts(html, limit=200)
    assert parts == [f"(1/3)\n{paragraph}\n\n", f"(2/3)\n{paragraph}\n\n", f"(3/3)\n{paragraph}"]
    html = "\n\n".join(["x" * 95] * 3)  # two with their blank lines and a number: 200 units
    assert [utf16_len(p) for p in digest_parts(html, limit=200)] == [200, 101]


def test_ten_or_more_parts_have_wider_numbers_still_within_the_limit() -> None:
    html = "\n\n".join(f"段{n:02d}" + "y" * 186 for n in range(12))  # 189 units each
    parts = digest_parts(html, limit=200)
    assert len(parts) == 12
    assert parts[0].startswith("(1/12)\n段00") and parts[11].startswith("(12/12)\n段11")
    assert_sendable(parts, limit=200)
    assert join_parts(parts) == html


def test_a_paragraph_longer_than_a_message_is_cut_at_line_ends() -> None:
    lines = [f"{n}. 序号{n}“项目” 存在问题：" + "需协调" * 30 for n in range(1, 201)]
    html = "<b>标题</b>\n\n<b>四、问题</b>\n" + "\n".join(lines) + "\n\n<b>五、目标</b>\n无。"
    parts = digest_parts(html)
    assert len(parts) >= 5
    assert_sendable(parts)
    middle = bodies(parts)[1:-1]
    assert all(body.endswith("\n") for body in middle)  # whole lines in every message
    assert join_parts(parts) == html


def test_a_line_longer_than_a_message_is_cut_but_never_inside_an_entity() -> None:
    html = "<b>四、问题</b>\n1. 序号3：" + "&amp;😀&lt;" * 1500 + "\n\n<b>五</b>"
    parts = digest_parts(html)  # 16 500 units in one line
    assert len(parts) == 5
    assert_sendable(parts)
    assert join_parts(parts) == html


def test_a_cut_inside_an_element_reopens_it_as_documented() -> None:
    html = "<b>" + "粗" * 300 + "</b>"
    parts = digest_parts(html, limit=100)
    assert_sendable(parts, limit=100)
    joined = join_parts(parts)
    assert joined != html and joined.replace("</b><b>", "") == html  # same text and formatting
    assert strip_html(joined) == strip_html(html)


def test_an_element_spanning_a_blank_line_is_never_cut_there() -> None:
    quote = "<blockquote>" + "b" * 30 + "\n\n" + "c" * 30 + "</blockquote>"
    html = "a" * 150 + "\n\n" + quote + "\n\n" + "d" * 150
    parts = digest_parts(html, limit=200)
    assert parts == [f"(1/3)\n{'a' * 150}\n\n", f"(2/3)\n{quote}\n\n", f"(3/3)\n{'d' * 150}"]
    assert_sendable(parts, limit=200)


def test_join_refuses_parts_out_of_order() -> None:
    parts = digest_parts("\n\n".join(["z" * 90] * 3), limit=100)
    with pytest.raises(ValueError):
        join_parts([parts[1], parts[0], parts[2]])


def big_digest(problems: int) -> Digest:
    """The factory digest with `problems` problems raised, each a few hundred characters."""
    dg = digest()
    base = dg.problems[0]
    dg.problems = [
        replace(base, number=n, text=f"第{n}个问题：" + "征迁&协调<急>" * 40)
        for n in range(problems)
    ]
    return dg


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_section_that_fits_a_message_is_never_split(lang: str) -> None:
    html = RENDERERS[lang].render("digest", digest=big_digest(120))
    parts = render_digest(RENDERERS[lang], big_digest(120))
    assert len(parts) > 5
    assert_sendable(parts)
    assert join_parts(parts) == html
    sections = html.split("\n\n")
    long_section = next(s for s in sections if s.startswith(("<b>四、", "<b>4. ")))
    for section in sections:
        if section is not long_section:
            assert any(section in body for body in bodies(parts)), section[:40]
    # the long section starts a message of its own and the next section follows its end
    assert any(body.startswith(long_section[:200]) for body in bodies(parts))


# --- property: any digest text splits into sendable parts that join back --------------------

TOKENS = [
    "<", ">", "&", "&amp;", "&lt;b&gt;", '"', "'", "<b>", "</i>", "<a href='x'>", "\n", "\n\n",
    " ", "\u3000", "\t", "😀", "𠀀", "👨‍👩‍👧", "🟢", "中文", "项目指挥部", "abc", "序号",
    "&#128512;", "1-11月", "%",
]  # fmt: skip
short = st.lists(st.sampled_from(TOKENS), max_size=10).map("".join)
name = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6).map("".join)
long = st.tuples(short, st.integers(20, 160)).map(lambda pair: pair[0] * pair[1])
free = st.one_of(short, long)


@st.composite
def digests(draw: st.DrawFn) -> Digest:
    """The factory digest with random names and texts, long texts and many items."""
    dg = digest()
    dg.hq_name = draw(name)
    problem = dg.problems[0]
    dg.problems = draw(
        st.lists(
            st.builds(
                lambda text, person, task, group: replace(
                    problem, text=text, person=person, task_name=task, group=group
                ),
                free, name, name, st.sampled_from(GROUPS),
            ),
            max_size=8,
        )
    )  # fmt: skip
    dg.submission.missing = draw(
        st.lists(
            st.builds(
                lambda person, unit, numbers: MissingPerson(
                    person, unit, GROUPS[2], numbers, [f"任务{n}" for n in numbers]
                ),
                name, name, st.lists(st.integers(1, 9999), min_size=1, max_size=12),
            ),
            max_size=20,
        )
    )  # fmt: skip
    dg.goals = [
        GroupGoals(group, draw(st.lists(st.builds(GoalLine, st.integers(1, 99), name, name, name,
                                                  free), max_size=6)))
        for group in GROUPS
    ]  # fmt: skip
    dg.stalled = [replace(s, progress=draw(free), unit=draw(name)) for s in dg.stalled]
    dg.overdue = [replace(o, stage_content=draw(free)) for o in dg.overdue]
    owed = st.lists(st.builds(Owed, st.integers(1, 999), name, name, st.sampled_from(list(Why))),
                    max_size=30)  # fmt: skip
    dg.notice_units = draw(
        st.lists(st.builds(lambda unit, debts: Notice(unit, 1, len(debts), 9, debts, 1, True),
                           name, owed), max_size=4)
    )  # fmt: skip
    return dg


def rendered(dg: Digest, lang: str, which: str) -> tuple[str, list[str]]:
    """The whole text and its parts for the digest, a group's part or a quarter of it."""
    renderer = RENDERERS[lang]
    if which == "digest":
        return renderer.render("digest", digest=dg), render_digest(renderer, dg)
    if which == "quarter":
        groups = [QuarterGroup(g.name, [None, g, g], Trend.flat) for g in dg.groups]
        q = QuarterDigest(1, dg.hq_name, 2021, 4, [202110, 202111, 202112], [None, dg, dg],
                          groups, Trend.up)  # fmt: skip
        return renderer.render("digest_quarter", quarter=q), render_quarter(renderer, q)
    group = GROUPS[int(which)]
    whole = renderer.render("digest_group", digest=dg, group=group)
    return whole, render_group(renderer, dg, group)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    dg=digests(),
    lang=st.sampled_from(LANGUAGES),
    which=st.sampled_from(["digest", "digest", "0", "1", "quarter"]),
)
def test_any_digest_splits_into_sendable_parts_that_join_back(
    dg: Digest, lang: str, which: str
) -> None:
    whole, parts = rendered(dg, lang, which)
    assert parts
    assert_sendable(parts)
    assert join_parts(parts) == whole
