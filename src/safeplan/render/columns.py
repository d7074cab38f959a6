"""Results as columns: each field of many results at once, for the column-wise renderers."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from safeplan.evaluate.results import Result


def _result_fields(results: Sequence[Result]) -> dict[str, Sequence[Any]]:
    """The fields of results, column by column (results are tuples: one C call)."""
    from safeplan.evaluate.results import Result

    columns = zip(*results, strict=True) if results else repeat(())
    return dict(zip(Result._fields, columns, strict=False))
