"""Unit names as the digest shows them: /alias lists, adds (别名 = 标准名) and removes aliases."""

from __future__ import annotations

from telegram.ext import CommandHandler

from bot.context import HQApplication
from handlers.guards import guarded
from handlers.request import Request
from services.digest.units import (
    add_alias,
    known_units,
    list_aliases,
    remove_alias,
    unit_names,
)

REMOVE_WORDS = frozenset({"remove", "del", "delete", "删除"})
SEPARATORS = ("=", "＝", "→", "->")


def _pair(text: str) -> tuple[str, str] | None:
    """'别名 = 标准名' (also ＝, →, ->) as (alias, canonical); None when it is not one."""
    for separator in SEPARATORS:
        if separator in text:
            alias, canonical = (part.strip() for part in text.split(separator, 1))
            return (alias, canonical) if alias and canonical else None
    return None


@guarded("alias")
async def alias_command(req: Request) -> None:
    """/alias | /alias 别名 = 标准名 | /alias remove 别名: how units are named in digests."""
    args = req.args
    text = " ".join(args)
    if not args:
        names = await unit_names(req.session)
        aliases = await list_aliases(req.session)
        listed = {a.alias for a in aliases}
        merged = [(name, names.canonical(name)) for name in sorted(await known_units(req.session))
                  if name not in listed and names.canonical(name) != name]  # fmt: skip
        await req.reply("alias_list", aliases=aliases, merged=merged)
        return
    if args[0].lower() in REMOVE_WORDS and len(args) > 1:
        alias = " ".join(args[1:])
        await req.reply("alias_removed", kind=await remove_alias(req.session, alias=alias),
                        alias=alias)  # fmt: skip
        return
    pair = _pair(text)
    if pair is None:
        await req.reply("alias_usage", value=text)
        return
    outcome = await add_alias(req.session, alias=pair[0], canonical=pair[1], by=req.user.id,
                              now=req.now)  # fmt: skip
    await req.reply("alias_added", outcome=outcome)


def register(application: HQApplication) -> None:
    """Add /alias (admins, private chat)."""
    application.add_handler(CommandHandler("alias", alias_command))
