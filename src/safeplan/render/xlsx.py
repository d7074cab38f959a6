"""Excel workbooks from a declarative description of sheets, safe against formula injection.

The renderers describe *what* goes in a workbook (:class:`Sheet` and :class:`Column`);
:func:`write_xlsx` decides *how* it looks: an optional title row, a bold, frozen,
filterable header row repeated on every printed page, one number format per column (or
per cell), widths that fit Chinese text, missed rows or cells in light red, a Chinese
font, and A4 landscape pages fitted to the page width.

Numbers are stored as numbers: whole numbers as integers, others to twelve significant
digits of their shortest decimal form (never float noise such as 2.359999999999999); only
their display is rounded, by the number format. Dates are real dates.

The workbooks of ``check --format xlsx`` (:func:`check_workbook`: the 指标完成情况表 and the
分地区 table) and ``gap --format xlsx`` (:func:`gap_workbook`: those of the latest year,
the indicator × year grid, every year's detail and the outlook) are built with it. No
sheet shows an internal id or a configuration key: people read them.

openpyxl is imported inside :func:`write_xlsx` only, so that importing this module (and
``safeplan --help``) stays fast.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from safeplan.errors import UsageError
from safeplan.render.completion import (
    COMPLETION_KEYS,
    Line,
    completion,
    completion_header,
    precisions,
    region_table,
    where,
)
from safeplan.render.escape import escape_text
from safeplan.render.labels import (
    LABELS,
    _region_label,
    target_text,
    with_unit,
)
from safeplan.render.numbers import GENERIC, Precision, exact_number

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from safeplan.evaluate.results import CheckReport, GapReport, Result
    from safeplan.render import Options

__all__ = [
    "FONT",
    "Column",
    "ColumnKind",
    "Sheet",
    "check_workbook",
    "escape_text",
    "gap_workbook",
    "sanitize_title",
    "text_width",
    "write_xlsx",
]

ColumnKind = Literal["text", "int", "number", "percent", "date"]
"""How a column's values are stored and formatted."""

FONT = "宋体"
"""The workbook's font: 宋体 (SimSun) is on every Chinese Windows and WPS; elsewhere the
spreadsheet substitutes its own CJK serif. Calibri has no Chinese glyphs."""
_FONT_SIZE = 11
_TITLE_SIZE = 14

# Control characters the xlsx format cannot hold (openpyxl raises on them).
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: Rows of an Excel worksheet.
MAX_ROWS = 1_048_576

_INVALID_TITLE_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
_MAX_TITLE_LENGTH = 31

_HEADER_FILL = "DDEBF7"  # light blue, Excel's "Blue, Accent 1, Lighter 80%"
_HIGHLIGHT_FILL = "FFC7CE"  # light red, Excel's "Light Red Fill" for bad values

