"""The HTML report: one self-contained page for a plan's year and its path to the target.

:func:`render_report` turns the ``check`` report of the latest year and the
``gap`` report, both as plain dicts, into a single HTML5 document: plan
header, summary counts, the year's results, the year-by-year gap table, the outlook, one
inline SVG chart per indicator and a note on the method. Everything is inline (CSS and
SVG); the page refers to nothing on the network, so it can be mailed or archived as is.
Every piece of text from the inputs is escaped. Numbers are rounded for display only.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from safeplan.errors import UsageError
from safeplan.render.charts import chart_targets, format_number, render_chart

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = ["LABELS", "inline_svg", "render_report"]

Lang = Literal["zh", "en"]

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "doc_title": "{name} — 控制指标评估",
        "whole": "全市",
        "meta": "基准年 {b} → 目标年 {t}",
        "evaluated": "评估年份：{y}",
        "summary": "概况",
        "summary_year": "{y}年指标完成情况",
        "summary_outlook": "{t}年目标展望",
        "scope_regions": "各地区",
        "met": "达标",
        "missed": "未达标",
        "no_data": "无数据",
        "no_target": "无目标",
        "on_track": "可达标",
        "off_track": "难达标",
        "unknown": "无法判断",
        "check_title": "{y}年指标完成情况",
        "gap_title": "逐年目标差距",
        "outlook_title": "目标年展望（{t}年）",
        "charts_title": "趋势图",
        "method_title": "计算方法说明",
        "indicator": "指标",
        "region": "地区",
        "value": "指标值",
        "target": "目标",
        "threshold": "阈值",
        "gap": "差距",
        "status": "状态",
        "latest_year": "最新年份",
        "latest_value": "最新值",
        "final_threshold": "目标年阈值",
        "projected_value": "趋势外推值",
        "on_track_col": "能否达标",
        "required": "所需年均变化",
        "t_max": "≤ {x}",
        "t_min": "≥ {x}",
        "t_decline": "较{b}年下降{p}%",
        "t_yoy": "低于上年",
        "cell_title": "阈值 {t}；差距 {g}",
        "no_rows": "无数据",
        "generated": "生成时间：{g}",
        "made_by": "由 safeplan 生成",
    },
    "en": {
        "html_lang": "en",
        "doc_title": "{name} — control indicators",
        "whole": "Whole plan",
        "meta": "baseline {b} → target {t}",
        "evaluated": "Evaluated year: {y}",
        "summary": "Summary",
        "summary_year": "Results in {y}",
        "summary_outlook": "Outlook to {t}",
        "scope_regions": "Regions",
        "met": "met",
        "missed": "missed",
        "no_data": "no data",
        "no_target": "no target",
        "on_track": "on track",
        "off_track": "off track",
        "unknown": "unknown",
        "check_title": "Results in {y}",
        "gap_title": "Gap to target, year by year",
        "outlook_title": "Outlook to the target year ({t})",
        "charts_title": "Charts",
        "method_title": "Method",
        "indicator": "Indicator",
        "region": "Region",
        "value": "Value",
        "target": "Target",
        "threshold": "Threshold",
        "gap": "Gap",
        "status": "Status",
        "latest_year": "Latest year",
        "latest_value": "Latest value",
        "final_threshold": "Final threshold",
        "projected_value": "Projected",
        "on_track_col": "On track",
        "required": "Required yearly change",
        "t_max": "≤ {x}",
        "t_min": "≥ {x}",
        "t_decline": "−{p}% vs {b}",
        "t_yoy": "below previous year",
        "cell_title": "threshold {t}; gap {g}",
        "no_rows": "no data",
        "generated": "Generated {g}",
        "made_by": "Made with safeplan",
    },
}
"""The report's fixed text in each language."""

_STATUS_MARK = {"met": "✓", "missed": "✗", "no_data": "–"}
_TRACK_MARK = {True: "✓", False: "✗", None: "–"}

