"""Invitations: single-use, expiring, unguessable deep-link codes that bind a Telegram account."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import CodeAttempt, Invitation
from models.people import Person, Unit
from services.people import unit_names

log = logging.getLogger(__name__)

CODE_BYTES = 24  # 192 random bits → 32 characters of [A-Za-z0-9_-]
CODE_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


def hash_code(code: str) -> str:
    """What is stored instead of the code."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


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


async def issue(
    session: AsyncSession,
    hq_id: int,
    persons: list[Person],
    *,
    now: datetime,
    ttl: timedelta,
    created_by: int | None,
) -> list[IssuedInvite]:
    """Create one invitation per person, revoking their earlier unused ones; commit."""
    if not persons:
        return []
    ids = [p.id for p in persons]
    await session.exec(
        update(Invitation)
        .where(
            col(Invitation.person_id).in_(ids),
            col(Invitation.hq_id) == hq_id,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    units = await unit_names(session, [p.unit_id for p in persons if p.unit_id])
    issued = []
    for person in persons:
        code = new_code()
        session.add(
            Invitation(
                hq_id=hq_id,
                person_id=person.id,  # type: ignore[arg-type]
                code_hash=hash_code(code),
                created_at=now,
                expires_at=now + ttl,
                created_by=created_by,
            )
        )
        issued.append(
            IssuedInvite(
                person.id,  # type: ignore[arg-type]
                person.name,
                units.get(person.unit_id),  # type: ignore[arg-type]
                code,
                now + ttl,
            )
        )
    await session.commit()
    return issued


class ClaimStatus(StrEnum):
    """Outcome of opening an invitation link."""

    ok = "ok"
    unknown = "unknown"
    used = "used"
    expired = "expired"
    revoked = "revoked"
    rate_limited = "rate_limited"


@dataclass
class Claim:
    """An opened link: its status and, when valid, the invitation and the person it names."""

    status: ClaimStatus
    invitation: Invitation | None = None
    person: Person | None = None
    unit: str | None = None
    already_bound: bool = False


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


async def claim(session: AsyncSession, code: str, telegram_user_id: int, now: datetime) -> Claim:
    """Check a code from a deep link; a valid one is reserved for this account until confirmed."""
    if await _failures(session, telegram_user_id, now) >= MAX_FAILURES:
        log.warning("invitation attempts from user %s are rate-limited", telegram_user_id)
        return Claim(ClaimStatus.rate_limited)
    invitation = None
    if 16 <= len(code) <= 64 and set(code) <= CODE_ALPHABET:
        invitation = (
            await session.exec(select(Invitation).where(Invitation.code_hash == hash_code(code)))
        ).first()
    status = _status(invitation, now, telegram_user_id)
    if status is not ClaimStatus.ok:
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
        return Claim(status)
    assert invitation is not None
    invitation.claimed_by, invitation.claimed_at = telegram_user_id, now
    session.add(invitation)
    await session.commit()
    person = await session.get(Person, invitation.person_id)
    unit = await session.get(Unit, person.unit_id) if person and person.unit_id else None
    return Claim(
        ClaimStatus.ok,
        invitation,
        person,
        unit.name if unit else None,
        already_bound=bool(person and person.telegram_user_id == telegram_user_id),
    )


def _status(invitation: Invitation | None, now: datetime, telegram_user_id: int) -> ClaimStatus:
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
    """Bind the account to the invited person; a previous account of theirs is unbound."""
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.claimed_by != telegram_user_id:
        return Confirmation(ConfirmStatus.not_yours)
    if _status(invitation, now, telegram_user_id) is not ClaimStatus.ok:
        return Confirmation(ConfirmStatus.invalid)
    person = await session.get(Person, invitation.person_id)
    assert person is not None
    other = (
        await session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id))
    ).first()
    if other is not None and other.id != person.id:
        return Confirmation(ConfirmStatus.account_taken, person, other_person=other.name)
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
    """Release a claim ("that's not me"); the link stays usable by the right person."""
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.claimed_by != telegram_user_id:
        return False
    invitation.claimed_by, invitation.claimed_at = None, None
    session.add(invitation)
    await session.commit()
    return True
