"""A file's cells as text: :class:`RawTable`, what every reader produces.

Typed checks (:mod:`safeplan.ingest.cells`) work on the text kept here, so that every
finding can quote the cell as written and name its line and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from safeplan.ingest.numbers import parse_numbers


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
