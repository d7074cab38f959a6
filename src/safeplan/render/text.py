"""Text for people in a terminal: the check and gap tables, findings, explanations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import repeat
from typing import TYPE_CHECKING

from safeplan.render.batch import _format_each, _format_each_object
from safeplan.render.columns import (
    _headers,
    _outlook_columns,
    _result_columns,
    _result_fields,
)
from safeplan.render.escape import escape_terminal
from safeplan.render.labels import LABELS, _region_label, target_text
from safeplan.render.numbers import fmt_number
from safeplan.render.table import _table_lines, _visible_width

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, GapReport
    from safeplan.render import Options

_COLOURS = {"met": "32", "missed": "31", "no_data": "33"}


_CHECK_RIGHT = (False, False, True, False, True, True, False)


def check_table(report: CheckReport, *, colour: bool = False, lang: str = "zh") -> str:
    """The terminal table of ``check``."""
    labels = LABELS[lang]
    fields = _result_fields(report.results)
    tally = Counter(fields["status"])
    counts = {s: tally[s] for s in ("met", "missed", "no_data")}
    title = labels["check_title"].format(name=report.plan["name"], year=report.year)
    columns = _result_columns(fields, report.plan, lang)
    columns[:2] = [_format_each(column, escape_terminal) for column in columns[:2]]  # data
    paints = [None] * 6 + [list(map(_COLOURS.__getitem__, fields["status"]))] if colour else None
    table = _table_lines(_headers(lang), columns, _CHECK_RIGHT, paints)
    summary = labels["summary"].format(**counts)
    return "\n".join([escape_terminal(title), "", *table, "", summary, ""])  # one copy


_MARKS = {"met": "", "missed": "✗", "no_data": ""}


def _year_column(
    cells: list[tuple[float | int | None, str] | None], colour: bool
) -> tuple[list[str], list[str | None] | None]:
    """One year's column of the gap table from each row's (value, status), if it has one:
    the value, marked ✗ when missed, and, when asked, the colour of its status ("—" where
    there is no value, never coloured)."""

    def text(cell: tuple[float | int | None, str] | None) -> str:
        if cell is None or cell[0] is None:
            return "—"
        return fmt_number(cell[0]) + _MARKS[cell[1]]

    paints = None
    if colour:
        paints = [None if c is None or c[0] is None else _COLOURS[c[1]] for c in cells]
    return _format_each(cells, text), paints


def _positions(
    keys: Sequence[tuple[str, str | None]], row_years: Sequence[int], years: list[int]
) -> dict[int, dict[tuple[str, str | None], int]]:
    """For each year, where each (indicator, region) has its row (the last, if several)."""
    index: dict[int, dict[tuple[str, str | None], int]] = {year: {} for year in years}
    for i, (key, year) in enumerate(zip(keys, row_years, strict=True)):
        index[year][key] = i
    return index


def gap_table(report: GapReport, *, colour: bool = False, lang: str = "zh") -> str:
    """Indicators × years, each value marked by status, and the outlook beside it."""
    labels = LABELS[lang]
    plan = report.plan
    fields = _result_fields(report.rows)
    pairs = list(zip(fields["id"], fields["region"], strict=True))
    years = sorted(set(fields["year"]))
    keys = list(dict.fromkeys(pairs))  # (indicator, region) in order of appearance
    at = _positions(pairs, fields["year"], years)
    first_year = dict(zip(pairs[::-1], fields["year"][::-1], strict=True))
    names = dict(zip(fields["id"], fields["name"], strict=True))
    targets = fields["target"]
    outlook = {(o.id, o.region): o for o in report.outlook}
    columns = [
        _format_each([names[iid] for iid, _ in keys], escape_terminal),
        _format_each(
            [region for _, region in keys],
            lambda r: escape_terminal(_region_label(r, plan, lang)),
        ),
        _format_each_object(
            [targets[at[first_year[key]][key]] for key in keys],
            lambda target: target_text(target, plan["baseline_year"], lang),
        ),
    ]
    paints: list[Sequence[str | None] | None] = [None] * len(columns)
    # Each row's (value, status), and None for a key without a row in some year.
    known = [*zip(fields["value"], fields["status"], strict=True), None]
    for year in years:
        positions = map(at[year].get, keys, repeat(len(known) - 1))
        cells, year_paints = _year_column(list(map(known.__getitem__, positions)), colour)
        columns.append(cells)
        paints.append(year_paints)
    columns += _outlook_columns(list(map(outlook.get, keys)), lang)[2:]
    paints += [None] * 4
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
    title = labels["gap_title"].format(
        name=plan["name"], first=years[0] if years else "", last=years[-1] if years else ""
    )
    right = [False, False, False, *([True] * len(years)), True, True, False, True]
    table = _table_lines(
        header, columns, right, paints, measure=_visible_width, paint_padding=False
    )
    legend = "✗ = missed" if lang == "en" else "✗ = 未达标"
    return "\n".join([escape_terminal(title), "", *table, "", legend, ""])


# --------------------------------------------------------------------------- registry


def render_check(report: CheckReport, options: Options) -> str:
    """``check --format table``."""
    return check_table(report, colour=options.colour, lang=options.lang)


def render_gap(report: GapReport, options: Options) -> str:
    """``gap --format table``."""
    return gap_table(report, colour=options.colour, lang=options.lang)
