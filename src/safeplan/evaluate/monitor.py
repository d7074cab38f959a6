"""``safeplan monitor THROUGH``: year-to-date 同比 from accident records, and the annual caps.

The period runs from 1 January to THROUGH; it is compared with the same dates a year earlier
(29 February → 28 February). Every record is counted by its date into the period, the
comparison period, the month of THROUGH (本月), that month a year earlier (本月同比) and
the month before (环比) — per region and sector group, with numpy ``bincount`` on the
records' region codes: no Python work per record.

Each annual cap (``max: X`` with X > 0 on a count derived from the records) that binds the
whole plan or a region in THROUGH's year is set against the share of the year elapsed
(时间过半、任务过半): a cap is *ahead* when more of it is used up than of the year.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain.classes import CLASS_MASKS, CLASS_NAMES_ZH, CLASSES, LARGER, MAJOR
from safeplan.domain.exact import number
from safeplan.errors import DataError
from safeplan.evaluate import binding
from safeplan.evaluate.periods import month_end, same_day_a_year_earlier, today
from safeplan.evaluate.results import _plan_dict
from safeplan.ingest.records import record_days

if TYPE_CHECKING:
    import numpy as np

    from safeplan.ingest.dataset import DataSet, Records
    from safeplan.plan import Plan

__all__ = ["MonitorReport", "Period", "evaluate_monitor"]

_EPOCH = date(1970, 1, 1)

#: Loss is summed as whole millionths of 万元 (1 分 = 0.000001 万元): exact for any ledger.
_LOSS_SCALE = 10**6


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> tuple[int, int]:
        """Both ends as day numbers (days since 1970-01-01)."""
        return (self.start - _EPOCH).days, (self.end - _EPOCH).days

    def to_dict(self) -> dict[str, str]:
        """``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}``."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass
class MonitorReport:
    """Year-to-date figures against the same period a year earlier, and the annual caps."""

    plan: dict[str, Any]
    dataset: str
    file: str
    through: date
    period: Period
    previous: Period
    month: Period
    """本月: the first of THROUGH's month through THROUGH."""
    month_previous: Period
    """The same dates of that month a year earlier (本月同比)."""
    last_month: Period
    """The month before (环比): the whole month when THROUGH ends its month, else the same
    days of it."""
    groups: list[str]
    rows: list[dict[str, Any]]
    caps: list[dict[str, Any]]
    elapsed_pct: float
    larger_or_above_accidents: list[dict[str, Any]] = field(default_factory=list)
    """Each 较大及以上 accident of the period: date, region, sector, class and its measures."""
    regions: list[str] = field(default_factory=list)
    units: dict[str, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """Warnings for the reader (not in the JSON): e.g. periods outside the ledger's years."""
    """The display unit of each capped indicator, by id."""

    @property
    def whole(self) -> dict[str, Any]:
        """The row of the whole plan, all records."""
        return next(r for r in self.rows if r["region"] is None and r["group"] is None)

    @property
    def ok(self) -> bool:
        """双下降 holds for the whole plan and no cap is ahead of the year."""
        return bool(self.whole["double_decline"]) and not any(c["ahead"] for c in self.caps)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``schema_version`` 2)."""
        return {
            "schema_version": 2,
            "plan": self.plan,
            "through": self.through.isoformat(),
            "period": self.period.to_dict(),
            "previous": self.previous.to_dict(),
            "rows": self.rows,
            "caps": self.caps,
            "ok": self.ok,
            "dataset": self.dataset,
            "month": self.month.to_dict(),
            "month_previous": self.month_previous.to_dict(),
            "last_month": self.last_month.to_dict(),
            "elapsed_pct": self.elapsed_pct,
            "larger_or_above_accidents": self.larger_or_above_accidents,
        }


def periods(through: date) -> dict[str, Period]:
    """The periods of a report through ``through``."""
    earlier = same_day_a_year_earlier(through)
    first = through.replace(day=1)
    before = first - timedelta(days=1)  # the last day of the month before
    if through == month_end(through.year, through.month):
        last_month = Period(before.replace(day=1), before)
    else:
        last_month = Period(before.replace(day=1), before.replace(day=min(through.day, before.day)))
    return {
        "period": Period(date(through.year, 1, 1), through),
        "previous": Period(date(through.year - 1, 1, 1), earlier),
        "month": Period(first, through),
        "month_previous": Period(earlier.replace(day=1), earlier),
        "last_month": last_month,
    }


def _refuse(plan: Plan, name: str, records: Records, through: date) -> None:
    """THROUGH must be a date the ledger covers: not after today, nor after ``through:``."""
    now = today()
    if through > now:
        raise DataError(
            f"统计截止日期 {through.isoformat()} 晚于今天（{now.isoformat()}）",
            hint="写已经过去的日期，如本月月底之前的日期或上个月：safeplan monitor YYYY-MM",
        )
    declared = plan.sources[name].spec.through
    if declared is not None and through > declared:
        raise DataError(
            f"事故台账 {name} 只统计到 {declared.isoformat()}（through:），"
            f"不能统计到 {through.isoformat()}",
            hint=f"写 {declared.isoformat()} 或更早的日期，或在台账补齐后更新 through:",
        )
    if "date" not in records.table.header:
        raise DataError(
            f"事故台账 {plan.sources[name].display} 只有年份、没有日期列：无法按日期统计年内情况",
            hint="给每起事故填写日期（日期列，YYYY-MM-DD）",
        )


@dataclass
class _Ledger:
    """The records inside the window of the report, as arrays."""

    day: np.ndarray[Any, Any]
    region: np.ndarray[Any, Any]
    """Index into the plan's regions (0 for every record when there are none)."""
    measures: dict[str, np.ndarray[Any, Any]]
    cls: np.ndarray[Any, Any]
    sector: np.ndarray[Any, Any] | None
    index: np.ndarray[Any, Any]
    """Index of each of these records among the kept records."""
    loss_exact: bool
    """Losses summed as whole millionths (exact); else as floats."""


