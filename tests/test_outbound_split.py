"""Long replies are cut into messages Telegram accepts: never inside a tag or an entity,
formatting carried over, nothing lost; user values echoed back are bounded."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.htmlsplit import clip_html, clip_text, split_html, utf16_len
from bot.outbound import Outbound
from bot.templating import Renderer
from models.database import SessionFactory
from sandbox.emulator.html_check import parse_html, strip_html
from services.clock import ManualClock
from tests.botflow import ask
from tests.inprocess import running_bot

WORDS = ["项目", "指挥部", "月度", "hqbot", "A", "😀", "x" * 30, "进度 90%", "a-b", "1234"]
ENTITIES = ["&amp;", "&lt;", "&gt;", "&quot;", "&#128512;", "&#x4E2D;"]
TAGS = [
    ("<b>", "</b>"),
    ("<i>", "</i>"),
    ("<u>", "</u>"),
    ("<code>", "</code>"),
    ("<pre>", "</pre>"),
    ('<pre><code class="language-python">', "</code></pre>"),
    ('<a href="https://t.me/hqbot?start=abc&amp;x=1">', "</a>"),
    ("<blockquote expandable>", "</blockquote>"),
    ('<span class="tg-spoiler">', "</span>"),
    ("<tg-spoiler>", "</tg-spoiler>"),
]


def random_html(rng: random.Random, size: int, depth: int = 0) -> str:
    """Well-formed Telegram HTML with text, entities, spaces, line ends and nested elements."""
    out: list[str] = []
    while sum(map(len, out)) < size:
        roll = rng.random()
        if roll < 0.45:
            out.append(rng.choice(WORDS))
        elif roll < 0.6:
            out.append(rng.choice(ENTITIES))
        elif roll < 0.75:
            out.append(" ")
        elif roll < 0.85:
            out.append("\n")
        elif depth < 3:
            opening, closing = rng.choice(TAGS)
            if "<pre>" in opening and depth:  # pre only at the top level, like Telegram wants
                continue
            out.append(opening + random_html(rng, rng.randint(1, size // 3 + 1), depth + 1))
            out.append(closing)
    return "".join(out)


def assert_valid_split(html: str, limit: int) -> list[str]:
    parts = split_html(html, limit)
    for part in parts:
        assert utf16_len(part) <= limit, part
        parse_html(part)  # raises on a cut tag, a cut entity or an unbalanced element
    assert "".join(strip_html(p) for p in parts) == strip_html(html)
    return parts


@pytest.mark.parametrize("seed", range(300))
def test_random_html_splits_into_valid_parts_that_keep_all_text(seed: int) -> None:
    rng = random.Random(seed)
    html = random_html(rng, rng.randint(50, 3000))
    assert_valid_split(html, rng.randint(60, 500))


def test_short_text_is_one_message_unchanged() -> None:
    html = "<b>人员名单</b>\n1. 张玉珍（鼓东街道）"
    assert split_html(html) == [html]


def test_ampersands_after_an_unknown_command_fit_telegram() -> None:
    html = "没有 <code>/x" + "&amp;" * 4000 + "</code> 这个命令。"
    parts = assert_valid_split(html, 4096)
    assert len(parts) == 5
    assert all(p.startswith("<code>") for p in parts[1:])
    assert all(p.endswith("</code>") for p in parts[:-1])


def test_open_elements_are_closed_and_reopened_with_their_attributes() -> None:
    link = '<a href="https://example.org/a?b=1&amp;c=2">'
    html = "<b>" + link + "链接" * 100 + "</a></b> 结束"
    parts = assert_valid_split(html, 120)
    assert all(p.startswith("<b>" + link) for p in parts[1:-1])
    assert all(p.endswith("</a></b>") for p in parts[:-1])
    for part in parts[:-1]:
        text, entities = parse_html(part)
        assert {e["type"] for e in entities} == {"bold", "text_link"}
        assert {e.get("url") for e in entities} == {None, "https://example.org/a?b=1&c=2"}


def test_cuts_fall_at_line_ends_when_lines_are_short() -> None:
    lines = [f"{i}. 建设德艺文创国际经贸合作信息化平台 <b>进行中</b>" for i in range(200)]
    parts = assert_valid_split("\n".join(lines), 500)
    assert len(parts) > 1
    for part in parts[:-1]:
        assert strip_html(part).endswith("\n")
    assert all(strip_html(p)[0].isdigit() for p in parts)


def test_cuts_fall_at_spaces_in_a_long_line() -> None:
    html = " ".join(["word"] * 1000)
    parts = assert_valid_split(html, 100)
    assert all(p.endswith(" ") for p in parts[:-1])
    assert all(p.startswith("word") for p in parts)


def test_entities_are_never_cut() -> None:
    for limit in range(20, 40):
        for part in assert_valid_split("&amp;&lt;&#128512;" * 30, limit):
            assert not part.endswith("&") and "&am" not in part.replace("&amp;", "")


def test_astral_characters_count_twice_against_the_limit() -> None:
    parts = assert_valid_split("😀" * 100, 50)
    assert [len(p) for p in parts] == [25, 25, 25, 25]


def test_whitespace_only_parts_are_not_sent() -> None:
    html = "a" + "\n" * 300 + "b"
    parts = split_html(html, 100)
    assert all(strip_html(p).strip() for p in parts)
    assert "".join(strip_html(p) for p in parts).replace("\n", "") == "ab"


def test_hopelessly_deep_nesting_drops_formatting_but_keeps_text() -> None:
    html = "<b><i><u><s>" * 20 + "字" * 500 + "</s></u></i></b>" * 20
    assert_valid_split(html, 200)


def test_a_tag_longer_than_a_message_loses_its_formatting_not_its_text() -> None:
    html = '前文 <a href="https://example.org/' + "a" * 5000 + '">链接</a> 后文'
    parts = assert_valid_split(html, 4096)
    assert "".join(strip_html(p) for p in parts) == "前文 链接 后文"


def test_toast_and_caption_clipping() -> None:
    assert clip_text("好" * 300, 200) == "好" * 199 + "…"
    assert utf16_len(clip_text("😀" * 150, 200)) <= 200
    assert clip_text("short", 200) == "short"
    caption = "<b>" + "&amp;" * 500 + "</b>"
    clipped = clip_html(caption, 1024)
    assert utf16_len(clipped) <= 1024 and clipped.endswith("</b>…")
    parse_html(clipped)
    assert clip_html("<b>ok</b>", 1024) == "<b>ok</b>"


def test_clip_filter_bounds_echoed_values() -> None:
    renderer = Renderer("zh")
    text = renderer.render("unknown_command", command="/x" + "&" * 4000)
    assert len(text) < 400 and "…</code>" in text
    assert renderer.render("task_usage", value="12").startswith("“12”")
    long_name = "名" * 500
    lookup = renderer.render("person_lookup", name=long_name, unit="单" * 500, choices=[])
    assert "名" * 39 + "…" in lookup and "名" * 40 not in lookup
    assert "单" * 59 + "…" in lookup and "单" * 60 not in lookup


async def test_unknown_command_with_thousands_of_ampersands_gets_an_answer(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(sessions, clock) as h:
        user = await h.tg.create_user("Amp")
        reply = await ask(h.tg, user["id"], "x" + "&" * 4000)
        assert "这个命令" in reply["text"] and "出了点问题" not in reply["text"]
        reply = await ask(h.tg, h.admin_id, "task", "&" * 4000)
        assert "不是有效的序号" in reply["text"] and len(reply["text"]) < 200


async def test_a_long_rendered_reply_arrives_whole_in_several_messages(
    sessions: SessionFactory, clock: ManualClock, tmp_path: Path
) -> None:
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "long.html").write_text(
            "<b>标题</b>\n<code>{{ value }}</code>\n<i>{{ value }}</i> 完", encoding="utf-8"
        )
    value = "&<>" * 3000 + " 甲乙 " * 300
    async with running_bot(sessions, clock) as h:
        user = await h.tg.create_user("Long")
        greeting = await ask(h.tg, user["id"], "start")  # a bot may not write first
        outbound = Outbound(h.application.bot, Renderer("zh", tmp_path))
        last = await outbound.send(user["id"], "long", value=value)
        assert last is not None
        received = [
            m
            for m in await h.tg.bot_messages(user["id"])
            if m["message_id"] > greeting["message_id"]
        ]
    assert len(received) >= 5
    assert all(len(m["text"]) <= 4096 for m in received)
    joined = "".join(m["text"] for m in received)
    assert joined.replace("\n", "").replace(" ", "") == (
        f"标题{value}{value}完".replace("\n", "").replace(" ", "")
    )
    kinds = {e["type"] for m in received for e in m.get("entities", [])}
    assert {"bold", "code", "italic"} <= kinds


async def test_toasts_are_plain_text(tmp_path: Path) -> None:
    from bot.outbound import Outbound
    from bot.templating import Renderer

    (tmp_path / "zh").mkdir()
    (tmp_path / "en").mkdir()
    for lang in ("zh", "en"):
        (tmp_path / lang / "toast.html").write_text("<b>{{ name }}</b> 已处理", encoding="utf-8")

    class Query:
        text: str | None = None

        async def answer(self, text: str | None = None, show_alert: bool = False) -> None:
            self.text = text

    query = Query()
    outbound = Outbound(None, Renderer("zh", tmp_path))  # type: ignore[arg-type]
    await outbound.answer(query, "toast", name="A & B <x>")  # type: ignore[arg-type]
    assert query.text == "A & B <x> 已处理"
