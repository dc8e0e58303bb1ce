"""Telegram HTML parse-mode validation."""

from __future__ import annotations

import pytest

from sandbox.emulator.html_check import HtmlParseError, parse_html, strip_html, utf16_len


def test_plain_text_and_entities() -> None:
    text, entities = parse_html(
        '<b>Hi</b> <i>a &amp; b &lt;c&gt;</i> <a href="https://x.org">l</a>'
    )
    assert text == "Hi a & b <c> l"
    assert entities == [
        {"offset": 0, "length": 2, "type": "bold"},
        {"offset": 3, "length": 9, "type": "italic"},
        {"offset": 13, "length": 1, "type": "text_link", "url": "https://x.org"},
    ]


def test_offsets_are_utf16_and_nested_pre_code_gets_language() -> None:
    text, entities = parse_html('😀 <u>x</u><pre><code class="language-python">p</code></pre>')
    assert utf16_len("😀") == 2
    assert entities[0] == {"offset": 3, "length": 1, "type": "underline"}
    assert entities[1] == {"offset": 4, "length": 1, "type": "pre", "language": "python"}
    assert text == "😀 xp"


@pytest.mark.parametrize(
    "markup",
    [
        "<strong>a</strong><em>b</em><ins>c</ins><s>d</s><strike>e</strike><del>f</del>",
        '<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler><code>c</code>',
        "<blockquote expandable>q</blockquote>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "&#65;&#x42;&quot;",
    ],
)
def test_supported_markup_is_accepted(markup: str) -> None:
    parse_html(markup)


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("1<2", "Unclosed start tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("é<br/>", 'Unsupported start tag "br/" at byte offset 2'),
    ],
)
def test_errors_match_telegram(markup: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as exc:
        parse_html(markup)
    assert str(exc.value) == error


def test_bare_ampersand_is_rejected_unless_lenient() -> None:
    with pytest.raises(HtmlParseError, match="byte offset 2"):
        parse_html("AT&T")
    assert strip_html("AT&T &nbsp;", strict_ampersand=False) == "AT&T &nbsp;"
