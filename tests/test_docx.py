"""The Word report: A4 pages, customary fonts, tables that survive editing, numbered
captions, charts at the text block's width — read back with python-docx."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm

import safeplan
from safeplan.render import Options, render
from safeplan.render.document import Evaluation
from safeplan.render.docx import FONTS, report_docx

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data() -> bytes:
    plan = safeplan.load_plan(ROOT / "indicators.yaml")
    evaluation = Evaluation(safeplan.check(plan, 2024), safeplan.gap(plan))
    return report_docx(evaluation, generated="2025-03-01 09:30")


@pytest.fixture(scope="module")
def doc(data: bytes):  # type: ignore[no-untyped-def]
    return Document(io.BytesIO(data))


def _east_asia(element) -> str | None:  # type: ignore[no-untyped-def]
    fonts = element.find(qn("w:rPr")).find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_pages_are_a4_with_the_official_text_block(doc) -> None:  # type: ignore[no-untyped-def]
    for section in doc.sections:  # Word stores twips: compare to a hundredth of a mm
        assert abs(section.page_width - Cm(21)) < Cm(0.001)
        assert abs(section.page_height - Cm(29.7)) < Cm(0.001)
        width = section.page_width - section.left_margin - section.right_margin
        assert abs(width - Cm(15.6)) < Cm(0.01)


def test_customary_fonts_and_chinese_language(doc) -> None:  # type: ignore[no-untyped-def]
    styles = doc.styles
    assert _east_asia(styles["Normal"].element) == FONTS["body"] == "仿宋"
    assert _east_asia(styles["Title"].element) == FONTS["title"] == "方正小标宋简体"
    assert _east_asia(styles["Heading 1"].element) == FONTS["heading"] == "黑体"
    assert styles["Normal"].font.size.pt == 16  # 三号
    assert styles["Title"].font.size.pt == 22  # 二号
    defaults = styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:eastAsia")) == "zh-CN"
    # No theme font may override the names in the styles used (it would win in Word).
    used = ["Normal", "Title", "Heading 1", "Caption", "表格文字", "表格文字小", "Table Grid"]
    used += [s.name for s in styles if s.name.endswith(" Char")]
    for name in used:
        fonts = styles[name].element.find(f".//{qn('w:rFonts')}")
        assert fonts is None or fonts.get(qn("w:eastAsiaTheme")) is None, name


def test_title_headings_and_summary(doc) -> None:  # type: ignore[no-untyped-def]
    paragraphs = doc.paragraphs
    assert paragraphs[0].style.name == "Title"
    assert paragraphs[0].text == "示例市“十四五”安全生产规划2024年度控制指标完成情况评估"
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["一、总体情况", "二、控制指标完成情况"]
    body = "\n".join(p.text for p in paragraphs)
    assert "2024年，示例市5项控制指标中3项达到年度目标，2项未达到" in body


def test_tables_survive_editing(doc) -> None:  # type: ignore[no-untyped-def]
    assert len(doc.tables) == 4
    for table in doc.tables:
        tbl = table._tbl
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        rows = tbl.findall(qn("w:tr"))
        assert rows[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None  # repeats
        assert all(r.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None for r in rows)
        assert not tbl.findall(f".//{qn('w:gridSpan')}") and not tbl.findall(f".//{qn('w:vMerge')}")
        grid = [int(c.get(qn("w:w"))) for c in tbl.find(qn("w:tblGrid"))]
        assert sum(grid) <= Cm(15.6).twips + 5
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == [
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
    deaths = [c.text for c in doc.tables[0].rows[2].cells]
    assert deaths[1:4] == ["生产安全事故死亡人数", "人", "约束性"] and deaths[-1] == "达标"
    assert doc.tables[0].rows[2].cells[7].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    regions = doc.tables[1]
    assert regions.rows[0].cells[3].text == "3.亿元GDP生产安全事故死亡率（人/亿元）"


def _text(paragraph) -> str:  # type: ignore[no-untyped-def]
    """A paragraph's text with its fields' results (python-docx leaves fields out)."""
    return "".join(t.text or "" for t in paragraph._p.iter(qn("w:t")))


def test_captions_are_numbered_fields_tables_above_figures_below(doc) -> None:  # type: ignore[no-untyped-def]
    body = doc.element.body
    children = list(body)
    captions = [p for p in doc.paragraphs if p.style.name == "Caption"]
    tables = [p for p in captions if p.text.startswith("表")]
    figures = [p for p in captions if p.text.startswith("图")]
    assert [_text(p).split("\u3000")[0] for p in tables] == ["表1", "表2", "表3", "表4"]
    assert [_text(p).split("\u3000")[0] for p in figures] == [f"图{n}" for n in range(1, 10)]
    for p in captions:
        field = p._p.find(qn("w:fldSimple"))
        assert field is not None and field.get(qn("w:instr")).strip().startswith("SEQ ")
    for p in tables:  # a table caption sits right above its table
        assert children[children.index(p._p) + 1].tag == qn("w:tbl")
        assert p.paragraph_format.keep_with_next
    for p in figures:  # a figure caption right below its picture, with the unit
        assert children[children.index(p._p) - 1].findall(f".//{qn('w:drawing')}")
        assert "单位：" in p.text


def test_charts_are_as_wide_as_the_text_block(doc) -> None:  # type: ignore[no-untyped-def]
    shapes = doc.inline_shapes
    assert len(shapes) == 9
    for shape in shapes:
        assert abs(shape.width - Cm(15.6)) < Cm(0.05)


def test_page_numbers_in_the_footer(doc) -> None:  # type: ignore[no-untyped-def]
    footer = doc.sections[0].footer.paragraphs[0]
    assert footer._p.find(qn("w:fldSimple")).get(qn("w:instr")).strip() == "PAGE"
    assert footer.text.startswith("— ")


def test_quotation_marks_take_the_chinese_font(doc) -> None:  # type: ignore[no-untyped-def]
    runs = [r for p in doc.paragraphs for r in p.runs if "“" in r.text]
    assert runs
    for run in runs:
        assert run._element.rPr.find(qn("w:rFonts")).get(qn("w:hint")) == "eastAsia"


def test_the_same_input_gives_the_same_bytes(data: bytes) -> None:
    plan = safeplan.load_plan(ROOT / "indicators.yaml")
    evaluation = Evaluation(safeplan.check(plan, 2024), safeplan.gap(plan))
    again = render("report", "docx", evaluation, Options(generated="2025-03-01 09:30"))
    assert again == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "docProps/thumbnail.jpeg" not in archive.namelist()
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist())


def test_the_command_writes_a_word_file(run, bundled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "评估报告.docx"
    result = run("report", "-c", str(bundled), "--format", "docx", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert Document(str(out)).paragraphs[0].text.endswith("控制指标完成情况评估")


def test_libreoffice_opens_it_as_a4(tmp_path: Path, data: bytes) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "report.docx"
    source.write_bytes(data)
    subprocess.run(
        [office, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True, timeout=180, check=False,
    )  # fmt: skip
    pdf = tmp_path / "report.pdf"
    assert pdf.exists()
    import re

    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes()))
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
