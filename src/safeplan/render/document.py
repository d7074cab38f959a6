"""The evaluation report (评估报告) as a document: sections, numbered tables and figures.

:func:`build_document` decides what the report says — its title, the written summary,
表1 the 指标完成情况表, 表2 the 分地区 table, 表3 every year against its requirement, 表4
the outlook, 图1… each indicator's trend and each region's value, and the method — once,
for both the HTML page (:mod:`safeplan.render.html`) and the Word document
(:mod:`safeplan.render.docx`), so the two number and word everything alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from safeplan.render.completion import (
    COMPLETION_KEYS,
    NUMERIC_KEYS,
    completion,
    completion_header,
    precisions,
    region_header,
    region_table,
    where,
)
from safeplan.render.labels import LABELS, plan_name, target_text, whole_label, with_unit
from safeplan.render.numbers import GENERIC, Precision, fmt_fixed, fmt_gap, fmt_pair
from safeplan.render.summary import summary_paragraphs

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, GapReport, Outlook, Result

ChartFormat = Literal["svg", "png"]


@dataclass(frozen=True)
class Evaluation:
    """What a report is made of: the year's check and the gap report as of that year."""

    check: CheckReport
    gap: GapReport


@dataclass
class Table:
    """A numbered table: caption (表N　…), header, rows of cells (a cell may hold several
    lines), which columns are numbers, the status of each cell (for its colour), a note."""

    key: str
    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    statuses: list[list[str | None]]
    note: str | None = None
    key_column: int = 0
    """The column that names a row (指标名称, 地区): a phone shows it as the card's title,
    and hides the columns before it (序号)."""


@dataclass
class Figure:
    """A numbered figure: its caption (图N　…, with the unit) and how to draw it."""

    key: str
    caption: str
    draw: Callable[[ChartFormat], bytes]


@dataclass
class Section:
    """A numbered section (一、…) of paragraphs, tables and figures, in order."""

    heading: str
    blocks: list[str | Table | Figure]


@dataclass
class Document:
    """The whole report."""

    title: str
    meta: list[str]
    sections: list[Section]
    lang: str
    generated: str | None = None

    @property
    def tables(self) -> list[Table]:
        """Every table, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        """Every figure, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]


_NUMERALS = "一二三四五六七八九十"

_METHOD = {
    "zh": [
        "“控制在X以内”包含本数，实际值等于阈值即为达标；达标与否按未经舍入的精确值判定，"
        "表中数字仅为显示而舍入，数值相近时显示更多位数。",
        "下降目标的序时进度要求：第y年阈值 = B ×（1 − P/100 × f），f =（y − 基期年）÷"
        "（目标年 − 基期年），限定在0到1之间；B为基期值，P为规划下降比例。",
        "同比下降目标：阈值为同一指标上一年的值，须低于该值（为0时视为达标）。",
        "趋势外推：过基期值与最新值的直线延伸至目标年。所需年均变化：从最新值按固定年变化率"
        "恰好达到目标年阈值所需的速度，即（(F ÷ 最新值)^(1 ÷ 剩余年数) − 1）× 100%。",
        "比率指标 = Σ分子 × 系数 ÷ Σ分母；多个地区合计时先分别求和再相除，不是各地区比率的平均。",
    ],
    "en": [
        "“Within X” includes X: a value equal to its threshold is met. Statuses are decided on "
        "exact, unrounded values; numbers are rounded for display only, with more digits "
        "where two would otherwise read the same.",
        "A decline target's requirement in year y is B × (1 − P/100 × f), f = (y − baseline) "
        "÷ (target year − baseline), clipped to [0, 1]; B is the baseline value, P the decline.",
        "A year-on-year target: the value must be lower than the year before (0 is met).",
        "Projection: the straight line through the baseline and the latest value, extended to "
        "the target year. Required change: ((F ÷ latest)^(1 ÷ years left) − 1) × 100%.",
        "Rates are Σ numerators × scale ÷ Σ denominators; for a group of regions the sums come "
        "first, never an average of rates.",
    ],
}

_OUTLOOK_HEADER = {
    "zh": [
        "序号",
        "指标名称",
        "单位",
        "基期值",
        "最新值",
        "规划目标值",
        "趋势外推值",
        "能否如期实现",
        "所需年均变化",
    ],
    "en": [
        "no.",
        "indicator",
        "unit",
        "baseline",
        "latest",
        "plan target",
        "projected",
        "on track",
        "required change/yr",
    ],
}

