"""A file's cells as text: :class:`RawTable`, what every reader produces.

Typed checks (:mod:`safeplan.ingest.cells`) work on the text kept here, so that every
finding can quote the cell as written and name its line and column. Three readers fill it:
the careful CSV pass (lists of texts), the plain-CSV fast path (:class:`LazyColumns`: a
frame parsed by pandas plus the file's bytes) and workbooks (:class:`TypedColumns`: floats
and coded texts from the sheet).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

from safeplan.domain.exact import exact_sum, plain_sum
from safeplan.ingest.numbers import parse_distinct, parse_numbers, whole_texts
from safeplan.ingest.text import BLANK, NON_FINITE, NUMBER, canonical_number


@dataclass
class RawTable:
    """A file's header and its data rows as text, column by column.

    ``lines[i]`` is the physical line (CSV) or sheet row (workbook) of data row ``i`` (for
    a plain CSV a ``range``: line ``i + 2``).
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
    """For a plain CSV and for workbooks: the columns parsed already (pandas frame, column
    names as in ``header``); ``columns`` then fills in lazily from it."""
    units: dict[str, str] = field(default_factory=dict)
    """The unit each header carried in brackets (``地区生产总值（亿元）`` → 亿元)."""
    covered: set[tuple[int, int]] = field(default_factory=set)
    """(line, 1-based column) of data cells hidden under a merged cell."""

    def int_values(self, column: str) -> Any:
        """The column as a numpy int array when every cell is a plain whole number, else None."""
        import numpy as np

        cache = self.__dict__.setdefault("_ints", {})
        if column not in cache:
            series = self.typed[column] if self.typed is not None else None
            if series is not None and series.dtype.kind in "iu":
                cache[column] = series.to_numpy()
            elif series is not None and _integer_categories(series) and not series.isna().any():
                cache[column] = series.cat.categories.to_numpy()[series.cat.codes.to_numpy()]
            elif column_kind(series) in ("text", "coded"):
                # Counts read as text: integers when every distinct text is plain digits.
                codes, texts = self.factorize(column)
                plain = all(t.isascii() and t.isdigit() and len(t) < 16 for t in texts)
                cache[column] = (
                    np.array([int(t) for t in texts], dtype="int64")[codes] if plain else None
                )
            else:
                cache[column] = None
        return cache[column]

    def cell(self, row: int, column: str) -> str:
        """The text of one cell, without materialising a lazy column."""
        columns = self.columns
        if isinstance(columns, TypedColumns | LazyColumns) and not dict.__contains__(
            columns, column
        ):
            return columns.cell(row, column)
        return columns[column][row]

    def cells(self, rows: Sequence[int], column: str) -> list[str]:
        """The texts of one column's cells in ``rows``: :meth:`cell`, many at a time."""
        columns = self.columns
        if isinstance(columns, TypedColumns | LazyColumns) and not dict.__contains__(
            columns, column
        ):
            return columns.cells(rows, column)
        texts = columns[column]
        return [texts[row] for row in rows]

    def factorize(self, column: str) -> tuple[Any, list[str]]:
        """Each row's code (int64) into the column's distinct cell texts, as written.

        A blank cell is ``""``; the order of the distinct texts is unspecified. For a large
        plain CSV and a workbook the codes come with the read, with no text per row.
        """
        cache = self.__dict__.setdefault("_factorized", {})
        if column not in cache:
            cache[column] = self._factorize(column)
        codes, texts = cache[column]
        return codes, list(texts)

    def _factorize(self, column: str) -> tuple[Any, list[str]]:
        import numpy as np
        import pandas as pd

        series = self.typed[column] if self.typed is not None else None
        kind = column_kind(series)
        if kind == "coded" and series is not None:
            raw_codes = series.cat.codes.to_numpy()
            texts: list[str] = series.cat.categories.tolist()
        elif kind == "text" and series is not None:
            # A plain CSV's text column holds str, NaN for a blank cell; numbers in it (from
            # pandas' chunks read as numbers) need the text as written: split from the lines.
            raw_codes, uniques = pd.factorize(series.to_numpy(dtype=object))
            texts = list(uniques)
            if not all(type(t) is str for t in texts):
                raw_codes, uniques = pd.factorize(np.asarray(self.columns[column], dtype=object))
                texts = list(uniques)
        else:
            columns = self.columns
            coded = columns.coded(column) if isinstance(columns, LazyColumns) else None
            if coded is not None:
                return coded
            raw_codes, uniques = pd.factorize(np.asarray(columns[column], dtype=object))
            texts = list(uniques)
        codes = raw_codes.astype("int64")
        if (codes < 0).any():
            # Only a missing (NaN) cell is negative: it is the text "".
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
        self.__dict__.get("_factorized", {}).pop(column, None)  # the texts change
        merged, labels = pd.factorize(np.array([t.strip() for t in texts], dtype=object))
        codes = merged.astype("int64")[raw_codes]
        labels = np.asarray(labels, dtype=object)
        columns = self.columns
        if isinstance(columns, LazyColumns | TypedColumns):
            columns.stripped[column] = (codes, labels)
            if dict.__contains__(columns, column):
                dict.__delitem__(columns, column)
        else:
            columns[column] = labels[codes].tolist()
        return codes, labels

    def numbers(self, column: str) -> tuple[Any, Any]:
        """Floats of a column (NaN where not a number) and each cell's kind (int8 codes of
        :mod:`safeplan.ingest.text`: NUMBER, BLANK, DASH, BAD, ERROR, NON_FINITE)."""
        cache = self.__dict__.setdefault("_number_cache", {})
        if column not in cache:
            cache[column] = self._numbers(column)
        values, kinds = cache[column]
        return values.copy(), kinds.copy()

    def _numbers(self, column: str) -> tuple[Any, Any]:
        import numpy as np

        series = self.typed[column] if self.typed is not None else None
        if series is not None and series.dtype.kind in "iuf":
            # Only a blank cell is NaN here: text such as "nan" keeps a column textual.
            values = series.to_numpy(dtype="float64", copy=True)
            kinds = np.where(np.isnan(values), BLANK, NUMBER).astype(np.int8)
            infinite = np.isinf(values)
            if infinite.any():  # 1e400 and "inf": both beyond any statistic
                kinds[infinite] = NON_FINITE
                values[infinite] = np.nan
            return values, kinds
        if series is not None and _integer_categories(series):
            # Every distinct text was an integer (pandas made numbers of the categories).
            codes = series.cat.codes.to_numpy()
            values = np.append(series.cat.categories.to_numpy(dtype="float64"), np.nan)[codes]
            kinds = np.where(codes < 0, BLANK, NUMBER).astype(np.int8)
            return values, kinds
        if column_kind(series) in ("text", "coded"):
            codes, texts = self.factorize(column)
            distinct_values, distinct_kinds = parse_distinct(texts)
            return distinct_values[codes], distinct_kinds[codes]
        return parse_numbers(self.columns[column])

    def whole(self, column: str) -> Any:
        """Per row: whether a number cell's text is a whole number, decided on the text.

        ``"29.9999999999999999"`` is not whole although its float is 30.0; a workbook's
        number cell has no text but its float, which is whole or not.
        """
        import numpy as np

        series = self.typed[column] if self.typed is not None else None
        if series is not None and (series.dtype.kind in "iu" or _integer_categories(series)):
            return np.ones(len(series), dtype=bool)
        if isinstance(self.columns, TypedColumns) and series is not None:
            if series.dtype.kind == "f":
                values = series.to_numpy(dtype="float64")
                with np.errstate(invalid="ignore"):
                    return np.isnan(values) | (np.floor(values) == values)
        codes, texts = self.factorize(column)
        return whole_texts(texts)[codes]

    def exact(self, row: int, column: str) -> Fraction | None:
        """The exact value of one cell from its text; ``None`` when it holds no number."""
        canonical = canonical_number(self.cell(row, column))
        return Fraction(Decimal(canonical)) if canonical is not None else None

    def exact_sum(self, rows: Sequence[int], column: str) -> Fraction | None:
        """The exact sum of a column's cells in ``rows``; ``None`` when one holds no number."""
        ints = self.int_values(column)
        if ints is not None:
            # Whole numbers read by pandas are exact already.
            return Fraction(int(ints[list(rows)].sum(dtype=object)))
        texts = self.cells(rows, column)
        plain = plain_sum(texts)  # the usual cells, checked once and summed
        if plain is not None:
            return plain
        canonical = list(map(canonical_number, texts))  # 1,234.5, full-width digits, −5 …
        if None in canonical:
            return None
        try:
            return exact_sum(cast("list[str]", canonical))
        except ValueError:
            return None  # digits beyond any exact sum (a hostile cell): no exact value

    def display(self, column: str) -> str:
        """A column's header as written (``直接经济损失（万元）`` for ``direct_loss``)."""
        if column in self.header:
            index = self.header.index(column)
            if index < len(self.original) and self.original[index]:
                return self.original[index]
        return column

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

    def header_where(self, column: str | None) -> dict[str, Any]:
        """Position keywords of a finding at a header cell (or the header row)."""
        col_index = self.header.index(column) if column in self.header else None
        place: dict[str, Any] = {"line": self.header_line}
        if col_index is not None:
            place["column"] = col_index + 1
            place["column_name"] = column
        if self.sheet is not None:
            place["cell"] = (
                f"{self.sheet}!{self.letters[col_index]}{self.header_line}"
                if col_index is not None
                else f"{self.sheet}!{self.header_line}:{self.header_line}"
            )
        return place


