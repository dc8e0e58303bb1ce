"""Which headquarters an update is about (services.hq.hq_for): each rule in its order, who
belongs where, remembering a choice, and the roles per headquarters of one shared person."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ChatHQ, Headquarters, Invitation, Person
from models.database import SessionFactory
from services import roles
from services.clock import ManualClock
from services.hq import (
    ChooseKind,
    HQSource,
    choose_hq,
    hq_for,
    hq_named_in,
    hqs_of,
    identify_in,
)
from services.roles import Role, identify
from tests.botflow import HQ_NAME, import_seed
from tests.multihq import HQ_B, IN_BOTH, ONLY_IN_A, import_two

ADMIN = 900_001  # a bootstrap admin from the config (no person)
ZHANG = 700_001  # 张玉珍: responsible in A only
GAO = 700_002  # 高勇坤: responsible in A and B
NOBODY = 700_003  # an account bound to nobody
ADMINS = [ADMIN]


@pytest.fixture
async def two(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_two(sessions, clock)
    async with sessions() as session:
        for name, account in ((ONLY_IN_A, ZHANG), (IN_BOTH, GAO)):
            person = await person_named(session, name)
            person.telegram_user_id = account
            session.add(person)
        await session.commit()
    return sessions


async def person_named(session: AsyncSession, name: str) -> Person:
    return (await session.exec(select(Person).where(Person.name == name))).one()


async def hq_named(session: AsyncSession, name: str) -> Headquarters:
    return (await session.exec(select(Headquarters).where(Headquarters.name == name))).one()


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def choice_for(session: AsyncSession, account: int | None, chat: int | None = None):  # type: ignore[no-untyped-def]
    chat_id = chat if chat is not None else (account or 1)
    return await hq_for(session, chat_id=chat_id, telegram_user_id=account, config_admins=ADMINS)


async def test_a_hq_group_is_about_its_own_hq_whoever_writes(two: SessionFactory) -> None:
    async with two() as session:
        b = await hq_named(session, HQ_B)
        b.hq_chat_id = -100_555
        session.add(b)
        await session.commit()
        for account in (ZHANG, GAO, ADMIN, NOBODY):  # 张玉珍 belongs to A only: still B here
            choice = await choice_for(session, account, chat=-100_555)
            assert choice.hq is not None and choice.hq.name == HQ_B, account
            assert choice.source is HQSource.group
        other_group = await choice_for(session, ZHANG, chat=-100_777)
        assert other_group.hq is not None and other_group.hq.name == HQ_NAME  # her only one


async def test_a_remembered_choice_holds_while_the_account_belongs_there(
    two: SessionFactory, clock: ManualClock
) -> None:
    async with two() as session:
        a, b = await hq_named(session, HQ_NAME), await hq_named(session, HQ_B)
        assert (await choice_for(session, GAO)).ambiguous
        outcome = await choose_hq(session, chat_id=GAO, hq_id=b.id, telegram_user_id=GAO,
                                  config_admins=ADMINS, now=clock.now())  # fmt: skip
        assert outcome.kind is ChooseKind.chosen
    async with two() as session:  # it is in the database, not in memory
        choice = await choice_for(session, GAO)
        assert choice.hq is not None and choice.hq.name == HQ_B
        assert choice.source is HQSource.chosen
        assert choice.candidates == [HQ_NAME, HQ_B]
        again = await choose_hq(session, chat_id=GAO, hq_id=b.id, telegram_user_id=GAO,
                                config_admins=ADMINS, now=clock.now())  # fmt: skip
        assert again.kind is ChooseKind.same
        back = await choose_hq(session, chat_id=GAO, hq_id=a.id, telegram_user_id=GAO,
                               config_admins=ADMINS, now=clock.now())  # fmt: skip
        assert back.kind is ChooseKind.chosen
        assert (await choice_for(session, GAO)).hq.name == HQ_NAME  # type: ignore[union-attr]
        rows = (await session.exec(select(ChatHQ))).all()
        assert [(r.chat_id, r.hq_id) for r in rows] == [(GAO, a.id)]


async def test_a_choice_no_longer_held_is_ignored(two: SessionFactory, clock: ManualClock) -> None:
    async with two() as session:
        b = await hq_named(session, HQ_B)
        zhang, gao = await person_named(session, ONLY_IN_A), await person_named(session, IN_BOTH)
        await roles.grant_liaison(session, b.id, zhang, gao, by=None, now=clock.now())
        assert (await choice_for(session, ZHANG)).ambiguous  # a liaison in B now
        outcome = await choose_hq(session, chat_id=ZHANG, hq_id=b.id, telegram_user_id=ZHANG,
                                  config_admins=ADMINS, now=clock.now())  # fmt: skip
        assert outcome.kind is ChooseKind.chosen
        assert (await choice_for(session, ZHANG)).hq.name == HQ_B  # type: ignore[union-attr]
        await roles.revoke_granted(session, b.id, zhang, roles.GrantedRole.liaison)
        choice = await choice_for(session, ZHANG)
        assert choice.hq is not None and choice.hq.name == HQ_NAME
        assert choice.source is HQSource.member


async def test_the_only_hq_costs_one_query(
    sessions: SessionFactory, engine: AsyncEngine, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    async with sessions() as session:
        with counting(engine) as statements:
            choice = await choice_for(session, NOBODY)
        assert choice.hq is not None and choice.hq.name == HQ_NAME
        assert choice.source is HQSource.only
        assert len(statements) == 1, statements


async def test_the_account_s_only_hq(two: SessionFactory, engine: AsyncEngine) -> None:
    async with two() as session:
        with counting(engine) as statements:
            choice = await choice_for(session, ZHANG)
        assert choice.hq is not None and choice.hq.name == HQ_NAME
        assert choice.source is HQSource.member and not choice.ambiguous
        assert choice.candidates == [HQ_NAME]
        assert len(statements) == 2, statements  # the headquarters, then her memberships


async def test_several_hqs_without_a_choice_are_ambiguous(two: SessionFactory) -> None:
    async with two() as session:
        gao = await choice_for(session, GAO)
        assert gao.hq is None and gao.ambiguous and gao.source is HQSource.ambiguous
        assert gao.candidates == [HQ_NAME, HQ_B]
        admin = await choice_for(session, ADMIN)  # bootstrap admins belong to all
        assert admin.ambiguous and admin.candidates == [HQ_NAME, HQ_B]
        nobody = await choice_for(session, NOBODY)
        assert nobody.hq is None and not nobody.ambiguous
        assert nobody.source is HQSource.none and nobody.candidates == []


async def test_every_role_fact_makes_a_member(two: SessionFactory, clock: ManualClock) -> None:
    async with two() as session:
        a, b = await hq_named(session, HQ_NAME), await hq_named(session, HQ_B)
        gao = await person_named(session, IN_BOTH)
        accounts = iter(range(800_001, 800_100))

        async def fresh() -> tuple[Person, int]:
            account = next(accounts)
            person = Person(name=f"新人{account}", telegram_user_id=account, created_at=clock.now())
            session.add(person)
            await session.commit()
            return person, account

        async def names(account: int) -> list[str]:
            return [h.name for h in await hqs_of(session, account, ADMINS)]

        person, account = await fresh()
        assert await names(account) == []
        await roles.grant_admin(session, b.id, person, by=None, now=clock.now())
        assert await names(account) == [HQ_B]

        person, account = await fresh()
        await roles.grant_liaison(session, b.id, person, gao, by=None, now=clock.now())
        assert await names(account) == [HQ_B]

        person, account = await fresh()
        await roles.set_hq_leader(session, a.id, person, "副指挥长", on=True)
        assert await names(account) == [HQ_NAME]

        person, account = await fresh()
        await roles.set_group_leader(session, b.id, person, "海丝引领专项组", on=True)
        assert await names(account) == [HQ_B]

        person, account = await fresh()
        later = clock.now() + timedelta(days=1)
        unused = Invitation(hq_id=a.id, person_id=person.id, code_hash="0" * 64,
                            created_at=clock.now(), expires_at=later)  # fmt: skip
        session.add(unused)
        await session.commit()
        assert await names(account) == []  # an invitation counts once it was used
        unused.used_at, unused.used_by = clock.now(), account
        session.add(unused)
        await session.commit()
        assert await names(account) == [HQ_NAME]

        assert await names(ZHANG) == [HQ_NAME]  # assignments
        assert await names(GAO) == [HQ_NAME, HQ_B]
        assert await names(ADMIN) == [HQ_NAME, HQ_B]
        assert await names(NOBODY) == []


async def test_a_press_for_a_foreign_or_missing_hq_changes_nothing(
    two: SessionFactory, clock: ManualClock
) -> None:
    async with two() as session:
        b = await hq_named(session, HQ_B)
        refused = await choose_hq(session, chat_id=ZHANG, hq_id=b.id, telegram_user_id=ZHANG,
                                  config_admins=ADMINS, now=clock.now())  # fmt: skip
        assert refused.kind is ChooseKind.not_member
        missing = await choose_hq(session, chat_id=ADMIN, hq_id=987_654, telegram_user_id=ADMIN,
                                  config_admins=ADMINS, now=clock.now())  # fmt: skip
        assert missing.kind is ChooseKind.missing
        assert (await session.exec(select(ChatHQ))).all() == []


async def test_one_person_with_each_hq_s_own_roles(two: SessionFactory, clock: ManualClock) -> None:
    async with two() as session:
        a, b = await hq_named(session, HQ_NAME), await hq_named(session, HQ_B)
        zhang = await person_named(session, ONLY_IN_A)
        # bound through B's invitation, responsible in A only
        session.add(Invitation(hq_id=b.id, person_id=zhang.id, code_hash="1" * 64,
                               created_at=clock.now(), expires_at=clock.now() + timedelta(days=1),
                               used_at=clock.now(), used_by=ZHANG))  # fmt: skip
        await session.commit()
        assert [h.name for h in await hqs_of(session, ZHANG, ADMINS)] == [HQ_NAME, HQ_B]
        in_a = await identify(session, a, ZHANG, ADMINS)
        in_b = await identify(session, b, ZHANG, ADMINS)
        assert in_a.person is not None and in_b.person is not None
        assert in_a.person.id == in_b.person.id == zhang.id  # the same person
        assert in_a.roles == {Role.responsible}
        assert in_b.bound and in_b.roles == {Role.stranger}  # no role in B

        gao = await person_named(session, IN_BOTH)
        await roles.grant_admin(session, b.id, gao, by=None, now=clock.now())
        choice = await choice_for(session, GAO)
        assert choice.ambiguous
        together = await identify_in(session, choice, GAO, ADMINS)
        gao_in_a = await identify(session, a, GAO, ADMINS)
        gao_in_b = await identify(session, b, GAO, ADMINS)
        assert Role.admin in gao_in_b.roles and Role.admin not in gao_in_a.roles
        assert Role.responsible in gao_in_a.roles and Role.responsible in gao_in_b.roles
        assert together.roles == gao_in_a.roles | gao_in_b.roles  # what /hq could lead to
        assert set(together.groups_led) == set(gao_in_a.groups_led) | set(gao_in_b.groups_led)


def test_a_caption_may_name_the_hq() -> None:
    a = Headquarters(id=1, name=HQ_NAME)
    b = Headquarters(id=2, name=HQ_B)
    short = Headquarters(id=3, name="项目指挥部")  # inside both other names
    hqs = [a, b, short]
    assert hq_named_in("2021 第二项目指挥部", hqs) is b
    assert hq_named_in("第二 项目指挥部（２０２１）", hqs) is b  # spaces and width do not matter
    assert hq_named_in("导入到项目指挥部", hqs) is short
    assert hq_named_in("2021年", hqs) is None
    assert hq_named_in(None, hqs) is None
