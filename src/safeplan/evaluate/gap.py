"""``gap``: every indicator in every year from the baseline, and the outlook to the target
year (the straight-line projection and the yearly change it would take)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain import targets
from safeplan.domain.exact import finite_float, number, unsure
from safeplan.errors import DataError, UsageError
from safeplan.evaluate.check import (
    _KINDS,
    _grid,
    _numbers,
    _optional_floats,
    _region_list,
    _series_for,
    _targets,
    baseline_of,
    exact_base,
    exact_value,
)
from safeplan.evaluate.periods import last_complete_year, refuse_partial
from safeplan.evaluate.results import (
    GapReport,
    Outlook,
    Result,
    _plan_dict,
    indicator_facts,
    target_dict,
)
from safeplan.evaluate.series import Series

if TYPE_CHECKING:
    import numpy as np

    from safeplan.ingest.controls import ControlFigures
    from safeplan.ingest.dataset import DataSet
    from safeplan.plan import Plan, Target


def _outlook(
    plan: Plan,
    s: Series,
    region: str | None,
    rows: list[Result],
    present: list[bool],
    final: Target | None,
    source: str,
) -> Outlook:
    """One outlook, exactly (fractions from the cells' text). ``present`` says which of the
    years of ``rows`` have a value (a value may lack a status, e.g. without a baseline)."""
    indicator = s.indicator
    target_year = plan.info.target_year
    with_value = [r for r, has in zip(rows, present, strict=True) if has]
    if not with_value:
        return Outlook(indicator.id, region, None, None, None, None, None, None)
    latest = with_value[-1]
    latest_year = latest.year
    v_l = exact_value(plan, s, region, latest_year, final)
    baseline = plan.info.baseline_year
    v_b: Fraction | None
    if final is not None and final.cumulative:
        v_b = Fraction(0)  # nothing is summed yet in the baseline year
    elif final is not None and final.kind == "decline_pct":
        baseline = baseline_of(plan, final)
        v_b = exact_base(plan, s, region, final)
    else:
        v_b = s.exact(region, baseline)
    span = target_year - baseline
    threshold = None
    if final is not None and (final.kind != "decline_pct" or v_b is not None):
        number_ = None if final.number is None else Fraction(final.number)
        threshold = targets.final_threshold(final.kind, number_, v_b, span)
    projected: Fraction | None = None
    if v_l is not None and v_b is not None and latest_year > baseline:
        # No indicator can be negative: a falling line stops at 0.
        projected = max(targets.projection(v_l, v_b, latest_year, baseline, target_year), 0)
    on_track: bool | None = None
    if projected is not None and threshold is not None and final is not None:
        on_track = bool(targets.met(final.kind, projected, threshold))
    required: float | None = None
    if threshold is not None and v_l is not None:
        required = targets.required_change_pct(threshold, v_l, target_year - latest_year)
    change = None
    if v_l is not None and v_b and not (final is not None and final.cumulative):
        change = finite_float((v_l - v_b) / v_b * 100)
    return Outlook(
        id=indicator.id,
        region=region,
        latest_year=latest_year,
        latest_value=number(v_l) if v_l is not None else latest.value,
        final_threshold=number(threshold),
        projected_value=number(projected),
        on_track=on_track,
        required_annual_change_pct=required,
        latest_status=latest.status,
        baseline_value=number(v_b) if not (final is not None and final.cumulative) else None,
        change_pct=change,
        target=None if final is None else target_dict(final, source),
    )


def _outlooks(
    plan: Plan,
    s: Series,
    regions: list[str | None],
    years: list[int],
    results: list[Result],
    values: np.ndarray[Any, Any],
    controls: ControlFigures | None,
) -> list[Outlook]:
    """The outlook of every region: in floating point, exactly where it is decided exactly.

    Each region is projected against the target that binds it in the target year. The
    whole plan's outlook, and a region's whose projection lies within a hair of its final
    threshold, go through :func:`_outlook` (fractions from the cells' text).
    """
    import numpy as np

    indicator = s.indicator
    target_year = plan.info.target_year
    n_years = len(years)
    t = _targets(plan, s, regions, [target_year], controls)
    grid = values.reshape(len(regions), n_years)
    present = ~np.isnan(grid)
    latest_index = n_years - 1 - np.argmax(present[:, ::-1], axis=1)
    latest_year = np.array(years, dtype="int64")[latest_index]
    v_l = grid[np.arange(len(regions)), latest_index]
    index = s.data.region_index()
    codes = np.array([-1 if r is None else index[r] for r in regions], dtype="int64")
    decline = t.kind == _KINDS.index("decline_pct")
    baseline = np.where(decline, t.baseline, plan.info.baseline_year)
    v_b = s.values_at(codes, baseline)
    v_b = np.where(decline & ~np.isnan(t.given), t.given, v_b)
    v_b[t.cumulative] = 0.0  # a period sum starts from nothing in the baseline year
    final = np.full(len(regions), math.nan)
    capped = (t.kind == _KINDS.index("max")) | (t.kind == _KINDS.index("min"))
    final[capped] = t.number[capped]
    span = target_year - baseline
    final[decline] = targets.glide(v_b[decline], t.number[decline], span[decline], span[decline])
    on_track = np.zeros(len(regions), dtype=bool)
    with np.errstate(all="ignore"):
        elapsed = latest_year - baseline
        projected = np.where(
            elapsed > 0,
            targets.projection(v_l, v_b, latest_year, baseline, target_year),
            math.nan,
        )
        projected = np.maximum(projected, 0.0)  # no indicator can be negative; NaN stays
        for code, kind in enumerate(_KINDS):
            at = t.kind == code
            if at.any():
                on_track[at] = targets.met(kind, projected[at], final[at])
        # Relative to the inputs too: a projection of 0.2 + (0.2 − 0.3) × 2 is 5.6e-17, not 0.
        near = unsure(projected, final, v_l, v_b)
        required = targets.required_change_pct(final, v_l, target_year - latest_year)
        change = np.where(v_b > 0, (v_l - v_b) * 100 / v_b, math.nan)
    change[t.cumulative | np.isinf(change)] = math.nan  # no percentage against ~0
    base_shown = np.where(t.cumulative, math.nan, v_b)
    # Whole counts against a whole final threshold: v_l + (v_l − v_b)·(T − L)/(L − B) is
    # either a whole number, computed exactly, or at least 1/(L − B) away from one — far
    # beyond rounding while the counts stay below 2^40. So a float tie is a tie.
    with np.errstate(invalid="ignore"):
        near &= ~(t.exact_floats & (np.maximum(np.abs(v_l), np.abs(v_b)) < 2**40))
    has_final = ~np.isnan(final)
    exact = ~present.any(axis=1) | (codes < 0) | (near & ~np.isnan(projected) & has_final)
    n = len(regions)
    latest_at = np.arange(n) * n_years + latest_index
    judged = has_final & ~np.isnan(projected)
    columns = (
        itertools.repeat(indicator.id, n),
        regions,
        latest_year.tolist(),
        _numbers(v_l),
        _numbers(final),
        _numbers(projected),
        [on if ok else None for on, ok in zip(on_track.tolist(), judged.tolist(), strict=True)],
        _optional_floats(required),
        [results[i].status for i in latest_at.tolist()],
        _numbers(base_shown),
        _optional_floats(change),
        t.dicts(),
    )
    # tuple.__new__ in C for each outlook, as for results (see _grid).
    out = list(map(tuple.__new__, itertools.repeat(Outlook), zip(*columns, strict=True)))
    for i in np.flatnonzero(exact).tolist():
        source = t.sources[t.which[i]] if t.which[i] >= 0 else "plan"
        own = results[i * n_years : (i + 1) * n_years]
        out[i] = _outlook(plan, s, regions[i], own, present[i].tolist(), t.get(i), source)
    return out


#: Results (indicator × region × year) a gap report may hold: each takes about 400 bytes in
#: memory, so this many fit in the ~7 GB of a CI runner with room to spare.
MAX_RESULTS = 12_000_000


def _check_size(indicators: int, regions: int, years: int) -> None:
    """Refuse, before evaluating anything, a report that would not fit in memory."""
    count = indicators * regions * years
    if count > MAX_RESULTS:
        raise DataError(
            f"目标差距表需要 {count:,} 个结果（{indicators} 个指标 × {regions} 个地区（含全域）"
            f" × {years} 年），超过上限 {MAX_RESULTS:,} 个（约需 {count * 400 / 1e9:.0f} GB 内存）",
            hint="用 --region 只算一个地区，或把计划拆成几个较小的计划",
        )


def gap_years(plan: Plan, data: DataSet, as_of: int | None = None) -> list[int]:
    """The years of the gap table: from the baseline to the latest complete year with data,
    or to ``as_of`` (the plan as it stood at the end of that year: later data is ignored)."""
    available = data.years()
    if not available:
        raise DataError("数据没有任何数据行", hint="补充各年的统计数据")
    first = plan.info.baseline_year
    complete, reason = last_complete_year(plan)
    if as_of is not None:
        if as_of < first:
            raise UsageError(
                f"--as-of {as_of} 早于规划的基期年 {first}",
                hint=f"写 {first} 到 {complete} 之间的年份",
            )
        if as_of > complete:
            refuse_partial(plan, as_of)
    last = min(available[-1], complete, as_of if as_of is not None else available[-1])
    if last < first and complete < first:
        raise DataError(
            f"基期年 {first} 以来还没有完整的年份（{reason}）",
            hint="年内进度请用 safeplan monitor",
        )
    return list(range(first, max(last, first) + 1))


def report_year(report: GapReport) -> int:
    """The year a report describes by default: the latest year in which the whole plan has
    a value for every indicator — a ledger brought up to this year beside statistics that
    stop at the last one describes the last one — else the latest year with any value,
    else the table's last year."""
    by_year: dict[int, set[str]] = {}
    for row in report.rows:
        if row.value is not None:
            by_year.setdefault(row.year, set()).add(row.id)
    wanted = set(report.indicators)  # every indicator of the plan has rows in the table
    complete = [year for year, ids in by_year.items() if ids >= wanted]
    if complete or by_year:
        return max(complete or by_year)
    return max((row.year for row in report.rows), default=0)


def evaluate_gap(
    plan: Plan, data: DataSet, region: str | None = None, *, as_of: int | None = None
) -> GapReport:
    """Every indicator in every year from the baseline to the latest complete year with
    data (or ``as_of``), and the outlook to the target year from there."""
    years = gap_years(plan, data, as_of)
    regions = _region_list(plan, data, region)
    _check_size(len(plan.indicators), len(regions), len(years))
    rows: list[Result] = []
    outlook: list[Outlook] = []
    for s in _series_for(plan, data):
        results, values = _grid(plan, s, regions, years, data.controls)
        rows.extend(results)
        outlook.extend(_outlooks(plan, s, regions, years, results, values, data.controls))
    return GapReport(
        plan=_plan_dict(plan), rows=rows, outlook=outlook, indicators=indicator_facts(plan)
    )
