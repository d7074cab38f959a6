"""Reading a data file into a table of text cells, with the structural findings.

CSV: a plain UTF-8 file (no quotes, every row complete: most submissions) is parsed by
pandas straight from its bytes, and its cells' text is split out of its lines only when
asked for. Anything else: bytes → BOM noted and stripped → the *whole* file decoded strictly
as UTF-8, else GB18030 → a structural pass with :mod:`csv` (quotes, delimiter, headers,
field counts) that keeps the physical line of every record. ``.xlsx``: openpyxl, positions
as ``Sheet!B7``. Typed checks happen later (:mod:`safeplan.data`), on the text kept here.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from operator import itemgetter
from pathlib import Path
from typing import Any

from safeplan.findings import Finding, finding

#: Larger inputs are not statistics; they are refused before being read.
MAX_FILE_BYTES = 1 << 30

csv.field_size_limit(MAX_FILE_BYTES)


@dataclass
class RawTable:
    """A file's header and its data rows as text, column by column.

    ``lines[i]`` is the physical line (CSV) or sheet row (xlsx) of data row ``i`` (for a
    plain CSV a ``range``: line ``i + 2``).
    """

    file: str
    header: list[str]
    columns: dict[str, list[str]]
    lines: Sequence[int]
    encoding: str | None = None
    sheet: str | None = None
    letters: list[str] = field(default_factory=list)
    header_line: int = 1
    """The line (sheet row) of the header."""
    original: list[str] = field(default_factory=list)
    """The header cells as written (``地区`` where ``header`` says ``region``)."""
    typed: Any = None
    """For a plain CSV (no quotes, every row complete): the file parsed by pandas' C reader,
    column names as in ``header``; ``columns`` then fills in lazily from it."""

    def int_values(self, column: str) -> Any:
        """The column as a numpy int array when pandas read it as whole numbers, else None."""
        cache = self.__dict__.setdefault("_ints", {})
        if column not in cache:
            series = self.typed[column] if self.typed is not None else None
            cache[column] = (
                series.to_numpy() if series is not None and series.dtype.kind in "iu" else None
            )
        return cache[column]

    def cell(self, row: int, column: str) -> str:
        """The text of one cell, without materialising a lazy column."""
        columns = self.columns
        if isinstance(columns, LazyColumns) and not dict.__contains__(columns, column):
            stripped = columns.stripped.get(column)
            if stripped is not None:
                codes, labels = stripped
                return str(labels[codes[row]])
            return columns.line(row).split(columns.delimiter)[self.header.index(column)]
        return columns[column][row]

    def cells(self, rows: Sequence[int], column: str) -> list[str]:
        """The texts of one column's cells in ``rows``: :meth:`cell`, many at a time."""
        columns = self.columns
        if not isinstance(columns, LazyColumns) or dict.__contains__(columns, column):
            texts = columns[column]
            return [texts[row] for row in rows]
        if column in columns.stripped:
            codes, labels = columns.stripped[column]
            return [str(labels[code]) for code in codes[list(rows)].tolist()]
        return columns.cells(rows, self.header.index(column))

    def factorize(self, column: str) -> tuple[Any, list[str]]:
        """Each row's code (int64) into the column's distinct cell texts, as written.

        A blank cell is ``""``; the order of the distinct texts is unspecified. For a large
        plain CSV the codes come with the parse (a categorical column), with no text per row.
        """
        import numpy as np
        import pandas as pd

        series = self.typed[column] if self.typed is not None else None
        if series is not None and isinstance(series.dtype, pd.CategoricalDtype):
            raw_codes = series.cat.codes.to_numpy()
            texts: list[str] = series.cat.categories.tolist()
        else:
            # A plain CSV's text column holds str, NaN for a blank cell; a list holds str.
            values = series.to_numpy(dtype=object) if series is not None else self.columns[column]
            raw_codes, uniques = pd.factorize(np.asarray(values, dtype=object))
            texts = list(uniques)
        codes = raw_codes.astype("int64")
        if (codes < 0).any():
            # Only a plain CSV's blank cells are missing (NaN): they are the text "".
            codes[codes < 0] = len(texts)
            texts.append("")
        return codes, texts

    def strip_column(self, column: str) -> tuple[Any, Any]:
        """Strip the column's cells of surrounding whitespace, in place; its factorisation.

        Returns each row's code (int64) and the distinct stripped texts (an object array,
        in order of the codes). ``columns[column]`` and :meth:`cell` give stripped text after.
        """
        import numpy as np
        import pandas as pd

        raw_codes, texts = self.factorize(column)
        merged, labels = pd.factorize(np.array([t.strip() for t in texts], dtype=object))
        codes = merged.astype("int64")[raw_codes]
        labels = np.asarray(labels, dtype=object)
        columns = self.columns
        if isinstance(columns, LazyColumns):
            columns.stripped[column] = (codes, labels)
            if dict.__contains__(columns, column):
                dict.__delitem__(columns, column)
        else:
            columns[column] = labels[codes].tolist()
        return codes, labels

    def numbers(self, column: str) -> tuple[Any, Any]:
        """Floats of a column (NaN where not a number) and its blank-cell mask."""
        import numpy as np

        if self.typed is not None:
            series = self.typed[column]
            if series.dtype.kind in "iuf":
                # Only a blank cell is NaN here: text such as "nan" keeps a column textual.
                values = series.to_numpy(dtype="float64", copy=True)
                return values, np.isnan(values)
        from safeplan.data import parse_numbers

        return parse_numbers(self.columns[column])

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.lines)

    def where(self, row: int | None, column: str | None) -> dict[str, Any]:
        """Position keywords of a finding at data row ``row`` and ``column``."""
        place: dict[str, Any] = {}
        col_index = self.header.index(column) if column in self.header else None
        line = self.lines[row] if row is not None else None
        if column is not None:
            place["column_name"] = column
        if line is not None:
            place["line"] = line
        if col_index is not None:
            place["column"] = col_index + 1
        if self.sheet is not None and line is not None:
            place["cell"] = (
                f"{self.sheet}!{self.letters[col_index]}{line}"
                if col_index is not None
                else f"{self.sheet}!{line}:{line}"
            )
        return place


