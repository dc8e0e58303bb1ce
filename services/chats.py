"""Remember the chats the bot has talked in."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Chat


async def remember_chat(
    session: AsyncSession,
    *,
    chat_id: int,
    chat_type: str,
    title: str | None,
    username: str | None,
    now: datetime,
) -> Chat:
    """Insert or refresh a chat row and commit it."""
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
    else:
        chat.type, chat.title, chat.username, chat.last_seen_at = chat_type, title, username, now
    session.add(chat)
    await session.commit()
    return chat