_WIDTH_PADDING = 2
_MIN_WIDTH = 6.0
_MAX_WIDTH = 60.0
_HEADER_WIDTH = 18


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Sheet`: where its values come from and how they look."""

    key: str
    """The key of the value in each row mapping."""
    label: str
    """The header text (usually Chinese, with its unit), e.g. ``"实际值（人）"``."""
    kind: ColumnKind = "text"
    """``text`` (escaped, stored as a string), ``int``, ``number``, ``percent`` (a number
    already in percent units: ``12.5`` is shown as ``12.50%``) or ``date``."""
    decimals: int | None = None
    """Decimal places shown for ``number`` (``None``: Excel's ``General``) and ``percent``
    (``None``: 2). The stored value is not rounded to them."""
    width: float | None = None
    """Column width in Excel character units; ``None`` sizes it to the content."""

    def __post_init__(self) -> None:
        if self.kind not in ("text", "int", "number", "percent", "date"):
            raise ValueError(f"column {self.key!r}: unknown kind {self.kind!r}")
        if self.decimals is not None and self.decimals < 0:
            raise ValueError(f"column {self.key!r}: decimals must be >= 0")

    @property
    def number_format(self) -> str:
        """The Excel number format of the column's cells (``@`` for text)."""
        if self.kind == "text":
            return "@"
        if self.kind == "int":
            # No thousands separator: int columns include years, and "2,024" is wrong.
            return "0"
        if self.kind == "date":
            return "yyyy-mm-dd"
        if self.kind == "number":
            return "General" if self.decimals is None else _fixed(self.decimals)
        return _fixed(2 if self.decimals is None else self.decimals) + '"%"'


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a table with a header row, optionally a title above it and notes
    below it."""

    title: str
    """The tab name; sanitized by :func:`write_xlsx` (at most 31 characters, no ``[]:*?/\\``)."""
    columns: Sequence[Column]
    """The table's columns, left to right."""
    rows: Sequence[Mapping[str, object]]
    """One mapping per table row, keyed by :attr:`Column.key`; a missing key or ``None``
    (or NaN) leaves the cell empty."""
    highlight: Callable[[Mapping[str, object]], bool] | None = None
    """Rows for which this returns true get a light red fill (e.g. ``status == "missed"``)."""
    notes: Sequence[str] = ()
    """Lines written below the table, one per row, after a blank row."""
    heading: str | None = None
    """A title written in the first row (表1　……), the table starting below it."""
    cell_format: Callable[[Mapping[str, object], str], str | None] | None = None
    """The number format of one cell (row, column key), where it differs from the
    column's (e.g. each indicator's decimals); None keeps the column's."""
    cell_fill: Callable[[Mapping[str, object], str], bool] | None = None
    """Cells (row, column key) to fill light red, e.g. a missed value in a grid."""


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """Build an .xlsx workbook holding ``sheets`` and return its bytes.

    Every text cell is escaped with :func:`escape_text` and stored as a string, never as a
    formula. Numbers keep twelve significant digits; only their display format is rounded.

    Raises ``ValueError`` when ``sheets`` is empty, ``TypeError`` when a numeric column
    holds something that is not a number, and :class:`~safeplan.errors.UsageError` when a
    sheet needs more rows than Excel has (:data:`MAX_ROWS`) — before building anything.
    """
    from io import BytesIO

    from openpyxl import Workbook

    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    for sheet in sheets:
        top = 2 if sheet.heading else 1  # the header row, below the heading if any
        needed = top + len(sheet.rows) + (1 + len(sheet.notes) if sheet.notes else 0)
        if needed > MAX_ROWS:
            raise UsageError(
                f"工作表“{sheet.title}”需要 {needed} 行，超过 Excel 工作表的上限 {MAX_ROWS} 行",
                hint="用 --format csv 输出（没有行数限制），或用 --region 只输出一个地区",
            )
    workbook = Workbook()
    _use_cjk_font(workbook)
    workbook.properties.creator = "safeplan"
    workbook.properties.lastModifiedBy = "safeplan"
    default = workbook.active
    used: set[str] = set()
    for sheet in sheets:
        title = _unique_title(sanitize_title(sheet.title), used)
        _fill_sheet(workbook.create_sheet(title), sheet)
    if default is not None:
        workbook.remove(default)
    workbook.active = 0
    buffer = BytesIO()
    workbook.save(buffer)
    return _shortest_numbers(buffer.getvalue())


_NUMBER = re.compile(rb"<v>(-?\d+\.\d+(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+)</v>")


def _shortest_numbers(data: bytes) -> bytes:
    """The workbook with every number written as its shortest decimal form.

    openpyxl writes numbers with ``%.16g``, which shows the binary error of many doubles
    (0.619999318001 becomes 0.6199993180010001); the shortest form reads back as the
    same double, so the cell holds the same number, and Excel shows what was stored.
    """
    import io
    import zipfile

    def shortest(match: re.Match[bytes]) -> bytes:
        text = repr(float(match[1]))
        return b"<v>" + (text[:-2] if text.endswith(".0") else text).encode() + b"</v>"

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                content = _NUMBER.sub(shortest, content)
            target.writestr(info, content)
    return out.getvalue()


def _use_cjk_font(workbook: Workbook) -> None:
    """Make :data:`FONT` the workbook's default font (openpyxl's is Calibri)."""
    from openpyxl.styles import Font

    font = Font(name=FONT, sz=_FONT_SIZE, family=3, charset=134)  # 134: GB2312
    workbook._fonts[0] = font  # type: ignore[attr-defined]  # the font of unstyled cells
    for style in workbook._named_styles:  # type: ignore[attr-defined]
        if style.name == "Normal":
            style.font = font


def sanitize_title(title: str) -> str:
    """Return ``title`` made valid as an Excel sheet name.

    Replaces ``[]:*?/\\`` and control characters with ``_``, drops leading and trailing
    apostrophes (Excel forbids them), avoids the reserved name ``History`` and truncates
    to 31 characters. An empty result becomes ``"Sheet"``.
    """
    cleaned = _INVALID_TITLE_CHARACTERS.sub("_", title)
    cleaned = "".join("_" if unicodedata.category(c) == "Cc" else c for c in cleaned)
    cleaned = cleaned.strip().strip("'")[:_MAX_TITLE_LENGTH].strip().strip("'")
    if not cleaned:
        return "Sheet"
    if cleaned.casefold() == "history":
        return cleaned + "_"
    return cleaned


def text_width(text: str) -> int:
    """Return the display width of ``text``: 2 per East Asian wide or fullwidth character
    (Chinese characters, fullwidth punctuation), 1 per other character; for text of
    several lines, the width of the widest line."""
    return max(
        (
            sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in line)
            for line in text.splitlines()
        ),
        default=0,
    )


def _fixed(decimals: int) -> str:
    return "0." + "0" * decimals if decimals else "0"


def _unique_title(title: str, used: set[str]) -> str:
    # Excel compares sheet names case-insensitively.
    candidate = title
    counter = 2
    while candidate.casefold() in used:
        suffix = f" ({counter})"
        candidate = title[: _MAX_TITLE_LENGTH - len(suffix)] + suffix
        counter += 1
    used.add(candidate.casefold())
    return candidate


def _fill_sheet(worksheet: Worksheet, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(name=FONT, sz=_FONT_SIZE, bold=True, charset=134)
    header_fill = PatternFill(fill_type="solid", start_color=_HEADER_FILL, end_color=_HEADER_FILL)
    highlight_fill = PatternFill(
        fill_type="solid", start_color=_HIGHLIGHT_FILL, end_color=_HIGHLIGHT_FILL
    )
    # A long header wraps (to about three lines) rather than widen its column.
    widths = [min(text_width(column.label), _HEADER_WIDTH) for column in sheet.columns]
    top = 1
    if sheet.heading:
        cell = _cell(worksheet, 1, 1)
        _set_text(cell, sheet.heading)
        cell.font = Font(name=FONT, sz=_TITLE_SIZE, bold=True, charset=134)
        top = 2

    for index, column in enumerate(sheet.columns, start=1):
        cell = _cell(worksheet, top, index)
        _set_text(cell, column.label)
        cell.font = header_font
        cell.fill = header_fill
        right = column.kind in ("int", "number", "percent")
        cell.alignment = Alignment(
            horizontal="right" if right else "center", vertical="center", wrap_text=True
        )

    # A character of room beside each cell's text, so that a number right-aligned in one
    # column does not run into the text of the next.
    aligned = {
        right: Alignment(horizontal="right" if right else "left", vertical="center", indent=1)
        for right in (False, True)
    }
    for row_number, row in enumerate(sheet.rows, start=top + 1):
        highlighted = sheet.highlight is not None and sheet.highlight(row)
        for index, column in enumerate(sheet.columns, start=1):
            cell = _cell(worksheet, row_number, index)
            shown = _set_value(cell, column, row.get(column.key))
            if cell.value is not None:
                cell.alignment = aligned[column.kind in ("int", "number", "percent")]
            if sheet.cell_format is not None and column.kind != "text" and cell.value is not None:
                own = sheet.cell_format(row, column.key)
                if own:
                    cell.number_format = own
            widths[index - 1] = max(widths[index - 1], text_width(shown))
            if highlighted or (sheet.cell_fill is not None and sheet.cell_fill(row, column.key)):
                cell.fill = highlight_fill

    last_column = get_column_letter(max(len(sheet.columns), 1))
    if sheet.columns:
        worksheet.freeze_panes = f"A{top + 1}"
        worksheet.auto_filter.ref = f"A{top}:{last_column}{len(sheet.rows) + top}"
        worksheet.print_title_rows = f"1:{top}"

    total = 0.0
    for index, column in enumerate(sheet.columns, start=1):
        if column.width is not None:
            width = column.width
        else:
            width = min(max(widths[index - 1] + _WIDTH_PADDING, _MIN_WIDTH), _MAX_WIDTH)
        worksheet.column_dimensions[get_column_letter(index)].width = width
        total += width

    # The header row as tall as its longest wrapped header (spreadsheets do not grow it).
    lines = max(
        (
            -(
                -text_width(column.label)
                // max(int(worksheet.column_dimensions[get_column_letter(i)].width) - 2, 1)
            )
            for i, column in enumerate(sheet.columns, start=1)
        ),
        default=1,
    )
    if lines > 1:
        worksheet.row_dimensions[top].height = 15 * lines + 2

    # Notes wrap within the table's width (text running past it would widen the printout).
    notes_start = len(sheet.rows) + top + 2  # one blank row between the table and the notes
    wrapped = Alignment(wrap_text=True, vertical="top")
    for offset, note in enumerate(sheet.notes):
        row_number = notes_start + offset
        cell = _cell(worksheet, row_number, 1)
        _set_text(cell, note)
        cell.alignment = wrapped
        if len(sheet.columns) > 1:
            worksheet.merge_cells(f"A{row_number}:{last_column}{row_number}")
            lines = -(-text_width(note) // max(int(total) - 2, 1))
            worksheet.row_dimensions[row_number].height = 15 * max(lines, 1)
    _print_setup(worksheet)


def _print_setup(worksheet: Worksheet) -> None:
    """A4 landscape, fitted to one page wide, centred, with page numbers."""
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties

    setup = worksheet.page_setup
    setup.paperSize = worksheet.PAPERSIZE_A4
    setup.orientation = "landscape"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    worksheet.print_options.horizontalCentered = True
    worksheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    footer = worksheet.oddFooter
    if footer is not None:
        footer.center.text = "第 &P 页，共 &N 页"


def _cell(worksheet: Worksheet, row: int, column: int) -> Cell:
    from openpyxl.cell.cell import Cell

    cell = worksheet.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # nothing is merged in these sheets
    return cell


def _set_text(cell: Cell, text: str) -> str:
    """Store ``text`` escaped, as a string; return what the cell shows."""
    escaped = escape_text(_ILLEGAL_CHARACTERS.sub("\ufffd", text))
    cell.value = escaped
    # Guarantee a string: openpyxl would store "=…" as a formula and "#N/A" as an error.
    cell.data_type = "s"
    return escaped


def _set_value(cell: Cell, column: Column, value: object) -> str:
    """Store ``value`` in ``cell`` as ``column`` says; return roughly what the cell shows."""
    if column.kind == "text" or (column.kind == "date" and not _is_date(value)):
        if value is None or _is_nan(value):
            return ""
        cell.number_format = "@"
        return _set_text(cell, str(value))
    if column.kind == "date":
        cell.value = _as_date(value)
        cell.number_format = column.number_format
        return "2024-01-01"
    number = _to_number(column, value)
    if number is None:
        return ""
    cell.value = number
    cell.number_format = column.number_format
    return _shown_number(column, number)


#: Dates as ledgers write them: 2024-01-12, 2024/1/12, 2024.01.12, 2024年1月12日.
_DATE = re.compile(
    r"\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:[ T]00:00(?::00)?)?\s*"
)


def _parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:  # 2024-02-30: not a date, shown as written
        return None


def _is_date(value: object) -> bool:
    return _parse_date(value) is not None


def _as_date(value: object) -> dt.date:
    parsed = _parse_date(value)
    assert parsed is not None
    return parsed


def _is_nan(value: object) -> bool:
    return isinstance(value, float | Decimal) and math.isnan(value)


def _to_number(column: Column, value: object) -> int | float | Decimal | None:
    """Convert a cell value to a type openpyxl writes as a number; ``None`` for missing.

    Non-finite numbers become ``None``: xlsx has no NaN or infinity. Fractions and floats
    are stored to twelve significant digits, without float noise.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):  # includes numpy integers
        return int(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, numbers.Real):  # float, Fraction, numpy floats
        number = float(value)
        return exact_number(number) if math.isfinite(number) else None
    raise TypeError(
        f"column {column.key!r} ({column.kind}) expects a number, got {type(value).__name__}"
    )


def _shown_number(column: Column, number: int | float | Decimal) -> str:
    if column.kind == "int":
        return f"{number:.0f}"
    if column.kind == "percent":
        return f"{number:.{2 if column.decimals is None else column.decimals}f}%"
    if column.decimals is not None:
        return f"{number:.{column.decimals}f}"
    # Excel's General shows at most 11 characters.
    return str(number)[:11]


# --------------------------------------------------------------------------- reports

_METHOD = {
    "zh": [
        "说明：下降目标的序时进度要求按基期值到目标年的直线路径计算，第y年阈值 = 基期值 ×"
        "（1 − 下降比例 × 已过年数 ÷ 规划年数）；“以内”含本数，实际值等于阈值即为达标；"
        "达标与否按未经舍入的精确值判定，表中数字仅为显示而舍入。",
        "趋势外推值：过基期值与最新值的直线延伸至目标年；所需年均变化 = ((目标年阈值 ÷ "
        "最新值)^(1 ÷ 剩余年数) − 1) × 100%。",
        "比率指标为各地区分子之和 ÷ 分母之和，不是各地区比率的平均。",
    ],
    "en": [
        "Note: a decline target's yearly requirement follows a straight path from the "
        "baseline value to the target year; a value on its threshold is met; statuses are "
        "decided on unrounded values.",
        "Projected value: the line through the baseline and latest values, extended to the "
        "target year; required change = ((final ÷ latest)^(1 ÷ years left) − 1) × 100%.",
        "Rates are Σ numerators ÷ Σ denominators, never an average of rates.",
    ],
}


def _decimals_format(decimals: int | None, prefix: str = "") -> str | None:
    if decimals is None:
        return None
    quoted = f'"{prefix}"' if prefix else ""
    return quoted + _fixed(decimals)


def _change_format(lang: str) -> str:
    """A change in percent as planners write it: -12.5 shows 下降12.5%, 0 shows 持平."""
    if lang == "zh":
        return '"上升"0.0"%";"下降"0.0"%";"持平"'
    return '"+"0.0"%";"−"0.0"%";"0"'


def _completion_sheet(
    lines: Sequence[Line], title: str, heading: str, lang: str, year: int
) -> Sheet:
    """The 指标完成情况表 with numbers as numbers: each cell formatted with its
    indicator's decimals, the requirement with its ≤ or ≥, the change as 下降12.5%."""
    labels = LABELS[lang]
    header = dict(zip(COMPLETION_KEYS, completion_header(lang, year=year), strict=True))
    rows = []
    formats: dict[tuple[int, str], str | None] = {}
    for n, line in enumerate(lines):
        r = line.result
        p = line.precision
        sign = {"min": "≥", "yoy_decline": "<"}.get(str((r.target or {}).get("kind")), "≤")
        rows.append(
            {
                "seq": line.seq,
                "name": r.name,
                "unit": line.texts["unit"],
                "attribute": line.texts["attribute"],
                "baseline_value": r.baseline_value,
                "plan_target": line.texts["plan_target"],
                "progress": r.threshold,
                "actual": r.value,
                "change": 0 if line.texts["change"] == labels["flat"] else r.change_pct,
                "result": labels[f"{r.status}_word"],
                "_row": n,
                "_missed": r.status == "missed",
            }
        )
        formats[(n, "baseline_value")] = _decimals_format(p.value)
        formats[(n, "actual")] = _decimals_format(p.value)
        formats[(n, "progress")] = _decimals_format(p.threshold, sign)
    columns = [
        Column("seq", header["seq"], "int"),
        Column("name", header["name"]),
        Column("unit", header["unit"]),
        Column("attribute", header["attribute"]),
        Column("baseline_value", header["baseline_value"], "number"),
        Column("plan_target", header["plan_target"]),
        Column("progress", header["progress"], "number"),
        Column("actual", header["actual"], "number"),
        Column("change", header["change"], "number"),
        Column("result", header["result"]),
    ]
    change = _change_format(lang)
    return Sheet(
        title=title,
        heading=heading,
        columns=columns,
        rows=rows,
        highlight=lambda row: bool(row["_missed"]),
        cell_format=lambda row, key: (
            change if key == "change" else formats.get((int(str(row["_row"])), key))
        ),
    )


def _region_sheet(
    results: Sequence[Result],
    indicators: Mapping[str, Mapping[str, Any]],
    plan: Mapping[str, Any],
    lang: str,
    year: int,
    n: int,
) -> Sheet | None:
    """The 分地区 table: regions × indicators, each value a number, missed cells red."""
    labels = LABELS[lang]
    table = region_table(results, indicators, plan, lang)
    if table is None:
        return None
    ids = [line.result.id for line in table.lines]
    rows = []
    for i, region in enumerate(table.regions):
        row: dict[str, object] = {"region": region, "missed": table.missed[i]}
        for iid, chosen in zip(ids, table.results, strict=True):
            r = chosen[i]
            row[iid] = None if r is None else r.value
            row[f"_{iid}"] = None if r is None else r.status
        rows.append(row)
    formats = {line.result.id: _decimals_format(line.precision.value) for line in table.lines}
    columns = [
        Column("region", labels["region"]),
        *(
            Column(
                line.result.id,
                f"{line.seq}." + with_unit(line.result.name, line.unit, lang),
                "number",
            )
            for line in table.lines
        ),
        Column("missed", labels["missed_count"], "int"),
    ]
    caption = labels["table"].format(n=n) + "　" + labels["regions_caption"].format(year=year)
    return Sheet(
        title="分地区" if lang == "zh" else "by region",
        heading=caption,
        columns=columns,
        rows=rows,
        cell_format=lambda row, key: formats.get(key),
        cell_fill=lambda row, key: row.get(f"_{key}") == "missed",
        notes=[
            labels["regions_legend"]
            .replace("✗ 未达标，", "红色底纹为未达标；")
            .replace("✗ missed, ", "red: missed; ")
        ],
    )


def check_workbook(report: CheckReport, *, lang: str = "zh") -> bytes:
    """``check --format xlsx``: the 指标完成情况表 and the 分地区 table of the year."""
    return write_xlsx(
        _year_sheets(report.results, report.indicators, report.plan, report.year, lang)
    )


def _year_sheets(
    results: Sequence[Result],
    indicators: Mapping[str, Mapping[str, Any]],
    plan: Mapping[str, Any],
    year: int,
    lang: str,
) -> list[Sheet]:
    labels = LABELS[lang]
    region = None if not results or any(r.region is None for r in results) else results[0].region
    lines = completion(results, indicators, plan, lang, region=region)
    caption = (
        labels["table"].format(n=1)
        + "　"
        + labels["completion_caption"].format(where=where(plan, region, lang), year=year)
    )
    sheets = [
        _completion_sheet(lines, "完成情况表" if lang == "zh" else "results", caption, lang, year)
    ]
    regions = _region_sheet(results, indicators, plan, lang, year, 2)
    if regions is not None:
        sheets.append(regions)
    sheets[0] = Sheet(**{**sheets[0].__dict__, "notes": _METHOD[lang][:1]})
    return sheets


def gap_workbook(report: GapReport, *, lang: str = "zh") -> bytes:
    """``gap --format xlsx``: the latest year's 指标完成情况表 and 分地区 table, the
    indicator × year grid, every year's detail, and the outlook."""
    plan = report.plan
    rows = report.rows
    precision_of = precisions(rows, report.indicators)
    with_value = [r.year for r in rows if r.value is not None]
    latest = max(with_value, default=max((r.year for r in rows), default=0))
    sheets = _year_sheets(
        [r for r in rows if r.year == latest], report.indicators, plan, latest, lang
    )
    n = len(sheets) + 1
    sheets.append(_grid_sheet(report, precision_of, lang, n))
    sheets.append(_detail_sheet(report, precision_of, lang, n + 1))
    sheets.append(_outlook_sheet(report, precision_of, lang, n + 2))
    return write_xlsx(sheets)


def _grid_sheet(
    report: GapReport, precision_of: Mapping[str, Precision], lang: str, n: int
) -> Sheet:
    """Indicators (× regions) as rows, years as columns: each year's value, missed red."""
    labels = LABELS[lang]
    plan = report.plan
    years = sorted({r.year for r in report.rows})
    grid: dict[tuple[str, str | None], dict[str, object]] = {}
    for r in report.rows:
        row = grid.setdefault(
            (r.id, r.region),
            {
                "name": r.name,
                "unit": report.indicators.get(r.id, {}).get("unit") or "—",
                "region": _region_label(r.region, plan, lang),
                "target": target_text(r.target, plan["baseline_year"], lang),
                "_id": r.id,
            },
        )
        row[str(r.year)] = r.value
        row[f"_{r.year}"] = r.status
    columns = [
        Column("name", labels["name"]),
        Column("unit", labels["unit"]),
        Column("region", labels["region"]),
        Column("target", labels["plan_target"]),
        *(Column(str(y), f"{y}年" if lang == "zh" else str(y), "number") for y in years),
    ]
    first, last = (years[0], years[-1]) if years else ("", "")
    caption = (
        labels["table"].format(n=n)
        + "　"
        + labels["grid_caption"].format(
            where=_region_label(None, plan, lang) + ("及各地区" if lang == "zh" else ""),
            first=first,
            last=last,
        )
    )
    return Sheet(
        title="逐年情况" if lang == "zh" else "by year",
        heading=caption,
        columns=columns,
        rows=list(grid.values()),
        cell_format=lambda row, key: _decimals_format(
            precision_of.get(str(row["_id"]), GENERIC).value
        ),
        cell_fill=lambda row, key: row.get(f"_{key}") == "missed",
        notes=["红色底纹为未达标。" if lang == "zh" else "Red: missed."],
    )


def _detail_sheet(
    report: GapReport, precision_of: Mapping[str, Precision], lang: str, n: int
) -> Sheet:
    """Every indicator, region and year: value, requirement, gap and status."""
    labels = LABELS[lang]
    plan = report.plan
    rows = [
        {
            "name": r.name,
            "unit": report.indicators.get(r.id, {}).get("unit") or "—",
            "region": _region_label(r.region, plan, lang),
            "year": r.year,
            "value": r.value,
            "target": target_text(r.target, plan["baseline_year"], lang),
            "threshold": r.threshold,
            "gap": r.gap,
            "status": labels[f"{r.status}_word"],
            "_id": r.id,
            "_missed": r.status == "missed",
        }
        for r in report.rows
    ]

    def fmt(row: Mapping[str, object], key: str) -> str | None:
        p = precision_of.get(str(row["_id"]), GENERIC)
        decimals = {"value": p.value, "threshold": p.threshold, "gap": p.gap}.get(key)
        if key == "gap" and decimals is not None:
            return f"+{_fixed(decimals)};-{_fixed(decimals)};0"
        return _decimals_format(decimals)

    caption = (
        labels["table"].format(n=n)
        + "　"
        + labels["detail_caption"].format(
            where=_region_label(None, plan, lang) + ("及各地区" if lang == "zh" else "")
        )
    )
    return Sheet(
        title="目标差距" if lang == "zh" else "gap",
        heading=caption,
        columns=[
            Column("name", labels["name"]),
            Column("unit", labels["unit"]),
            Column("region", labels["region"]),
            Column("year", labels["year"], kind="int"),
            Column("value", labels["actual_value"], kind="number"),
            Column("target", labels["plan_target"]),
            Column("threshold", labels["progress"], kind="number"),
            Column("gap", labels["gap"], kind="number"),
            Column("status", labels["result"]),
        ],
        rows=rows,
        highlight=lambda row: bool(row["_missed"]),
        cell_format=fmt,
        notes=_METHOD[lang],
    )


def _outlook_sheet(
    report: GapReport, precision_of: Mapping[str, Precision], lang: str, n: int
) -> Sheet:
    labels = LABELS[lang]
    plan = report.plan
    names = {r.id: r.name for r in report.rows}
    track = {True: labels["yes"], False: labels["no"], None: labels["unknown"]}
    rows = [
        {
            "name": names.get(o.id, o.id),
            "unit": report.indicators.get(o.id, {}).get("unit") or "—",
            "region": _region_label(o.region, plan, lang),
            "latest_year": o.latest_year,
            "latest_value": o.latest_value,
            "final_threshold": o.final_threshold,
            "projected_value": o.projected_value,
            "on_track": track[o.on_track],
            "required": o.required_annual_change_pct,
            "_id": o.id,
            "_off": o.on_track is False,
        }
        for o in report.outlook
    ]

    def fmt(row: Mapping[str, object], key: str) -> str | None:
        p = precision_of.get(str(row["_id"]), GENERIC)
        if key == "latest_value":
            return _decimals_format(p.value)
        if key in ("final_threshold", "projected_value"):
            return _decimals_format(p.threshold)
        return None

    caption = (
        labels["table"].format(n=n)
        + "　"
        + labels["outlook_caption"].format(
            year=plan["target_year"],
            where=_region_label(None, plan, lang) + ("及各地区" if lang == "zh" else ""),
        )
    )
    return Sheet(
        title="目标展望" if lang == "zh" else "outlook",
        heading=caption,
        columns=[
            Column("name", labels["name"]),
            Column("unit", labels["unit"]),
            Column("region", labels["region"]),
            Column("latest_year", labels["latest_year"], kind="int"),
            Column("latest_value", labels["latest_value"], kind="number"),
            Column("final_threshold", labels["final_threshold"], kind="number"),
            Column("projected_value", labels["projected_value"], kind="number"),
            Column("on_track", labels["on_track"]),
            Column("required", labels["required"], kind="percent", decimals=2),
        ],
        rows=rows,
        highlight=lambda row: bool(row["_off"]),
        cell_format=fmt,
        notes=_METHOD[lang][1:2],
    )


def render_check(report: CheckReport, options: Options) -> bytes:
    """``check --format xlsx``."""
    return check_workbook(report, lang=options.lang)


def render_gap(report: GapReport, options: Options) -> bytes:
    """``gap --format xlsx``."""
    return gap_workbook(report, lang=options.lang)
