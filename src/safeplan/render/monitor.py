"""``safeplan monitor`` rendered: the situation table, the caps, and the 通报 paragraph.

``text`` writes the paragraph(s) an 应急管理局 publishes every month, ready to paste:
"1—10月，全市共发生生产安全事故7起、死亡7人，同比分别下降12.5%、30.0%，实现“双下降”；
未发生较大及以上事故。" — with increases (上升), equal figures (持平), a comparison period
without accidents (no percentage), the 较大及以上 accidents named, and the annual caps that
are used up faster than the year passes (时间过半、任务过半).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from safeplan.render.csv import BOM
from safeplan.render.escape import escape_text
from safeplan.render.json import dump_json
from safeplan.render.labels import LABELS
from safeplan.render.markdown import markdown_table
from safeplan.render.numbers import fmt_number, fmt_pct, fmt_signed_pct
from safeplan.render.table import text_table

if TYPE_CHECKING:
    from safeplan.evaluate.monitor import MonitorReport
    from safeplan.render import Options

__all__ = [
    "bulletin",
    "render_csv",
    "render_json",
    "render_markdown",
    "render_table",
    "render_text",
    "render_xlsx",
]

#: Suffixes of place names whose whole is written 全市, 全县 … in a 通报.
_PLACE_SUFFIXES = "省市县区旗州盟镇乡"

#: The 较大及以上 accidents a paragraph names before it says 等.
_NAMED = 5


# --------------------------------------------------------------------------- words


def period_label(start: date, end: date, lang: str = "zh") -> str:
    """A period as a 通报 writes it: 1—10月, 1月, 1月1日—10月15日 (2月 when it is one month)."""
    whole_months = start.day == 1 and _is_month_end(end)
    if lang != "zh":
        return f"{start.isoformat()}–{end.isoformat()}"
    if whole_months and start.month == end.month:
        return f"{end.month}月"
    if whole_months:
        return f"{start.month}—{end.month}月"
    return f"{start.month}月{start.day}日—{end.month}月{end.day}日"


def _is_month_end(day: date) -> bool:
    from safeplan.evaluate.periods import month_end

    return day == month_end(day.year, day.month)


def whole_label(plan: dict[str, Any], lang: str = "zh") -> str:
    """The whole plan in a 通报: 全市 for 示例市, 全县 for 某县; the plan's label otherwise."""
    region = plan.get("region")
    if lang != "zh":
        return region or LABELS[lang]["whole"]
    if region and region[-1] in _PLACE_SUFFIXES:
        return f"全{region[-1]}"
    return region or LABELS[lang]["whole"]


def _region(region: str | None, plan: dict[str, Any], lang: str) -> str:
    if region is not None:
        return region
    return plan.get("region") or LABELS[lang]["whole"]


def _group(group: str | None, lang: str) -> str:
    labels = LABELS[lang]
    if group is None:
        return labels["all_groups"]
    return labels.get(f"group_{group}", group)


def _unit(report: MonitorReport, cap: dict[str, Any]) -> str:
    return report.units.get(cap["id"]) or "起"


def _change_words(current: int, previous: int, pct: float | None, unit: str) -> str:
    """下降12.5% / 上升12.5% / 持平 / 增加3起（去年同期为0）: one change, in words."""
    if current == previous:
        return "持平"
    if pct is None:  # the comparison period had none: no percentage
        return f"增加{current}{unit}（去年同期为0）"
    return f"{'下降' if current < previous else '上升'}{fmt_pct(pct)}%"


def _accident_text(accident: dict[str, Any], with_region: bool) -> str:
    day = date.fromisoformat(accident["date"])
    where = (accident["region"] or "") if with_region else ""
    sector = accident["sector"] or ""
    return (
        f"{day.month}月{day.day}日{where}{sector}{accident['class_zh']}事故，"
        f"死亡{accident['deaths']}人"
    )


