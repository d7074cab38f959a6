"""Renderers: one pure function per output format; each returns text (or bytes).

Results go to stdout, diagnostics to stderr — that is the CLI's business; nothing here
prints. Tables align CJK text by display width and never crop or wrap.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from safeplan.api import Explanation
    from safeplan.evaluate import CheckReport, GapReport, Result
    from safeplan.findings import Finding, ValidationReport

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "indicator": "指标",
        "region": "地区",
        "year": "年份",
        "value": "数值",
        "target": "目标",
        "threshold": "本年阈值",
        "gap": "差距",
        "status": "状态",
        "met": "✓ 达标",
        "missed": "✗ 未达标",
        "no_data": "– 无数据",
        "whole": "全域",
        "check_title": "{name} — {year}年控制指标检查",
        "summary": "达标 {met} 项，未达标 {missed} 项，无数据 {no_data} 项",
        "max": "≤ {v}",
        "min": "≥ {v}",
        "decline_pct": "较{b}年下降 {v}%",
        "yoy_decline": "低于上年",
        "latest_year": "最新年份",
        "latest_value": "最新值",
        "final_threshold": "目标年阈值",
        "projected_value": "预计目标年值",
        "on_track": "能否如期实现",
        "required": "所需年均变化%",
        "yes": "是",
        "no": "否",
        "unknown": "—",
        "outlook": "到{year}年展望",
        "gap_title": "{name} — 目标差距表（{first}–{last}年）",
    },
    "en": {
        "indicator": "indicator",
        "region": "region",
        "year": "year",
        "value": "value",
        "target": "target",
        "threshold": "threshold",
        "gap": "gap",
        "status": "status",
        "met": "✓ met",
        "missed": "✗ missed",
        "no_data": "– no data",
        "whole": "whole plan",
        "check_title": "{name} — control indicators in {year}",
        "summary": "{met} met, {missed} missed, {no_data} without data",
        "max": "≤ {v}",
        "min": "≥ {v}",
        "decline_pct": "−{v}% vs {b}",
        "yoy_decline": "below last year",
        "latest_year": "latest year",
        "latest_value": "latest value",
        "final_threshold": "final threshold",
        "projected_value": "projected",
        "on_track": "on track",
        "required": "required %/yr",
        "yes": "yes",
        "no": "no",
        "unknown": "—",
        "outlook": "outlook to {year}",
        "gap_title": "{name} — target gap ({first}–{last})",
    },
}

_COLOURS = {"met": "32", "missed": "31", "no_data": "33"}


def fmt_number(value: float | int | None, digits: int = 4) -> str:
    """A number for people: whole numbers plain, others to about ``digits`` significant."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value)}"
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    decimals = min(max(2, digits - magnitude - 1), 10)
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_pair(value: float | int | None, threshold: float | int | None) -> tuple[str, str]:
    """Value and threshold, with enough digits that unequal numbers never look equal."""
    for digits in range(4, 17):
        v, t = fmt_number(value, digits), fmt_number(threshold, digits)
        if v != t or value == threshold or value is None or threshold is None:
            return v, t
    return fmt_number(value, 17), fmt_number(threshold, 17)


def fmt_gap(gap: float | int | None) -> str:
    """A gap with its sign."""
    if gap is None:
        return "—"
    text = fmt_number(gap)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def target_text(target: dict[str, Any], baseline: int, lang: str = "zh") -> str:
    """A target as people write it: ≤ 0.01, 较2020年下降 10%, 低于上年."""
    labels = LABELS[lang]
    kind = target["kind"]
    b = target.get("baseline_year", baseline)
    return labels[kind].format(v=fmt_number(target["value"]) if kind != "yoy_decline" else "", b=b)


def cell_width(text: str) -> int:
    """Display width of text in a terminal: CJK characters take two cells."""
    return len(text) if text.isascii() else _wide_width(text)


@functools.lru_cache(maxsize=4096)
def _wide_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    colours: Sequence[str | None] | None = None,
    colour: bool = False,
    align_right: Sequence[bool] | None = None,
) -> str:
    """A plain aligned table (CJK-aware); the status cell coloured with ANSI when asked."""
    widths = [cell_width(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], cell_width(cell))
    right = align_right or [False] * len(header)

    def line(cells: Sequence[str], paint: str | None = None) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - cell_width(cell))
            text = pad + cell if right[i] else cell + pad
            if paint and colour and i == len(cells) - 1:
                text = f"\x1b[{paint}m{text}\x1b[0m"
            out.append(text)
        return "  ".join(out).rstrip()

    lines = [line(header), "  ".join("─" * w for w in widths)]
    for j, row in enumerate(rows):
        lines.append(line(row, colours[j] if colours else None))
    return "\n".join(lines)


