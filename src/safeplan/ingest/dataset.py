"""The checked data of a plan, ready to evaluate: :class:`Dataset` and :class:`DataSet`.

A :class:`Dataset` is a frame of float columns for fast evaluation plus the original text
of every cell (or, for accident records, the :class:`Records` behind each derived cell), so
that a status can be decided exactly where floating point would be unsure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from safeplan.domain.classes import CLASS_MASKS, Classification, describe, loss_in_wan
from safeplan.domain.exact import exact_sum
from safeplan.ingest.table import RawTable
from safeplan.ingest.text import canonical_number

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from safeplan.findings import ValidationReport
    from safeplan.ingest.controls import ControlFigures


@dataclass
class Dataset:
    """A validated dataset, ready to evaluate.

    ``frame`` has ``year`` (int), ``region`` (when the data has one), the used columns as
    floats (NaN = missing) and ``_row``, the data row in ``table`` each frame row came from.
    """

    name: str
    file: str
    frame: pd.DataFrame
    has_region: bool
    table: RawTable | None = None
    derived: Records | None = None
    """For accident records: the :class:`Records` behind the frame."""
    _index: dict[int, dict[str | None, int]] = field(default_factory=dict, repr=False)
    _by_year: dict[int, np.ndarray[Any, Any]] | None = field(default=None, repr=False)
    _rows: list[int] | None = field(default=None, repr=False)
    _row_array: np.ndarray[Any, Any] | None = field(default=None, repr=False)

    _values: dict[str, Any] = field(default_factory=dict, repr=False)
    _codes: Any = field(default=None, repr=False)
    regions_factorized: tuple[Any, Any] | None = field(default=None, repr=False)
    """(code of each frame row, distinct regions) when the loader has them: spares
    :attr:`DataSet.regions` hashing the region texts again."""

    def column_values(self, column: str) -> np.ndarray[Any, Any]:
        """A column of the frame as a float numpy array (cached)."""
        values = self._values.get(column)
        if values is None:
            values = self._values[column] = self.frame[column].to_numpy(dtype="float64")
        return values  # type: ignore[no-any-return]

    def region_codes(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(codes of the regions present, code of each frame row) in the plan's region list."""
        assert self._codes is not None, "DataSet.regions assigns the codes"
        return self._codes  # type: ignore[no-any-return]

    def covers(self, year: int) -> bool:
        """True when ``year`` lies within the years of the frame."""
        years = self.by_year()
        return bool(years) and min(years) <= year <= max(years)

    def table_row(self, position: int) -> int:
        """The data row of ``table`` behind frame position ``position``."""
        if self._rows is None:
            self._rows = self.frame["_row"].tolist()
        return self._rows[position]

    def table_rows(self, positions: Sequence[int] | np.ndarray[Any, Any]) -> list[int]:
        """The data rows of ``table`` behind frame positions."""
        if self._row_array is None:
            self._row_array = self.frame["_row"].to_numpy()
        rows: list[int] = self._row_array[positions].tolist()
        return rows

    def by_year(self) -> dict[int, np.ndarray[Any, Any]]:
        """Frame positions of the rows of each year, in frame order."""
        if self._by_year is None:
            import numpy as np

            years = self.frame["year"].to_numpy()
            order = np.argsort(years, kind="stable")
            distinct, starts = np.unique(years[order], return_index=True)
            bounds = [*starts.tolist()[1:], len(order)] if len(order) else []  # no rows: no years
            self._by_year = {
                int(year): order[start:end]
                for year, start, end in zip(distinct.tolist(), starts.tolist(), bounds, strict=True)
            }
        return self._by_year

    def row_of(self, year: int, region: str | None) -> int | None:
        """Frame position of the row for ``year`` (and ``region``), if any."""
        index = self._index.get(year)
        if index is None:
            positions = self.by_year()[year].tolist() if year in self.by_year() else []
            if self.has_region:
                regions = self.frame["region"].to_numpy()[positions].tolist()
            else:
                regions = [None] * len(positions)
            index = self._index[year] = dict(zip(regions, positions, strict=True))
        return index.get(region)

    def exact(self, column: str, position: int) -> Fraction | None:
        """The exact value of a cell (frame position), from its original text."""
        if self.derived is not None:
            return self.derived.exact(column, position)
        assert self.table is not None
        return self.table.exact(self.table_row(position), column)

    def location(self, position: int, column: str) -> str:
        """``file:line:col`` (or ``file:Sheet!B7``) of one cell."""
        if self.table is None:
            return self.file
        place = self.table.where(self.table_row(position), column)
        if "cell" in place:
            return f"{self.file}:{place['cell']}"
        return ":".join(str(p) for p in (self.file, place.get("line"), place.get("column")) if p)


