"""Fonts for the digest's charts: a CJK font found on the system, and which texts it can draw.

The charts draw Chinese with a CJK font (Debian: `fonts-noto-cjk`) and everything else with
matplotlib's own DejaVu Sans. A character neither font has is dropped before drawing, so
matplotlib never draws a tofu box nor warns "Glyph … missing from font(s)".
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

from matplotlib import font_manager, ft2font
from matplotlib.font_manager import FontProperties

log = logging.getLogger(__name__)

# Preferred first: Simplified Chinese faces, then any CJK face that has the Han characters.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Source Han Sans",
    "Droid Sans Fallback",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "Arial Unicode MS",
)
CJK_PACKAGE = "fonts-noto-cjk"  # the Debian/Ubuntu package the warning names
LATIN_FAMILY = "DejaVu Sans"  # shipped with matplotlib: always there
_PROBE = "工作进展滞后"  # a family counts as CJK only when it draws these


@cache
def _charmap(family: str) -> frozenset[int]:
    """The code points one installed family draws (empty when it is not installed)."""
    try:
        path = font_manager.findfont(FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        return frozenset()
    index = getattr(path, "face_index", 0)
    return frozenset(ft2font.FT2Font(str(path), face_index=index).get_charmap())


def _installed() -> list[str]:
    """Family names of the fonts matplotlib knows, in a stable order."""
    return sorted({entry.name for entry in font_manager.fontManager.ttflist})


@cache
def cjk_font() -> str | None:
    """The family name of a CJK font on this system that draws Chinese, or None (cached)."""
    installed = _installed()
    others = [name for name in installed if "CJK" in name and "Mono" not in name]
    for family in [f for f in CJK_FAMILIES if f in installed] + others:
        if all(ord(char) in _charmap(family) for char in _PROBE):
            return family
    return None


_warned = threading.Event()


def warn_missing_cjk() -> None:
    """Log once per process that charts fall back to English for want of a CJK font."""
    if _warned.is_set():
        return
    _warned.set()
    log.warning(
        "no CJK font found: digest charts are drawn with English labels and numbered groups; "
        "install the %s package (then delete matplotlib's font cache) for Chinese",
        CJK_PACKAGE,
    )


@dataclass(frozen=True)
class ChartFont:
    """The families a chart draws with (CJK first when there is one) and what they can draw."""

    families: tuple[str, ...]
    cjk: bool  # a CJK family comes first

    def props(self, size: float, *, bold: bool = False) -> FontProperties:
        """Font properties for a text of `size` points."""
        return FontProperties(family=list(self.families), size=size,
                              weight="bold" if bold else "normal")  # fmt: skip

    def draws_letters(self, text: str) -> bool:
        """Whether every letter of `text` has a glyph (symbols such as emoji may be missing)."""
        return all(self._has(char) for char in text if unicodedata.category(char)[0] in "LN")

    def clean(self, text: str) -> str:
        """`text` without the characters no family draws (emoji…), `$` escaped (not mathtext)."""
        return "".join(char for char in text if self._has(char)).replace("$", r"\$")

    def _has(self, char: str) -> bool:
        if char in "\n ":
            return True
        return any(ord(char) in _charmap(family) for family in self.families)


def chart_font(cjk: str | None) -> ChartFont:
    """The chart's fonts: the CJK family (when found) then the Latin one."""
    return ChartFont((cjk, LATIN_FAMILY), True) if cjk else ChartFont((LATIN_FAMILY,), False)
