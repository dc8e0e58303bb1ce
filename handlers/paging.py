"""Paged lists with ◀ / ▶ buttons (the page travels in typed callback data)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import CallbackData

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


def paginate(
    items: Sequence[T], page: int, size: int, button: Callable[[int], CallbackData]
) -> Page[T]:
    """Clamp `page` (0-based) and slice; `button(n)` is the payload that shows page n."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=button(page - 1).pack()))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=button(page + 1).pack()))
    start = page * size
    return Page(
        items[start : start + size],
        page + 1,
        pages,
        len(items),
        start,
        InlineKeyboardMarkup([nav]) if nav else None,
    )
