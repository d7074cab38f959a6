"""Tests of safeplan.report: one self-contained, escaped HTML page that a browser renders."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import pytest

from safeplan.errors import UsageError
from safeplan.render import html as report
from safeplan.render.charts import CSS_FONT_FALLBACKS
from safeplan.render.html import inline_svg, render_report

EVIL = "危险<script>alert('x')</script>指标"
PLAN = {
    "name": '示例市"十四五"安全生产规划',
    "region": "示例市",
    "baseline_year": 2020,
    "target_year": 2025,
}
DEATHS = ("deaths", "生产安全事故死亡人数", {"kind": "decline_pct", "value": 10})
RATE = ("gdp_death_rate", "亿元GDP生产安全事故死亡率", {"kind": "max", "value": 0.01})
YOY = ("evil", EVIL, {"kind": "yoy_decline", "value": True})


def _rows(
    indicator: tuple[str, str, dict[str, Any]],
    region: str | None,
    series: list[tuple[int, float | None, float | None, str]],
) -> list[dict[str, Any]]:
    indicator_id, name, target = indicator
    return [
        {
            "id": indicator_id,
            "name": name,
            "region": region,
            "year": year,
            "value": value,
            "target": target,
            "threshold": threshold,
            "gap": None if value is None or threshold is None else value - threshold,
            "status": status,
        }
        for year, value, threshold, status in series
    ]


def _outlook(
    indicator_id: str, region: str | None, *values: float | None, on_track: bool | None
) -> dict[str, Any]:
    latest_value, final, projected, required = values
    return {
        "id": indicator_id,
        "region": region,
        "latest_year": 2024,
        "latest_value": latest_value,
        "final_threshold": final,
        "projected_value": projected,
        "on_track": on_track,
        "required_annual_change_pct": required,
    }


def make_inputs() -> tuple[dict[str, Any], dict[str, Any]]:
    """A gap report (a decline_pct indicator for the plan and one region, a max indicator
    with a missing baseline value, a yoy_decline indicator with a hostile name) and the
    check report of its latest year."""
    rows = [
        *_rows(
            DEATHS,
            None,
            [
                (2020, 125, 125, "met"),
                (2021, 120, 122.5, "met"),
                (2022, 124, 120, "missed"),
                (2023, None, 117.5, "no_data"),
                (2024, 115, 115, "met"),
            ],
        ),
        *_rows(
            RATE,
            None,
            [
                (2020, None, 0.01, "no_data"),
                (2021, 0.0123, 0.01, "missed"),
                (2022, 0.0105, 0.01, "missed"),
                (2023, 0.0098, 0.01, "met"),
                (2024, 0.0091, 0.01, "met"),
            ],
        ),
        *_rows(YOY, None, [(2023, 10, 12, "met"), (2024, 11, 10, "missed")]),
        *_rows(DEATHS, "东城区", [(2020, 50, 50, "met"), (2024, 44, 46, "met")]),
    ]
    outlook = [
        _outlook("deaths", None, 115, 112.5, 112.5, -2.1963, on_track=True),
        _outlook("gdp_death_rate", None, 0.0091, 0.01, None, 9.89, on_track=None),
        _outlook("evil", None, 11, None, None, None, on_track=None),
        _outlook("deaths", "东城区", 44, 45, 42.5, 2.27, on_track=True),
    ]
    gap = {"schema_version": 1, "plan": dict(PLAN), "rows": rows, "outlook": outlook}
    results = [dict(r) for r in rows if r["year"] == 2024]
    check = {
        "schema_version": 1,
        "plan": gap["plan"],
        "year": 2024,
        "ok": all(r["status"] == "met" for r in results),
        "results": results,
    }
    return check, gap


@pytest.fixture(scope="module")
def page() -> str:
    check, gap = make_inputs()
    return render_report(check, gap, generated="2025-03-01 09:30")


def _count(page: str, key: str) -> int:
    match = re.search(rf'data-count="{re.escape(key)}">(\d+)<', page)
    assert match, key
    return int(match.group(1))


def test_is_one_html5_document_in_chinese(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert '<meta charset="utf-8">' in page
    assert page.count("<html") == 1 and page.rstrip().endswith("</html>")
    assert "<style>" in page
    for family in CSS_FONT_FALLBACKS:
        assert f'"{family}"' in page  # the CSS font stack names the CJK fonts


def test_shows_the_plan_every_indicator_and_the_footer(page: str) -> None:
    _, gap = make_inputs()
    assert html.escape(gap["plan"]["name"]) in page
    assert "基准年 2020 → 目标年 2025" in page
    assert "评估年份：2024" in page
    for name in {r["name"] for r in gap["rows"]}:
        assert html.escape(name) in page
    assert "东城区" in page
    assert "生成时间：2025-03-01 09:30" in page


def test_summary_counts_come_from_the_inputs(page: str) -> None:
    check, gap = make_inputs()
    for scope, regional in (("plan", False), ("regions", True)):
        statuses = Counter(
            r["status"] for r in check["results"] if (r["region"] is not None) == regional
        )
        for status in ("met", "missed", "no_data"):
            assert _count(page, f"{scope}-{status}") == statuses[status]
        tracks = Counter(
            o["on_track"] for o in gap["outlook"] if (o["region"] is not None) == regional
        )
        assert _count(page, f"{scope}-on_track") == tracks[True]
        assert _count(page, f"{scope}-off_track") == tracks[False]
        assert _count(page, f"{scope}-unknown") == tracks[None]
    assert _count(page, "plan-met") == 2 and _count(page, "plan-missed") == 1


def test_tables_show_statuses_as_text_and_colour(page: str) -> None:
    assert re.search(r'<td class="num missed"[^>]*>124<span class="tag">✗ 未达标</span>', page)
    assert re.search(r'<td class="num no_data"[^>]*>—<span class="tag">– 无数据</span>', page)
    assert '<td class="status met">✓ 达标</td>' in page
    assert "较2020年下降10%" in page and "≤ 0.01" in page and "低于上年" in page
    assert "-2.20%" in page  # required yearly change, two decimals
    assert "0.0091" in page


def test_refers_to_nothing_on_the_network(page: str) -> None:
    assert not re.search(r"https?://", page, re.IGNORECASE)
    assert not re.search(r"""\b(?:src|href)\s*=\s*(?!["']?#)""", page)
    assert not re.search(r"url\(\s*['\"]?(?!#)", page)
    assert "@import" not in page


def test_inlines_one_svg_chart_per_whole_plan_indicator(page: str) -> None:
    assert page.count("<svg") == 3
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<metadata" not in page
    assert "生产安全事故死亡人数（示例市）" in page  # the chart's title, as SVG text
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids must be unique across the inlined charts"
    for reference in re.findall(r'href="#([^"]+)"', page) + re.findall(r"url\(#([^)]+)\)", page):
        assert reference in ids


def test_escapes_every_text(page: str) -> None:
    assert "<script" not in page.lower()
    assert html.escape(EVIL) in page
    assert "&lt;script&gt;" in page


def test_english_report() -> None:
    check, gap = make_inputs()
    page = render_report(check, gap, lang="en", charts={})
    assert '<html lang="en">' in page
    assert "Results in 2024" in page and "Outlook to the target year (2025)" in page
    assert "✓ met" in page and "− 10" not in page
    assert "<svg" not in page  # an empty mapping means no charts
    with pytest.raises(UsageError):
        render_report(check, gap, lang="fr")  # type: ignore[arg-type]


def test_given_charts_are_used_instead_of_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_drawing(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("render_chart must not be called")

    monkeypatch.setattr(report, "render_chart", no_drawing)
    check, gap = make_inputs()
    markup = (
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<defs><clipPath id="p1"><rect width="5" height="5"/></clipPath></defs>'
        '<rect clip-path="url(#p1)" width="10" height="10"/></svg>'
    )
    page = render_report(check, gap, charts={"deaths": markup})
    assert page.count("<svg") == 1
    assert 'id="c1-p1"' in page and "url(#c1-p1)" in page
    assert "http" not in page


def test_inline_svg_prefixes_ids_and_drops_the_prolog() -> None:
    markup = (
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
        '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" xmlns="http://www.w3.org/2000/svg">'
        "<metadata><rdf:RDF>x</rdf:RDF></metadata>"
        '<path id="m1" data-id="keep"/><use xlink:href="#m1"/></svg>'
    )
    out = inline_svg(markup, "c7", label="图<1>")
    assert out == (
        '<svg role="img" aria-label="图&lt;1&gt;">'
        '<path id="c7-m1" data-id="keep"/><use xlink:href="#c7-m1"/></svg>'
    )


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_headless_chromium_renders_the_report(tmp_path: Path, page: str) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    document = tmp_path / "report.html"
    document.write_text(page, encoding="utf-8")
    screenshot = tmp_path / "report.png"
    completed = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={screenshot}",
            "--window-size=1280,2000",
            document.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert screenshot.exists(), completed.stderr[-2000:]
    image = matplotlib.image.imread(screenshot)
    assert image.shape[:2] == (2000, 1280)
    pixels = image[..., :3]
    not_white = (pixels < 0.9).any(axis=-1).mean()
    assert 0.01 < not_white < 0.6, not_white
    assert pixels.std() > 0.05


def test_inline_svg_leaves_text_content_alone() -> None:
    markup = '<svg xmlns="http://www.w3.org/2000/svg"><text id="t"> id="x" url(#y)</text></svg>'
    assert inline_svg(markup, "c1") == '<svg><text id="c1-t"> id="x" url(#y)</text></svg>'
