"""Text for people in a terminal: the 指标完成情况表 and 分地区 table of ``check``, the
year-by-year table and the outlook of ``gap`` — each fitted to the terminal's width."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from safeplan.render.batch import _format_each
from safeplan.render.completion import (
    COMPLETION_KEYS,
    NUMERIC_KEYS,
    Line,
    completion,
    completion_header,
    precisions,
    region_header,
    region_table,
    where,
)
from safeplan.render.escape import escape_terminal
from safeplan.render.labels import (
    LABELS,
    STATUSES,
    _region_label,
    plan_name,
    target_text,
    with_unit,
)
from safeplan.render.numbers import GENERIC, Precision, fmt_fixed, fmt_gap
from safeplan.render.table import cell_width, table_lines, wrap

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, GapReport, Outlook, Result
    from safeplan.render import Options

_COLOURS = {"met": "32", "missed": "31", "no_data": "33", "no_target": "36"}
_HEADER_WIDTH = 16  # an indicator's name in a column header wraps at this many cells
_WRAPS = frozenset({"name", "plan_target"})


def _paint(colour: bool, statuses: Sequence[str]) -> list[str | None] | None:
    return list(map(_COLOURS.__getitem__, statuses)) if colour else None


def _paged(
    fixed: Sequence[tuple[str, Sequence[str], bool]],
    varying: list[tuple[str, Sequence[str], bool, list[str | None] | None]],
    width: int | None,
    wraps: Sequence[bool] = (),
) -> list[str]:
    """A table whose fixed columns (region, name) repeat on each page of the varying ones
    (indicators, years) when all of them do not fit the width; each page a table."""
    start, out = 0, []  # type: tuple[int, list[str]]
    while start < len(varying) or not out:
        for end in range(len(varying), start, -1):
            page = [*[(h, c, r, None) for h, c, r in fixed], *varying[start:end]]
            lines = table_lines(
                [p[0] for p in page],
                [p[1] for p in page],
                [p[2] for p in page],
                paints=[p[3] for p in page],
                wraps=[*wraps, *[False] * (len(page) - len(wraps))],
                width=width,
            )
            if lines is not None or end == start + 1:
                break
        if lines is None:  # not even one column fits: the natural width
            lines = table_lines(
                [p[0] for p in page], [p[1] for p in page], [p[2] for p in page],
                paints=[p[3] for p in page],
            ) or []  # fmt: skip
        out += ([""] if out else []) + lines
        start = max(end, start + 1)
    return out


def _completion_lines(
    lines: Sequence[Line], lang: str, colour: bool, width: int | None, year: int
) -> list[str]:
    """The 指标完成情况表: a table when it fits, else one block per indicator."""
    header = completion_header(lang, year=year)
    columns = [[line.texts[key] for line in lines] for key in COMPLETION_KEYS]
    for key in ("name", "unit"):
        i = COMPLETION_KEYS.index(key)
        columns[i] = _format_each(columns[i], escape_terminal)
    statuses = [line.result.status for line in lines]
    paints = [None] * (len(COMPLETION_KEYS) - 1) + [_paint(colour, statuses)]
    table = table_lines(
        header,
        columns,
        [key in NUMERIC_KEYS for key in COMPLETION_KEYS],
        paints=paints,
        wraps=[key in _WRAPS for key in COMPLETION_KEYS],
        width=width,
    )
    if table is not None:
        return table
    return _blocks(lines, header, lang, colour, width or 80)


def _blocks(
    lines: Sequence[Line], header: Sequence[str], lang: str, colour: bool, width: int
) -> list[str]:
    """One block per indicator: its name, unit and attribute with the status on the
    right, then the numbers, wrapped to ``width``."""
    out: list[str] = []
    sep = "，" if lang == "zh" else ", "
    for line in lines:
        t = line.texts
        about = sep.join(x for x in (t["unit"], t["attribute"]) if x != "—")
        name = escape_terminal(t["name"]) + (
            f"（{escape_terminal(about)}）"
            if about and lang == "zh"
            else f" ({about})"
            if about
            else ""
        )
        status = t["result"]
        shown = f"\x1b[{_COLOURS[line.result.status]}m{status}\x1b[0m" if colour else status
        indent = " " * (len(t["seq"]) + 2)
        heads = wrap(name, max(width - len(indent) - cell_width(status) - 2, 8))
        first = f"{t['seq']}  {heads[0]}"
        out.append(first + " " * max(width - cell_width(first) - cell_width(status), 2) + shown)
        out += [indent + h for h in heads[1:]]
        fields = [
            f"{header[COMPLETION_KEYS.index(k)]} {t[k]}"
            for k in ("baseline_value", "plan_target", "progress", "actual", "change")
        ]
        row = ""
        for field in fields:
            candidate = f"{row}  {field}" if row else field
            if row and cell_width(indent + candidate) > width:
                out.append(indent + row)
                row = field
            else:
                row = candidate
        out += [indent + part for part in wrap(row, width - len(indent))]
    return out


def _region_lines(report: CheckReport, lang: str, colour: bool, width: int | None) -> list[str]:
    """The 分地区 table (regions × indicators), paged by indicators when it is too wide."""
    labels = LABELS[lang]
    table = region_table(report.results, report.indicators, report.plan, lang)
    if table is None:
        return []
    varying: list[tuple[str, Sequence[str], bool, list[str | None] | None]] = []
    for line, marked, statuses in zip(table.lines, table.cells, table.statuses, strict=True):
        # Unmarked values keep the mark's room, so that the digits line up.
        cells = [
            c if s in ("missed", "no_target") else c + "  "
            for c, s in zip(marked, statuses, strict=True)
        ]
        head = escape_terminal(region_header(line, lang, unit=False))
        limit = max(_HEADER_WIDTH, max(map(cell_width, cells), default=0))
        # Without a width to fit, the name wraps at a readable width; with one, the table
        # wraps it to the column.
        parts = wrap(head, limit) if width is None else [head]
        if line.unit:
            parts.append(escape_terminal(LABELS[lang]["unit_in"].format(unit=line.unit)).strip())
        varying.append(("\n".join(parts), cells, True, _paint(colour, statuses)))
    varying.append((labels["missed_count"], list(map(str, table.missed)), True, None))
    regions = _format_each(table.regions, escape_terminal)
    caption = (
        labels["table"].format(n=2) + "  " + labels["regions_caption"].format(year=report.year)
    )
    body = _paged([(labels["region"], regions, False)], varying, width)
    return ["", caption, "", *body, "", labels["regions_legend"]]


def check_table(
    report: CheckReport, *, colour: bool = False, lang: str = "zh", width: int | None = None
) -> str:
    """The terminal text of ``check``: the 指标完成情况表 of the whole plan (or the one
    region asked for), the 分地区 table, and the tally of every result."""
    labels = LABELS[lang]
    results = report.results
    region = None
    if results and not any(r.region is None for r in results):
        region = results[0].region
    title = labels["check_title"].format(name=plan_name(report.plan, lang), year=report.year)
    lines = completion(results, report.indicators, report.plan, lang, region=region)
    caption = (
        labels["table"].format(n=1)
        + "  "
        + labels["completion_caption"].format(
            where=escape_terminal(where(report.plan, region, lang)), year=report.year
        )
    )
    body = _completion_lines(lines, lang, colour, width, report.year)
    tally: Counter[str] = Counter(r.status for r in results)
    summary = labels["summary"].format(**{s: tally[s] for s in STATUSES})
    if tally["no_target"]:
        summary += labels["summary_no_target"].format(no_target=tally["no_target"])
    regions = _region_lines(report, lang, colour, width)
    return "\n".join([escape_terminal(title), "", caption, "", *body, *regions, "", summary, ""])


def _year_cells(chosen: Sequence[Result | None], fmt: Callable[[Result], str]) -> list[str]:
    return ["— " if r is None or r.value is None else fmt(r) for r in chosen]


def gap_table(
    report: GapReport, *, colour: bool = False, lang: str = "zh", width: int | None = None
) -> str:
    """``gap`` in a terminal: indicators × years (each value, ✗ where missed), then the
    outlook to the target year; wrapped or paged to fit the width."""
    labels = LABELS[lang]
    plan = report.plan
    rows = report.rows
    years = sorted({r.year for r in rows})
    precision_of = precisions(rows, report.indicators)
    keys = list(dict.fromkeys((r.id, r.region) for r in rows))
    at = {(r.id, r.region, r.year): r for r in rows}
    first = {key: at[(*key, min(y for y in years if (*key, y) in at))] for key in keys}
    regions = _format_each(
        [k[1] for k in keys], lambda r: escape_terminal(_region_label(r, plan, lang))
    )
    names = [
        escape_terminal(with_unit(first[k].name, report.indicators.get(k[0], {}).get("unit"), lang))
        for k in keys
    ]
    targets = [target_text(first[k].target, plan["baseline_year"], lang) for k in keys]
    varying: list[tuple[str, Sequence[str], bool, list[str | None] | None]] = []
    for year in years:
        chosen = [at.get((*key, year)) for key in keys]

        def cell(r: Result) -> str:
            p = precision_of.get(r.id, GENERIC)
            return fmt_fixed(r.value, p.value) + ("✗" if r.status == "missed" else " ")

        statuses = ["no_data" if r is None else r.status for r in chosen]
        varying.append((str(year), _year_cells(chosen, cell), True, _paint(colour, statuses)))
    fixed = [(labels["indicator"], names, False), (labels["region"], regions, False),
             (labels["target"], targets, False)]  # fmt: skip
    title = labels["gap_title"].format(
        name=plan_name(plan, lang), first=years[0] if years else "", last=years[-1] if years else ""
    )
    grid = _paged(fixed, varying, width, wraps=[True, False, True])
    outlook = _outlook_lines(report, keys, names, regions, precision_of, lang, width)
    return "\n".join(
        [escape_terminal(title), "", *grid, "", labels["gap_legend"], "",
         labels["outlook"].format(year=plan["target_year"]), "", *outlook, ""]
    )  # fmt: skip


def _outlook_lines(
    report: GapReport,
    keys: Sequence[tuple[str, str | None]],
    names: Sequence[str],
    regions: Sequence[str],
    precision_of: dict[str, Precision],
    lang: str,
    width: int | None,
) -> list[str]:
    labels = LABELS[lang]
    by_key: dict[tuple[str, str | None], Outlook] = {(o.id, o.region): o for o in report.outlook}

    def number(o: Outlook | None, name: str, key: tuple[str, str | None]) -> str:
        p = precision_of.get(key[0], GENERIC)
        value = None if o is None else getattr(o, name)
        return fmt_fixed(value, p.value if name == "latest_value" else p.threshold)

    chosen = [by_key.get(k) for k in keys]
    track = {True: labels["yes"], False: labels["no"], None: labels["unknown"]}
    columns: list[Sequence[str]] = [
        names,
        regions,
        ["—" if o is None or o.latest_year is None else str(o.latest_year) for o in chosen],
        [number(o, "latest_value", k) for o, k in zip(chosen, keys, strict=True)],
        [number(o, "final_threshold", k) for o, k in zip(chosen, keys, strict=True)],
        [number(o, "projected_value", k) for o, k in zip(chosen, keys, strict=True)],
        ["—" if o is None else track[o.on_track] for o in chosen],
        [
            "—" if o is None or o.required_annual_change_pct is None
            else f"{fmt_gap(o.required_annual_change_pct, 2)}%"
            for o in chosen
        ],
    ]  # fmt: skip
    header = [
        labels["indicator"], labels["region"], labels["latest_year"], labels["latest_value"],
        labels["final_threshold"], labels["projected_value"], labels["on_track"],
        labels["required"],
    ]  # fmt: skip
    right = [False, False, True, True, True, True, False, True]
    wraps = [True, False, False, False, False, False, False, False]
    lines = table_lines(header, columns, right, wraps=wraps, width=width)
    return lines or table_lines(header, columns, right) or []


# --------------------------------------------------------------------------- registry


def render_check(report: CheckReport, options: Options) -> str:
    """``check --format table``."""
    return check_table(report, colour=options.colour, lang=options.lang, width=options.width)


def render_gap(report: GapReport, options: Options) -> str:
    """``gap --format table``."""
    return gap_table(report, colour=options.colour, lang=options.lang, width=options.width)
