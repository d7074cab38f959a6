"""Typed checks of the data files and the yearly frames the evaluation reads.

Every cell the plan uses is checked vectorised with pandas on the text kept by
:mod:`safeplan.reading`; each problem is a :class:`~safeplan.findings.Finding` at its file,
line and column. The result is one :class:`Dataset` per dataset: a frame of float columns
for fast evaluation plus the original text of every cell, so that a status can be decided
exactly where floating point would be unsure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.config import Plan, Source
from safeplan.errors import ConfigError
from safeplan.findings import Finding, ValidationReport, finding
from safeplan.reading import YEARLY_ALIASES, RawTable, read_file

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MIN_YEAR, MAX_YEAR = 1900, 2200
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
    derived: Any = None
    """For accident records: the :class:`~safeplan.records.Records` behind the frame."""
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
            bounds = [*starts.tolist()[1:], len(order)]
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
            return self.derived.exact(column, position)  # type: ignore[no-any-return]
        assert self.table is not None
        text = self.table.cell(self.table_row(position), column).strip()
        if not text:
            return None
        return Fraction(Decimal(text))

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


def _rows_where(mask: Any) -> list[int]:
    import numpy as np

    mask = np.asarray(mask)
    if not mask.any():  # the usual case, and much quicker to tell
        return []
    rows: list[int] = np.flatnonzero(mask).tolist()
    return rows


def parse_numbers(texts: Sequence[str]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Floats of a column of cell texts (NaN where not a number) and the blank-cell mask.

    Plain ASCII columns go straight through numpy's C parser; anything else (blank cells,
    full-width digits, thousands separators …) through pandas, cell by cell.
    """
    import numpy as np
    import pandas as pd

    if all(map(str.isascii, texts)) and "_" not in "".join(texts):
        try:
            values = np.array(texts, dtype="float64")
        except ValueError:
            pass
        else:
            return values, np.zeros(len(values), dtype=bool)
    stripped = pd.Series(list(map(str.strip, texts)), dtype=object)
    blank = (stripped == "").to_numpy()
    values = pd.to_numeric(stripped, errors="coerce").to_numpy(dtype="float64", copy=True)
    return values, blank


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
        return f" for '{region_names[p]}'" if region_names is not None else ""

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
                    f"no row for {missing}{label(p)}",
                    value=str(years[i]),
                    hint="add the missing year(s) or check the year column",
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
                    f"'{column}' changes {pct:.0f}% from {year - 1} to {year}{label(p)} "
                    f"({before:g} → {after:g}), more than {limit:g}%",
                    value=f"{after:g}",
                    hint="check the figure; raise validation.max_change_pct if it is right",
                    **where(p, column),
                )
            )
    return findings


def used_columns(plan: Plan) -> dict[str, dict[str, list[tuple[str, int | None]]]]:
    """dataset → column → the (YAML key, line) of every reference to it."""
    used: dict[str, dict[str, list[tuple[str, int | None]]]] = {n: {} for n in plan.sources}
    for i, indicator in enumerate(plan.indicators):
        for key, ref in indicator.refs:
            dataset, column = ref.split(".", 1)
            used[dataset].setdefault(column, []).append(
                (f"indicators[{i}].{key}", plan.line_of("indicators", i, key))
            )
    for i, rule in enumerate(plan.config.rules):
        from safeplan.rules import rule_refs

        for ref in rule_refs(rule.check):
            dataset, column = ref.split(".", 1)
            if dataset not in used:
                raise ConfigError(
                    f"{plan.display}:{plan.line_of('rules', i, 'check')}: rules[{i}].check: "
                    f"unknown dataset '{dataset}' in '{ref}' (datasets: {', '.join(used)})"
                )
            used[dataset].setdefault(column, []).append(
                (f"rules[{i}].check", plan.line_of("rules", i, "check"))
            )
    return used


def denominators(plan: Plan) -> dict[str, set[str]]:
    """dataset → the columns used as denominators."""
    result: dict[str, set[str]] = {n: set() for n in plan.sources}
    for indicator in plan.indicators:
        if indicator.denominator:
            dataset, column = indicator.denominator.split(".", 1)
            result[dataset].add(column)
    return result


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


def load_data(plan: Plan, *, warnings: bool = True) -> DataSet:
    """Read and check every dataset of the plan; collect every finding.

    ``warnings=False`` skips the plausibility warnings (a jump, a missing year), which
    never stop an evaluation — ``check`` asks for them only when it must print findings.
    """
    used = used_columns(plan)
    dens = denominators(plan)
    report = ValidationReport(files=[s.display for s in plan.sources.values()])
    datasets: dict[str, Dataset] = {}
    settings = plan.config.validation
    for name, source in plan.sources.items():
        if source.spec.records is not None:
            from safeplan.records import load_records

            dataset, findings = load_records(plan, source, used[name])
        else:
            dataset, findings = load_yearly(plan, source, used[name], dens[name])
        report.extend(findings)
        if dataset is not None:
            if warnings and not any(f.severity == "error" for f in findings):
                report.extend(
                    plausibility(
                        dataset,
                        [c for c in used[name] if c in dataset.frame],
                        settings.max_change_pct,
                        settings.year_gaps,
                    )
                )
            datasets[name] = dataset
    if plan.config.rules and len(datasets) == len(plan.sources):
        from safeplan.rules import check_rules

        report.extend(check_rules(plan, datasets))
    order = {file: i for i, file in enumerate(report.files)}
    report.findings.sort(key=lambda f: (order.get(f.file, len(order)), f.line or 0, f.column or 0))
    return DataSet(datasets=datasets, report=report)
