"""Typed checks of cells, vectorised: numbers, counts, years, keys.

Each bad cell is a :class:`~safeplan.findings.Finding` at its file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from safeplan.findings import Finding, finding

if TYPE_CHECKING:
    import numpy as np

    from safeplan.ingest.table import RawTable

#: Counts from here on are no statistics, and floating point no longer holds them exactly.
MAX_COUNT = 2**53


#: A count must change by at least this much in a year to be flagged as a large change.
SMALL_COUNT = 10


#: A column whose name says it counts something must hold whole numbers.
_COUNT_NAME = re.compile(r"(deaths|accidents|injuries|死亡|起数|事故|重伤)", re.I)


_RATE_NAME = re.compile(r"(rate|ratio|pct|percent|per_|_per|率|比|%|就业|从业|人员)", re.I)


def is_count_column(name: str) -> bool:
    """True when ``name`` reads as a count (deaths, accidents, 死亡人数, 事故起数 …)."""
    return bool(_COUNT_NAME.search(name)) and not _RATE_NAME.search(name)


def _rows_where(mask: Any) -> list[int]:
    import numpy as np

    mask = np.asarray(mask)
    if not mask.any():  # the usual case, and much quicker to tell
        return []
    rows: list[int] = np.flatnonzero(mask).tolist()
    return rows


def check_numbers(
    table: RawTable,
    column: str,
    *,
    count: bool,
    denominator: bool,
    integer_hint: str = "",
    blank_ok: bool = False,
) -> tuple[np.ndarray[Any, Any], list[Finding]]:
    """Parse one used column to floats; every bad cell is a finding (vectorised)."""
    import numpy as np

    values, blank = table.numbers(column)
    findings: list[Finding] = []
    file = table.file

    def add(code: str, rows: Iterable[int], message: str, hint: str) -> None:
        for row in rows:
            text = table.cell(row, column)
            findings.append(
                finding(
                    code,
                    file,
                    message.format(value=text, column=column),
                    value=text,
                    hint=hint,
                    **table.where(row, column),
                )
            )

    nan = np.isnan(values)
    spelled_nan = np.zeros(len(values), dtype=bool)
    for row in _rows_where(nan & ~blank):
        spelled_nan[row] = table.cell(row, column).strip().lower() in ("nan", "-nan", "+nan")
    add(
        "non-numeric",
        _rows_where(nan & ~blank & ~spelled_nan),
        "'{value}' in column '{column}' is not a number",
        "write plain numbers (no units, no thousands separators); leave a cell blank when "
        "the figure is missing",
    )
    infinite = np.isinf(values)
    add(
        "non-finite",
        _rows_where(infinite | spelled_nan),
        "'{value}' in column '{column}' is not a finite number",
        "write the actual figure",
    )
    finite = ~nan & ~infinite
    with np.errstate(invalid="ignore"):
        negative = finite & (values < 0)
        add(
            "negative-value",
            _rows_where(negative),
            "'{value}' in column '{column}' is negative",
            "counts and amounts cannot be negative",
        )
        huge = np.zeros(len(values), dtype=bool)
        if count:
            huge = finite & (values >= MAX_COUNT)
            add(
                "non-finite",
                _rows_where(huge),
                "'{value}' in column '{column}' is too large to be a count",
                "write the actual figure",
            )
            fractional = finite & ~negative & (np.floor(values) != values)
            add(
                "non-integer-count",
                _rows_where(fractional),
                "'{value}' in column '{column}' is a count but not a whole number",
                "counts are whole numbers" + integer_hint,
            )
        if denominator:
            add(
                "zero-denominator",
                _rows_where(finite & (values == 0)),
                "'{value}' in column '{column}' is a denominator and must be positive",
                "a rate cannot divide by zero: give the real figure or leave the cell blank",
            )
    add(
        "missing-value",
        [] if blank_ok else _rows_where(blank),
        "column '{column}' is blank: results that need it have no data",
        "fill in the figure, or leave it blank on purpose",
    )
    values[~finite | negative | huge] = np.nan
    return values, findings


def check_years(table: RawTable) -> tuple[np.ndarray[Any, Any], list[Finding]]:
    """Parse the year column; rows without a usable year get -1."""
    import numpy as np

    values, blank = table.numbers("year")
    findings: list[Finding] = []
    for row in _rows_where(blank):
        findings.append(
            finding(
                "missing-year",
                table.file,
                "the row has no year",
                hint="fill in the year",
                **table.where(row, "year"),
            )
        )
    with np.errstate(invalid="ignore"):
        bad = ~blank & (np.isnan(values) | np.isinf(values) | (np.floor(values) != values))
        implausible = ~blank & ~bad & ((values < MIN_YEAR) | (values > MAX_YEAR))
    for row in _rows_where(bad):
        text = table.cell(row, "year")
        findings.append(
            finding(
                "non-integer-year",
                table.file,
                f"year '{text}' is not a whole number",
                value=text,
                hint="write the year as four digits, e.g. 2024",
                **table.where(row, "year"),
            )
        )
    for row in _rows_where(implausible):
        text = table.cell(row, "year")
        findings.append(
            finding(
                "implausible-year",
                table.file,
                f"year '{text}' is outside {MIN_YEAR}–{MAX_YEAR}",
                value=text,
                hint="check the year",
                **table.where(row, "year"),
            )
        )
    years = np.where(blank | bad | implausible, -1, np.nan_to_num(values, nan=-1)).astype("int64")
    return years, findings


def check_keys(
    table: RawTable, years: np.ndarray[Any, Any], regions: tuple[Any, Any] | None
) -> list[Finding]:
    """Blank regions and duplicate (year, region) rows.

    ``regions`` is the stripped region column as (code of each row, distinct regions).
    """
    import numpy as np
    import pandas as pd

    findings: list[Finding] = []
    if regions is not None:
        codes, labels = regions
        for row in _rows_where(np.isin(codes, np.flatnonzero(labels == ""))):
            findings.append(
                finding(
                    "missing-region",
                    table.file,
                    "the row has no region",
                    hint="fill in the region (地区) of every row",
                    **table.where(row, "region"),
                )
            )
    else:
        codes, labels = np.zeros(len(years), dtype="int64"), [None]
    # One integer per (year, region): duplicates found by hashing ints, not tuples.
    if not pd.Index(years * (len(labels) + 1) + codes).has_duplicates:
        return findings
    keys = pd.DataFrame({"year": years})
    if regions is not None:
        keys["region"] = labels[codes].tolist()
    valid = keys["year"].to_numpy() >= 0
    subset = list(keys.columns)
    dup = keys.duplicated(subset=subset, keep=False).to_numpy() & valid
    if dup.any():
        first_line: dict[tuple[Any, ...], int] = {}
        for row in _rows_where(dup):
            key = tuple(keys.iloc[row])
            line = table.lines[row]
            if key not in first_line:
                first_line[key] = line
                continue
            what = f"year {key[0]}" + (f", region '{key[1]}'" if len(key) > 1 else "")
            findings.append(
                finding(
                    "duplicate-row",
                    table.file,
                    f"a second row for {what} (first at line {first_line[key]})",
                    hint="keep one row per year" + (" and region" if len(key) > 1 else ""),
                    value=str(key[0]),
                    **table.where(row, "year"),
                )
            )
    return findings


MIN_YEAR, MAX_YEAR = 1900, 2200
