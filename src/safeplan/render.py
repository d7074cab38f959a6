"""Renderers: one pure function per output format; each returns text (or bytes).

Results go to stdout, diagnostics to stderr — that is the CLI's business; nothing here
prints. Tables align CJK text by display width and never crop or wrap.

A national plan has tens of thousands of results, so the renderers of results work column
by column: each distinct region, number and target is formatted once (see
:func:`_format_each`), and padding, joining and JSON encoding run in C (``str.ljust``,
``str.join``, the JSON encoder) rather than cell by cell in Python.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import chain, compress, repeat
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from safeplan.api import Explanation
    from safeplan.evaluate import CheckReport, GapReport, Outlook, Result
    from safeplan.findings import Finding, ValidationReport

_K = TypeVar("_K", bound=Hashable)
_T = TypeVar("_T")

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

#: Format specs by number of decimals: ``format(x, _FIXED[3]) == f"{x:.3f}"``.
_FIXED = tuple(f".{decimals}f" for decimals in range(11))


def fmt_number(value: float | int | None, digits: int = 4) -> str:
    """A number for people: whole numbers plain, others to about ``digits`` significant."""
    if type(value) is float:  # the common case first, without the general checks below
        if value.is_integer():
            return str(int(value))
        if value != value:  # NaN
            return "—"
        magnitude = math.floor(math.log10(abs(value)))  # infinity raises, as below
        decimals = digits - magnitude - 1
        decimals = 2 if decimals < 2 else 10 if decimals > 10 else decimals
        # At least two decimals, so the text always has a point to strip back to.
        return format(value, _FIXED[decimals]).rstrip("0").rstrip(".")
    if type(value) is int:
        return str(value)
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


# --------------------------------------------------------------------------- many at once


def _repetitive(items: Sequence[Hashable]) -> bool:
    """Whether items seem to repeat a lot (judging by a hundred of them), so that handling
    each distinct one once pays."""
    sample = items[:: len(items) // 100 + 1]
    return 4 * len(set(sample)) <= len(sample)


def _format_each(values: Iterable[_K], fmt: Callable[[_K], str]) -> list[str]:
    """``[fmt(v) for v in values]``, calling ``fmt`` once per distinct value.

    Only for a ``fmt`` that gives equal values the same text: :func:`fmt_number` does
    (``1 == 1.0 == True`` all read "1"), ``repr`` and JSON numbers do not.
    """
    items = list(values)
    texts = {value: fmt(value) for value in set(items)}
    return list(map(texts.__getitem__, items))


_NONE = type(None)


def _by_distinct(
    values: Sequence[Any], fmt_all: Callable[[list[Any]], list[str]]
) -> list[str] | None:
    """``fmt_all(values)``, formatting each distinct value once — or ``None`` where most
    values are distinct, or where equal values may read differently.

    ``fmt_all`` being the JSON encoder or ``repr``, ints and floats must not mix
    (``1 == 1.0``), nor ``0.0`` and ``-0.0``; strings and None are safe with either.
    """
    try:
        distinct = set(values)
    except TypeError:  # unhashable
        return None
    if 2 * len(distinct) > len(values):
        return None
    kinds = set(map(type, values)) - {_NONE}
    if not (kinds <= {str} or kinds == {int} or (kinds == {float} and 0.0 not in distinct)):
        return None
    keys = list(distinct)
    return list(map(dict(zip(keys, fmt_all(keys), strict=True)).__getitem__, values))


def _format_each_object(objects: Sequence[_T], fmt: Callable[[_T], str]) -> list[str]:
    """``[fmt(o) for o in objects]``, calling ``fmt`` once per object (by identity).

    For unhashable values shared by many rows, such as an indicator's target dict.
    """
    keys = list(map(id, objects))
    texts = {key: fmt(obj) for key, obj in dict(zip(keys, objects, strict=True)).items()}
    return list(map(texts.__getitem__, keys))


# --------------------------------------------------------------------------- tables


def cell_width(text: str) -> int:
    """Display width of text in a terminal: CJK characters take two cells."""
    if text.isascii() or not _wider().search(text):
        return len(text)
    return _wide_width(text)


@functools.lru_cache(maxsize=4096)
def _wide_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


@functools.cache
def _wider() -> re.Pattern[str]:
    """A character other than printable ASCII and the symbols of these tables that are
    one cell wide.

    rich adds up the widths of the characters of a text (but for joiners and variation
    selectors, not among these), so a text without such a character is as wide as long.
    """
    from rich.cells import cell_len

    symbols = "".join(re.escape(c) for c in "—–−✓✗≤≥" if cell_len(c) == 1)
    return re.compile(f"[^ -~{symbols}]")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _visible_width(text: str) -> int:
    """Display width of text that may hold ANSI colour codes."""
    return cell_width(_ANSI.sub("", text) if "\x1b" in text else text)


def _pad(text: str, text_width: int, width: int, right: bool) -> str:
    """Text padded with spaces to ``width`` display cells, on the left when ``right``."""
    size = width - text_width + len(text)
    return text.rjust(size) if right else text.ljust(size)


def _measure_column(
    cells: Sequence[str], measure: Callable[[str], int]
) -> tuple[int, dict[str, int]]:
    """The display width of the widest cell, and of each distinct cell not as wide as long."""
    pool = set(cells) if _repetitive(cells) else cells
    joined = "".join(pool)
    if "\x1b" not in joined and (joined.isascii() or not _wider().search(joined)):
        return max(map(len, pool), default=0), {}
    widths = {cell: measure(cell) for cell in set(pool)}
    odd = {cell: w for cell, w in widths.items() if w != len(cell)}
    return max(widths.values(), default=0), odd


def _pad_column(
    cells: Sequence[str],
    odd: dict[str, int],
    width: int,
    right: bool,
    paints: Sequence[str | None] | None,
    paint_padding: bool,
) -> list[str]:
    """The cells of a column padded to ``width`` display cells, and coloured.

    ``odd`` has the display widths of the cells that are not as wide as they are long;
    a column with such cells, or of few distinct cells, is padded (and coloured) one
    distinct cell at a time.
    """

    def padded(cell: str, paint: str | None = None) -> str:
        text = _pad(cell, odd.get(cell, len(cell)), width, right)
        if not paint:
            return text
        if paint_padding:
            return f"\x1b[{paint}m{text}\x1b[0m"
        spaces = " " * (len(text) - len(cell))
        painted = f"\x1b[{paint}m{cell}\x1b[0m"
        return spaces + painted if right else painted + spaces

    if odd or _repetitive(cells):
        if paints is None:
            return _format_each(cells, padded)
        return _format_each(zip(cells, paints, strict=True), lambda pair: padded(*pair))
    texts = list(map(str.rjust if right else str.ljust, cells, repeat(width)))
    if paints is None:
        return texts
    # Cells that seldom repeat (numbers): coloured one by one, inline for speed.
    parts = zip(texts, cells, paints, strict=True)
    if paint_padding:
        return [f"\x1b[{p}m{t}\x1b[0m" if p else t for t, _, p in parts]
    if right:
        return [f"{t[: len(t) - len(c)]}\x1b[{p}m{c}\x1b[0m" if p else t for t, c, p in parts]
    return [f"\x1b[{p}m{c}\x1b[0m{t[len(c) :]}" if p else t for t, c, p in parts]


def _table_lines(
    header: Sequence[str],
    columns: Sequence[Sequence[str]],
    right: Sequence[bool],
    paints: Sequence[Sequence[str | None] | None] | None = None,
    *,
    measure: Callable[[str], int] = cell_width,
    paint_padding: bool = True,
) -> list[str]:
    """The lines of an aligned table, from its columns (all of one length).

    Each column is as wide as its widest cell (``measure`` gives display widths) or its
    header; two spaces between columns, no trailing spaces. ``paints[i]`` colours column
    ``i`` cell by cell with ANSI codes, its padding too when ``paint_padding``.
    """
    widths = []
    body = []
    for i, cells in enumerate(columns):
        widest, odd = _measure_column(cells, measure)
        width = max(cell_width(header[i]), widest)
        colours = paints[i] if paints is not None else None
        body.append(_pad_column(cells, odd, width, right[i], colours, paint_padding))
        widths.append(width)
    head = "  ".join(
        _pad(h, measure(h), width, right[i])
        for i, (h, width) in enumerate(zip(header, widths, strict=False))
    )
    rule = "  ".join("─" * w for w in widths)
    return [head.rstrip(), rule, *_joined_lines(body)]


def _joined_lines(columns: list[list[str]]) -> Iterable[str]:
    """Each row's padded cells, two spaces apart, without trailing spaces."""
    last = columns[-1] if columns else []
    stripped = _format_each(last, str.rstrip) if _repetitive(last) else list(map(str.rstrip, last))
    if not all(stripped):  # a blank last cell: the spaces before it go too
        return map(str.rstrip, map("  ".join, zip(*columns, strict=True)))
    return map("  ".join, zip(*columns[:-1], stripped, strict=True))


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    colours: Sequence[str | None] | None = None,
    colour: bool = False,
    align_right: Sequence[bool] | None = None,
) -> str:
    """A plain aligned table (CJK-aware); the status cell coloured with ANSI when asked.

    Every row has one cell per header; ``colours[j]`` colours the last cell of row ``j``.
    """
    if set(map(len, rows)) - {len(header)}:
        raise ValueError("text_table: every row needs one cell per column of the header")
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    right = align_right or [False] * len(header)
    paints: list[Sequence[str | None] | None] | None = None
    if colour and colours:
        paints = [None] * (len(header) - 1) + [[colours[j] for j in range(len(rows))]]
    return "\n".join(_table_lines(header, columns, right, paints))


