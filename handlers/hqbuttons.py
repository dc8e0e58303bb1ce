"""The keyboard of headquarters to pick from (/hq, and "which headquarters?")."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import PickHQ
from handlers.request import Request
from models.tables import Headquarters


def hq_keyboard(
    req: Request, hqs: Sequence[Headquarters], *, current: Headquarters | None
) -> InlineKeyboardMarkup | None:
    """One button per headquarters (the current one marked); None when there are none."""
    current_id = current.id if current is not None else None
    rows = [
        [
            InlineKeyboardButton(
                req.render("button_hq", name=hq.name, current=hq.id == current_id),
                callback_data=PickHQ(hq.id).pack(),
            )
        ]
        for hq in hqs
        if hq.id is not None
    ]
    return InlineKeyboardMarkup(rows) if rows else None
