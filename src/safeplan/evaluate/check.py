"""``check``: every indicator against its target in one year.

Values are computed vectorised in floating point for every region, then every whole-plan
result, and every regional result whose float comparison is unsure
(:func:`~safeplan.domain.exact.unsure`), is recomputed exactly (decimal sums, fractions)
from the cells' original text: a value on its threshold is met, and display rounding
never changes a status.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain import targets
from safeplan.domain.exact import number, unsure
from safeplan.errors import DataError, UsageError
from safeplan.evaluate.results import CheckReport, Result, _plan_dict, indicator_facts, target_dict
from safeplan.evaluate.series import Series, _split, series
from safeplan.ingest.cells import is_count_column

if TYPE_CHECKING:
    import numpy as np

    from safeplan.ingest.dataset import DataSet
    from safeplan.plan import Plan, Target


def baseline_of(plan: Plan, target: Target) -> int:
    """The baseline year of a target (its own, or the plan's)."""
    return target.baseline_year if target.baseline_year is not None else plan.info.baseline_year


def _grid(
    plan: Plan, s: Series, regions: list[str | None], years: list[int]
) -> tuple[list[Result], np.ndarray[Any, Any]]:
    """Results for the given regions × years (region by region) and their float values."""
    import numpy as np

    indicator = s.indicator
    target = indicator.target
    kind = target.kind
    baseline = baseline_of(plan, target)
    target_year = plan.info.target_year
    tdict = target_dict(target)
    n = len(regions) * len(years)
    grid_regions = [r for r in regions for _ in years]
    grid_years = years * len(regions)
    index = s.data.region_index()
    codes = np.repeat(
        np.array([-1 if r is None else index[r] for r in regions], dtype="int64"), len(years)
    )
    year_array = np.tile(np.array(years, dtype="int64"), len(regions))
    values = s.values_at(codes, year_array)
    # The value in the baseline year (基期值): the glide path starts there, and every
    # result reports its change against it (较基期变化).
    base = s.values_at(codes, np.full(n, baseline, dtype="int64"))
    if kind in ("max", "min"):
        thresholds = np.full(n, float(target.number))  # type: ignore[arg-type]
    elif kind == "yoy_decline":
        thresholds = s.values_at(codes, year_array - 1)
    else:
        elapsed = targets.elapsed_years(year_array.astype("float64"), baseline, target_year)
        pct = float(target.number)  # type: ignore[arg-type]
        thresholds = targets.glide(base, pct, elapsed, target_year - baseline)
    with np.errstate(all="ignore"):
        met = targets.met(kind, values, thresholds)
        near = (
            unsure(values, thresholds, base)
            if kind == "decline_pct"
            else unsure(values, thresholds)
        )
        change = np.where(base > 0, (values - base) / base * 100, np.nan)
        change[np.isinf(change)] = np.nan  # against a baseline near zero: no percentage
    missing = np.isnan(values) | np.isnan(thresholds)
    exact = ~missing & (near if not _floats_are_exact(s) else False)
    exact |= ~missing & (codes < 0)
    status = np.where(missing, "no_data", np.where(met, "met", "missed")).tolist()
    value_list = _numbers(values)
    # Threshold and gap are null when there is no status to give.
    threshold_list = _numbers(np.where(missing, np.nan, thresholds))
    gap_list = _numbers(np.where(missing, np.nan, values - thresholds))
    base_list = _numbers(base)
    change_list: list[float | None] = [None if c != c else c for c in change.tolist()]
    for i in np.flatnonzero(exact).tolist():
        region, year = grid_regions[i], grid_years[i]
        value = s.exact(region, year)
        threshold = _exact_threshold(plan, s, region, year)
        if value is not None and threshold is not None:
            value_list[i] = number(value)
            threshold_list[i] = number(threshold)
            gap_list[i] = number(value - threshold)
            status[i] = "met" if targets.met(kind, value, threshold) else "missed"
        b_value = s.exact(region, baseline)
        if value is not None and b_value:
            base_list[i] = number(b_value)
            change_list[i] = _float_or_none((value - b_value) / b_value * 100)
    same = itertools.repeat
    rows = zip(
        same(indicator.id, n),
        same(indicator.name, n),
        grid_regions,
        grid_years,
        value_list,
        same(tdict, n),
        threshold_list,
        gap_list,
        status,
        base_list,
        change_list,
        strict=True,
    )
    # Result._make is tuple.__new__: no Python-level __new__ per row.
    return list(map(Result._make, rows)), values


def _numbers(array: np.ndarray[Any, Any]) -> list[int | float | None]:
    """JSON numbers of a float array: NaN → None, whole numbers → int."""
    import numpy as np

    nan = np.isnan(array)
    with np.errstate(invalid="ignore"):
        whole = ~nan & (np.floor(array) == array) & (np.abs(array) < 2**63)
    if whole.all():
        ints: list[int | float | None] = array.astype("int64").tolist()
        return ints
    out: list[int | float | None] = array.tolist()
    if whole.any():
        positions = np.flatnonzero(whole).tolist()
        for i, value in zip(positions, array[whole].astype("int64").tolist(), strict=True):
            out[i] = value
    for i in np.flatnonzero(nan).tolist():
        out[i] = None
    return out


def _floats_are_exact(s: Series) -> bool:
    """True when a region's float value and threshold are exactly the numbers they stand for.

    So for a count column (whole numbers, checked as such when read) compared with a whole
    ``max``/``min`` or with last year's count: then no tie needs the exact path.
    """
    indicator = s.indicator
    target = indicator.target
    if indicator.value is None or target.kind == "decline_pct":
        return False
    name, column = _split(indicator.value)
    dataset = s.data.datasets[name]
    counts = is_count_column(column) or (dataset.derived is not None and column != "direct_loss")
    number = target.number
    return counts and (number is None or number == number.to_integral_value())


def _exact_threshold(plan: Plan, s: Series, region: str | None, year: int) -> Fraction | None:
    target = s.indicator.target
    if target.kind in ("max", "min"):
        return Fraction(target.number)  # type: ignore[arg-type]
    if target.kind == "yoy_decline":
        return s.exact(region, year - 1)
    baseline = baseline_of(plan, target)
    b_value = s.exact(region, baseline)
    if b_value is None or target.number is None:
        return None
    target_year = plan.info.target_year
    elapsed = targets.elapsed_years(year, baseline, target_year)
    return targets.glide(b_value, Fraction(target.number), elapsed, target_year - baseline)  # type: ignore[no-any-return]


def regions_of(data: DataSet) -> list[str]:
    """Every region in the data, in order of first appearance."""
    return list(data.regions)


def _region_list(plan: Plan, data: DataSet, region: str | None) -> list[str | None]:
    known = regions_of(data)
    if region is None:
        return [None, *known]
    if region in known:
        return [region]
    if region == plan.info.region:
        return [None]
    shown = ", ".join(known) if known else "the data has no region column"
    raise UsageError(
        f"no region '{region}' in the data ({shown})",
        hint="pass one of the regions, or leave out --region",
    )


def _series_for(plan: Plan, data: DataSet) -> list[Series]:
    return [series(indicator, data) for indicator in plan.indicators]


def evaluate_check(plan: Plan, data: DataSet, year: int, region: str | None = None) -> CheckReport:
    """Every indicator against its target in ``year``."""
    available = data.years()
    if year not in available:
        shown = f"{available[0]}–{available[-1]}" if available else "none"
        raise DataError(
            f"year {year} is not in the data (years with data: {shown})",
            hint="pick a year the statistics cover",
        )
    regions = _region_list(plan, data, region)
    results: list[Result] = []
    for s in _series_for(plan, data):
        # An indicator whose data has no region column has no data for a region.
        results.extend(_grid(plan, s, regions, [year])[0])
    return CheckReport(
        plan=_plan_dict(plan), year=year, results=results, indicators=indicator_facts(plan)
    )


def _float_or_none(value: Fraction) -> float | None:
    """``float(value)``, or ``None`` beyond the float range (a change against a baseline
    value near zero has no meaningful percentage)."""
    try:
        return float(value)
    except OverflowError:
        return None
