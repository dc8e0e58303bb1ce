"""The digest's charts: real PNGs with the lights' colours, Chinese with a CJK font, English and
numbered groups without one (warned once), the same bytes for the same digest, bounded size."""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.image import imread

from bot.chart_labels import chart_labels, english_chart_labels
from bot.templating import Renderer
from services.digest import chart, fonts
from services.digest.chart import LIGHT_COLOURS, ChartLabels, month_chart, quarter_chart
from services.digest.model import Digest, Light, QuarterDigest, QuarterGroup
from tests.digest.factory import digest, quarter

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def zh() -> ChartLabels:
    return chart_labels(Renderer("zh"))


@pytest.fixture
def en() -> ChartLabels:
    return english_chart_labels()


@pytest.fixture(autouse=True)
def no_glyph_warnings() -> Iterator[None]:
    """A missing glyph (a tofu box) would warn: fail instead."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph", category=UserWarning)
        yield


@pytest.fixture
def no_cjk(monkeypatch: pytest.MonkeyPatch) -> None:
    """A system without a CJK font, whose warning has not been logged yet."""
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    monkeypatch.setattr(fonts, "_warned", threading.Event())


def pixels(data: bytes) -> np.ndarray:
    """The PNG's pixels as (height, width, 3) bytes."""
    image = imread(io.BytesIO(data), format="png")
    return np.round(image[:, :, :3] * 255).astype(np.uint8)


def count(image: np.ndarray, colour: str) -> int:
    """How many pixels have exactly this #rrggbb colour."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return int(np.all(image == rgb, axis=2).sum())


def test_month_chart_is_a_full_size_png_with_every_light(zh: ChartLabels, en: ChartLabels) -> None:
    data = month_chart(digest(), zh, fallback=en)
    assert data.startswith(PNG) and len(data) > 30_000
    image = pixels(data)
    assert image.shape == (900, 1600, 3)
    for light in Light:  # the factory has items of every light
        assert count(image, LIGHT_COLOURS[light]) > 2_000, light
    assert count(image, chart.BEHIND) > 2_000  # 年度投资 61.9% is under 序时进度 91.7%
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50  # text, not flat blocks


def test_the_cjk_font_draws_the_chart_where_one_is_installed(
    zh: ChartLabels, en: ChartLabels, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = fonts.cjk_font()
    assert family is not None and "CJK" in family  # fonts-noto-cjk: here and in CI
    used: list[str | None] = []

    def spy(cjk: str | None) -> fonts.ChartFont:
        used.append(cjk)
        return fonts.chart_font(cjk)

    monkeypatch.setattr(chart, "chart_font", spy)
    with_cjk = month_chart(digest(), zh, fallback=en)
    assert used == [family]
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    assert month_chart(digest(), zh, fallback=en) != with_cjk


def renamed(d: Digest) -> Digest:
    """The digest as the fallback draws it: numbered groups and metrics, no Chinese names."""
    groups = [replace(g, name=f"Group {n}",
                      metrics=[replace(m, name="Metric 1") for m in g.metrics])
              for n, g in enumerate(d.groups, start=1)]  # fmt: skip
    return replace(d, hq_name="Headquarters", groups=groups,
                   metrics=[replace(m, name="Metric 1") for m in d.metrics])  # fmt: skip


@pytest.mark.usefixtures("no_cjk")
def test_without_a_cjk_font_english_labels_numbered_groups_and_one_warning(
    zh: ChartLabels, en: ChartLabels, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="services.digest.fonts")
    first = month_chart(digest(), zh, fallback=en)
    assert first == month_chart(renamed(digest()), en)
    assert first != month_chart(digest(), zh)  # without a fallback: what is drawable of zh
    warned = [r for r in caplog.records if r.name == "services.digest.fonts"]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING
    assert "fonts-noto-cjk" in warned[0].getMessage()
    assert pixels(first).shape == (900, 1600, 3)


def test_the_same_digest_gives_the_same_bytes(zh: ChartLabels, en: ChartLabels) -> None:
    first = month_chart(digest(), zh, fallback=en)
    assert month_chart(digest(), zh, fallback=en) == first
    assert b"Software" not in first and b"matplotlib" not in first.lower()
    assert month_chart(replace(digest(), closed=False), zh, fallback=en) != first  # interim


def test_names_with_emoji_and_dollars_are_drawn_without_tofu(
    zh: ChartLabels, en: ChartLabels
) -> None:
    d = digest()
    odd = replace(d.groups[2], name="国际贸易🚢和$国际$投资组")  # a glyph warning fails the test
    plain = replace(d.groups[2], name="国际贸易和$国际$投资组")
    drawn = month_chart(replace(d, groups=[*d.groups[:2], odd]), zh, fallback=en)
    assert drawn == month_chart(replace(d, groups=[*d.groups[:2], plain]), zh, fallback=en)


def test_charts_drawn_in_threads_at_once_are_the_same(zh: ChartLabels, en: ChartLabels) -> None:
    alone = month_chart(digest(), zh, fallback=en)
    with ThreadPoolExecutor(max_workers=2) as pool:
        drawn = list(pool.map(lambda _: month_chart(digest(), zh, fallback=en), range(2)))
    assert drawn == [alone] * 2


def test_a_month_without_metrics_has_one_panel(zh: ChartLabels, en: ChartLabels) -> None:
    d = digest()
    plain = replace(d, groups=[replace(g, metrics=[]) for g in d.groups])
    image = pixels(month_chart(plain, zh, fallback=en))
    assert image.shape == (900, 1600, 3)
    assert count(image, chart.BEHIND) == 0 and count(image, chart.ON_SCHEDULE) == 0
    assert count(image, LIGHT_COLOURS[Light.red]) > 2_000


def many_groups(n: int) -> Digest:
    """A digest of `n` groups with long Chinese names, copied from the factory's three."""
    d = digest()
    groups = [replace(d.groups[i % 3], name=f"关于推进构建对外开放新高地重点项目第{i}工作组",
                      rank=i + 1) for i in range(n)]  # fmt: skip
    return replace(d, groups=groups)


