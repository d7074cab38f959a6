"""GitHub-flavoured Markdown: the 指标完成情况表, the 分地区 table, the year-by-year table
and the outlook, ready to paste into an issue, a wiki or a document."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from safeplan.render.batch import _format_each
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
from safeplan.render.escape import escape_markdown
from safeplan.render.labels import LABELS, _region_label, plan_name, target_text, with_unit
from safeplan.render.numbers import GENERIC, fmt_fixed, fmt_gap, fmt_pair

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, GapReport
    from safeplan.render import Options


def _md_escape(text: str) -> str:
    return escape_markdown(text)


def _markdown(header: Sequence[str], lines: Iterable[str], right: Sequence[bool] = ()) -> list[str]:
    """The lines of a Markdown table, from its header and the escaped, joined cells of each
    row; columns in ``right`` are right-aligned (numbers)."""
    out = ["| " + " | ".join(_md_escape(h) for h in header) + " |"]
    aligns = [right[i] if i < len(right) else False for i in range(len(header))]
    out.append("|" + "|".join("--:" if r else "---" for r in aligns) + "|")
    out.extend(map("| {} |".format, lines))
    return out


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = _markdown(header, (" | ".join(_md_escape(c) for c in row) for row in rows))
    return "\n".join([*lines, ""])


def _markdown_columns(
    header: Sequence[str], columns: Sequence[Sequence[str]], right: Sequence[bool] = ()
) -> list[str]:
    """The lines of :func:`markdown_table`, from columns of cells (all of one length)."""
    escaped = [_format_each(column, _md_escape) for column in columns]
    return _markdown(header, map(" | ".join, zip(*escaped, strict=True)), right)


def check_markdown(report: CheckReport, *, lang: str = "zh") -> str:
    """``check --format markdown``: the 指标完成情况表 and the 分地区 table."""
    labels = LABELS[lang]
    results = report.results
    region = None if not results or any(r.region is None for r in results) else results[0].region
    precision_of = precisions(results, report.indicators)
    lines = completion(
        results, report.indicators, report.plan, lang, region=region, precision_of=precision_of
    )
    title = labels["check_title"].format(name=plan_name(report.plan, lang), year=report.year)
    caption = labels["completion_caption"].format(
        where=where(report.plan, region, lang), year=report.year
    )
    columns = [[line.texts[key] for line in lines] for key in COMPLETION_KEYS]
    out = [
        f"## {_md_escape(title)}",
        "",
        f"**{labels['table'].format(n=1)}　{_md_escape(caption)}**",
        "",
        *_markdown_columns(
            completion_header(lang, year=report.year),
            columns,
            [key in NUMERIC_KEYS for key in COMPLETION_KEYS],
        ),
        "",
    ]
    table = region_table(results, report.indicators, report.plan, lang, precision_of=precision_of)
    if table is not None:
        caption = labels["regions_caption"].format(year=report.year)
        header = [
            labels["region"],
            *(region_header(line, lang) for line in table.lines),
            labels["missed_count"],
        ]
        out += [
            f"**{labels['table'].format(n=2)}　{_md_escape(caption)}**",
            "",
            *_markdown_columns(
                header,
                [table.regions, *table.cells, list(map(str, table.missed))],
                [False, *[True] * (len(header) - 1)],
            ),
            "",
            _md_escape(labels["regions_legend"]),
            "",
        ]
    return "\n".join(out)


def gap_markdown(report: GapReport, *, lang: str = "zh") -> str:
    """``gap --format markdown``: every indicator in every year (value, this year's
    requirement and the gap), and the outlook."""
    labels = LABELS[lang]
    plan = report.plan
    rows = report.rows
    precision_of = precisions(rows, report.indicators)
    units = {i: facts.get("unit") for i, facts in report.indicators.items()}
    columns: list[list[str]] = [[] for _ in range(8)]
    names, regions, years, values, targets, thresholds, gaps, statuses = columns
    for r in rows:
        p = precision_of.get(r.id, GENERIC)
        value, threshold = fmt_pair(r.value, r.threshold, p)
        names.append(with_unit(r.name, units.get(r.id), lang))
        regions.append(_region_label(r.region, plan, lang))
        years.append(str(r.year))
        values.append(value)
        targets.append(target_text(r.target, plan["baseline_year"], lang))
        thresholds.append(threshold)
        gaps.append(fmt_gap(r.gap, p.gap))
        statuses.append(labels[r.status])
    header = [
        labels["indicator"],
        labels["region"],
        labels["year"],
        labels["value"],
        labels["target"],
        labels["threshold"],
        labels["gap"],
        labels["status"],
    ]
    right = [False, False, True, True, False, True, True, False]
    by_id = {r.id: with_unit(r.name, units.get(r.id), lang) for r in rows}
    outlook = report.outlook
    track = {True: labels["yes"], False: labels["no"], None: labels["unknown"]}

    def number(value: float | int | None, iid: str, latest: bool = False) -> str:
        p = precision_of.get(iid, GENERIC)
        return fmt_fixed(value, p.value if latest else p.threshold)

    outlook_columns = [
        [by_id.get(o.id, o.id) for o in outlook],
        [_region_label(o.region, plan, lang) for o in outlook],
        ["—" if o.latest_year is None else str(o.latest_year) for o in outlook],
        [number(o.latest_value, o.id, latest=True) for o in outlook],
        [number(o.final_threshold, o.id) for o in outlook],
        [number(o.projected_value, o.id) for o in outlook],
        [track[o.on_track] for o in outlook],
        [
            "—"
            if o.required_annual_change_pct is None
            else fmt_gap(o.required_annual_change_pct, 2) + "%"
            for o in outlook
        ],
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
        name=plan_name(plan, lang),
        first=plan["baseline_year"],
        last=max((r.year for r in rows), default=""),
    )
    return "\n".join(
        [
            f"## {_md_escape(title)}",
            "",
            *_markdown_columns(header, columns, right),
            "",
            f"### {labels['outlook'].format(year=plan['target_year'])}",
            "",
            *_markdown_columns(
                outlook_header,
                outlook_columns,
                [False, False, True, True, True, True, False, True],
            ),
            "",
        ]
    )


# --------------------------------------------------------------------------- registry


def render_check(report: CheckReport, options: Options) -> str:
    """``check --format markdown``."""
    return check_markdown(report, lang=options.lang)


def render_gap(report: GapReport, options: Options) -> str:
    """``gap --format markdown``."""
    return gap_markdown(report, lang=options.lang)
