"""Tests of safeplan.charts: SVG/PNG charts of the gap report, with Chinese text that renders."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg

from safeplan.errors import UsageError
from safeplan.evaluate.results import GapReport, Outlook, Result
from safeplan.render import charts
from safeplan.render.charts import (
    CSS_FONT_FALLBACKS,
    chart_figure,
    chart_filename,
    chart_rc_params,
    chart_targets,
    configure_matplotlib,
    find_cjk_font,
    has_region_chart,
    region_chart_figure,
    render_chart,
    render_region_chart,
    write_charts,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLAN = {
    "name": '示例市"十四五"安全生产规划',
    "region": "示例市",
    "baseline_year": 2020,
    "target_year": 2025,
}
DEATHS_TITLE = "生产安全事故死亡人数（示例市）"
FACTS = {
    "deaths": {"name": "生产安全事故死亡人数", "unit": "人", "count": True},
    "gdp_death_rate": {"name": "亿元GDP生产安全事故死亡率", "unit": "人/亿元", "count": False},
}


def _row(
    indicator_id: str,
    name: str,
    target: dict[str, Any],
    region: str | None,
    year: int,
    value: float | None,
    threshold: float | None,
    status: str,
) -> Result:
    gap = None if value is None or threshold is None else value - threshold
    return Result(indicator_id, name, region, year, value, target, threshold, gap, status)  # type: ignore[arg-type]


def _outlook(
    indicator_id: str, region: str | None, *numbers: float | None, on_track: bool | None
) -> Outlook:
    latest, final, projected, required = numbers
    return Outlook(indicator_id, region, 2024, latest, final, projected, on_track, required)


def make_gap(plan: dict[str, Any] | None = None) -> GapReport:
    """A decline_pct indicator (whole plan and one region) and a max indicator whose
    baseline-year value is missing."""
    deaths = ("deaths", "生产安全事故死亡人数", {"kind": "decline_pct", "value": 10})
    rate = ("gdp_death_rate", "亿元GDP生产安全事故死亡率", {"kind": "max", "value": 0.01})
    rows = [
        _row(*deaths, None, 2020, 125, 125, "met"),
        _row(*deaths, None, 2021, 120, 122.5, "met"),
        _row(*deaths, None, 2022, 124, 120, "missed"),
        _row(*deaths, None, 2023, None, 117.5, "no_data"),
        _row(*deaths, None, 2024, 115, 115, "met"),
        _row(*rate, None, 2020, None, 0.01, "no_data"),
        _row(*rate, None, 2021, 0.0123, 0.01, "missed"),
        _row(*rate, None, 2022, 0.0105, 0.01, "missed"),
        _row(*rate, None, 2023, 0.0098, 0.01, "met"),
        _row(*rate, None, 2024, 0.0091, 0.01, "met"),
        _row(*deaths, "东城区", 2020, 50, 50, "met"),
        _row(*deaths, "东城区", 2021, 52, 49, "missed"),
        _row(*deaths, "东城区", 2022, 47, 48, "met"),
        _row(*deaths, "东城区", 2023, 46, 47, "met"),
        _row(*deaths, "东城区", 2024, 44, 46, "met"),
    ]
    outlook = [
        _outlook("deaths", None, 115, 112.5, 112.5, -2.1963, on_track=True),
        _outlook("gdp_death_rate", None, 0.0091, 0.01, None, 9.89, on_track=None),
        _outlook("deaths", "东城区", 44, 45, 42.5, 2.27, on_track=True),
    ]
    return GapReport(dict(plan or PLAN), rows, outlook, indicators=dict(FACTS))


def _svg_font_families(svg: str) -> list[list[str]]:
    families = re.findall(r"font-family: ([^;\"]+)", svg)
    assert families, "the SVG has no text with a font-family"
    return [[name.strip().strip("'") for name in family.split(",")] for family in families]


def test_svg_keeps_the_chinese_title_as_text_with_cjk_font_fallbacks() -> None:
    svg = render_chart(make_gap(), "deaths").decode("utf-8")
    assert svg.lstrip().startswith("<?xml")
    assert re.search(rf"<text[^>]*>{re.escape(DEATHS_TITLE)}</text>", svg)
    assert "序时进度要求" in svg  # the glide path's legend entry
    assert "趋势外推至2025年" in svg  # the projection's legend entry
    assert "目标 112.5" in svg  # the final target, labelled at the target year
    assert "单位：人" in svg  # the unit on the axis
    for family in _svg_font_families(svg):
        assert set(CSS_FONT_FALLBACKS) <= set(family), family
        assert family[-1] == "sans-serif"
        positions = [family.index(name) for name in CSS_FONT_FALLBACKS]
        assert positions == sorted(positions), family


def test_png_fits_the_text_block_of_an_a4_page() -> None:
    png = render_chart(make_gap(), "gdp_death_rate", fmt="png")
    assert png.startswith(PNG_MAGIC)
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    # 15.5 cm × 8 cm at 200 dpi: the width of an A4 page's text block (GB/T 9704: 15.6 cm)
    assert image.shape[:2] == (int(8 / 2.54 * 200), int(15.5 / 2.54 * 200))
    assert charts.FIGURE_WIDTH_CM <= 15.6


def test_charts_are_reproducible() -> None:
    gap = make_gap()
    assert render_chart(gap, "deaths") == render_chart(gap, "deaths")
    assert render_chart(gap, "deaths", fmt="png") == render_chart(gap, "deaths", fmt="png")


def test_region_chart_and_english_labels() -> None:
    gap = make_gap()
    svg = render_chart(gap, "deaths", "东城区").decode("utf-8")
    assert "生产安全事故死亡人数（东城区）" in svg
    english = render_chart(gap, "gdp_death_rate", lang="en").decode("utf-8")
    assert "亿元GDP生产安全事故死亡率 — 示例市" in english
    assert "Target ≤ 0.01" in english and "unit: 人/亿元" in english
    assert "Projection" not in english  # projected_value is null


def test_whole_plan_without_region_label_has_the_one_whole_label() -> None:
    plan = {k: v for k, v in PLAN.items() if k != "region"}
    assert "生产安全事故死亡人数（全域）" in render_chart(make_gap(plan), "deaths").decode("utf-8")


def test_series_has_gaps_for_missing_values_and_ticks_at_every_year() -> None:
    figure = chart_figure(make_gap(), "deaths")
    axes = figure.axes[0]
    series = axes.lines[0]
    assert list(series.get_xdata()) == [2020, 2021, 2022, 2023, 2024]
    assert math.isnan(series.get_ydata()[3])
    assert [int(t) for t in axes.get_xticks()] == list(range(2020, 2026))
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels == ["实际值", "达标", "未达标", "序时进度要求", "趋势外推至2025年"]
    glide = axes.lines[3]
    assert list(glide.get_xdata()) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert list(glide.get_ydata()) == [125, 122.5, 120, 117.5, 115, 112.5]


def test_yoy_and_min_targets_render() -> None:
    target_yoy = {"kind": "yoy_decline", "value": True}
    target_min = {"kind": "min", "value": 1}
    rows = [
        _row("accidents", "事故起数", target_yoy, None, 2020, 30, None, "no_data"),
        _row("accidents", "事故起数", target_yoy, None, 2021, 28, 30, "met"),
        _row("accidents", "事故起数", target_yoy, None, 2022, 29, 28, "missed"),
        _row("hazards", "隐患整改率", target_min, None, 2020, 0.98, 1, "missed"),
        _row("hazards", "隐患整改率", target_min, None, 2021, 1, 1, "met"),
    ]
    gap = GapReport(dict(PLAN), rows, [])
    yoy = chart_figure(gap, "accidents")
    step = next(line for line in yoy.axes[0].lines if line.get_drawstyle() == "steps-mid")
    assert list(step.get_xdata()) == [2020, 2021, 2022]
    assert "目标 ≥1" in render_chart(gap, "hazards").decode("utf-8")


def test_unknown_indicator_region_format_or_language_is_a_usage_error() -> None:
    gap = make_gap()
    with pytest.raises(UsageError, match="nope"):
        render_chart(gap, "nope")
    with pytest.raises(UsageError, match="西城区"):
        render_chart(gap, "deaths", "西城区")
    with pytest.raises(UsageError, match="pdf"):
        render_chart(gap, "deaths", fmt="pdf")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="fr"):
        render_chart(gap, "deaths", lang="fr")  # type: ignore[arg-type]


def test_cjk_font_covers_the_title_and_matplotlib_uses_it() -> None:
    font = find_cjk_font()
    if font is None:
        pytest.skip("no font with CJK glyphs is installed (apt-get install fonts-noto-cjk)")
    charmap = ft2font.FT2Font(font.path, face_index=font.face_index).get_charmap()
    missing = [char for char in DEATHS_TITLE if ord(char) not in charmap]
    assert not missing, f"{font.name} lacks {missing}"

    figure = chart_figure(make_gap(), "deaths")
    title = figure.axes[0].title
    assert title.get_text() == DEATHS_TITLE
    with matplotlib.rc_context(chart_rc_params()):
        resolved = font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)
        # Drawing with warnings as errors proves no glyph fell back to a box.
        FigureCanvasAgg(figure).draw()
    assert Path(resolved).resolve() == Path(font.path).resolve()
    assert getattr(resolved, "face_index", 0) == font.face_index


def test_configure_matplotlib_selects_agg_and_svg_text() -> None:
    with matplotlib.rc_context():
        warning = configure_matplotlib()
        assert matplotlib.get_backend().lower() == "agg"
        assert matplotlib.rcParams["svg.fonttype"] == "none"
        assert matplotlib.rcParams["axes.unicode_minus"] is False
        font = find_cjk_font()
        if font is None:
            assert warning is not None
        else:
            assert warning is None
            assert matplotlib.rcParams["font.family"][0] == font.name
            assert "DejaVu Sans" in matplotlib.rcParams["font.family"]


def test_without_a_cjk_font_it_warns_once_and_still_renders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(charts, "find_cjk_font", lambda: None)
    with matplotlib.rc_context():
        warning = configure_matplotlib()
    assert warning is not None and "fonts-noto-cjk" in warning
    # No "Glyph … missing" warning escapes (pytest turns warnings into errors).
    assert render_chart(make_gap(), "deaths", fmt="png").startswith(PNG_MAGIC)
    svg = render_chart(make_gap(), "deaths").decode("utf-8")
    assert DEATHS_TITLE in svg
    assert set(CSS_FONT_FALLBACKS) <= set(_svg_font_families(svg)[0])


def test_write_charts_names_files_and_reports_progress(tmp_path: Path) -> None:
    outdir = tmp_path / "new" / "charts"
    progress: list[tuple[int, int]] = []
    paths = write_charts(
        make_gap(),
        outdir,
        fmt="svg",
        lang="zh",
        regions=True,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert [p.name for p in paths] == ["deaths.svg", "deaths__东城区.svg", "gdp_death_rate.svg"]
    assert all(p.parent == outdir and p.stat().st_size > 0 for p in paths)
    assert progress == [(0, 3), (1, 3), (2, 3), (3, 3)]

    pngs = write_charts(make_gap(), outdir, fmt="png", lang="en")
    assert [p.name for p in pngs] == ["deaths.png", "gdp_death_rate.png"]
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in pngs)


def test_region_names_are_made_safe_for_file_systems_but_keep_chinese() -> None:
    assert chart_filename("deaths", None, "svg") == "deaths.svg"
    assert chart_filename("deaths", "东城区", "png") == "deaths__东城区.png"
    assert chart_filename("deaths", 'a/b\\c:d*e?"f<g>h|', "svg") == "deaths__a_b_c_d_e_f_g_h_.svg"
    assert chart_filename("deaths", "..", "svg") == "deaths___.svg"
    assert chart_filename("deaths", "CON", "svg") == "deaths__CON_.svg"


def test_colliding_safe_names_do_not_overwrite_each_other(tmp_path: Path) -> None:
    gap = make_gap()
    extra = [r._replace(region="a/b") for r in gap.rows if r.region == "东城区"]
    extra += [r._replace(region="a:b") for r in gap.rows if r.region == "东城区"]
    gap.rows += extra
    assert chart_targets(gap, regions=True)[:4] == [
        ("deaths", None),
        ("deaths", "东城区"),
        ("deaths", "a/b"),
        ("deaths", "a:b"),
    ]
    names = [p.name for p in write_charts(gap, tmp_path, fmt="svg", lang="zh", regions=True)]
    assert names[2:4] == ["deaths__a_b.svg", "deaths__a_b-2.svg"]


def test_no_figures_are_left_open(tmp_path: Path) -> None:
    before = plt.get_fignums()
    gap = make_gap()
    for _ in range(3):
        render_chart(gap, "deaths", fmt="png")
        render_chart(gap, "gdp_death_rate")
    write_charts(gap, tmp_path, fmt="svg", lang="zh", regions=True)
    assert plt.get_fignums() == before == []


def _count_gap(values: list[int]) -> GapReport:
    target = {"kind": "max", "value": 0}
    rows = [
        _row("major", "重特大事故起数", target, None, 2020 + i, v, 0, "met" if v == 0 else "missed")
        for i, v in enumerate(values)
    ]
    facts = {"major": {"name": "重特大事故起数", "unit": "起", "count": True}}
    return GapReport(dict(PLAN), rows, [], indicators=facts)


@pytest.mark.parametrize("values", [[0, 0, 0, 0, 0], [0, 1, 0, 2, 0], [3, 7, 12, 9, 4]])
def test_counts_have_whole_number_ticks_from_zero(values: list[int]) -> None:
    figure = chart_figure(_count_gap(values), "major")
    axes = figure.axes[0]
    FigureCanvasAgg(figure).draw()
    bottom, top = axes.get_ylim()
    ticks = [t for t in axes.get_yticks() if bottom <= t <= top]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
    assert min(ticks) == 0 and top >= 1  # never a 0.000–0.054 axis for a count of 0
    labels = [t.get_text() for t in axes.get_yticklabels() if t.get_text()]
    assert all("." not in label for label in labels), labels
    assert axes.get_ylabel() == "单位：起"


def test_the_target_value_is_labelled_on_the_chart() -> None:
    figure = chart_figure(make_gap(), "gdp_death_rate")
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "目标 0.01" in texts
    assert figure.axes[0].get_ylabel() == "单位：人/亿元"


def test_a_report_figure_has_no_title_its_caption_names_it() -> None:
    figure = chart_figure(make_gap(), "deaths", title=False)
    assert figure.axes[0].get_title() == ""


def test_region_chart_compares_each_region_with_its_requirement() -> None:
    gap = make_gap()
    gap.rows.append(_row("deaths", "生产安全事故死亡人数", {"kind": "decline_pct", "value": 10},
                         "西城区", 2024, 50, 46, "missed"))  # fmt: skip
    figure = region_chart_figure(gap, "deaths", 2024)
    assert figure is not None
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["西城区", "东城区"]
    widths = [bar.get_width() for bar in axes.patches]
    assert widths[:2] == [50, 44]
    colours = {matplotlib.colors.to_hex(bar.get_facecolor()) for bar in axes.patches[:2]}
    assert colours == {"#c62828", "#2e7d32"}  # missed red, met green
    assert axes.get_xlabel() == "单位：人"
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["序时进度要求 46.0", "达标", "未达标"]
    png = render_region_chart(gap, "deaths", 2024, fmt="png")
    assert png is not None and png.startswith(PNG_MAGIC)


def test_no_region_chart_without_regions_or_for_all_zero_counts() -> None:
    gap = make_gap()
    assert has_region_chart(gap, "deaths", 2024)
    assert not has_region_chart(gap, "gdp_death_rate", 2024)  # no regional rows
    assert region_chart_figure(gap, "gdp_death_rate", 2024) is None
    zeros = _count_gap([0, 0, 0, 0, 0])
    zeros.rows.append(zeros.rows[-1]._replace(region="东城区"))
    assert not has_region_chart(zeros, "major", 2024)


def test_fallback_search_by_character_map_skips_the_last_resort_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if find_cjk_font() is None:
        pytest.skip("no font with CJK glyphs is installed (apt-get install fonts-noto-cjk)")
    monkeypatch.setattr(charts, "PREFERRED_CJK_FONTS", ())
    font = find_cjk_font.__wrapped__()  # type: ignore[attr-defined]
    assert font is not None and not font.name.startswith("Last Resort")
    charmap = ft2font.FT2Font(font.path, face_index=font.face_index).get_charmap()
    assert all(ord(char) in charmap for char in "中国亿")