def test_a_thousand_groups_draw_the_forty_largest(zh: ChartLabels, en: ChartLabels) -> None:
    image = pixels(month_chart(many_groups(1000), zh, fallback=en))
    assert image.shape[1] == 1600 and 900 < image.shape[0] < 2_000  # forty rows, not a thousand
    assert count(image, LIGHT_COLOURS[Light.red]) > 10_000


def test_quarter_chart_has_each_month_side_by_side(zh: ChartLabels, en: ChartLabels) -> None:
    data = quarter_chart(quarter(), zh, fallback=en)
    assert data.startswith(PNG) and len(data) > 30_000
    image = pixels(data)
    assert image.shape == (900, 1600, 3)
    october, november, december = chart.MONTH_COLOURS
    assert count(image, november) > 2_000 and count(image, december) > 2_000
    assert count(image, october) < 1_000  # no digest in October: only its legend swatch
    assert quarter_chart(quarter(), zh, fallback=en) == data


def test_quarter_chart_caps_the_groups(zh: ChartLabels, en: ChartLabels) -> None:
    q = quarter()
    groups = many_groups(100).groups
    big: QuarterDigest = replace(q, groups=[QuarterGroup(g.name, [None, g, g], q.trend)
                                            for g in groups])  # fmt: skip
    assert pixels(quarter_chart(big, zh, fallback=en)).shape[0] < 2_600


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_labels_fill_every_field(lang: str) -> None:
    labels = chart_labels(Renderer(lang))
    assert len(labels.months) == 12 and set(labels.lights) == set(Light)
    assert "{hq}" in labels.month_title and "{hq}" in labels.quarter_title
    title = labels.month_title.format(hq="指挥部", year=2021, month=labels.months[10])
    assert "2021" in title and "{" not in title
    if lang == "zh":
        assert [labels.lights[light] for light in Light] == [
            "已完成/按计划", "滞后", "受阻/逾期", "未报送"
        ]  # fmt: skip
        assert labels.expected == "序时进度" and title == "指挥部 2021年11月 工作进展"
