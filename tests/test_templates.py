"""Templates: both languages have every message, render, and escape user text."""

from __future__ import annotations

import pytest

from bot.templating import LANGUAGES, TEMPLATES_DIR, Renderer


def names(lang: str) -> set[str]:
    return {p.name for p in (TEMPLATES_DIR / lang).iterdir() if p.is_file()}


def test_every_template_exists_in_both_languages() -> None:
    assert names("zh") == names("en")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_start_escapes_user_names(lang: str) -> None:
    text = Renderer(lang).render(
        "start", name="<b>Bob & co</b>", is_admin=False, person=None, hq_name=None
    )
    assert "&lt;b&gt;Bob &amp; co&lt;/b&gt;" in text
    assert "<b>Bob" not in text


def test_chinese_first_english_second() -> None:
    assert "项目指挥部" in Renderer("zh").render(
        "start", name="张玉珍", is_admin=False, person=None, hq_name=None
    )
    assert "headquarters" in Renderer("en").render(
        "start", name="Zhang", is_admin=False, person=None, hq_name=None
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_command_menu_is_valid_for_telegram(lang: str) -> None:
    menu = Renderer(lang).command_menu()
    assert ("start", menu[0][1]) == menu[0]
    for command, description in menu:
        assert command.isascii() and command.islower() and 1 <= len(command) <= 32
        assert 1 <= len(description) <= 256


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        Renderer("fr")
