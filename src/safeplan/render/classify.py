"""``safeplan classify`` rendered: each record with its class and why, and the summary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from safeplan.domain.classes import CLASSES
from safeplan.evaluate.classify import RECORD_FIELDS
from safeplan.render.csv import BOM, csv_cells
from safeplan.render.escape import escape_terminal
from safeplan.render.json import _encode, _json_scalars, stream_json
from safeplan.render.table import stream_table_lines, text_table

if TYPE_CHECKING:
    from safeplan.evaluate.classify import Classified
    from safeplan.render import Options


_RECORD_HEADERS = {
    "zh": ["行", "日期", "地区", "行业", "死亡", "重伤", "直接经济损失(万元)", "等级", "依据"],
    "en": [
        "line",
        "date",
        "region",
        "sector",
        "deaths",
        "serious injuries",
        "direct loss (10k yuan)",
        "class",
        "reason",
    ],
}
_SUMMARY_HEADERS = {
    "zh": ["年份", "地区", "事故起数", "一般", "较大", "重大", "特别重大", "重特大", "较大及以上"],
    "en": [
        "year",
        "region",
        "accidents",
        "general",
        "larger",
        "major",
        "especially major",
        "major or above",
        "larger or above",
    ],
}
_SUMMARY_KEYS = ["year", "region", "accidents", *CLASSES, "major_or_above", "larger_or_above"]


def render(
    result: Classified, fmt: str, *, lang: str = "zh", width: int | None = None
) -> str | bytes:
    """Render in ``table`` (fitted to ``width``: the reasons wrap), ``csv`` (with a UTF-8
    BOM for Excel), ``json`` or ``xlsx`` (dates as dates)."""
    if fmt == "json":
        return "".join(stream_json_text(result))
    if fmt == "csv":
        keys = _csv_keys(lang)
        return _csv_header(keys) + b"".join(_csv_records(result, keys)).decode("utf-8")
    summary_keys, summary_headers = _summary_columns(result, lang)
    if fmt == "xlsx":
        from safeplan.render.xlsx import Column, ColumnKind, Sheet, write_xlsx

        record_keys = _shown_keys(lang)
        kinds: list[ColumnKind] = [
            "int",
            "date",
            "text",
            "text",
            "int",
            "int",
            "number",
            "text",
            "text",
        ]
        columns = result.fields([*record_keys, "class"])
        columns["direct_loss"] = [
            None if loss in (None, "") else float(loss) for loss in columns["direct_loss"]
        ]
        rows = [
            dict(zip(columns, values, strict=True))
            for values in zip(*columns.values(), strict=True)
        ]
        sheets = [
            Sheet(
                title="事故分级" if lang == "zh" else "records",
                columns=[
                    Column(k, h, kind=kd)
                    for k, h, kd in zip(record_keys, _RECORD_HEADERS[lang], kinds, strict=True)
                ],
                rows=rows,
                highlight=lambda r: r["class"] != "general",
            ),
            Sheet(
                title="分级汇总" if lang == "zh" else "summary",
                columns=[
                    Column(k, h, kind="text" if k == "region" else "int")
                    for k, h in zip(summary_keys, summary_headers, strict=True)
                ],
                rows=result.summary,
                highlight=lambda r: bool(r["major_or_above"]),
            ),
        ]
        return write_xlsx(sheets)
    return "".join(stream_table_text(result, lang=lang, width=width))


def stream_table_text(
    result: Classified, *, lang: str = "zh", width: int | None = None
) -> Iterator[str]:
    """``classify --format table``, a chunk of records at a time (two passes over them:
    every column is measured before the first row is written)."""
    keys = _shown_keys(lang)
    summary_keys, summary_headers = _summary_columns(result, lang)
    records = stream_table_lines(
        _RECORD_HEADERS[lang],
        lambda: result.chunks(keys, _terminal_cells),
        [True, False, False, False, True, True, True, False, False],
        wraps=[False, False, True, True, False, False, False, False, True],
        width=width,
    )
    title = (
        "事故分级（国务院令第493号）"
        if lang == "zh"
        else "Accident classes (State Council Decree 493)"
    )
    yield f"{title} — {escape_terminal(result.file)}\n\n" + "\n".join(next(records))
    for lines in records:
        if lines:
            yield "\n" + "\n".join(lines)
    summary = text_table(
        summary_headers,
        [
            [str(s.get(k) or "") if k == "region" else str(s[k]) for k in summary_keys]
            for s in result.summary
        ],
        align_right=[k != "region" for k in summary_keys],
        width=width,
    )
    sub = "分级汇总" if lang == "zh" else "Summary"
    yield f"\n\n{sub}\n\n{summary}\n"


def _summary_columns(result: Classified, lang: str) -> tuple[list[str], list[str]]:
    """The keys and headers of the summary's columns (a region column only by region)."""
    pairs = [
        (k, h)
        for k, h in zip(_SUMMARY_KEYS, _SUMMARY_HEADERS[lang], strict=True)
        if result.has_region or k != "region"
    ]
    return [k for k, _ in pairs], [h for _, h in pairs]