class LazyColumns(dict[str, list[str]]):
    """Text columns of a plain CSV, split out of its lines only when asked for.

    ``data[start:end]`` is the file as UTF-8 with ``\n`` line ends, from the header line to
    the end of the last data line; ``breaks`` are the offsets in ``data`` of its line breaks.
    """

    def __init__(
        self,
        header: list[str],
        data: bytes,
        start: int,
        end: int,
        breaks: Any,
        delimiter: str,
        typed: Any,
    ) -> None:
        super().__init__()
        self.header = header
        self.data = data
        self.start = start
        self.end = end
        self.breaks = breaks
        self._lines: list[str] | None = None
        self.delimiter = delimiter
        self.typed = typed
        self.stripped: dict[str, tuple[Any, Any]] = {}
        """Columns stripped in place: (code of each row, distinct stripped texts)."""

    @property
    def data_lines(self) -> list[str]:
        """The data lines of the file (split on first use)."""
        if self._lines is None:
            first = int(self.breaks[0]) + 1
            self._lines = self.data[first : self.end].decode("utf-8").split("\n")
        return self._lines

    def line(self, row: int) -> str:
        """Data line ``row``, found through the offsets of the line breaks."""
        if self._lines is not None:
            return self._lines[row]
        breaks = self.breaks
        start = int(breaks[row]) + 1
        end = int(breaks[row + 1]) if row + 1 < len(breaks) else self.end
        return self.data[start:end].decode("utf-8")

    def cells(self, rows: Sequence[int], index: int) -> list[str]:
        """Cell ``index`` of each data line in ``rows``, sliced out of the bytes."""
        if self._lines is not None:
            lines, split = self._lines, self.delimiter
            return [lines[row].split(split)[index] for row in rows]
        import numpy as np

        breaks = self.breaks
        ends = np.append(breaks[1:], self.end)
        at = np.asarray(rows, dtype="int64")
        data, split_bytes = self.data, self.delimiter.encode("utf-8")
        return [
            data[start + 1 : end].split(split_bytes)[index].decode("utf-8")
            for start, end in zip(breaks[at].tolist(), ends[at].tolist(), strict=True)
        ]

    def __missing__(self, name: str) -> list[str]:
        if name not in self.header:
            raise KeyError(name)
        texts: list[str]
        stripped = self.stripped.get(name)
        if stripped is not None:
            codes, labels = stripped
            texts = labels[codes].tolist()
            self[name] = texts
            return texts
        series = self.typed[name]
        numbers = series.dtype.kind in "iufb"
        if not numbers:
            texts = series.tolist()
            if series.isna().any():
                texts = ["" if v != v else v for v in texts]
            # A whole number beyond 64 bits stays a Python int in a text column.
            numbers = not all(isinstance(text, str) for text in texts)
        if numbers:
            # The text as written in the line, not the number pandas made of it.
            j = self.header.index(name)
            split = self.delimiter
            texts = [line.split(split)[j] for line in self.data_lines]
        self[name] = texts
        return texts

    def get(self, name: str, default: Any = None) -> Any:
        """Like ``dict.get``, filling the column in first."""
        return self[name] if name in self.header else default

    def __contains__(self, name: object) -> bool:
        return name in self.header


