"""Golden digests of the scripted quarter on the seed task list (tests/digest/scripted.py).

The rendered zh and en texts of November 2021 (the month digest, each group's part) and of the
third quarter's review must equal the checked-in copies; `HQBOT_UPDATE_GOLDEN=1` rewrites them,
on purpose only.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.digest_text import join_parts, render_digest, render_group, render_quarter
from bot.templating import Renderer
from services.digest.data import build_digest, build_quarter
from services.digest.model import Digest
from tests.digest.golden import assert_golden
from tests.digest.scripted import Scripted

TOLERANCE = Decimal(5)


async def _november(scripted: Scripted) -> Digest:
    async with scripted.sessions() as session:
        digest = await build_digest(session, hq_id=scripted.script.hq_id, ym=202111,
                                    tolerance=TOLERANCE)  # fmt: skip
    assert digest is not None
    return digest


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_the_scripted_november_digest_reads_as_checked_in(
    scripted: Scripted, language: str
) -> None:
    digest = await _november(scripted)
    renderer = Renderer(language)
    parts = render_digest(renderer, digest)
    assert 1 <= len(parts) <= 3  # 37 items: a message or two
    assert_golden(f"scripted-202111-{language}.html", join_parts(parts))
    for n, group in enumerate(g.name for g in digest.groups):
        text = join_parts(render_group(renderer, digest, group))
        assert_golden(f"scripted-202111-group{n + 1}-{language}.html", text)


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_the_scripted_third_quarter_review_reads_as_checked_in(
    scripted: Scripted, language: str
) -> None:
    async with scripted.sessions() as session:
        quarter = await build_quarter(session, hq_id=scripted.script.hq_id, year=2021,
                                      quarter=3, tolerance=TOLERANCE)  # fmt: skip
    assert quarter is not None
    text = join_parts(render_quarter(Renderer(language), quarter))
    assert_golden(f"scripted-2021Q3-{language}.html", text)


async def test_the_november_digest_names_what_the_script_put_in(scripted: Scripted) -> None:
    text = join_parts(render_digest(Renderer("zh"), await _november(scripted)))
    assert "1-11月累计完成投资" in text
    assert "占年度计划的 82.1%，低于序时进度 9.6 个百分点" in text  # task 1: 3200 of 3900
    for missing in ("黄勉", "叶艺芳", "林秀"):
        assert missing in text.split("<b>二、")[0]  # named under 报送情况
    assert "区政府办（外事办）" in text and "区外事办 " not in text  # the admin's alias
    assert "请于下月报送时附推进方案" in text
