"""Formatting many values at once, each distinct value once.

A national plan has tens of thousands of results: renderers work column by column, and
the values of a column repeat (ids, regions, targets, years), so each distinct one is
formatted once and the texts are looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

_K = TypeVar("_K", bound=Hashable)


_T = TypeVar("_T")


def _repetitive(items: Sequence[Hashable]) -> bool:
    """Whether items seem to repeat a lot (judging by a hundred of them), so that handling
    each distinct one once pays."""
    sample = items[:: len(items) // 100 + 1]
    return 4 * len(set(sample)) <= len(sample)


def _format_each(values: Iterable[_K], fmt: Callable[[_K], str]) -> list[str]:
    """``[fmt(v) for v in values]``, calling ``fmt`` once per distinct value.

    Only for a ``fmt`` that gives equal values the same text: :func:`fmt_number` does
    (``1 == 1.0 == True`` all read "1"), ``repr`` and JSON numbers do not.
    """
    items = list(values)
    texts = {value: fmt(value) for value in set(items)}
    return list(map(texts.__getitem__, items))


_NONE = type(None)


def _by_distinct(
    values: Sequence[Any], fmt_all: Callable[[list[Any]], list[str]]
) -> list[str] | None:
    """``fmt_all(values)``, formatting each distinct value once — or ``None`` where most
    values are distinct, or where equal values may read differently.

    ``fmt_all`` being the JSON encoder or ``repr``, ints and floats must not mix
    (``1 == 1.0``), nor ``0.0`` and ``-0.0``; strings and None are safe with either.
    """
    try:
        if not _repetitive(values):  # most are distinct: spare building the whole set
            return None
        distinct = set(values)
    except TypeError:  # unhashable
        return None
    if 2 * len(distinct) > len(values):
        return None
    kinds = set(map(type, values)) - {_NONE}
    if not (kinds <= {str} or kinds == {int} or (kinds == {float} and 0.0 not in distinct)):
        return None
    keys = list(distinct)
    return list(map(dict(zip(keys, fmt_all(keys), strict=True)).__getitem__, values))


def _format_each_object(objects: Sequence[_T], fmt: Callable[[_T], str]) -> list[str]:
    """``[fmt(o) for o in objects]``, calling ``fmt`` once per object (by identity).

    For unhashable values shared by many rows, such as an indicator's target dict.
    """
    keys = list(map(id, objects))
    texts = {key: fmt(obj) for key, obj in dict(zip(keys, objects, strict=True)).items()}
    return list(map(texts.__getitem__, keys))
