"""Role and liaison use cases with an injected clock: change_role's outcomes, admin only for bound
persons, HQ leader titles, /delegate without duplicate persons, names as printed, whoami."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.templating import Renderer
from models import Headquarters, Person
from models.access import RoleGrant
from models.database import SessionFactory
from models.people import Unit
from models.tasks import Task, TaskStatus
from services import invitations, people, roles
from services.clock import ManualClock
from services.names import PersonQuery, parse_person_args, person_query
from services.roles import DelegationKind, Role, RoleChangeKind, RoleKind
from tests.botflow import import_seed

ACCOUNT, OTHER_ACCOUNT, ADMIN = 3003, 4004, 9009


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_seed(sessions, clock)
    return sessions


async def _hq(session: AsyncSession) -> Headquarters:
    return (await session.exec(select(Headquarters))).one()


async def _hq_id(session: AsyncSession) -> int:
    hq_id = (await _hq(session)).id
    assert hq_id is not None
    return hq_id


async def _person(session: AsyncSession, name: str) -> Person:
    return (await session.exec(select(Person).where(Person.name == name))).one()


async def _persons_named(session: AsyncSession, name: str) -> int:
    query = select(func.count()).select_from(Person).where(Person.name == name)
    return (await session.exec(query)).one()


async def _bind(session: AsyncSession, name: str, account: int, clock: ManualClock) -> None:
    [issued] = await invitations.issue(
        session,
        await _hq_id(session),
        [await _person(session, name)],
        now=clock.now(),
        ttl=timedelta(days=1),
        created_by=None,
    )
    await invitations.claim(session, issued.code, account, clock.now())
    done = await invitations.confirm(session, issued.invitation_id, account, None, clock.now())
    assert done.status is invitations.ConfirmStatus.bound


async def _identify(session: AsyncSession, account: int) -> roles.Identity:
    return await roles.identify(session, await _hq(session), account, [ADMIN])


# Defect 1 (second half): admin granted to an unbound person passed to whoever redeemed the link.


async def test_admin_is_refused_for_an_unbound_person(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        refused = await roles.change_role(
            session, hq_id=hq_id, person=person_query("林嵩"), kind=RoleKind.admin, on=True,
            by=ADMIN, now=clock.now(),
        )  # fmt: skip
        assert refused.kind is RoleChangeKind.not_bound and not refused.kind.changed
        assert (await session.exec(select(RoleGrant))).all() == []
        await _bind(session, "林嵩", ACCOUNT, clock)
        assert not (await _identify(session, ACCOUNT)).has(Role.admin)
        granted = await roles.change_role(
            session, hq_id=hq_id, person=person_query("林嵩"), kind=RoleKind.admin, on=True,
            by=ADMIN, now=clock.now(),
        )  # fmt: skip
        assert granted.kind is RoleChangeKind.granted and granted.account == ACCOUNT
        assert (await _identify(session, ACCOUNT)).has(Role.admin)


async def test_change_role_outcomes(seeded: SessionFactory, clock: ManualClock) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        await _bind(session, "林嵩", ACCOUNT, clock)
        person = await _person(session, "林嵩")

        async def change(kind: RoleKind, on: bool, group: str | None = None) -> RoleChangeKind:
            done = await roles.change_role(
                session, hq_id=hq_id, person=person, kind=kind, group=group, on=on, by=ADMIN,
                now=clock.now(),
            )  # fmt: skip
            return done.kind

        assert await change(RoleKind.admin, True) is RoleChangeKind.granted
        assert await change(RoleKind.admin, True) is RoleChangeKind.already
        assert await change(RoleKind.admin, False) is RoleChangeKind.revoked
        assert await change(RoleKind.admin, False) is RoleChangeKind.not_held
        assert await change(RoleKind.group_leader, True) is RoleChangeKind.group_missing
        assert await change(RoleKind.group_leader, True, "不存在的组") is (
            RoleChangeKind.group_unknown
        )
        # group names are matched as printed: spaces and width do not matter
        assert await change(RoleKind.group_leader, True, "海丝引领 专项组") is (
            RoleChangeKind.granted
        )
        ident = await _identify(session, ACCOUNT)
        assert ident.groups_led == ["海丝引领专项组"]
        assert await change(RoleKind.group_leader, False, "海丝引领专项组") is (
            RoleChangeKind.revoked
        )
        assert await change(RoleKind.liaison, True) is RoleChangeKind.use_delegate
        assert await change(RoleKind.liaison, False) is RoleChangeKind.not_held


async def test_change_role_looks_the_person_up(seeded: SessionFactory, clock: ManualClock) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)

        async def grant(query: PersonQuery) -> roles.RoleChange:
            return await roles.change_role(
                session, hq_id=hq_id, person=query, kind=RoleKind.hq_leader, title="副指挥长",
                on=True, by=ADMIN, now=clock.now(),
            )  # fmt: skip

        missing = await grant(person_query("查无此人"))
        assert missing.kind is RoleChangeKind.not_found and missing.name == "查无此人"
        assert (await grant(PersonQuery("x" * 51))).kind is RoleChangeKind.invalid_name
        twin_unit = await _person(session, "叶艺芳")
        session.add(Person(name="张林", unit_id=twin_unit.unit_id, created_at=clock.now()))
        await session.commit()
        both = await grant(person_query("张林"))
        assert both.kind is RoleChangeKind.ambiguous and both.lookup is not None
        assert len(both.lookup.choices) == 2
        one = await grant(person_query("张林/区文体旅局"))
        assert one.kind is RoleChangeKind.granted and one.person is not None
        assert one.person.unit_id == twin_unit.unit_id


async def test_set_group_leader_returns_an_outcome(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        person = await _person(session, "林嵩")
        assert await roles.set_group_leader(session, hq_id, person, "没有这个组", on=True) is (
            RoleChangeKind.group_unknown
        )
        assert await roles.set_group_leader(session, hq_id, person, "综合协调组", on=True) is (
            RoleChangeKind.granted
        )
        assert await roles.set_group_leader(session, hq_id, person, "综合协调组", on=True) is (
            RoleChangeKind.already
        )


# Defect 12 (second half): /grant 张玉珍 指挥长 vs 副指挥长 — the title is kept and can change.


async def test_hq_leader_title_is_updated(seeded: SessionFactory, clock: ManualClock) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        await _bind(session, "郑榕", ACCOUNT, clock)  # 副指挥长 in the structure workbook
        person = await _person(session, "郑榕")

        async def grant(title: str) -> RoleChangeKind:
            done = await roles.change_role(
                session, hq_id=hq_id, person=person, kind=RoleKind.hq_leader, title=title,
                on=True, by=ADMIN, now=clock.now(),
            )  # fmt: skip
            return done.kind

        assert await grant("副指挥长") is RoleChangeKind.already
        assert await grant("指挥长") is RoleChangeKind.title_changed
        assert (await _identify(session, ACCOUNT)).hq_titles == ["指挥长"]
        assert await grant("") is RoleChangeKind.already  # no title given: the title stays
        assert (await _identify(session, ACCOUNT)).hq_titles == ["指挥长"]


# Defect 12: names as printed ("郑 榕", "陈 旭 组长 …") are understood.


async def test_names_as_printed_are_found(seeded: SessionFactory, clock: ManualClock) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        [zheng] = await people.find_persons(session, "郑 榕")
        assert zheng.name == "郑榕"
        [gao] = await people.find_persons(session, "高勇坤", "商务局")  # a part of 区商务局
        assert gao.name == "高勇坤"
        args = parse_person_args(
            ["陈", "旭", "组长", "海丝引领专项组"], stop_words=roles.ROLE_WORDS
        )
        kind, title = roles.ROLE_WORDS[args.rest[0]]
        done = await roles.change_role(
            session, hq_id=hq_id, person=args.query, kind=kind, title=title,
            group=" ".join(args.rest[1:]), on=True, by=ADMIN, now=clock.now(),
        )  # fmt: skip
        assert done.kind is RoleChangeKind.already  # 陈旭 leads 海丝引领专项组 per 附件1
        assert done.person is not None and done.person.name == "陈旭"


# Defect 7: /delegate 郑榕 高勇坤 created a second 高勇坤 whose link the real one could not use.


async def test_delegate_to_an_existing_person_reuses_them(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        await _bind(session, "高勇坤", ACCOUNT, clock)
        done = await roles.delegate(
            session, hq_id=hq_id, principal=person_query("郑榕"), liaison=person_query("高勇坤"),
            by=ADMIN, now=clock.now(),
        )  # fmt: skip
        assert done.kind is DelegationKind.delegated and not done.created
        assert done.liaison is not None and done.liaison.telegram_user_id == ACCOUNT
        assert not done.needs_invite
        assert await _persons_named(session, "高勇坤") == 1
        ident = await _identify(session, ACCOUNT)
        assert ident.has(Role.liaison) and [p.name for p in ident.principals] == ["郑榕"]
        again = await roles.delegate(
            session, hq_id=hq_id, principal=person_query("郑榕"), liaison=person_query("高 勇坤"),
            by=ADMIN, now=clock.now(),
        )  # fmt: skip
        assert again.kind is DelegationKind.already


async def test_liaison_for_reuses_the_only_person_of_that_name(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        principal = await _person(session, "郑榕")
        liaison = await people.liaison_for(session, principal, "高勇坤", now=clock.now())
        assert liaison.id == (await _person(session, "高勇坤")).id
        assert await _persons_named(session, "高勇坤") == 1


async def test_delegate_namesakes_unknown_and_invalid_names(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        hq_id = await _hq_id(session)
        other_unit = (await _person(session, "朱嘉希")).unit_id
        session.add(Person(name="高勇坤", unit_id=other_unit, created_at=clock.now()))
        await session.commit()

        async def delegate(principal: str, liaison: str) -> roles.Delegation:
            return await roles.delegate(
                session, hq_id=hq_id, principal=person_query(principal),
                liaison=person_query(liaison), by=ADMIN, now=clock.now(),
            )  # fmt: skip

        both = await delegate("郑榕", "高勇坤")
        assert both.kind is DelegationKind.liaison_ambiguous and both.lookup is not None
        assert sorted(c.unit or "" for c in both.lookup.choices) == ["区商务局", "团区委"]
        chosen = await delegate("郑榕", "高勇坤/区商务局")
        assert chosen.kind is DelegationKind.delegated and chosen.liaison_unit == "区商务局"

        new = await delegate("郑榕", "李 明")
        assert new.kind is DelegationKind.delegated and new.created and new.needs_invite
        assert new.liaison is not None and new.liaison.name == "李明"
        assert new.liaison_unit == "区委台港澳办"  # the principal's unit
        assert (await delegate("郑榕", "李明")).kind is DelegationKind.already
        assert await _persons_named(session, "李明") == 1

        assert (await delegate("郑榕", "王五/区商务局")).kind is DelegationKind.liaison_not_found
        assert (await delegate("郑榕", "名" * 51)).kind is DelegationKind.invalid_name
        assert (await delegate("郑榕", "（副主任）")).kind is DelegationKind.invalid_name
        assert (await delegate("郑榕", "郑榕")).kind is DelegationKind.same_person
        assert (await delegate("查无此人", "李明")).kind is DelegationKind.principal_not_found
        persons = (await session.exec(select(func.count()).select_from(Person))).one()
        assert persons == 20 + 2  # the seed, the second 高勇坤 and 李明: nothing else written


# Defect 10: a bound person with no role left was told they were not bound.


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_bound_person_without_role_is_still_bound(
    seeded: SessionFactory, clock: ManualClock, lang: str
) -> None:
    async with seeded() as session:
        await _bind(session, "林嵩", ACCOUNT, clock)
        task = (await session.exec(select(Task).where(Task.number == 3))).one()
        task.status = TaskStatus.withdrawn  # 林嵩's only task
        session.add(task)
        await session.commit()
        ident = await _identify(session, ACCOUNT)
        unit = (await session.exec(select(Unit).where(Unit.name == "水部街道"))).one()
        stranger = await _identify(session, OTHER_ACCOUNT)
    assert ident.bound and ident.roles == {Role.stranger} and ident.unit == unit.name
    assert not stranger.bound
    renderer = Renderer(lang)

    def whoami(who: roles.Identity) -> str:
        return renderer.render(
            "whoami", ident=who, roles=sorted(r.value for r in who.roles), hq_name="指挥部",
            tasks=[], user_id=who.telegram_user_id,
        )  # fmt: skip

    text, other = whoami(ident), whoami(stranger)
    if lang == "zh":
        assert "已绑定：林嵩（水部街道）" in text and "目前在本指挥部没有角色" in text
        assert "尚未绑定" not in text and "未绑定" not in text.replace("已绑定", "")
        assert "尚未绑定" in other and "没有角色" not in other
    else:
        assert "Bound as: 林嵩 (水部街道)" in text and "no role in this headquarters" in text
        assert "not bound" not in text
        assert "not bound" in other