# --------------------------------------------------------------------------- check


def _region_label(region: str | None, plan: dict[str, Any], lang: str) -> str:
    if region is not None:
        return region
    return plan.get("region") or LABELS[lang]["whole"]


def _result_fields(results: Sequence[Result]) -> dict[str, Sequence[Any]]:
    """The fields of results, column by column (results are tuples: one C call)."""
    from safeplan.evaluate import Result

    columns = zip(*results, strict=True) if results else repeat(())
    return dict(zip(Result._fields, columns, strict=False))


def _pair_columns(
    values: Sequence[float | int | None], thresholds: Sequence[float | int | None]
) -> tuple[list[str], list[str]]:
    """:func:`fmt_pair` of each value and threshold, each distinct number formatted once."""
    value_texts = _format_each(values, fmt_number)
    threshold_texts = _format_each(thresholds, fmt_number)
    # Unequal numbers that read the same need more digits: fmt_pair finds how many.
    for i in compress(range(len(values)), map(operator.eq, value_texts, threshold_texts)):
        if values[i] != thresholds[i]:
            value_texts[i], threshold_texts[i] = fmt_pair(values[i], thresholds[i])
    return value_texts, threshold_texts


def _result_columns(
    fields: dict[str, Sequence[Any]], plan: dict[str, Any], lang: str
) -> list[Sequence[str]]:
    """The cells of results (given by :func:`_result_fields`) as people read them, column
    by column: indicator, region, value, target, threshold, gap and status."""
    values, thresholds = _pair_columns(fields["value"], fields["threshold"])
    return [
        fields["name"],
        _format_each(fields["region"], lambda region: _region_label(region, plan, lang)),
        values,
        _format_each_object(
            fields["target"], lambda target: target_text(target, plan["baseline_year"], lang)
        ),
        thresholds,
        _format_each(fields["gap"], fmt_gap),
        list(map(LABELS[lang].__getitem__, fields["status"])),
    ]


