"""Indicator values and target statuses: pure functions of the plan and the data.

Values are computed vectorised in floating point for every region and year, then every
whole-plan result, and every regional result whose value lies within a hair of its
threshold, is recomputed exactly (decimal sums, fractions) from the cells' original text:
a value on its threshold is met, and display rounding never changes a status.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from safeplan.config import Indicator, Plan, Target
from safeplan.errors import DataError, UsageError

if TYPE_CHECKING:
    import numpy as np

    from safeplan.data import DataSet, Dataset

Status = Literal["met", "missed", "no_data"]
_EXACT = Context(prec=200)
#: Below this relative distance from a threshold, a status is decided exactly.
_UNSURE = 1e-9


def number(value: Fraction | Decimal | float | None) -> int | float | None:
    """A JSON number: an int when whole, else a float (``None`` stays ``None``)."""
    if type(value) is float:
        if value != value:
            return None
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return float(value)


def target_dict(target: Target) -> dict[str, Any]:
    """The JSON form of a target: ``{"kind": …, "value": …}``."""
    out: dict[str, Any] = {
        "kind": target.kind,
        "value": True if target.kind == "yoy_decline" else number(target.number),
    }
    if target.baseline_year is not None:
        out["baseline_year"] = target.baseline_year
    return out


class Result(NamedTuple):
    """One indicator, for one region (``None`` = the whole plan), in one year."""

    id: str
    name: str
    region: str | None
    year: int
    value: int | float | None
    target: dict[str, Any]
    threshold: int | float | None
    gap: int | float | None
    status: Status

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (CONTRACT §4)."""
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "year": self.year,
            "value": self.value,
            "target": self.target,
            "threshold": self.threshold,
            "gap": self.gap,
            "status": self.status,
        }


def _plan_dict(plan: Plan) -> dict[str, Any]:
    info = plan.info
    return {
        "name": info.name,
        "region": info.region,
        "baseline_year": info.baseline_year,
        "target_year": info.target_year,
    }