def _terminal_cells(key: str, values: list[Any]) -> list[str]:
    """Cells of the records table: text made safe for a terminal, None blank."""
    return [escape_terminal("" if value is None else str(value)) for value in values]


def stream_csv_text(result: Classified, lang: str = "zh") -> Iterator[str | bytes]:
    """``classify --format csv``: the header, then the records a chunk at a time."""
    keys = _csv_keys(lang)
    yield _csv_header(keys)
    yield from _csv_records(result, keys)


def _csv_header(keys: list[str]) -> str:
    """The CSV's first line, after a UTF-8 BOM for Excel."""
    return BOM + ",".join(csv_cells(keys)) + "\n"


def _csv_keys(lang: str) -> list[str]:
    """The JSON fields in one language: the CSV columns."""
    other = "en" if lang == "zh" else "zh"
    return [k for k in RECORD_FIELDS if not k.endswith(f"_{other}")]


def _shown_keys(lang: str) -> list[str]:
    """The fields people read in a table or a workbook: no year (the date says it) and no
    class key."""
    return [k for k in _csv_keys(lang) if k not in ("year", "class")]


def _csv_records(result: Classified, keys: list[str]) -> Iterator[bytes]:
    """The CSV lines of the records, as UTF-8 (joined as bytes: no wide string of a million
    CJK reasons to build and then encode)."""

    def utf8_cells(key: str, values: list[Any]) -> list[bytes]:
        return [cell.encode("utf-8") for cell in csv_cells(values)]

    # Joined with "," once per date and per kind of record (numbers, class and reason).
    for columns in result.chunks(keys, utf8_cells, join=b",", once=True):
        yield b"\n".join(map(b",".join, zip(*columns, strict=True))) + b"\n"


def stream_json_text(result: Classified) -> Iterator[str]:
    """``classify --format json``, a chunk of records at a time."""

    def members(key: str, values: list[Any]) -> list[str]:
        prefix = _encode(key) + ": "
        return [prefix + text for text in _json_scalars(values)]

    records = (
        ["{" + ", ".join(row) + "}" for row in zip(*columns, strict=True)]
        for columns in result.chunks(RECORD_FIELDS, members, join=", ")
    )
    summary = result.summary
    return stream_json(
        [("schema_version", 1), ("dataset", result.dataset), ("file", result.file)],
        [("records", records), ("summary", [list(map(_encode, summary))])],
    )


def render_table(result: Classified, options: Options) -> str:
    """``classify --format table``."""
    return str(render(result, "table", lang=options.lang, width=options.width))


def stream_table(result: Classified, options: Options) -> Iterator[str]:
    """``classify --format table``, piece by piece."""
    return stream_table_text(result, lang=options.lang, width=options.width)


def render_csv(result: Classified, options: Options) -> str:
    """``classify --format csv``."""
    return str(render(result, "csv", lang=options.lang))


def stream_csv(result: Classified, options: Options) -> Iterator[str | bytes]:
    """``classify --format csv``, piece by piece."""
    return stream_csv_text(result, options.lang)


def render_json(result: Classified, options: Options) -> str:
    """``classify --format json``."""
    return str(render(result, "json", lang=options.lang))


def stream_json_pieces(result: Classified, options: Options) -> Iterator[str]:
    """``classify --format json``, piece by piece."""
    return stream_json_text(result)


def render_xlsx(result: Classified, options: Options) -> bytes:
    """``classify --format xlsx``."""
    data = render(result, "xlsx", lang=options.lang)
    assert isinstance(data, bytes)
    return data