def _region_label(region: str | None, plan: dict[str, Any], lang: str) -> str:
    if region is not None:
        return region
    return plan.get("region") or LABELS[lang]["whole"]


def _result_cells(r: Result, plan: dict[str, Any], lang: str) -> list[str]:
    labels = LABELS[lang]
    value, threshold = fmt_pair(r.value, r.threshold)
    return [
        r.name,
        _region_label(r.region, plan, lang),
        value,
        target_text(r.target, plan["baseline_year"], lang),
        threshold,
        fmt_gap(r.gap),
        labels[r.status],
    ]


def _headers(lang: str) -> list[str]:
    labels = LABELS[lang]
    return [
        labels[k] for k in ("indicator", "region", "value", "target", "threshold", "gap", "status")
    ]


def check_table(report: CheckReport, *, colour: bool = False, lang: str = "zh") -> str:
    """The terminal table of ``check``."""
    labels = LABELS[lang]
    rows = [_result_cells(r, report.plan, lang) for r in report.results]
    counts = {s: sum(r.status == s for r in report.results) for s in ("met", "missed", "no_data")}
    title = labels["check_title"].format(name=report.plan["name"], year=report.year)
    table = text_table(
        _headers(lang),
        rows,
        colours=[_COLOURS[r.status] for r in report.results],
        colour=colour,
        align_right=[False, False, True, False, True, True, False],
    )
    return f"{title}\n\n{table}\n\n{labels['summary'].format(**counts)}\n"


