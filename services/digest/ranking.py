"""Group ranks and 通报: who does best, and who is named for missing or lagging items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from services.digest.model import GroupSummary, ItemLine, Light, Notice, Owed
from services.digest.progress import SHARE_PLACES


def group_score(green: int, due: int) -> Decimal:
    """A group's score: the share of its due items that are 🟢 (0..1, 4 decimals)."""
    if due == 0:
        return Decimal(0)
    return (Decimal(green) / Decimal(due)).quantize(SHARE_PLACES, ROUND_HALF_UP)


def metric_share(group: GroupSummary) -> Decimal:
    """The mean completion share of the group's metric totals (0 without any)."""
    shares = [m.standing.share for m in group.metrics if m.standing.share is not None]
    if not shares:
        return Decimal(0)
    return (sum(shares, Decimal(0)) / len(shares)).quantize(SHARE_PLACES, ROUND_HALF_UP)


def _rank_key(group: GroupSummary) -> tuple[Decimal, Decimal, Decimal]:
    """What groups are ordered by, best first when sorted descending."""
    return (group.score, group.submission.rate, metric_share(group))


def rank_groups(groups: Sequence[GroupSummary]) -> None:
    """Set each group's rank: by score, then 报送率, then metric share; ties share a rank."""
    ordered = sorted(groups, key=_rank_key, reverse=True)
    for place, group in enumerate(ordered, start=1):
        previous = ordered[place - 2] if place > 1 else None
        same = previous is not None and _rank_key(previous) == _rank_key(group)
        group.rank = previous.rank if same and previous is not None else place


def _owed(item: ItemLine) -> Owed:
    return Owed(item.number, item.task_name, item.person, item.why)


def notices(items: Sequence[ItemLine], name_of: Callable[[ItemLine], str]) -> list[Notice]:
    """通报 by `name_of` (group or unit): those with missing or lagging items, worst first.

    Ordered by missing + lagging (desc), then missing (desc), then name; equal counts share a
    rank. A name lagging this month `needs_plan` (a 推进方案 with next month's report).
    """
    found: dict[str, Notice] = {}
    white, green = Light.white, Light.green
    for item in items:
        name = name_of(item)
        notice = found.get(name)
        if notice is None:
            notice = found[name] = Notice(name, 0, 0, 0, [])
        notice.due += 1
        if item.light is white:
            notice.missing += 1
        elif item.light is green:
            continue
        else:
            notice.lagging += 1
        notice.owed.append(_owed(item))
    found.pop("", None)
    named = sorted((n for n in found.values() if n.total > 0),
                   key=lambda n: (-n.total, -n.missing, n.name))  # fmt: skip
    for place, notice in enumerate(named, start=1):
        previous = named[place - 2] if place > 1 else None
        same = previous is not None and (previous.total, previous.missing) == (
            notice.total, notice.missing)  # fmt: skip
        notice.rank = previous.rank if same and previous is not None else place
        notice.needs_plan = notice.lagging > 0
    return named