def _caps_sentence(
    report: MonitorReport, caps: list[dict[str, Any]], regional: list[dict[str, Any]]
) -> str:
    """时间过半、任务过半: the caps used up faster than the year passes, or none."""
    if not caps and not regional:
        return ""
    through = report.through
    elapsed = fmt_pct(report.elapsed_pct)
    ahead = [c for c in caps if c["ahead"]]
    lead = f"截至{through.month}月{through.day}日，时间进度{elapsed}%"
    parts = []
    for cap in ahead:
        unit = _unit(report, cap)
        parts.append(
            f"{cap['name']}年度控制指标{fmt_number(cap['cap'])}{unit}，已发生{cap['used']}{unit}，"
            f"使用进度{fmt_pct(cap['used_pct'])}%"
        )
    if ahead:
        text = lead + "，" + "；".join(parts) + "，超过时间进度，须加强管控"
    elif len(caps) == 1:
        cap = caps[0]
        unit = _unit(report, cap)
        text = (
            lead + f"，{cap['name']}年度控制指标{fmt_number(cap['cap'])}{unit}，"
            f"已发生{cap['used']}{unit}，使用进度{fmt_pct(cap['used_pct'])}%，未超过时间进度"
        )
    elif caps:
        text = lead + f"，{len(caps)}项年度控制指标的使用进度均未超过时间进度"
    else:
        text = lead
    regions_ahead = [c for c in regional if c["ahead"]]
    if regions_ahead:
        named = "、".join(
            f"{c['region']}{c['name']}（已发生{c['used']}{_unit(report, c)}，"
            f"使用进度{fmt_pct(c['used_pct'])}%）"
            for c in regions_ahead
        )
        text += f"；分地区看，{named}超过时间进度"
    elif regional and not caps:
        text += "，各地区年度控制指标的使用进度均未超过时间进度"
    return text + "。"


def bulletin(report: MonitorReport, region: str | None = None) -> str:
    """The 通报 paragraph of the whole plan (``region=None``) or one region."""
    row = next(r for r in report.rows if r["region"] == region and r["group"] is None)
    label = period_label(report.period.start, report.period.end)
    who = whole_label(report.plan) if region is None else region
    acc, deaths = row["accidents"], row["deaths"]
    prev_acc, prev_deaths = row["prev_accidents"], row["prev_deaths"]
    if acc == 0:
        first = f"{label}，{who}未发生生产安全事故"
        if prev_acc:
            first += f"（去年同期发生{prev_acc}起、死亡{prev_deaths}人），实现“双下降”"
    else:
        first = f"{label}，{who}共发生生产安全事故{acc}起" + (
            f"、死亡{deaths}人" if deaths else "，未造成人员死亡"
        )
        a = _change_words(acc, prev_acc, row["accidents_change_pct"], "起")
        d = _change_words(deaths, prev_deaths, row["deaths_change_pct"], "人")
        word_a, word_d = a[:2], d[:2]
        if a == "持平" and d == "持平":
            first += "，与去年同期持平"
        elif word_a == word_d and word_a in ("下降", "上升") and "（" not in a + d:
            first += f"，同比分别{word_a}{a[2:]}、{d[2:]}"
        else:
            first += f"，事故起数同比{a}，死亡人数同比{d}"
        first += "，实现“双下降”" if row["double_decline"] else "，未实现“双下降”"
    larger = [
        a for a in report.larger_or_above_accidents if region is None or a["region"] == region
    ]
    if row["larger_or_above"] == 0:
        second = "未发生较大及以上事故。"
    else:
        named = "；".join(_accident_text(a, region is None) for a in larger[:_NAMED])
        more = "等" if len(larger) > _NAMED else ""
        second = f"发生较大及以上事故{row['larger_or_above']}起（{named}{more}）。"
    caps = [c for c in report.caps if c["region"] == region]
    regional = [c for c in report.caps if c["region"] is not None] if region is None else []
    return f"{first}；{second}{_caps_sentence(report, caps, regional)}"


# --------------------------------------------------------------------------- tables