@dataclass
class DataSet:
    """All datasets of a plan and the findings from reading them."""

    datasets: dict[str, Dataset]
    report: ValidationReport
    controls: ControlFigures | None = None
    """The figures of the plan's control-figure tables (控制指标分解表), if it has any."""
    _regions: list[str] | None = field(default=None, repr=False)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def regions(self) -> list[str]:
        """Every region in the data, in order of first appearance; codes each dataset's rows."""
        if self._regions is None:
            import numpy as np
            import pandas as pd

            index: dict[str, int] = {}
            for dataset in self.datasets.values():
                if not dataset.has_region:
                    continue
                if dataset.regions_factorized is not None:
                    # Renumbered in order of first appearance, as factorizing the texts would.
                    row_codes, labels = dataset.regions_factorized
                    codes, present = pd.factorize(row_codes)
                    uniques = labels[present]
                else:
                    codes, uniques = pd.factorize(dataset.frame["region"].to_numpy(dtype=object))
                mapped = np.array([index.setdefault(u, len(index)) for u in uniques], dtype="int64")
                dataset._codes = (mapped, mapped[codes] if len(codes) else codes)
            self._regions = list(index)
            self._index = index
        return self._regions

    def region_index(self) -> dict[str, int]:
        """Position of each region in :attr:`regions`."""
        self.regions  # noqa: B018 - assigns the index
        return self._index

    def years(self) -> list[int]:
        """Every year present in any dataset, sorted."""
        years: set[int] = set()
        for dataset in self.datasets.values():
            years.update(int(y) for y in dataset.frame["year"].unique())
        return sorted(years)


def _in_wan(text: str, exponent: int) -> str:
    """A kept record's loss cell as decimal text in 万元 (it holds a number)."""
    canonical = canonical_number(text)
    assert canonical is not None, "a kept record's loss is a number"
    return loss_in_wan(canonical, exponent) if exponent else canonical


