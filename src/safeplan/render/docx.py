"""The Word report (``safeplan report --format docx``): the 评估报告 as offices write it.

The same document as the HTML page (:mod:`safeplan.render.document`), laid out as a
Chinese official document (GB/T 9704): A4 pages with a 15.6 cm × 22.5 cm text block; the
title in 方正小标宋简体 二号; 一、 headings in 黑体 三号; body text in 仿宋 三号 at a fixed
28 pt line spacing with a two-character indent; tables in 宋体 (小五 when wide), every
column's width fixed, the header row repeated on each page, no row split across pages and
no merged cells, so that the tables survive editing in Word or WPS; 表N captions above
tables and 图N captions below figures as SEQ fields, so Word renumbers them; charts at the
text block's width; page numbers "— 1 —".

Fonts are named as Chinese Word names them (:data:`FONTS`); a font the reader lacks (方正小
标宋简体 is not on every PC) is replaced by Word or WPS with a similar one. Text runs carry
``w:hint="eastAsia"`` so that Chinese quotation marks take the Chinese font. The same input
gives the same bytes (fixed zip timestamps, document dates from ``generated``).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from typing import TYPE_CHECKING, Any

from safeplan.errors import UsageError
from safeplan.render.document import Document, Evaluation, Figure, Table, build_document

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.section import Section as WordSection
    from docx.table import Table as WordTable
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    from safeplan.render import Options

__all__ = ["FONTS", "document_docx", "render_report", "report_docx"]

FONTS = {
    "title": "方正小标宋简体",
    "heading": "黑体",
    "heading2": "楷体",
    "body": "仿宋",
    "table": "宋体",
    "latin": "Times New Roman",
}
"""The fonts, by role, as Chinese Word names them (宋体, 黑体, 仿宋 and 楷体 come with every
Chinese Windows; 方正小标宋简体 with most government PCs)."""

#: Chinese type sizes (字号) in points.
SIZE = {"二号": 22.0, "三号": 16.0, "四号": 14.0, "小四": 12.0, "五号": 10.5, "小五": 9.0}

_MARKS = ("✓ ", "✗ ", "– ", "○ ")
_MISSED_FILL = "FDE2E2"  # light red, prints as light grey
_HEADER_FILL = "E7ECEF"
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_WIDE_TABLE = 11  # tables with more columns go on a landscape page


def _rfonts(rpr: Any, east_asia: str) -> None:
    """Fonts of a run, style or the defaults: explicit names, theme fonts removed (they
    would win), the East Asian font for CJK text and for “” (``w:hint``)."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for name in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(name), None)
    for name in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(name), FONTS["latin"])
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _style_font(style: Any, east_asia: str, size: float, *, bold: bool = False) -> None:
    from docx.shared import Pt, RGBColor

    _rfonts(style.element.get_or_add_rPr(), east_asia)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)


def _indent_chars(ppr: Any, chars: float, size: float) -> None:
    """A first-line indent in characters (Word reads firstLineChars, others firstLine);
    0 must be written too, or the Normal style's indent is inherited."""
    from docx.oxml.ns import qn

    ind = ppr.get_or_add_ind()
    ind.set(qn("w:firstLine"), str(int(chars * size * 20)))
    ind.set(qn("w:firstLineChars"), str(int(chars * 100)))