#: (row key, label key, kind) of the columns of the full table: count, pct or amount.
_FULL: list[tuple[str, str, str]] = [
    ("month_accidents", "month_accidents", "count"),
    ("month_prev_accidents", "month_prev_accidents", "count"),
    ("month_accidents_change_pct", "month_accidents_change", "pct"),
    ("last_month_accidents", "last_month_accidents", "count"),
    ("month_accidents_mom_pct", "month_accidents_mom", "pct"),
    ("month_deaths", "month_deaths", "count"),
    ("month_prev_deaths", "month_prev_deaths", "count"),
    ("month_deaths_change_pct", "month_deaths_change", "pct"),
    ("last_month_deaths", "last_month_deaths", "count"),
    ("month_deaths_mom_pct", "month_deaths_mom", "pct"),
    ("accidents", "accidents", "count"),
    ("prev_accidents", "prev_accidents", "count"),
    ("accidents_change_pct", "accidents_change", "pct"),
    ("deaths", "deaths", "count"),
    ("prev_deaths", "prev_deaths", "count"),
    ("deaths_change_pct", "deaths_change", "pct"),
    ("serious_injuries", "serious_injuries", "count"),
    ("prev_serious_injuries", "prev_serious_injuries", "count"),
    ("serious_injuries_change_pct", "serious_injuries_change", "pct"),
    ("direct_loss", "direct_loss", "amount"),
    ("prev_direct_loss", "prev_direct_loss", "amount"),
    ("direct_loss_change_pct", "direct_loss_change", "pct"),
    ("larger_or_above", "larger_or_above", "count"),
    ("prev_larger_or_above", "prev_larger_or_above", "count"),
    ("double_decline", "double_decline", "bool"),
]

#: The terminal's narrower table: 本月, 1—N月 with 同比, 较大及以上, 双下降.
_SHORT = [
    "month_accidents",
    "month_deaths",
    "accidents",
    "accidents_change_pct",
    "deaths",
    "deaths_change_pct",
    "larger_or_above",
    "double_decline",
]


def _header(key: str, report: MonitorReport, lang: str) -> str:
    label = LABELS[lang][key]
    return label.format(period=period_label(report.period.start, report.period.end, lang))


def _cell(value: Any, kind: str, lang: str) -> str:
    if kind == "bool":
        return LABELS[lang]["yes" if value else "no"]
    if value is None:
        return "—"
    if kind == "pct":
        return fmt_signed_pct(value)
    return fmt_number(value) if kind == "amount" else str(value)


def _columns(keys: Sequence[str]) -> list[tuple[str, str, str]]:
    by_key = {c[0]: c for c in _FULL}
    return [by_key[k] for k in keys]


def _row_cells(
    report: MonitorReport, columns: list[tuple[str, str, str]], lang: str
) -> tuple[list[str], list[list[str]]]:
    labels = LABELS[lang]
    header = [labels["region"], labels["group"]]
    header += [_header(label, report, lang) for _, label, _ in columns]
    rows = [
        [_region(r["region"], report.plan, lang), _group(r["group"], lang)]
        + [_cell(r[key], kind, lang) for key, _, kind in columns]
        for r in report.rows
    ]
    return header, rows


def _cap_cells(report: MonitorReport, lang: str) -> tuple[list[str], list[list[str]]]:
    labels = LABELS[lang]
    header = [
        labels["indicator"],
        labels["region"],
        labels["cap"],
        labels["used"],
        labels["used_pct"],
        labels["elapsed_pct"],
        labels["status"],
    ]
    rows = [
        [
            c["name"],
            _region(c["region"], report.plan, lang),
            fmt_number(c["cap"]),
            str(c["used"]),
            f"{fmt_pct(c['used_pct'])}%",
            f"{fmt_pct(c['elapsed_pct'])}%",
            labels["ahead" if c["ahead"] else "behind"],
        ]
        for c in report.caps
    ]
    return header, rows