@dataclass
class Records:
    """The checked accident records behind a derived yearly frame."""

    table: RawTable
    rows: np.ndarray[Any, Any]
    """Table row of each kept record."""
    year: np.ndarray[Any, Any]
    region_codes: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None
    """The region of each kept record as (code, distinct regions); None without regions."""
    sector_codes: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None
    """The sector of each kept record as (code, distinct sectors); None without sectors."""
    deaths: np.ndarray[Any, Any]
    injuries: np.ndarray[Any, Any]
    sectors: dict[str, list[str]]
    frame: Any = None
    loss: np.ndarray[Any, Any] | None = None
    """The direct loss of each kept record in 万元 (0 where blank), as floats."""
    injuries_missing: np.ndarray[Any, Any] | None = None
    """Per record: the serious injuries were not recorded (blank or a dash)."""
    loss_missing: np.ndarray[Any, Any] | None = None
    """Per record: the direct loss was not recorded (blank or a dash)."""
    loss_exponent: int = 0
    """The power of ten that turns the loss header's unit into 万元 (元: -4, 亿元: 4)."""
    classes: Classification = field(init=False)
    """The class of each record (assigned once classified: classifying asks
    :meth:`loss_text` of the records next to a bound)."""

    def loss_text(self, index: int) -> str:
        """Record ``index``'s direct loss as decimal text in 万元, converted exactly from the
        header's unit ("0" when not recorded)."""
        if "direct_loss" not in self.table.header or (
            self.loss_missing is not None and self.loss_missing[index]
        ):
            return "0"
        return _in_wan(self.table.cell(int(self.rows[index]), "direct_loss"), self.loss_exponent)

    def loss_texts(self) -> tuple[np.ndarray[Any, Any], list[str]]:
        """:meth:`loss_of` of every record, coded: each record's code (int64) into the
        distinct texts, ``""`` where not recorded. Each distinct cell is converted once."""
        import numpy as np

        size = len(self.rows)
        if "direct_loss" not in self.table.header:
            return np.zeros(size, dtype=np.int64), [""]
        codes, texts = self.table.factorize("direct_loss")
        codes = codes[self.rows]
        missing = np.zeros(size, dtype=bool) if self.loss_missing is None else self.loss_missing
        converted = [""] * (len(texts) + 1)
        for code in np.flatnonzero(np.bincount(codes[~missing], minlength=len(texts))).tolist():
            converted[code] = _in_wan(texts[code], self.loss_exponent)
        codes[missing] = len(texts)  # the last text, "": not recorded
        return codes, converted

    def injuries_of(self, index: int) -> int | None:
        """Record ``index``'s serious injuries, ``None`` when not recorded."""
        if self.injuries_missing is not None and self.injuries_missing[index]:
            return None
        return int(self.injuries[index])

    def loss_of(self, index: int) -> str | None:
        """Record ``index``'s direct loss in 万元 as decimal text, ``None`` when not recorded."""
        if self.loss_missing is not None and self.loss_missing[index]:
            return None
        return self.loss_text(index)

    @cached_property
    def region(self) -> np.ndarray[Any, Any] | None:
        """The region of each kept record (object array), None without a region column."""
        if self.region_codes is None:
            return None
        codes, values = self.region_codes
        return values[codes]  # type: ignore[no-any-return]

    @cached_property
    def sector(self) -> np.ndarray[Any, Any] | None:
        """The sector of each kept record (object array), None without a sector column."""
        if self.sector_codes is None:
            return None
        codes, values = self.sector_codes
        return values[codes]  # type: ignore[no-any-return]

    def select(self, column: str, year: int, region: str | None) -> np.ndarray[Any, Any]:
        """Indexes of the records behind one derived cell, in order.

        The records of a column and year are found once and split by region, so that
        explaining a national value (one cell per region) stays linear in the records.
        """
        cache: dict[tuple[str, int], Any] = self.__dict__.setdefault("_selected", {})
        if (column, year) not in cache:
            cache[(column, year)] = self._select(column, year)
        picked, by_region = cache[(column, year)]
        if region is None or by_region is None:
            return picked  # type: ignore[no-any-return]
        return by_region.get(region, picked[:0])  # type: ignore[no-any-return]

    def _select(
        self, column: str, year: int
    ) -> tuple[np.ndarray[Any, Any], dict[str, np.ndarray[Any, Any]] | None]:
        """The records behind ``column`` in ``year``, and the same by region."""
        import numpy as np

        mask = self.year == year
        if column in CLASS_MASKS:
            mask &= np.isin(self.classes.code, CLASS_MASKS[column])
        for group, values in self.sectors.items():
            if column in (f"{group}_accidents", f"{group}_deaths") and self.sector_codes:
                codes, labels = self.sector_codes
                mask &= np.isin(labels, values)[codes]
        picked = np.flatnonzero(mask)
        if self.region_codes is None:
            return picked, None
        if not len(picked):
            return picked, {}
        codes = self.region_codes[0][picked]
        order = np.argsort(codes, kind="stable")
        starts = np.flatnonzero(np.diff(codes[order], prepend=-1))
        labels = self.region_codes[1]
        groups = np.split(picked[order], starts[1:])
        return picked, {
            str(labels[code]): group
            for code, group in zip(codes[order][starts].tolist(), groups, strict=True)
        }

    def exact(self, column: str, position: int) -> Fraction | None:
        """The exact value of a derived cell."""
        if column != "direct_loss":
            cache = self.__dict__.setdefault("_columns", {})
            if column not in cache:
                cache[column] = self.frame[column].to_numpy()
            return Fraction(int(cache[column][position]))
        year = int(self.frame["year"].iat[position])
        region = self.frame["region"].iat[position] if "region" in self.frame else None
        try:
            texts = [self.loss_text(i) for i in self.select(column, year, region).tolist()]
            return exact_sum(texts)
        except ValueError:
            return None  # digits beyond any exact sum: the float value stands

    def describe(self, index: int, lang: Literal["zh", "en"] = "zh") -> str:
        """Why record ``index`` has its class, e.g. ``重大: 死亡 10 人 ≥ 10``."""
        return describe(
            int(self.classes.code[index]),
            int(self.deaths[index]),
            self.injuries_of(index),
            self.loss_of(index),
            lang=lang,
        )

    def reason(self, index: int) -> str:
        """``line N: 重大: 死亡 10 人 ≥ 10`` for one record."""
        return f"line {self.table.lines[int(self.rows[index])]}: {self.describe(index)}"

    def lines(self, indexes: np.ndarray[Any, Any]) -> list[int]:
        """Physical lines (or sheet rows) of records."""
        return [self.table.lines[int(self.rows[i])] for i in indexes]
