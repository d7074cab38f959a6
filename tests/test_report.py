"""The HTML report: one self-contained, escaped page that reads like a finished 评估报告 —
on a screen, on a 390 px phone and printed on A4."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import pytest

import safeplan
from safeplan.errors import UsageError
from safeplan.render import Options, render
from safeplan.render.charts import CSS_FONT_FALLBACKS
from safeplan.render.document import Evaluation, build_document
from safeplan.render.html import inline_svg, report_html

ROOT = Path(__file__).resolve().parent.parent
COMPLETION_HEADER = [
    "序号",
    "指标名称",
    "单位",
    "指标属性",
    "基期值",
    "规划目标值",
    "序时进度要求",
    "2024年实际值",
    "较基期变化",
    "完成情况",
]


def evaluation_of(config: Path | str, year: int = 2024) -> Evaluation:
    plan = safeplan.load_plan(config)
    return Evaluation(safeplan.check(plan, year), safeplan.gap(plan))


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluation_of(ROOT / "indicators.yaml")


@pytest.fixture(scope="module")
def page(evaluation: Evaluation) -> str:
    return report_html(evaluation, generated="2025-03-01 09:30")


def _table(page: str, key: str) -> str:
    match = re.search(rf'<table class="[^"]*" id="{key}">(.*?)</table>', page, re.S)
    assert match, key
    return match.group(1)


def _headers(table: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table)]


def test_is_one_html5_document_in_chinese_titled_as_an_evaluation(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page
    assert page.count("<html") == 1 and page.rstrip().endswith("</html>")
    title = "示例市“十四五”安全生产规划2024年度控制指标完成情况评估"  # Chinese quotation marks
    assert f"<title>{title}</title>" in page and f"<h1>{title}</h1>" in page
    assert '"十四五"' not in html.unescape(page.split("<body>", 1)[1])
    for family in CSS_FONT_FALLBACKS:
        assert f'"{family}"' in page  # the CSS font stack names the CJK fonts
    assert "生成时间：2025-03-01 09:30" in page


def test_sections_in_the_order_of_an_evaluation_report(page: str) -> None:
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == [
        "一、总体情况",
        "二、控制指标完成情况",
        "三、逐年完成情况与目标差距",
        "四、目标展望",
        "五、趋势与分地区比较",
        "附：计算方法说明",
    ]


def test_the_summary_names_what_is_met_and_missed(page: str) -> None:
    summary = html.unescape(page.split('<section id="s1">', 1)[1].split("</section>", 1)[0])
    assert "2024年，示例市5项控制指标中3项达到年度目标，2项未达到" in summary
    assert "（亿元GDP生产安全事故死亡率、道路交通万车死亡率）" in summary
    assert "生产安全事故死亡人数35人，较2020年下降12.5%，完成序时进度要求（36.8人以内）" in summary
    assert "亿元GDP生产安全事故死亡率0.0145，较2020年下降28.1%，高于0.01的控制目标" in summary
    assert "分地区看，3个地区均有指标未达标" in summary and "西湖县4项" in summary
    assert "展望2025年" in summary and "难以如期实现" in summary


def test_the_completion_table_has_the_standard_columns(page: str) -> None:
    table = _table(page, "completion")
    assert "<caption>表1　示例市2024年控制指标完成情况</caption>" in table
    assert _headers(table) == COMPLETION_HEADER
    numeric = re.findall(r'<th scope="col" class="num">(.*?)</th>', table)
    assert numeric == ["序号", "基期值", "序时进度要求", "2024年实际值", "较基期变化"]
    deaths = re.search(r"<tr><td[^>]*><span>2</span></td>(.*?)</tr>", table)
    assert deaths
    cells = [html.unescape(c) for c in re.findall(r"<span>(.*?)</span>", deaths.group(1))]
    assert cells == [
        "生产安全事故死亡人数",
        "人",
        "约束性",
        "40",
        "较2020年下降10%（≤36.0）",
        "≤36.8",
        "35",
        "下降12.5%",
        "✓ 达标",
    ]
    assert 'class="num"' in deaths.group(1) and 'class="met"' in deaths.group(1)


def test_every_cell_carries_its_label_for_the_phone_layout(page: str) -> None:
    for key in ("completion", "regions", "yearly", "outlook"):
        table = _table(page, key)
        labels = set(re.findall(r'<td[^>]*data-label="([^"]*)"', table))
        assert labels == {html.escape(h) for h in _headers(table)}, key
        assert table.count("<td") == table.count("data-label=")


def test_regions_are_a_table_of_their_own_with_units(page: str) -> None:
    table = _table(page, "regions")
    headers = _headers(table)
    assert headers[0] == "地区" and headers[-1] == "未达标项数"
    assert "3.亿元GDP生产安全事故死亡率（人/亿元）" in headers
    rows = re.findall(r"<tr><td[^>]*><span>([^<]*)</span>", table)
    assert rows == ["临河区", "东山县", "西湖县"]  # each region once, not once per indicator


def test_the_yearly_table_shows_requirement_and_gap_in_every_cell(page: str) -> None:
    table = html.unescape(_table(page, "yearly"))
    assert "35<small>≤36.8</small><small>-1.8</small>" in table  # not hidden in a tooltip
    assert "41 ✗<small>≤39.2</small><small>+1.8</small>" in table
    assert "title=" not in table


def test_captions_are_numbered_with_units(page: str, evaluation: Evaluation) -> None:
    tables = re.findall(r"<caption>表(\d+)　", page)
    assert tables == ["1", "2", "3", "4"]
    figures = re.findall(r"<figcaption>图(\d+)　([^<]*)</figcaption>", page)
    assert [int(n) for n, _ in figures] == list(range(1, len(figures) + 1))
    assert len(figures) == 5 + 4  # a trend per indicator; regions where there is a difference
    assert all("单位：" in caption for _, caption in figures)
    assert page.count("<svg") == len(figures)


def test_a4_print_and_phone_stylesheets(page: str) -> None:
    assert "@page { size: A4;" in page
    assert "@media print" in page and "display: table-header-group" in page
    assert "@media (max-width: 36rem)" in page and "content: attr(data-label)" in page
    assert "th.num" in page and "text-align: right" in page


def test_refers_to_nothing_on_the_network(page: str) -> None:
    assert not re.search(r"https?://", page, re.IGNORECASE)
    assert not re.search(r"""\b(?:src|href)\s*=\s*(?!["']?#)""", page)
    assert not re.search(r"url\(\s*['\"]?(?!#)", page)
    assert "@import" not in page


def test_svg_ids_are_unique_across_the_page(page: str) -> None:
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<metadata" not in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids must be unique across the inlined charts"
    for reference in re.findall(r'href="#([^"]+)"', page) + re.findall(r"url\(#([^)]+)\)", page):
        assert reference in ids


def test_escapes_every_text(make_plan) -> None:
    evil = "危险<script>alert('x')</script>指标"
    config = make_plan(
        "plan: {name: '<b>计划</b>', region: '<i>全市</i>', baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        f'indicators:\n  - {{id: d, name: "{evil}", value: a.deaths, unit: "<u>人</u>",'
        " target: {max: 5}}\n",
        {"a.csv": (["year", "region", "deaths"], [[2020, "<甲>", 1], [2024, "<甲>", 9]])},
    )
    page = report_html(evaluation_of(config))
    assert "<script" not in page.lower() and "<b>" not in page and "<u>" not in page
    assert html.escape(evil) in page and "&lt;甲&gt;" in page


def test_unequal_numbers_never_look_equal(make_plan) -> None:
    config = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: r, name: 比率, value: a.rate, target: {max: 0.01}}\n",
        {"a.csv": (["year", "rate"], [[2020, "0.009"], [2024, "0.0100000001"]])},
    )
    page = html.unescape(report_html(evaluation_of(config)))
    assert "0.0100000001" in page and "≤0.0100000000" in page and "✗ 未达标" in page


