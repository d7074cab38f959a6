"""Control-figure tables (控制指标分解表, the 附表 as the city sends it) and regional targets.

A control-figure table has one row per region and one column per indicator: each figure is
that region's cap (``max``) for the year, the whole plan's on a total row (合计, 全市 …).
It is read and checked like any data file (positions of every finding, numbers as offices
write them); a region the data does not know is an error at its cell, and so is a region
named under an indicator's ``regions:`` (a config error at its YAML line).

Which target binds a region in a year — the table's figure, the plan file's ``regions:``,
or the plan-wide target — is decided in :mod:`safeplan.evaluate.binding`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from safeplan.errors import ConfigError
from safeplan.findings import Finding, finding
from safeplan.ingest.cells import check_keys, check_numbers, check_years, is_count_column
from safeplan.ingest.layout import YEARLY_ALIASES, Headers
from safeplan.ingest.read import read_file
from safeplan.ingest.text import is_total_label, normalise_header

if TYPE_CHECKING:
    from safeplan.ingest.table import RawTable
    from safeplan.plan import ControlSource, Indicator, Plan

__all__ = [
    "ControlFigure",
    "ControlFigures",
    "check_plan_regions",
    "load_controls",
]

#: Columns of a 附表 that hold no figures (a running number, remarks): passed over quietly.
_DESCRIPTIVE = frozenset({"序号", "编号", "备注", "说明", "单位", "填报单位"})


def header_key(text: str) -> str:
    """A header as compared with indicator names: normalised as every header is, its unit
    in brackets removed (``死亡人数（人）`` → ``死亡人数``)."""
    return normalise_header(text)[0]


@dataclass(frozen=True)
class ControlFigure:
    """One figure of a control-figure table: a region's cap for one year."""

    value: Decimal
    """The cap, exactly as written."""
    file: str
    location: str
    """``file:line:column`` (or ``file:Sheet!C5``) of the cell."""


@dataclass
class ControlFigures:
    """Every figure of the plan's control-figure tables.

    ``figures[indicator id][year][region]``; region ``None`` is the whole plan (a total row).
    """

    figures: dict[str, dict[int, dict[str | None, ControlFigure]]] = field(default_factory=dict)

    def get(self, indicator_id: str, region: str | None, year: int) -> ControlFigure | None:
        """The figure for one indicator, region and year, if a table gives one."""
        return self.figures.get(indicator_id, {}).get(year, {}).get(region)

    def years_of(self, indicator_id: str) -> dict[int, dict[str | None, ControlFigure]]:
        """The figures of one indicator by year (empty when no table names it)."""
        return self.figures.get(indicator_id, {})


def check_plan_regions(plan: Plan, regions: set[str]) -> None:
    """Every region named under an indicator's ``regions:`` must be a region of the data."""
    for i, indicator in enumerate(plan.indicators):
        for name in indicator.regions or {}:
            if name in regions:
                continue
            line = plan.line_of("indicators", i, "regions", name)
            shown = "、".join(sorted(regions)) if regions else "数据没有地区列"
            whole = is_total_label(name, plan.info.region)
            raise ConfigError(
                f"{plan.display}:{line}: indicators[{i}].regions: 地区 '{name}' 不在数据中"
                f"（数据中的地区：{shown}）",
                hint=(
                    "全域的目标写在 target: 中，regions: 只列各地区"
                    if whole
                    else "按数据文件中的写法更正地区名称，或删去这一行"
                ),
            )


def _indicator_of_header(
    header: str, original: str, plan: Plan, mapping: dict[str, str]
) -> Indicator | None:
    by_name = {header_key(i.name): i for i in plan.indicators}
    by_id = {i.id: i for i in plan.indicators}
    keys = {header_key(header), header_key(original), header.strip(), original.strip()}
    mapped = {header_key(k): v for k, v in mapping.items()}
    for key in keys:
        if key in mapped:
            return by_id[mapped[key]]
    for key in keys:
        if key in by_name:
            return by_name[key]
        if key in by_id:
            return by_id[key]
    return None


def _exact(text: str, value: float) -> Decimal:
    """The exact figure: from the cell's text where it is a plain decimal, else the float."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    try:
        exact = Decimal(cleaned)
    except ArithmeticError:
        exact = Decimal(repr(value))
    if not exact.is_finite() or float(exact) != value:
        exact = Decimal(repr(value))
    return exact


def _location(table: RawTable, row: int, column: str) -> str:
    place = table.where(row, column)
    if "cell" in place:
        return f"{table.file}:{place['cell']}"
    return ":".join(str(p) for p in (table.file, place.get("line"), place.get("column")) if p)


def _years(table: RawTable, source: ControlSource) -> tuple[Any, list[Finding]]:
    """The year of each row: the ``year:`` given in the plan, or the table's year column."""
    import numpy as np

    year = source.spec.year
    if "year" not in table.header:
        if year is None:
            return None, [
                finding(
                    "missing-year-column",
                    table.file,
                    "控制指标表没有年份列，indicators.yaml 中也没有写它的年份",
                    line=table.header_line,
                    hint=f"在 controls: 的这一项加上 year: 年份（{source.display}）",
                )
            ]
        return np.full(table.n_rows, year, dtype="int64"), []
    years, findings = check_years(table)
    if year is not None:
        for row in np.flatnonzero((years >= 0) & (years != year)).tolist():
            text = table.cell(row, "year")
            findings.append(
                finding(
                    "control-year-mismatch",
                    table.file,
                    f"这一行的年份 {text} 与 indicators.yaml 中写的 year: {year} 不一致",
                    value=text,
                    hint="更正年份，或删去 controls: 中的 year:（按年份列读取）",
                    **table.where(row, "year"),
                )
            )
    return years, findings


