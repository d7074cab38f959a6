"""Accident records (one row per accident): checks, classification and the yearly table.

The records are read by the shared pipeline (:mod:`safeplan.ingest.read`), checked
vectorised, classified by 国务院令第493号 (:mod:`safeplan.domain.classes`) and summed into the
yearly (and per-region) columns that indicators use like any other column.

A blank (or dash) serious-injuries or loss cell is *not recorded*: it adds 0 to sums, the
record is classified on the measures it has, and outputs show it blank. The unit in the
loss header counts: 万元 (or none) as is, 元 ÷ 10 000 and 亿元 × 10 000, exactly.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain.classes import LOSS_UNITS, classify
from safeplan.domain.derive import derive_yearly, yearly_columns
from safeplan.errors import ConfigError
from safeplan.findings import Finding, finding
from safeplan.ingest.cells import (
    MAX_YEAR,
    MIN_YEAR,
    cell_findings,
    check_numbers,
    check_text,
    check_years,
    subtotal_rows,
)
from safeplan.ingest.dataset import Dataset, Records
from safeplan.ingest.layout import REGION_NAMES, Headers, headers_for, yaml_key
from safeplan.ingest.read import read_file
from safeplan.ingest.table import RawTable
from safeplan.ingest.text import canonical_number, quote, total_labels

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from safeplan.plan import Plan, Source

RECORD_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "事故日期", "发生日期"),
    "year": ("year", "年份"),
    "region": REGION_NAMES,
    "sector": ("sector", "行业"),
    "deaths": ("deaths", "死亡人数"),
    "serious_injuries": ("serious_injuries", "重伤人数"),
    "direct_loss": ("direct_loss", "直接经济损失"),
}

#: Headers that name a record measure under a name safeplan does not map (checked only
#: when the role has no column): never silently ignored.
_LOOKS_LIKE: dict[str, re.Pattern[str]] = {
    "deaths": re.compile(r"死亡|遇难|死者|deaths?\b|fatal", re.I),
    "serious_injuries": re.compile(r"重伤|受伤|伤亡|伤员|伤者|中毒|injur", re.I),
    "direct_loss": re.compile(r"(?<!间接)(?:经济)?损失|loss", re.I),
    "date": re.compile(r"日期|时间|date|time", re.I),
    "sector": re.compile(r"行业|类别|类型|领域|sector|industry", re.I),
    "region": re.compile(r"县区|区县|乡镇|街道|辖区|属地|所在地区|行政区"),
}

_LABELS = {
    "deaths": "死亡人数",
    "serious_injuries": "重伤人数",
    "direct_loss": "直接经济损失",
    "date": "事故日期",
    "sector": "行业",
    "region": "地区",
}


_DATE = re.compile(
    r"^\s*(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$"
)


def derived_columns(sector_groups: list[str]) -> list[str]:
    """The columns a records dataset offers to indicators."""
    return [c for c in yearly_columns(sector_groups) if c != "year"]


def record_headers(source: Source) -> Headers:
    """How a ledger's headers become roles (defaults and the plan's ``columns:``)."""
    return headers_for(
        RECORD_ALIASES,
        dict(source.spec.columns),
        keys=("date", "year"),
        counts=("deaths", "serious_injuries"),
    )


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
    year_of = np.where(unreadable, -1, stamp.dt.year.fillna(-1).to_numpy()).astype("int64")
    implausible = ~unreadable & ((year_of < MIN_YEAR) | (year_of > MAX_YEAR))
    blank = np.array([not str(text).strip() for text in distinct], dtype=bool)
    hint = "日期写成 YYYY-MM-DD（也可写 YYYY/MM/DD 或 YYYY年MM月DD日）"
    findings += cell_findings(
        table,
        "bad-date",
        np.flatnonzero((unreadable & blank)[codes]),
        column,
        "这起事故没有填写日期",
        hint,
        value=False,
    )
    findings += cell_findings(
        table,
        "bad-date",
        np.flatnonzero((unreadable & ~blank)[codes]),
        column,
        "{value} 不是日期",
        hint,
    )
    findings += cell_findings(
        table,
        "implausible-year",
        np.flatnonzero(implausible[codes]),
        column,
        f"日期 {{value}} 的年份不在 {MIN_YEAR}–{MAX_YEAR} 之间",
        "检查日期的年份",
    )
    years = np.where(unreadable | implausible, -1, year_of)
    return years[codes], findings


def _unmapped(table: RawTable, source: Source, roles: list[str]) -> list[Finding]:
    """A finding for each missing role whose measure a header names under another name."""
    findings: list[Finding] = []
    # The placeholders of blank headers (_empty_3, column_3) never look like a measure.
    known = set(RECORD_ALIASES)
    mapped = bool(source.spec.columns)
    for role in roles:
        pattern = _LOOKS_LIKE[role]
        candidates = [
            j
            for j, name in enumerate(table.header)
            if name not in known and "#" not in name and pattern.search(name)
        ]
        if not candidates:
            continue
        # The likeliest first: 发生时间 rather than 填报时间, 直接损失 rather than 损失.
        candidates.sort(key=lambda j: not re.search(r"发生|事故|直接|重伤|死亡", table.header[j]))
        j, others = candidates[0], candidates[1:]
        name = table.header[j]
        also = (
            "（其他可能的列："
            + "、".join(quote(table.display(table.header[k])) for k in others)
            + "）"
            if others
            else ""
        )
        line = f"{role}: {yaml_key(name)}"
        where = (
            f"在 indicators.yaml 的 datasets.{source.dataset}.columns 中加入 {line}"
            if mapped
            else f"在 indicators.yaml 的 datasets.{source.dataset} 下加入 columns: {{{line}}}"
        )
        findings.append(
            finding(
                "unmapped-column",
                table.file,
                f"第 {j + 1} 列 {quote(table.original[j] if j < len(table.original) else name)} "
                f"像是{_LABELS[role]}，但 safeplan 不认识这个列名，不会读取它{also}",
                value=name,
                hint=f"若这一列就是{_LABELS[role]}，{where}",
                **table.header_where(name),
            )
        )
    return findings


#: Other names of the measures a ledger classifies on: a column so named beside the one
#: safeplan reads is a second figure for the same measure, never silently passed over.
_OTHER_NAMES: dict[str, frozenset[str]] = {
    "deaths": frozenset({"死亡", "死亡数", "死亡人员", "遇难人数", "遇难", "死亡数量"}),
    "serious_injuries": frozenset({"重伤", "重伤数", "重伤人员", "重伤人员数"}),
    "direct_loss": frozenset(
        {"经济损失", "损失金额", "直接损失", "损失", "经济损失金额", "直接经济损失金额"}
    ),
}


def _second_measure(table: RawTable, source: Source) -> list[Finding]:
    """An ``unmapped-column`` for each header that names a measure the ledger already has
    under the name safeplan reads (``直接经济损失`` beside ``经济损失``): which is meant?"""
    findings: list[Finding] = []
    for role, names in _OTHER_NAMES.items():
        if role not in table.header:
            continue
        read = table.display(role)
        # Where columns: maps the role elsewhere, its usual header is a second figure too.
        others = names | set(RECORD_ALIASES[role])
        for name in table.header:
            if name in others and name != role:
                line = f"{role}: {yaml_key(name)}"
                findings.append(
                    finding(
                        "unmapped-column",
                        table.file,
                        f"{quote(table.display(name))} 也像是{_LABELS[role]}，但 safeplan 读取的是"
                        f" {quote(read)} 列，不会读取这一列",
                        value=name,
                        hint=f"若{_LABELS[role]}在这一列，在 indicators.yaml 的 "
                        f"datasets.{source.dataset}.columns 中写 {line}；否则删除这一列或改名",
                        **table.header_where(name),
                    )
                )
    return findings


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
                f"{plan.display}:{line}: {key}: '{column}' 不是事故台账派生的列"
                f"（事故台账可用的列：{', '.join(offered)}）",
                hint="使用事故台账派生的列，如 accidents.deaths、accidents.major_or_above",
            )
    table, findings = read_file(
        source.path, source.display, sheet=source.sheet, headers=record_headers(source)
    )
    if table is None:
        return None, findings
    missing_roles = [
        r for r in ("date", "deaths", "serious_injuries", "direct_loss") if r not in table.header
    ]
    if "year" in table.header and "date" in missing_roles:
        missing_roles.remove("date")
    if sectors and "sector" not in table.header:
        missing_roles.append("sector")
    if "region" not in table.header:
        missing_roles.append("region")
    findings.extend(_unmapped(table, source, missing_roles))
    findings.extend(_second_measure(table, source))
    unmapped = {f.value for f in findings if f.code == "unmapped-column"}
    for role, name in source.spec.columns.items():
        if role not in table.header:
            findings.append(
                finding(
                    "missing-column",
                    table.file,
                    f"没有表头为“{name}”的列（columns: 中的 {role}）",
                    hint=f"改正 datasets.{source.dataset}.columns 中 {role} 对应的表头",
                    **table.header_where(None),
                )
            )
    if "date" not in table.header and "year" not in table.header:
        if not any(f.code == "unmapped-column" for f in findings):
            findings.append(
                finding(
                    "missing-year-column",
                    table.file,
                    "台账没有日期（日期）或年份（年份）列",
                    hint="增加日期列（YYYY-MM-DD）或年份列，或在 columns: 中写明，如 "
                    "columns: {date: 发生时间}",
                    **table.header_where(None),
                )
            )
        return None, findings
    if "deaths" not in table.header:
        if not unmapped:
            findings.append(
                finding(
                    "missing-deaths-column",
                    table.file,
                    "台账没有死亡人数（死亡人数）列",
                    hint="增加每起事故的死亡人数列（没有死亡填 0）",
                    **table.header_where(None),
                )
            )
        return None, findings
    if sectors and "sector" not in table.header and not unmapped:
        findings.append(
            finding(
                "missing-sector-column",
                table.file,
                "定义了行业分组（sectors:），但台账没有行业（行业）列",
                hint="增加行业列，或在 columns: 中写明，如 columns: {sector: 行业类别}",
                **table.header_where(None),
            )
        )
    exponent = 0
    if "direct_loss" in table.header:
        unit = table.units.get("direct_loss")
        if unit is not None and unit not in LOSS_UNITS:
            findings.append(
                finding(
                    "unknown-unit",
                    table.file,
                    f"直接经济损失列的单位“{unit}”不是万元、元或亿元，无法换算",
                    value=unit,
                    hint="把列名改为“直接经济损失（万元）”并按万元填写（也可用元或亿元）",
                    **table.header_where("direct_loss"),
                )
            )
        exponent = LOSS_UNITS.get(unit or "万元", 0)
    for column in ("region", "sector"):
        if column in table.header:
            findings.extend(check_text(table, column))
    # Region and sector are compared stripped: each as (code of each row, distinct values).
    regions = table.strip_column("region") if "region" in table.header else None
    sector_values = table.strip_column("sector") if "sector" in table.header else None
    n = table.n_rows
    totals = _total_rows(table, regions, plan.info.region)
    years, more = _check_dates(table)
    findings.extend(f for f in more if not _on(f, table, totals))
    if source.spec.through is not None:
        findings.extend(_after_through(table, years, source.spec.through))
    has_region = regions is not None
    if regions is not None:
        codes, labels = regions
        # A subtotal row (东镇小计) would count as one more accident: an error at its cell.
        findings.extend(subtotal_rows(table, codes, labels, plan.info.region)[1])
        blank = np.flatnonzero(labels == "")  # distinct values: at most one
        blank_regions = np.flatnonzero(codes == blank[0]) if len(blank) else blank
        findings += cell_findings(
            table,
            "missing-region",
            [r for r in blank_regions.tolist() if not totals[r]],
            "region",
            "这起事故没有填写地区",
            "填写每起事故的地区",
            value=False,
        )
    deaths, _, more = check_numbers(
        table,
        "deaths",
        count=True,
        denominator=False,
        missing="error",
        missing_message="这起事故没有填写死亡人数（单元格{what}）",
        missing_hint="没有人死亡时填 0",
    )
    findings.extend(f for f in more if not _on(f, table, totals))
    # Blank injuries or loss are not recorded: 0 in sums, no part in the class.
    measures = {}
    for key, count, noun, none in (
        ("serious_injuries", True, "重伤人数", "没有重伤"),
        ("direct_loss", False, "直接经济损失", "没有损失"),
    ):
        values, not_recorded = np.zeros(n), np.ones(n, dtype=bool)
        if key in table.header:
            values, not_recorded, more = check_numbers(
                table,
                key,
                count=count,
                denominator=False,
                missing_message=(
                    f"{noun}未填报（单元格{{what}}）：按 0 计入合计，这起事故按其他指标分级"
                ),
                missing_hint=f"补填{noun}（{none}填 0）",
            )
            findings.extend(f for f in more if not _on(f, table, totals))
            values[np.isnan(values)] = 0
        measures[key] = values, not_recorded
    injuries, injuries_missing = measures["serious_injuries"]
    loss, loss_missing = measures["direct_loss"]
    if exponent:
        loss = loss * 10.0**exponent
    if totals.any():
        findings.extend(_check_record_totals(table, totals))
    if sector_values is not None and sectors:
        grouped = {v for values in sectors.values() for v in values}
        codes, labels = sector_values
        outside = np.flatnonzero(~pd.Index(labels).isin(grouped)[codes] & ~totals)
        if len(outside):
            unknown = pd.Series(labels[codes[outside]], index=outside)
            counts = unknown.value_counts()
            first = int(unknown.index[0])
            values_shown = "、".join(f"{v or '（空白）'} ×{c}" for v, c in counts.items())
            findings.append(
                finding(
                    "unknown-sector",
                    table.file,
                    f"这些行业值不属于任何行业分组：{values_shown}",
                    value=str(unknown.iloc[0]),
                    hint="在 indicators.yaml 的 sectors: 中把它们加入某个分组，或更正拼写",
                    **table.where(first, "sector"),
                )
            )
    if any(f.severity == "error" for f in findings):
        keep = np.zeros(n, dtype=bool)
    else:
        keep = (years >= 0) & ~totals
    _outside_plan(plan, table, np.where(totals, -1, years), findings)
    rows = np.flatnonzero(keep)
    every = len(rows) == n

    def kept(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return values if every else values[rows]

    deaths_i = _whole(kept(deaths))
    injuries_i = _whole(kept(injuries))
    loss_kept = kept(loss)
    year_kept = kept(years)
    region_codes = (kept(regions[0]), regions[1]) if regions is not None else None
    sector_codes = (kept(sector_values[0]), sector_values[1]) if sector_values is not None else None

    records = Records(
        table=table,
        rows=rows,
        year=year_kept,
        region_codes=region_codes,
        sector_codes=sector_codes,
        deaths=deaths_i,
        injuries=injuries_i,
        sectors=sectors,
        injuries_missing=kept(injuries_missing),
        loss_missing=kept(loss_missing),
        loss=loss_kept,
        loss_exponent=exponent,
    )
    # Near a bound the class is decided on the loss as written: the few records there are
    # read one by one.
    classes = records.classes = classify(
        deaths_i, injuries_i, records.loss_text, loss_values=loss_kept
    )
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
        # A ledger complete to its through: date had no accidents after its last record.
        last_year=source.spec.through.year if source.spec.through is not None else None,
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
    records.frame = frame
    return Dataset(
        name=source.dataset,
        file=source.display,
        frame=frame,
        has_region=has_region,
        table=None,
        derived=records,
    ), findings


#: Findings that a total row's date or year cell (合计, or blank) and its blank cells would
#: raise as a record: a total row is no record, its figures are checked as totals.
_TOTAL_ROW_CODES = frozenset(
    {"bad-date", "implausible-year", "missing-year", "non-integer-year", "missing-value"}
)


def _on(f: Finding, table: RawTable, totals: np.ndarray[Any, Any]) -> bool:
    """Whether a finding sits on a total row (whose cells are checked as a total)."""
    if f.line is None or not totals.any():
        return False
    cache = table.__dict__.setdefault("_total_lines", None)
    if cache is None:
        import numpy as np

        cache = set(np.asarray(table.lines)[totals].tolist())
        table.__dict__["_total_lines"] = cache
    return f.line in cache and f.code in _TOTAL_ROW_CODES


def _total_rows(
    table: RawTable, regions: tuple[Any, Any] | None, plan_region: str | None
) -> np.ndarray[Any, Any]:
    """Rows that are totals: a total label as region, date/year or first cell (合计, 全县 …)."""
    import numpy as np

    totals = np.zeros(table.n_rows, dtype=bool)
    if regions is not None:
        codes, labels = regions
        flags = np.array(total_labels(labels.tolist(), plan_region), dtype=bool)
        if len(flags):
            totals |= flags[codes]
    from safeplan.ingest.table import column_kind

    for column in dict.fromkeys(
        [c for c in ("date", "year") if c in table.header] + table.header[:1]
    ):
        typed = table.typed[column] if table.typed is not None else None
        if column_kind(typed) == "number":
            continue
        codes, texts = table.factorize(column)
        # A quick look for the characters of a total label first: a 序号 column of a
        # hundred thousand records has as many distinct texts.
        flags = np.array(total_labels(texts), dtype=bool)
        if flags.any():
            totals |= flags[codes]
    return totals


def _check_record_totals(table: RawTable, totals: np.ndarray[Any, Any]) -> list[Finding]:
    """A ledger's total row against the exact sum of all its records."""
    import numpy as np

    from safeplan.domain.exact import exact_sum

    findings: list[Finding] = []
    members = np.flatnonzero(~totals).tolist()
    for column in ("deaths", "serious_injuries", "direct_loss"):
        if column not in table.header:
            continue
        texts = [t.strip() for t in table.cells(members, column)]
        parts = [canonical_number(t) for t in texts if t]
        if any(p is None for p in parts):
            continue  # a bad cell (a finding already) or a dash: no sum
        try:
            summed = exact_sum([p for p in parts if p is not None])
        except ValueError:
            continue  # digits beyond any exact sum (a hostile cell): nothing to compare
        for row in np.flatnonzero(totals).tolist():
            text = table.cell(row, column)
            canonical = canonical_number(text)
            if canonical is None:
                continue
            if _exact_or_none(canonical) == summed:
                continue
            from safeplan.ingest.yearly import _decimal

            shown = _decimal(summed)
            findings.append(
                finding(
                    "total-mismatch",
                    table.file,
                    f"合计行的{table.display(column)}为 {text.strip()}，"
                    f"而 {len(members)} 条事故记录之和为 {shown}",
                    value=text.strip(),
                    hint=f"核对合计行：它应恰好等于上面各条记录之和（{shown}），或删除合计行",
                    **table.where(row, column),
                )
            )
    return findings


def _exact_or_none(text: str) -> Fraction | None:
    """The exact value of one total cell; ``None`` beyond what an exact sum takes."""
    from safeplan.domain.exact import exact_sum

    try:
        return exact_sum([text])
    except ValueError:
        return None


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
        column = "date" if "date" in table.header else "year"
        findings.append(
            finding(
                "outside-plan-years",
                table.file,
                f"{len(rows)} 条记录的日期不在计划使用的 {first}–{info.target_year} 年之内"
                f"（第一条：{quote(table.cell(int(rows[0]), column))}）",
                hint="这些记录计入各自的年份，但没有指标用到它们",
                **table.where(int(rows[0]), column),
            )
        )


__all__ = [
    "NO_DAY",
    "RECORD_ALIASES",
    "derived_columns",
    "load_records",
    "record_days",
    "record_headers",
]
