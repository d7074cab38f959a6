"""JSON documents, fast: each result encoded by the C encoder, one item per line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

from safeplan.render.batch import _by_distinct, _format_each_object
from safeplan.render.columns import _result_fields

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, GapReport, Outlook, Result
    from safeplan.render import Options

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


#: The keys of :meth:`Result.to_dict <safeplan.evaluate.results.Result.to_dict>`, in order: its fields.
_RESULT_KEYS = ("id", "name", "region", "year", "value", "target", "threshold", "gap", "status")


def _result_items(results: Sequence[Result]) -> list[str]:
    """``encode(r.to_dict())`` of each result."""
    fields = _result_fields(results)
    return _json_objects({key: fields[key] for key in _RESULT_KEYS})


def check_json(report: CheckReport) -> str:
    """``check --format json``: ``dump_json(report.to_dict(), "results")``."""
    head = {"schema_version": 1, "plan": report.plan, "year": report.year, "ok": report.ok}
    fields: list[tuple[str, str | list[str]]] = [(k, _encode(v)) for k, v in head.items()]
    return _json_layout([*fields, ("results", _result_items(report.results))])


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
    """``gap --format json``: ``dump_json(report.to_dict(), "rows", "outlook")``."""
    return "".join(stream_gap_json(report))


#: Results encoded at a time by :func:`stream_gap_json` (about 10 MB of text).
CHUNK = 50_000


def stream_gap_json(report: GapReport, chunk: int = CHUNK) -> Iterator[str]:
    """The text of :func:`gap_json`, piece by piece: never more than ``chunk`` rows encoded
    at once, so a national report (millions of rows) is written without holding its whole
    text (and every row's pieces) in memory."""
    rows, outlook = report.rows, report.outlook
    return stream_json(
        [("schema_version", 1), ("plan", report.plan)],
        [
            ("rows", (_result_items(rows[a : a + chunk]) for a in range(0, len(rows), chunk))),
            (
                "outlook",
                (_outlook_items(outlook[a : a + chunk]) for a in range(0, len(outlook), chunk)),
            ),
        ],
    )


def stream_json(
    head: Sequence[tuple[str, Any]], lists: Iterable[tuple[str, Iterable[list[str]]]]
) -> Iterator[str]:
    """The text of :func:`dump_json` of the keys of ``head`` (encoded whole) followed by
    the lists in ``lists``, piece by piece: each list is given as its key and its items,
    already encoded, a chunk of them at a time."""
    for i, (key, value) in enumerate(head):
        yield ("{\n  " if i == 0 else ",\n  ") + _encode(key) + ": " + _encode(value)
    for key, chunks in lists:
        yield ",\n  " + _encode(key) + ": "
        lead = "[\n    "
        for items in chunks:
            if items:
                yield lead  # apart: a chunk's text is megabytes, not to be copied again
                yield ",\n    ".join(items)
                lead = ",\n    "
        yield "[]" if lead == "[\n    " else "\n  ]"
    yield "\n}\n"


# --------------------------------------------------------------------------- registry


def render_check(report: CheckReport, options: Options) -> str:
    """``check --format json``."""
    return check_json(report)


def render_gap(report: GapReport, options: Options) -> str:
    """``gap --format json``."""
    return gap_json(report)


def stream_gap(report: GapReport, options: Options) -> Iterator[str]:
    """``gap --format json``, piece by piece (:func:`stream_gap_json`)."""
    return stream_gap_json(report)