_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "summary": "总体情况",
        "completion": "控制指标完成情况",
        "yearly": "逐年完成情况与目标差距",
        "outlook": "目标展望",
        "figures": "趋势与分地区比较",
        "method": "附：计算方法说明",
        "see_completion": "{year}年各项控制指标完成情况见表{n}",
        "see_regions": "，分地区完成情况见表{n}",
        "see_yearly": "{first}—{last}年各项指标的实际值、当年序时进度要求及差距见表{n}。",
        "see_outlook": "按{b}年以来的变化趋势外推至{t}年的情况见表{n}。",
        "see_figures": "各指标的变化趋势见图{first}—图{last}",
        "see_region_figures": "，{year}年各地区情况见图{first}—图{last}",
        "meta_scope": "评估范围：{where}{regions}",
        "meta_regions": "及所辖{n}个地区",
        "meta_years": "基期{b}年，目标年{t}年，评估年度{y}年",
        "generated": "生成时间：{g}（safeplan）",
        "trend_caption": "{name}变化趋势（{where}，{first}—{last}年；单位：{unit}）",
        "trend_caption_plain": "{name}变化趋势（{where}，{first}—{last}年）",
        "region_caption": "{year}年各地区{name}（单位：{unit}）",
        "region_caption_plain": "{year}年各地区{name}",
        "yearly_note": "注：每格第一行为实际值，第二行为当年序时进度要求，第三行为差距"
        "（实际值减要求，负数表示优于要求）；✗ 为未达标。",
        "outlook_note": "注：趋势外推值为过基期值与最新值的直线延伸至目标年的值；"
        "所需年均变化为按固定年变化率达到目标年阈值所需的速度。",
        "completion_note": "注：“序时进度要求”为当年应达到的阈值，下降目标按基期值到目标年的"
        "直线路径计算。",
        "regions_note": "注：✗ 未达标，○ 无目标（该地区无约束性目标），— 无数据。",
    },
    "en": {
        "summary": "Summary",
        "completion": "Control indicators this year",
        "yearly": "Year by year, against the requirement",
        "outlook": "Outlook",
        "figures": "Trends and regions",
        "method": "Appendix: method",
        "see_completion": "Table {n} shows every control indicator in {year}",
        "see_regions": "; Table {n} shows the regions",
        "see_yearly": "Table {n} shows each year from {first} to {last}: value, requirement, gap.",
        "see_outlook": "Table {n} projects the trend since {b} to {t}.",
        "see_figures": "Figures {first}–{last} show the trends",
        "see_region_figures": "; Figures {first}–{last} the regions in {year}",
        "meta_scope": "Scope: {where}{regions}",
        "meta_regions": " and its {n} regions",
        "meta_years": "baseline {b}, target year {t}, evaluated year {y}",
        "generated": "Generated {g} (safeplan)",
        "trend_caption": "{name} ({where}, {first}–{last}; unit: {unit})",
        "trend_caption_plain": "{name} ({where}, {first}–{last})",
        "region_caption": "{name} by region, {year} (unit: {unit})",
        "region_caption_plain": "{name} by region, {year}",
        "yearly_note": "Each cell: the value; the year's requirement; the gap (value minus "
        "requirement, negative is better); ✗ missed.",
        "outlook_note": "Projection: the line through the baseline and the latest value.",
        "completion_note": "The requirement is this year's threshold; a decline follows a "
        "straight path from the baseline to the target year.",
        "regions_note": "✗ missed, ○ no binding target in the region, — no data.",
    },
}


def _heading(n: int, text: str, lang: str) -> str:
    return f"{_NUMERALS[n - 1]}、{text}" if lang == "zh" else f"{n}. {text}"


def _caption(kind: str, n: int, text: str, lang: str) -> str:
    return LABELS[lang][kind].format(n=n) + ("\u3000" if lang == "zh" else ". ") + text


def as_of(gap: GapReport, year: int) -> GapReport:
    """The gap report without rows after ``year`` (nor outlooks drawn from them)."""
    from safeplan.evaluate.results import GapReport

    rows = [r for r in gap.rows if r.year <= year]
    outlook = [o for o in gap.outlook if o.latest_year is None or o.latest_year <= year]
    return GapReport(plan=gap.plan, rows=rows, outlook=outlook, indicators=gap.indicators)


