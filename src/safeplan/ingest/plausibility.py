"""Plausibility warnings: a used column jumping too much in a year, gaps in the years."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from safeplan.findings import Finding, finding
from safeplan.ingest.cells import SMALL_COUNT, is_count_column

if TYPE_CHECKING:
    from safeplan.ingest.dataset import Dataset


def plausibility(
    dataset: Dataset, columns: Iterable[str], max_change_pct: Decimal | None, year_gaps: bool
) -> list[Finding]:
    """Warnings: a used column jumping more than ``max_change_pct`` % in a year; gaps in years."""
    import numpy as np
    import pandas as pd

    frame = dataset.frame
    findings: list[Finding] = []
    if frame.empty:
        return findings
    # Order by (region, year) on integer codes: sorting strings is the slow part. The codes
    # number the regions in order of first appearance, whether from the texts or the loader.
    all_years = frame["year"].to_numpy()
    if not dataset.has_region:
        codes = np.zeros(len(frame), "int64")
    elif dataset.regions_factorized is not None:
        codes = pd.factorize(dataset.regions_factorized[0])[0]
    else:
        codes = pd.factorize(frame["region"])[0]
    positions = np.lexsort((all_years, codes))
    group = codes[positions]
    years = all_years[positions]
    same = np.zeros(len(frame), dtype=bool)
    same[1:] = group[1:] == group[:-1]
    step = np.zeros(len(frame), dtype="int64")
    step[1:] = years[1:] - years[:-1]

    region_names = frame["region"].to_numpy() if dataset.has_region else None
    table = dataset.table

    def label(p: int) -> str:
        return f"（{region_names[p]}）" if region_names is not None else ""

    def where(p: int, column: str) -> dict[str, Any]:
        return table.where(dataset.table_row(p), column) if table is not None else {}

    if year_gaps:
        for i in np.flatnonzero(same & (step > 1)).tolist():
            p = int(positions[i])
            missing = ", ".join(str(y) for y in range(int(years[i - 1]) + 1, int(years[i])))
            findings.append(
                finding(
                    "year-gap",
                    dataset.file,
                    f"缺少 {missing} 年的行{label(p)}",
                    value=str(years[i]),
                    hint="补上缺少的年份，或检查年份列；年份本来就不连续时可设 validation.year_gaps: false",
                    **where(p, "year"),
                )
            )
    if max_change_pct is None:
        return findings
    limit = float(max_change_pct)
    consecutive = same & (step == 1)
    for column in columns:
        values = frame[column].to_numpy(dtype="float64")[positions]
        previous = np.empty_like(values)
        previous[0] = np.nan
        previous[1:] = values[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.abs(values - previous) / previous * 100
        jump = consecutive & (previous > 0) & (change > limit)
        if is_count_column(column) or (dataset.derived is not None and column != "direct_loss"):
            # Percentages of small counts (11 → 4 deaths) are noise in a county; a count
            # must also move by at least SMALL_COUNT to be worth a warning.
            jump &= np.abs(values - previous) >= SMALL_COUNT
        hits = np.flatnonzero(jump)
        # Python numbers format as numpy's do; taken out in one go, not one at a time.
        for p, pct, before, after, year in zip(
            positions[hits].tolist(),
            change[hits].tolist(),
            previous[hits].tolist(),
            values[hits].tolist(),
            years[hits].tolist(),
            strict=True,
        ):
            findings.append(
                finding(
                    "large-change",
                    dataset.file,
                    f"{column} 从 {year - 1} 年到 {year} 年变化 {pct:.0f}%{label(p)}"
                    f"（{before:g} → {after:g}），超过 {limit:g}%",
                    value=f"{after:g}",
                    hint="核对数字；确认无误时可调高 indicators.yaml 中的 validation.max_change_pct",
                    **where(p, column),
                )
            )
    return findings