@dataclass
class CheckReport:
    """Every indicator against its target in one year."""

    plan: dict[str, Any]
    year: int
    results: list[Result]

    @property
    def ok(self) -> bool:
        """True only when every result is met."""
        return all(r.status == "met" for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (CONTRACT §4)."""
        return {
            "schema_version": 1,
            "plan": self.plan,
            "year": self.year,
            "ok": self.ok,
            "results": [r.to_dict() for r in self.results],
        }


@dataclass(frozen=True)
class Outlook:
    """Where an indicator is heading: the projection to the target year (CONTRACT §6)."""

    id: str
    region: str | None
    latest_year: int | None
    latest_value: int | float | None
    final_threshold: int | float | None
    projected_value: int | float | None
    on_track: bool | None
    required_annual_change_pct: float | None
    latest_status: Status = field(default="no_data", compare=False)

    @property
    def good(self) -> bool:
        """On track; where no projection can be made, the latest status is met."""
        if self.on_track is not None:
            return self.on_track
        return self.latest_status == "met"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (CONTRACT §6)."""
        return {
            "id": self.id,
            "region": self.region,
            "latest_year": self.latest_year,
            "latest_value": self.latest_value,
            "final_threshold": self.final_threshold,
            "projected_value": self.projected_value,
            "on_track": self.on_track,
            "required_annual_change_pct": self.required_annual_change_pct,
        }


@dataclass
class GapReport:
    """Every indicator in every year from the baseline, and the outlook."""

    plan: dict[str, Any]
    rows: list[Result]
    outlook: list[Outlook]

    @property
    def ok(self) -> bool:
        """True when every indicator is on track."""
        return all(o.good for o in self.outlook)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (CONTRACT §6)."""
        return {
            "schema_version": 1,
            "plan": self.plan,
            "rows": [r.to_dict() for r in self.rows],
            "outlook": [o.to_dict() for o in self.outlook],
        }


# --------------------------------------------------------------------------- values


def _split(ref: str) -> tuple[str, str]:
    dataset, column = ref.split(".", 1)
    return dataset, column


@dataclass
class Series:
    """An indicator's values for every region and year, computed on demand, year by year.

    For a year: one float per region of the data (NaN = no data) and the whole plan's
    value (Σ numerators × per ÷ Σ denominators). Exact values come from :meth:`exact`.
    """

    indicator: Indicator
    data: DataSet
    _years: dict[int, tuple[np.ndarray[Any, Any], float]] = field(default_factory=dict, repr=False)
    _exact: dict[tuple[str | None, int], Fraction | None] = field(default_factory=dict, repr=False)

    def _refs(self) -> list[tuple[Dataset, str]]:
        indicator = self.indicator
        refs = (
            [indicator.value]
            if indicator.value is not None
            else [indicator.numerator, indicator.denominator]
        )
        return [
            (self.data.datasets[_split(ref)[0]], _split(ref)[1]) for ref in refs if ref is not None
        ]

    def year(self, year: int) -> tuple[np.ndarray[Any, Any], float]:
        """Values of every region of the data (NaN = none) and the whole plan's, in ``year``."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        import numpy as np

        refs = self._refs()
        n_regions = len(self.data.regions)
        # Regions of the indicator's data: each must have its row for the whole plan to have
        # a value — a missing row is missing data, never a silently smaller sum (accident
        # records excepted: there a region without records had no accidents).
        known = np.zeros(n_regions, dtype=bool)
        for dataset, _ in refs:
            if dataset.has_region:
                known[dataset.region_codes()[0]] = True
        regional: list[np.ndarray[Any, Any]] = []
        totals: list[float] = []
        for dataset, column in refs:
            rows = dataset.by_year().get(year, np.zeros(0, dtype="int64"))
            values = dataset.column_values(column)[rows]
            if not dataset.has_region:
                regional.append(np.full(n_regions, np.nan))
                totals.append(float(values[0]) if len(values) else math.nan)
                continue
            codes = dataset.region_codes()[1][rows]
            fill = 0.0 if dataset.derived is not None and dataset.covers(year) else math.nan
            by_region = np.full(n_regions, fill)
            by_region[codes] = values
            regional.append(by_region)
            part = by_region[known]
            totals.append(float(part.sum()) if len(rows) and not np.isnan(part).any() else math.nan)
        scale = float(self.indicator.scale)
        with np.errstate(all="ignore"):
            if len(refs) == 1:
                result = (regional[0], totals[0])
            else:
                whole = totals[0] * scale / totals[1] if totals[1] else math.nan
                result = (regional[0] * scale / regional[1], whole)
        self._years[year] = result
        return result

    def values_at(
        self, codes: np.ndarray[Any, Any], years: np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any]:
        """Float values for pairs of region codes (-1 = the whole plan) and years (NaN = none).

        Codes index :attr:`DataSet.regions`; one gather per distinct year.
        """
        import numpy as np

        out = np.empty(len(codes), dtype="float64")
        whole_plan = codes < 0
        for year in np.unique(years).tolist():
            at = years == year
            by_region, whole = self.year(year)
            if not len(by_region):  # no region column: only the whole plan is asked for
                out[at] = whole
                continue
            out[at] = np.where(whole_plan[at], whole, by_region[np.maximum(codes[at], 0)])
        return out

    def parts(self, region: str | None, year: int) -> list[Part]:
        """The sums behind a value: the numerator (or column) and the denominator."""
        indicator = self.indicator
        refs = [("numerator", indicator.numerator), ("denominator", indicator.denominator)]
        if indicator.value is not None:
            refs = [("value", indicator.value)]
        parts = []
        for role, ref in refs:
            assert ref is not None
            name, column = _split(ref)
            dataset = self.data.datasets[name]
            parts.append(Part(role, dataset, column, _positions(dataset, year, region)))
        return parts

    def exact(self, region: str | None, year: int) -> Fraction | None:
        """The exact value, from the original text of every cell behind it."""
        key = (region, year)
        if key in self._exact:
            return self._exact[key]
        result: Fraction | None = None
        sums = [part.exact_sum() for part in self.parts(region, year)]
        if all(s is not None for s in sums):
            if len(sums) == 1:
                result = sums[0]
            elif sums[1]:
                assert sums[0] is not None and sums[1] is not None
                result = sums[0] * Fraction(self.indicator.scale) / sums[1]
        self._exact[key] = result
        return result


@dataclass
class Part:
    """One sum behind a value: which dataset, column and frame rows."""

    role: str
    dataset: Dataset
    column: str
    positions: list[int]

    def exact_sum(self) -> Fraction | None:
        """Σ of the cells, exactly; ``None`` when a cell is missing or there is no row."""
        if not self.positions:
            return None
        dataset = self.dataset
        if dataset.derived is not None:
            total = Fraction(0)
            for position in self.positions:
                value = dataset.exact(self.column, position)
                if value is None:
                    return None
                total += value
            return total
        table = dataset.table
        assert table is not None
        ints = table.int_values(self.column)
        rows = dataset.table_rows(self.positions)
        if ints is not None:
            # Whole numbers read by pandas are exact already.
            return Fraction(int(ints[rows].sum(dtype=object)))
        texts = [text.strip() for text in table.cells(rows, self.column)]
        if not all(texts):
            return None
        with localcontext(_EXACT):
            return Fraction(sum(map(Decimal, texts), Decimal(0)))


def _positions(dataset: Dataset, year: int, region: str | None) -> list[int]:
    if region is None:
        by_year = dataset.by_year()
        return by_year[year].tolist() if year in by_year else []
    if not dataset.has_region:
        return []
    position = dataset.row_of(year, region)
    return [] if position is None else [position]


def series(indicator: Indicator, data: DataSet) -> Series:
    """An indicator's values (computed per year, on demand)."""
    return Series(indicator=indicator, data=data)


# --------------------------------------------------------------------------- targets


def baseline_of(plan: Plan, target: Target) -> int:
    """The baseline year of a target (its own, or the plan's)."""
    return target.baseline_year if target.baseline_year is not None else plan.info.baseline_year


def glide_threshold(
    b_value: Fraction, pct: Fraction, year: int, baseline: int, target_year: int
) -> Fraction:
    """B × (1 − P/100 × f), f = (year − baseline) ÷ (target − baseline) clipped to [0, 1]."""
    span = target_year - baseline
    f = min(max(Fraction(year - baseline, span), Fraction(0)), Fraction(1))
    return b_value * (1 - pct / 100 * f)


def final_threshold(plan: Plan, target: Target, b_value: Fraction | None) -> Fraction | None:
    """The threshold in the target year (``None`` for yoy_decline or without a baseline)."""
    if target.kind in ("max", "min"):
        return Fraction(target.number)  # type: ignore[arg-type]
    if target.kind == "decline_pct" and b_value is not None:
        return b_value * (1 - Fraction(target.number) / 100)  # type: ignore[arg-type]
    return None


def _met(kind: str, value: Fraction, threshold: Fraction) -> bool:
    if kind == "min":
        return value >= threshold
    if kind == "yoy_decline":
        return value < threshold
    return value <= threshold


def _results(plan: Plan, s: Series, regions: list[str | None], years: list[int]) -> list[Result]:
    """Results for the given regions × years, vectorised with exact tie-breaking."""
    return _grid(plan, s, regions, years)[0]


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
    if kind in ("max", "min"):
        thresholds = np.full(n, float(target.number))  # type: ignore[arg-type]
    elif kind == "yoy_decline":
        thresholds = s.values_at(codes, year_array - 1)
    else:
        base = s.values_at(codes, np.full(n, baseline, dtype="int64"))
        span = target_year - baseline
        elapsed = np.clip(year_array.astype("float64") - baseline, 0, span)
        pct = float(target.number)  # type: ignore[arg-type]
        # One rounding at the end: 125 × (500 − 40) ÷ 500 is exactly 115.0.
        thresholds = base * (100 * span - pct * elapsed) / (100 * span)
    with np.errstate(invalid="ignore"):
        if kind == "min":
            met = values >= thresholds
        elif kind == "yoy_decline":
            met = values < thresholds
        else:
            met = values <= thresholds
        scale = np.maximum(np.abs(values), np.abs(thresholds))
        unsure = np.abs(values - thresholds) <= _UNSURE * scale
    missing = np.isnan(values) | np.isnan(thresholds)
    exact = ~missing & (unsure if not _floats_are_exact(s) else False)
    exact |= ~missing & (codes < 0)
    status = np.where(missing, "no_data", np.where(met, "met", "missed")).tolist()
    value_list = _numbers(values)
    # CONTRACT §4: threshold and gap are null when there is no status to give.
    threshold_list = _numbers(np.where(missing, np.nan, thresholds))
    gap_list = _numbers(np.where(missing, np.nan, values - thresholds))
    for i in np.flatnonzero(exact).tolist():
        region, year = grid_regions[i], grid_years[i]
        value = s.exact(region, year)
        threshold = _exact_threshold(plan, s, region, year)
        if value is not None and threshold is not None:
            value_list[i] = number(value)
            threshold_list[i] = number(threshold)
            gap_list[i] = number(value - threshold)
            status[i] = "met" if _met(kind, value, threshold) else "missed"
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
    from safeplan.data import is_count_column

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
    return glide_threshold(b_value, Fraction(target.number), year, baseline, plan.info.target_year)


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
    """Every indicator against its target in ``year`` (CONTRACT §4)."""
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
        results.extend(_results(plan, s, regions, [year]))
    return CheckReport(plan=_plan_dict(plan), year=year, results=results)


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
    final = final_threshold(plan, target, v_b)
    projected: Fraction | None = None
    if v_l is not None and v_b is not None and latest_year > baseline:
        projected = v_l + (v_l - v_b) * (target_year - latest_year) / (latest_year - baseline)
    on_track: bool | None = None
    if projected is not None and final is not None:
        on_track = projected >= final if target.kind == "min" else projected <= final
    required: float | None = None
    if (
        final is not None
        and v_l is not None
        and latest_year < target_year
        and v_l != 0
        and final > 0
    ):
        ratio = final / v_l
        if ratio > 0:
            required = (float(ratio) ** (1 / (target_year - latest_year)) - 1) * 100
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
    if target.kind in ("max", "min"):
        final = np.full(len(regions), number_)
    elif target.kind == "decline_pct":
        final = v_b * (100 - number_) / 100
    else:
        final = np.full(len(regions), math.nan)
    with np.errstate(all="ignore"):
        elapsed = latest_year - baseline
        projected = np.where(
            elapsed > 0, v_l + (v_l - v_b) * (target_year - latest_year) / elapsed, math.nan
        )
        on_track = projected >= final if target.kind == "min" else projected <= final
        # Relative to the inputs too: a projection of 0.2 + (0.2 − 0.3) × 2 is 5.6e-17, not 0.
        magnitude = np.maximum.reduce([np.abs(projected), np.abs(final), np.abs(v_l), np.abs(v_b)])
        unsure = np.abs(projected - final) <= _UNSURE * magnitude
        ratio = final / v_l
        remaining = target_year - latest_year
        required = (np.power(ratio, 1 / np.maximum(remaining, 1)) - 1) * 100
    has_required = ~np.isnan(final) & ~np.isnan(v_l) & (remaining > 0) & (v_l != 0) & (final > 0)
    has_required &= ratio > 0
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
            unsure &= ~(np.maximum(np.abs(v_l), np.abs(v_b)) < 2**40)
    exact = ~present.any(axis=1) | (codes < 0) | (unsure & ~np.isnan(projected))
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


def evaluate_gap(plan: Plan, data: DataSet, region: str | None = None) -> GapReport:
    """Every indicator in every year from the baseline to the latest data, and the outlook."""
    available = data.years()
    if not available:
        raise DataError("the data has no rows", hint="add the yearly statistics")
    first = plan.info.baseline_year
    years = list(range(first, max(available[-1], first) + 1))
    regions = _region_list(plan, data, region)
    rows: list[Result] = []
    outlook: list[Outlook] = []
    for s in _series_for(plan, data):
        results, values = _grid(plan, s, regions, years)
        rows.extend(results)
        outlook.extend(_outlooks(plan, s, regions, years, results, values))
    return GapReport(plan=_plan_dict(plan), rows=rows, outlook=outlook)