def _setup_styles(doc: WordDocument) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _rfonts(defaults, FONTS["body"])
    for tag in ("w:sz", "w:szCs"):
        defaults.find(qn(tag)).set(qn("w:val"), str(int(SIZE["三号"] * 2)))
    defaults.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")

    normal: Any = styles["Normal"]
    _style_font(normal, FONTS["body"], SIZE["三号"])
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(28)
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_chars(normal.element.get_or_add_pPr(), 2, SIZE["三号"])

    title: Any = styles["Title"]
    _style_font(title, FONTS["title"], SIZE["二号"])
    ppr = title.element.pPr
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    spacing = title.element.rPr.find(qn("w:spacing"))
    if spacing is not None:
        title.element.rPr.remove(spacing)
    tf = title.paragraph_format
    tf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    tf.line_spacing = Pt(36)
    tf.space_before, tf.space_after = Pt(0), Pt(14)
    _indent_chars(title.element.get_or_add_pPr(), 0, SIZE["二号"])

    for name, font in (("Heading 1", FONTS["heading"]), ("Heading 2", FONTS["heading2"])):
        heading: Any = styles[name]
        _style_font(heading, font, SIZE["三号"])
        hf = heading.paragraph_format
        hf.space_before, hf.space_after = Pt(6), Pt(0)
        hf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        hf.line_spacing = Pt(28)
        hf.keep_with_next = True
        _indent_chars(heading.element.get_or_add_pPr(), 2, SIZE["三号"])

    caption: Any = styles["Caption"]
    _style_font(caption, FONTS["heading"], SIZE["小四"])
    cf = caption.paragraph_format
    cf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cf.space_before, cf.space_after = Pt(6), Pt(4)
    _indent_chars(caption.element.get_or_add_pPr(), 0, SIZE["小四"])
    caption.hidden = False
    caption.quick_style = True

    for name, size in (("表格文字", SIZE["五号"]), ("表格文字小", SIZE["小五"])):
        table_text: Any = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        table_text.base_style = normal
        _style_font(table_text, FONTS["table"], size)
        tpf = table_text.paragraph_format
        tpf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        tpf.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _indent_chars(table_text.element.get_or_add_pPr(), 0, size)
    note: Any = styles.add_style("表注", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["表格文字"]
    note.paragraph_format.space_after = Pt(10)
    _rfonts(styles["Table Grid"].element.get_or_add_rPr(), FONTS["table"])

    # The template's linked character styles (Heading1Char …) name theme fonts too.
    for style in styles:
        rpr = style.element.rPr
        fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsiaTheme")):
            _rfonts(rpr, FONTS["heading"] if "Heading" in style.style_id else FONTS["body"])


def _a4(section: WordSection, *, landscape: bool = False) -> None:
    """A4 with the GB/T 9704 text block (156 × 225 mm), or its landscape turn."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
        section.top_margin, section.bottom_margin = Cm(2.8), Cm(2.6)
        section.left_margin, section.right_margin = Cm(3.7), Cm(3.5)
        section.footer_distance = Cm(1.5)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        section.footer_distance = Cm(2.8)
    section.header_distance = Cm(1.5)


def text_width(section: WordSection) -> int:
    """The width of a section's text block, in EMU."""
    return (
        int(section.page_width or 0)
        - int(section.left_margin or 0)
        - int(section.right_margin or 0)
    )


def _run(
    paragraph: Paragraph, text: str, font: str | None = None, size: float | None = None
) -> Run:
    """A run of text that takes the East Asian font for “” (``w:hint``), optionally in
    its own font and size."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    rpr = run._element.get_or_add_rPr()
    if font is not None:
        _rfonts(rpr, font)
    else:
        rpr.get_or_add_rFonts().set(qn("w:hint"), "eastAsia")
    if size is not None:
        run.font.size = Pt(size)
    return run


def _field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A simple field (SEQ, PAGE) with its current result, so it shows before updating."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _caption(
    doc: WordDocument, caption: str, counters: dict[str, int], *, with_next: bool = False
) -> None:
    """表N / 图N as a SEQ field, then the caption's text (kept with the table below it
    when ``with_next``)."""
    label = caption[0] if caption[:1] in ("表", "图") else caption.split(" ")[0]
    counters[label] = counters.get(label, 0) + 1
    paragraph = doc.add_paragraph(style="Caption")
    paragraph.paragraph_format.keep_with_next = with_next
    _run(paragraph, label)
    _field(paragraph, f"SEQ {label} \\* ARABIC", str(counters[label]))
    rest = caption.split("\u3000", 1)[1] if "\u3000" in caption else caption.split(". ", 1)[-1]
    _run(paragraph, ("\u3000" if "\u3000" in caption else ". ") + rest)


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    # CT_TcPr order: tcW gridSpan vMerge tcBorders shd noWrap tcMar textDirection …
    later = {
        qn(t)
        for t in ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
    }
    following = next((child for child in tcpr if child.tag in later), None)
    if following is not None:
        following.addprevious(shading)
    else:
        tcpr.append(shading)


def _cell_margins(table: WordTable, side: Any) -> None:
    """Narrow left and right cell margins (Word's default is 0.19 cm), so that ten columns
    fit a portrait page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    margins = OxmlElement("w:tblCellMar")
    for edge in ("w:left", "w:right"):
        element = OxmlElement(edge)
        element.set(qn("w:w"), str(side.twips))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))  # tblCellMar comes just before tblLook
    if look is not None:
        look.addprevious(margins)
    else:
        properties.append(margins)