def _larger_cells(report: MonitorReport, lang: str) -> tuple[list[str], list[list[str]]]:
    labels = LABELS[lang]
    header = [
        labels["date"],
        labels["region"],
        labels["sector"],
        labels["class"],
        labels["deaths"].format(period="").strip(),
        labels["serious_injuries_short"],
        labels["direct_loss"],
    ]
    rows = [
        [
            a["date"],
            a["region"] or "",
            a["sector"] or "",
            a["class_zh"] if lang == "zh" else a["class"],
            str(a["deaths"]),
            str(a["serious_injuries"]),
            a["direct_loss"],
        ]
        for a in report.larger_or_above_accidents
    ]
    return header, rows


def _title(report: MonitorReport, lang: str) -> str:
    return LABELS[lang]["monitor_title"].format(
        name=report.plan["name"],
        period=period_label(report.period.start, report.period.end, lang),
        through=report.through.isoformat(),
    )


def _numeric(header: Sequence[str]) -> list[bool]:
    return [i >= 2 for i in range(len(header))]


def _wraps(header: Sequence[str]) -> list[bool]:
    """Which columns of a monitor table may wrap to fit: the two text columns first (the
    region or group, and what is counted), never the numbers."""
    return [i < 2 for i in range(len(header))]


def monitor_table(report: MonitorReport, lang: str = "zh", width: int | None = None) -> str:
    """``monitor --format table``: the situation table, then the caps; within ``width``
    (the terminal's), headers and the region and group columns wrap to fit."""
    header, rows = _row_cells(report, _columns(_SHORT), lang)
    table = text_table(
        header,
        rows,
        align_right=_numeric(header),
        wraps=_wraps(header),
        width=width,
        header_min=4,
    )
    out = [_title(report, lang), "", table, ""]
    if report.caps:
        labels = LABELS[lang]
        cap_header, cap_rows = _cap_cells(report, lang)
        right = [False, False, True, True, True, True, False]
        out += [
            labels["caps_title"].format(elapsed=fmt_pct(report.elapsed_pct)),
            "",
            text_table(
                cap_header,
                cap_rows,
                align_right=right,
                wraps=_wraps(cap_header),
                width=width,
                header_min=4,
            ),
            "",
        ]
    if lang == "zh":
        out += [bulletin(report), ""]
    return "\n".join(out)


def monitor_markdown(report: MonitorReport, lang: str = "zh") -> str:
    """``monitor --format markdown``: the paragraph, the full table, the caps, the list."""
    labels = LABELS[lang]
    out = [f"## {_title(report, lang)}", ""]
    if lang == "zh":
        out += [bulletin(report), ""]
    header, rows = _row_cells(report, _FULL, lang)
    out.append(markdown_table(header, rows))
    if report.caps:
        cap_header, cap_rows = _cap_cells(report, lang)
        title = labels["caps_title"].format(elapsed=fmt_pct(report.elapsed_pct))
        out += [f"### {title}", "", markdown_table(cap_header, cap_rows)]
    if report.larger_or_above_accidents:
        larger_header, larger_rows = _larger_cells(report, lang)
        out += [f"### {labels['larger_title']}", "", markdown_table(larger_header, larger_rows)]
    return "\n".join(out)


def monitor_csv(report: MonitorReport, lang: str = "zh") -> str:
    """``monitor --format csv``: one line per region × group, unrounded numbers, headers as
    in the tables; UTF-8 with a BOM so that Excel on Chinese Windows reads it."""
    labels = LABELS[lang]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            labels["region"],
            labels["group"],
            *(_header(label, report, lang) for _, label, _ in _FULL),
        ]
    )

    def plain(value: Any, kind: str) -> object:
        if kind == "bool":
            return "true" if value else "false"
        return "" if value is None else value

    for r in report.rows:
        writer.writerow(
            [
                escape_text(_region(r["region"], report.plan, lang)),
                escape_text(_group(r["group"], lang)),
                *(plain(r[key], kind) for key, _, kind in _FULL),
            ]
        )
    return BOM + buffer.getvalue()


