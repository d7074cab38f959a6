"""From rows of cells to a table: the header, the column names, the data rows.

Shared by every file format, so that a CSV and a workbook laid out alike are read alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter

from safeplan.findings import Finding, finding
from safeplan.ingest.table import RawTable

#: Canonical column names and the headers that mean them.
YEARLY_ALIASES: dict[str, tuple[str, ...]] = {
    "year": ("year", "年份"),
    "region": ("region", "地区"),
}


def _canonical(name: str, aliases: Mapping[str, tuple[str, ...]]) -> str:
    folded = name.casefold()
    for canonical, names in aliases.items():
        if folded in names:
            return canonical
    return name


def clean_header(cell: str) -> str:
    """A header cell without surrounding spaces, BOMs and full-width spaces."""
    return cell.replace("\ufeff", "").strip(" \t\u3000\r\n")


def _build(
    file: str,
    header_cells: Sequence[str],
    header_line: int,
    rows: Sequence[Sequence[str]],
    lines: list[int],
    aliases: Mapping[str, tuple[str, ...]],
    *,
    where: Callable[[int, int | None], dict[str, object]],
) -> tuple[RawTable | None, list[Finding]]:
    """Check the header and the field counts; build the column table."""
    findings: list[Finding] = []
    header = [_canonical(clean_header(c), aliases) for c in header_cells]
    width = len(header)
    # Trailing unnamed columns with no data at all are an Excel artefact, not a problem.
    while (
        header and not header[-1] and all(len(r) < width or not r[width - 1].strip() for r in rows)
    ):
        header.pop()
        width -= 1
    if width == 0:
        return None, [
            finding("empty-file", file, "the header row is empty", **where(header_line, None))
        ]
    # An unnamed column with nothing in it (a spacer) is harmless; one with data is not.
    empty = {
        i
        for i, name in enumerate(header)
        if not name and all(len(r) <= i or not r[i].strip() for r in rows)
    }
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if i in empty:
            header[i] = f"_empty_{i + 1}"
            continue
        if not name:
            findings.append(
                finding(
                    "blank-header",
                    file,
                    f"column {i + 1} has no name",
                    hint="give every column a name in the first row",
                    **where(header_line, i),
                )
            )
            header[i] = f"column_{i + 1}"
        elif name in seen:
            original = header_cells[i].strip()
            findings.append(
                finding(
                    "duplicate-header",
                    file,
                    f"column {i + 1} '{original}' repeats column {seen[name] + 1}"
                    + (f" ('{name}')" if original != name else ""),
                    hint="rename or remove one of the columns",
                    **where(header_line, i),
                )
            )
            header[i] = f"{name}#{i + 1}"
        else:
            seen[name] = i
    if set(map(len, rows)) <= {width} and all(map(any, rows)):
        # The common case, decided at C speed: every row complete and none blank.
        keep_rows, keep_lines = list(rows), list(lines)
    else:
        keep_rows, keep_lines = [], []
        for row, line in zip(rows, lines, strict=True):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                extra = row[width:]
                if len(row) > width and not any(cell.strip() for cell in extra):
                    row = row[:width]
                else:
                    findings.append(
                        finding(
                            "ragged-row",
                            file,
                            f"the row has {len(row)} cells, the header has {width}",
                            hint="check for a stray or missing comma, or an unquoted comma in a cell",
                            **where(line, None),
                        )
                    )
                    # Its cells are shifted: checking them would only add noise.
                    continue
            keep_rows.append(row)
            keep_lines.append(line)
    if not keep_rows:
        findings.append(
            finding(
                "no-data-rows",
                file,
                "the file has a header but no data rows",
                hint="add the yearly rows below the header",
                **where(header_line, None),
            )
        )
    # Cells keep their text as written; numbers are parsed whitespace-tolerant later.
    columns = {name: list(map(itemgetter(i), keep_rows)) for i, name in enumerate(header)}
    table = RawTable(
        file=file,
        header=header,
        columns=columns,
        lines=keep_lines,
        header_line=header_line,
        original=[clean_header(c) for c in header_cells[:width]],
    )
    return table, findings
