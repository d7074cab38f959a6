"""Yearly tables: one row per year (and region), read, checked and framed.

A row whose region is a total label (合计, 全市 …, or the plan's own ``region``) is a total
row, not a region: each used column of it must equal the exact sum of that year's regions
(``total-mismatch``), and the whole plan's figures are the regions' sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain.exact import unsure
from safeplan.errors import ConfigError
from safeplan.findings import Finding, finding
from safeplan.ingest.cells import (
    check_keys,
    check_numbers,
    check_text,
    check_years,
    is_count_column,
    subtotal_rows,
)
from safeplan.ingest.dataset import Dataset
from safeplan.ingest.layout import YEARLY_ALIASES, Headers, headers_for
from safeplan.ingest.read import read_file
from safeplan.ingest.table import RawTable
from safeplan.ingest.text import quote, total_labels

if TYPE_CHECKING:
    import numpy as np

    from safeplan.plan import Plan, Source


def _missing_column(
    plan: Plan,
    source: Source,
    column: str,
    refs: list[tuple[str, int | None]],
    available: Iterable[str],
) -> ConfigError:
    key, line = refs[0]
    # A blank header over an empty column is kept as _empty_N: no column a plan can use.
    shown = ", ".join(c for c in available if not c.startswith("_empty_"))
    mapped = source.spec.columns.get(column)
    via = f"（columns: 把它对应到表头 '{mapped}'）" if mapped else ""
    return ConfigError(
        f"{plan.display}:{line}: {key}: 数据集 '{source.dataset}' 中没有列 '{column}'"
        f"{via}：{source.display} 的列有 {shown}",
        hint="改正 indicators.yaml 中的列名（或 columns: 中的表头），或数据文件的表头",
    )


_HEADER_CODES = {
    "control-character",
    "blank-header",
    "duplicate-header",
    "ambiguous-column",
    "empty-file",
    "wrong-delimiter",
}


def yearly_headers(plan: Plan, source: Source, used: Iterable[str]) -> Headers:
    """How this dataset's headers become column names (roles, ``columns:``, used names)."""
    used = list(used)
    mapping = dict(source.spec.columns)
    for name in mapping:
        if name not in ("year", "region") and name not in used:
            line = plan.line_of("datasets", source.dataset, "columns", name)
            raise ConfigError(
                f"{plan.display}:{line}: datasets.{source.dataset}.columns.{name}: "
                f"'{name}' 既不是 year、region，也不是任何指标或规则使用的列",
                hint=f"删除这一项，或在指标中引用 {source.dataset}.{name}",
            )
    counts = [name for name in used if is_count_column(name)]
    return headers_for(YEARLY_ALIASES, mapping, used=used, counts=counts)


def load_yearly(
    plan: Plan, source: Source, used: dict[str, list[tuple[str, int | None]]], dens: set[str]
) -> tuple[Dataset | None, list[Finding]]:
    """Read and check one yearly table."""
    import numpy as np
    import pandas as pd

    headers = yearly_headers(plan, source, used)
    table, findings = read_file(source.path, source.display, sheet=source.sheet, headers=headers)
    if table is None:
        return None, findings
    header_broken = any(f.code in _HEADER_CODES for f in findings)
    if "year" not in table.header:
        mapped = source.spec.columns.get("year")
        findings.append(
            finding(
                "missing-year-column",
                table.file,
                (f"没有表头为“{mapped}”的年份列（columns: 中的 year）" if mapped else "没有年份列")
                + f"；表头：{', '.join(table.original or table.header)}",
                hint="把年份列命名为“年份”或 year，或在 indicators.yaml 该数据集下写 "
                "columns: {year: 表头}",
                **table.header_where(None),
            )
        )
        return None, findings
    if "region" in source.spec.columns and "region" not in table.header:
        findings.append(
            finding(
                "missing-column",
                table.file,
                f"没有表头为“{source.spec.columns['region']}”的地区列（columns: 中的 region）",
                hint="改正 columns: 中 region 对应的表头",
                **table.header_where(None),
            )
        )
    for column, refs in used.items():
        if column in ("year", "region"):
            key, line = refs[0]
            raise ConfigError(
                f"{plan.display}:{line}: {key}: '{column}' 是 {source.display} 的键列，不是数字列",
                hint="引用数字列，如 accidents.死亡人数",
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
                    f"没有“{column}”列（{used[column][0][0]} 使用它）",
                    **table.header_where(None),
                )
            )
    has_region = "region" in table.header
    if has_region:
        findings.extend(check_text(table, "region"))
    regions = table.strip_column("region") if has_region else None
    totals = np.zeros(table.n_rows, dtype=bool)
    subtotals = totals
    if regions is not None:
        codes, labels = regions
        is_total = np.array(total_labels(labels.tolist(), plan.info.region), dtype=bool)
        totals = is_total[codes] if len(labels) else totals
        subtotals, found = subtotal_rows(table, codes, labels, plan.info.region)
        findings.extend(found)
    years, year_findings = check_years(table)
    if totals.any():
        # A grand total over every year has no year: it is compared with nothing.
        total_lines = set(np.asarray(table.lines)[totals].tolist())
        year_findings = [
            f for f in year_findings if f.code != "missing-year" or f.line not in total_lines
        ]
    findings.extend(year_findings)
    findings.extend(check_keys(table, years, regions))
    columns: dict[str, Any] = {"year": years}
    if regions is not None:
        codes, labels = regions
        columns["region"] = pd.Series(labels[codes], dtype=object)
    for column in used:
        if column not in table.header:
            continue
        values, _, more = check_numbers(
            table, column, count=is_count_column(column), denominator=column in dens
        )
        if totals.any():
            # A total row is no data: its blank cell leaves nothing without data.
            total_lines = set(np.asarray(table.lines)[totals].tolist())
            more = [f for f in more if f.code != "missing-value" or f.line not in total_lines]
        findings.extend(more)
        columns[column] = values
        if totals.any():
            findings.extend(_check_totals(table, column, years, totals, values, subtotals))
    columns["_row"] = np.arange(table.n_rows)
    frame = pd.DataFrame(columns)
    kept = (years >= 0) & ~totals & ~subtotals
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


