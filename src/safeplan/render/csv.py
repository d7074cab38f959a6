"""CSV for machines: unrounded numbers, stable English headers, text safe from formulas."""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

from safeplan.render.batch import _by_distinct, _format_each, _format_each_object
from safeplan.render.columns import _result_fields
from safeplan.render.escape import escape_text
from safeplan.render.json import _OUTLOOK_KEYS, CHUNK

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, GapReport, Outlook, Result
    from safeplan.render import Options

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
    return "".join(stream_gap_csv(report))


def stream_gap_csv(report: GapReport, chunk: int = CHUNK) -> Iterator[str]:
    """The text of :func:`gap_csv`, piece by piece: ``chunk`` rows at a time, so that a
    national report is written without holding all of its text in memory."""
    outlook = {(o.id, o.region): o for o in report.outlook}
    extra = {key: _csv_outlook(o) for key, o in outlook.items()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *_OUTLOOK_KEYS[2:]])  # id and region are CSV_FIELDS
    for start in range(0, len(report.rows), chunk):
        fields = _result_fields(report.rows[start : start + chunk])
        keys = zip(fields["id"], fields["region"], strict=True)
        # A row without an outlook has no outlook columns at all, as before.
        tails = map(extra.get, keys, repeat(()))
        writer.writerows(map(operator.add, _csv_rows(fields), tails))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# --------------------------------------------------------------------------- registry


def render_check(report: CheckReport, options: Options) -> str:
    """``check --format csv``."""
    return results_csv(report.results)


def render_gap(report: GapReport, options: Options) -> str:
    """``gap --format csv``."""
    return gap_csv(report)


def stream_gap(report: GapReport, options: Options) -> Iterator[str]:
    """``gap --format csv``, piece by piece (:func:`stream_gap_csv`)."""
    return stream_gap_csv(report)
