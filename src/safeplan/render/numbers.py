"""The one number formatter of every output: how a value, a threshold or a gap reads."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from itertools import compress

from safeplan.render.batch import _format_each

#: Format specs by number of decimals: ``format(x, _FIXED[3]) == f"{x:.3f}"``.
_FIXED = tuple(f".{decimals}f" for decimals in range(11))


def fmt_number(value: float | int | None, digits: int = 4) -> str:
    """A number for people: whole numbers plain, others to about ``digits`` significant."""
    if type(value) is float:  # the common case first, without the general checks below
        if value.is_integer():
            return str(int(value))
        if value != value:  # NaN
            return "—"
        magnitude = math.floor(math.log10(abs(value)))  # infinity raises, as below
        decimals = digits - magnitude - 1
        decimals = 2 if decimals < 2 else 10 if decimals > 10 else decimals
        # At least two decimals, so the text always has a point to strip back to.
        return format(value, _FIXED[decimals]).rstrip("0").rstrip(".")
    if type(value) is int:
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
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


def fmt_pct(value: float | int | None, decimals: int = 1) -> str:
    """A percentage as offices write it: ``decimals`` places, rounded half up (四舍五入)
    from the number's shortest decimal text, without the sign; "—" for ``None``."""
    if value is None or value != value:
        return "—"
    from decimal import ROUND_HALF_UP, Decimal

    step = Decimal(1).scaleb(-decimals)
    return str(abs(Decimal(repr(float(value)))).quantize(step, rounding=ROUND_HALF_UP))


def fmt_signed_pct(value: float | int | None, decimals: int = 1) -> str:
    """A change in percent with its sign, e.g. ``-12.5%``, ``+3.0%``; "—" for ``None``."""
    if value is None or value != value:
        return "—"
    text = fmt_pct(value, decimals)
    if float(text) == 0:
        return f"{text}%"
    return f"{'-' if value < 0 else '+'}{text}%"