def _row_flags(row: Any, *, header: bool) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        trpr.append(repeat)


def _widths(table: Table, total: int, em: int) -> list[int]:
    """Column widths in EMU adding up to ``total`` (``em``: the width of a CJK character):
    numbers, statuses and short texts (a region) never wrap, headers may take two lines,
    and the text columns (names, targets) share what is left."""
    pad = 1.0  # cell margins (2 × 0.1 cm) and a little air, in characters
    natural, least, flexible = [], [], []
    for i, header in enumerate(table.header):
        cells = [_text_len(line) for row in table.rows for line in row[i].split("\n")]
        widest = max(cells, default=0.0)
        head = min(math.ceil(_text_len(header) / 2), 6)  # a long header takes more lines
        status = any(row[i] for row in table.statuses)
        fixed = table.numeric[i] or status or widest <= 6
        flexible.append(not fixed)
        natural.append(max(widest, head) + pad)
        least.append((max(widest, head) if fixed else max(min(widest, 4.0), head)) + pad)
    room = total / em
    if sum(natural) <= room:  # the spare width goes to the text columns
        spare = room - sum(natural)
        grow = sum(n for n, f in zip(natural, flexible, strict=True) if f) or sum(natural)
        chosen = [
            n + spare * n / grow if (f or not any(flexible)) else n
            for n, f in zip(natural, flexible, strict=True)
        ]
    elif sum(least) >= room:
        chosen = least
    else:
        slack = [n - m for n, m in zip(natural, least, strict=True)]
        cut = (sum(natural) - room) / sum(slack)
        chosen = [n - s * cut for n, s in zip(natural, slack, strict=True)]
    return [int(total * c / sum(chosen)) for c in chosen]


def _text_len(text: str) -> float:
    """Roughly how many CJK characters wide a text is: ASCII is about half as wide."""
    return sum(0.55 if c.isascii() else 1.0 for c in text)


def _table(doc: WordDocument, table: Table, width: int) -> WordTable:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Cm, Emu, Pt

    small = len(table.header) > 6
    style = doc.styles["表格文字小" if small else "表格文字"]
    # The id once: python-docx's paragraph.style = … compares the style with the default
    # one, found by parsing every style of the document, for each of thousands of cells.
    style_id = doc.part.get_style_id(style, style.type)  # type: ignore[no-untyped-call]
    size = SIZE["小五" if small else "五号"]
    widths = [Emu(w) for w in _widths(table, width, int(Pt(size).emu))]
    word = doc.add_table(rows=1 + len(table.rows), cols=len(table.header))
    word.style = doc.styles["Table Grid"]
    word.alignment = WD_TABLE_ALIGNMENT.CENTER
    word.autofit = False  # a fixed layout: the widths below hold
    table_width = word._tbl.tblPr.find(qn("w:tblW"))
    table_width.set(qn("w:type"), "dxa")
    table_width.set(qn("w:w"), str(sum(w.twips for w in widths)))
    _cell_margins(word, Cm(0.1))
    for i, w in enumerate(widths):
        word.columns[i].width = w  # the grid (LibreOffice reads it)
    for r, row in enumerate(word.rows):
        _row_flags(row, header=r == 0)
        texts = table.header if r == 0 else table.rows[r - 1]
        statuses = [None] * len(texts) if r == 0 else table.statuses[r - 1]
        for c, (cell, text, status) in enumerate(zip(row.cells, texts, statuses, strict=True)):
            cell.width = widths[c]  # each cell (Word reads these)
            paragraph = cell.paragraphs[0]
            paragraph._p.style = style_id  # paragraph.style = style
            if r and status and text.startswith(_MARKS):
                text = text[2:]  # a status in words: its shading marks it in Word
            lines = text.split("\n")
            for k, line in enumerate(lines):
                run = _run(
                    paragraph, line, FONTS["heading"] if r == 0 else None, size if r == 0 else None
                )
                if k < len(lines) - 1:
                    run.add_break(WD_BREAK.LINE)
            if r == 0:
                paragraph.alignment = (
                    WD_ALIGN_PARAGRAPH.RIGHT if table.numeric[c] else WD_ALIGN_PARAGRAPH.CENTER
                )
                _shade(cell, _HEADER_FILL)
            elif table.numeric[c]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if status == "missed":
                _shade(cell, _MISSED_FILL)
    return word  # type: ignore[no-any-return]