#: What makes a CSV need the careful pass, besides quotes: NUL, and line breaks that
#: str.split and the csv module would disagree about. Control bytes (a CR is one unless in
#: CRLF) ...
_ODD_CONTROLS = frozenset(b"\x00\x0b\x0c\r\x1c\x1d\x1e")
#: ... and U+0085, U+2028, U+2029: a lead byte, and the UTF-8 sequences it starts.
_ODD_SEQUENCES = (
    (b"\xc2", (b"\xc2\x85",)),
    (b"\xe2", (b"\xe2\x80\xa8", b"\xe2\x80\xa9")),
)


def _has_quote_or_odd_break(data: bytes) -> bool:
    """True when ``data`` holds a quote or one of the :data:`_ODD_SEQUENCES`.

    A byte is found at memchr speed; the three-byte sequences are only searched for when
    their (in Chinese text rare) lead byte occurs at all.
    """
    return b'"' in data or any(
        lead in data and any(seq in data for seq in sequences) for lead, sequences in _ODD_SEQUENCES
    )


#: From this many lines on, the key columns of a plain CSV are parsed as categories.
_CATEGORY_ROWS = 1 << 16


def _plain_csv(text: str, file: str, aliases: Mapping[str, tuple[str, ...]]) -> RawTable | None:
    """:func:`_plain_bytes` of decoded text (a GB18030 or UTF-16 file): once as UTF-8."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: not from a file
        return None
    return _plain_bytes(data, 0, file, aliases)


def _plain_bytes(
    data: bytes, start: int, file: str, aliases: Mapping[str, tuple[str, ...]]
) -> RawTable | None:
    """The fast path: a CSV without quotes whose rows are all complete.

    ``data[start:]`` is the text as UTF-8 (``start`` skips a BOM). Most submissions look
    like this. Such a file is parsed by pandas' C reader in one go, straight from the bytes;
    anything unusual returns ``None`` and goes through the careful structural pass.

    Invalid UTF-8 also returns ``None``: the header line is decoded here, and pandas decodes
    every other cell strictly (a cell with a non-ASCII byte is never a number, so its column
    is decoded as text).
    """
    import numpy as np
    import pandas as pd

    if _has_quote_or_odd_break(data):
        return None
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")  # a CR left over is odd
    end = len(data)
    if data.endswith(b"\n\n"):
        end = len(data.rstrip(b"\n"))
    elif data.endswith(b"\n"):
        end -= 1
    if end <= start or data[start] == 10:
        return None
    body = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
    # The control bytes in one pass: the line breaks, and any odd one among the others.
    breaks = np.flatnonzero(body < 32)
    kinds = body[breaks]
    newline = kinds == 10
    if not newline.all():
        if not _ODD_CONTROLS.isdisjoint(kinds[~newline].tolist()):
            return None
        breaks = breaks[newline]
    if not len(breaks):
        return None
    breaks += start
    try:
        first = data[start : int(breaks[0])].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _sniff_delimiter(first) != ",":
        return None
    header = [_canonical(clean_header(c), aliases) for c in first.split(",")]
    width = len(header)
    if not all(header) or len(set(header)) != width:
        return None
    n_lines = len(breaks) + 1
    # Lengths of the data lines: none blank, and none of only commas (an empty row).
    lengths = np.diff(breaks, append=end) - 1
    if (lengths == 0).any() or (width > 1 and (lengths == width - 1).any()):
        return None
    # Every line holds width - 1 commas: in all, as many commas as that, none in a line too
    # many. pandas refuses a data row with more fields than ``names`` (ParserError), except
    # in the first data row, which only sets how many fields a row may have: so that one is
    # counted here. Then no row can be short either.
    if int(np.count_nonzero(body == 44)) != (width - 1) * n_lines:
        return None
    second = int(breaks[1]) if n_lines > 2 else end
    if data.count(b",", int(breaks[0]) + 1, second) != width - 1:
        return None
    # Key columns stay text. In a large file as categories, whose codes come with the parse
    # (see RawTable.factorize); in a small one sorting the categories costs more than that.
    text_type = "category" if n_lines > _CATEGORY_ROWS else object
    text_columns = {
        i: text_type for i, name in enumerate(header) if name in ("region", "sector", "date")
    }
    # pandas takes the bytes as they are when they end with the last data line (and at most
    # one line break): the header line (with any BOM) is skipped, not parsed.
    source = data if end >= len(data) - 1 else data[:end]
    try:
        with warnings.catch_warnings():
            # Fields dropped: the careful pass. A column of numbers in one chunk of rows and
            # text in another is text (numbers and str mixed: LazyColumns splits its text).
            warnings.simplefilter("error", pd.errors.ParserWarning)
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            typed = pd.read_csv(
                io.BytesIO(source),
                header=None,
                skiprows=1,
                names=list(range(width)),
                dtype=text_columns,
                keep_default_na=False,
                na_values=[""],
                engine="c",
                skip_blank_lines=False,
                index_col=False,
                encoding="utf-8",
                encoding_errors="strict",
            )
    except (ValueError, pd.errors.ParserError, pd.errors.ParserWarning):
        return None
    if len(typed) != n_lines - 1:
        return None
    typed.columns = header
    return RawTable(
        file=file,
        header=header,
        columns=LazyColumns(header, data, start, end, breaks, ",", typed),
        lines=range(2, n_lines + 1),
        original=[clean_header(c) for c in first.split(",")],
        typed=typed,
    )


def _position(raw: bytes, offset: int, encoding: str = "utf-8") -> tuple[int, int]:
    """1-based line and character column of byte ``offset``."""
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode(encoding, errors="replace")) + 1
    return line, column


def decode(raw: bytes, file: str) -> tuple[str | None, str | None, list[Finding]]:
    """Decode a whole file: UTF-8 (BOM or not), UTF-16 with a BOM, else GB18030."""
    if raw.startswith(codecs.BOM_UTF8):
        raw, bom = raw[len(codecs.BOM_UTF8) :], "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            return (
                None,
                None,
                [
                    finding(
                        "bad-encoding",
                        file,
                        f"invalid UTF-16 at byte {exc.start}",
                        hint="save the file as CSV UTF-8",
                    )
                ],
            )
    else:
        bom = None
    findings: list[Finding] = []
    if b"\x00" in raw:
        line, column = _position(raw, raw.index(b"\x00"))
        utf16 = raw.count(b"\x00") * 4 > len(raw)
        findings.append(
            finding(
                "nul-byte",
                file,
                "the file contains NUL bytes"
                + (" — it looks like UTF-16 without a byte-order mark" if utf16 else ""),
                line=line,
                column=column,
                hint="save the file as CSV UTF-8" if utf16 else "remove the NUL characters",
            )
        )
        raw = raw.replace(b"\x00", b"")
    try:
        return raw.decode("utf-8"), bom or "utf-8", findings
    except UnicodeDecodeError as exc:
        utf8_error = exc
    line, column = _position(raw, utf8_error.start)
    bad = raw[utf8_error.start : utf8_error.start + 2].hex(" ").upper()
    if bom or not raw[: utf8_error.start].isascii():
        # Valid UTF-8 text before the bad byte: the file mixes encodings (pasted GBK cells).
        findings.append(
            finding(
                "mixed-encoding",
                file,
                f"bytes {bad} are not UTF-8, though the text before them is UTF-8",
                line=line,
                column=column,
                hint="re-type or re-save that cell; save the whole file as CSV UTF-8",
            )
        )
        return None, None, findings
    try:
        return raw.decode("gb18030"), "gb18030", findings
    except UnicodeDecodeError as exc:
        gb_start = exc.start
    # The file reads as GB18030 up to here: the bad byte is where GB18030 stops.
    gb_line, gb_column = _position(raw, gb_start, "gb18030")
    findings.append(
        finding(
            "bad-encoding",
            file,
            f"byte {raw[gb_start]:02X} is neither UTF-8 nor GB18030 (tried UTF-8, which "
            f"fails from {line}:{column}, and GB18030)",
            line=gb_line,
            column=gb_column,
            hint="save the file as CSV UTF-8 (Excel: 另存为 → CSV UTF-8)",
        )
    )
    return None, None, findings


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_count(text: str) -> int:
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (0 if not text or text.endswith(("\n", "\r")) else 1)


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


def _unclosed_quote_line(text: str, from_line: int) -> int:
    """The line of the quote that opens and never closes, at or after ``from_line``."""
    starts = _line_starts(text)
    offset = starts[min(from_line, len(starts)) - 1]
    opened = offset
    inside = False
    for match in re.finditer('"', text[offset:]):
        inside = not inside
        if inside:
            opened = offset + match.start()
    import bisect

    return bisect.bisect_right(starts, opened)


def _sniff_delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    counts = {d: first_line.count(d) for d in (";", "\t", "|", "，")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse(
    text: str, file: str, delimiter: str
) -> tuple[list[list[str]], list[int], list[Finding]]:
    """Records and the physical line each starts on; quote problems as findings."""
    findings: list[Finding] = []
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        records = []
    else:
        if len(records) == _line_count(text):
            return records, list(range(1, len(records) + 1)), findings
    # Slow path: multi-line cells or a quote problem; track where each record starts.
    records, starts = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            start = previous + 1
            message = str(exc)
            if "unexpected end of data" in message:
                line = _unclosed_quote_line(text, start)
                findings.append(
                    finding(
                        "unclosed-quote",
                        file,
                        f"a quote opened on line {line} is never closed; "
                        "everything after it would be one cell",
                        line=line,
                        hint='close the quote, or double a quote inside a quoted cell ("")',
                    )
                )
                break
            code = "nul-byte" if "NUL" in message else "bad-quote"
            findings.append(
                finding(
                    code,
                    file,
                    "the file contains a NUL byte"
                    if code == "nul-byte"
                    else f"malformed quoting: {message}",
                    line=reader.line_num,
                    hint="remove NUL characters; save from Excel as CSV"
                    if code == "nul-byte"
                    else 'a quoted cell must end with " followed by a comma or the line end',
                )
            )
            if code == "nul-byte":
                break
            previous = reader.line_num
            continue
        records.append(row)
        starts.append(previous + 1)
        previous = reader.line_num
    return records, starts, findings


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


def read_csv_text(
    text: str,
    file: str,
    aliases: Mapping[str, tuple[str, ...]] = YEARLY_ALIASES,
    *,
    plain: bool = True,
) -> tuple[RawTable | None, list[Finding]]:
    """The structural pass over decoded CSV text.

    ``plain=False`` skips the fast path (:func:`_plain_bytes` already refused these bytes).
    """
    if not text.strip():
        return None, [
            finding("empty-file", file, "the file is empty", hint="export the table again")
        ]
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    if plain and delimiter == "," and first_line == text.split("\n", 1)[0]:
        table = _plain_csv(text, file, aliases)
        if table is not None:
            return table, []
    findings: list[Finding] = []
    if delimiter != ",":
        name = {";": "semicolons", "\t": "tabs", "|": "vertical bars", "，": "full-width commas"}[
            delimiter
        ]
        findings.append(
            finding(
                "wrong-delimiter",
                file,
                f"fields are separated by {name}, not commas",
                line=1,
                hint="save as CSV with comma separators (Excel: CSV UTF-8)",
            )
        )
    records, starts, quote_findings = _parse(text, file, delimiter)
    findings.extend(quote_findings)
    first = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if first is None:
        findings.append(
            finding("empty-file", file, "the file has no header", hint="export the table again")
        )
        return None, findings

    def where(line: int, column: int | None) -> dict[str, object]:
        return {"line": line, **({"column": column + 1} if column is not None else {})}

    table, more = _build(
        file,
        records[first],
        starts[first],
        records[first + 1 :],
        starts[first + 1 :],
        aliases,
        where=where,
    )
    return table, findings + more


def read_file(
    path: Path,
    file: str,
    *,
    sheet: str | None = None,
    aliases: Mapping[str, tuple[str, ...]] = YEARLY_ALIASES,
) -> tuple[RawTable | None, list[Finding]]:
    """Read one data file (CSV or .xlsx) into a :class:`RawTable` and its findings."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None, [
            finding(
                "file-not-found",
                file,
                "the file does not exist",
                hint="check the path in indicators.yaml (relative to its directory)",
            )
        ]
    except OSError as exc:
        return None, [finding("file-unreadable", file, f"cannot read: {exc.strerror}")]
    if path.is_dir():
        return None, [finding("file-unreadable", file, "is a directory, not a data file")]
    if size > MAX_FILE_BYTES:
        return None, [
            finding(
                "file-too-large",
                file,
                f"{size / (1 << 30):.1f} GiB is too large to be statistics (limit 1 GiB)",
            )
        ]
    suffix = path.suffix.lower()
    if suffix in {".xls", ".et", ".ods", ".numbers"}:
        return None, [
            finding(
                "unsupported-format",
                file,
                f"'{suffix}' files are not supported",
                hint="save the workbook as .xlsx or export CSV UTF-8",
            )
        ]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [finding("file-unreadable", file, f"cannot read: {exc.strerror}")]
    if suffix in {".xlsx", ".xlsm"} or raw[:4] == b"PK\x03\x04":
        return read_xlsx(raw, file, sheet=sheet, aliases=aliases)
    # Most files are plain UTF-8 CSV: parsed straight from the bytes, never decoded here.
    bom = raw.startswith(codecs.BOM_UTF8)
    plain = _plain_bytes(raw, len(codecs.BOM_UTF8) if bom else 0, file, aliases)
    if plain is not None:
        plain.encoding = "utf-8-sig" if bom else "utf-8"
        return plain, []
    text, encoding, findings = decode(raw, file)
    if text is None:
        return None, findings
    # UTF-8 text without NULs removed is the very bytes the fast path has just refused.
    retry = encoding not in ("utf-8", "utf-8-sig") or bool(findings)
    table, more = read_csv_text(text, file, aliases, plain=retry)
    if table is not None:
        table.encoding = encoding
    return table, findings + more


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
