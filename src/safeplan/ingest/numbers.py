"""Numbers from cell text, vectorised.

Every column goes through one grammar (:func:`safeplan.ingest.text.cell_number`): plain
ASCII numbers at numpy's C speed, and only the *distinct* other texts (blank, ``—``,
``1,234.5``, full-width digits, ``#DIV/0!``) one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from safeplan.ingest.text import NON_FINITE, NUMBER, canonical_number, cell_number

if TYPE_CHECKING:
    import numpy as np

#: The characters of a plain number: a column of only these parses at C speed.
_PLAIN = b"0123456789.-+eE"


def _plain(texts: Sequence[str]) -> np.ndarray[Any, Any] | None:
    """Floats of a column of plain ASCII numbers, or ``None`` when a cell is anything else."""
    import numpy as np

    try:
        joined = "".join(texts).encode("ascii")
    except UnicodeEncodeError:
        return None
    if joined.translate(None, _PLAIN):
        return None  # a blank, a space, a comma, a letter …: not plain
    try:
        return np.array(texts, dtype="float64")
    except ValueError:  # "1e", "--5", "" …
        return None


def parse_numbers(texts: Sequence[str]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Floats of a column of cell texts (NaN where none) and each cell's kind (int8).

    Kinds are :data:`~safeplan.ingest.text.NUMBER`, ``BLANK``, ``DASH``, ``BAD``,
    ``ERROR`` and ``NON_FINITE`` (spelled ``inf``/``nan``, or beyond the float range).
    """
    import numpy as np
    import pandas as pd

    values = _plain(texts)
    if values is not None:
        kinds = np.zeros(len(values), dtype=np.int8)
        infinite = np.isinf(values)
        if infinite.any():  # 1e400: beyond the float range
            kinds[infinite] = NON_FINITE
            values[infinite] = np.nan
        return values, kinds
    codes, uniques = pd.factorize(np.asarray(texts, dtype=object))
    distinct_values, distinct_kinds = parse_distinct(list(uniques))
    return distinct_values[codes], distinct_kinds[codes]


def parse_distinct(texts: list[str]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """:func:`parse_numbers` of distinct texts: C speed for the plain ones, then the rest."""
    import numpy as np
    import pandas as pd

    n = len(texts)
    values = np.full(n, np.nan)
    kinds = np.full(n, NUMBER, dtype=np.int8)
    if not n:
        return values, kinds
    series = pd.Series(texts, dtype=object)
    # pandas' C parser takes the plain numbers (and " 5", "inf"); only ASCII-plain texts
    # are trusted from it, everything else is read by the grammar, one distinct text each.
    quick = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")
    accepted = ~np.isnan(quick) & ~np.isinf(quick)
    if _is_plain("".join(np.asarray(texts, dtype=object)[accepted].tolist())):
        trusted = accepted
    else:
        trusted = accepted & series.map(_is_plain).to_numpy(dtype=bool)
    values[trusted] = quick[trusted]
    for i in np.flatnonzero(~trusted).tolist():
        kinds[i], values[i] = cell_number(texts[i])
    return values, kinds


def _is_plain(text: str) -> bool:
    try:
        return not text.encode("ascii").translate(None, _PLAIN)
    except UnicodeEncodeError:
        return False


def whole_texts(texts: Sequence[str]) -> np.ndarray[Any, Any]:
    """For number cells: whether the text is a whole number, decided on the text.

    ``"30"``, ``"30.0"``, ``"3e1"``, ``"1,000"`` are whole; ``"29.9999999999999999"`` is not,
    although its float is 30.0. Plain digit strings are decided at C speed.
    """
    import numpy as np

    out = np.ones(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        stripped = text.strip()
        if stripped.isdigit() and stripped.isascii():
            continue
        canonical = canonical_number(stripped)
        if canonical is None:
            continue  # not a number: another finding says so
        try:
            value = Decimal(canonical)
        except InvalidOperation:  # pragma: no cover - the grammar is Decimal's
            continue
        out[i] = value == value.to_integral_value()
    return out