def _figure(doc: WordDocument, figure: Figure, width: int, counters: dict[str, int]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING

    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # exact would clip it
    paragraph.paragraph_format.keep_with_next = True
    _indent_chars(paragraph._p.get_or_add_pPr(), 0, SIZE["三号"])
    paragraph.add_run().add_picture(io.BytesIO(figure.draw("png")), width=width)
    _caption(doc, figure.caption, counters)


def _footer(section: WordSection) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _indent_chars(paragraph._p.get_or_add_pPr(), 0, SIZE["四号"])
    _run(paragraph, "— ", FONTS["table"], SIZE["四号"])
    _field(paragraph, "PAGE", "1")
    _run(paragraph, " —", FONTS["table"], SIZE["四号"])


def _when(generated: str | None) -> dt.datetime:
    if generated:
        try:
            return dt.datetime.fromisoformat(generated).replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    return _EPOCH


def document_docx(document: Document) -> bytes:
    """The .docx bytes of a report document."""
    from docx import Document as NewDocument
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = NewDocument()
    _setup_styles(doc)
    section = doc.sections[0]
    _a4(section)
    _footer(section)
    counters: dict[str, int] = {}

    _run(doc.add_paragraph(style="Title"), document.title)
    for line in document.meta:
        paragraph = doc.add_paragraph(style="表格文字")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, line, FONTS["body"], SIZE["四号"])
    doc.add_paragraph()
    for section_ in document.sections:
        _run(doc.add_paragraph(style="Heading 1"), section_.heading)
        for block in section_.blocks:
            if isinstance(block, Table):
                wide = len(block.header) > _WIDE_TABLE
                if wide:
                    _a4(doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
                _caption(doc, block.caption, counters, with_next=True)
                _table(doc, block, text_width(doc.sections[-1]))
                if block.note:
                    _run(doc.add_paragraph(style="表注"), block.note)
                if wide:
                    _a4(doc.add_section(WD_SECTION.NEW_PAGE))
            elif isinstance(block, Figure):
                _figure(doc, block, text_width(doc.sections[-1]), counters)
            else:
                _run(doc.add_paragraph(), block)

    when = _when(document.generated)
    properties = doc.core_properties
    properties.title = document.title
    properties.subject = "评估报告" if document.lang == "zh" else "evaluation report"
    properties.author = properties.last_modified_by = "safeplan"
    properties.comments = ""
    properties.keywords = "安全生产规划;控制指标;评估" if document.lang == "zh" else "evaluation"
    properties.language = "zh-CN" if document.lang == "zh" else "en"
    properties.revision = 1
    properties.created = properties.modified = properties.last_printed = when
    _drop_thumbnail(doc)
    return _reproducible(doc)


def _drop_thumbnail(doc: WordDocument) -> None:
    """python-docx's template carries a picture of an empty page as its thumbnail."""
    package = doc.part.package
    for rel in list(package.rels.values()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rel.rId)


def _reproducible(doc: WordDocument) -> bytes:
    """The document's bytes, its zip entries stamped with a fixed time."""
    buffer = io.BytesIO()
    doc.save(buffer)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def report_docx(evaluation: Evaluation, *, lang: str = "zh", generated: str | None = None) -> bytes:
    """The Word report of ``evaluation``."""
    if lang not in ("zh", "en"):
        raise UsageError(f"unknown language {lang!r}", hint="use zh or en")
    return document_docx(build_document(evaluation, lang, generated))


def render_report(evaluation: Evaluation, options: Options) -> bytes:
    """``report --format docx``."""
    return report_docx(evaluation, lang=options.lang, generated=options.generated)
