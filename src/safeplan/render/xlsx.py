"""Excel workbooks from a declarative description of sheets, safe against formula injection.

The renderers describe *what* goes in a workbook (:class:`Sheet` and :class:`Column`);
:func:`write_xlsx` decides *how* it looks: a bold, frozen, filterable header row, one
number format per column, widths that fit Chinese text, and missed rows in light red.

The analyst's workbook of ``safeplan gap --format xlsx`` (:func:`gap_workbook`) is built
with it: the target-gap rows and the outlook, missed cells filled.

openpyxl is imported inside :func:`write_xlsx` only, so that importing this module (and
``safeplan --help``) stays fast.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from safeplan.errors import UsageError
from safeplan.render.escape import escape_text
from safeplan.render.labels import LABELS, target_text

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

    from safeplan.evaluate.results import GapReport, Result
    from safeplan.render import Options

__all__ = [
    "Column",
    "ColumnKind",
    "Sheet",
    "escape_text",
    "gap_workbook",
    "sanitize_title",
    "text_width",
    "write_xlsx",
]

ColumnKind = Literal["text", "int", "number", "percent"]
"""How a column's values are stored and formatted."""

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


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Sheet`: where its values come from and how they look."""

    key: str
    """The key of the value in each row mapping."""
    label: str
    """The header text (usually Chinese), e.g. ``"指标名称"``."""
    kind: ColumnKind = "text"
    """``text`` (escaped, stored as a string), ``int``, ``number`` or ``percent``
    (a number already in percent units: ``12.5`` is shown as ``12.50%``)."""
    decimals: int | None = None
    """Decimal places shown for ``number`` (``None``: Excel's ``General``) and ``percent``
    (``None``: 2). The stored value is never rounded."""
    width: float | None = None
    """Column width in Excel character units; ``None`` sizes it to the content."""

    def __post_init__(self) -> None:
        if self.kind not in ("text", "int", "number", "percent"):
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
        if self.kind == "number":
            return "General" if self.decimals is None else _fixed(self.decimals)
        return _fixed(2 if self.decimals is None else self.decimals) + '"%"'


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a table with a header row, optionally followed by notes."""

    title: str
    """The tab name; sanitized by :func:`write_xlsx` (at most 31 characters, no ``[]:*?/\\``)."""
    columns: Sequence[Column]
    """The table's columns, left to right."""
    rows: Sequence[Mapping[str, object]]
    """One mapping per table row, keyed by :attr:`Column.key`; a missing key or ``None``
    (or NaN) leaves the cell empty."""
    highlight: Callable[[Mapping[str, object]], bool] | None = None
    row_format: Callable[[Mapping[str, object]], str | None] | None = None
    """Number format for the ``number`` cells of one row (e.g. rates vs counts)."""
    """Rows for which this returns true get a light red fill (e.g. ``status == "missed"``)."""
    notes: Sequence[str] = ()
    """Lines written below the table, one per row, after a blank row."""


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """Build an .xlsx workbook holding ``sheets`` and return its bytes.

    Every text cell is escaped with :func:`escape_text` and stored as a string, never as a
    formula. Numbers keep their full precision; only their display format is rounded.

    Raises ``ValueError`` when ``sheets`` is empty, ``TypeError`` when a numeric column
    holds something that is not a number, and :class:`~safeplan.errors.UsageError` when a
    sheet needs more rows than Excel has (:data:`MAX_ROWS`) — before building anything.
    """
    from io import BytesIO

    from openpyxl import Workbook

    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    for sheet in sheets:
        needed = 1 + len(sheet.rows) + (1 + len(sheet.notes) if sheet.notes else 0)
        if needed > MAX_ROWS:
            raise UsageError(
                f"工作表“{sheet.title}”需要 {needed} 行，超过 Excel 工作表的上限 {MAX_ROWS} 行",
                hint="用 --format csv 输出（没有行数限制），或用 --region 只输出一个地区",
            )
    workbook = Workbook()
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
    return buffer.getvalue()


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

    header_font = Font(bold=True)
    header_fill = PatternFill(fill_type="solid", start_color=_HEADER_FILL, end_color=_HEADER_FILL)
    highlight_fill = PatternFill(
        fill_type="solid", start_color=_HIGHLIGHT_FILL, end_color=_HIGHLIGHT_FILL
    )
    widths = [text_width(column.label) for column in sheet.columns]

    for index, column in enumerate(sheet.columns, start=1):
        cell = _cell(worksheet, 1, index)
        _set_text(cell, column.label)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)

    for row_number, row in enumerate(sheet.rows, start=2):
        highlighted = sheet.highlight is not None and sheet.highlight(row)
        own_format = sheet.row_format(row) if sheet.row_format is not None else None
        for index, column in enumerate(sheet.columns, start=1):
            cell = _cell(worksheet, row_number, index)
            shown = _set_value(cell, column, row.get(column.key))
            if own_format and column.kind == "number" and cell.value is not None:
                cell.number_format = own_format
            widths[index - 1] = max(widths[index - 1], text_width(shown))
            if highlighted:
                cell.fill = highlight_fill

    last_column = get_column_letter(max(len(sheet.columns), 1))
    if sheet.columns:
        worksheet.freeze_panes = "A2"
        worksheet.auto_filter.ref = f"A1:{last_column}{len(sheet.rows) + 1}"

    notes_start = len(sheet.rows) + 3  # one blank row between the table and the notes
    for offset, note in enumerate(sheet.notes):
        _set_text(_cell(worksheet, notes_start + offset, 1), note)

    for index, column in enumerate(sheet.columns, start=1):
        if column.width is not None:
            width = column.width
        else:
            width = min(max(widths[index - 1] + _WIDTH_PADDING, _MIN_WIDTH), _MAX_WIDTH)
        worksheet.column_dimensions[get_column_letter(index)].width = width


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
    if column.kind == "text":
        if value is None or _is_nan(value):
            return ""
        cell.number_format = column.number_format
        return _set_text(cell, str(value))
    number = _to_number(column, value)
    if number is None:
        return ""
    cell.value = number
    cell.number_format = column.number_format
    return _shown_number(column, number)


def _is_nan(value: object) -> bool:
    return isinstance(value, float | Decimal) and math.isnan(value)


def _to_number(column: Column, value: object) -> int | float | Decimal | None:
    """Convert a cell value to a type openpyxl writes as a number; ``None`` for missing.

    Non-finite numbers become ``None``: xlsx has no NaN or infinity.
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
        return number if math.isfinite(number) else None
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


# --------------------------------------------------------------------------- gap

_METHOD = {
    "zh": [
        "说明：decline_pct 目标按基期值到目标年的直线路径（B×(1−P/100×f)）计算各年阈值；"
        "“以内”含本数。",
        "预计目标年值：过基期值与最新值的直线外推到目标年；所需年均变化% = ((目标年阈值÷最新值)^(1÷剩余年数)−1)×100。",
        "比率为 Σ分子 ÷ Σ分母（不是各地区比率的平均）。",
    ],
    "en": [
        "Note: decline_pct thresholds follow a straight glide path B×(1−P/100×f); a value on "
        "its threshold is met.",
        "Projected value: the line through the baseline and latest values, extended to the "
        "target year; required change = ((final ÷ latest)^(1 ÷ years left) − 1) × 100.",
        "Rates are Σ numerators ÷ Σ denominators, never an average of rates.",
    ],
}


def number_format(values: list[float | int], thresholds: list[float | int]) -> str:
    """Counts (whole values) as Excel's General — 35, and a glide-path 36.8 as it is;
    rates to 4 decimals when small, else 3."""
    if all(float(v).is_integer() for v in values):
        return "0" if all(float(t).is_integer() for t in thresholds) else "General"
    biggest = max((abs(v) for v in values + thresholds), default=0)
    return "0.0000" if biggest < 0.1 else "0.000"


def gap_workbook(report: GapReport, *, lang: str = "zh") -> bytes:
    """The workbook as .xlsx bytes."""
    labels = LABELS[lang]
    plan = report.plan
    region_name = plan.get("region") or labels["whole"]
    by_id: dict[str, list[Result]] = {}
    for r in report.rows:
        by_id.setdefault(r.id, []).append(r)
    formats = {
        iid: number_format(
            [r.value for r in rows if r.value is not None],
            [r.threshold for r in rows if r.threshold is not None],
        )
        for iid, rows in by_id.items()
    }
    names = {iid: rows[0].name for iid, rows in by_id.items()}
    rows = [
        {
            "id": r.id,
            "name": r.name,
            "region": r.region or region_name,
            "year": r.year,
            "value": r.value,
            "target": target_text(r.target, plan["baseline_year"], lang),
            "threshold": r.threshold,
            "gap": r.gap,
            "status": labels[r.status],
            "_missed": r.status == "missed",
        }
        for r in report.rows
    ]
    gap_sheet = Sheet(
        title="差距表" if lang == "zh" else "gap",
        columns=[
            Column("name", labels["indicator"]),
            Column("region", labels["region"]),
            Column("year", labels["year"], kind="int"),
            Column("value", labels["value"], kind="number"),
            Column("target", labels["target"]),
            Column("threshold", labels["threshold"], kind="number"),
            Column("gap", labels["gap"], kind="number"),
            Column("status", labels["status"]),
            Column("id", "id"),
        ],
        rows=rows,
        highlight=lambda row: bool(row["_missed"]),
        row_format=lambda row: formats.get(str(row["id"])),
        notes=_METHOD[lang],
    )
    track = {True: labels["yes"], False: labels["no"], None: labels["unknown"]}
    outlook_rows = [
        {
            "id": o.id,
            "name": names.get(o.id, o.id),
            "region": o.region or region_name,
            "latest_year": o.latest_year,
            "latest_value": o.latest_value,
            "final_threshold": o.final_threshold,
            "projected_value": o.projected_value,
            "on_track": track[o.on_track],
            "required": o.required_annual_change_pct,
            "_off": o.on_track is False,
        }
        for o in report.outlook
    ]
    outlook_sheet = Sheet(
        title=("展望" if lang == "zh" else "outlook"),
        columns=[
            Column("name", labels["indicator"]),
            Column("region", labels["region"]),
            Column("latest_year", labels["latest_year"], kind="int"),
            Column("latest_value", labels["latest_value"], kind="number"),
            Column("final_threshold", labels["final_threshold"], kind="number"),
            Column("projected_value", labels["projected_value"], kind="number"),
            Column("on_track", labels["on_track"]),
            Column("required", labels["required"], kind="percent", decimals=2),
            Column("id", "id"),
        ],
        rows=outlook_rows,
        highlight=lambda row: bool(row["_off"]),
        row_format=lambda row: formats.get(str(row["id"])),
        notes=[labels["outlook"].format(year=plan["target_year"]), *_METHOD[lang][1:2]],
    )
    return write_xlsx([gap_sheet, outlook_sheet])


def render_gap(report: GapReport, options: Options) -> bytes:
    """``gap --format xlsx``."""
    return gap_workbook(report, lang=options.lang)