def test_english_report(evaluation: Evaluation) -> None:
    page = report_html(evaluation, lang="en")
    assert '<html lang="en">' in page
    assert "Table 1. Control indicators of 示例市 in 2024" in page
    assert "✓ met" in page
    with pytest.raises(UsageError):
        report_html(evaluation, lang="fr")


def test_registry_renders_the_report(evaluation: Evaluation) -> None:
    text = render("report", "html", evaluation, Options(generated="2025-01-01 00:00"))
    assert isinstance(text, str) and "2025-01-01 00:00" in text


def test_the_same_document_drives_html_and_word(evaluation: Evaluation) -> None:
    document = build_document(evaluation)
    assert [t.key for t in document.tables] == ["completion", "regions", "yearly", "outlook"]
    assert [f.key for f in document.figures][:2] == ["trend-major_accidents", "trend-deaths"]


def test_as_of_a_year_later_data_is_left_out(evaluation: Evaluation) -> None:
    plan = safeplan.load_plan(ROOT / "indicators.yaml")
    earlier = Evaluation(safeplan.check(plan, 2022), safeplan.gap(plan))
    page = html.unescape(report_html(earlier))
    yearly = _table(page, "yearly")
    assert "2022年" in yearly and "2023年" not in yearly and "2024年" not in yearly
    assert "2022年度控制指标完成情况评估" in page


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


def test_inline_svg_leaves_text_content_alone() -> None:
    markup = '<svg xmlns="http://www.w3.org/2000/svg"><text id="t"> id="x" url(#y)</text></svg>'
    assert inline_svg(markup, "c1") == '<svg><text id="c1-t"> id="x" url(#y)</text></svg>'


# --------------------------------------------------------------------------- in a browser


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return subprocess.run(
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
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_headless_chromium_renders_the_report(tmp_path: Path, page: str) -> None:
    document = tmp_path / "report.html"
    document.write_text(page, encoding="utf-8")
    screenshot = tmp_path / "report.png"
    completed = _browser(
        tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000", document.as_uri()
    )
    assert screenshot.exists(), completed.stderr[-2000:]
    image = matplotlib.image.imread(screenshot)
    assert image.shape[:2] == (2000, 1280)
    pixels = image[..., :3]
    not_white = (pixels < 0.9).any(axis=-1).mean()
    assert 0.01 < not_white < 0.6, not_white
    assert pixels.std() > 0.05


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_is_wider_than_the_screen(tmp_path: Path, page: str, width: int) -> None:
    # The page measures itself once laid out: the widest element must fit the window.
    probe = (
        "<script>document.body.dataset.overflow = Math.max(0, ...Array.from("
        "document.querySelectorAll('table, figure, p, h1, h2'), e => "
        "Math.ceil(e.getBoundingClientRect().right)) ) - window.innerWidth;</script>"
    )
    document = tmp_path / "report.html"
    document.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    completed = _browser(tmp_path, "--dump-dom", f"--window-size={width},900", document.as_uri())
    match = re.search(r'data-overflow="(-?\d+)"', completed.stdout)
    assert match, completed.stderr[-2000:]
    assert int(match.group(1)) <= 0, f"{match.group(1)} px cut off at {width} px"


def test_prints_on_a4(tmp_path: Path, page: str) -> None:
    document = tmp_path / "report.html"
    document.write_text(page, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    completed = _browser(
        tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", document.as_uri()
    )
    assert pdf.exists(), completed.stderr[-2000:]
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes()))
    assert boxes and all(
        abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes
    ), boxes