def _headers(lang: str) -> list[str]:
    labels = LABELS[lang]
    return [
        labels[k] for k in ("indicator", "region", "value", "target", "threshold", "gap", "status")
    ]


_CHECK_RIGHT = (False, False, True, False, True, True, False)


def check_table(report: CheckReport, *, colour: bool = False, lang: str = "zh") -> str:
    """The terminal table of ``check``."""
    labels = LABELS[lang]
    fields = _result_fields(report.results)
    tally = Counter(fields["status"])
    counts = {s: tally[s] for s in ("met", "missed", "no_data")}
    title = labels["check_title"].format(name=report.plan["name"], year=report.year)
    columns = _result_columns(fields, report.plan, lang)
    paints = [None] * 6 + [list(map(_COLOURS.__getitem__, fields["status"]))] if colour else None
    table = _table_lines(_headers(lang), columns, _CHECK_RIGHT, paints)
    summary = labels["summary"].format(**counts)
    return "\n".join([title, "", *table, "", summary, ""])  # one copy of a long text


# --------------------------------------------------------------------------- JSON

_encode = json.JSONEncoder(ensure_ascii=False).encode


def dump_json(payload: dict[str, Any], *lists: str) -> str:
    """JSON with the top level indented and one item per line in the named lists.

    Readable, diff-friendly, and fast: each item goes through the C encoder, where
    ``json.dumps(indent=…)`` would fall back to the pure-Python one.
    """
    return _json_layout(
        (key, _json_items(value) if key in lists and isinstance(value, list) else _encode(value))
        for key, value in payload.items()
    )


