"""Typed checks of cells, vectorised: numbers, counts, years, keys, text.

Each bad cell is a :class:`~safeplan.findings.Finding` at its file, line and column, with
its text quoted as written (shortened when long).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from safeplan.findings import Finding, finding
from safeplan.ingest.text import (
    BAD,
    BLANK,
    DASH,
    ERROR,
    NON_FINITE,
    NUMBER,
    bad_character,
    quote,
    subtotal_labels,
    year_of,
)

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


#: Findings of one code in one column listed one by one; the rest are one summary finding
#: (a ledger with a hundred thousand blank cells is one problem, not a hundred thousand).
MAX_LISTED = 100


def listed(rows: Any) -> tuple[list[int], int | None, int]:
    """The rows to list one by one, the first row left out (if any) and how many are.

    ``rows`` may be a list or a numpy array (only the rows listed become Python ints).
    """
    if len(rows) <= MAX_LISTED:
        return [int(r) for r in rows], None, 0
    return [int(r) for r in rows[:MAX_LISTED]], int(rows[MAX_LISTED]), len(rows) - MAX_LISTED


def more_like_this(
    table: RawTable,
    code: str,
    row: int,
    column: str,
    count: int,
    hint: str | None = None,
    **extra: Any,
) -> Finding:
    """The one finding that stands for ``count`` more cells with the same problem."""
    from safeplan.findings import CODES

    return finding(
        code,
        table.file,
        f"{table.display(column)}列从这一行起另有 {count:,} 个单元格有同样的问题（{code}），"
        f"前 {MAX_LISTED} 个已逐一列出",
        hint=hint or CODES[code].fix,
        **extra,
        **table.where(row, column),
    )


def cell_findings(
    table: RawTable,
    code: str,
    rows: Any,
    column: str,
    message: str,
    hint: str,
    *,
    value: bool = True,
    **extra: Any,
) -> list[Finding]:
    """One finding per cell of ``rows`` in ``column`` — at most :data:`MAX_LISTED`, then one
    that counts the rest — leaving out cells under a merged cell (their finding names them).

    ``message`` is formatted with ``value`` (the cell's text, quoted), ``column`` (the
    column as the file names it) and ``what`` ("为空" or "为“—”"); ``value=False`` leaves
    the cell's text out of the finding (a blank cell has none).
    """
    covered = covered_rows(table, column)
    if covered:
        rows = [row for row in rows if int(row) not in covered]
    shown, rest, count = listed(rows)
    column_name = table.display(column)
    out = []
    for row in shown:
        text = table.cell(row, column)
        out.append(
            finding(
                code,
                table.file,
                message.format(value=quote(text), column=column_name, what=_what(text)),
                hint=hint,
                **({"value": text} if value else {}),
                **extra,
                **table.where(row, column),
            )
        )
    if rest is not None:
        out.append(more_like_this(table, code, rest, column, count, hint, **extra))
    return out


Missing = Literal["warning", "error", "quiet"]


def check_numbers(
    table: RawTable,
    column: str,
    *,
    count: bool,
    denominator: bool,
    integer_hint: str = "",
    missing: Missing = "warning",
    missing_message: str = "{column}列的单元格{what}（数据缺失）：需要它的结果为无数据",
    missing_hint: str = "补填数据；确实缺失时可以留空或填“—”",
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], list[Finding]]:
    """Parse one used column to floats; every bad cell is a finding (vectorised).

    Returns the values (NaN where there is no usable number), the mask of missing cells
    (blank or a dash) and the findings. ``missing`` says what a missing cell is: a
    ``missing-value`` warning, an error, or nothing (the caller reports it).
    """
    import numpy as np

    values, kinds = table.numbers(column)
    findings: list[Finding] = []

    def add(code: str, mask: Any, message: str, hint: str, **extra: Any) -> None:
        if mask.any():  # the usual case is no finding at all, and much quicker to tell
            findings.extend(
                cell_findings(table, code, np.flatnonzero(mask), column, message, hint, **extra)
            )

    if (kinds > DASH).any():  # the usual column has numbers and blanks only
        add(
            "non-numeric",
            kinds == BAD,
            "{value}（{column}列）不是数字",
            "填写纯数字（不带单位）；千分位逗号须三位一组，如 1,234.5；数据缺失时留空或填“—”",
        )
        add(
            "formula-error",
            kinds == ERROR,
            "{value}（{column}列）是公式错误值或没有计算结果的公式，不是数字",
            "改正公式，或复制后“选择性粘贴 → 数值”；程序生成的工作簿请在 Excel 中打开并保存一次",
        )
        add(
            "non-finite",
            kinds == NON_FINITE,
            "{value}（{column}列）不是有限的数（无穷大、NaN 或超出数值范围）",
            "填写实际数值",
        )
    finite = kinds == NUMBER
    with np.errstate(invalid="ignore"):
        negative = finite & (values < 0)
        add(
            "negative-value",
            negative,
            "{value}（{column}列）是负数",
            "计数和金额不能为负数",
        )
        huge = np.zeros(len(values), dtype=bool)
        fractional = np.zeros(len(values), dtype=bool)
        if count:
            huge = finite & (np.abs(values) >= MAX_COUNT)
            add(
                "non-finite",
                huge,
                "{value}（{column}列）作为计数太大（不小于 2^53），不像统计数字",
                "填写实际数值",
            )
            candidates = finite & ~negative & ~huge
            if candidates.any():
                fractional = candidates & ~table.whole(column)
            add(
                "non-integer-count",
                fractional,
                "{value}（{column}列）是计数，但不是整数",
                "计数应为整数" + integer_hint,
            )
        if denominator:
            add(
                "zero-denominator",
                finite & (values == 0),
                "{value}（{column}列）作分母，必须为正数",
                "比率不能除以零：填写实际数值，或留空表示缺失",
            )
    absent = (kinds == BLANK) | (kinds == DASH)
    if missing != "quiet":
        add(
            "missing-value",
            absent,
            missing_message,
            missing_hint,
            **({"severity": "error"} if missing == "error" else {}),
        )
    values[~finite | negative | huge | fractional] = np.nan
    return values, absent, findings


def _what(text: str) -> str:
    return f"为{quote(text.strip())}" if text.strip() else "为空"


def covered_rows(table: RawTable, column: str) -> set[int]:
    """Data rows whose cell in ``column`` lies under a merged cell."""
    if not table.covered or column not in table.header:
        return set()
    index = table.header.index(column) + 1
    lines = {line for line, col in table.covered if col == index}
    return {row for row, line in enumerate(table.lines) if line in lines}


def check_years(
    table: RawTable, column: str = "year"
) -> tuple[np.ndarray[Any, Any], list[Finding]]:
    """Parse the year column (``2016`` or ``2016年``); rows without a usable year get -1."""
    import numpy as np

    values, kinds = table.numbers(column)
    findings: list[Finding] = []
    # "2016年" is a year too.
    for row in _rows_where(kinds == BAD):
        year = year_of(table.cell(row, column))
        if year is not None:
            values[row], kinds[row] = year, NUMBER
    missing = _rows_where((kinds == BLANK) | (kinds == DASH))
    findings += cell_findings(
        table, "missing-year", missing, column, "这一行没有年份", "填写年份，如 2024", value=False
    )
    with np.errstate(invalid="ignore"):
        bad = (kinds != NUMBER) & (kinds != BLANK) & (kinds != DASH)
        bad |= (kinds == NUMBER) & (np.floor(values) != values)
        implausible = ~bad & (kinds == NUMBER) & ((values < MIN_YEAR) | (values > MAX_YEAR))
    findings += cell_findings(
        table,
        "non-integer-year",
        _rows_where(bad),
        column,
        "年份 {value} 不是整数年份",
        "年份写成四位数字，如 2024 或 2024年",
    )
    findings += cell_findings(
        table,
        "implausible-year",
        _rows_where(implausible),
        column,
        f"年份 {{value}} 不在 {MIN_YEAR}–{MAX_YEAR} 之间",
        "检查年份",
    )
    usable = (kinds == NUMBER) & ~bad & ~implausible
    years = np.where(usable, np.nan_to_num(values, nan=-1), -1).astype("int64")
    return years, findings


def check_text(table: RawTable, column: str) -> list[Finding]:
    """Control and invisible characters in a text column, as written (before stripping:
    a trailing U+0085 would be stripped away as whitespace)."""
    import numpy as np

    codes, labels = table.factorize(column)
    findings: list[Finding] = []
    for code, label in enumerate(labels):
        problem = bad_character(label)
        if problem is None:
            continue
        findings += cell_findings(
            table,
            "control-character",
            np.flatnonzero(codes == code),
            column,
            f"{{value}}（{{column}}列）含有看不见的字符：{problem}",
            "重新输入这个单元格（不要从网页或聊天软件粘贴）",
        )
    return findings


def subtotal_rows(
    table: RawTable, codes: np.ndarray[Any, Any], labels: Any, plan_region: str | None
) -> tuple[np.ndarray[Any, Any], list[Finding]]:
    """The subtotal rows (东县小计), each an error: a table holds its regions and at most a
    total row; a subtotal beside the regions it sums would count them twice. They are left
    out of the data and of the total rows' sums."""
    import numpy as np

    flags = np.array(subtotal_labels(labels.tolist(), plan_region), dtype=bool)
    rows = flags[codes] if len(flags) else np.zeros(len(codes), dtype=bool)
    findings: list[Finding] = []
    for row in np.flatnonzero(rows).tolist():
        label = table.cell(row, "region").strip()
        findings.append(
            finding(
                "subtotal-row",
                table.file,
                f"{quote(label)}像是小计行，不是一个地区：与它所合计的地区一起会被重复计算",
                value=label,
                hint="删除小计行，表中只留各地区（和一个合计行）；若它确是地区，请改用不以小计、合计结尾的名称",
                **table.where(row, "region"),
            )
        )
    return rows, findings


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
        blank = _rows_where(np.isin(codes, np.flatnonzero(labels == "")))
        findings += cell_findings(
            table,
            "missing-region",
            blank,
            "region",
            "这一行没有地区",
            "填写每一行的地区",
            value=False,
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
    if regions is not None:
        valid &= keys["region"].to_numpy() != ""
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
            what = f"{key[0]} 年" + (f"、地区 {quote(key[1])}" if len(key) > 1 else "")
            findings.append(
                finding(
                    "duplicate-row",
                    table.file,
                    f"{what}有第二行（第一行在第 {first_line[key]} 行）",
                    hint="每年" + ("每个地区" if len(key) > 1 else "") + "只保留一行",
                    value=str(key[0]),
                    **table.where(row, "year"),
                )
            )
    return findings


MIN_YEAR, MAX_YEAR = 1900, 2200
