"""``safeplan classify``: every accident record with its class and why, and a summary.

The class of each record comes from :mod:`safeplan.classify` (国务院令第493号 第三条); the
reason names the measure(s) that decided it, e.g. ``重大: 直接经济损失 5000 万元 ≥ 5000``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from safeplan.classify import CLASS_NAMES_EN, CLASS_NAMES_ZH, CLASSES
from safeplan.config import Plan
from safeplan.errors import ConfigError
from safeplan.findings import ValidationReport


@dataclass
class Classified:
    """The classified records of one dataset and the counts by year (× region) × class."""

    dataset: str
    file: str
    records: list[dict[str, Any]]
    summary: list[dict[str, Any]]


def classify_plan(plan: Plan, dataset: str | None = None) -> Classified:
    """Read, check and classify a records dataset (the first one unless named)."""
    from safeplan.api import InvalidDataError
    from safeplan.data import used_columns
    from safeplan.records import load_records

    names = [n for n, s in plan.sources.items() if s.spec.records is not None]
    if not names:
        raise ConfigError(
            f"{plan.display}: no dataset is given as accident records",
            hint="declare one as  accidents: {records: data/accident_records.csv}",
        )
    if dataset is None:
        dataset = names[0]
    elif dataset not in names:
        raise ConfigError(f"no records dataset '{dataset}' (records datasets: {', '.join(names)})")
    source = plan.sources[dataset]
    loaded, findings = load_records(plan, source, used_columns(plan)[dataset])
    report = ValidationReport(findings=findings, files=[source.display])
    if loaded is None or not report.valid:
        raise InvalidDataError(report)
    records = loaded.derived
    table = records.table
    codes = records.classes.code
    rows = []
    columns = table.columns
    for i, row in enumerate(records.rows.tolist()):
        code = int(codes[i])
        rows.append(
            {
                "line": table.lines[row],
                "date": columns["date"][row] if "date" in columns else columns["year"][row],
                "year": int(records.year[i]),
                "region": columns["region"][row] if "region" in columns else None,
                "sector": columns["sector"][row] if "sector" in columns else None,
                "deaths": int(records.deaths[i]),
                "serious_injuries": int(records.injuries[i]),
                "direct_loss": records.loss_text(i),
                "class": CLASSES[code],
                "class_zh": CLASS_NAMES_ZH[code],
                "class_en": CLASS_NAMES_EN[code],
                "reason_zh": records.describe(i, "zh"),
                "reason_en": records.describe(i, "en"),
            }
        )
    frame = loaded.frame
    keys = ["year", "region"] if loaded.has_region else ["year"]
    summary = []
    for _, r in frame.iterrows():
        entry: dict[str, Any] = {k: (int(r[k]) if k == "year" else r[k]) for k in keys}
        entry["accidents"] = int(r["accidents"])
        entry.update({c: int(r[c]) for c in CLASSES})
        entry["major_or_above"] = int(r["major_or_above"])
        entry["larger_or_above"] = int(r["larger_or_above"])
        summary.append(entry)
    return Classified(dataset=dataset, file=source.display, records=rows, summary=summary)


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


def render(result: Classified, fmt: str, *, lang: str = "zh") -> str | bytes:
    """Render in ``table``, ``csv``, ``json`` or ``xlsx``."""
    from safeplan.render import text_table
    from safeplan.spreadsheet import escape_text

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
        from safeplan.render import dump_json

        return dump_json(payload, "records", "summary")
    if fmt == "csv":
        buffer = io.StringIO()
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
        from safeplan.spreadsheet import Column, ColumnKind, Sheet, write_xlsx

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
            "text",
            "text",
            "text",
            "int",
            "int",
            "number",
            "text",
            "text",
        ]
        rows = [{**r, "direct_loss": float(r["direct_loss"])} for r in result.records]
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
        [_record_cells(r, lang) for r in result.records],
        align_right=[True, False, False, False, True, True, True, False, False],
    )
    summary = text_table(
        summary_headers,
        [
            [str(s.get(k) or "") if k == "region" else str(s[k]) for k in summary_keys]
            for s in result.summary
        ],
        align_right=[k != "region" for k in summary_keys],
    )
    title = (
        "事故分级（国务院令第493号）"
        if lang == "zh"
        else "Accident classes (State Council Decree 493)"
    )
    sub = "分级汇总" if lang == "zh" else "Summary"
    return f"{title} — {result.file}\n\n{records}\n\n{sub}\n\n{summary}\n"