def _json_items(items: list[Any]) -> list[str]:
    """The encoded items of a list, to be written one per line by :func:`_json_layout`."""
    if items and all(isinstance(v, dict) and v and next(iter(v)) == "id" for v in items):
        # One C call for the whole list, then a line break before each item: inside
        # strings a quote is escaped, so '}, {"id"' only occurs between items.
        return [_encode(items)[1:-1].replace('}, {"id": ', '},\n    {"id": ')]
    return list(map(_encode, items))


def _json_layout(fields: Iterable[tuple[str, str | list[str]]]) -> str:
    """The text of :func:`dump_json` from its top-level keys and encoded values.

    A value is encoded JSON, or a list of encoded items, written one item per line. The
    text is joined once: long texts are slow to copy.
    """
    out = ["{\n"]
    for key, value in fields:
        out += [",\n  " if len(out) > 1 else "  ", _encode(key), ": "]
        if isinstance(value, str):
            out.append(value)
        elif value:
            out.append("[\n    ")
            out += chain.from_iterable(zip(value, repeat(",\n    ")))
            out[-1] = "\n  ]"  # in place of the separator after the last item
        else:
            out.append("[]")
    out.append("\n}\n")
    return "".join(out)


def _json_scalars(values: Sequence[Any]) -> list[str]:
    """Each value as the JSON encoder writes it inside a list or object.

    One C call for the whole list, split at its separators; should an item's JSON hold a
    separator itself (a string or a list can: it then splits into too many parts), items
    are encoded one by one.
    """
    if not values:
        return []
    texts = _encode(list(values))[1:-1].split(", ")
    return texts if len(texts) == len(values) else list(map(_encode, values))


def _json_column(prefix: str, values: Sequence[Any]) -> list[Iterable[str]]:
    """``prefix`` and each value as the JSON encoder writes it, as pieces of text.

    Ids, regions, years, targets and thresholds repeat: each distinct one is encoded once,
    the prefix with it (see :func:`_by_distinct`; a dict by identity).
    """
    if values and type(values[0]) is dict and set(map(type, values)) == {dict}:
        return [_format_each_object(values, lambda value: prefix + _encode(value))]
    texts = _by_distinct(values, lambda distinct: [prefix + t for t in _json_scalars(distinct)])
    return [repeat(prefix), _json_scalars(values)] if texts is None else [texts]


def _json_objects(columns: dict[str, Sequence[Any]]) -> list[str]:
    """``encode(row)`` of each row of a table of values, given column by column."""
    pieces: list[Iterable[str]] = []
    for key, values in columns.items():
        pieces += _json_column(("{" if not pieces else ", ") + _encode(key) + ": ", values)
    pieces.append(repeat("}"))
    return list(map("".join, zip(*pieces, strict=False)))  # repeat() is endless


#: The keys of :meth:`Result.to_dict <safeplan.evaluate.Result.to_dict>`, in order: its fields.
_RESULT_KEYS = ("id", "name", "region", "year", "value", "target", "threshold", "gap", "status")