def _read_one(
    plan: Plan,
    source: ControlSource,
    regions: set[str] | None,
    figures: ControlFigures,
) -> list[Finding]:
    import numpy as np

    table, findings = read_file(
        source.path, source.display, sheet=source.sheet, headers=Headers(YEARLY_ALIASES)
    )
    if table is None:
        return findings
    if "region" not in table.header:
        findings.append(
            finding(
                "missing-region-column",
                table.file,
                "控制指标表没有地区列（地区/县区/乡镇）",
                line=table.header_line,
                hint="附表每行是一个地区：把地区列的表头写成“地区”",
            )
        )
        return findings
    years, more = _years(table, source)
    findings.extend(more)
    if years is None:
        return findings
    codes, labels = table.strip_column("region")
    findings.extend(check_keys(table, years, (codes, labels)))
    region_of: list[str | None] = [
        None if is_total_label(str(label), plan.info.region) else str(label) for label in labels
    ]
    unknown = {
        code
        for code, label in enumerate(region_of)
        if label and regions is not None and label not in regions
    }
    shown = "、".join(sorted(regions)) if regions else "数据没有地区列"
    for row in np.flatnonzero(np.isin(codes, sorted(unknown))).tolist():
        text = table.cell(row, "region")
        findings.append(
            finding(
                "control-unknown-region",
                table.file,
                f"地区 '{text}' 不在数据中（数据中的地区：{shown}）",
                value=text,
                hint="按数据文件中的写法更正地区名称；合计行写“合计”",
                **table.where(row, "region"),
            )
        )
    mapped = 0
    for j, header in enumerate(table.header):
        if header in ("year", "region") or header.startswith("_empty_"):
            continue
        original = table.original[j] if j < len(table.original) else header
        indicator = _indicator_of_header(header, original, plan, source.spec.columns)
        if indicator is None:
            if header_key(original) not in _DESCRIPTIVE:
                known = "、".join(i.name for i in plan.indicators)
                findings.append(
                    finding(
                        "control-unknown-column",
                        table.file,
                        f"列 '{original}' 不对应任何指标，未读取（指标：{known}）",
                        value=original,
                        line=table.header_line,
                        column=j + 1,
                        column_name=header,
                        hint=f"把列名改为指标的名称或 id，或在 controls[{source.index}].columns: "
                        f"中写  {original}: 指标id",
                    )
                )
            continue
        _refuse_period_target(plan, indicator, source)
        mapped += 1
        count = indicator.value is not None and is_count_column(indicator.value.split(".", 1)[1])
        values, _, more = check_numbers(
            table, header, count=count, denominator=False, missing="quiet"
        )
        # A dash means "no figure" as a blank does; the reader's missing-value warning is
        # noise here, where a blank cell is the usual way to say it.
        findings.extend(f for f in more if f.code != "missing-value")
        bad = {f.line for f in more if f.severity == "error"}
        own = figures.figures.setdefault(indicator.id, {})
        for row in np.flatnonzero(~np.isnan(values) & (years >= 0)).tolist():
            if table.lines[row] in bad or codes[row] in unknown or not str(labels[codes[row]]):
                continue
            year, region = int(years[row]), region_of[codes[row]]
            text = table.cell(row, header)
            location = _location(table, row, header)
            previous = own.setdefault(year, {}).get(region)
            if previous is not None:
                findings.append(
                    finding(
                        "duplicate-row",
                        table.file,
                        f"{region or '全域'}{year}年的“{indicator.name}”控制指标已在 "
                        f"{previous.location} 给出",
                        value=text,
                        hint="每个地区每年的控制指标只写一处",
                        **table.where(row, header),
                    )
                )
                continue
            own[year][region] = ControlFigure(
                _exact(text, float(values[row])), table.file, location
            )
    if not mapped:
        findings.append(
            finding(
                "control-unknown-column",
                table.file,
                "控制指标表中没有一列对应指标，整张表未读取",
                severity="error",
                line=table.header_line,
                hint="表头写指标的名称或 id，或在 controls: 中用 columns: 对应",
            )
        )
    return findings


def _refuse_period_target(plan: Plan, indicator: Indicator, source: ControlSource) -> None:
    """A table's figures are yearly caps: they cannot stand in for a period target."""
    targets = [indicator.target, *(indicator.regions or {}).values()]
    if any(t.cumulative for t in targets):
        raise ConfigError(
            f"{plan.display}:{source.line}: controls[{source.index}]: {source.display} 给出了"
            f"“{indicator.name}”的年度控制数，但该指标的目标是累计目标（cumulative: true）",
            hint="附表只能给年度指标分解控制数；累计目标请在 regions: 中逐个地区写",
        )


def load_controls(plan: Plan, regions: set[str] | None) -> tuple[ControlFigures, list[Finding]]:
    """Read and check every control-figure table of the plan.

    ``regions`` are the regions of the data (``None`` when they are not known, because a
    data file could not be read): a region of a table that is not among them is an error.
    """
    figures = ControlFigures()
    findings: list[Finding] = []
    for source in plan.controls:
        findings.extend(_read_one(plan, source, regions, figures))
    return figures, findings
