"""Remember the chats the bot has talked in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Chat

# last_seen_at is kept to the day: a timestamp-only write on every message is not worth it.
SEEN_RESOLUTION = timedelta(days=1)


async def remember_chat(
    session: AsyncSession,
    *,
    chat_id: int,
    chat_type: str,
    title: str | None,
    username: str | None,
    now: datetime,
) -> Chat:
    """Insert or refresh a chat row; a write only when something changed (or a day passed)."""
    chat = await session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(
            id=chat_id,
            type=chat_type,
            title=title,
            username=username,
            first_seen_at=now,
            last_seen_at=now,
        )
    elif (chat.type, chat.title, chat.username) != (chat_type, title, username):
        chat.type, chat.title, chat.username, chat.last_seen_at = chat_type, title, username, now
    elif now - chat.last_seen_at >= SEEN_RESOLUTION:
        chat.last_seen_at = now
    else:
        return chat
    session.add(chat)
    await session.commit()
    return chat
