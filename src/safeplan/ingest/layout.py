"""From rows of cells to a table: where the header is, what each column is called, which
rows are data.

Shared by every file format (CSV, .xlsx, .xlsm, .xls, .ods), so that files laid out alike
are read alike:

- the header is the first row naming the key column (year, or date for accident
  records); rows above it are skipped when they hold text only — blank rows, a title (in one
  cell or spread over a few), a unit line (单位：万元, 填报单位：…); without such a row, the
  first row that is none of these is taken as the header (and lacks the key column);
- a second header row (a merged group cell over sub-columns, e.g. 死亡人数 over 工矿商贸 |
  道路交通) is recognised when its key cell is blank, none of its cells is a number, and it
  names a column under a blank (merged) header cell or only holds units in brackets: each
  column is then called ``group_sub`` (``死亡人数_工矿商贸``), a bracketed unit below a
  header is that header's unit;
- a row after the header whose first cell starts with 注/备注/说明/资料来源/数据来源 ends
  the table; a blank row between data rows is a ``blank-row`` warning;
- headers match names after NFKC, trimming and removing one trailing unit in brackets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from safeplan.findings import Finding, finding
from safeplan.ingest.text import (
    NUMBER,
    bad_character,
    cell_number,
    is_footnote,
    is_info_line,
    normalise_header,
    quote,
)

if TYPE_CHECKING:
    import numpy as np

#: Headers that name the region column (after normalisation, case-insensitive).
REGION_NAMES: tuple[str, ...] = (
    "region",
    "地区",
    "区域",
    "县区",
    "区县",
    "县市区",
    "乡镇",
    "街道",
    "乡镇街道",
)

#: Canonical column names of a yearly table and the headers that mean them.
YEARLY_ALIASES: dict[str, tuple[str, ...]] = {
    "year": ("year", "年份"),
    "region": REGION_NAMES,
}

#: The separator of a two-row header's group and sub-column: ``死亡人数_工矿商贸``.
JOIN = "_"


@dataclass(frozen=True)
class Headers:
    """How a file's headers become column names.

    ``aliases`` maps each canonical name to the normalised headers that mean it (compared
    case-insensitively); ``keys`` are the canonical names whose header marks the header row
    (the first one found is the table's key column: its blank cell marks a second header
    row). ``mapped`` are the canonical names the plan's ``columns:`` maps explicitly.
    """

    aliases: Mapping[str, tuple[str, ...]]
    keys: tuple[str, ...] = ("year",)
    mapped: frozenset[str] = frozenset()
    counts: frozenset[str] = frozenset()
    """Canonical names of count columns: a plain CSV keeps their text exactly."""

    def canonical(self, name: str) -> str:
        """The canonical name of a normalised header (itself when no alias matches)."""
        folded = name.casefold()
        for canonical, names in self.aliases.items():
            if folded in names:
                return canonical
        return name

    def names_key(self, cell: str) -> bool:
        """True when a header cell names one of the key columns."""
        return self.canonical(normalise_header(cell)[0]) in self.keys


def headers_for(
    roles: Mapping[str, tuple[str, ...]],
    mapping: Mapping[str, str],
    *,
    keys: tuple[str, ...] = ("year",),
    used: Sequence[str] = (),
    counts: Sequence[str] = (),
) -> Headers:
    """The :class:`Headers` of a dataset: default ``roles``, the plan's ``columns:`` mapping
    (canonical name → header as written; it replaces the role's default headers) and the
    column names the plan uses (matched after the same normalisation as headers)."""
    aliases: dict[str, tuple[str, ...]] = {
        name: tuple(n.casefold() for n in names) for name, names in roles.items()
    }
    for name in used:
        if name not in aliases:
            normalised = normalise_header(name)[0].casefold()
            if normalised != name.casefold():
                aliases[name] = (normalised,)
    for name, header in mapping.items():
        aliases[name] = (normalise_header(header)[0].casefold(),)
    return Headers(aliases, keys, frozenset(mapping), frozenset(counts))


def yaml_key(text: str) -> str:
    """``text`` as a YAML flow-mapping value (quoted when plain text would not do)."""
    import json

    plain = text and not any(c in text for c in ":#{}[],&*!|>'\"%@`") and text == text.strip()
    return text if plain else json.dumps(text, ensure_ascii=False)


# --------------------------------------------------------------------------- grids


class Grid(Protocol):
    """Rows of cells as read, before the layout is known."""

    @property
    def n_rows(self) -> int:
        """Number of rows (blank ones included)."""
        ...

    def row(self, i: int) -> list[str]:
        """The texts of row ``i`` (trailing blanks may be missing)."""
        ...

    def line(self, i: int) -> int:
        """The physical line (CSV) or sheet row (workbook) of row ``i``."""
        ...

    def blank(self) -> np.ndarray[Any, Any]:
        """Per row: True when every cell is blank."""
        ...

    def footnotes(self, left: int) -> np.ndarray[Any, Any]:
        """Per row: True when its first non-blank cell, in a column ≤ ``left``, is a footnote."""
        ...

    def where(self, line: int, column: int | None) -> dict[str, Any]:
        """Position keywords of a finding at ``line`` (and 0-based ``column``)."""
        ...


@dataclass
class ListGrid:
    """Rows of a CSV file as lists of texts (possibly ragged), with their lines."""

    rows: Sequence[Sequence[str]]
    lines: Sequence[int]

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.rows)

    def row(self, i: int) -> list[str]:
        """The texts of row ``i``."""
        return list(self.rows[i])

    def line(self, i: int) -> int:
        """The physical line of row ``i``."""
        return self.lines[i]

    def blank(self) -> np.ndarray[Any, Any]:
        """Per row: every cell blank."""
        import numpy as np

        return np.array([not any(c.strip() for c in r) for r in self.rows], dtype=bool)

    def footnotes(self, left: int) -> np.ndarray[Any, Any]:
        """Per row: the first non-blank cell (in a column ≤ ``left``) starts a footnote."""
        import numpy as np

        out = np.zeros(len(self.rows), dtype=bool)
        for i, row in enumerate(self.rows):
            for cell in row[: left + 1]:
                if cell.strip():
                    out[i] = is_footnote(cell)
                    break
        return out

    def where(self, line: int, column: int | None) -> dict[str, Any]:
        """``line`` and 1-based ``column``."""
        return {"line": line, **({"column": column + 1} if column is not None else {})}


# --------------------------------------------------------------------------- the layout


@dataclass
class Layout:
    """Where a table is in its grid."""

    header: int
    """Grid row of the header."""
    sub: int | None
    """Grid row of the second header row, if any."""
    data: np.ndarray[Any, Any]
    """Grid rows of the data (blank rows and everything from a footnote on left out)."""
    names: list[str]
    """Each column's header as read (two-row headers joined), normalised but not aliased."""
    display: list[str]
    """Each column's header as shown to users (two-row headers joined)."""
    units: list[str | None]
    findings: list[Finding] = field(default_factory=list)


#: How far down the header naming the key column is looked for, past rows of text (a title
#: spread over two cells, 制表单位 and 日期 lines …).
_SEARCH_ROWS = 30


def _is_unit(cell: str) -> bool:
    name, unit = normalise_header(f"x{cell.strip()}")
    return unit is not None and name == "x"


def _skippable(cells: list[str]) -> bool:
    """A row above the header: blank, a title (one non-empty cell) or a unit line."""
    filled = [c for c in cells if c.strip()]
    return len(filled) <= 1 or all(is_info_line(c) for c in filled) or is_info_line(filled[0])


def locate(grid: Grid, headers: Headers, file: str) -> tuple[Layout | None, list[Finding]]:
    """Find the header (and a second header row) and the data rows of ``grid``."""
    import numpy as np

    n = grid.n_rows
    header = None
    other = None  # the first row above that is neither blank, a title nor a unit line
    for i in range(min(n, _SEARCH_ROWS)):
        cells = grid.row(i)
        if any(headers.names_key(c) for c in cells if c.strip()):
            header = i
            break
        if _skippable(cells):
            continue
        if other is None:
            other = i
        if any(cell_number(c)[0] == NUMBER for c in cells if c.strip()):
            break  # figures: data without a header naming the key, not a caption
    if header is None:
        header = other
    if header is None:
        return None, [
            finding("empty-file", file, "文件中没有表头（只有空行或标题）", hint="重新导出该表")
        ]
    cells = grid.row(header)
    key = next(
        (j for j, c in enumerate(cells) if c.strip() and headers.names_key(c)),
        None,
    )
    sub = None
    if key is not None and header + 1 < n:
        below = grid.row(header + 1)
        if _is_sub_header(cells, below, key):
            sub = header + 1
    names, display, units = _joined_names(cells, grid.row(sub) if sub is not None else None)
    start = (sub if sub is not None else header) + 1
    left = next((j for j, c in enumerate(cells) if c.strip()), 0)
    rest = np.arange(start, n, dtype="int64")
    findings: list[Finding] = []
    if len(rest):
        notes = grid.footnotes(left)[start:]
        hit = np.flatnonzero(notes)
        if len(hit):
            rest = rest[: int(hit[0])]
    blank = grid.blank()[rest] if len(rest) else np.zeros(0, dtype=bool)
    filled = np.flatnonzero(~blank)
    if len(filled):
        inside = rest[: int(filled[-1]) + 1]
        gaps = inside[blank[: int(filled[-1]) + 1]]
        for row in gaps.tolist():
            findings.append(
                finding(
                    "blank-row",
                    file,
                    "数据中间有一个空行",
                    hint="删除空行；空行后面若是另一张表，请把它移到单独的工作表或文件",
                    **grid.where(grid.line(row), None),
                )
            )
        data = rest[~blank]
    else:
        data = rest[:0]
    return Layout(header, sub, data, names, display, units, findings), findings


def _is_sub_header(cells: list[str], below: list[str], key: int) -> bool:
    """Whether ``below`` is the second row of a two-row header over ``cells``."""
    if key < len(below) and below[key].strip():
        return False
    filled = [j for j, c in enumerate(below) if c.strip()]
    if not filled:
        return False
    if any(cell_number(below[j])[0] == NUMBER for j in filled):
        return False
    spans = any(j >= len(cells) or not cells[j].strip() for j in filled)
    return spans or all(_is_unit(below[j]) for j in filled)


def _joined_names(
    cells: list[str], below: list[str] | None
) -> tuple[list[str], list[str], list[str | None]]:
    """Each column's normalised name, display name and unit (one or two header rows)."""
    width = max(len(cells), len(below) if below is not None else 0)
    names: list[str] = []
    display: list[str] = []
    units: list[str | None] = []
    group = ""
    for j in range(width):
        top = cells[j].strip() if j < len(cells) else ""
        sub = below[j].strip() if below is not None and j < len(below) else ""
        if top:
            group = top
        elif sub:
            top = group  # under a merged group cell
        if top and sub and _is_unit(sub):
            raw = f"{top}{sub}"
        elif top and sub:
            group_name, group_unit = normalise_header(top)
            sub_name, sub_unit = normalise_header(sub)
            name = f"{group_name}{JOIN}{sub_name}"
            unit = sub_unit or group_unit
            names.append(name)
            display.append(name + (f"（{unit}）" if unit else ""))
            units.append(unit)
            continue
        else:
            raw = top or sub
        name, unit = normalise_header(raw)
        names.append(name)
        display.append(raw.replace("\ufeff", "").strip())
        units.append(unit)
    return names, display, units


@dataclass
class Named:
    """The columns of a table: canonical names, and which columns the header broke."""

    header: list[str]
    """Canonical name of each column (``year``, ``region`` …, else the normalised header)."""
    display: list[str]
    units: list[str | None]
    width: int


def name_columns(
    layout: Layout,
    headers: Headers,
    file: str,
    header_line: int,
    where: Callable[[int, int | None], dict[str, Any]],
    has_data: Callable[[int], bool],
) -> tuple[Named, list[Finding]]:
    """Canonical column names; blank, duplicate and ambiguous headers as findings.

    ``has_data(j)``: whether column ``j`` holds anything in the data rows (an unnamed
    column without data is a spacer, and trailing ones an Excel artefact).
    """
    findings: list[Finding] = []
    names = list(layout.names)
    display = list(layout.display)
    units = list(layout.units)
    width = len(names)
    while width and not names[width - 1] and not has_data(width - 1):
        width -= 1
    names, display, units = names[:width], display[:width], units[:width]
    header: list[str] = []
    seen: dict[str, int] = {}
    region_columns: list[int] = []
    for j, name in enumerate(names):
        shown = display[j]
        problem = bad_character(shown) if shown else None
        if problem:
            findings.append(
                finding(
                    "control-character",
                    file,
                    f"第 {j + 1} 列的列名 {quote(shown)} 含有看不见的字符：{problem}",
                    value=shown,
                    hint="重新输入这个列名（不要从网页或聊天软件粘贴）",
                    **where(header_line, j),
                )
            )
        if not name:
            if not has_data(j):
                header.append(f"_empty_{j + 1}")
                continue
            findings.append(
                finding(
                    "blank-header",
                    file,
                    f"第 {j + 1} 列有数据但没有列名",
                    hint="在表头行给每一列起名；表格旁边的备注请移到表格下方的“注：”行",
                    **where(header_line, j),
                )
            )
            header.append(f"column_{j + 1}")
            continue
        canonical = headers.canonical(name)
        if canonical == "region" and "region" not in headers.mapped:
            region_columns.append(j)
        if canonical in seen:
            first = seen[canonical]
            if canonical == "region" and names[first].casefold() != name.casefold():
                findings.append(
                    finding(
                        "ambiguous-column",
                        file,
                        f"第 {first + 1} 列 {quote(display[first])} 和第 {j + 1} 列 "
                        f"{quote(shown)} 都可以作为地区列",
                        value=shown,
                        hint=f"在 indicators.yaml 该数据集下写明哪一列是地区，如 columns: "
                        f"{{region: {yaml_key(names[first])}}}",
                        **where(header_line, j),
                    )
                )
            else:
                same = f"（规范化后都是 {quote(canonical)}）" if shown != display[first] else ""
                findings.append(
                    finding(
                        "duplicate-header",
                        file,
                        f"第 {j + 1} 列 {quote(shown)} 与第 {first + 1} 列 "
                        f"{quote(display[first])} 同名{same}",
                        value=shown,
                        hint="重命名或删除其中一列",
                        **where(header_line, j),
                    )
                )
            header.append(f"{canonical}#{j + 1}")
            continue
        seen[canonical] = j
        header.append(canonical)
    return Named(header, display, units, width), findings