def build_document(
    evaluation: Evaluation, lang: str = "zh", generated: str | None = None
) -> Document:
    """The report of ``evaluation``: every section, table and figure, numbered."""
    text = _TEXT[lang]
    labels = LABELS[lang]
    check = evaluation.check
    gap = as_of(evaluation.gap, check.year)
    plan = check.plan
    year = check.year
    precision_of = precisions([*gap.rows, *check.results], check.indicators)
    whole = whole_label(plan, lang)
    regional = region_table(check.results, check.indicators, plan, lang, precision_of=precision_of)
    tables = 0
    figures = 0

    def next_table() -> int:
        nonlocal tables
        tables += 1
        return tables

    # 一、总体情况
    outlook = [o for o in gap.outlook if o.latest_year == year]
    summary = Section(
        _heading(1, text["summary"], lang), list(summary_paragraphs(check, outlook, lang))
    )

    # 二、控制指标完成情况
    lines = completion(check.results, check.indicators, plan, lang, precision_of=precision_of)
    n1 = next_table()
    intro = text["see_completion"].format(year=year, n=n1)
    completion_table = Table(
        key="completion",
        caption=_caption(
            "table", n1, labels["completion_caption"].format(where=whole, year=year), lang
        ),
        header=completion_header(lang, year=year),
        rows=[[line.texts[k] for k in COMPLETION_KEYS] for line in lines],
        numeric=[k in NUMERIC_KEYS for k in COMPLETION_KEYS],
        statuses=[
            [line.result.status if k == "result" else None for k in COMPLETION_KEYS]
            for line in lines
        ],
        note=text["completion_note"],
        key_column=1,
    )
    blocks: list[str | Table | Figure] = []
    region_block: Table | None = None
    if regional is not None:
        n2 = next_table()
        intro += text["see_regions"].format(n=n2)
        region_block = Table(
            key="regions",
            caption=_caption("table", n2, labels["regions_caption"].format(year=year), lang),
            header=[
                labels["region"],
                *(region_header(line, lang) for line in regional.lines),
                labels["missed_count"],
            ],
            rows=[
                [region, *(column[i] for column in regional.cells), str(regional.missed[i])]
                for i, region in enumerate(regional.regions)
            ],
            numeric=[False, *[True] * (len(regional.lines) + 1)],
            statuses=[
                [None, *(column[i] for column in regional.statuses), None]
                for i in range(len(regional.regions))
            ],
            note=text["regions_note"],
        )
    blocks += [intro + ("。" if lang == "zh" else "."), completion_table]
    if region_block is not None:
        blocks.append(region_block)
    completion_section = Section(_heading(2, text["completion"], lang), blocks)

    # 三、逐年完成情况与目标差距
    years = sorted({r.year for r in gap.rows})
    n3 = next_table()
    yearly = _yearly_table(gap, years, precision_of, lang, n3)
    yearly_section = Section(
        _heading(3, text["yearly"], lang),
        [
            text["see_yearly"].format(
                first=years[0] if years else "", last=years[-1] if years else "", n=n3
            ),
            yearly,
        ],
    )

    # 四、目标展望
    n4 = next_table()
    ahead = _outlook_table(gap, check, outlook, precision_of, lang, n4)
    outlook_section = Section(
        _heading(4, text["outlook"], lang),
        [text["see_outlook"].format(b=plan["baseline_year"], t=plan["target_year"], n=n4), ahead],
    )

    # 五、图
    from safeplan.render.charts import (
        chart_figure,
        has_region_chart,
        region_chart_figure,
        render_figure,
    )

    figure_blocks: list[Figure] = []
    ids = [line.result.id for line in lines]
    for iid, line in zip(ids, lines, strict=True):
        figures += 1
        unit = line.unit
        key = "trend_caption" if unit else "trend_caption_plain"
        caption = text[key].format(
            name=line.result.name,
            where=whole,
            first=years[0] if years else year,
            last=year,
            unit=unit,
        )

        def draw(fmt: ChartFormat, iid: str = iid) -> bytes:
            return render_figure(chart_figure(gap, iid, None, lang=lang, title=False), fmt)  # type: ignore[arg-type]

        figure_blocks.append(
            Figure(f"trend-{iid}", _caption("figure", figures, caption, lang), draw)
        )
    trend_last = figures
    if regional is not None:
        for iid, line in zip(ids, lines, strict=True):
            if not has_region_chart(gap, iid, year):
                continue
            figures += 1
            unit = line.unit
            key = "region_caption" if unit else "region_caption_plain"
            caption = text[key].format(name=line.result.name, year=year, unit=unit)

            def draw_regions(fmt: ChartFormat, iid: str = iid) -> bytes:
                figure = region_chart_figure(gap, iid, year, lang=lang, title=False)  # type: ignore[arg-type]
                assert figure is not None
                return render_figure(figure, fmt)

            figure_blocks.append(
                Figure(f"regions-{iid}", _caption("figure", figures, caption, lang), draw_regions)
            )
    intro = text["see_figures"].format(first=1, last=trend_last)
    if figures > trend_last:
        intro += text["see_region_figures"].format(first=trend_last + 1, last=figures, year=year)
    sections = [summary, completion_section, yearly_section, outlook_section]
    if figure_blocks:
        sections.append(
            Section(
                _heading(5, text["figures"], lang),
                [intro + ("。" if lang == "zh" else "."), *figure_blocks],
            )
        )
    sections.append(Section(text["method"], list(_METHOD[lang])))

    regions_text = (
        text["meta_regions"].format(n=len(regional.regions)) if regional is not None else ""
    )
    meta = [
        text["meta_scope"].format(where=where(plan, None, lang), regions=regions_text),
        text["meta_years"].format(b=plan["baseline_year"], t=plan["target_year"], y=year),
    ]
    if generated:
        meta.append(text["generated"].format(g=generated))
    title = labels["report_title"].format(name=plan_name(plan, lang), year=year)
    return Document(title=title, meta=meta, sections=sections, lang=lang, generated=generated)


