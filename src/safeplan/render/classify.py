"""``safeplan classify`` rendered: each record with its class and why, and the summary."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from safeplan.domain.classes import CLASSES
from safeplan.render.csv import BOM
from safeplan.render.escape import escape_terminal, escape_text
from safeplan.render.json import dump_json
from safeplan.render.table import text_table

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


def _record_cells(r: dict[str, Any], lang: str) -> list[str]:
    return [
        str(r["line"]),
        r["date"],
        r["region"] or "",
        r["sector"] or "",
        str(r["deaths"]),
        str(r["serious_injuries"]),
        r["direct_loss"],
        r[f"class_{lang}"],
        r[f"reason_{lang}"],
    ]


def render(
    result: Classified, fmt: str, *, lang: str = "zh", width: int | None = None
) -> str | bytes:
    """Render in ``table`` (fitted to ``width``: the reasons wrap), ``csv`` (with a UTF-8
    BOM for Excel), ``json`` or ``xlsx`` (dates as dates)."""
    has_region = any(r["region"] is not None for r in result.records) or any(
        "region" in s for s in result.summary
    )
    summary_keys = [k for k in _SUMMARY_KEYS if has_region or k != "region"]
    summary_headers = [
        h for h, k in zip(_SUMMARY_HEADERS[lang], _SUMMARY_KEYS, strict=True) if k in summary_keys
    ]
    if fmt == "json":
        payload = {
            "schema_version": 1,
            "dataset": result.dataset,
            "file": result.file,
            "records": result.records,
            "summary": result.summary,
        }
        return dump_json(payload, "records", "summary")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write(BOM)
        writer = csv.writer(buffer, lineterminator="\n")
        keys = [
            "line",
            "date",
            "year",
            "region",
            "sector",
            "deaths",
            "serious_injuries",
            "direct_loss",
            "class",
            f"class_{lang}",
            f"reason_{lang}",
        ]
        writer.writerow(keys)
        for r in result.records:
            writer.writerow(
                [
                    escape_text(str(r[k]))
                    if isinstance(r[k], str)
                    else ("" if r[k] is None else r[k])
                    for k in keys
                ]
            )
        return buffer.getvalue()
    if fmt == "xlsx":
        from safeplan.render.xlsx import Column, ColumnKind, Sheet, write_xlsx

        record_keys = [
            "line",
            "date",
            "region",
            "sector",
            "deaths",
            "serious_injuries",
            "direct_loss",
            f"class_{lang}",
            f"reason_{lang}",
        ]
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
        rows = [
            {
                **r,
                "direct_loss": None if r["direct_loss"] in (None, "") else float(r["direct_loss"]),
            }
            for r in result.records
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
    records = text_table(
        _RECORD_HEADERS[lang],
        [list(map(escape_terminal, _record_cells(r, lang))) for r in result.records],
        align_right=[True, False, False, False, True, True, True, False, False],
        wraps=[False, False, True, True, False, False, False, False, True],
        width=width,
    )
    summary = text_table(
        summary_headers,
        [
            [str(s.get(k) or "") if k == "region" else str(s[k]) for k in summary_keys]
            for s in result.summary
        ],
        align_right=[k != "region" for k in summary_keys],
        width=width,
    )
    title = (
        "事故分级（国务院令第493号）"
        if lang == "zh"
        else "Accident classes (State Council Decree 493)"
    )
    sub = "分级汇总" if lang == "zh" else "Summary"
    return f"{title} — {escape_terminal(result.file)}\n\n{records}\n\n{sub}\n\n{summary}\n"


def render_table(result: Classified, options: Options) -> str:
    """``classify --format table``."""
    return str(render(result, "table", lang=options.lang, width=options.width))


def render_csv(result: Classified, options: Options) -> str:
    """``classify --format csv``."""
    return str(render(result, "csv", lang=options.lang))


def render_json(result: Classified, options: Options) -> str:
    """``classify --format json``."""
    return str(render(result, "json", lang=options.lang))


def render_xlsx(result: Classified, options: Options) -> bytes:
    """``classify --format xlsx``."""
    data = render(result, "xlsx", lang=options.lang)
    assert isinstance(data, bytes)
    return data
