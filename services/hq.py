"""Which headquarters a command is about: named, the chat's group, the chat's choice, or the
only one the account belongs to — and who the account is there."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CompoundSelect, and_, union
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import GrantedRole, Invitation, RoleGrant
from models.people import Person
from models.reporting import ChatHQ
from models.tables import Headquarters
from models.tasks import Assignment, GroupLeader, HQLeader, Stage, Task, TaskStatus, WorkingGroup
from services.roles import Identity, Role, identify
from services.tasklist.normalize import text_key


class HQSource(StrEnum):
    """Why a headquarters was chosen for an update (or why none was)."""

    named = "named"  # named explicitly (the CLI's --hq, /sethq NAME)
    group = "group"  # the chat is that headquarters' group
    chosen = "chosen"  # remembered for this chat with /hq
    only = "only"  # the only headquarters there is
    member = "member"  # the only one the account belongs to
    ambiguous = "ambiguous"  # several, none chosen: pick one with /hq
    none = "none"  # no headquarters yet, or the account belongs to none of several


@dataclass
class HQChoice:
    """The outcome of resolving a headquarters: the one found, or why none was.

    `candidates` are names: every headquarters for `resolve_hq`; for `hq_for`, the account's own
    ones (config admins: all), or just the one found by the group or as the only one. `options`
    are the same headquarters as rows; `source` says which rule decided.
    """

    hq: Headquarters | None
    candidates: list[str]
    source: HQSource = HQSource.named
    options: list[Headquarters] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        """Several headquarters are possible and none was named or chosen."""
        return self.hq is None and len(self.candidates) > 1


async def _all_hqs(session: AsyncSession) -> list[Headquarters]:
    return list((await session.exec(select(Headquarters).order_by(col(Headquarters.id)))).all())


async def resolve_hq(session: AsyncSession, name: str | None) -> HQChoice:
    """The named headquarters, or the only one when no name is given."""
    all_hq = await _all_hqs(session)
    names = [h.name for h in all_hq]
    if name:
        named = next((h for h in all_hq if h.name == name), None)
        return HQChoice(named, names, HQSource.named, all_hq)
    if len(all_hq) == 1:
        return HQChoice(all_hq[0], names, HQSource.only, all_hq)
    return HQChoice(None, names, HQSource.ambiguous if all_hq else HQSource.none, all_hq)


def _member_hq_ids(telegram_user_id: int) -> CompoundSelect:
    """One query: the ids of every headquarters where the account's person has a role fact."""
    person = sa_select(col(Person.id)).where(col(Person.telegram_user_id) == telegram_user_id)
    grants = sa_select(col(RoleGrant.hq_id)).where(
        col(RoleGrant.person_id).in_(person),
        (col(RoleGrant.role) == GrantedRole.admin)
        | and_(
            col(RoleGrant.role) == GrantedRole.liaison, col(RoleGrant.principal_id).is_not(None)
        ),
    )
    titles = sa_select(col(HQLeader.hq_id)).where(col(HQLeader.person_id).in_(person))
    groups = (
        sa_select(col(WorkingGroup.hq_id))
        .join(GroupLeader, col(GroupLeader.group_id) == WorkingGroup.id)
        .where(col(GroupLeader.person_id).in_(person))
    )
    assigned = (
        sa_select(col(Task.hq_id))
        .join(Stage, col(Stage.task_id) == Task.id)
        .join(Assignment, col(Assignment.stage_id) == Stage.id)
        .where(
            col(Assignment.person_id).in_(person),
            col(Task.status) == TaskStatus.active,
            col(Stage.active).is_(True),
        )
    )
    invited = sa_select(col(Invitation.hq_id)).where(
        col(Invitation.person_id).in_(person), col(Invitation.used_at).is_not(None)
    )
    return union(grants, titles, groups, assigned, invited)


async def _member_of(
    session: AsyncSession,
    all_hq: Sequence[Headquarters],
    telegram_user_id: int | None,
    config_admins: Collection[int],
) -> list[Headquarters]:
    """The headquarters (of `all_hq`) the account belongs to; config admins belong to all."""
    if telegram_user_id is None:
        return []
    if telegram_user_id in config_admins:
        return list(all_hq)
    connection = await session.connection()
    ids = set((await connection.execute(_member_hq_ids(telegram_user_id))).scalars())
    return [h for h in all_hq if h.id in ids]


