"""``gap``: every indicator in every year from the baseline, and the outlook to the target
year (the straight-line projection and the yearly change it would take)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain import targets
from safeplan.domain.exact import number, unsure
from safeplan.errors import DataError
from safeplan.evaluate.check import (
    _floats_are_exact,
    _grid,
    _numbers,
    _region_list,
    _series_for,
    baseline_of,
)
from safeplan.evaluate.results import GapReport, Outlook, Result, _plan_dict, indicator_facts
from safeplan.evaluate.series import Series

if TYPE_CHECKING:
    import numpy as np

    from safeplan.ingest.dataset import DataSet
    from safeplan.plan import Plan


def _outlook(
    plan: Plan, s: Series, region: str | None, years: list[int], rows: list[Result]
) -> Outlook:
    indicator = s.indicator
    target = indicator.target
    baseline = baseline_of(plan, target)
    target_year = plan.info.target_year
    with_value = [r for r in rows if r.value is not None]
    if not with_value:
        return Outlook(indicator.id, region, None, None, None, None, None, None)
    latest = with_value[-1]
    latest_year = latest.year
    v_l = s.exact(region, latest_year)
    v_b = s.exact(region, baseline)
    span = target_year - baseline
    number_ = None if target.number is None else Fraction(target.number)
    final = None
    if target.kind != "decline_pct" or v_b is not None:
        final = targets.final_threshold(target.kind, number_, v_b, span)
    projected: Fraction | None = None
    if v_l is not None and v_b is not None and latest_year > baseline:
        projected = targets.projection(v_l, v_b, latest_year, baseline, target_year)
    on_track: bool | None = None
    if projected is not None and final is not None:
        on_track = bool(targets.met(target.kind, projected, final))
    required: float | None = None
    if final is not None and v_l is not None:
        required = targets.required_change_pct(final, v_l, target_year - latest_year)
    return Outlook(
        id=indicator.id,
        region=region,
        latest_year=latest_year,
        latest_value=number(v_l) if v_l is not None else latest.value,
        final_threshold=number(final),
        projected_value=number(projected),
        on_track=on_track,
        required_annual_change_pct=required,
        latest_status=latest.status,
    )


def _outlooks(
    plan: Plan,
    s: Series,
    regions: list[str | None],
    years: list[int],
    results: list[Result],
    values: np.ndarray[Any, Any],
) -> list[Outlook]:
    """The outlook of every region: in floating point, exactly where it is decided exactly.

    The whole plan's outlook, and a region's whose projection lies within a hair of its
    final threshold, go through :func:`_outlook` (fractions from the cells' text).
    """
    import numpy as np

    indicator, target = s.indicator, s.indicator.target
    baseline = baseline_of(plan, target)
    target_year = plan.info.target_year
    n_years = len(years)
    grid = values.reshape(len(regions), n_years)
    present = ~np.isnan(grid)
    latest_index = n_years - 1 - np.argmax(present[:, ::-1], axis=1)
    latest_year = np.array(years, dtype="int64")[latest_index]
    v_l = grid[np.arange(len(regions)), latest_index]
    index = s.data.region_index()
    codes = np.array([-1 if r is None else index[r] for r in regions], dtype="int64")
    v_b = s.values_at(codes, np.full(len(regions), baseline, dtype="int64"))
    number_ = float(target.number) if target.number is not None else math.nan
    final = targets.final_threshold(target.kind, number_, v_b, target_year - baseline)
    if final is None:
        final = np.full(len(regions), math.nan)
    elif not isinstance(final, np.ndarray):
        final = np.full(len(regions), final)
    with np.errstate(all="ignore"):
        elapsed = latest_year - baseline
        projected = np.where(
            elapsed > 0,
            targets.projection(v_l, v_b, latest_year, baseline, target_year),
            math.nan,
        )
        on_track = targets.met(target.kind, projected, final)
        # Relative to the inputs too: a projection of 0.2 + (0.2 − 0.3) × 2 is 5.6e-17, not 0.
        near = unsure(projected, final, v_l, v_b)
        required = targets.required_change_pct(final, v_l, target_year - latest_year)
    has_required = ~np.isnan(required)
    rows = [
        (
            region,
            int(year),
            threshold,
            projection,
            (bool(track) if projection is not None and threshold is not None else None),
            (float(pace) if wanted else None),
        )
        for region, year, threshold, projection, track, pace, wanted in zip(
            regions,
            latest_year.tolist(),
            _numbers(final),
            _numbers(projected),
            on_track.tolist(),
            required.tolist(),
            has_required.tolist(),
            strict=True,
        )
    ]
    if _floats_are_exact(s):
        # Whole counts against a whole final threshold: v_l + (v_l − v_b)·(T − L)/(L − B) is
        # either a whole number, computed exactly, or at least 1/(L − B) away from one —
        # far beyond rounding while the counts stay below 2^40. So a float tie is a tie.
        with np.errstate(invalid="ignore"):
            near &= ~(np.maximum(np.abs(v_l), np.abs(v_b)) < 2**40)
    exact = ~present.any(axis=1) | (codes < 0) | (near & ~np.isnan(projected))
    exact_rows = set(np.flatnonzero(exact).tolist())
    out = []
    for i, (region, year, threshold, projection, track, pace) in enumerate(rows):
        own = results[i * n_years : (i + 1) * n_years]
        if i in exact_rows:
            out.append(_outlook(plan, s, region, years, own))
            continue
        out.append(
            Outlook(
                id=indicator.id,
                region=region,
                latest_year=year,
                latest_value=own[latest_index[i]].value,
                final_threshold=threshold,
                projected_value=projection,
                on_track=track,
                required_annual_change_pct=pace,
                latest_status=own[latest_index[i]].status,
            )
        )
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


def evaluate_gap(plan: Plan, data: DataSet, region: str | None = None) -> GapReport:
    """Every indicator in every year from the baseline to the latest data, and the outlook."""
    available = data.years()
    if not available:
        raise DataError("the data has no rows", hint="add the yearly statistics")
    first = plan.info.baseline_year
    years = list(range(first, max(available[-1], first) + 1))
    regions = _region_list(plan, data, region)
    _check_size(len(plan.indicators), len(regions), len(years))
    rows: list[Result] = []
    outlook: list[Outlook] = []
    for s in _series_for(plan, data):
        results, values = _grid(plan, s, regions, years)
        rows.extend(results)
        outlook.extend(_outlooks(plan, s, regions, years, results, values))
    return GapReport(
        plan=_plan_dict(plan), rows=rows, outlook=outlook, indicators=indicator_facts(plan)
    )
