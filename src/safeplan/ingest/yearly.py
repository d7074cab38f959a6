"""Yearly tables: one row per year (and region), read, checked and framed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from safeplan.errors import ConfigError
from safeplan.findings import Finding, finding
from safeplan.ingest.cells import check_keys, check_numbers, check_years, is_count_column
from safeplan.ingest.dataset import Dataset
from safeplan.ingest.layout import YEARLY_ALIASES
from safeplan.ingest.read import read_file

if TYPE_CHECKING:
    from safeplan.plan import Plan, Source


def _missing_column(
    plan: Plan,
    source: Source,
    column: str,
    refs: list[tuple[str, int | None]],
    available: Iterable[str],
) -> ConfigError:
    key, line = refs[0]
    shown = ", ".join(c for c in available if not c.startswith("_"))
    return ConfigError(
        f"{plan.display}:{line}: {key}: column '{column}' not found in dataset "
        f"'{source.dataset}' ({source.display} has: {shown})",
        hint="fix the column name in indicators.yaml or the header of the data file",
    )


_HEADER_CODES = {"blank-header", "duplicate-header", "empty-file", "wrong-delimiter"}


def load_yearly(
    plan: Plan, source: Source, used: dict[str, list[tuple[str, int | None]]], dens: set[str]
) -> tuple[Dataset | None, list[Finding]]:
    """Read and check one yearly table."""
    import numpy as np
    import pandas as pd

    table, findings = read_file(
        source.path, source.display, sheet=source.sheet, aliases=YEARLY_ALIASES
    )
    if table is None:
        return None, findings
    header_broken = any(f.code in _HEADER_CODES for f in findings)
    if "year" not in table.header:
        findings.append(
            finding(
                "missing-year-column",
                table.file,
                f"no year column (year or 年份); columns: {', '.join(table.original or table.header)}",
                line=table.header_line,
                hint="name the year column 'year' or '年份'",
            )
        )
        return None, findings
    for column, refs in used.items():
        if column in ("year", "region"):
            key, line = refs[0]
            raise ConfigError(
                f"{plan.display}:{line}: {key}: '{column}' is the key column of "
                f"{source.display}, not a figure",
                hint="reference a column of figures, e.g. accidents.deaths",
            )
    missing = [c for c in used if c not in table.header]
    if missing:
        if not header_broken:
            raise _missing_column(plan, source, missing[0], used[missing[0]], table.header)
        for column in missing:
            findings.append(
                finding(
                    "missing-column",
                    table.file,
                    f"no column '{column}' (used by {used[column][0][0]})",
                    line=table.header_line,
                )
            )
    years, year_findings = check_years(table)
    findings.extend(year_findings)
    has_region = "region" in table.header
    regions = table.strip_column("region") if has_region else None
    findings.extend(check_keys(table, years, regions))
    columns: dict[str, Any] = {"year": years}
    if regions is not None:
        codes, labels = regions
        columns["region"] = pd.Series(labels[codes], dtype=object)
    for column in used:
        if column not in table.header:
            continue
        values, more = check_numbers(
            table, column, count=is_count_column(column), denominator=column in dens
        )
        findings.extend(more)
        columns[column] = values
    columns["_row"] = np.arange(table.n_rows)
    frame = pd.DataFrame(columns)
    kept = years >= 0
    if not kept.all():
        frame = frame[kept].reset_index(drop=True)
    return Dataset(
        name=source.dataset,
        file=source.display,
        frame=frame,
        has_region=has_region,
        table=table,
        regions_factorized=(regions[0][kept], regions[1]) if regions is not None else None,
    ), findings