def monitor_workbook(report: MonitorReport, lang: str = "zh") -> bytes:
    """``monitor --format xlsx``: the situation, the caps and the 较大及以上 accidents."""
    from safeplan.render.xlsx import Column, Sheet, write_xlsx

    labels = LABELS[lang]
    kinds: dict[str, Callable[[str, str], Column]] = {
        "count": lambda key, label: Column(key, label, kind="int"),
        "pct": lambda key, label: Column(key, label, kind="percent", decimals=1),
        "amount": lambda key, label: Column(key, label, kind="number", decimals=2),
        "bool": lambda key, label: Column(key, label),
    }
    columns = [Column("_region", labels["region"]), Column("_group", labels["group"])]
    columns += [kinds[kind](key, _header(label, report, lang)) for key, label, kind in _FULL]
    rows = [
        {
            **r,
            "_region": _region(r["region"], report.plan, lang),
            "_group": _group(r["group"], lang),
            "double_decline": labels["yes" if r["double_decline"] else "no"],
        }
        for r in report.rows
    ]
    notes = [_title(report, lang)]
    if lang == "zh":
        notes.append(bulletin(report))
    sheets = [
        Sheet(
            title="事故情况" if lang == "zh" else "accidents",
            columns=columns,
            rows=rows,
            highlight=lambda row: row["double_decline"] == labels["no"],
            notes=notes,
        )
    ]
    if report.caps:
        sheets.append(
            Sheet(
                title="控制指标进度" if lang == "zh" else "caps",
                columns=[
                    Column("name", labels["indicator"]),
                    Column("_region", labels["region"]),
                    Column("cap", labels["cap"], kind="number"),
                    Column("used", labels["used"], kind="int"),
                    Column("used_pct", labels["used_pct"], kind="percent", decimals=1),
                    Column("elapsed_pct", labels["elapsed_pct"], kind="percent", decimals=1),
                    Column("_status", labels["status"]),
                ],
                rows=[
                    {
                        **c,
                        "_region": _region(c["region"], report.plan, lang),
                        "_status": labels["ahead" if c["ahead"] else "behind"],
                    }
                    for c in report.caps
                ],
                highlight=lambda row: bool(row["ahead"]),
            )
        )
    if report.larger_or_above_accidents:
        header = _larger_cells(report, lang)[0]
        keys = ["date", "region", "sector", "class_zh", "deaths", "serious_injuries", "direct_loss"]
        sheets.append(
            Sheet(
                title="较大及以上事故" if lang == "zh" else "larger or above",
                columns=[
                    Column(k, h, kind="int" if k in ("deaths", "serious_injuries") else "text")
                    for k, h in zip(keys, header, strict=True)
                ],
                rows=report.larger_or_above_accidents,
            )
        )
    return write_xlsx(sheets)


# --------------------------------------------------------------------------- registry


def render_table(report: MonitorReport, options: Options) -> str:
    """``monitor --format table``."""
    return monitor_table(report, options.lang, options.width)


def render_json(report: MonitorReport, options: Options) -> str:
    """``monitor --format json`` (``schema_version`` 2)."""
    return dump_json(report.to_dict(), "rows", "caps", "larger_or_above_accidents")


def render_markdown(report: MonitorReport, options: Options) -> str:
    """``monitor --format markdown``."""
    return monitor_markdown(report, options.lang)


def render_csv(report: MonitorReport, options: Options) -> str:
    """``monitor --format csv``."""
    return monitor_csv(report, options.lang)


def render_xlsx(report: MonitorReport, options: Options) -> bytes:
    """``monitor --format xlsx``."""
    return monitor_workbook(report, options.lang)


def render_text(report: MonitorReport, options: Options) -> str:
    """``monitor --format text``: the 通报 paragraph of the whole plan and, with
    ``--regions``, one paragraph per region."""
    paragraphs = [bulletin(report)]
    if options.regions:
        paragraphs += [bulletin(report, region) for region in report.regions]
    return "\n\n".join(paragraphs) + "\n"
