"""The one number formatter of every output: how a value, a threshold or a gap reads."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from itertools import compress

from safeplan.render.batch import _format_each

#: Format specs by number of decimals: ``format(x, _FIXED[3]) == f"{x:.3f}"``.
_FIXED = tuple(f".{decimals}f" for decimals in range(11))


#: From this magnitude on, numbers are shown in scientific notation (``1.235e+20``), as JSON
#: shows them: beyond it a float's integer digits are noise (and 1e300 has 301 of them).
LARGE = 2.0**63
#: Below this magnitude (but not zero), too: ten decimals would show ``0``.
SMALL = 1e-6


def _scientific(value: float | int, digits: int) -> str:
    """``digits`` significant digits in scientific notation; all of them (the shortest
    text that reads back the same float) from 17 on."""
    number = float(value)
    return repr(number) if digits >= 17 else format(number, f".{digits}g")


def fmt_number(value: float | int | None, digits: int = 4) -> str:
    """A number for people: whole numbers plain, others to about ``digits`` significant.

    Magnitudes of :data:`LARGE` and more, and below :data:`SMALL` (but zero), are shown
    with ``digits`` significant digits in scientific notation, as JSON shows them.
    """
    if type(value) is float:  # the common case first, without the general checks below
        if value.is_integer():
            return str(int(value)) if -LARGE < value < LARGE else _scientific(value, digits)
        if value != value:  # NaN
            return "—"
        if -SMALL < value < SMALL:
            return _scientific(value, digits)
        magnitude = math.floor(math.log10(abs(value)))  # infinity raises, as below
        decimals = digits - magnitude - 1
        decimals = 2 if decimals < 2 else 10 if decimals > 10 else decimals
        # At least two decimals, so the text always has a point to strip back to.
        return format(value, _FIXED[decimals]).rstrip("0").rstrip(".")
    if type(value) is int:
        return str(value) if -LARGE < value < LARGE else _scientific(value, digits)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if not -LARGE < value < LARGE or (value and -SMALL < value < SMALL):
        return _scientific(value, digits)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value)}"
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    decimals = min(max(2, digits - magnitude - 1), 10)
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_pair(value: float | int | None, threshold: float | int | None) -> tuple[str, str]:
    """Value and threshold, with enough digits that unequal numbers never look equal."""
    for digits in range(4, 17):
        v, t = fmt_number(value, digits), fmt_number(threshold, digits)
        if v != t or value == threshold or value is None or threshold is None:
            return v, t
    return fmt_number(value, 17), fmt_number(threshold, 17)


def fmt_gap(gap: float | int | None) -> str:
    """A gap with its sign."""
    if gap is None:
        return "—"
    text = fmt_number(gap)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def _pair_columns(
    values: Sequence[float | int | None], thresholds: Sequence[float | int | None]
) -> tuple[list[str], list[str]]:
    """:func:`fmt_pair` of each value and threshold, each distinct number formatted once."""
    value_texts = _format_each(values, fmt_number)
    threshold_texts = _format_each(thresholds, fmt_number)
    # Unequal numbers that read the same need more digits: fmt_pair finds how many.
    for i in compress(range(len(values)), map(operator.eq, value_texts, threshold_texts)):
        if values[i] != thresholds[i]:
            value_texts[i], threshold_texts[i] = fmt_pair(values[i], thresholds[i])
    return value_texts, threshold_texts