def _result_items(results: Sequence[Result]) -> list[str]:
    """``encode(r.to_dict())`` of each result."""
    fields = _result_fields(results)
    return _json_objects({key: fields[key] for key in _RESULT_KEYS})


def check_json(report: CheckReport) -> str:
    """``check --format json`` (CONTRACT §4): ``dump_json(report.to_dict(), "results")``."""
    head = {"schema_version": 1, "plan": report.plan, "year": report.year, "ok": report.ok}
    fields: list[tuple[str, str | list[str]]] = [(k, _encode(v)) for k, v in head.items()]
    return _json_layout([*fields, ("results", _result_items(report.results))])


# --------------------------------------------------------------------------- Markdown, CSV


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_escape_column(cells: Sequence[str]) -> Sequence[str]:
    """:func:`_md_escape` of each cell; the column itself when no cell needs escaping."""
    joined = "".join(cells)
    if "|" not in joined and "\n" not in joined:
        return cells
    return _format_each(cells, _md_escape)


def _markdown(header: Sequence[str], lines: Iterable[str]) -> list[str]:
    """The lines of a Markdown table, from its header and the escaped, joined cells of each row."""
    out = ["| " + " | ".join(_md_escape(h) for h in header) + " |"]
    out.append("|" + "|".join("---" for _ in header) + "|")
    out.extend(map("| {} |".format, lines))
    return out


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = _markdown(header, (" | ".join(_md_escape(c) for c in row) for row in rows))
    return "\n".join([*lines, ""])


def _markdown_columns(header: Sequence[str], columns: Sequence[Sequence[str]]) -> list[str]:
    """The lines of :func:`markdown_table`, from columns of cells (all of one length)."""
    return _markdown(header, map(" | ".join, zip(*map(_md_escape_column, columns), strict=True)))


def check_markdown(report: CheckReport, *, lang: str = "zh") -> str:
    """``check --format markdown``."""
    labels = LABELS[lang]
    columns = _result_columns(_result_fields(report.results), report.plan, lang)
    title = labels["check_title"].format(name=report.plan["name"], year=report.year)
    table = _markdown_columns(_headers(lang), columns)
    return "\n".join([f"## {_md_escape(title)}", "", *table, ""])


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


def _csv_rows(fields: dict[str, Sequence[Any]]) -> Iterable[tuple[object, ...]]:
    """The CSV rows (:data:`CSV_FIELDS`) of results given by :func:`_result_fields`."""
    from safeplan.spreadsheet import escape_text

    columns: list[Sequence[Any]] = [
        fields["id"],
        _format_each(fields["name"], escape_text),
        _format_each(fields["region"], lambda x: "" if x is None else escape_text(x)),
        fields["year"],
        _csv_numbers(fields["value"]),
        [t["kind"] for t in fields["target"]],
        _format_each_object(fields["target"], _csv_target_value),
        _csv_numbers(fields["threshold"]),
        _csv_numbers(fields["gap"]),
        fields["status"],
    ]
    return zip(*columns, strict=True)


def _csv_target_value(target: dict[str, Any]) -> str:
    return "true" if target["kind"] == "yoy_decline" else _csv_number(target["value"])