class LazyColumns(dict[str, list[str]]):
    """Text columns of a plain CSV, split out of its lines only when asked for.

    ``data[start:end]`` is the file as UTF-8 with ``\n`` line ends, from the header line to
    the end of the last data line; ``breaks`` are the offsets in ``data`` of its line breaks.
    ``text_column(j)``, when given, reads column ``j`` again as text (see :meth:`coded`).
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
        text_column: Callable[[int], tuple[Any, list[str]] | None] | None = None,
    ) -> None:
        super().__init__()
        self._text_column = text_column
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

    def coded(self, name: str) -> tuple[Any, list[str]] | None:
        """Column ``name`` as each data line's code into its distinct texts as written (a
        blank cell ``""``), without splitting the lines: pandas reads that column again, as
        text. None when it cannot (the column is split from the lines instead)."""
        if self._text_column is None or name in self.stripped or dict.__contains__(self, name):
            return None
        return self._text_column(self.header.index(name))

    def line(self, row: int) -> str:
        """Data line ``row``, found through the offsets of the line breaks."""
        if self._lines is not None:
            return self._lines[row]
        breaks = self.breaks
        start = int(breaks[row]) + 1
        end = int(breaks[row + 1]) if row + 1 < len(breaks) else self.end
        return self.data[start:end].decode("utf-8")

    def cell(self, row: int, column: str) -> str:
        """The text of one cell."""
        stripped = self.stripped.get(column)
        if stripped is not None:
            codes, labels = stripped
            return str(labels[codes[row]])
        return self.line(row).split(self.delimiter)[self.header.index(column)]

    def cells(self, rows: Sequence[int], column: str) -> list[str]:
        """Cell ``column`` of each data line in ``rows``, sliced out of the bytes."""
        if column in self.stripped:
            codes, labels = self.stripped[column]
            return [str(labels[code]) for code in codes[list(rows)].tolist()]
        index = self.header.index(column)
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
        numbers = column_kind(series) not in ("text", "coded")
        if not numbers:
            texts = series.astype(object).tolist()
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


class TypedColumns(dict[str, list[str]]):
    """Text columns of a workbook sheet, from its typed frame: numbers as floats, every
    other column coded (a categorical of the distinct texts)."""

    def __init__(self, header: list[str], typed: Any) -> None:
        super().__init__()
        self.header = header
        self.typed = typed
        self.stripped: dict[str, tuple[Any, Any]] = {}

    def cell(self, row: int, column: str) -> str:
        """The text of one cell."""
        return self.cells([row], column)[0]

    def cells(self, rows: Sequence[int], column: str) -> list[str]:
        """The texts of one column's cells in ``rows``."""
        import numpy as np

        at = np.asarray(rows, dtype="int64")
        if column in self.stripped:
            codes, labels = self.stripped[column]
            return [str(v) for v in labels[codes[at]].tolist()]
        series = self.typed[column]
        if series.dtype.kind == "f":
            return [number_text(v) for v in series.to_numpy()[at].tolist()]
        categories = series.cat.categories.to_numpy(dtype=object)
        codes = series.cat.codes.to_numpy()[at]
        return ["" if c < 0 else str(categories[c]) for c in codes.tolist()]

    def __missing__(self, name: str) -> list[str]:
        if name not in self.header:
            raise KeyError(name)
        texts = self.cells(range(len(self.typed)), name)
        self[name] = texts
        return texts

    def get(self, name: str, default: Any = None) -> Any:
        """Like ``dict.get``, filling the column in first."""
        return self[name] if name in self.header else default

    def __contains__(self, name: object) -> bool:
        return name in self.header


def column_kind(series: Any) -> str | None:
    """How pandas holds a column: ``number``, ``text`` (str or object), ``coded`` (a
    categorical of texts), ``coded-number`` (a categorical pandas made numbers of)."""
    if series is None:
        return None
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories.dtype
        textual = categories.kind == "O" or pd.api.types.is_string_dtype(categories)
        return "coded" if textual else "coded-number"
    return "number" if dtype.kind in "iufb" else "text"


def _integer_categories(series: Any) -> bool:
    """A categorical column whose distinct texts pandas read as integers (so every one of
    them was an integer literal)."""
    return column_kind(series) == "coded-number" and series.cat.categories.dtype.kind in "iu"


def number_text(value: float) -> str:
    """The text of a workbook's number cell, as a CSV export would write it (blank for NaN)."""
    if value != value:
        return ""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)
