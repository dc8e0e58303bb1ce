"""Cut rendered Telegram HTML into messages that each fit Telegram's limit and parse alone.

A cut never falls inside a tag (`<a href="…">`) or an entity (`&amp;`). Elements open at a cut
are closed at the end of that part and reopened (same tag, same attributes) at the start of the
next, so formatting carries over. Cuts fall preferably after a line end, then after a space, then
between any two characters. Lengths are measured on the raw HTML in UTF-16 code units, which is
never less than the length Telegram counts after parsing entities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from telegram.constants import MessageLimit

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)
ELLIPSIS = "…"

_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9A-Fa-f]{1,7}|[A-Za-z][A-Za-z0-9]{0,31});")


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (astral characters count twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class _Kind(IntEnum):
    """What a piece of HTML is; tags are never cut and never counted as visible text."""

    text = 0
    open = 1
    close = 2


@dataclass(frozen=True)
class _Atom:
    """An indivisible piece: one character, one entity, or one whole tag."""

    raw: str
    kind: _Kind
    tag: str = ""
    size: int = 1  # UTF-16 units of `raw`


_PIECE = re.compile(rf"(?P<tag>{_TAG.pattern})|(?P<entity>{_ENTITY.pattern})|.", re.DOTALL)


def _atoms(html: str) -> list[_Atom]:
    """Tokenise HTML into characters, entities and tags (a stray `<` or `&` is a character)."""
    atoms: list[_Atom] = []
    characters: dict[str, _Atom] = {}  # atoms are immutable: one per distinct character
    for match in _PIECE.finditer(html):
        raw = match.group(0)
        if match.group("tag"):
            kind = _Kind.close if match.group(2) else _Kind.open
            atoms.append(_Atom(raw, kind, match.group(3).lower(), utf16_len(raw)))
        elif match.group("entity"):
            atoms.append(_Atom(raw, _Kind.text, size=len(raw)))
        else:
            atom = characters.get(raw)
            if atom is None:
                atom = characters[raw] = _Atom(raw, _Kind.text, size=utf16_len(raw))
            atoms.append(atom)
    return atoms


def _closing(stack: list[_Atom]) -> str:
    return "".join(f"</{frame.tag}>" for frame in reversed(stack))


def _after(stack: list[_Atom], atom: _Atom) -> list[_Atom]:
    """The open-element stack once `atom` has been read."""
    if atom.kind is _Kind.open:
        return [*stack, atom]
    if atom.kind is _Kind.close:
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth].tag == atom.tag:
                return stack[:depth]
        return stack
    return stack


class _Preference(IntEnum):
    """Where a cut may fall, best last."""

    anywhere = 0
    space = 1
    line = 2


def _preference(atom: _Atom) -> _Preference:
    if atom.raw == "\n":
        return _Preference.line
    if atom.raw in (" ", "\t", "\u3000"):
        return _Preference.space
    return _Preference.anywhere


_TAG = re.compile(r"<[^>]*>")


def split_html(html: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut `html` into parts of at most `limit` UTF-16 units, each well-formed on its own.

    Joining the parts' visible text gives back the original text, except that a part holding
    nothing but whitespace is dropped (Telegram refuses an empty message).
    """
    if limit < 16:
        raise ValueError("limit too small to carry any formatting")
    if utf16_len(html) <= limit:  # the usual case: one message, nothing to cut
        return [html] if _TAG.sub("", html).strip() else []
    atoms = _atoms(html)
    parts: list[str] = []
    stack: list[_Atom] = []
    start = 0
    while start < len(atoms):
        prefix = "".join(frame.raw for frame in stack)
        if utf16_len(prefix) + utf16_len(_closing(stack)) + 2 > limit // 2:
            # Pathological nesting: give up formatting for the rest rather than break the limit.
            atoms = [a for a in atoms[start:] if a.kind is _Kind.text]
            stack, start, prefix = [], 0, ""
            if not atoms:
                break
        end, stack_at_end = _cut(atoms, start, stack, limit - utf16_len(prefix))
        body = "".join(a.raw for a in atoms[start:end])
        part = prefix + body + _closing(stack_at_end)
        if any(a.kind is _Kind.text and not a.raw.isspace() for a in atoms[start:end]):
            parts.append(part)
        stack, start = stack_at_end, end
    return parts


def _cut(
    atoms: list[_Atom], start: int, stack: list[_Atom], budget: int
) -> tuple[int, list[_Atom]]:
    """Where the part beginning at `start` ends (exclusive) and the elements open there."""
    used = 0
    current = stack
    closing = utf16_len(_closing(stack))
    best: dict[_Preference, tuple[int, list[_Atom], int]] = {}
    visible = False
    trail: _Preference | None = None  # what the last character allows; closing tags keep it
    i = start
    while i < len(atoms):
        atom = atoms[i]
        following, after = current, closing
        if atom.kind is not _Kind.text:
            following = _after(current, atom)
            after = utf16_len(_closing(following))
        if used + atom.size + after > budget:
            break
        used += atom.size
        current, closing = following, after
        i += 1
        if atom.kind is _Kind.text:
            trail = _preference(atom)
            visible = visible or not atom.raw.isspace()
        elif atom.kind is _Kind.open:
            trail = None
        if visible and trail is not None:
            best[trail] = (i, current, used)
            best[_Preference.anywhere] = (i, current, used)
    if i == len(atoms):
        return i, current
    # A nicer cut is taken unless it would leave the part less than half full.
    for preference in (_Preference.line, _Preference.space, _Preference.anywhere):
        if preference in best and (
            best[preference][2] * 2 >= used or preference is _Preference.anywhere
        ):
            return best[preference][:2]
    if i > start:  # only whitespace and tags fit: cut there, the part will be dropped
        return i, current
    # A single tag longer than the budget: it goes alone (the part is dropped, having no text),
    # and the guard in split_html then gives up formatting for the rest.
    return start + 1, _after(current, atoms[start])


def clip_text(text: str, limit: int) -> str:
    """Plain text cut to at most `limit` UTF-16 units, ending in "…" when cut."""
    if utf16_len(text) <= limit:
        return text
    kept: list[str] = []
    used = utf16_len(ELLIPSIS)
    for ch in text:
        size = utf16_len(ch)
        if used + size > limit:
            break
        kept.append(ch)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def clip_html(html: str, limit: int) -> str:
    """The first part of `html` that fits `limit`, ending in "…" when something was cut off."""
    parts = split_html(html, limit - len(ELLIPSIS))
    if len(parts) <= 1 and utf16_len(html) <= limit:
        return html
    return parts[0] + ELLIPSIS if parts else ""
