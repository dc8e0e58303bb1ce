"""Invitations: single-use, expiring, unguessable deep-link codes that bind a Telegram account."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import CodeAttempt, GrantedRole, Invitation, RoleGrant
from models.people import Person, Unit
from services.names import PersonQuery
from services.people import (
    LookupKind,
    PersonLookup,
    hq_person_ids,
    is_member,
    lookup_person,
    unbound_people,
    unit_names,
)

log = logging.getLogger(__name__)

CODE_BYTES = 24  # 192 random bits → 32 characters of [A-Za-z0-9_-]
CODE_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
# The first account to open a link holds it this long (or until it confirms or declines).
CLAIM_TTL = timedelta(minutes=30)
# What admins type after /invite to invite everyone not yet bound (parsing vocabulary).
ALL_WORDS = frozenset({"all", "全部", "所有人"})


def hash_code(code: str) -> str:
    """What is stored instead of the code."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


def invite_link(bot_username: str, code: str) -> str:
    """The deep link a person opens to bind their account."""
    return f"https://t.me/{bot_username}?start={code}"


def new_code() -> str:
    """A fresh code that fits Telegram's deep-link payload (≤ 64 chars of [A-Za-z0-9_-])."""
    return secrets.token_urlsafe(CODE_BYTES)


@dataclass
class IssuedInvite:
    """A code just created (the only moment the plain code exists) and whom it is for."""

    person_id: int
    name: str
    unit: str | None
    code: str
    expires_at: datetime
    invitation_id: int = 0


async def issue(
    session: AsyncSession,
    hq_id: int,
    persons: list[Person],
    *,
    now: datetime,
    ttl: timedelta,
    created_by: int | None,
) -> list[IssuedInvite]:
    """Create one invitation per person still part of the headquarters; commit.

    Older links keep working: call supersede() once the new ones were delivered. Persons with no
    active task and no role in the headquarters (withdrawn) get no link.
    """
    in_hq = set(await hq_person_ids(session, hq_id)) if persons else set()
    members = [p for p in persons if p.id in in_hq]
    if not members:
        return []
    units = await unit_names(session, [p.unit_id for p in members if p.unit_id is not None])
    created: list[tuple[Person, str, Invitation]] = []
    for person in members:
        assert person.id is not None
        code = new_code()
        invitation = Invitation(
            hq_id=hq_id,
            person_id=person.id,
            code_hash=hash_code(code),
            created_at=now,
            expires_at=now + ttl,
            created_by=created_by,
        )
        session.add(invitation)
        created.append((person, code, invitation))
    await session.commit()
    return [
        IssuedInvite(
            person_id=invitation.person_id,
            name=person.name,
            unit=units.get(person.unit_id) if person.unit_id is not None else None,
            code=code,
            expires_at=invitation.expires_at,
            invitation_id=invitation.id or 0,
        )
        for person, code, invitation in created
    ]


async def supersede(session: AsyncSession, issued_ids: Sequence[int], now: datetime) -> int:
    """Void the older unused links of the persons just sent new ones; returns how many.

    Call it after the message carrying the new links was delivered, so that a failed send never
    leaves a person with no working link.
    """
    if not issued_ids:
        return 0
    newest: dict[tuple[int, int], int] = {}
    for invitation in (
        await session.exec(select(Invitation).where(col(Invitation.id).in_(issued_ids)))
    ).all():
        assert invitation.id is not None
        key = (invitation.hq_id, invitation.person_id)
        newest[key] = max(newest.get(key, 0), invitation.id)
    voided = 0
    for (hq_id, person_id), newest_id in newest.items():
        older = (
            await session.exec(
                select(Invitation).where(
                    Invitation.hq_id == hq_id,
                    Invitation.person_id == person_id,
                    col(Invitation.id) < newest_id,
                    col(Invitation.id).not_in(issued_ids),
                    col(Invitation.used_at).is_(None),
                    col(Invitation.revoked_at).is_(None),
                )
            )
        ).all()
        for invitation in older:
            invitation.revoked_at = now
            session.add(invitation)
        voided += len(older)
    await session.commit()
    return voided


class InviteKind(StrEnum):
    """Outcome of /invite (or `hqbot invites`)."""

    issued = "issued"  # links in `issued`; call supersede() after delivering them
    nobody = "nobody"  # /invite all: everyone is bound already
    not_found = "not_found"
    ambiguous = "ambiguous"
    invalid_name = "invalid_name"
    withdrawn = "withdrawn"  # the person has no active task and no role in this headquarters


