"""Paged lists: clamped pages, buttons only where there is somewhere to go, data ≤ 64 bytes."""

from __future__ import annotations

from handlers.paging import paginate


def buttons(page) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    if page.markup is None:
        return []
    return [(b.text, b.callback_data) for row in page.markup.inline_keyboard for b in row]


def test_middle_page_has_both_buttons() -> None:
    page = paginate(list(range(45)), 1, 20, "people")
    assert (page.number, page.pages, page.offset, list(page.items)[:2]) == (2, 3, 20, [20, 21])
    assert buttons(page) == [("◀", "people:0"), ("▶", "people:2")]


def test_out_of_range_pages_are_clamped() -> None:
    assert paginate(list(range(45)), 99, 20, "p").number == 3
    assert paginate(list(range(45)), -3, 20, "p").number == 1
    assert buttons(paginate([], 0, 20, "p")) == []


def test_long_suffix_is_dropped_to_stay_within_telegram_limit() -> None:
    short = paginate(list(range(30)), 0, 10, "tasks", "海丝引领专项组")
    assert buttons(short) == [("▶", "tasks:1:海丝引领专项组")]
    long = paginate(list(range(30)), 0, 10, "tasks", "很长的工作小组名称" * 3)
    assert buttons(long) == [("▶", "tasks:1")]
    assert all(len(d.encode()) <= 64 for _, d in buttons(long) + buttons(short))
