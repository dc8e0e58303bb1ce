"""The digest as Telegram messages: render it (templates `digest`, `digest_group`,
`digest_quarter`) and cut it into numbered parts at paragraph boundaries.

The cut is lossless: the parts' bodies (each part without its "(k/n)\\n" number) concatenated
give back the rendered text exactly. A paragraph separator (the blank line, "\\n\\n") stays at
the end of the earlier part, where Telegram trims it away; only a paragraph longer than a message
is cut inside, by `bot.htmlsplit.split_html` (preferably after a line end, never inside a tag or
an entity). The digest templates never let an element span a line end, so there too the bodies
concatenate exactly. For arbitrary HTML two things are not undone by `join_parts`: an element
open at a cut inside a paragraph is closed at the end of one part and reopened at the start of
the next (`<b>ab</b>` cut after "a" joins back as `<b>a</b><b>b</b>`: same text, same
formatting), and a stretch of nothing but whitespace and tags that `split_html` would make a
part of its own is dropped.
"""

from __future__ import annotations

from bot.htmlsplit import TEXT_LIMIT, split_html, utf16_len
from bot.templating import Renderer
from services.digest.model import Digest, QuarterDigest

PARAGRAPH = "\n\n"


def _number(index: int, count: int) -> str:
    """The prefix of part `index` of `count`: "(1/3)\\n"."""
    return f"({index}/{count})\n"


def _paragraphs(html: str) -> list[str]:
    """`html` in pieces that concatenate back to it, each ending with its paragraph separator
    (the last excepted); a blank paragraph is glued to the one after it."""
    pieces = html.split(PARAGRAPH)
    chunks: list[str] = []
    pending = ""
    for index, piece in enumerate(pieces):
        chunk = pending + piece + (PARAGRAPH if index < len(pieces) - 1 else "")
        if piece.strip() or index == len(pieces) - 1:
            chunks.append(chunk)
            pending = ""
        else:
            pending = chunk
    if pending:  # only reachable when html ends with blank paragraphs: keep them with the last
        chunks.append(pending)
    return chunks


def _cut(chunk: str, budget: int) -> list[str]:
    """A paragraph longer than `budget` in pieces of at most `budget` UTF-16 units."""
    body = chunk.rstrip("\n")
    separator = chunk[len(body) :]
    pieces = split_html(body, budget - utf16_len(separator)) or [body]
    pieces[-1] += separator
    return pieces


def _pack(html: str, budget: int) -> list[str]:
    """Whole paragraphs packed into bodies of at most `budget` UTF-16 units."""
    bodies: list[str] = []
    current = ""
    for chunk in _paragraphs(html):
        if utf16_len(current) + utf16_len(chunk) <= budget:
            current += chunk
            continue
        if current:
            bodies.append(current)
        if utf16_len(chunk) <= budget:
            current = chunk
            continue
        pieces = _cut(chunk, budget)
        bodies.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        bodies.append(current)
    return bodies


def digest_parts(html: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Rendered digest HTML as messages of at most `limit` UTF-16 units, cut at blank lines.

    Whole paragraphs are packed into each message; a paragraph longer than a message is cut by
    `split_html`. With more than one part each starts with its number "(k/n)\\n", counted
    within the limit. Blank input gives no part.
    """
    if not html.strip():
        return []
    if utf16_len(html) <= limit:
        return [html]
    digits = 1
    while True:
        widest = 10**digits - 1
        budget = limit - utf16_len(_number(widest, widest))
        bodies = _pack(html, budget)
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
