"""Jinja2 rendering of every text a person reads (Chinese first, English as the second language)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("zh", "en")


class Renderer:
    """Renders `templates/<lang>/<name>.html` with HTML autoescape, falling back to zh."""

    def __init__(self, language: str = "zh", directory: Path = TEMPLATES_DIR) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
        self.language = language
        order = [language] + [lang for lang in LANGUAGES if lang != language]
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(directory / lang) for lang in order]),
            autoescape=select_autoescape(enabled_extensions=("html",), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def render(self, template: str, /, **context: Any) -> str:
        """Render a message template (Telegram HTML) by name."""
        return self.env.get_template(f"{template}.html").render(**context).strip()

    def render_text(self, template: str, /, **context: Any) -> str:
        """Render a plain-text template (no HTML), e.g. the command menu."""
        return self.env.get_template(f"{template}.txt").render(**context).strip()

    def command_menu(self) -> list[tuple[str, str]]:
        """The bot's command menu as (command, description) pairs from `commands.txt`."""
        pairs = []
        for line in self.render_text("commands").splitlines():
            if "|" in line:
                command, description = line.split("|", 1)
                pairs.append((command.strip(), description.strip()))
        return pairs
