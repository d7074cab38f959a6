"""CSV: unrounded numbers, text safe from formulas, a UTF-8 BOM so that Excel on Chinese
Windows opens it as UTF-8.

The header is the stable English field names scripts rely on; columns are only ever
added at the end (``unit``, ``attribute``, ``baseline_value``, ``change_pct``). Asked for
explicitly with ``--lang zh`` (or ``en``), the header is in that language and the words in
the cells (status, attribute, on track) too, for people who open the file in Excel.
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any, cast

from safeplan.render.batch import _by_distinct, _format_each, _format_each_object, _repetitive
from safeplan.render.columns import _result_fields
from safeplan.render.escape import escape_text, escape_texts
from safeplan.render.json import _OUTLOOK_KEYS, CHUNK
from safeplan.render.labels import LABELS, whole_label

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, GapReport, Outlook, Result
    from safeplan.render import Options

BOM = "\ufeff"
"""Starts every CSV safeplan writes: Excel reads the file as UTF-8 only with it."""

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
#: Columns added after :data:`CSV_FIELDS` (and, in ``gap``, after the outlook).
EXTRA_FIELDS = ["unit", "attribute", "baseline_value", "change_pct"]

#: The header in Chinese, for ``--lang zh``.
ZH_HEADERS = {
    "id": "指标代码",
    "name": "指标名称",
    "region": "地区",
    "year": "年份",
    "value": "实际值",
    "target_kind": "目标类型",
    "target_value": "目标值",
    "threshold": "本年阈值",
    "gap": "差距",
    "status": "完成情况",
    "unit": "单位",
    "attribute": "指标属性",
    "baseline_value": "基期值",
    "change_pct": "较基期变化(%)",
    "latest_year": "最新年份",
    "latest_value": "最新值",
    "final_threshold": "目标年阈值",
    "projected_value": "趋势外推值",
    "on_track": "能否如期实现",
    "required_annual_change_pct": "所需年均变化(%)",
}


def _header(fields: Sequence[str], lang: str | None) -> list[str]:
    return [ZH_HEADERS[f] for f in fields] if lang == "zh" else list(fields)


def _csv_rows(
    fields: dict[str, Sequence[Any]],
    indicators: Mapping[str, Mapping[str, Any]],
    plan: Mapping[str, Any],
    lang: str | None,
) -> list[Sequence[Any]]:
    """The CSV columns (:data:`CSV_FIELDS`, then :data:`EXTRA_FIELDS`) of results given by
    :func:`_result_fields`."""
    whole = whole_label(plan, lang) if lang else ""
    words = LABELS[lang or "en"]
    status: Sequence[Any] = fields["status"]
    if lang:
        status = _format_each(status, lambda s: words[f"{s}_word"])
    facts = [indicators.get(i, {}) for i in fields["id"]]
    columns: list[Sequence[Any]] = [
        fields["id"],
        _format_each(fields["name"], escape_text),
        _format_each(fields["region"], lambda x: whole if x is None else escape_text(x)),
        fields["year"],
        _csv_numbers(fields["value"]),
        ["" if t is None else t["kind"] for t in fields["target"]],
        _format_each_object(fields["target"], _csv_target_value),
        _csv_numbers(fields["threshold"]),
        _csv_numbers(fields["gap"]),
        status,
        [escape_text(str(f.get("unit") or "")) for f in facts],
        [
            (words[a] if lang and a in ("binding", "expected") else a or "")
            for a in (f.get("attribute") for f in facts)
        ],
        _csv_numbers(fields["baseline_value"]),
        _csv_numbers(fields["change_pct"]),
    ]
    return columns


def _csv_target_value(target: dict[str, Any] | None) -> str:
    if target is None:
        return ""
    return "true" if target["kind"] == "yoy_decline" else _csv_number(target["value"])


def _write(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def results_csv(
    results: Sequence[Result],
    indicators: Mapping[str, Mapping[str, Any]] | None = None,
    plan: Mapping[str, Any] | None = None,
    lang: str | None = None,
) -> str:
    """Results as CSV: unrounded numbers; English field names unless ``lang`` is given."""
    columns = _csv_rows(_result_fields(results), indicators or {}, plan or {}, lang)
    rows = zip(*columns, strict=True)
    return _write(_header([*CSV_FIELDS, *EXTRA_FIELDS], lang), rows)


def csv_cells(values: Sequence[str | int | None]) -> list[str]:
    """Each value as ``csv.writer`` writes it among the fields of a row: text made safe
    with :func:`escape_text` (and quoted where it must be), an int as ``str``, None empty.

    For columns of a million records: each distinct value once where they repeat, and in
    C where they do not (most texts need neither escaping nor quotes).
    """
    kinds = set(map(type, values))
    if kinds <= {int}:
        return list(map(str, values))
    if kinds <= {int, type(None)}:
        return ["" if v is None else str(v) for v in values]
    if not kinds <= {str, type(None)}:
        raise TypeError(f"csv_cells: only text, ints and None, not {kinds}")
    texts = cast(
        "list[str]", ["" if v is None else v for v in values] if type(None) in kinds else values
    )
    return (_repetitive(texts) and _by_distinct(texts, _csv_texts)) or _csv_texts(texts)


def _csv_texts(texts: list[str]) -> list[str]:
    """:func:`csv_cells` of texts."""
    texts = escape_texts(texts)
    joined = "".join(texts)
    if not any(char in joined for char in ',"\r\n'):
        return texts  # nothing to quote
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if "\n" in joined or "\r" in joined:
        cells = []
        for text in texts:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow((text, ""))
            cells.append(buffer.getvalue()[:-2])
        return cells
    # Each text with an empty field after it: "cell,\n" per row, and no text holds "\n".
    writer.writerows(zip(texts, repeat("")))
    return buffer.getvalue().split(",\n")[:-1]


def _csv_number(value: float | int | None) -> str:
    return "" if value is None else repr(value)


def _csv_numbers(values: Sequence[float | int | None]) -> list[str]:
    """:func:`_csv_number` of each value (each distinct one once, where that is safe)."""

    def each(values: Sequence[float | int | None]) -> list[str]:
        return ["" if value is None else repr(value) for value in values]

    return _by_distinct(values, each) or each(values)


def _csv_outlook(o: Outlook, lang: str | None) -> tuple[object, ...]:
    words = LABELS[lang or "en"]
    on_track = "" if o.on_track is None else str(o.on_track).lower()
    if lang and o.on_track is not None:
        on_track = words["yes" if o.on_track else "no"]
    return (
        "" if o.latest_year is None else o.latest_year,
        _csv_number(o.latest_value),
        _csv_number(o.final_threshold),
        _csv_number(o.projected_value),
        on_track,
        _csv_number(o.required_annual_change_pct),
    )


def gap_csv(report: GapReport, lang: str | None = None) -> str:
    """``gap --format csv``: the rows, the outlook columns joined on each row's key, then
    :data:`EXTRA_FIELDS`."""
    return "".join(stream_gap_csv(report, lang))


def stream_gap_csv(report: GapReport, lang: str | None = None, chunk: int = CHUNK) -> Iterator[str]:
    """The text of :func:`gap_csv`, piece by piece: ``chunk`` rows at a time, so that a
    national report is written without holding all of its text in memory."""
    outlook = {(o.id, o.region): o for o in report.outlook}
    extra = {key: _csv_outlook(o, lang) for key, o in outlook.items()}
    empty = ("",) * (len(_OUTLOOK_KEYS) - 2)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_header([*CSV_FIELDS, *_OUTLOOK_KEYS[2:], *EXTRA_FIELDS], lang))
    for start in range(0, len(report.rows), chunk):
        fields = _result_fields(report.rows[start : start + chunk])
        columns = _csv_rows(fields, report.indicators, report.plan, lang)
        base = zip(*columns[: len(CSV_FIELDS)], strict=True)
        ends = zip(*columns[len(CSV_FIELDS) :], strict=True)
        keys = zip(fields["id"], fields["region"], strict=True)
        tails = map(extra.get, keys, repeat(empty))
        writer.writerows(map(operator.add, map(operator.add, base, tails), ends))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# --------------------------------------------------------------------------- registry


def render_check(report: CheckReport, options: Options) -> str:
    """``check --format csv``."""
    return results_csv(report.results, report.indicators, report.plan, options.csv_lang)


def render_gap(report: GapReport, options: Options) -> str:
    """``gap --format csv``."""
    return gap_csv(report, options.csv_lang)


def stream_gap(report: GapReport, options: Options) -> Iterator[str]:
    """``gap --format csv``, piece by piece (:func:`stream_gap_csv`)."""
    return stream_gap_csv(report, options.csv_lang)
