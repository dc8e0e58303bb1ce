"""Which language to write to a chat in: its /lang choice, else the configured `app.language`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from bot.templating import Renderer
from services.language import chat_language, languages_of


async def language_of(deps: Deps, session: AsyncSession, chat_id: int) -> str:
    """A chat's language (one query)."""
    return await chat_language(session, chat_id) or deps.settings.app.language


async def languages_for(
    deps: Deps, session: AsyncSession, chat_ids: Iterable[int]
) -> dict[int, str]:
    """The language of each of these chats, in one query (for messages to many chats)."""
    ids = list(chat_ids)
    chosen = await languages_of(session, ids)
    default = deps.settings.app.language
    return {chat_id: chosen.get(chat_id, default) for chat_id in ids}


async def renderer_of(deps: Deps, session: AsyncSession, chat_id: int) -> Renderer:
    """The renderer for a chat's language (one query)."""
    return deps.renderers.for_language(await language_of(deps, session, chat_id))


async def chat_renderer(deps: Deps, chat_id: int) -> Renderer:
    """`renderer_of` in a session of its own, for replies outside a request context."""
    async with deps.sessions() as session:
        return await renderer_of(deps, session, chat_id)
