"""The analyst's Excel workbook of ``safeplan gap --format xlsx``.

Two sheets — the target-gap rows and the outlook — with Chinese (or English) headers,
number formats that suit each indicator (counts as integers, rates to 3–4 decimals),
missed cells filled, the header frozen and columns sized for CJK text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeplan.render import LABELS, target_text
from safeplan.spreadsheet import Column, Sheet, write_xlsx

if TYPE_CHECKING:
    from safeplan.evaluate import GapReport, Result

_METHOD = {
    "zh": [
        "说明：decline_pct 目标按基期值到目标年的直线路径（B×(1−P/100×f)）计算各年阈值；"
        "“以内”含本数。",
        "预计目标年值：过基期值与最新值的直线外推到目标年；所需年均变化% = ((目标年阈值÷最新值)^(1÷剩余年数)−1)×100。",
        "比率为 Σ分子 ÷ Σ分母（不是各地区比率的平均）。",
    ],
    "en": [
        "Note: decline_pct thresholds follow a straight glide path B×(1−P/100×f); a value on "
        "its threshold is met.",
        "Projected value: the line through the baseline and latest values, extended to the "
        "target year; required change = ((final ÷ latest)^(1 ÷ years left) − 1) × 100.",
        "Rates are Σ numerators ÷ Σ denominators, never an average of rates.",
    ],
}


def number_format(values: list[float | int], thresholds: list[float | int]) -> str:
    """Counts (whole values) as Excel's General — 35, and a glide-path 36.8 as it is;
    rates to 4 decimals when small, else 3."""
    if all(float(v).is_integer() for v in values):
        return "0" if all(float(t).is_integer() for t in thresholds) else "General"
    biggest = max((abs(v) for v in values + thresholds), default=0)
    return "0.0000" if biggest < 0.1 else "0.000"


def gap_workbook(report: GapReport, *, lang: str = "zh") -> bytes:
    """The workbook as .xlsx bytes."""
    labels = LABELS[lang]
    plan = report.plan
    region_name = plan.get("region") or labels["whole"]
    by_id: dict[str, list[Result]] = {}
    for r in report.rows:
        by_id.setdefault(r.id, []).append(r)
    formats = {
        iid: number_format(
            [r.value for r in rows if r.value is not None],
            [r.threshold for r in rows if r.threshold is not None],
        )
        for iid, rows in by_id.items()
    }
    names = {iid: rows[0].name for iid, rows in by_id.items()}
    rows = [
        {
            "id": r.id,
            "name": r.name,
            "region": r.region or region_name,
            "year": r.year,
            "value": r.value,
            "target": target_text(r.target, plan["baseline_year"], lang),
            "threshold": r.threshold,
            "gap": r.gap,
            "status": labels[r.status],
            "_missed": r.status == "missed",
        }
        for r in report.rows
    ]
    gap_sheet = Sheet(
        title="差距表" if lang == "zh" else "gap",
        columns=[
            Column("name", labels["indicator"]),
            Column("region", labels["region"]),
            Column("year", labels["year"], kind="int"),
            Column("value", labels["value"], kind="number"),
            Column("target", labels["target"]),
            Column("threshold", labels["threshold"], kind="number"),
            Column("gap", labels["gap"], kind="number"),
            Column("status", labels["status"]),
            Column("id", "id"),
        ],
        rows=rows,
        highlight=lambda row: bool(row["_missed"]),
        row_format=lambda row: formats.get(str(row["id"])),
        notes=_METHOD[lang],
    )
    track = {True: labels["yes"], False: labels["no"], None: labels["unknown"]}
    outlook_rows = [
        {
            "id": o.id,
            "name": names.get(o.id, o.id),
            "region": o.region or region_name,
            "latest_year": o.latest_year,
            "latest_value": o.latest_value,
            "final_threshold": o.final_threshold,
            "projected_value": o.projected_value,
            "on_track": track[o.on_track],
            "required": o.required_annual_change_pct,
            "_off": o.on_track is False,
        }
        for o in report.outlook
    ]
    outlook_sheet = Sheet(
        title=("展望" if lang == "zh" else "outlook"),
        columns=[
            Column("name", labels["indicator"]),
            Column("region", labels["region"]),
            Column("latest_year", labels["latest_year"], kind="int"),
            Column("latest_value", labels["latest_value"], kind="number"),
            Column("final_threshold", labels["final_threshold"], kind="number"),
            Column("projected_value", labels["projected_value"], kind="number"),
            Column("on_track", labels["on_track"]),
            Column("required", labels["required"], kind="percent", decimals=2),
            Column("id", "id"),
        ],
        rows=outlook_rows,
        highlight=lambda row: bool(row["_off"]),
        row_format=lambda row: formats.get(str(row["id"])),
        notes=[labels["outlook"].format(year=plan["target_year"]), *_METHOD[lang][1:2]],
    )
    return write_xlsx([gap_sheet, outlook_sheet])
