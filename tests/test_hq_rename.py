"""Renaming a headquarters: renamed, same, taken, invalid (1..200 characters after stripping)."""

from __future__ import annotations

import pytest

from bot.templating import LANGUAGES, Renderer
from models.database import SessionFactory
from services.clock import ManualClock
from services.hq import RenameKind, ensure_hq, rename_hq, resolve_hq


async def test_rename_outcomes(sessions: SessionFactory, clock: ManualClock) -> None:
    async with sessions() as session:
        hq = await ensure_hq(session, "项目指挥部", clock.now())
        await ensure_hq(session, "另一个指挥部", clock.now())
        assert hq.id is not None
        renamed = await rename_hq(session, hq.id, "  构建对外开放新高地项目指挥部 ")
        assert (renamed.kind, renamed.name, renamed.old_name) == (
            RenameKind.renamed, "构建对外开放新高地项目指挥部", "项目指挥部",
        )  # fmt: skip
        assert (await rename_hq(session, hq.id, "构建对外开放新高地项目指挥部")).kind == (
            RenameKind.same
        )
        assert (await rename_hq(session, hq.id, "另一个指挥部")).kind == RenameKind.taken
        assert (await rename_hq(session, hq.id, "   ")).kind == RenameKind.invalid
        assert (await rename_hq(session, hq.id, "长" * 201)).kind == RenameKind.invalid
        assert (await rename_hq(session, 999_999, "新名字")).kind == RenameKind.missing
    async with sessions() as session:
        names = (await resolve_hq(session, None)).candidates
    assert names == ["构建对外开放新高地项目指挥部", "另一个指挥部"]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", list(RenameKind))
def test_every_outcome_is_worded(lang: str, kind: RenameKind) -> None:
    from services.hq import RenameOutcome

    text = Renderer(lang).render("hq_rename", outcome=RenameOutcome(kind, "<新>", "旧"))
    assert text and "<新>" not in text
