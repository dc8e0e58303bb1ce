"""Paged lists: clamped pages, buttons only where there is somewhere to go, typed payloads."""

from __future__ import annotations

from handlers.callbacks import PeoplePage, TasksPage
from handlers.paging import Page, paginate


def buttons(page: Page[int]) -> list[tuple[str, str]]:
    if page.markup is None:
        return []
    return [(b.text, str(b.callback_data)) for row in page.markup.inline_keyboard for b in row]


def test_middle_page_has_both_buttons() -> None:
    page = paginate(list(range(45)), 1, 20, PeoplePage)
    assert (page.number, page.pages, page.offset, list(page.items)[:2]) == (2, 3, 20, [20, 21])
    assert buttons(page) == [("◀", "people:0"), ("▶", "people:2")]


def test_out_of_range_pages_are_clamped() -> None:
    assert paginate(list(range(45)), 99, 20, PeoplePage).number == 3
    assert paginate(list(range(45)), -3, 20, PeoplePage).number == 1
    assert buttons(paginate([], 0, 20, PeoplePage)) == []


def test_a_group_filter_survives_paging_whatever_its_name_length() -> None:
    page = paginate(list(range(30)), 0, 10, lambda n: TasksPage(n, 123456789))
    [(_, data)] = buttons(page)
    assert TasksPage.parse(data) == TasksPage(1, 123456789)
    assert len(data.encode()) <= 64