def _check_totals(
    table: RawTable,
    column: str,
    years: np.ndarray[Any, Any],
    totals: np.ndarray[Any, Any],
    values: np.ndarray[Any, Any],
    subtotals: np.ndarray[Any, Any],
) -> list[Finding]:
    """Each total row's cell against the exact sum of that year's region cells."""
    import numpy as np

    findings: list[Finding] = []
    valid = years >= 0
    parts = valid & ~totals & ~subtotals
    ints = table.int_values(column)  # every cell a plain whole number: exact as floats
    total_rows = np.flatnonzero(valid & totals)
    for row in total_rows.tolist():
        total = values[row]
        if np.isnan(total):
            continue  # blank, a dash or a bad cell: nothing to compare (or a finding already)
        members = np.flatnonzero(parts & (years == years[row]))
        cells = values[members]
        if np.isnan(cells).any():
            continue  # a region's figure is missing: the sum is unknown
        summed = float(cells.sum())
        if ints is not None and abs(summed) < 2**53:
            if summed == total:  # whole numbers read as such add up exactly in floats
                continue
        elif unsure(summed, total, *cells.tolist()):
            exact_total = table.exact(row, column)
            if exact_total is not None and exact_total == table.exact_sum(members.tolist(), column):
                continue
        exact_sum = table.exact_sum(members.tolist(), column)
        shown_total = table.cell(row, column).strip()
        shown_sum = _decimal(exact_sum) if exact_sum is not None else f"{summed:.15g}"
        label = table.cell(row, "region").strip()
        findings.append(
            finding(
                "total-mismatch",
                table.file,
                f"{int(years[row])} 年{quote(label)}行的{table.display(column)}为 {shown_total}，"
                f"而 {len(members)} 个地区之和为 {shown_sum}",
                value=shown_total,
                hint=f"核对合计行和各地区的数：合计应恰好等于各地区之和（{shown_sum}）",
                **table.where(row, column),
            )
        )
    return findings


def _decimal(value: Fraction) -> str:
    """A sum of decimal cells as decimal text (it always terminates)."""
    from decimal import Decimal, localcontext

    numerator = Decimal(value.numerator)
    # The denominator is 2^a·5^b: the quotient has at most max(a, b) digits more than the
    # numerator, so this precision shows every digit (a sum of long cells too).
    twos = (value.denominator & -value.denominator).bit_length() - 1
    fives, rest = 0, value.denominator >> twos
    while rest % 5 == 0:
        fives, rest = fives + 1, rest // 5
    with localcontext() as context:
        context.prec = max(numerator.adjusted() + 1, 1) + max(twos, fives) + 1
        exact = (numerator / Decimal(value.denominator)).normalize()
    return format(exact, "f")


__all__ = ["load_yearly", "yearly_headers"]
