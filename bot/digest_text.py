"""The digest as Telegram messages: render it (templates `digest`, `digest_group`,
`digest_quarter`) and cut it into numbered parts at paragraph boundaries.

Cuts fall only at line ends where no element is open, so no part breaks an element and nothing
is added or lost: the parts' bodies (each part without its "(k/n)\\n" number) concatenated give
back the rendered text exactly. Whole paragraphs (separated by a blank line) are packed into each
part; the blank line stays at the end of the earlier part, where Telegram trims it away. A
paragraph longer than a message is cut at its line ends, whole lines packed; only a line longer
than a message is cut inside, by `bot.htmlsplit.split_html` (preferably after a space, never
inside a tag or an entity). There two things are not undone by `join_parts`: an element open at
such a cut is closed at the end of one part and reopened at the start of the next
(`<b>ab</b>` cut after "a" joins back as `<b>a</b><b>b</b>`: same text, same formatting), and a
stretch of nothing but whitespace that `split_html` would send alone is dropped. The digest
templates keep user text out of elements and whitespace-normalised, so for digests the join is
exact.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from bot.htmlsplit import TEXT_LIMIT, split_html
from bot.templating import Renderer
from services.digest.model import Digest, QuarterDigest

# A tag (as bot.htmlsplit reads one) or a line end.
_SCAN = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9-]*)(?:[^>"']|"[^"]*"|'[^']*')*>|\n""")


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts (astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _number(index: int, count: int) -> str:
    """The prefix of part `index` of `count`: "(1/3)\\n"."""
    return f"({index}/{count})\n"


def _line_ends(html: str) -> list[int]:
    """The positions just after a line end at which no element is open."""
    stack: list[str] = []
    ends: list[int] = []
    for match in _SCAN.finditer(html):
        name = match.group(2)
        if name is None:
            if not stack:
                ends.append(match.end())
        elif not match.group(1):
            stack.append(name.lower())
        elif name.lower() in stack:
            depth = len(stack) - 1 - stack[::-1].index(name.lower())
            del stack[depth:]
    return ends


def _segments(html: str, start: int, end: int, cuts: list[int]) -> list[str]:
    """html[start:end] cut at `cuts`; a piece with nothing visible is glued to the next one."""
    pieces: list[str] = []
    pending = ""
    for cut in [*cuts, end]:
        piece = pending + html[start:cut]
        start = cut
        if piece.strip():
            pieces.append(piece)
            pending = ""
        else:
            pending = piece
    if pending:
        if pieces:
            pieces[-1] += pending
        else:
            pieces.append(pending)
    return pieces


class _Packer:
    """Fills bodies of at most `budget` UTF-16 units, piece after piece."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.bodies: list[str] = []
        self.current: list[str] = []
        self.size = 0

    def add(self, piece: str, size: int) -> bool:
        """Append `piece` to the current body if it fits."""
        if self.size + size > self.budget:
            return False
        self.current.append(piece)
        self.size += size
        return True

    def place(self, piece: str, size: int) -> bool:
        """Append `piece` to the current body, or to a new one; False when it fits in none."""
        if self.add(piece, size):
            return True
        self.flush()
        return self.add(piece, size)

    def flush(self) -> None:
        """Close the current body."""
        if self.current:
            self.bodies.append("".join(self.current))
        self.current, self.size = [], 0


def _cut_line(line: str, budget: int) -> list[str]:
    """A line longer than `budget` in pieces that each fit (cut by split_html)."""
    body = line.rstrip("\n")
    ending = line[len(body) :]
    pieces = split_html(body, budget - _units(ending)) or [""]  # nothing visible: dropped
    pieces[-1] += ending
    return pieces


def _pack(html: str, budget: int) -> list[str]:
    """Bodies of at most `budget` UTF-16 units: whole paragraphs, else whole lines, else cut."""
    line_ends = _line_ends(html)
    paragraph_ends = [b for a, b in zip(line_ends, line_ends[1:], strict=False) if b == a + 1]
    packer = _Packer(budget)
    start = 0
    for paragraph in _segments(html, 0, len(html), paragraph_ends):
        end = start + len(paragraph)
        if not packer.place(paragraph, _units(paragraph)):
            inner = line_ends[bisect_right(line_ends, start) : bisect_left(line_ends, end)]
            for line in _segments(html, start, end, inner):
                size = _units(line)
                if size <= budget:
                    packer.place(line, size)
                    continue
                # Too long for any message: cut it, the lines before it in front (split_html cuts
                # after them only if that leaves the part at least half full).
                pieces = _cut_line("".join(packer.current) + line, budget)
                packer.current, packer.size = [], 0
                packer.bodies.extend(pieces[:-1])
                packer.add(pieces[-1], _units(pieces[-1]))
        start = end
    packer.flush()
    return packer.bodies


def digest_parts(html: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Rendered digest HTML as messages of at most `limit` UTF-16 units, cut at blank lines.

    Whole paragraphs are packed into each message; a paragraph longer than a message is cut at
    line ends, a line longer than a message by `split_html`. With more than one part each starts
    with its number "(k/n)\\n", counted within the limit. Blank input gives no part.
    """
    if not html.strip():
        return []
    total = _units(html)
    if total <= limit:
        return [html]
    digits = len(str(-(-total // limit)))  # there are at least total/limit parts
    while True:
        widest = 10**digits - 1
        bodies = _pack(html, limit - _units(_number(widest, widest)))
        if len(str(len(bodies))) <= digits:
            break
        digits += 1
    count = len(bodies)
    return [_number(index, count) + body for index, body in enumerate(bodies, start=1)]


def join_parts(parts: list[str]) -> str:
    """The inverse of `digest_parts`: the parts without their numbers, concatenated.

    Raises ValueError when the parts are not numbered 1..n in order.
    """
    if len(parts) <= 1:
        return "".join(parts)
    bodies = []
    for index, part in enumerate(parts, start=1):
        prefix = _number(index, len(parts))
        if not part.startswith(prefix):
            raise ValueError(f"part {index} does not start with {prefix!r}")
        bodies.append(part[len(prefix) :])
    return "".join(bodies)


def render_digest(renderer: Renderer, digest: Digest) -> list[str]:
    """The month digest for the HQ group, as messages."""
    return digest_parts(renderer.render("digest", digest=digest))


def render_group(renderer: Renderer, digest: Digest, group: str) -> list[str]:
    """One working group's part of the digest (for its leader), as messages.

    Raises LookupError when the digest has no such group.
    """
    if digest.group(group) is None:
        raise LookupError(f"no group {group!r} in the digest")
    return digest_parts(renderer.render("digest_group", digest=digest, group=group))


def render_quarter(renderer: Renderer, quarter: QuarterDigest) -> list[str]:
    """The quarter review, as messages."""
    return digest_parts(renderer.render("digest_quarter", quarter=quarter))