async def hqs_of(
    session: AsyncSession, telegram_user_id: int | None, config_admins: Collection[int]
) -> list[Headquarters]:
    """The headquarters an account belongs to (any role fact there, or an invitation of it the
    person used), in creation order; config admins belong to all."""
    return await _member_of(session, await _all_hqs(session), telegram_user_id, config_admins)


async def hq_for(
    session: AsyncSession,
    *,
    chat_id: int,
    telegram_user_id: int | None,
    config_admins: Collection[int],
) -> HQChoice:
    """Which headquarters an update from this chat and account is about.

    In order: the headquarters whose group the chat is; the one remembered for the chat (/hq),
    while the account still belongs to it; the only one there is; the only one the account
    belongs to. Otherwise none, with `candidates` the account's own (ambiguous when several).
    One query when there is a single headquarters; three at most.
    """
    rows = (
        await session.exec(
            select(Headquarters, ChatHQ.chat_id)
            .join(
                ChatHQ,
                and_(col(ChatHQ.hq_id) == Headquarters.id, col(ChatHQ.chat_id) == chat_id),
                isouter=True,
            )
            .order_by(col(Headquarters.id))
        )
    ).all()
    all_hq = [hq for hq, _ in rows]
    if not all_hq:
        return HQChoice(None, [], HQSource.none)
    of_chat = next((hq for hq in all_hq if hq.hq_chat_id == chat_id), None)
    if of_chat is not None:
        return HQChoice(of_chat, [of_chat.name], HQSource.group, [of_chat])
    if len(all_hq) == 1:
        return HQChoice(all_hq[0], [all_hq[0].name], HQSource.only, all_hq)
    mine = await _member_of(session, all_hq, telegram_user_id, config_admins)
    names = [hq.name for hq in mine]
    chosen = next((hq for hq, chooser in rows if chooser is not None), None)
    if chosen is not None and chosen in mine:
        return HQChoice(chosen, names, HQSource.chosen, mine)
    if len(mine) == 1:
        return HQChoice(mine[0], names, HQSource.member, mine)
    return HQChoice(None, names, HQSource.ambiguous if mine else HQSource.none, mine)


async def identify_in(
    session: AsyncSession,
    choice: HQChoice,
    telegram_user_id: int | None,
    config_admins: list[int],
) -> Identity:
    """The account's identity in the chosen headquarters; when the choice is ambiguous, its
    roles in all of its headquarters together (enough to say what it may do once it picks)."""
    if choice.hq is not None or not choice.ambiguous:
        return await identify(session, choice.hq, telegram_user_id, config_admins)
    return await identify_across(session, choice.options, telegram_user_id, config_admins)


async def identify_across(
    session: AsyncSession,
    hqs: Sequence[Headquarters],
    telegram_user_id: int | None,
    config_admins: list[int],
) -> Identity:
    """The account's roles in several headquarters together (groups, titles, principals too)."""
    merged = await identify(session, None, telegram_user_id, config_admins)
    for hq in hqs:
        one = await identify(session, hq, telegram_user_id, config_admins)
        merged.roles |= one.roles
        merged.groups_led += [g for g in one.groups_led if g not in merged.groups_led]
        merged.hq_titles += [t for t in one.hq_titles if t not in merged.hq_titles]
        known = {p.id for p in merged.principals}
        merged.principals += [p for p in one.principals if p.id not in known]
    if len(merged.roles) > 1:
        merged.roles.discard(Role.stranger)
    return merged


class ChooseKind(StrEnum):
    """What pressing a headquarters under /hq did."""

    chosen = "chosen"  # remembered for the chat
    same = "same"  # it already was the chat's headquarters
    not_member = "not_member"  # the account does not belong to it: nothing changed
    missing = "missing"  # no such headquarters (deleted, or a forged id)


@dataclass(frozen=True)
class ChooseOutcome:
    """The outcome of `choose_hq`, with the headquarters when it exists."""

    kind: ChooseKind
    hq: Headquarters | None = None


