"""Exactness: the one policy for deciding a comparison when floating point could be wrong.

Statuses, accident classes, rules and totals are computed in floating point for speed, and
every comparison whose float result is *unsure* is decided again on exact values (decimal
text → :class:`~fractions.Fraction`). A float comparison is unsure when the two sides lie
within a relative :data:`UNSURE` of each other — relative to the sides themselves and to
every input they were computed from: ``0.3 - 0.1 - 0.2`` is ``-2.8e-17`` in floats, tiny
against its inputs, so it is decided exactly (as 0), never as a negative number.

Everything here is pure and works on numbers and numpy arrays alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal, Inexact, InvalidOperation, Rounded, localcontext
from fractions import Fraction
from typing import Any

__all__ = [
    "MAX_SUM_DIGITS",
    "UNSURE",
    "decimal_of",
    "exact_sum",
    "finite_float",
    "fraction_of",
    "number",
    "plain_decimals",
    "plain_sum",
    "unsure",
]

UNSURE = 1e-9
"""Relative distance below which a float comparison is decided again exactly.

Far above the error of any float computation safeplan does (a few ulps, ~1e-15), far
below any difference that matters in statistics."""


def unsure(result: Any, threshold: Any, *inputs: Any) -> Any:
    """Whether ``result`` and ``threshold`` are too close for floats to tell them apart.

    Works element-wise on numpy arrays (returns a bool array) and on plain floats (a bool).
    The tolerance is relative to the largest magnitude among the two sides and ``inputs``
    (the numbers the sides were computed from): a difference that is rounding noise of the
    inputs is unsure even when both sides are near zero. NaN is never unsure (it is no
    data, not a tie).
    """
    import numpy as np

    with np.errstate(invalid="ignore", over="ignore"):
        magnitude = np.maximum(np.abs(result), np.abs(threshold))
        for value in inputs:
            magnitude = np.maximum(magnitude, np.abs(value))
        close = np.abs(np.subtract(result, threshold)) <= UNSURE * magnitude
    if isinstance(close, np.ndarray):
        return close
    return bool(close)


def decimal_of(text: object) -> Decimal:
    """The :class:`~decimal.Decimal` of a number's text; :class:`ValueError` if it is none.

    Only finite decimals pass: ``"1e3"``, ``" 12.50 "``; not ``"nan"`` or ``"inf"``.
    """
    if isinstance(text, Decimal):
        value = text
    else:
        try:
            value = Decimal(str(text).strip())
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value


def fraction_of(text: object) -> Fraction:
    """The exact value of a number's text, e.g. ``fraction_of("0.1") == Fraction(1, 10)``."""
    return Fraction(decimal_of(text))


#: The most digits an exact sum may span, from the highest digit of any term to the lowest:
#: far beyond any statistic (a double spans at most ~770), and a bound on the work a
#: hostile cell (``1e999999999``, a cell of a million digits) can cause.
MAX_SUM_DIGITS = 100_000


def exact_sum(texts: Iterable[str | Decimal | int]) -> Fraction:
    """The exact sum of decimal texts, as a :class:`~fractions.Fraction`.

    No rounding happens anywhere: ``exact_sum(["0.1", "0.2"]) == Fraction(3, 10)``, and a
    term of 12 000 digits is added to the last of them. Raises :class:`ValueError` on a
    text that is not a finite decimal number, and on terms whose digits would span more
    than :data:`MAX_SUM_DIGITS` (``1e99999`` + ``1e-99999``): such a sum is not taken.
    """
    items = texts if isinstance(texts, list) else list(texts)
    if not items:
        return Fraction(0)
    plain = plain_sum(items)
    if plain is not None:
        return plain
    values = [Decimal(text) if isinstance(text, int) else decimal_of(text) for text in items]
    high = max(value.adjusted() for value in values)
    low = min(int(value.as_tuple().exponent) for value in values)
    # Every digit from the highest to the lowest, and room for the carries of n terms.
    digits = high - low + 1 + len(str(len(values)))
    if digits > MAX_SUM_DIGITS or max(high, -low) > MAX_SUM_DIGITS:
        raise ValueError(
            f"数字过大或位数过多，无法精确相加（需要超过 {MAX_SUM_DIGITS} 位有效数字）"
        )
    return _sum(values, digits)