def _ledger(
    records: Records, region_index: np.ndarray[Any, Any] | None, window: tuple[int, int]
) -> _Ledger:
    import numpy as np

    days = record_days(records.table)[records.rows]
    inside = np.flatnonzero((days >= window[0]) & (days <= window[1]))
    loss = records.loss if records.loss is not None else np.zeros(len(records.rows))
    loss = loss[inside]
    scaled = np.rint(loss * _LOSS_SCALE)
    # Losses written with at most six decimals are whole millionths: summed exactly.
    exact = bool(np.all(np.abs(loss * _LOSS_SCALE - scaled) <= 1e-6 * np.maximum(1, scaled)))
    exact = exact and float(scaled.sum()) < 2**53
    cls = records.classes.code[inside].astype("int64")
    region = (
        region_index[records.region_codes[0][inside]]
        if region_index is not None and records.region_codes is not None
        else np.zeros(len(inside), dtype="int64")
    )
    return _Ledger(
        day=days[inside],
        region=region,
        measures={
            "accidents": np.ones(len(inside)),
            "deaths": records.deaths[inside].astype("float64"),
            "serious_injuries": records.injuries[inside].astype("float64"),
            "direct_loss": scaled if exact else loss,
            "larger_or_above": (cls >= LARGER).astype("float64"),
            "major_or_above": (cls >= MAJOR).astype("float64"),
        },
        cls=cls,
        sector=records.sector_codes[0][inside] if records.sector_codes is not None else None,
        index=inside,
        loss_exact=exact,
    )


def _members(records: Records, ledger: _Ledger, group: str) -> np.ndarray[Any, Any]:
    """Which of the ledger's records belong to a sector group."""
    import numpy as np
    import pandas as pd

    if ledger.sector is None or records.sector_codes is None:
        return np.zeros(len(ledger.day), dtype=bool)
    distinct = pd.Index(records.sector_codes[1])
    member = np.append(distinct.isin(list(records.sectors[group])), False)
    picked: np.ndarray[Any, Any] = member[np.where(ledger.sector < 0, len(distinct), ledger.sector)]
    return picked


def _totals(
    ledger: _Ledger, mask: np.ndarray[Any, Any], n_regions: int
) -> dict[str, np.ndarray[Any, Any]]:
    """Each measure summed per region over the records in ``mask``; the whole plan last."""
    import numpy as np

    at = ledger.region[mask]
    out = {}
    for name, values in ledger.measures.items():
        per_region = np.bincount(at, weights=values[mask], minlength=n_regions)
        out[name] = np.append(per_region, per_region.sum())
    return out


