"""A big headquarters' digest stays readable: long lists show their first lines and say how many
more are in the Excel file."""

from __future__ import annotations

from dataclasses import replace

from bot.digest_text import join_parts, render_digest
from bot.templating import Renderer
from services.digest.model import Owed, Why
from tests.digest.factory import digest


def test_long_lists_are_cut_with_the_count_of_the_rest() -> None:
    d = digest()
    d.problems = [replace(d.problems[0], number=n) for n in range(1, 121)]
    d.notice_groups[0].owed = [Owed(n, f"任务{n}", "郑榕", Why.behind) for n in range(1, 31)]
    zh = join_parts(render_digest(Renderer("zh"), d))
    assert "……另有 70 项，详见附件 Excel。" in zh
    assert "序号50“" in zh and "序号51“" not in zh.split("<b>五、")[0].split("<b>四、")[1]
    assert "等 30 项（详见附件 Excel）" in zh and "序号11“任务11”" not in zh.split("<b>七、")[1]
    en = join_parts(render_digest(Renderer("en"), d))
    assert "… and 70 more: see the attached Excel file." in en
    assert "30 in all (see the attached Excel file)" in en