_METHOD = {
    "zh": """<ul>
<li><b>目标值（上限/下限）</b>：“控制在X以内”包含本数，指标值等于阈值即为达标；
判定基于未经舍入的精确值，表中数字仅为显示而舍入。</li>
<li><b>下降目标的目标路径</b>：第y年阈值 = B × (1 − P/100 × f)，
f = (y − 基准年) ÷ (目标年 − 基准年)，限定在[0, 1]；B为基准年指标值，P为下降百分比。</li>
<li><b>同比下降</b>：阈值为同一指标上一年的值，须低于该值。</li>
<li><b>趋势外推</b>：v<sub>T</sub> = v<sub>L</sub> + (v<sub>L</sub> − v<sub>B</sub>) ×
(T − L) ÷ (L − B)，即经过基准年值与最新值的直线延伸至目标年T（L为最新年份，B为基准年）。</li>
<li><b>所需年均变化</b>：((F ÷ v<sub>L</sub>)<sup>1 ÷ (T − L)</sup> − 1) × 100%，
即从最新值按固定年变化率恰好达到目标年阈值F所需的速度。</li>
<li><b>比率指标</b>：比率 = Σ分子 × 系数 ÷ Σ分母；多个地区合计时先分别求和再相除，
而不是对各地区比率取平均。</li>
</ul>""",
    "en": """<ul>
<li><b>Caps and floors</b>: “within X” includes X — a value equal to its threshold is met.
Statuses are decided on exact, unrounded values; numbers here are rounded for display only.</li>
<li><b>Glide path of a decline target</b>: threshold in year y = B × (1 − P/100 × f),
f = (y − baseline) ÷ (target year − baseline), clipped to [0, 1]; B is the baseline-year
value and P the decline in percent.</li>
<li><b>Year-on-year decline</b>: the threshold is the same indicator's value the year
before, and the value must be lower.</li>
<li><b>Projection</b>: v<sub>T</sub> = v<sub>L</sub> + (v<sub>L</sub> − v<sub>B</sub>) ×
(T − L) ÷ (L − B), the straight line through the baseline value and the latest value,
extended to the target year T (L = latest year, B = baseline year).</li>
<li><b>Required yearly change</b>: ((F ÷ v<sub>L</sub>)<sup>1 ÷ (T − L)</sup> − 1) × 100%,
the constant yearly change that takes the latest value exactly to the final threshold F.</li>
<li><b>Rates</b>: rate = Σ numerators × scale ÷ Σ denominators; for a group of regions the
sums are taken across regions first — never an average of rates.</li>
</ul>""",
}

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 72rem; padding: 1.5rem 2rem 3rem;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
    "Noto Sans", "DejaVu Sans", Arial, sans-serif;
  font-size: 15px; line-height: 1.55; color: #212121; background: #fff;
}
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .25rem;
  border-bottom: 2px solid #cfd8dc; }
