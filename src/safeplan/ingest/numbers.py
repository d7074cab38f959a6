"""Numbers from cell text, vectorised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def parse_numbers(texts: Sequence[str]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Floats of a column of cell texts (NaN where not a number) and the blank-cell mask.

    Plain ASCII columns go straight through numpy's C parser; anything else (blank cells,
    full-width digits, thousands separators …) through pandas, cell by cell.
    """
    import numpy as np
    import pandas as pd

    if all(map(str.isascii, texts)) and "_" not in "".join(texts):
        try:
            values = np.array(texts, dtype="float64")
        except ValueError:
            pass
        else:
            return values, np.zeros(len(values), dtype=bool)
    stripped = pd.Series(list(map(str.strip, texts)), dtype=object)
    blank = (stripped == "").to_numpy()
    values = pd.to_numeric(stripped, errors="coerce").to_numpy(dtype="float64", copy=True)
    return values, blank
