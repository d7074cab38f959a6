"""The HTML report: one self-contained page, the 评估报告 of a plan's year.

:func:`render_report` writes the document of :mod:`safeplan.render.document` — the title
("……“十四五”安全生产规划2024年度控制指标完成情况评估"), the written summary, 表1 the
指标完成情况表, 表2 the regions, 表3 every year with its requirement and gap, 表4 the
outlook, 图1… the charts, the method — as one HTML5 page with inline CSS and inline SVG,
referring to nothing on the network, so it can be mailed or archived as is.

It reads on a 1280 px screen (tables the width of the text), on a 390 px phone (each table
row becomes a card of label–value lines, nothing cut off), and prints on A4 (``@page``,
header rows repeated on every page, no row or figure split across pages). Numbers are
right-aligned under right-aligned headers. Every text from the plan or the data is escaped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from safeplan.errors import UsageError
from safeplan.render.charts import CSS_FONT_FALLBACKS
from safeplan.render.document import Document, Evaluation, Figure, Table, build_document
from safeplan.render.escape import escape_html

if TYPE_CHECKING:
    from safeplan.render import Options

__all__ = ["document_html", "inline_svg", "render_report"]

_SANS = ", ".join(f'"{f}"' for f in CSS_FONT_FALLBACKS)
_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 62rem; padding: 1.5rem 2rem 3rem;
  font-family: __SANS__, "Hiragino Sans GB", "WenQuanYi Micro Hei", "Noto Sans", Arial, sans-serif;
  font-size: 16px; line-height: 1.7; color: #212121; background: #fff;
}
h1 {
  font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", "Source Han Serif SC",
    "Songti SC", "SimSun", serif;
  font-size: 1.7rem; font-weight: 700; line-height: 1.4; text-align: center; margin: 0 0 .6rem;
}
.meta { text-align: center; color: #546e7a; margin: 0; font-size: .9rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid #cfd8dc; }
p { margin: .4rem 0; text-indent: 2em; text-align: justify; }
.method p { text-indent: 0; font-size: .92rem; }
.scroll { overflow-x: auto; margin: .4rem 0 0; }
table.data { border-collapse: collapse; width: 100%; font-size: .88rem; line-height: 1.45; }
table.data caption { caption-side: top; font-weight: 700; text-align: center; padding: .3rem 0 .5rem; }
table.data th, table.data td { border: 1px solid #b0bec5; padding: .3rem .45rem; vertical-align: middle; }
table.data th { background: #eceff1; text-align: center; font-weight: 700; }
table.data th.num, table.data td.num { text-align: right; }
table.data td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td small { display: block; color: #546e7a; font-size: .8rem; }
table.data th { white-space: nowrap; }
table.data.long-head th { white-space: normal; min-width: 4.5em; }
table.data td.met, table.data td.missed, table.data td.no_target { white-space: nowrap; }
td.met { background: #e8f5e9; color: #1b5e20; }
td.missed { background: #ffebee; color: #b71c1c; }
td.no_data, td.no_target { background: #f5f5f5; color: #616161; }
td.met small, td.missed small { color: inherit; opacity: .85; }
.note { text-indent: 0; font-size: .82rem; color: #455a64; margin: .3rem 0 1.4rem;
  break-before: avoid; }
figure { margin: 1.2rem 0 1.6rem; text-align: center; }
figure svg { width: 100%; max-width: 15.5cm; height: auto; display: block; margin: 0 auto; }
figcaption { font-weight: 700; font-size: .9rem; margin-top: .3rem; }
footer { margin-top: 2.5rem; color: #78909c; font-size: .85rem; text-align: center;
  border-top: 1px solid #cfd8dc; padding-top: .5rem; }
@media (max-width: 36rem) {
  body { padding: 1rem .8rem 2rem; font-size: 15px; }
  h1 { font-size: 1.35rem; }
  .scroll { overflow: visible; }
  table.data, table.data tbody, table.data tr, table.data td { display: block; width: 100%; }
  table.data caption { display: block; }
  table.data thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.data tr { border: 1px solid #b0bec5; border-radius: 6px; margin: 0 0 .7rem; overflow: hidden; }
  table.data td { display: flex; justify-content: space-between; align-items: baseline; gap: .8rem;
    border: none; border-bottom: 1px solid #eceff1; text-align: right; white-space: normal; }
  table.data td:last-child { border-bottom: none; }
  table.data td::before { content: attr(data-label); flex: 0 0 42%; text-align: left;
    font-weight: 700; color: #37474f; white-space: normal; }
  table.data td > span { min-width: 0; overflow-wrap: anywhere; }
  table.data td.num, table.data td.met, table.data td.missed { white-space: normal; }
  table.data td.seq { display: none; }
  table.data td.key { display: block; text-align: left; font-weight: 700; background: #eceff1; }
  table.data td.key::before { content: none; }
  table.data td small { display: inline; font-size: .85em; }
  table.data td small::before { content: " · "; }
}
@page { size: A4; margin: 20mm 18mm 18mm 18mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; line-height: 1.6;
    font-family: "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC",
      "SimSun", serif; }
  h1 { font-size: 18pt; }
  h2 { font-size: 13pt; break-after: avoid; font-family: __SANS__, "SimHei", sans-serif; }
  .scroll { overflow: visible; }
  table.data { font-size: 8.5pt; }
  table.data thead { display: table-header-group; }
  table.data tr, figure { break-inside: avoid; }
  table.data caption, .lead { break-after: avoid; }
  td.met, td.missed, td.no_data, td.no_target, th { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
  footer { display: none; }
}
""".replace("__SANS__", _SANS)

