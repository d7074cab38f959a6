"""Aligned text tables for the terminal: CJK-aware widths, built column by column, fitted to
the terminal's width by wrapping the columns that may wrap (names, reasons) and headers."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat, zip_longest

from safeplan.render.batch import _format_each, _repetitive

# ASCII words and numbers, and a short bracketed unit such as （人/10万人）, stay whole;
# CJK text breaks anywhere.
_TOKEN = re.compile(r"（[^（）\s]{1,12}）|[!-~]+|\s+|.")
_NO_LINE_START = frozenset("）》」』”’，。、；：？！%)]…·")
_NO_LINE_END = frozenset("（《「『“‘([≤≥<>+")


def cell_width(text: str) -> int:
    """Display width of text in a terminal: CJK characters take two cells."""
    return len(text) if text.isascii() or not _wider().search(text) else _wide_width(text)


@functools.lru_cache(maxsize=4096)
def _wide_width(text: str) -> int:
    """``rich.cells.cell_len(text)``: the sum of its characters' widths, each character
    measured once (a million distinct reasons would each go through rich character by
    character), unless a joiner or a variation selector makes rich judge a sequence."""
    if "\u200d" in text or "\ufe0f" in text:
        from rich.cells import cell_len

        return cell_len(text)
    return sum(map(_CHAR_WIDTHS.__getitem__, text))


class _CharWidths(dict[str, int]):
    """Each character's width in cells, as rich gives it, looked up once."""

    def __missing__(self, char: str) -> int:
        from rich.cells import get_character_cell_size

        width = self[char] = get_character_cell_size(char)
        return width


_CHAR_WIDTHS = _CharWidths()