def _yearly_table(
    gap: GapReport, years: Sequence[int], precision_of: Mapping[str, Precision], lang: str, n: int
) -> Table:
    """表3: each indicator (whole plan) × year: the value, the requirement, the gap."""
    labels = LABELS[lang]
    text = _TEXT[lang]
    plan = gap.plan
    at: dict[tuple[str, int], Result] = {(r.id, r.year): r for r in gap.rows if r.region is None}
    ids = list(dict.fromkeys(r.id for r in gap.rows if r.region is None))
    rows, statuses = [], []
    for iid in ids:
        first = next(at[(iid, y)] for y in years if (iid, y) in at)
        p = precision_of.get(iid, GENERIC)
        unit = gap.indicators.get(iid, {}).get("unit")
        row = [
            with_unit(first.name, unit, lang),
            target_text(first.target, plan["baseline_year"], lang),
        ]
        status: list[str | None] = [None, None]
        for year in years:
            r = at.get((iid, year))
            if r is None or r.value is None:
                row.append("—")
                status.append("no_data")
                continue
            value, threshold = fmt_pair(r.value, r.threshold, p)
            mark = " ✗" if r.status == "missed" else ""
            sign = {"min": "≥", "yoy_decline": "<"}.get(str((r.target or {}).get("kind")), "≤")
            lines = [value + mark]
            if r.threshold is not None:
                lines += [sign + threshold, fmt_gap(r.gap, p.gap)]
            row.append("\n".join(lines))
            status.append(r.status)
        rows.append(row)
        statuses.append(status)
    first_year, last_year = (years[0], years[-1]) if years else ("", "")
    caption = labels["grid_caption"].format(
        where=whole_label(plan, lang), first=first_year, last=last_year
    )
    header = [
        labels["name"],
        labels["plan_target"],
        *(f"{y}年" if lang == "zh" else str(y) for y in years),
    ]
    return Table(
        key="yearly",
        caption=_caption("table", n, caption, lang),
        header=header,
        rows=rows,
        numeric=[False, False, *[True] * len(years)],
        statuses=statuses,
        note=text["yearly_note"],
    )


def _outlook_table(
    gap: GapReport,
    check: CheckReport,
    outlook: Sequence[Outlook],
    precision_of: Mapping[str, Precision],
    lang: str,
    n: int,
) -> Table:
    """表4: where each indicator (whole plan) is heading by the target year."""
    labels = LABELS[lang]
    text = _TEXT[lang]
    plan = gap.plan
    lines = completion(check.results, check.indicators, plan, lang, precision_of=precision_of)
    by_id = {o.id: o for o in outlook if o.region is None}
    rows: list[list[str]] = []
    statuses: list[list[str | None]] = []
    track = {True: labels["on_track_yes"], False: labels["on_track_no"], None: "—"}
    for line in lines:
        o = by_id.get(line.result.id)
        p = line.precision
        if o is None:
            rows.append(
                [
                    line.texts["seq"],
                    line.result.name,
                    line.texts["unit"],
                    line.texts["baseline_value"],
                    line.texts["actual"],
                    line.texts["plan_target"],
                    "—",
                    "—",
                    "—",
                ]
            )
            statuses.append([None] * 9)
            continue
        required = (
            "—"
            if o.required_annual_change_pct is None
            else fmt_gap(o.required_annual_change_pct, 1) + "%"
        )
        rows.append(
            [
                line.texts["seq"],
                line.result.name,
                line.texts["unit"],
                line.texts["baseline_value"],
                fmt_fixed(o.latest_value, p.value),
                line.texts["plan_target"],
                fmt_fixed(o.projected_value, p.threshold),
                track[o.on_track],
                required,
            ]
        )
        state: str | None = {True: "met", False: "missed", None: None}[o.on_track]
        cells: list[str | None] = [None] * 9
        cells[7] = state
        statuses.append(cells)
    caption = labels["outlook_caption"].format(
        year=plan["target_year"], where=whole_label(plan, lang)
    )
    return Table(
        key="outlook",
        caption=_caption("table", n, caption, lang),
        header=list(_OUTLOOK_HEADER[lang]),
        rows=rows,
        numeric=[True, False, False, True, True, False, True, False, True],
        statuses=statuses,
        note=text["outlook_note"],
        key_column=1,
    )