_XML_PROLOG = re.compile(r"<\?xml.*?\?>", re.DOTALL)
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>", re.DOTALL | re.IGNORECASE)
_METADATA = re.compile(r"<metadata\b.*?</metadata>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^<>]+>")
_XMLNS = re.compile(r"""\s+xmlns(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|'[^']*')""")
_ID_ATTRIBUTE = re.compile(r'(?<=\s)(id)="([^"]+)"')
_HREF = re.compile(r'((?<=\s)(?:xlink:)?href=")#([^"]+)"')
_URL_REFERENCE = re.compile(r"url\(#([^)]+)\)")
_SVG_SIZE = re.compile(r'<svg([^>]*?)\s(width|height)="[^"]*"')


def _e(value: object) -> str:
    return escape_html(str(value))


def inline_svg(markup: str, prefix: str, *, label: str | None = None) -> str:
    """Prepare an SVG document for inlining in HTML.

    Drops the XML prolog, doctype, comments, ``<metadata>`` and ``xmlns`` declarations
    (HTML parsers supply the SVG namespace), prefixes every ``id`` and reference to it
    with ``prefix`` so that several charts can share one page, and labels the image
    for screen readers with ``label``.
    """
    text = _XML_PROLOG.sub("", markup)
    text = _DOCTYPE.sub("", text)
    text = _COMMENT.sub("", text)
    text = _METADATA.sub("", text)

    def rewrite_tag(match: re.Match[str]) -> str:
        # Only inside tags: text content is escaped and may quote anything.
        tag = _XMLNS.sub("", match[0])
        tag = _ID_ATTRIBUTE.sub(lambda m: f'{m[1]}="{prefix}-{m[2]}"', tag)
        tag = _HREF.sub(lambda m: f'{m[1]}#{prefix}-{m[2]}"', tag)
        return _URL_REFERENCE.sub(lambda m: f"url(#{prefix}-{m[1]})", tag)

    text = _TAG.sub(rewrite_tag, text)
    if label is not None:
        text = text.replace("<svg", f'<svg role="img" aria-label="{_e(label)}"', 1)
    return text.strip()


def _cell(text: str, label: str, numeric: bool, status: str | None, role: str = "") -> str:
    classes = " ".join(c for c in ("num" if numeric else "", status or "", role) if c)
    first, *rest = text.split("\n")
    inner = _e(first) + "".join(f"<small>{_e(line)}</small>" for line in rest)
    css = f' class="{classes}"' if classes else ""
    return f'<td{css} data-label="{_e(label)}"><span>{inner}</span></td>'


def _table(table: Table) -> str:
    num = ' class="num"'
    head = "".join(
        f'<th scope="col"{num if numeric else ""}>{_e(h)}</th>'
        for h, numeric in zip(table.header, table.numeric, strict=True)
    )
    roles = [
        "seq" if i < table.key_column else "key" if i == table.key_column else ""
        for i in range(len(table.header))
    ]
    body = "\n".join(
        "<tr>"
        + "".join(
            _cell(text, label, numeric, status, role)
            for text, label, numeric, status, role in zip(
                row, table.header, table.numeric, statuses, roles, strict=True
            )
        )
        + "</tr>"
        for row, statuses in zip(table.rows, table.statuses, strict=True)
    )
    note = f'<p class="note">{_e(table.note)}</p>' if table.note else ""
    long_head = " long-head" if max(map(len, table.header), default=0) > 10 else ""
    return (
        f'<div class="scroll"><table class="data{long_head}" id="{_e(table.key)}">'
        f"<caption>{_e(table.caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>\n{body}\n</tbody></table></div>{note}"
    )


def _figure(figure: Figure, n: int) -> str:
    markup = figure.draw("svg").decode("utf-8")
    markup = _SVG_SIZE.sub(r"<svg\1", _SVG_SIZE.sub(r"<svg\1", markup, 1), 1)
    return (
        f'<figure id="{_e(figure.key)}">{inline_svg(markup, f"c{n}", label=figure.caption)}'
        f"<figcaption>{_e(figure.caption)}</figcaption></figure>"
    )


def document_html(document: Document) -> str:
    """The HTML page of a report document."""
    lang = document.lang
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="safeplan">',
        f"<title>{_e(document.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(document.title)}</h1>",
        *(f'<p class="meta">{_e(line)}</p>' for line in document.meta),
        "</header>",
        "<main>",
    ]
    figures = 0
    for n, section in enumerate(document.sections, 1):
        method = n == len(document.sections)
        css = ' class="method"' if method else ""
        parts.append(f'<section id="s{n}"{css}>')
        parts.append(f"<h2>{_e(section.heading)}</h2>")
        for block in section.blocks:
            if isinstance(block, Table):
                parts.append(_table(block))
            elif isinstance(block, Figure):
                figures += 1
                parts.append(_figure(block, figures))
            else:
                parts.append(f'<p class="lead">{_e(block)}</p>')
        parts.append("</section>")
    footer = document.meta[-1] if document.generated else "safeplan"
    parts += ["</main>", f"<footer>{_e(footer)}</footer>", "</body>", "</html>", ""]
    return "\n".join(parts)


def report_html(evaluation: Evaluation, *, lang: str = "zh", generated: str | None = None) -> str:
    """The HTML report of ``evaluation``."""
    if lang not in ("zh", "en"):
        raise UsageError(f"unknown language {lang!r}", hint="use zh or en")
    return document_html(build_document(evaluation, lang, generated))


def render_report(evaluation: Evaluation, options: Options) -> str:
    """``report --format html``."""
    return report_html(evaluation, lang=options.lang, generated=options.generated)
