"""Accident records (one row per accident): checks, classification and the yearly table.

The records are read by the shared pipeline (:mod:`safeplan.ingest.read`), checked
vectorised, classified by 国务院令第493号 (:mod:`safeplan.domain.classes`) and summed into the
yearly (and per-region) columns that indicators use like any other column.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from safeplan.domain.classes import classify
from safeplan.domain.derive import derive_yearly, yearly_columns
from safeplan.errors import ConfigError
from safeplan.findings import Finding, finding
from safeplan.ingest.cells import check_numbers, check_years
from safeplan.ingest.dataset import Dataset, Records
from safeplan.ingest.read import read_file
from safeplan.ingest.table import RawTable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from safeplan.plan import Plan, Source

RECORD_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "事故日期", "发生日期"),
    "year": ("year", "年份"),
    "region": ("region", "地区"),
    "sector": ("sector", "行业"),
    "deaths": ("deaths", "死亡人数"),
    "serious_injuries": ("serious_injuries", "重伤人数"),
    "direct_loss": ("direct_loss", "直接经济损失"),
}


_DATE = re.compile(
    r"^\s*(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$"
)


def derived_columns(sector_groups: list[str]) -> list[str]:
    """The columns a records dataset offers to indicators."""
    return [c for c in yearly_columns(sector_groups) if c != "year"]


def _stamps(distinct: list[str]) -> pd.Series[Any]:
    """The dates of distinct date texts (NaT where unreadable)."""
    import pandas as pd

    texts = pd.Series([text.strip() for text in distinct], dtype=object)
    # ISO dates (the usual case) at C speed; only the rest go through the pattern.
    stamp = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce")
    other = stamp.isna().to_numpy()
    if other.any():
        parts = texts[other].str.extract(_DATE)
        stamp[other] = pd.to_datetime(
            {
                "year": pd.to_numeric(parts["y"]),
                "month": pd.to_numeric(parts["m"]),
                "day": pd.to_numeric(parts["d"]),
            },
            errors="coerce",
        )
    return stamp


#: The day number :func:`record_days` gives a record without a readable date.
NO_DAY = -(2**62)


def record_days(table: RawTable) -> np.ndarray[Any, Any]:
    """The date of each data row as a day number (days since 1970-01-01; :data:`NO_DAY`
    where the date is unreadable), each distinct date text read once."""
    import numpy as np

    codes, distinct = table.factorize("date")
    stamp = _stamps(distinct)
    days = stamp.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
    days[stamp.isna().to_numpy()] = NO_DAY
    return np.asarray(days[codes], dtype="int64")


def _after_through(table: RawTable, years: np.ndarray[Any, Any], through: date) -> list[Finding]:
    """Records dated after the date the ledger declares itself complete to."""
    import numpy as np

    if "date" in table.header:
        column = "date"
        late = record_days(table) > (through - date(1970, 1, 1)).days
    else:
        column = "year"
        late = years > through.year
    return [
        finding(
            "after-through",
            table.file,
            f"事故日期 {table.cell(row, column)} 晚于台账的统计截止日期 {through.isoformat()}",
            value=table.cell(row, column),
            hint="更正日期，或把 indicators.yaml 中该台账的 through: 改为实际截止日期",
            **table.where(row, column),
        )
        for row in np.flatnonzero(late).tolist()
    ]


def _check_dates(table: RawTable) -> tuple[np.ndarray[Any, Any], list[Finding]]:
    import numpy as np

    column = "date" if "date" in table.header else "year"
    findings: list[Finding] = []
    if column == "year":
        return check_years(table)
    # Each distinct date text is read once (a million records share a few thousand dates).
    codes, distinct = table.factorize(column)
    stamp = _stamps(distinct)
    unreadable = stamp.isna().to_numpy()
    bad = unreadable[codes]
    for row in np.flatnonzero(bad).tolist():
        text = table.cell(row, column)
        findings.append(
            finding(
                "bad-date",
                table.file,
                f"'{text}' is not a date" if text else "the record has no date",
                value=text,
                hint="write dates as YYYY-MM-DD (also YYYY/MM/DD or YYYY年MM月DD日)",
                **table.where(row, column),
            )
        )
    years = np.where(unreadable, -1, stamp.dt.year.fillna(-1).to_numpy()).astype("int64")
    return years[codes], findings


def load_records(
    plan: Plan, source: Source, used: dict[str, list[tuple[str, int | None]]]
) -> tuple[Dataset | None, list[Finding]]:
    """Read, check, classify and sum one records dataset."""
    import numpy as np
    import pandas as pd

    sectors = dict(source.spec.sectors)
    offered = derived_columns(list(sectors))
    for column, refs in used.items():
        if column not in offered:
            key, line = refs[0]
            raise ConfigError(
                f"{plan.display}:{line}: {key}: '{column}' is not a column derived from "
                f"accident records (available: {', '.join(offered)})",
                hint="records datasets offer the derived columns of README §Accident records",
            )
    table, findings = read_file(
        source.path, source.display, sheet=source.sheet, aliases=RECORD_ALIASES
    )
    if table is None:
        return None, findings
    header_line = table.header_line
    if "date" not in table.header and "year" not in table.header:
        findings.append(
            finding(
                "missing-year-column",
                table.file,
                "no date (日期) or year (年份) column",
                line=header_line,
                hint="add a date column (YYYY-MM-DD) or a year column",
            )
        )
        return None, findings
    if "deaths" not in table.header:
        findings.append(
            finding(
                "missing-deaths-column",
                table.file,
                "no deaths (死亡人数) column",
                line=header_line,
                hint="add the number of deaths of each accident",
            )
        )
        return None, findings
    if sectors and "sector" not in table.header:
        findings.append(
            finding(
                "missing-sector-column",
                table.file,
                "sector groups are defined but there is no sector (行业) column",
                line=header_line,
                hint="add a sector column",
            )
        )
    # Region and sector are compared stripped: each as (code of each row, distinct values).
    regions = table.strip_column("region") if "region" in table.header else None
    sector_values = table.strip_column("sector") if "sector" in table.header else None
    years, more = _check_dates(table)
    findings.extend(more)
    if source.spec.through is not None:
        findings.extend(_after_through(table, years, source.spec.through))
    has_region = regions is not None
    if regions is not None:
        codes, labels = regions
        blank = np.flatnonzero(labels == "")  # distinct values: at most one
        blank_regions = np.flatnonzero(codes == blank[0]) if len(blank) else blank
        findings.extend(
            finding(
                "missing-region",
                table.file,
                "the record has no region",
                hint="fill in the region (地区) of every record",
                **table.where(row, "region"),
            )
            for row in blank_regions.tolist()
        )
    deaths, more = check_numbers(table, "deaths", count=True, denominator=False)
    for f in more:
        if f.code == "missing-value":
            findings.append(
                finding(
                    "missing-value",
                    f.file,
                    "the record gives no number of deaths",
                    severity="error",
                    hint="write 0 when nobody died",
                    line=f.line,
                    column=f.column,
                    column_name=f.column_name,
                    cell=f.cell,
                )
            )
        else:
            findings.append(f)
    n = table.n_rows
    # Blank injuries or loss mean 0.
    injuries = np.zeros(n)
    if "serious_injuries" in table.header:
        injuries, more = check_numbers(
            table, "serious_injuries", count=True, denominator=False, blank_ok=True
        )
        findings.extend(more)
        injuries[np.isnan(injuries)] = 0
    loss = np.zeros(n)
    loss_blank = np.ones(n, dtype=bool)
    if "direct_loss" in table.header:
        loss, more = check_numbers(
            table, "direct_loss", count=False, denominator=False, blank_ok=True
        )
        findings.extend(more)
        loss_blank = np.isnan(loss)
        loss[loss_blank] = 0
    if sector_values is not None and sectors:
        grouped = {v for values in sectors.values() for v in values}
        codes, labels = sector_values
        outside = np.flatnonzero(~pd.Index(labels).isin(grouped)[codes])
        if len(outside):
            unknown = pd.Series(labels[codes[outside]], index=outside)
            counts = unknown.value_counts()
            first = int(unknown.index[0])
            listed = "、".join(f"{v or '(blank)'} ×{c}" for v, c in counts.items())
            findings.append(
                finding(
                    "unknown-sector",
                    table.file,
                    f"sector values in no sector group: {listed}",
                    value=str(unknown.iloc[0]),
                    hint="add them to a group under sectors: in indicators.yaml, or fix the spelling",
                    **table.where(first, "sector"),
                )
            )
    if any(f.severity == "error" for f in findings):
        keep = np.zeros(n, dtype=bool)
    else:
        keep = years >= 0
    _outside_plan(plan, table, years, findings)
    rows = np.flatnonzero(keep)
    every = len(rows) == n

    def kept(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return values if every else values[rows]

    deaths_i = _whole(kept(deaths))
    injuries_i = _whole(kept(injuries))
    loss_kept = kept(loss)
    has_loss = "direct_loss" in table.header
    blank_kept = kept(loss_blank)
    year_kept = kept(years)
    region_codes = (kept(regions[0]), regions[1]) if regions is not None else None
    sector_codes = (kept(sector_values[0]), sector_values[1]) if sector_values is not None else None

    def loss_text(i: int) -> str:
        if blank_kept[i] or not has_loss:
            return "0"
        return table.cell(int(rows[i]), "direct_loss").strip()

    classes = classify(deaths_i, injuries_i, loss_text, loss_values=loss_kept)
    frame = derive_yearly(
        year_kept,
        None,
        None,
        deaths_i,
        injuries_i,
        [],
        sectors=sectors if sector_codes is not None else {},
        classified=(classes, loss_kept),
        region_codes=region_codes,
        sector_codes=sector_codes,
    )
    if sector_codes is None:
        # No sector column (already a finding): the group columns exist, with nothing in them.
        for group in sectors:
            frame[f"{group}_accidents"] = 0
            frame[f"{group}_deaths"] = 0
    for column in frame.columns:
        if column not in ("year", "region"):
            frame[column] = frame[column].astype("float64")
    frame["_row"] = range(len(frame))
    records = Records(
        table=table,
        rows=rows,
        year=year_kept,
        region_codes=region_codes,
        sector_codes=sector_codes,
        deaths=deaths_i,
        injuries=injuries_i,
        loss_text=loss_text,
        classes=classes,
        sectors=sectors,
        frame=frame,
        loss=loss_kept,
    )
    return Dataset(
        name=source.dataset,
        file=source.display,
        frame=frame,
        has_region=has_region,
        table=None,
        derived=records,
    ), findings


def _whole(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Counts as int64, a missing (NaN) one as 0."""
    import numpy as np

    if np.isnan(values).any():
        values = np.nan_to_num(values)
    return values.astype("int64")


def _outside_plan(
    plan: Plan, table: RawTable, years: np.ndarray[Any, Any], findings: list[Finding]
) -> None:
    import numpy as np

    info = plan.info
    first = (
        min(
            [info.baseline_year]
            + [
                i.target.baseline_year
                for i in plan.indicators
                if i.target.baseline_year is not None
            ]
        )
        - 1
    )
    outside = (years >= 0) & ((years < first) | (years > info.target_year))
    if outside.any():
        rows = np.flatnonzero(outside)
        findings.append(
            finding(
                "outside-plan-years",
                table.file,
                f"{len(rows)} record(s) dated outside {first}–{info.target_year}, the years the plan "
                f"uses (first: {table.cell(int(rows[0]), 'date' if 'date' in table.header else 'year')})",
                hint="they are counted in their own years but no indicator reads them",
                **table.where(int(rows[0]), "date" if "date" in table.header else "year"),
            )
        )


__all__ = ["NO_DAY", "RECORD_ALIASES", "derived_columns", "load_records", "record_days"]
