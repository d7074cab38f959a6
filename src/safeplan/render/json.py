"""JSON documents, fast: each result encoded by the C encoder, one item per line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

from safeplan.render.batch import _by_distinct, _format_each_object
from safeplan.render.columns import _fields, _result_fields

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
    are encoded one by one. Numbers go through :func:`_number_texts`.
    """
    if not values:
        return []
    texts = _number_texts(values)
    if texts is None:
        texts = _encode(list(values))[1:-1].split(", ")
    return texts if len(texts) == len(values) else list(map(_encode, values))


def _number_texts(values: Sequence[Any]) -> list[str] | None:
    """The JSON of numbers (ints, floats, booleans and None), exactly as the standard
    encoder writes them, mostly by orjson; ``None`` for a list holding anything else.

    Writing floats is most of the time of a large JSON report, and orjson writes them
    several times faster. Both write the shortest text that reads back as the same float,
    but orjson lays out some differently: 1e-05 as ``0.00001``, 1e-07 as ``1e-7``, NaN as
    ``null``. Those items (any exponent, four zeros after a point, any ``null``) are
    written again by the standard encoder; in the remaining range (1e-4 ≤ |x| < 1e16) the
    texts are the same (``tests/test_render_json.py`` compares them on a million floats).
    """
    import orjson

    items = values if isinstance(values, list) else list(values)
    try:
        raw = orjson.dumps(items)
    except TypeError:  # orjson.JSONEncodeError: an int beyond 64 bits, an unknown type
        return None
    if b'"' in raw or b"{" in raw[1:] or b"[" in raw[1:]:
        return None  # strings, objects, lists: commas inside, and escapes of their own
    texts = raw[1:-1].decode("ascii").split(",") if len(raw) > 2 else []
    exponents = raw.count(b"e") - raw.count(b"true") - raw.count(b"false")
    if exponents or b"0.0000" in raw or raw.count(b"null") != items.count(None):
        texts = [
            _encode(value)
            if "e" in text or "0.0000" in text or (text == "null" and value is not None)
            else text
            for text, value in zip(texts, items, strict=True)
        ]
    return texts


def _json_column(prefix: str, values: Sequence[Any]) -> list[Iterable[str]]:
    """``prefix`` and each value as the JSON encoder writes it, as pieces of text.

    Ids, regions, years, targets and thresholds repeat: each distinct one is encoded once,
    the prefix with it (see :func:`_by_distinct`; a dict by identity).
    """
    if values and type(values[0]) is dict and set(map(type, values)) == {dict}:
        return [_format_each_object(values, lambda value: prefix + _encode(value))]
    texts = _by_distinct(values, lambda distinct: [prefix + t for t in _json_scalars(distinct)])
    return [repeat(prefix), _json_scalars(values)] if texts is None else [texts]


#: Between the items of a list written one per line (see :func:`_json_layout`).
_ITEM_SEPARATOR = ",\n    "


def _json_objects(columns: dict[str, Sequence[Any]]) -> list[str]:
    """``encode(row)`` of each row of a table of values, given column by column, already
    joined as :func:`_json_layout` writes list items: one text (none for no rows).

    Joined once over all the pieces: building each row's text first would copy it twice.
    """
    pieces: list[Iterable[str]] = []
    rows = 0
    for key, values in columns.items():
        rows = len(values)
        pieces += _json_column(("{" if not pieces else ", ") + _encode(key) + ": ", values)
    if not rows:
        return []
    pieces.append(chain(repeat("}" + _ITEM_SEPARATOR, rows - 1), ["}"]))
    return ["".join(chain.from_iterable(zip(*pieces, strict=False)))]  # repeat() is endless


#: The keys of :meth:`Result.to_dict <safeplan.evaluate.results.Result.to_dict>`, in order: its fields.
_RESULT_KEYS = ("id", "name", "region", "year", "value", "target", "threshold", "gap", "status")


def _result_items(results: Sequence[Result]) -> list[str]:
    """``encode(r.to_dict())`` of each result, joined (see :func:`_json_objects`)."""
    return _json_objects(_result_fields(results, _RESULT_KEYS))


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
    """``encode(o.to_dict())`` of each outlook (its fields up to ``latest_status``), joined
    (see :func:`_json_objects`)."""
    from safeplan.evaluate.results import Outlook

    return _json_objects(_fields(outlook, Outlook._fields, _OUTLOOK_KEYS))


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
                yield _ITEM_SEPARATOR.join(items)
                lead = _ITEM_SEPARATOR
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
