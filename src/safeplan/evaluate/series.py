"""An indicator's values for every region and year: floats for all, exact on demand."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from safeplan.ingest.dataset import DataSet, Dataset
    from safeplan.plan import Indicator


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
            with np.errstate(over="ignore"):  # past 1.8e308: inf, refused by _check_range
                total = float(part.sum())
            totals.append(total if len(rows) and not np.isnan(part).any() else math.nan)
        scale = float(self.indicator.scale)
        with np.errstate(all="ignore"):
            if len(refs) == 1:
                result = (regional[0], totals[0])
            else:
                whole = totals[0] * scale / totals[1] if totals[1] else math.nan
                result = (regional[0] * scale / regional[1], whole)
        self._check_range(year, *result)
        self._years[year] = result
        return result

    def _check_range(self, year: int, regional: np.ndarray[Any, Any], whole: float) -> None:
        """Refuse a value beyond the float range (a rate over a denominator near zero, a sum
        past 1.8e308): it could be neither compared nor printed, so it is an error naming
        the indicator, the region and the year, never ``inf`` in a report."""
        import numpy as np

        beyond = np.flatnonzero(np.isinf(regional))
        if not beyond.size and not math.isinf(whole):
            return
        from safeplan.errors import DataError

        where = f"（{self.data.regions[int(beyond[0])]}）" if beyond.size else ""
        indicator = self.indicator
        hint = "检查数据中的数字是否过大"
        if indicator.denominator is not None:
            hint = f"检查分母 {indicator.denominator} 是否过小（单位是否有误），以及 per 是否过大"
        raise DataError(
            f"指标 {indicator.id}（{indicator.name}）{year} 年{where}的值超出可计算的范围"
            "（绝对值大于 1.8e308）",
            hint=hint,
        )

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
        # The cells' text as offices write it (1,234.5, full-width digits), exactly.
        return table.exact_sum(dataset.table_rows(self.positions), self.column)


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