def _change(current: np.ndarray[Any, Any], previous: np.ndarray[Any, Any]) -> list[float | None]:
    """(X − prev) × 100 ÷ prev, ``None`` where prev = 0 — one rounding, on whole numbers."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (current - previous) * 100 / previous
    return [
        None if p == 0 else float(c) for c, p in zip(pct.tolist(), previous.tolist(), strict=True)
    ]


def _counts(values: np.ndarray[Any, Any]) -> list[int]:
    out: list[int] = values.astype("int64").tolist()
    return out


def evaluate_monitor(
    plan: Plan, data: DataSet, through: date, dataset: str | None = None
) -> MonitorReport:
    """Year-to-date figures through ``through`` from a records dataset (the first unless
    named), against the same dates a year earlier, and every binding annual cap."""
    import numpy as np

    name = plan.records_dataset(dataset)
    ds = data.datasets[name]
    records = ds.derived
    assert records is not None, "a records dataset has its records"
    _refuse(plan, name, records, through)
    spans = periods(through)
    years = _ledger_years(plan, name, records, through)
    notes = _coverage_notes(plan.sources[name].display, years, spans)
    regions = list(data.regions) if ds.has_region else []
    region_index = None
    if ds.has_region and records.region_codes is not None:
        known = data.region_index()
        region_index = np.array(
            [known.get(str(label), 0) for label in records.region_codes[1]], dtype="int64"
        )
    start = min(span.days[0] for span in spans.values())
    ledger = _ledger(records, region_index, (start, spans["period"].days[1]))
    n = max(len(regions), 1)
    groups = list(records.sectors)
    member: dict[str | None, np.ndarray[Any, Any] | None] = {None: None}
    member.update({g: _members(records, ledger, g) for g in groups})
    totals: dict[tuple[str, str | None], dict[str, np.ndarray[Any, Any]]] = {}
    for key, span in spans.items():
        lo, hi = span.days
        inside = (ledger.day >= lo) & (ledger.day <= hi)
        for group, mask in member.items():
            totals[key, group] = _totals(ledger, inside if mask is None else inside & mask, n)
    rows = _rows(totals, regions, groups, ledger.loss_exact)
    year_days = 366 if calendar.isleap(through.year) else 365
    elapsed = (through - date(through.year, 1, 1)).days + 1
    caps = _caps(plan, data, name, records, ledger, spans["period"], regions, elapsed, year_days)
    return MonitorReport(
        plan=_plan_dict(plan),
        dataset=name,
        file=ds.file,
        through=through,
        period=spans["period"],
        previous=spans["previous"],
        month=spans["month"],
        month_previous=spans["month_previous"],
        last_month=spans["last_month"],
        groups=groups,
        rows=rows,
        caps=caps,
        elapsed_pct=elapsed * 100 / year_days,
        larger_or_above_accidents=_larger(records, ledger, spans["period"], regions),
        regions=regions,
        units={i.id: i.unit or _count_unit(i.value) for i in plan.indicators},
        notes=notes,
    )


def _ledger_years(plan: Plan, name: str, records: Records, through: date) -> tuple[int, int]:
    """The years the ledger covers: from its first record to its last, or to its through:
    date.

    Like ``check`` for a year absent from the data, a report the ledger cannot reach is
    refused: a ledger without records, or a period before its first record — there "no
    accidents" would mean "no data".
    """
    display = plan.sources[name].display
    years = records.year[records.year >= 0]
    hint = "选择台账覆盖的年份；台账已完整但本年尚无事故时，用 through: 写明统计截止日期"
    if not len(years):
        raise DataError(f"事故台账 {display} 没有记录：无法统计到 {through.isoformat()}", hint=hint)
    first, last = int(years.min()), int(years.max())
    declared = plan.sources[name].spec.through
    if declared is not None:
        last = max(last, declared.year)
    if through.year < first:
        raise DataError(
            f"事故台账 {display} 的记录覆盖 {first}—{last}年，不含 {through.year} 年："
            f"无法统计到 {through.isoformat()}",
            hint=hint,
        )
    return first, last


def _coverage_notes(display: str, years: tuple[int, int], spans: dict[str, Period]) -> list[str]:
    """A warning for each compared period outside the ledger's ``years``: after its last
    record (a quiet year, or a ledger not brought up to date: it cannot tell which) or the
    year before its first, counted as none."""
    first, last = years
    notes = []
    for key, label in (("period", "本期"), ("previous", "上年同期")):
        year = spans[key].start.year
        if not first <= year <= last:
            notes.append(
                f"{label}（{year}年）不在事故台账 {display} 的记录年份"
                f"（{first}—{last}年）内：按没有事故统计，请确认台账是否完整"
            )
    return notes


def _count_unit(ref: str | None) -> str | None:
    """The unit of a count of the records: 人 for deaths (and a group's deaths), else 起."""
    if ref is None:
        return None
    column = ref.split(".", 1)[1]
    return "人" if column == "deaths" or column.endswith("_deaths") else "起"


def _loss(values: np.ndarray[Any, Any], exact: bool) -> list[int | float | None]:
    if not exact:
        return [number(v) for v in values.tolist()]
    # Whole millionths (below 2^53, so exact in floats), divided once: IEEE division gives
    # the float nearest the exact decimal sum; whole sums stay ints.
    whole = values % _LOSS_SCALE == 0
    quotient = (values / _LOSS_SCALE).tolist()
    return [int(q) if w else q for q, w in zip(quotient, whole.tolist(), strict=True)]


def _rows(
    totals: dict[tuple[str, str | None], dict[str, np.ndarray[Any, Any]]],
    regions: list[str],
    groups: list[str],
    loss_exact: bool,
) -> list[dict[str, Any]]:
    """One row per region (the whole plan first) × group (all records first)."""
    order = [len(regions) if regions else 0, *range(len(regions))]
    names: list[str | None] = [None, *regions]
    rows: list[dict[str, Any]] = []
    per_group: dict[str | None, list[dict[str, Any]]] = {}
    for group in [None, *groups]:
        cur, prev = totals["period", group], totals["previous", group]
        month, month_prev = totals["month", group], totals["month_previous", group]
        last = totals["last_month", group]
        columns: dict[str, list[Any]] = {}
        for measure in ("accidents", "deaths", "larger_or_above"):
            columns[measure] = _counts(cur[measure])
        for measure in ("accidents", "deaths", "larger_or_above"):
            columns[f"prev_{measure}"] = _counts(prev[measure])
        columns["accidents_change_pct"] = _change(cur["accidents"], prev["accidents"])
        columns["deaths_change_pct"] = _change(cur["deaths"], prev["deaths"])
        acc, deaths = cur["accidents"], cur["deaths"]
        double = ((acc < prev["accidents"]) | (acc == 0)) & (
            (deaths < prev["deaths"]) | (deaths == 0)
        )
        columns["double_decline"] = double.tolist()
        columns["larger_or_above_change_pct"] = _change(
            cur["larger_or_above"], prev["larger_or_above"]
        )
        columns["major_or_above"] = _counts(cur["major_or_above"])
        columns["prev_major_or_above"] = _counts(prev["major_or_above"])
        columns["serious_injuries"] = _counts(cur["serious_injuries"])
        columns["prev_serious_injuries"] = _counts(prev["serious_injuries"])
        columns["serious_injuries_change_pct"] = _change(
            cur["serious_injuries"], prev["serious_injuries"]
        )
        columns["direct_loss"] = _loss(cur["direct_loss"], loss_exact)
        columns["prev_direct_loss"] = _loss(prev["direct_loss"], loss_exact)
        columns["direct_loss_change_pct"] = _change(cur["direct_loss"], prev["direct_loss"])
        for measure in ("accidents", "deaths"):
            columns[f"month_{measure}"] = _counts(month[measure])
            columns[f"month_prev_{measure}"] = _counts(month_prev[measure])
            columns[f"month_{measure}_change_pct"] = _change(month[measure], month_prev[measure])
            columns[f"last_month_{measure}"] = _counts(last[measure])
            columns[f"month_{measure}_mom_pct"] = _change(month[measure], last[measure])
        keys = list(columns)
        values = zip(*(columns[k] for k in keys), strict=True)
        built = [dict(zip(keys, v, strict=True)) for v in values]
        per_group[group] = [
            {"region": names[j], "group": group, **built[i]} for j, i in enumerate(order)
        ]
    for j in range(len(order) if regions else 1):
        for group in [None, *groups]:
            rows.append(per_group[group][j])
    return rows


def _period_values(
    records: Records,
    ledger: _Ledger,
    span: Period,
    column: str,
    n_regions: int,
) -> np.ndarray[Any, Any]:
    """A derived count column (deaths, accidents, a class count, G_deaths, G_accidents) over
    a period, per region; the whole plan last."""
    import numpy as np

    lo, hi = span.days
    mask = (ledger.day >= lo) & (ledger.day <= hi)
    weights = ledger.measures["deaths"] if column.endswith("deaths") else None
    if column in CLASS_MASKS:
        mask &= np.isin(ledger.cls, CLASS_MASKS[column])
    for group in records.sectors:
        if column in (f"{group}_accidents", f"{group}_deaths"):
            mask &= _members(records, ledger, group)
    at = ledger.region[mask]
    per_region = np.bincount(
        at, weights=None if weights is None else weights[mask], minlength=n_regions
    )
    return np.append(per_region, per_region.sum())


def cap_columns(groups: list[str]) -> set[str]:
    """The derived count columns whose annual caps are followed through the year."""
    columns = {"accidents", "deaths", *CLASSES, "major_or_above", "larger_or_above"}
    for group in groups:
        columns |= {f"{group}_accidents", f"{group}_deaths"}
    return columns


def _caps(
    plan: Plan,
    data: DataSet,
    name: str,
    records: Records,
    ledger: _Ledger,
    span: Period,
    regions: list[str],
    elapsed: int,
    year_days: int,
) -> list[dict[str, Any]]:
    """Every annual cap (``max: X``, X > 0) on a count of these records that binds the
    whole plan or a region in THROUGH's year, against the share of the year elapsed."""
    year = span.end.year
    offered = cap_columns(list(records.sectors))
    caps = []
    n = max(len(regions), 1)
    elapsed_pct = elapsed * 100 / year_days
    for indicator in plan.indicators:
        if indicator.value is None:
            continue
        dataset, column = indicator.value.split(".", 1)
        if dataset != name or column not in offered:
            continue
        used_by_region: np.ndarray[Any, Any] | None = None
        for position, region in [(n, None), *enumerate(regions)]:
            target, source = binding.target_for(indicator, region, year, data.controls)
            if target is None or target.kind != "max" or target.cumulative:
                continue
            cap = target.number
            assert cap is not None
            if cap <= 0:
                continue
            if used_by_region is None:
                used_by_region = _period_values(records, ledger, span, column, n)
            used = int(used_by_region[position])
            caps.append(
                {
                    "id": indicator.id,
                    "region": region,
                    "cap": number(cap),
                    "used": used,
                    "used_pct": used * 100 / float(cap),
                    "elapsed_pct": elapsed_pct,
                    # Decided exactly: used ÷ X > elapsed ÷ days in the year.
                    "ahead": Fraction(used) * year_days > Fraction(elapsed) * Fraction(cap),
                    "name": indicator.name,
                    "remaining": number(Fraction(cap) - used),
                    "source": source,
                }
            )
    return caps


def _larger(
    records: Records, ledger: _Ledger, span: Period, regions: list[str]
) -> list[dict[str, Any]]:
    """The 较大及以上 accidents of the period, in date order."""
    import numpy as np

    lo, hi = span.days
    picked = np.flatnonzero((ledger.day >= lo) & (ledger.day <= hi) & (ledger.cls >= LARGER))
    picked = picked[np.argsort(ledger.day[picked], kind="stable")]
    out = []
    table = records.table
    for i in picked.tolist():
        kept = int(ledger.index[i])
        row = int(records.rows[kept])
        code = int(ledger.cls[i])
        out.append(
            {
                "date": (_EPOCH + timedelta(days=int(ledger.day[i]))).isoformat(),
                "region": regions[int(ledger.region[i])] if regions else None,
                "sector": table.cell(row, "sector").strip() if "sector" in table.header else None,
                "class": CLASSES[code],
                "class_zh": CLASS_NAMES_ZH[code],
                "deaths": int(records.deaths[kept]),
                # Not recorded (blank or a dash) is None: shown blank, never as 0.
                "serious_injuries": records.injuries_of(kept),
                "direct_loss": records.loss_of(kept),
                "line": table.lines[row],
            }
        )
    return out
