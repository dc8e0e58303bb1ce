"""Paged lists with ◀ / ▶ buttons (the page number travels in the callback data)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a list and the buttons to move between pages."""

    items: Sequence[T]
    number: int  # 1-based
    pages: int
    total: int
    offset: int
    markup: InlineKeyboardMarkup | None


def paginate(items: Sequence[T], page: int, size: int, prefix: str, suffix: str = "") -> Page[T]:
    """Clamp `page` (0-based) and slice; buttons carry `prefix:N` plus an optional `:suffix`."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    tail = f":{suffix}" if suffix and len(f"{prefix}:{pages}:{suffix}".encode()) <= 64 else ""
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=f"{prefix}:{page - 1}{tail}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=f"{prefix}:{page + 1}{tail}"))
    start = page * size
    return Page(
        items[start : start + size],
        page + 1,
        pages,
        len(items),
        start,
        InlineKeyboardMarkup([nav]) if nav else None,
    )
