"""``safeplan classify``: every accident record with its class and why, and a summary.

The class of each record comes from :mod:`safeplan.domain.classes` (国务院令第493号 第三条); the
reason names the measure(s) that decided it, e.g. ``重大: 直接经济损失 5000 万元 ≥ 5000``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeplan.domain.classes import CLASS_NAMES_EN, CLASS_NAMES_ZH, CLASSES
from safeplan.findings import ValidationReport
from safeplan.ingest.load import InvalidDataError, used_columns
from safeplan.ingest.records import load_records
from safeplan.plan import Plan


@dataclass
class Classified:
    """The classified records of one dataset and the counts by year (× region) × class."""

    dataset: str
    file: str
    records: list[dict[str, Any]]
    summary: list[dict[str, Any]]


def classify_plan(plan: Plan, dataset: str | None = None) -> Classified:
    """Read, check and classify a records dataset (the first one unless named)."""
    dataset = plan.records_dataset(dataset)
    source = plan.sources[dataset]
    loaded, findings = load_records(plan, source, used_columns(plan)[dataset])
    report = ValidationReport(findings=findings, files=[source.display])
    if loaded is None or not report.valid:
        raise InvalidDataError(report)
    records = loaded.derived
    assert records is not None, "a records dataset has its records"
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
                # Not recorded (blank or a dash) is None: shown blank, never as 0.
                "serious_injuries": records.injuries_of(i),
                "direct_loss": records.loss_of(i),
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