def dump_json(payload: dict[str, Any], *lists: str) -> str:
    """JSON with the top level indented and one item per line in the named lists.

    Readable, diff-friendly, and fast: each item goes through the C encoder, where
    ``json.dumps(indent=…)`` would fall back to the pure-Python one.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    parts = []
    for key, value in payload.items():
        name = encode(key)
        if key in lists and isinstance(value, list) and value:
            if all(isinstance(v, dict) and v and next(iter(v)) == "id" for v in value):
                # One C call for the whole list, then a line break before each item: inside
                # strings a quote is escaped, so '}, {"id"' only occurs between items.
                items = encode(value)[1:-1].replace('}, {"id": ', '},\n    {"id": ')
            else:
                items = ",\n    ".join(map(encode, value))
            parts.append(f"  {name}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {name}: {encode(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def check_json(report: CheckReport) -> str:
    """``check --format json`` (CONTRACT §4)."""
    return dump_json(report.to_dict(), "results")


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    out = ["| " + " | ".join(_md_escape(h) for h in header) + " |"]
    out.append("|" + "|".join("---" for _ in header) + "|")
    out.extend("| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows)
    return "\n".join(out) + "\n"


def check_markdown(report: CheckReport, *, lang: str = "zh") -> str:
    """``check --format markdown``."""
    labels = LABELS[lang]
    rows = [_result_cells(r, report.plan, lang) for r in report.results]
    title = labels["check_title"].format(name=report.plan["name"], year=report.year)
    return f"## {_md_escape(title)}\n\n" + markdown_table(_headers(lang), rows)


CSV_FIELDS = [
    "id",
    "name",
    "region",
    "year",
    "value",
    "target_kind",
    "target_value",
    "threshold",
    "gap",
    "status",
]


def _csv_row(r: Result) -> list[object]:
    from safeplan.spreadsheet import escape_text

    kind = r.target["kind"]
    return [
        r.id,
        escape_text(r.name),
        escape_text(r.region) if r.region is not None else "",
        r.year,
        _csv_number(r.value),
        kind,
        "true" if kind == "yoy_decline" else _csv_number(r.target["value"]),
        _csv_number(r.threshold),
        _csv_number(r.gap),
        r.status,
    ]


def results_csv(results: Sequence[Result]) -> str:
    """Results as CSV (machine-readable: unrounded numbers, stable English headers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    writer.writerows(_csv_row(r) for r in results)
    return buffer.getvalue()


def _csv_number(value: float | int | None) -> str:
    return "" if value is None else repr(value)


# --------------------------------------------------------------------------- validate


def findings_text(report: ValidationReport, *, fail_on: str = "error") -> str:
    """One ``path:line:col: severity code message`` line per finding, then a summary."""
    lines = []
    for f in report.findings:
        text = f"{f.location}: {f.severity} {f.code} {f.message}"
        if f.hint:
            text += f" (hint: {f.hint})"
        lines.append(text)
    counts = report.counts()
    verdict = "ok" if report.ok(fail_on) else "failed"  # type: ignore[arg-type]
    lines.append(
        f"{len(report.files)} file(s) checked: {counts['errors']} error(s), "
        f"{counts['warnings']} warning(s) — {verdict}"
    )
    return "\n".join(lines) + "\n"


def findings_json(report: ValidationReport, *, fail_on: str = "error") -> str:
    """``validate --format json``: the versioned envelope."""
    return dump_json(report.to_dict(fail_on), "findings")  # type: ignore[arg-type]


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


#: GitHub shows at most this many annotations of each severity per step.
GITHUB_ANNOTATIONS = 10


def findings_github(report: ValidationReport) -> str:
    """GitHub workflow commands, grouped per file and code so every kind of problem shows.

    GitHub keeps only ten annotations of each severity per step, so one annotation is
    written per (file, code) group, naming its first place and how many more there are;
    every finding is also listed in the log, inside a collapsible group.
    """
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        groups.setdefault((f.file, f.code), []).append(f)
    out = []
    for (file, code), items in groups.items():
        first = items[0]
        command = "error" if first.severity == "error" else "warning"
        props = [f"file={_gh_escape(file, prop=True)}"]
        if first.line is not None:
            props.append(f"line={first.line}")
        if first.column is not None:
            props.append(f"col={first.column}")
        more = (
            f" (+{len(items) - 1} more: lines "
            + ", ".join(str(f.line) for f in items[1:21] if f.line is not None)
            + (" …" if len(items) > 21 else "")
            + ")"
            if len(items) > 1
            else ""
        )
        title = f"safeplan {code}" + (f" ×{len(items)}" if len(items) > 1 else "")
        props.append(f"title={_gh_escape(title, prop=True)}")
        message = first.message + more + (f" — {first.hint}" if first.hint else "")
        out.append(f"::{command} {','.join(props)}::{_gh_escape(message)}")
    if report.findings:
        out.append("::group::all findings")
        out.append(findings_text(report).rstrip("\n"))
        out.append("::endgroup::")
    counts = report.counts()
    out.append(f"safeplan validate: {counts['errors']} error(s), {counts['warnings']} warning(s)")
    return "\n".join(out) + "\n"


def findings_markdown(report: ValidationReport, *, fail_on: str = "error") -> str:
    """A Markdown summary (also what goes to ``$GITHUB_STEP_SUMMARY``)."""
    counts = report.counts()
    icon = "✅" if report.ok(fail_on) else "❌"  # type: ignore[arg-type]
    head = (
        f"## {icon} safeplan validate\n\n{len(report.files)} file(s): "
        f"**{counts['errors']}** error(s), **{counts['warnings']}** warning(s)\n\n"
    )
    if not report.findings:
        return head
    rows = [
        [f.location, f.severity, f"`{f.code}`", f.message, f.hint or ""] for f in report.findings
    ]
    return head + markdown_table(["where", "severity", "code", "message", "hint"], rows)


# --------------------------------------------------------------------------- explain


def explanation_text(e: Explanation, plan: dict[str, Any], lang: str = "zh") -> str:
    """``safeplan explain``: the value, its sums and their source cells, the threshold."""
    r = e.result
    labels = LABELS[lang]
    out = [f"{r.id} — {e.indicator_name}, {_region_label(r.region, plan, lang)}, {r.year}"]
    out.append(f"  formula: {e.formula}")
    for term in e.terms:
        out.append(
            f"  {term.role}: Σ {term.ref} = {fmt_number(term.total, 17)}  ({term.file}, "
            f"{len(term.cells)} row(s))"
        )
        for cell in term.cells[:50]:
            where = f"  [{cell.region}]" if cell.region is not None and r.region is None else ""
            out.append(f"    {cell.location}{where}: {cell.text or '(blank)'}")
        if len(term.cells) > 50:
            out.append(f"    … and {len(term.cells) - 50} more rows")
        if term.records is not None:
            shown = ", ".join(str(n) for n in term.records[:30])
            more = f" … (+{len(term.records) - 30})" if len(term.records) > 30 else ""
            out.append(f"    records: {len(term.records)} at lines {shown}{more}")
            out.extend(f"      {reason}" for reason in term.reasons)
    if e.per is not None:
        out.append(f"  per (scale): {fmt_number(e.per)}")
    out.append(f"  value = {fmt_number(r.value, 17)}")
    for step in e.threshold_steps:
        out.append(f"  {step}")
    out.append(f"  gap = value − threshold = {fmt_gap(r.gap)}")
    out.append(f"  status: {labels[r.status]}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- gap


def _outlook_cells(o: Any, lang: str) -> list[str]:
    labels = LABELS[lang]
    track = labels["unknown"] if o.on_track is None else labels["yes" if o.on_track else "no"]
    required = (
        "—" if o.required_annual_change_pct is None else f"{o.required_annual_change_pct:+.2f}"
    )
    return [
        str(o.latest_year) if o.latest_year is not None else "—",
        fmt_number(o.latest_value),
        fmt_number(o.final_threshold),
        fmt_number(o.projected_value),
        track,
        required,
    ]


def gap_table(report: GapReport, *, colour: bool = False, lang: str = "zh") -> str:
    """Indicators × years, each value marked by status, and the outlook beside it."""
    labels = LABELS[lang]
    plan = report.plan
    years = sorted({r.year for r in report.rows})
    keys: dict[tuple[str, str | None], dict[int, Result]] = {}
    names: dict[str, str] = {}
    for r in report.rows:
        keys.setdefault((r.id, r.region), {})[r.year] = r
        names[r.id] = r.name
    outlook = {(o.id, o.region): o for o in report.outlook}
    mark = {"met": "", "missed": "✗", "no_data": ""}
    header = [
        labels["indicator"],
        labels["region"],
        labels["target"],
        *map(str, years),
        labels["final_threshold"],
        labels["projected_value"],
        labels["on_track"],
        labels["required"],
    ]
    rows = []
    for (iid, region), by_year in keys.items():
        any_row = next(iter(by_year.values()))
        cells = [
            names[iid],
            _region_label(region, plan, lang),
            target_text(any_row.target, plan["baseline_year"], lang),
        ]
        for y in years:
            cell = by_year.get(y)
            if cell is None or cell.value is None:
                cells.append("—")
                continue
            text = fmt_number(cell.value) + mark[cell.status]
            if colour:
                text = f"\x1b[{_COLOURS[cell.status]}m{text}\x1b[0m"
            cells.append(text)
        o = outlook.get((iid, region))
        cells += _outlook_cells(o, lang)[2:] if o else ["—"] * 4
        rows.append(cells)
    title = labels["gap_title"].format(
        name=plan["name"], first=years[0] if years else "", last=years[-1] if years else ""
    )
    right = [False, False, False, *([True] * len(years)), True, True, False, True]
    table = _ansi_table(header, rows, right)
    legend = "✗ = missed" if lang == "en" else "✗ = 未达标"
    return f"{title}\n\n{table}\n\n{legend}\n"


def _ansi_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    import re

    strip = re.compile(r"\x1b\[[0-9;]*m")
    widths = [cell_width(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], cell_width(strip.sub("", cell)))

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - cell_width(strip.sub("", cell)))
            parts.append(pad + cell if right[i] else cell + pad)
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), "  ".join("─" * w for w in widths), *map(line, rows)])


