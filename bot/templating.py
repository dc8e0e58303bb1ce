"""Jinja2 rendering of every text a person reads (Chinese first, English as the second language)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.language import LANGUAGES

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
ELLIPSIS = "…"


def clip(value: object, n: int) -> str:
    """At most `n` characters of `value`, the last one "…" when it was longer (a Jinja filter)."""
    text = "" if value is None else str(value)
    if len(text) <= n:
        return text
    return text[: max(n - 1, 0)].rstrip() + ELLIPSIS


def plain_number(value: object) -> str:
    """A number as government documents write it: no thousands separators, no trailing .0."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


class Renderer:
    """Renders `templates/<lang>/<name>.html` with HTML autoescape, falling back to zh."""

    def __init__(self, language: str = "zh", directory: Path = TEMPLATES_DIR) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
        self.language = language
        self.directory = directory
        order = [language] + [lang for lang in LANGUAGES if lang != language]
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(directory / lang) for lang in order]),
            autoescape=select_autoescape(
                enabled_extensions=("html",), disabled_extensions=("txt",), default=True
            ),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._menu: tuple[tuple[str, str], ...] | None = None
        self.env.filters["clip"] = clip
        self.env.filters["plain_number"] = plain_number

    def render(self, template: str, /, **context: Any) -> str:
        """Render a message template (Telegram HTML) by name."""
        return self.env.get_template(f"{template}.html").render(**context).strip()

    def render_text(self, template: str, /, **context: Any) -> str:
        """Render a plain-text template (no HTML), e.g. the command menu."""
        return self.env.get_template(f"{template}.txt").render(**context).strip()

    def command_menu(self) -> list[tuple[str, str]]:
        """The bot's command menu as (command, description) pairs from `commands.txt`."""
        if self._menu is not None:
            return list(self._menu)
        pairs = []
        for line in self.render_text("commands").splitlines():
            if "|" in line:
                command, description = line.split("|", 1)
                pairs.append((command.strip(), description.strip()))
        self._menu = tuple(pairs)
        return pairs


class Renderers:
    """One Renderer per language, built once; `default` is the configured language's."""

    def __init__(self, default: Renderer) -> None:
        self.default = default
        self._by_language = {
            language: default
            if language == default.language
            else Renderer(language, default.directory)
            for language in LANGUAGES
        }

    def for_language(self, language: str | None) -> Renderer:
        """The renderer of `language`; the default one for None or a language it lacks."""
        if language is None:
            return self.default
        return self._by_language.get(language, self.default)
