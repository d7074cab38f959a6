"""Aligned text tables for the terminal: CJK-aware widths, built column by column."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat

from safeplan.render.batch import _format_each, _repetitive


def cell_width(text: str) -> int:
    """Display width of text in a terminal: CJK characters take two cells."""
    if text.isascii() or not _wider().search(text):
        return len(text)
    return _wide_width(text)


@functools.lru_cache(maxsize=4096)
def _wide_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


@functools.cache
def _wider() -> re.Pattern[str]:
    """A character other than printable ASCII and the symbols of these tables that are
    one cell wide.

    rich adds up the widths of the characters of a text (but for joiners and variation
    selectors, not among these), so a text without such a character is as wide as long.
    """
    from rich.cells import cell_len

    symbols = "".join(re.escape(c) for c in "—–−✓✗≤≥" if cell_len(c) == 1)
    return re.compile(f"[^ -~{symbols}]")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _visible_width(text: str) -> int:
    """Display width of text that may hold ANSI colour codes."""
    return cell_width(_ANSI.sub("", text) if "\x1b" in text else text)


def _pad(text: str, text_width: int, width: int, right: bool) -> str:
    """Text padded with spaces to ``width`` display cells, on the left when ``right``."""
    size = width - text_width + len(text)
    return text.rjust(size) if right else text.ljust(size)


def _measure_column(
    cells: Sequence[str], measure: Callable[[str], int]
) -> tuple[int, dict[str, int]]:
    """The display width of the widest cell, and of each distinct cell not as wide as long."""
    pool = set(cells) if _repetitive(cells) else cells
    joined = "".join(pool)
    if "\x1b" not in joined and (joined.isascii() or not _wider().search(joined)):
        return max(map(len, pool), default=0), {}
    widths = {cell: measure(cell) for cell in set(pool)}
    odd = {cell: w for cell, w in widths.items() if w != len(cell)}
    return max(widths.values(), default=0), odd


def _pad_column(
    cells: Sequence[str],
    odd: dict[str, int],
    width: int,
    right: bool,
    paints: Sequence[str | None] | None,
    paint_padding: bool,
) -> list[str]:
    """The cells of a column padded to ``width`` display cells, and coloured.

    ``odd`` has the display widths of the cells that are not as wide as they are long;
    a column with such cells, or of few distinct cells, is padded (and coloured) one
    distinct cell at a time.
    """

    def padded(cell: str, paint: str | None = None) -> str:
        text = _pad(cell, odd.get(cell, len(cell)), width, right)
        if not paint:
            return text
        if paint_padding:
            return f"\x1b[{paint}m{text}\x1b[0m"
        spaces = " " * (len(text) - len(cell))
        painted = f"\x1b[{paint}m{cell}\x1b[0m"
        return spaces + painted if right else painted + spaces

    if odd or _repetitive(cells):
        if paints is None:
            return _format_each(cells, padded)
        return _format_each(zip(cells, paints, strict=True), lambda pair: padded(*pair))
    texts = list(map(str.rjust if right else str.ljust, cells, repeat(width)))
    if paints is None:
        return texts
    # Cells that seldom repeat (numbers): coloured one by one, inline for speed.
    parts = zip(texts, cells, paints, strict=True)
    if paint_padding:
        return [f"\x1b[{p}m{t}\x1b[0m" if p else t for t, _, p in parts]
    if right:
        return [f"{t[: len(t) - len(c)]}\x1b[{p}m{c}\x1b[0m" if p else t for t, c, p in parts]
    return [f"\x1b[{p}m{c}\x1b[0m{t[len(c) :]}" if p else t for t, c, p in parts]


def _table_lines(
    header: Sequence[str],
    columns: Sequence[Sequence[str]],
    right: Sequence[bool],
    paints: Sequence[Sequence[str | None] | None] | None = None,
    *,
    measure: Callable[[str], int] = cell_width,
    paint_padding: bool = True,
) -> list[str]:
    """The lines of an aligned table, from its columns (all of one length).

    Each column is as wide as its widest cell (``measure`` gives display widths) or its
    header; two spaces between columns, no trailing spaces. ``paints[i]`` colours column
    ``i`` cell by cell with ANSI codes, its padding too when ``paint_padding``.
    """
    widths = []
    body = []
    for i, cells in enumerate(columns):
        widest, odd = _measure_column(cells, measure)
        width = max(cell_width(header[i]), widest)
        colours = paints[i] if paints is not None else None
        body.append(_pad_column(cells, odd, width, right[i], colours, paint_padding))
        widths.append(width)
    head = "  ".join(
        _pad(h, measure(h), width, right[i])
        for i, (h, width) in enumerate(zip(header, widths, strict=False))
    )
    rule = "  ".join("─" * w for w in widths)
    return [head.rstrip(), rule, *_joined_lines(body)]


def _joined_lines(columns: list[list[str]]) -> Iterable[str]:
    """Each row's padded cells, two spaces apart, without trailing spaces."""
    last = columns[-1] if columns else []
    stripped = _format_each(last, str.rstrip) if _repetitive(last) else list(map(str.rstrip, last))
    if not all(stripped):  # a blank last cell: the spaces before it go too
        return map(str.rstrip, map("  ".join, zip(*columns, strict=True)))
    return map("  ".join, zip(*columns[:-1], stripped, strict=True))


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    colours: Sequence[str | None] | None = None,
    colour: bool = False,
    align_right: Sequence[bool] | None = None,
) -> str:
    """A plain aligned table (CJK-aware); the status cell coloured with ANSI when asked.

    Every row has one cell per header; ``colours[j]`` colours the last cell of row ``j``.
    """
    if set(map(len, rows)) - {len(header)}:
        raise ValueError("text_table: every row needs one cell per column of the header")
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    right = align_right or [False] * len(header)
    paints: list[Sequence[str | None] | None] | None = None
    if colour and colours:
        paints = [None] * (len(header) - 1) + [[colours[j] for j in range(len(rows))]]
    return "\n".join(_table_lines(header, columns, right, paints))