@functools.cache
def _wider() -> re.Pattern[str]:
    """A character other than printable ASCII and the one-cell symbols of these tables."""
    from rich.cells import cell_len

    return re.compile(
        "[^ -~" + "".join(re.escape(c) for c in "—–−✓✗○≤≥·" if cell_len(c) == 1) + "]"
    )


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` display cells: between CJK
    characters or at spaces, never inside an ASCII word or number (unless it is wider than
    a line), never before a closing or after an opening bracket."""
    if cell_width(text) <= width:
        return [text]
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if tokens and (token[0] in _NO_LINE_START or tokens[-1][-1] in _NO_LINE_END):
            tokens[-1] += token
        else:
            tokens.append(token)
    lines, line = [], ""
    for token in tokens:
        if line and cell_width(line + token) > width:
            lines.append(line.rstrip())
            line = "" if token.isspace() else token
        else:
            line += token
        while cell_width(line) > width:  # a token wider than a line: cut it
            cut = max(i for i in range(1, len(line) + 1) if cell_width(line[:i]) <= width or i == 1)
            lines.append(line[:cut])
            line = line[cut:]
    return [*lines, line.rstrip()] if line.strip() else lines


def _balanced(text: str, width: int) -> list[str]:
    """:func:`wrap`, with lines of about equal width (no word left alone on the last)."""
    lines = wrap(text, width)
    if len(lines) < 2:
        return lines
    for even in range(-(-cell_width(text) // len(lines)), width):
        balanced = wrap(text, even)
        if len(balanced) <= len(lines):
            return balanced
    return lines


def _measure(cells: Sequence[str]) -> int:
    pool = set(cells) if _repetitive(cells) else cells
    joined = "".join(pool)
    if joined.isascii() or not _wider().search(joined):
        return max(map(len, pool), default=0)
    return max(map(cell_width, set(pool)), default=0)


def _fit(widths: list[int], least: list[int], room: int) -> list[int]:
    """Narrower column widths, toward ``room`` in all: the widest column that can gives up a
    cell at a time, none below its least width."""
    widths = list(widths)
    while sum(widths) > room:
        slack = [(w, i) for i, (w, m) in enumerate(zip(widths, least, strict=True)) if w > m]
        if not slack:
            break
        widths[max(slack)[1]] -= 1
    return widths


def _pad(text: str, width: int, right: bool) -> str:
    size = width - cell_width(text) + len(text)
    return text.rjust(size) if right else text.ljust(size)


def table_lines(
    header: Sequence[str],
    columns: Sequence[Sequence[str]],
    right: Sequence[bool],
    *,
    paints: Sequence[Sequence[str | None] | None] | None = None,
    wraps: Sequence[bool] | None = None,
    width: int | None = None,
    header_min: int = 8,
) -> list[str] | None:
    """The lines of an aligned table from its columns (all of one length): header (wrapped
    to its column when the table must narrow, or where it holds "\\n"), a rule, then the rows; two spaces between
    columns, no trailing spaces. With ``width``, columns marked in ``wraps`` and headers are
    wrapped to make every line fit; None when even that cannot fit. ``paints[i]`` colours
    column ``i`` cell by cell with ANSI codes."""
    body = [_measure(cells) for cells in columns]
    widths = _widths(header, body, wraps, width, header_min)
    if widths is None:
        return None
    return _head_lines(header, widths, right) + _row_lines(columns, body, widths, right, paints)


def _widths(
    header: Sequence[str],
    body: Sequence[int],
    wraps: Sequence[bool] | None,
    width: int | None,
    header_min: int = 8,
) -> list[int] | None:
    """The width of each column of :func:`table_lines`, from the widest cell of each
    (``body``) and the header; None when the table cannot fit ``width``."""
    widths = [max(b, *map(cell_width, h.split("\n"))) for b, h in zip(body, header, strict=True)]
    if width is not None and sum(widths) + 2 * len(widths) - 2 > width:
        room = width - 2 * len(widths) + 2
        wrapping = [bool(wraps and wraps[i]) for i in range(len(widths))]
        # Headers wrap first, down to their column's cells (and at least ``header_min``
        # cells or their longest word); then the wrapping columns, to 4 characters a line.
        words = [max(map(cell_width, _TOKEN.findall(h)), default=0) for h in header]
        heads = [max(b, min(header_min, w), t) for b, w, t in zip(body, widths, words, strict=True)]
        soft = [w if x else m for w, m, x in zip(widths, heads, wrapping, strict=True)]
        widths = _fit(widths, soft, room)
        least = [
            max(min(8, b), t) if x else m
            for b, t, m, x in zip(body, words, heads, wrapping, strict=True)
        ]
        widths = _fit(widths, least, room)
        if sum(widths) > room:
            return None
    return widths


def _head_lines(header: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> list[str]:
    """The header of :func:`table_lines` (each name wrapped to its column) and the rule."""
    header_lines = [
        [x for part in h.split("\n") for x in _balanced(part, w)]
        for h, w in zip(header, widths, strict=True)
    ]
    lines = [
        "  ".join(_pad(part or "", w, r) for part, w, r in zip(parts, widths, right, strict=True))
        for parts in zip_longest(*header_lines)
    ]
    lines.append("  ".join("─" * w for w in widths))
    return [line.rstrip() for line in lines]


def _row_lines(
    columns: Sequence[Sequence[str]],
    body: Sequence[int],
    widths: Sequence[int],
    right: Sequence[bool],
    paints: Sequence[Sequence[str | None] | None] | None = None,
) -> list[str]:
    """The lines of the rows of :func:`table_lines`: column by column when no cell wraps
    (``body``, the widest cell of each column, fits its width), else row by row."""
    if all(b <= w for b, w in zip(body, widths, strict=True)):  # nothing wraps: by columns
        padded = [
            _paint(_pad_column(c, w, r), p)
            for c, w, r, p in zip(
                columns, widths, right, paints or [None] * len(widths), strict=True
            )
        ]
        return list(map(str.rstrip, map("  ".join, zip(*padded, strict=True))))
    lines = []
    for row, row_cells in enumerate(zip(*columns, strict=True)):
        parts = [wrap(c, w) for c, w in zip(row_cells, widths, strict=True)]
        for line in zip_longest(*parts):
            texts = [_pad(t or "", w, r) for t, w, r in zip(line, widths, right, strict=True)]
            if paints:
                texts = [_paint([t], p and [p[row]])[0] for t, p in zip(texts, paints, strict=True)]
            lines.append("  ".join(texts).rstrip())
    return lines


def stream_table_lines(
    header: Sequence[str],
    chunks: Callable[[], Iterable[Sequence[Sequence[str]]]],
    right: Sequence[bool],
    *,
    wraps: Sequence[bool] | None = None,
    width: int | None = None,
) -> Iterator[list[str]]:
    """The lines of :func:`columns_table`, for rows given a chunk at a time: the header's
    lines, then the lines of each chunk. ``chunks()`` gives the chunks, each as columns;
    it is called twice — once to measure every column, once to write the rows — so that
    no more than a chunk of rows is ever held."""
    body = [0] * len(header)
    for columns in chunks():
        body = [max(b, _measure(cells)) for b, cells in zip(body, columns, strict=True)]
    widths = _widths(header, body, wraps, width) or _widths(header, body, None, None)
    assert widths is not None  # without a width to fit, every table fits
    yield _head_lines(header, widths, right)
    for columns in chunks():
        yield _row_lines(columns, body, widths, right)


def _pad_column(cells: Sequence[str], width: int, right: bool) -> list[str]:
    """The cells of a column padded to ``width``, each distinct cell once where they repeat."""
    joined = "".join(cells)
    if joined.isascii() or not _wider().search(joined):  # as wide as long: pad in C
        return list(map(str.rjust if right else str.ljust, cells, repeat(width)))
    pad = functools.partial(_pad, width=width, right=right)
    return _format_each(cells, pad) if _repetitive(cells) else list(map(pad, cells))


def _paint(cells: list[str], paints: Sequence[str | None] | None) -> list[str]:
    """Cells coloured with ANSI codes, their padding left plain (when any)."""
    if not paints:
        return cells
    out = []
    for cell, paint in zip(cells, paints, strict=True):
        text = cell.strip(" ")
        if not paint or not text:
            out.append(cell)
            continue
        start = cell.index(text)
        out.append(f"{cell[:start]}\x1b[{paint}m{text}\x1b[0m{cell[start + len(text) :]}")
    return out


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    colours: Sequence[str | None] | None = None,
    colour: bool = False,
    align_right: Sequence[bool] | None = None,
    wraps: Sequence[bool] | None = None,
    width: int | None = None,
    header_min: int = 8,
) -> str:
    """A plain aligned table (CJK-aware) from rows; ``colours[j]`` colours the last cell of
    row ``j`` when ``colour``. Wrapped to ``width`` as :func:`table_lines` does; should the
    table not fit even so, it is written at its natural width."""
    if set(map(len, rows)) - {len(header)}:
        raise ValueError("text_table: every row needs one cell per column of the header")
    columns: list[Sequence[str]] = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    paints: list[Sequence[str | None] | None] | None = None
    if colour and colours:
        paints = [None] * (len(header) - 1) + [list(colours)]
    return columns_table(
        header,
        columns,
        align_right=align_right,
        wraps=wraps,
        width=width,
        paints=paints,
        header_min=header_min,
    )


def columns_table(
    header: Sequence[str],
    columns: Sequence[Sequence[str]],
    *,
    align_right: Sequence[bool] | None = None,
    wraps: Sequence[bool] | None = None,
    width: int | None = None,
    paints: Sequence[Sequence[str | None] | None] | None = None,
    header_min: int = 8,
) -> str:
    """:func:`text_table` of a table given column by column (all of one length)."""
    right = align_right or [False] * len(header)
    lines = table_lines(
        header, columns, right, paints=paints, wraps=wraps, width=width, header_min=header_min
    )
    if lines is None:
        lines = table_lines(header, columns, right, paints=paints) or []
    return "\n".join(lines)