async def choose_hq(
    session: AsyncSession,
    *,
    chat_id: int,
    hq_id: int,
    telegram_user_id: int,
    config_admins: Collection[int],
    now: datetime,
) -> ChooseOutcome:
    """Remember a headquarters for a chat (/hq), when the account belongs to it; commit."""
    hq = await session.get(Headquarters, hq_id)
    if hq is None:
        return ChooseOutcome(ChooseKind.missing)
    mine = await _member_of(session, [hq], telegram_user_id, config_admins)
    if hq not in mine:
        return ChooseOutcome(ChooseKind.not_member, hq)
    row = await session.get(ChatHQ, chat_id)
    if row is not None and row.hq_id == hq_id:
        return ChooseOutcome(ChooseKind.same, hq)
    if row is None:
        row = ChatHQ(chat_id=chat_id, hq_id=hq_id, chosen_at=now)
    row.hq_id, row.chosen_at = hq_id, now
    session.add(row)
    await session.commit()
    return ChooseOutcome(ChooseKind.chosen, hq)


def hq_named_in(text: str | None, hqs: Sequence[Headquarters]) -> Headquarters | None:
    """The headquarters whose name appears in `text` (e.g. a file's caption); the longest name
    wins, so one name inside another is not mistaken for it. Spaces and width do not matter."""
    key = text_key(text or "")
    named = [hq for hq in hqs if text_key(hq.name) and text_key(hq.name) in key]
    return max(named, key=lambda hq: len(text_key(hq.name)), default=None)


async def latest_plan_year(session: AsyncSession, hq_id: int) -> int | None:
    """The newest plan year that has tasks in a headquarters."""
    return (await session.exec(select(func.max(Task.plan_year)).where(Task.hq_id == hq_id))).one()


async def ensure_hq(session: AsyncSession, name: str, now: datetime) -> Headquarters:
    """The named headquarters, created when it does not exist yet."""
    hq = (await session.exec(select(Headquarters).where(Headquarters.name == name))).first()
    if hq is None:
        hq = Headquarters(name=name, created_at=now)
        session.add(hq)
        await session.commit()
    return hq


async def set_hq_chat(session: AsyncSession, hq: Headquarters, chat_id: int) -> int | None:
    """Make a group the headquarters' group; returns the group it replaced, if any."""
    previous = hq.hq_chat_id
    hq.hq_chat_id = chat_id
    session.add(hq)
    await session.commit()
    return previous if previous != chat_id else None


async def migrate_hq_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """Follow a group's upgrade to a supergroup; returns how many headquarters moved."""
    moved = list(
        (
            await session.exec(select(Headquarters).where(Headquarters.hq_chat_id == old_chat_id))
        ).all()
    )
    for hq in moved:
        hq.hq_chat_id = new_chat_id
        session.add(hq)
    await session.commit()
    return len(moved)


async def hq_of_chat(session: AsyncSession, chat_id: int) -> Headquarters | None:
    """The headquarters whose group this chat is."""
    return (
        await session.exec(select(Headquarters).where(Headquarters.hq_chat_id == chat_id))
    ).first()


MAX_HQ_NAME = 200


class RenameKind(StrEnum):
    """What renaming a headquarters did."""

    renamed = "renamed"
    same = "same"  # it already has that name
    taken = "taken"  # another headquarters has it
    invalid = "invalid"  # empty or longer than MAX_HQ_NAME after stripping
    missing = "missing"  # no headquarters with that id


@dataclass(frozen=True)
class RenameOutcome:
    """The outcome of `rename_hq`: the kind, the (stripped) name asked for, the old name."""

    kind: RenameKind
    name: str
    old_name: str | None = None
    limit: int = MAX_HQ_NAME


async def rename_hq(session: AsyncSession, hq_id: int, new_name: str) -> RenameOutcome:
    """Give a headquarters another name (1..200 characters after stripping); commit."""
    name = " ".join(new_name.split())
    if not 1 <= len(name) <= MAX_HQ_NAME:
        return RenameOutcome(RenameKind.invalid, name)
    hq = await session.get(Headquarters, hq_id)
    if hq is None:
        return RenameOutcome(RenameKind.missing, name)
    old = hq.name
    if old == name:
        return RenameOutcome(RenameKind.same, name, old)
    other = await session.exec(
        select(Headquarters.id).where(col(Headquarters.name) == name, col(Headquarters.id) != hq_id)
    )
    if other.first() is not None:
        return RenameOutcome(RenameKind.taken, name, old)
    hq.name = name
    session.add(hq)
    try:
        await session.commit()
    except IntegrityError:  # taken meanwhile (the name is unique)
        await session.rollback()
        return RenameOutcome(RenameKind.taken, name, old)
    return RenameOutcome(RenameKind.renamed, name, old)
