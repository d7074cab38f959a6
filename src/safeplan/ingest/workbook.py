"""Workbooks: a sheet's cells as text, positions as ``Sheet!B7``."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date, datetime, time

from safeplan.findings import Finding, finding
from safeplan.ingest.layout import YEARLY_ALIASES, _build
from safeplan.ingest.table import RawTable


def cell_text(value: object) -> str:
    """The text of a workbook cell, as it would read in a CSV export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(
    raw: bytes,
    file: str,
    *,
    sheet: str | None = None,
    aliases: Mapping[str, tuple[str, ...]] = YEARLY_ALIASES,
) -> tuple[RawTable | None, list[Finding]]:
    """Read a workbook sheet (the first unless ``sheet`` names one)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return None, [
            finding(
                "unsupported-format",
                file,
                f"not a readable .xlsx workbook ({exc})",
                hint="open it in Excel and save it again as .xlsx",
            )
        ]
    try:
        if sheet is not None and sheet not in book.sheetnames:
            return None, [
                finding(
                    "unsupported-format",
                    file,
                    f"no sheet '{sheet}' (sheets: {', '.join(book.sheetnames)})",
                    hint="fix the #Sheet part of the path in indicators.yaml",
                )
            ]
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        title = ws.title
        rows: list[list[str]] = []
        numbers: list[int] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append(cells)
                numbers.append(number)
    finally:
        book.close()
    sheet_ref = f"'{title}'" if re.search(r"[^\w]", title) else title
    if not rows:
        return None, [
            finding("empty-file", file, f"sheet {title} is empty", cell=f"{sheet_ref}!A1")
        ]
    names = {n for names in aliases.values() for n in names}
    first = next((i for i, r in enumerate(rows[:10]) if any(c.casefold() in names for c in r)), 0)
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    letters = [get_column_letter(i + 1) for i in range(width)]

    def where(line: int, column: int | None) -> dict[str, object]:
        if column is None:
            return {"line": line, "cell": f"{sheet_ref}!{line}:{line}"}
        return {"line": line, "column": column + 1, "cell": f"{sheet_ref}!{letters[column]}{line}"}

    table, findings = _build(
        file,
        rows[first],
        numbers[first],
        rows[first + 1 :],
        numbers[first + 1 :],
        aliases,
        where=where,
    )
    if table is not None:
        table.sheet = sheet_ref
        table.letters = letters
        table.encoding = "xlsx"
    return table, findings
