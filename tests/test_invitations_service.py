"""Invitation use cases with an injected clock: holding a link, superseding old links only after
delivery, withdrawn persons, warnings for admins and bound accounts, /invite by name or all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.templating import Renderer
from models import Headquarters, Invitation, Person
from models.database import SessionFactory
from models.tasks import Task, TaskStatus
from services import invitations, people
from services.clock import ManualClock
from services.invitations import ClaimStatus, ConfirmStatus, InviteKind, IssuedInvite
from services.names import person_query
from tests.botflow import import_seed

TTL = timedelta(days=14)
REAL, OTHER, ADMIN = 1001, 2002, 9009


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_seed(sessions, clock)
    return sessions


async def _hq_id(session: AsyncSession) -> int:
    hq_id = (await session.exec(select(Headquarters))).one().id
    assert hq_id is not None
    return hq_id


async def _person(session: AsyncSession, name: str) -> Person:
    return (await session.exec(select(Person).where(Person.name == name))).one()


async def _issue(session: AsyncSession, name: str, clock: ManualClock) -> IssuedInvite:
    hq_id = await _hq_id(session)
    person = await _person(session, name)
    [issued] = await invitations.issue(
        session, hq_id, [person], now=clock.now(), ttl=TTL, created_by=None
    )
    return issued


async def _bind(session: AsyncSession, name: str, account: int, clock: ManualClock) -> None:
    issued = await _issue(session, name, clock)
    opened = await invitations.claim(session, issued.code, account, clock.now())
    assert opened.status is ClaimStatus.ok
    done = await invitations.confirm(session, issued.invitation_id, account, None, clock.now())
    assert done.status is ConfirmStatus.bound


async def _set_task_status(session: AsyncSession, number: int, status: TaskStatus) -> None:
    task = (await session.exec(select(Task).where(Task.number == number))).one()
    task.status = status
    session.add(task)
    await session.commit()


# Defect 1: the last opener used to take the link over; now the first one holds it.


async def test_second_opener_is_held_and_the_first_can_still_confirm(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        issued = await _issue(session, "吴振国", clock)
        first = await invitations.claim(session, issued.code, REAL, clock.now())
        assert first.status is ClaimStatus.ok
        clock.advance(timedelta(minutes=5))
        second = await invitations.claim(session, issued.code, OTHER, clock.now())
        assert second.status is ClaimStatus.held
        # what the handler tells the admins
        assert second.person is not None and second.person.name == "吴振国"
        assert second.unit == "洪山镇" and second.opener_id == OTHER
        assert (await invitations.confirm(
            session, issued.invitation_id, OTHER, None, clock.now()
        )).status is ConfirmStatus.not_yours  # fmt: skip
        done = await invitations.confirm(session, issued.invitation_id, REAL, "wzg", clock.now())
        assert done.status is ConfirmStatus.bound
        assert (await _person(session, "吴振国")).telegram_user_id == REAL


async def test_reopening_refreshes_the_hold_which_then_expires(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        issued = await _issue(session, "吴振国", clock)
        await invitations.claim(session, issued.code, REAL, clock.now())
        clock.advance(timedelta(minutes=20))
        again = await invitations.claim(session, issued.code, REAL, clock.now())
        assert again.status is ClaimStatus.ok
        clock.advance(timedelta(minutes=20))  # 40 min after the first opening, 20 after the last
        held = await invitations.claim(session, issued.code, OTHER, clock.now())
        assert held.status is ClaimStatus.held
        clock.advance(invitations.CLAIM_TTL)  # the card has expired: the link is free again
        taken = await invitations.claim(session, issued.code, OTHER, clock.now())
        assert taken.status is ClaimStatus.ok
        late = await invitations.confirm(session, issued.invitation_id, REAL, None, clock.now())
        assert late.status is ConfirmStatus.not_yours


async def test_declining_releases_the_link(seeded: SessionFactory, clock: ManualClock) -> None:
    async with seeded() as session:
        issued = await _issue(session, "吴振国", clock)
        await invitations.claim(session, issued.code, OTHER, clock.now())
        assert await invitations.decline(session, issued.invitation_id, OTHER)
        real = await invitations.claim(session, issued.code, REAL, clock.now())
        assert real.status is ClaimStatus.ok


async def test_repeated_held_openings_are_rate_limited(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        issued = await _issue(session, "吴振国", clock)
        await invitations.claim(session, issued.code, REAL, clock.now())
        statuses = [
            (await invitations.claim(session, issued.code, OTHER, clock.now())).status
            for _ in range(invitations.MAX_FAILURES + 2)
        ]
        # each held opening tells the admins: a leaked link cannot flood them
        assert (
            statuses
            == [ClaimStatus.held] * invitations.MAX_FAILURES + [ClaimStatus.rate_limited] * 2
        )
        done = await invitations.confirm(session, issued.invitation_id, REAL, None, clock.now())
        assert done.status is ConfirmStatus.bound


# Defect 13: an admin (or an account bound to someone else) opening a link to test it.


async def test_admin_opening_is_warned_and_does_not_block_the_real_person(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        issued = await _issue(session, "黄勉", clock)
        test = await invitations.claim(
            session, issued.code, ADMIN, clock.now(), config_admins=[ADMIN]
        )
        assert test.status is ClaimStatus.ok and test.opener_is_admin
        assert test.opener_bound_as is None
        real = await invitations.claim(
            session, issued.code, REAL, clock.now(), config_admins=[ADMIN]
        )
        assert real.status is ClaimStatus.ok and not real.opener_is_admin
        done = await invitations.confirm(session, issued.invitation_id, REAL, None, clock.now())
        assert done.status is ConfirmStatus.bound


async def test_account_bound_to_someone_else_is_warned_and_cannot_hold_the_link(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        await _bind(session, "朱向东", OTHER, clock)
        issued = await _issue(session, "黄勉", clock)
        opened = await invitations.claim(session, issued.code, OTHER, clock.now())
        assert opened.status is ClaimStatus.ok and opened.opener_bound_as == "朱向东"
        refused = await invitations.confirm(session, issued.invitation_id, OTHER, None, clock.now())
        assert refused.status is ConfirmStatus.account_taken
        real = await invitations.claim(session, issued.code, REAL, clock.now())
        assert real.status is ClaimStatus.ok  # not held by the bound account


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_confirm_card_warns_admins_and_bound_accounts(lang: str) -> None:
    renderer = Renderer(lang)
    plain = renderer.render("invite_confirm", name="黄勉", unit="东街街道")
    bound = renderer.render(
        "invite_confirm", name="黄勉", unit="东街街道", bound_as="朱向东", opener_is_admin=False
    )
    admin = renderer.render(
        "invite_confirm", name="黄勉", unit="东街街道", bound_as=None, opener_is_admin=True
    )
    assert "⚠️" not in plain
    assert "⚠️" in bound and "朱向东" in bound
    assert "⚠️" in admin and "朱向东" not in admin


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admins_are_told_who_opened_a_held_link(lang: str) -> None:
    text = Renderer(lang).render(
        "admin_invite_contested", name="吴振国", unit="洪山镇", opener_id=2002, opener_name="<x>"
    )
    assert "吴振国" in text and "2002" in text and "&lt;x&gt;" in text


# Defect 3: re-issuing used to void the old links before the new ones were delivered.


async def test_old_links_work_until_the_new_ones_are_delivered(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        old = await _issue(session, "林嵩", clock)
        new = await _issue(session, "林嵩", clock)  # e.g. the send failed: never superseded
        assert (await invitations.claim(session, old.code, REAL, clock.now())).status is (
            ClaimStatus.ok
        )
        assert (await invitations.claim(session, new.code, REAL, clock.now())).status is (
            ClaimStatus.ok
        )
        assert await invitations.supersede(session, [new.invitation_id], clock.now()) == 1
        assert (await invitations.claim(session, old.code, OTHER, clock.now())).status is (
            ClaimStatus.revoked
        )
        done = await invitations.confirm(session, new.invitation_id, REAL, None, clock.now())
        assert done.status is ConfirmStatus.bound


async def test_superseding_an_older_batch_keeps_the_newer_link(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        older = await _issue(session, "林嵩", clock)
        newer = await _issue(session, "林嵩", clock)
        assert await invitations.supersede(session, [older.invitation_id], clock.now()) == 0
        opened = await invitations.claim(session, newer.code, REAL, clock.now())
        assert opened.status is ClaimStatus.ok


# Defect 17: withdrawn persons could still be invited and bind.


async def test_withdrawn_person_gets_no_link_and_old_links_pause(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        before = await _issue(session, "林嵩", clock)  # issued while 林嵩 still had task 3
        assert (await invitations.claim(session, before.code, REAL, clock.now())).status is (
            ClaimStatus.ok
        )
        await _set_task_status(session, 3, TaskStatus.withdrawn)
        outcome = await invitations.invite(
            session, hq_id=hq_id, who=person_query("林嵩"), now=clock.now(), ttl=TTL, by=None
        )
        assert outcome.kind is InviteKind.withdrawn and not outcome.issued
        assert outcome.unit == "水部街道"
        assert await invitations.issue(
            session, hq_id, [await _person(session, "林嵩")], now=clock.now(), ttl=TTL,
            created_by=None,
        ) == []  # fmt: skip
        refused = await invitations.confirm(session, before.invitation_id, REAL, None, clock.now())
        assert refused.status is ConfirmStatus.withdrawn
        opened = await invitations.claim(session, before.code, REAL, clock.now())
        assert opened.status is ClaimStatus.withdrawn
        assert (await _person(session, "林嵩")).telegram_user_id is None

        await _set_task_status(session, 3, TaskStatus.active)  # a task again: the link works
        assert (await invitations.claim(session, before.code, REAL, clock.now())).status is (
            ClaimStatus.ok
        )
        done = await invitations.confirm(session, before.invitation_id, REAL, None, clock.now())
        assert done.status is ConfirmStatus.bound


# /invite as one use case, names as printed, /invite all and `hqbot invites`.


async def test_invite_by_name_as_printed(seeded: SessionFactory, clock: ManualClock) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        outcome = await invitations.invite(
            session, hq_id=hq_id, who=person_query("郑 榕"), now=clock.now(), ttl=TTL, by=ADMIN
        )
        assert outcome.kind is InviteKind.issued
        [issued] = outcome.issued
        assert (issued.name, issued.unit) == ("郑榕", "区委台港澳办")
        assert outcome.invitation_ids == [issued.invitation_id]
        row = await session.get(Invitation, issued.invitation_id)
        assert row is not None and row.created_by == ADMIN
        missing = await invitations.invite(
            session, hq_id=hq_id, who=person_query("查无此人"), now=clock.now(), ttl=TTL, by=None
        )
        assert missing.kind is InviteKind.not_found and not missing.issued


async def test_invite_namesakes_asks_for_the_unit(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        twin = await _person(session, "叶艺芳")
        session.add(Person(name="张林", unit_id=twin.unit_id, created_at=clock.now()))
        await session.commit()
        both = await invitations.invite(
            session, hq_id=hq_id, who=person_query("张林"), now=clock.now(), ttl=TTL, by=None
        )
        assert both.kind is InviteKind.ambiguous and both.lookup is not None
        assert sorted(c.unit or "" for c in both.lookup.choices) == ["区文体旅局", "华大街道"]
        one = await invitations.invite(
            session, hq_id=hq_id, who=person_query("张林/华大街道"), now=clock.now(), ttl=TTL,
            by=None,
        )  # fmt: skip
        assert one.kind is InviteKind.issued and one.issued[0].unit == "华大街道"


async def test_invite_all_is_the_unbound_people(seeded: SessionFactory, clock: ManualClock) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        await _bind(session, "张玉珍", REAL, clock)
        await _set_task_status(session, 3, TaskStatus.withdrawn)  # 林嵩 leaves the HQ
        waiting = await people.unbound_people(session, hq_id, clock.now())
        names = [p.name for p in waiting]
        assert "张玉珍" not in names and "林嵩" not in names
        assert len(names) == 20 - 2 and names[0] == "黄勉"  # /people order: by first task
        outcome = await invitations.invite(
            session, hq_id=hq_id, who=None, now=clock.now(), ttl=TTL, by=None
        )
        assert outcome.kind is InviteKind.issued
        assert [i.name for i in outcome.issued] == names


def test_invite_link() -> None:
    assert invitations.invite_link("hqbot", "abc_-1") == "https://t.me/hqbot?start=abc_-1"