h3 { font-size: 1rem; margin: .2rem 0 .4rem; }
.meta { color: #546e7a; margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.card { flex: 1 1 20rem; border: 1px solid #cfd8dc; border-radius: 6px; padding: .8rem 1rem; }
.card table { width: auto; }
.card td, .card th { border: none; background: none; padding: .1rem .8rem .1rem 0; }
.card th { font-weight: normal; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { border: 1px solid #cfd8dc; padding: .35rem .55rem; vertical-align: top; }
th { background: #eceff1; text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.met { background: #e8f5e9; color: #1b5e20; }
.missed { background: #ffebee; color: #b71c1c; }
.no_data { background: #f5f5f5; color: #616161; }
.tag { display: block; font-size: .8rem; }
td.status, td.track { white-space: nowrap; }
figure { margin: 0 0 1.5rem; }
figure svg { width: 100%; max-width: 52rem; height: auto; display: block; }
figcaption { color: #546e7a; font-size: .9rem; }
.method { font-size: .92rem; }
footer { margin-top: 2.5rem; color: #78909c; font-size: .85rem;
  border-top: 1px solid #cfd8dc; padding-top: .5rem; }
@media print {
  body { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, tr { break-inside: avoid; }
}
"""

_XML_PROLOG = re.compile(r"<\?xml.*?\?>", re.DOTALL)
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>", re.DOTALL | re.IGNORECASE)
_METADATA = re.compile(r"<metadata\b.*?</metadata>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^<>]+>")
_XMLNS = re.compile(r"""\s+xmlns(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|'[^']*')""")
_ID_ATTRIBUTE = re.compile(r'(?<=\s)(id)="([^"]+)"')
_HREF = re.compile(r'((?<=\s)(?:xlink:)?href=")#([^"]+)"')
_URL_REFERENCE = re.compile(r"url\(#([^)]+)\)")


def render_report(
    check: Mapping[str, Any],
    gap: Mapping[str, Any],
    *,
    lang: Lang = "zh",
    charts: Mapping[str, str] | None = None,
    generated: str | None = None,
) -> str:
    """Render the HTML report of ``check`` and ``gap``.

    ``charts`` maps an indicator id to SVG markup to inline; when it is ``None`` a chart
    is drawn with :func:`~safeplan.render.charts.render_chart` for each whole-plan indicator.
    ``generated`` (a timestamp) is shown in the footer when given. Returns the document.
    """
    try:
        labels = LABELS[lang]
    except KeyError:
        raise UsageError(f"unknown language {lang!r}", hint="use zh or en") from None
    plan = gap["plan"]
    if charts is None:
        charts = {
            indicator_id: render_chart(gap, indicator_id, None, fmt="svg", lang=lang).decode(
                "utf-8"
            )
            for indicator_id, _ in chart_targets(gap)
        }
    view = _View(plan, labels)
    name = _e(plan["name"])
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{labels["html_lang"]}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="safeplan">',
        f"<title>{_e(labels['doc_title'].format(name=plan['name']))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{name}</h1>",
        f'<p class="meta">{_e(view.whole)} · '
        f"{_e(labels['meta'].format(b=plan['baseline_year'], t=plan['target_year']))} · "
        f"{_e(labels['evaluated'].format(y=check['year']))}</p>",
        "</header>",
        "<main>",
        _summary(check, gap, view),
        _check_table(check, view),
        _gap_table(gap, view),
        _outlook_table(gap, view),
        _charts_section(gap, charts, view),
        f'<section id="method" class="method"><h2>{_e(labels["method_title"])}</h2>'
        f"{_METHOD[lang]}</section>",
        "</main>",
        "<footer>",
        _e(labels["made_by"])
        + (f" · {_e(labels['generated'].format(g=generated))}" if generated else ""),
        "</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


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


class _View:
    """Display helpers bound to the plan and the language."""

    def __init__(self, plan: Mapping[str, Any], labels: Mapping[str, str]) -> None:
        self.plan = plan
        self.labels = labels
        self.whole: str = plan.get("region") or labels["whole"]

    def region(self, region: str | None) -> str:
        return self.whole if region is None else region

    def target(self, target: Mapping[str, Any] | None) -> str:
        if not target:  # no target binds this region (no_target)
            return "—"
        kind = target.get("kind")
        if kind == "max":
            return self.labels["t_max"].format(x=format_number(target["value"]))
        if kind == "min":
            return self.labels["t_min"].format(x=format_number(target["value"]))
        if kind == "decline_pct":
            base = target.get("baseline_year") or self.plan["baseline_year"]
            return self.labels["t_decline"].format(b=base, p=format_number(target["value"]))
        if kind == "yoy_decline":
            return self.labels["t_yoy"]
        return str(kind)

    def status(self, status: str) -> str:
        return f"{_STATUS_MARK.get(status, '')} {self.labels.get(status, status)}"

    def track(self, on_track: bool | None) -> str:
        key = {True: "on_track", False: "off_track", None: "unknown"}[on_track]
        return f"{_TRACK_MARK[on_track]} {self.labels[key]}"


def _summary(check: Mapping[str, Any], gap: Mapping[str, Any], view: _View) -> str:
    labels = view.labels
    results = check["results"]
    outlook = gap.get("outlook", [])
    scopes = [("plan", view.whole, False)]
    if any(r.get("region") is not None for r in [*results, *outlook]):
        scopes.append(("regions", labels["scope_regions"], True))

    def rows(counts: Iterable[tuple[str, str, int]]) -> str:
        return "".join(
            f'<tr><th scope="row">{_e(label)}</th><td class="num" data-count="{key}">{n}</td></tr>'
            for key, label, n in counts
        )

    year_rows, outlook_rows = [], []
    for scope, scope_label, regional in scopes:
        selected = [r for r in results if (r.get("region") is not None) == regional]
        statuses = Counter(r["status"] for r in selected)
        year_rows.append(
            f"<h3>{_e(scope_label)}</h3><table>"
            + rows(
                (f"{scope}-{key}", view.status(key), statuses.get(key, 0))
                for key in ("met", "missed", "no_data")
            )
            + "</table>"
        )
        tracks = Counter(
            o.get("on_track") for o in outlook if (o.get("region") is not None) == regional
        )
        outlook_rows.append(
            f"<h3>{_e(scope_label)}</h3><table>"
            + rows(
                (f"{scope}-{key}", view.track(value), tracks.get(value, 0))
                for key, value in (("on_track", True), ("off_track", False), ("unknown", None))
            )
            + "</table>"
        )
    year_title = labels["summary_year"].format(y=check["year"])
    outlook_title = labels["summary_outlook"].format(t=view.plan["target_year"])
    return (
        f'<section id="summary"><h2>{_e(labels["summary"])}</h2><div class="cards">'
        f'<div class="card" id="summary-year"><h3>{_e(year_title)}</h3>{"".join(year_rows)}</div>'
        f'<div class="card" id="summary-outlook"><h3>{_e(outlook_title)}</h3>'
        f"{''.join(outlook_rows)}</div>"
        "</div></section>"
    )


def _check_table(check: Mapping[str, Any], view: _View) -> str:
    labels = view.labels
    head = _head(
        labels[k] for k in ("indicator", "region", "value", "target", "threshold", "gap", "status")
    )
    body = []
    for r in check["results"]:
        status = str(r["status"])
        body.append(
            "<tr>"
            f"<td>{_e(r['name'])}</td>"
            f"<td>{_e(view.region(r.get('region')))}</td>"
            f'<td class="num">{_e(format_number(r.get("value")))}</td>'
            f"<td>{_e(view.target(r['target']))}</td>"
            f'<td class="num">{_e(format_number(r.get("threshold")))}</td>'
            f'<td class="num">{_e(_signed(r.get("gap")))}</td>'
            f'<td class="status {_e(status)}">{_e(view.status(status))}</td>'
            "</tr>"
        )
    title = labels["check_title"].format(y=check["year"])
    return _section("check", title, head, body)


def _gap_table(gap: Mapping[str, Any], view: _View) -> str:
    labels = view.labels
    rows: Sequence[Mapping[str, Any]] = gap["rows"]
    years = sorted({int(r["year"]) for r in rows})
    cells: dict[tuple[str, str | None], dict[int, Mapping[str, Any]]] = {}
    for r in rows:
        cells.setdefault((r["id"], r.get("region")), {})[int(r["year"])] = r
    head = _head([labels["indicator"], labels["region"], labels["target"], *map(str, years)])
    body = []
    for key in chart_targets(gap, regions=True):
        by_year = cells[key]
        first = next(iter(by_year.values()))
        tds = []
        for year in years:
            cell = by_year.get(year)
            if cell is None:
                tds.append(f'<td class="num no_data">{_e(labels["no_rows"])}</td>')
                continue
            status = str(cell["status"])
            hint = labels["cell_title"].format(
                t=format_number(cell.get("threshold")), g=_signed(cell.get("gap"))
            )
            tds.append(
                f'<td class="num {_e(status)}" title="{_e(hint)}">'
                f"{_e(format_number(cell.get('value')))}"
                f'<span class="tag">{_e(view.status(status))}</span></td>'
            )
        body.append(
            "<tr>"
            f"<td>{_e(first['name'])}</td>"
            f"<td>{_e(view.region(key[1]))}</td>"
            f"<td>{_e(view.target(first['target']))}</td>" + "".join(tds) + "</tr>"
        )
    return _section("gap", labels["gap_title"], head, body)


def _outlook_table(gap: Mapping[str, Any], view: _View) -> str:
    labels = view.labels
    names = {r["id"]: r["name"] for r in gap["rows"]}
    head = _head(
        labels[k]
        for k in (
            "indicator",
            "region",
            "latest_year",
            "latest_value",
            "final_threshold",
            "projected_value",
            "on_track_col",
            "required",
        )
    )
    body = []
    for o in gap.get("outlook", []):
        on_track = o.get("on_track")
        css = {True: "met", False: "missed", None: "no_data"}[on_track]
        required = o.get("required_annual_change_pct")
        body.append(
            "<tr>"
            f"<td>{_e(names.get(o['id'], o['id']))}</td>"
            f"<td>{_e(view.region(o.get('region')))}</td>"
            f'<td class="num">{_e(format_number(o.get("latest_year")))}</td>'
            f'<td class="num">{_e(format_number(o.get("latest_value")))}</td>'
            f'<td class="num">{_e(format_number(o.get("final_threshold")))}</td>'
            f'<td class="num">{_e(format_number(o.get("projected_value")))}</td>'
            f'<td class="track {css}">{_e(view.track(on_track))}</td>'
            f'<td class="num">{_e(_percent(required))}</td>'
            "</tr>"
        )
    title = labels["outlook_title"].format(t=view.plan["target_year"])
    return _section("outlook", title, head, body)


def _charts_section(gap: Mapping[str, Any], charts: Mapping[str, str], view: _View) -> str:
    names = {r["id"]: r["name"] for r in gap["rows"]}
    order = [i for i, _ in chart_targets(gap)] + [i for i in charts if i not in names]
    figures = []
    for n, indicator_id in enumerate(dict.fromkeys(order), start=1):
        markup = charts.get(indicator_id)
        if markup is None:
            continue
        name = str(names.get(indicator_id, indicator_id))
        figures.append(
            f'<figure id="chart-{_e(indicator_id)}">'
            f"{inline_svg(markup, f'c{n}', label=name)}"
            f"<figcaption>{_e(name)}</figcaption></figure>"
        )
    if not figures:
        return ""
    return (
        f'<section id="charts"><h2>{_e(view.labels["charts_title"])}</h2>'
        + "\n".join(figures)
        + "</section>"
    )


def _section(ident: str, title: str, head: str, body: Sequence[str]) -> str:
    return (
        f'<section id="{ident}"><h2>{_e(title)}</h2><div class="scroll"><table>'
        f"<thead>{head}</thead><tbody>\n" + "\n".join(body) + "\n</tbody></table></div></section>"
    )


def _head(titles: Iterable[str]) -> str:
    return "<tr>" + "".join(f'<th scope="col">{_e(t)}</th>' for t in titles) + "</tr>"


def _signed(value: float | int | None) -> str:
    text = format_number(value)
    return f"+{text}" if value is not None and float(value) > 0 and text != "0" else text


def _percent(value: float | int | None) -> str:
    return "—" if value is None else f"{float(value):+.2f}%"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)
