"""``check``: every indicator against its target in one year.

Values are computed vectorised in floating point for every region, then every whole-plan
result, and every regional result whose float comparison is unsure
(:func:`~safeplan.domain.exact.unsure`), is recomputed exactly (decimal sums, fractions)
from the cells' original text: a value on its threshold is met, and display rounding
never changes a status.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain import targets
from safeplan.domain.exact import finite_float, number, unsure
from safeplan.domain.targets import TargetKind
from safeplan.errors import DataError, UsageError
from safeplan.evaluate import binding
from safeplan.evaluate.binding import TargetSource
from safeplan.evaluate.periods import refuse_partial
from safeplan.evaluate.results import CheckReport, Result, _plan_dict, indicator_facts, target_dict
from safeplan.evaluate.series import Series, _split, series
from safeplan.ingest.cells import is_count_column

if TYPE_CHECKING:
    import numpy as np

    from safeplan.ingest.controls import ControlFigures
    from safeplan.ingest.dataset import DataSet
    from safeplan.plan import Plan, Target


def baseline_of(plan: Plan, target: Target) -> int:
    """The baseline year of a target (its own, or the plan's)."""
    return target.baseline_year if target.baseline_year is not None else plan.info.baseline_year


_KINDS: tuple[TargetKind, ...] = ("max", "min", "decline_pct", "yoy_decline")


@dataclass
class _Targets:
    """The targets of a grid of cells, as per-cell arrays (index -1 = no target binds)."""

    distinct: list[Target]
    sources: list[TargetSource]
    which: np.ndarray[Any, Any]
    kind: np.ndarray[Any, Any]
    """Index into :data:`_KINDS` of each cell's target kind (-1 without a target)."""
    number: np.ndarray[Any, Any]
    cumulative: np.ndarray[Any, Any]
    baseline: np.ndarray[Any, Any]
    """The baseline year of each cell's target (the plan's where it has none of its own)."""
    given: np.ndarray[Any, Any]
    """The published baseline value (基期值) of a ``decline_pct`` cell, NaN where none."""
    exact_floats: np.ndarray[Any, Any]
    """Cells whose float value and threshold are the very numbers they stand for."""

    def get(self, i: int) -> Target | None:
        """The target of cell ``i``."""
        k = int(self.which[i])
        return self.distinct[k] if k >= 0 else None

    def dicts(self) -> list[dict[str, Any] | None]:
        """The JSON form of each cell's target (``None`` without one), each distinct once."""
        forms: list[dict[str, Any] | None] = [
            target_dict(t, source) for t, source in zip(self.distinct, self.sources, strict=True)
        ]
        forms.append(None)  # index -1
        return list(map(forms.__getitem__, self.which.tolist()))


def _targets(
    plan: Plan, s: Series, regions: list[str | None], years: list[int], controls: Any
) -> _Targets:
    import numpy as np

    distinct, sources, which = binding.cell_targets(s.indicator, regions, years, controls)
    counts = _counts(s)

    def per_cell(values: list[Any], missing: Any, dtype: str) -> np.ndarray[Any, Any]:
        out: np.ndarray[Any, Any] = np.array([*values, missing], dtype=dtype)[which]
        return out

    nan = math.nan
    return _Targets(
        distinct=distinct,
        sources=sources,
        which=which,
        kind=per_cell([_KINDS.index(t.kind) for t in distinct], -1, "int64"),
        number=per_cell(
            [nan if t.number is None else float(t.number) for t in distinct], nan, "float64"
        ),
        cumulative=per_cell([bool(t.cumulative) for t in distinct], False, "bool"),
        baseline=per_cell(
            [baseline_of(plan, t) for t in distinct], plan.info.baseline_year, "int64"
        ),
        given=per_cell(
            [nan if t.baseline_value is None else float(t.baseline_value) for t in distinct],
            nan,
            "float64",
        ),
        exact_floats=per_cell([counts and _whole_target(t) for t in distinct], False, "bool"),
    )


def _cumulative(
    s: Series, codes: np.ndarray[Any, Any], years: np.ndarray[Any, Any], baseline: int
) -> np.ndarray[Any, Any]:
    """Σ of the yearly values from the year after ``baseline`` through each cell's year
    (0 in the baseline year itself, NaN before it or where a year has no data)."""
    import numpy as np

    out = np.where(years < baseline, math.nan, 0.0)
    for year in range(baseline + 1, int(years.max(initial=baseline)) + 1):
        at = years >= year
        if at.any():
            with np.errstate(over="ignore"):  # past 1.8e308: inf, refused with the results
                out[at] += s.values_at(codes[at], np.full(int(at.sum()), year, dtype="int64"))
    return out


def _grid(
    plan: Plan,
    s: Series,
    regions: list[str | None],
    years: list[int],
    controls: ControlFigures | None = None,
) -> tuple[list[Result], np.ndarray[Any, Any]]:
    """Results for the given regions × years (region by region) and their float values.

    Each cell is judged against the target that binds it (:mod:`safeplan.evaluate.binding`):
    targets differ between regions and, with a control-figure table, between years.
    """
    import numpy as np

    indicator = s.indicator
    target_year = plan.info.target_year
    n = len(regions) * len(years)
    grid_regions = [r for r in regions for _ in years]
    grid_years = years * len(regions)
    index = s.data.region_index()
    codes = np.repeat(
        np.array([-1 if r is None else index[r] for r in regions], dtype="int64"), len(years)
    )
    year_array = np.tile(np.array(years, dtype="int64"), len(regions))
    t = _targets(plan, s, regions, years, controls)
    values = s.values_at(codes, year_array)
    if t.cumulative.any():
        values = values.copy()
        at = t.cumulative
        values[at] = _cumulative(s, codes[at], year_array[at], plan.info.baseline_year)
    # The baseline value (基期值): the glide path starts there, and every result reports its
    # change against it (较基期变化) — the published one where the target gives it.
    decline = t.kind == _KINDS.index("decline_pct")
    base = s.values_at(codes, t.baseline)
    base = np.where(decline & ~np.isnan(t.given), t.given, base)
    base[t.cumulative] = math.nan  # a period sum has no baseline to compare with
    thresholds = np.full(n, math.nan)
    capped = (t.kind == _KINDS.index("max")) | (t.kind == _KINDS.index("min"))
    thresholds[capped] = t.number[capped]
    yoy = t.kind == _KINDS.index("yoy_decline")
    if yoy.any():
        thresholds[yoy] = s.values_at(codes[yoy], year_array[yoy] - 1)
    with np.errstate(all="ignore"):
        gaps = values - thresholds
    sure = t.exact_floats
    if decline.any():
        baseline = t.baseline[decline]
        elapsed = targets.elapsed_years(year_array[decline], baseline, target_year)
        span = target_year - baseline
        thresholds[decline] = targets.glide(base[decline], t.number[decline], elapsed, span)
        with np.errstate(all="ignore"):
            gaps[decline] = targets.glide_gap(
                values[decline], base[decline], t.number[decline], elapsed, span
            )
        if _counts(s):
            # A count at the start of its glide path (the baseline year, or a baseline of 0)
            # has its float threshold exact too: B × 100·span ÷ (100·span), or 0.
            start = (elapsed == 0) | (base[decline] == 0)
            sure = sure.copy()
            sure[decline] = start & np.isnan(t.given[decline]) & (base[decline] < 2**40)
    met = np.zeros(n, dtype=bool)
    near = np.zeros(n, dtype=bool)
    with np.errstate(all="ignore"):
        for code, kind in enumerate(_KINDS):
            at = t.kind == code
            if not at.any():
                continue
            met[at] = targets.met(kind, values[at], thresholds[at])
            inputs = (base[at],) if kind == "decline_pct" else ()
            near[at] = unsure(values[at], thresholds[at], *inputs)
        change = np.where(base > 0, (values - base) * 100 / base, math.nan)
        change[np.isinf(change)] = math.nan  # against a baseline near zero: no percentage
    bound = t.which >= 0
    # A value of 0 meets a yoy_decline target with or without last year's value.
    zero_yoy = yoy & (values == 0)
    missing = np.isnan(values) | (np.isnan(thresholds) & ~zero_yoy)
    exact = bound & ~missing & ((near & ~sure) | (codes < 0))
    status = np.where(
        ~bound, "no_target", np.where(missing, "no_data", np.where(met, "met", "missed"))
    ).tolist()
    # Without data there is no value to show (a value whose threshold cannot be computed
    # is no data either); threshold and gap are null when there is no status to give.
    value_list = _numbers(np.where(missing & bound, math.nan, values))
    hidden = missing | ~bound
    threshold_list = _numbers(np.where(hidden, math.nan, thresholds))
    gap_list = _numbers(np.where(hidden, math.nan, gaps))
    base_list = _numbers(base)
    change_list = _optional_floats(change)
    for i in np.flatnonzero(exact).tolist():
        region, year = grid_regions[i], grid_years[i]
        target = t.get(i)
        assert target is not None
        value = exact_value(plan, s, region, year, target)
        threshold = exact_threshold(plan, s, region, year, target)
        if value is not None and threshold is not None:
            value_list[i] = number(value)
            threshold_list[i] = number(threshold)
            gap_list[i] = number(value - threshold)
            status[i] = "met" if targets.met(target.kind, value, threshold) else "missed"
        b_value = exact_base(plan, s, region, target)
        if value is not None and b_value:
            base_list[i] = number(b_value)
            change_list[i] = finite_float((value - b_value) / b_value * 100)
    same = itertools.repeat
    rows = zip(
        same(indicator.id, n),
        same(indicator.name, n),
        grid_regions,
        grid_years,
        value_list,
        t.dicts(),
        threshold_list,
        gap_list,
        status,
        base_list,
        change_list,
        strict=True,
    )
    # tuple.__new__ in C for each row: no Python-level __new__ (or _make) per result.
    return list(map(tuple.__new__, itertools.repeat(Result), rows)), values


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


def _optional_floats(array: np.ndarray[Any, Any]) -> list[float | None]:
    """The floats of an array, NaN → None."""
    return [None if value != value else value for value in array.tolist()]


def _counts(s: Series) -> bool:
    """True when the indicator's value is a count column (whole numbers, checked as such
    when read): its float values are then exactly the counts they stand for."""
    indicator = s.indicator
    if indicator.value is None:
        return False
    name, column = _split(indicator.value)
    dataset = s.data.datasets[name]
    return is_count_column(column) or (dataset.derived is not None and column != "direct_loss")


def _whole_target(target: Target) -> bool:
    """A target whose float threshold of a count is exact: a whole ``max``/``min``, or
    last year's count."""
    if target.kind == "decline_pct":
        return False
    number = target.number
    return number is None or number == number.to_integral_value()


def exact_value(
    plan: Plan, s: Series, region: str | None, year: int, target: Target | None
) -> Fraction | None:
    """The exact value judged against ``target``: the year's value, or for a cumulative
    target the sum from the year after the plan's baseline through ``year``."""
    if target is None or not target.cumulative:
        return s.exact(region, year)
    baseline = plan.info.baseline_year
    if year < baseline:
        return None
    total = Fraction(0)
    for each in range(baseline + 1, year + 1):
        value = s.exact(region, each)
        if value is None:
            return None
        total += value
    return total


def exact_base(plan: Plan, s: Series, region: str | None, target: Target) -> Fraction | None:
    """The exact baseline value (基期值): the published one, or the data's in the baseline
    year; ``None`` for a period sum (cumulative), which has none."""
    if target.cumulative:
        return None
    if target.baseline_value is not None:
        return Fraction(target.baseline_value)
    return s.exact(region, baseline_of(plan, target))


def exact_threshold(
    plan: Plan, s: Series, region: str | None, year: int, target: Target
) -> Fraction | None:
    """The exact threshold of ``target`` in ``year``."""
    if target.kind in ("max", "min"):
        return Fraction(target.number)  # type: ignore[arg-type]
    if target.kind == "yoy_decline":
        return s.exact(region, year - 1)
    baseline = baseline_of(plan, target)
    b_value = exact_base(plan, s, region, target)
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
    shown = "、".join(known) if known else "数据没有地区列"
    raise UsageError(
        f"数据中没有地区 '{region}'（数据中的地区：{shown}）",
        hint="--region 写数据中的一个地区，或去掉 --region 查看全部",
    )


def _series_for(plan: Plan, data: DataSet) -> list[Series]:
    return [series(indicator, data) for indicator in plan.indicators]


def evaluate_check(plan: Plan, data: DataSet, year: int, region: str | None = None) -> CheckReport:
    """Every indicator against the target that binds it in ``year``.

    A partial year (not over, or past a ledger's ``through:``) is refused: a year to date is
    never compared with a full year's target (``safeplan monitor`` does that, 同比).
    """
    available = data.years()
    if year not in available:
        shown = f"{available[0]}—{available[-1]}年" if available else "无"
        raise DataError(
            f"数据中没有 {year} 年（有数据的年份：{shown}）",
            hint="选择统计数据覆盖的年份",
        )
    refuse_partial(plan, year)
    regions = _region_list(plan, data, region)
    results: list[Result] = []
    for s in _series_for(plan, data):
        # An indicator whose data has no region column has no data for a region.
        results.extend(_grid(plan, s, regions, [year], data.controls)[0])
    return CheckReport(
        plan=_plan_dict(plan), year=year, results=results, indicators=indicator_facts(plan)
    )