def results_csv(results: Sequence[Result]) -> str:
    """Results as CSV (machine-readable: unrounded numbers, stable English headers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    writer.writerows(_csv_rows(_result_fields(results)))
    return buffer.getvalue()


def _csv_number(value: float | int | None) -> str:
    return "" if value is None else repr(value)


def _csv_numbers(values: Sequence[float | int | None]) -> list[str]:
    """:func:`_csv_number` of each value (each distinct one once, where that is safe)."""

    def each(values: Sequence[float | int | None]) -> list[str]:
        return ["" if value is None else repr(value) for value in values]

    return _by_distinct(values, each) or each(values)


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


def _outlook_columns(outlook: Sequence[Outlook | None], lang: str) -> list[list[str]]:
    """The outlook cells as people read them, column by column: latest year, latest value,
    final threshold, projected value, on track, required change (all "—" without one)."""
    labels = LABELS[lang]

    def track(on_track: bool | None) -> str:
        return labels["unknown"] if on_track is None else labels["yes" if on_track else "no"]

    def numbers(name: str) -> list[str]:
        return _format_each([None if o is None else getattr(o, name) for o in outlook], fmt_number)

    return [
        ["—" if o is None or o.latest_year is None else str(o.latest_year) for o in outlook],
        numbers("latest_value"),
        numbers("final_threshold"),
        numbers("projected_value"),
        ["—" if o is None else track(o.on_track) for o in outlook],
        [
            "—"
            if o is None or o.required_annual_change_pct is None
            else f"{o.required_annual_change_pct:+.2f}"
            for o in outlook
        ],
    ]


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
        [names[iid] for iid, _ in keys],
        _format_each([region for _, region in keys], lambda r: _region_label(r, plan, lang)),
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
    return "\n".join([title, "", *table, "", legend, ""])


_OUTLOOK_KEYS = (
    "id",
    "region",
    "latest_year",
    "latest_value",
    "final_threshold",
    "projected_value",
    "on_track",
    "required_annual_change_pct",
)


def _outlook_items(outlook: Sequence[Outlook]) -> list[str]:
    """``encode(o.to_dict())`` of each outlook: its fields but ``latest_status``."""
    return _json_objects({key: [getattr(o, key) for o in outlook] for key in _OUTLOOK_KEYS})


def gap_json(report: GapReport) -> str:
    """``gap --format json`` (CONTRACT §6): ``dump_json(report.to_dict(), "rows", "outlook")``."""
    return _json_layout(
        [
            ("schema_version", _encode(1)),
            ("plan", _encode(report.plan)),
            ("rows", _result_items(report.rows)),
            ("outlook", _outlook_items(report.outlook)),
        ]
    )


def gap_markdown(report: GapReport, *, lang: str = "zh") -> str:
    """``gap --format markdown``: the rows and the outlook."""
    labels = LABELS[lang]
    plan = report.plan
    fields = _result_fields(report.rows)
    columns = _result_columns(fields, plan, lang)
    columns.insert(2, list(map(str, fields["year"])))
    header = [labels["indicator"], labels["region"], labels["year"], *_headers(lang)[2:]]
    names = dict(zip(fields["id"], fields["name"], strict=True))
    outlook_columns = [
        [names.get(o.id, o.id) for o in report.outlook],
        _format_each([o.region for o in report.outlook], lambda r: _region_label(r, plan, lang)),
        *_outlook_columns(report.outlook, lang),
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
        name=plan["name"], first=plan["baseline_year"], last=max(fields["year"], default="")
    )
    return "\n".join(
        [
            f"## {_md_escape(title)}",
            "",
            *_markdown_columns(header, columns),
            "",
            f"### {labels['outlook'].format(year=plan['target_year'])}",
            "",
            *_markdown_columns(outlook_header, outlook_columns),
            "",
        ]
    )


def _csv_outlook(o: Outlook) -> tuple[object, ...]:
    return (
        "" if o.latest_year is None else o.latest_year,
        _csv_number(o.latest_value),
        _csv_number(o.final_threshold),
        _csv_number(o.projected_value),
        "" if o.on_track is None else str(o.on_track).lower(),
        _csv_number(o.required_annual_change_pct),
    )


def gap_csv(report: GapReport) -> str:
    """``gap --format csv``: the rows, then the outlook columns joined on each row's key."""
    outlook = {(o.id, o.region): o for o in report.outlook}
    extra = {key: _csv_outlook(o) for key, o in outlook.items()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *_OUTLOOK_KEYS[2:]])  # id and region are CSV_FIELDS
    fields = _result_fields(report.rows)
    keys = zip(fields["id"], fields["region"], strict=True)
    # A row without an outlook has no outlook columns at all, as before.
    tails = map(extra.get, keys, repeat(()))
    writer.writerows(map(operator.add, _csv_rows(fields), tails))
    return buffer.getvalue()