@dataclass
class InviteOutcome:
    """New invitation links, or why none were made."""

    kind: InviteKind
    issued: list[IssuedInvite] = field(default_factory=list)
    lookup: PersonLookup | None = None
    person: Person | None = None
    unit: str | None = None

    @property
    def invitation_ids(self) -> list[int]:
        """What to pass to supersede() once the links were delivered."""
        return [i.invitation_id for i in self.issued]


async def invite(
    session: AsyncSession,
    *,
    hq_id: int,
    who: PersonQuery | None,
    now: datetime,
    ttl: timedelta,
    by: int | None,
) -> InviteOutcome:
    """/invite NAME[/UNIT] (`who`) or /invite all (`who` None: everyone not yet bound)."""
    if who is None:
        issued = await issue(
            session, hq_id, await unbound_people(session, hq_id, now),
            now=now, ttl=ttl, created_by=by,
        )  # fmt: skip
        return InviteOutcome(InviteKind.issued if issued else InviteKind.nobody, issued)
    found = await lookup_person(session, who)
    if found.kind is not LookupKind.found or found.person is None:
        return InviteOutcome(InviteKind(found.kind.value), lookup=found)
    person = found.person
    issued = await issue(session, hq_id, [person], now=now, ttl=ttl, created_by=by)
    if not issued:
        units = await unit_names(session, [person.unit_id] if person.unit_id else [])
        unit = units.get(person.unit_id) if person.unit_id else None
        return InviteOutcome(InviteKind.withdrawn, lookup=found, person=person, unit=unit)
    return InviteOutcome(InviteKind.issued, issued, lookup=found, person=person)


class ClaimStatus(StrEnum):
    """Outcome of opening an invitation link."""

    ok = "ok"
    unknown = "unknown"
    used = "used"
    expired = "expired"
    revoked = "revoked"
    rate_limited = "rate_limited"
    held = "held"  # another account opened it first and may still confirm: admins are told
    withdrawn = "withdrawn"  # the person has no active task and no role in the headquarters


@dataclass
class Claim:
    """An opened link: its status and, when valid, the invitation and the person it names.

    `opener_bound_as` and `opener_is_admin` let the card warn an opener who should not confirm.
    For `held`, `person`, `unit` and `opener_id` are what the admins are told.
    """

    status: ClaimStatus
    invitation: Invitation | None = None
    person: Person | None = None
    unit: str | None = None
    already_bound: bool = False
    opener_id: int | None = None
    opener_bound_as: str | None = None
    opener_is_admin: bool = False
    held_until: datetime | None = None


async def _failures(session: AsyncSession, telegram_user_id: int, now: datetime) -> int:
    return (
        await session.exec(
            select(func.count())
            .select_from(CodeAttempt)
            .where(
                CodeAttempt.telegram_user_id == telegram_user_id,
                col(CodeAttempt.at) > now - FAILURE_WINDOW,
            )
        )
    ).one()


async def _bound_person(session: AsyncSession, telegram_user_id: int) -> Person | None:
    return (
        await session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id))
    ).first()


async def _is_admin(
    session: AsyncSession, hq_id: int, telegram_user_id: int, config_admins: Collection[int]
) -> bool:
    """Whether an account is a bootstrap admin or a bound person granted admin in this HQ."""
    if telegram_user_id in config_admins:
        return True
    grant = (
        await session.exec(
            select(RoleGrant.id)
            .join(Person, col(Person.id) == RoleGrant.person_id)
            .where(
                RoleGrant.hq_id == hq_id,
                RoleGrant.role == GrantedRole.admin,
                Person.telegram_user_id == telegram_user_id,
            )
        )
    ).first()
    return grant is not None


