"""Each chat's language: a person's (their private chat) or a group's, chosen with /lang."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.digest import ChatLanguage

LANGUAGES = ("zh", "en")

# The words /lang understands (compared case-insensitively, surrounding spaces ignored).
LANGUAGE_WORDS: dict[str, str] = {
    "zh": "zh",
    "中文": "zh",
    "chinese": "zh",
    "en": "en",
    "英文": "en",
    "english": "en",
}

# Chats per query: well under every backend's limit on bound parameters.
CHUNK = 10_000


class LanguageOutcome(StrEnum):
    """What `set_language` did."""

    set = "set"
    unchanged = "unchanged"
    unknown = "unknown"


def parse_language(word: str) -> str | None:
    """The language code ("zh" / "en") a word names, or None when it names none."""
    return LANGUAGE_WORDS.get(word.strip().casefold())


async def chat_language(session: AsyncSession, chat_id: int) -> str | None:
    """The language chosen for a chat, or None when nobody chose one."""
    row = await session.get(ChatLanguage, chat_id)
    return row.language if row is not None else None


async def languages_of(session: AsyncSession, chat_ids: Iterable[int]) -> dict[int, str]:
    """The chosen language of each of these chats that has one (one query per 10 000 chats)."""
    ids = sorted(set(chat_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = select(ChatLanguage.chat_id, ChatLanguage.language).where(
            col(ChatLanguage.chat_id).in_(chunk)
        )
        found.update({chat_id: language for chat_id, language in await session.exec(query)})
    return found


async def set_language(
    session: AsyncSession, *, chat_id: int, language: str, by: int | None, now: datetime
) -> LanguageOutcome:
    """Choose a chat's language from a word of `LANGUAGE_WORDS`; commit."""
    code = parse_language(language)
    if code is None:
        return LanguageOutcome.unknown
    row = await session.get(ChatLanguage, chat_id)
    if row is not None and row.language == code:
        return LanguageOutcome.unchanged
    if row is None:
        row = ChatLanguage(chat_id=chat_id, language=code, set_by=by, set_at=now)
    else:
        row.language, row.set_by, row.set_at = code, by, now
    session.add(row)
    await session.commit()
    return LanguageOutcome.set
