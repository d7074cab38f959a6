"""Results as columns: each field of many results at once, for the column-wise renderers."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from safeplan.evaluate.results import Result


def _fields(
    rows: Sequence[NamedTuple], names: Sequence[str], keys: Sequence[str]
) -> dict[str, Sequence[Any]]:
    """The fields ``keys`` of named tuples whose fields are ``names``, column by column (a
    C-level map per field, several times quicker than ``zip(*rows)`` over tens of thousands
    of rows)."""
    return {key: list(map(itemgetter(names.index(key)), rows)) for key in keys}


def _result_fields(
    results: Sequence[Result], keys: Sequence[str] | None = None
) -> dict[str, Sequence[Any]]:
    """The fields of results (those named in ``keys``, else all), column by column."""
    from safeplan.evaluate.results import Result

    return _fields(results, Result._fields, keys or Result._fields)