async def claim(
    session: AsyncSession,
    code: str,
    telegram_user_id: int,
    now: datetime,
    *,
    config_admins: Collection[int] = (),
) -> Claim:
    """Check a code from a deep link; the first account to open it holds it for CLAIM_TTL.

    A second account meanwhile gets `held` (the admins should be told; it counts towards that
    account's MAX_FAILURES, which bounds the notices). The holder opening it again refreshes its
    hold. An account bound to someone else never holds it (it could not confirm), and an admin's
    hold yields to the next opener, so testing a link blocks nobody.
    """
    if await _failures(session, telegram_user_id, now) >= MAX_FAILURES:
        log.warning("invitation attempts from user %s are rate-limited", telegram_user_id)
        return Claim(ClaimStatus.rate_limited, opener_id=telegram_user_id)
    invitation = None
    if 16 <= len(code) <= 64 and set(code) <= CODE_ALPHABET:
        invitation = (
            await session.exec(select(Invitation).where(Invitation.code_hash == hash_code(code)))
        ).first()
    status = _status(invitation, now)
    if status is not ClaimStatus.ok or invitation is None:
        session.add(CodeAttempt(telegram_user_id=telegram_user_id, at=now))
        await session.commit()
        failures = await _failures(session, telegram_user_id, now)
        log.warning(
            "invalid invitation code (%s) from user %s: %d failure(s) in %d min",
            status.value,
            telegram_user_id,
            failures,
            FAILURE_WINDOW.seconds // 60,
        )
        return Claim(status, opener_id=telegram_user_id)
    person = await session.get(Person, invitation.person_id)
    assert person is not None and person.id is not None
    unit = await session.get(Unit, person.unit_id) if person.unit_id else None
    found = Claim(
        ClaimStatus.ok, invitation, person, unit.name if unit else None, opener_id=telegram_user_id
    )
    if not await is_member(session, invitation.hq_id, person.id):
        found.status = ClaimStatus.withdrawn
        return found
    if person.telegram_user_id == telegram_user_id:
        found.already_bound = True
        return found
    opener = await _bound_person(session, telegram_user_id)
    found.opener_bound_as = opener.name if opener is not None else None
    found.opener_is_admin = await _is_admin(
        session, invitation.hq_id, telegram_user_id, config_admins
    )
    holder, since = invitation.claimed_by, invitation.claimed_at
    if (
        holder is not None
        and holder != telegram_user_id
        and since is not None
        and since + CLAIM_TTL > now
        and not await _is_admin(session, invitation.hq_id, holder, config_admins)
    ):
        # Counted like a wrong code, so a leaked link cannot flood the admins with notices.
        session.add(CodeAttempt(telegram_user_id=telegram_user_id, at=now))
        await session.commit()
        log.warning(
            "invitation %s for person %s is held by another account; opened by user %s",
            invitation.id,
            person.id,
            telegram_user_id,
        )
        found.status, found.held_until = ClaimStatus.held, since + CLAIM_TTL
        return found
    if opener is None:
        invitation.claimed_by, invitation.claimed_at = telegram_user_id, now
        session.add(invitation)
        await session.commit()
    return found


def _status(invitation: Invitation | None, now: datetime) -> ClaimStatus:
    if invitation is None:
        return ClaimStatus.unknown
    if invitation.used_at is not None:
        return ClaimStatus.used
    if invitation.revoked_at is not None:
        return ClaimStatus.revoked
    if invitation.expires_at <= now:
        return ClaimStatus.expired
    return ClaimStatus.ok


class ConfirmStatus(StrEnum):
    """Outcome of pressing 确认 on an invitation card."""

    bound = "bound"
    not_yours = "not_yours"
    invalid = "invalid"
    account_taken = "account_taken"
    withdrawn = "withdrawn"


@dataclass
class Confirmation:
    """A confirmed (or refused) binding."""

    status: ConfirmStatus
    person: Person | None = None
    previous_account: int | None = None
    other_person: str | None = None


async def confirm(
    session: AsyncSession,
    invitation_id: int,
    telegram_user_id: int,
    username: str | None,
    now: datetime,
) -> Confirmation:
    """Bind the account to the invited person; a previous account of theirs is unbound.

    Only the account holding the link may confirm (it keeps it until another account takes the
    link over after CLAIM_TTL); an account bound to someone else is refused.
    """
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None:
        return Confirmation(ConfirmStatus.not_yours)
    if _status(invitation, now) is not ClaimStatus.ok:
        return Confirmation(ConfirmStatus.invalid)
    person = await session.get(Person, invitation.person_id)
    assert person is not None and person.id is not None
    if not await is_member(session, invitation.hq_id, person.id):
        return Confirmation(ConfirmStatus.withdrawn, person)
    other = await _bound_person(session, telegram_user_id)
    if other is not None and other.id != person.id:
        return Confirmation(ConfirmStatus.account_taken, person, other_person=other.name)
    if invitation.claimed_by != telegram_user_id:
        return Confirmation(ConfirmStatus.not_yours)
    previous = person.telegram_user_id if person.telegram_user_id != telegram_user_id else None
    person.telegram_user_id = telegram_user_id
    person.telegram_username = username
    person.bound_at = now
    person.reachable = True
    invitation.used_at, invitation.used_by = now, telegram_user_id
    session.add_all([person, invitation])
    await session.commit()
    if previous:
        log.info("person %s re-bound: previous account %s released", person.id, previous)
    return Confirmation(ConfirmStatus.bound, person, previous_account=previous)


async def decline(session: AsyncSession, invitation_id: int, telegram_user_id: int) -> bool:
    """Release the link if this account holds it ("that's not me"); the link stays usable by the
    right person. True when the invitation exists (the card can say nothing was bound)."""
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None:
        return False
    if invitation.claimed_by == telegram_user_id:
        invitation.claimed_by, invitation.claimed_at = None, None
        session.add(invitation)
        await session.commit()
    return True