def _sum(values: list[Decimal], digits: int) -> Fraction:
    """Σ values (at least one) in a decimal context of ``digits`` digits, where any rounding is an error."""
    with localcontext() as ctx:
        # Decimal addition rounds to the context precision: give it every digit the sum
        # can have, and make any rounding an error all the same.
        ctx.prec = max(digits, 1)
        ctx.Emax = MAX_SUM_DIGITS + 1
        ctx.Emin = -MAX_SUM_DIGITS - 1
        ctx.traps[Inexact] = True
        ctx.traps[Rounded] = True
        return Fraction(sum(values[1:], values[0]))


#: Plain decimal texts, one per line: ASCII digits with at most one point (``1350``,
#: ``12.50``, ``.5``, ``3.``), no sign, exponent, separator or space.
_PLAIN_LINES = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:\n(?:[0-9]+\.?[0-9]*|\.[0-9]+))*")


def plain_sum(texts: list[Any]) -> Fraction | None:
    """The exact sum of plain decimal texts (see :func:`plain_decimals`), each read in C —
    the usual column; ``None`` when one is not plain, or so long that the general path of
    :func:`exact_sum` must bound it."""
    if not plain_decimals(texts):
        return None
    longest = max(map(len, texts))
    # A term of n characters has at most n digits before its point and n after it.
    if 2 * longest > MAX_SUM_DIGITS:
        return None
    return _sum(list(map(Decimal, texts)), 2 * longest + len(str(len(texts))))


def plain_decimals(texts: list[Any]) -> bool:
    """Whether every item is a plain decimal text, as most cells of a statistics table are
    (ASCII digits with at most one point): such texts are exact decimals as they stand."""
    if not texts or set(map(type, texts)) != {str}:
        return False
    joined = "\n".join(texts)
    return joined.count("\n") == len(texts) - 1 and _PLAIN_LINES.fullmatch(joined) is not None


#: Whole numbers from this magnitude on are JSON floats (``1e+300``), not long integers:
#: most JSON readers hold integers in 64 bits or in doubles.
_INT_LIMIT = 2**63


def number(value: Fraction | Decimal | float | int | None) -> int | float | None:
    """A JSON number: an int when whole (and below 2^63), else a float (``None`` and NaN
    become ``None``).

    Raises :class:`~safeplan.errors.DataError` for a value beyond the float range, which no
    JSON reader could take.
    """
    if type(value) is float:
        if value != value:
            return None
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if value is None or (isinstance(value, Decimal) and value.is_nan()):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    whole = (
        isinstance(value, int)
        or (isinstance(value, Fraction) and value.denominator == 1)
        or (isinstance(value, Decimal) and value == value.to_integral_value())
    )
    if whole and -_INT_LIMIT < value < _INT_LIMIT:
        return int(value)
    try:
        result = float(value)
        if math.isinf(result):  # a Decimal beyond the range rounds to ±inf, never raises
            raise OverflowError
    except OverflowError:
        from safeplan.errors import DataError

        raise DataError(
            "一个结果的数值超出可计算的范围（绝对值大于 1.8e308）",
            hint="检查数据中的数字是否过大，或分母是否过小",
        ) from None
    return result


def finite_float(value: Fraction | Decimal | int) -> float | None:
    """``float(value)``, or ``None`` beyond the float range: a percentage against a value
    near zero (a change, a yearly pace) has no meaningful number, and must not overflow."""
    try:
        result = float(value)
    except OverflowError:
        return None
    return None if math.isinf(result) else result  # a Decimal rounds to ±inf instead
