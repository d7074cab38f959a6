"""Yearly (and per-region) totals of classified accident records, vectorised.

Pure: arrays in, a frame out, no I/O. The class of each record comes from
:mod:`safeplan.domain.classes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from safeplan.domain.classes import (
    CLASSES,
    LARGER,
    MAJOR,
    Classification,
    _classify,
    _integers,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd


def yearly_columns(sector_groups: Iterable[str] = (), *, with_region: bool = False) -> list[str]:
    """The columns of :func:`derive_yearly`'s frame, in order."""
    columns = ["year"]
    if with_region:
        columns.append("region")
    columns += ["accidents", "deaths", "serious_injuries", "direct_loss", *CLASSES]
    columns += ["major_or_above", "larger_or_above"]
    for group in sector_groups:
        columns += [f"{group}_accidents", f"{group}_deaths"]
    return columns


def derive_yearly(
    year: npt.ArrayLike,
    region: npt.NDArray[np.object_] | Sequence[str] | None,
    sector: npt.NDArray[np.object_] | Sequence[str | None] | None,
    deaths: npt.ArrayLike,
    serious_injuries: npt.ArrayLike,
    direct_loss: npt.NDArray[np.object_] | Sequence[str],
    *,
    sectors: Mapping[str, Sequence[str]],
    classified: tuple[Classification, npt.NDArray[np.float64]] | None = None,
    region_codes: tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]] | None = None,
    sector_codes: tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]] | None = None,
    last_year: int | None = None,
) -> pd.DataFrame:
    """Yearly (and per-region) totals of accident records.

    One row per year from the first to the last record year (or to ``last_year``, the year
    a ledger declares itself complete to, when later), times every region seen when
    ``region`` is given (``None`` means the data has no region column); a year or region
    without records counts zero. Columns, in order (see :func:`yearly_columns`): ``year``,
    [``region``], ``accidents``, ``deaths``, ``serious_injuries``, ``direct_loss``,
    ``general``, ``larger``, ``major``, ``especially_major``, ``major_or_above``,
    ``larger_or_above``, and for each group G of ``sectors``: ``G_accidents``, ``G_deaths``
    (records whose sector value is in G's list; a sector may be in several groups or none).
    Counts are ``int64``; ``direct_loss`` is the float64 sum — use :func:`safeplan.domain.exact.exact_sum` on the
    texts where an exact sum matters. Rows are sorted by year, then region.

    ``region_codes`` and ``sector_codes``, when the caller has them, are ``region`` and
    ``sector`` factorized: (a non-negative code for each record, the distinct values the
    codes index). They give the same frame without hashing every record's text again.

    Raises :class:`ValueError` when the arrays differ in length, a region value is missing,
    ``sectors`` names groups but ``sector`` is ``None``, or :func:`classify` rejects a value.
    """
    import numpy as np
    import pandas as pd

    with_region = region is not None or region_codes is not None
    columns = yearly_columns(sectors, with_region=with_region)
    classification, loss = (
        classified if classified is not None else _classify(deaths, serious_injuries, direct_loss)
    )
    n = len(classification)
    deaths_arr = np.asarray(deaths).astype(np.int64, copy=False)
    injuries_arr = np.asarray(serious_injuries).astype(np.int64, copy=False)
    year_arr = _integers(year, "year")
    if len(year_arr) != n:
        raise ValueError(f"year has {len(year_arr)} values, the measures {n}")
    if sectors and sector is None and sector_codes is None:
        raise ValueError("sector groups are given but the records have no sector column")

    sector_code: npt.NDArray[np.intp] | None = None
    distinct: npt.ArrayLike = []
    if sectors:
        if sector_codes is None:
            sector_arr = np.asarray(sector, dtype=object)
            if len(sector_arr) != n:
                raise ValueError(f"sector has {len(sector_arr)} values, the measures {n}")
            sector_codes = pd.factorize(sector_arr)
        sector_code, distinct = sector_codes
        if len(sector_code) != n:
            raise ValueError(f"sector has {len(sector_code)} values, the measures {n}")

    region_code: npt.NDArray[np.intp] | None = None
    region_labels: npt.NDArray[np.object_] = np.zeros(0, dtype=object)
    if with_region:
        # Grouping by small integer codes is much faster than by strings; the sorted
        # labels are put back after the totals are taken.
        if region_codes is None:
            region_arr = np.asarray(region, dtype=object)
            if len(region_arr) != n:
                raise ValueError(f"region has {len(region_arr)} values, the measures {n}")
            region_code, distinct_regions = pd.factorize(region_arr, sort=True)
        else:
            if len(region_codes[0]) != n:
                raise ValueError(f"region has {len(region_codes[0])} values, the measures {n}")
            region_code, distinct_regions = _sorted_codes(*region_codes)
        if (region_code < 0).any():
            raise ValueError("a region value is missing")
        region_labels = np.asarray(distinct_regions, dtype=object)

    if n == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=np.int64) for c in columns})
        empty["direct_loss"] = empty["direct_loss"].astype(np.float64)
        if with_region:
            empty["region"] = empty["region"].astype(str)
        return empty

    # Totals per (year, region) cell with np.bincount on one integer code per record: no
    # frame of a million rows is built. Years (or year × region cells) without records
    # are rows of zeros, not absent rows. Counts are summed as integers; deaths and
    # injuries as floats, exact for any real total (below 2**53).
    year_min = int(year_arr.min())
    year_max = max(int(year_arr.max()), last_year if last_year is not None else year_min)
    years = np.arange(year_min, year_max + 1, dtype=np.int64)
    n_regions = len(region_labels) if with_region else 1
    cell = (year_arr - year_min) * n_regions
    if region_code is not None:
        cell = cell + region_code.astype(np.int64, copy=False)
    size = len(years) * n_regions

    def total(weights: npt.NDArray[np.generic], where: npt.NDArray[np.bool_] | None = None) -> Any:
        at = cell if where is None else cell[where]
        values = weights if where is None else weights[where]
        return np.rint(np.bincount(at, weights=values, minlength=size)).astype(np.int64)

    totals: dict[str, npt.NDArray[np.generic]] = {"year": np.repeat(years, n_regions)}
    if with_region:
        totals["region"] = np.tile(region_labels, len(years))
    totals["accidents"] = np.bincount(cell, minlength=size).astype(np.int64, copy=False)
    deaths_float = deaths_arr.astype(np.float64)
    totals["deaths"] = total(deaths_float)
    totals["serious_injuries"] = total(injuries_arr.astype(np.float64))
    totals["direct_loss"] = np.bincount(
        cell, weights=np.asarray(loss, dtype=np.float64), minlength=size
    )
    # One count per (cell, class); the "or above" columns add the higher classes up.
    by_class = np.bincount(cell * len(CLASSES) + classification.code, minlength=size * 4)
    by_class = by_class.astype(np.int64, copy=False).reshape(size, len(CLASSES))
    for value, key in enumerate(CLASSES):
        totals[key] = by_class[:, value]
    totals["major_or_above"] = by_class[:, MAJOR:].sum(axis=1)
    totals["larger_or_above"] = by_class[:, LARGER:].sum(axis=1)
    if sector_code is not None:
        # Membership is decided once per distinct sector value, not once per record and
        # group; a missing sector (code -1) picks the appended False: in no group.
        values = pd.Index(distinct)
        k = len(values)
        by_sector = None
        if (k + 1) * size <= 4 * n:
            # Few distinct sectors: totals per (cell, sector) once, then a group adds up its
            # sectors' columns.
            pair = cell * (k + 1) + np.where(sector_code < 0, k, sector_code)
            count_by = np.bincount(pair, minlength=size * (k + 1)).reshape(size, k + 1)
            deaths_by = np.bincount(pair, weights=deaths_float, minlength=size * (k + 1))
            by_sector = (count_by.astype(np.int64, copy=False), deaths_by.reshape(size, k + 1))
        for group, members in sectors.items():
            in_group = np.append(values.isin(list(members)), False)
            if by_sector is not None:
                totals[f"{group}_accidents"] = by_sector[0][:, in_group].sum(axis=1)
                summed = by_sector[1][:, in_group].sum(axis=1)
                totals[f"{group}_deaths"] = np.rint(summed).astype(np.int64)
            else:
                member = in_group[sector_code]
                counted = np.bincount(cell[member], minlength=size)
                totals[f"{group}_accidents"] = counted.astype(np.int64, copy=False)
                totals[f"{group}_deaths"] = total(deaths_float, member)
    return pd.DataFrame(totals)[columns]


def _sorted_codes(
    codes: npt.NDArray[np.int64], values: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """``pd.factorize(values[codes], sort=True)``, from the codes: the values present, sorted."""
    import numpy as np

    if len(codes) and codes.min() < 0:
        raise ValueError("a region value is missing")
    present = np.flatnonzero(np.bincount(codes, minlength=len(values)))
    order = present[np.argsort(values[present], kind="stable")]
    rank = np.full(len(values), -1, dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank[codes], values[order]