def gap_json(report: GapReport) -> str:
    """``gap --format json`` (CONTRACT §6)."""
    return dump_json(report.to_dict(), "rows", "outlook")


def gap_markdown(report: GapReport, *, lang: str = "zh") -> str:
    """``gap --format markdown``: the rows and the outlook."""
    labels = LABELS[lang]
    plan = report.plan
    rows = [
        [
            r.name,
            _region_label(r.region, plan, lang),
            str(r.year),
            *_result_cells(r, plan, lang)[2:],
        ]
        for r in report.rows
    ]
    header = [labels["indicator"], labels["region"], labels["year"], *_headers(lang)[2:]]
    names = {r.id: r.name for r in report.rows}
    outlook_rows = [
        [names.get(o.id, o.id), _region_label(o.region, plan, lang), *_outlook_cells(o, lang)]
        for o in report.outlook
    ]
    outlook_header = [
        labels["indicator"],
        labels["region"],
        labels["latest_year"],
        labels["latest_value"],
        labels["final_threshold"],
        labels["projected_value"],
        labels["on_track"],
        labels["required"],
    ]
    title = labels["gap_title"].format(
        name=plan["name"],
        first=plan["baseline_year"],
        last=max((r.year for r in report.rows), default=""),
    )
    return (
        f"## {_md_escape(title)}\n\n"
        + markdown_table(header, rows)
        + f"\n### {labels['outlook'].format(year=plan['target_year'])}\n\n"
        + markdown_table(outlook_header, outlook_rows)
    )


def gap_csv(report: GapReport) -> str:
    """``gap --format csv``: the rows, then the outlook columns joined on each row's key."""
    outlook = {(o.id, o.region): o for o in report.outlook}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = [
        "latest_year",
        "latest_value",
        "final_threshold",
        "projected_value",
        "on_track",
        "required_annual_change_pct",
    ]
    writer.writerow(CSV_FIELDS + extra)
    for r in report.rows:
        o = outlook.get((r.id, r.region))
        values = (
            []
            if o is None
            else [
                o.latest_year,
                _csv_number(o.latest_value),
                _csv_number(o.final_threshold),
                _csv_number(o.projected_value),
                "" if o.on_track is None else str(o.on_track).lower(),
                _csv_number(o.required_annual_change_pct),
            ]
        )
        writer.writerow(_csv_row(r) + ["" if v is None else v for v in values])
    return buffer.getvalue()
