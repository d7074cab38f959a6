"""The one number formatter of every output: how a value, a threshold, a gap or a change reads.

Each indicator has one :class:`Precision` (:func:`precision`): counts are whole, a rate
has a fixed number of decimals (the plan's ``decimals:``, or three significant digits of
its target), so a column never mixes 0.4 and 0.447, and the terminal, Markdown, HTML,
Word and Excel all show the same text. Rounding is 四舍五入 on the number's shortest
decimal form (2.675 → 2.68), for display only: statuses are decided on exact values, and
where rounding would make a value and its threshold read the same, :func:`fmt_pair` shows
more digits, so that unequal numbers never look equal.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from itertools import compress
from typing import Any

from safeplan.render.batch import _format_each

Number = float | int | None

#: Format specs by number of decimals: ``format(x, _FIXED[3]) == f"{x:.3f}"``.
_FIXED = tuple(f".{decimals}f" for decimals in range(11))
#: Quantums by number of decimals: ``_QUANTUM[2] == Decimal("0.01")``.
_QUANTUM = tuple(Decimal(1).scaleb(-decimals) for decimals in range(18))
#: Room for every digit of any float at any number of decimals (1e308 to 5e-324).
_WIDE = Context(prec=1000)

_MAX_DECIMALS = 6
_SIGNIFICANT = 3  # a rate shows three significant digits of its target: 0.0145, 0.447, 1.98


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


@dataclass(frozen=True)
class Precision:
    """Decimals an indicator's numbers are shown with (``None``: about four significant
    digits, for a number without an indicator)."""

    value: int | None = None
    threshold: int | None = None

    @property
    def gap(self) -> int | None:
        """A gap (value − threshold) needs the decimals of both."""
        if self.value is None or self.threshold is None:
            return None
        return max(self.value, self.threshold)


GENERIC = Precision()


def precision(facts: Mapping[str, Any] | None, reference: Number = None) -> Precision:
    """How an indicator's numbers read, from its display facts (``indicator_facts``).

    The plan's ``decimals:`` wins. Counts (deaths, accidents) are whole; a glide-path
    threshold of a count (36.8) has one decimal. Any other indicator has three significant
    digits of its target (``max: 0.01`` → 4 decimals, ``max: 1.35`` → 2), or, without a
    number to go by (a decline, a cap of 0), of ``reference`` (e.g. its baseline value).
    """
    if facts is None:
        return GENERIC
    if facts.get("decimals") is not None:
        decimals = int(facts["decimals"])
        return Precision(decimals, decimals)
    target = facts.get("target") or {}
    kind = target.get("kind")
    if facts.get("count"):
        whole = kind in ("yoy_decline",) or (
            kind in ("max", "min") and float(target["value"]).is_integer()
        )
        return Precision(0, 0 if whole else 1)
    scale = target.get("value") if kind in ("max", "min") and target.get("value") else reference
    if scale is None or not math.isfinite(float(scale)) or float(scale) == 0:
        return GENERIC
    decimals = _SIGNIFICANT - 1 - math.floor(math.log10(abs(float(scale))))
    decimals = min(max(decimals, 0), _MAX_DECIMALS)
    return Precision(decimals, decimals)


def fmt_number(value: Number, digits: int = 4) -> str:
    """A number without an indicator's precision: whole numbers plain, others to about
    ``digits`` significant digits (at least two decimals), trailing zeros dropped.

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


def _decimal(value: float | int) -> Decimal:
    """The number as people wrote it: the shortest decimal that reads back as the float."""
    return Decimal(value) if type(value) is int else Decimal(repr(float(value)))


def fmt_fixed(value: Number, decimals: int | None) -> str:
    """``value`` with exactly ``decimals`` decimals, rounded half up (四舍五入); "—" for
    None or NaN; :func:`fmt_number` when ``decimals`` is None."""
    if decimals is None:
        return fmt_number(value)
    if value is None or value != value:
        return "—"
    if not -LARGE < value < LARGE:  # 1e300 to 2 places would be 303 digits
        return _scientific(value, 4)
    if type(value) is int and decimals == 0:
        return str(value)
    if type(value) is float and decimals < len(_FIXED):
        # The float's own rounding gives the same digits as rounding its shortest decimal
        # form, unless that form sits exactly on a tie (2.675 to 2 places): the shortest
        # form is the shortest text in the float's interval, so no shorter tie lies
        # between the two.
        shown = repr(value)
        point = shown.find(".")
        if not (shown.endswith("5") and point >= 0 and len(shown) - point - 2 == decimals):
            text = format(value, _FIXED[decimals])
            return text[1:] if text[0] == "-" and not text.strip("-0.") else text
    quantum = _QUANTUM[decimals] if decimals < len(_QUANTUM) else Decimal(1).scaleb(-decimals)
    rounded = _decimal(value).quantize(quantum, ROUND_HALF_UP, context=_WIDE)
    text = format(rounded, "f")
    return text[1:] if text.startswith("-") and not rounded else text  # never "-0.00"


def _reads_equal(a: str, b: str) -> bool:
    return a == b or (a != "—" and b != "—" and Decimal(a) == Decimal(b))


def fmt_pair(value: Number, threshold: Number, precision: Precision = GENERIC) -> tuple[str, str]:
    """Value and threshold, with enough digits that unequal numbers never look equal."""
    if precision.value is None or precision.threshold is None:
        for digits in range(4, 17):
            v, t = fmt_number(value, digits), fmt_number(threshold, digits)
            if v != t or value == threshold or value is None or threshold is None:
                return v, t
        return fmt_number(value, 17), fmt_number(threshold, 17)
    v, t = fmt_fixed(value, precision.value), fmt_fixed(threshold, precision.threshold)
    if value is None or threshold is None or value == threshold or not _reads_equal(v, t):
        return v, t
    # Rounded at the first digit of their difference, two numbers still differ, in the
    # same direction: rounding is monotonic, and a step of the grid moves a number by one.
    difference = abs(_decimal(value) - _decimal(threshold))
    decimals = max(precision.value, precision.threshold, -difference.adjusted())
    return fmt_fixed(value, decimals), fmt_fixed(threshold, decimals)


def fmt_gap(gap: Number, decimals: int | None = None) -> str:
    """A gap with its sign; a gap that is not zero never reads as 0."""
    if gap is None or gap != gap:
        return "—"
    if decimals is None:
        text = fmt_number(gap)
    else:
        text = fmt_fixed(gap, decimals)
        if gap and not Decimal(text):  # shown to its first digit, never as 0
            text = fmt_fixed(gap, max(decimals, -_decimal(gap).adjusted()))
    return text if text.startswith("-") or not Decimal(text) else f"+{text}"


def fmt_pct(value: Number, decimals: int = 1) -> str:
    """A percentage as offices write it, without its sign: ``decimals`` places, rounded
    half up (四舍五入) from the number's shortest decimal text: 12.5 → "12.5"; "—" for None."""
    return fmt_fixed(None if value is None else abs(value), decimals)


def exact_number(value: Number, digits: int = 12) -> int | Decimal | None:
    """The number to store in a spreadsheet cell: ``digits`` significant digits of its
    shortest decimal form, so a cell never holds float noise (0.1 + 0.2 is 0.3, not
    0.30000000000000004) and still tells 0.0100000001 from 0.01."""
    if value is None or value != value or value in (math.inf, -math.inf):
        return None
    if type(value) is int:
        return value
    number = _decimal(value)
    if not number:
        return 0
    exponent = number.adjusted() - digits + 1
    rounded = number.quantize(Decimal(1).scaleb(exponent), ROUND_HALF_UP).normalize()
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return rounded


def _fixed_column(values: Sequence[Number], decimals: int | None) -> list[str]:
    """:func:`fmt_fixed` of each value, each distinct value once where values repeat."""
    from safeplan.render.batch import _repetitive

    fmt = functools.partial(fmt_fixed, decimals=decimals)
    return _format_each(values, fmt) if _repetitive(values) else list(map(fmt, values))


def _pair_columns(
    values: Sequence[Number],
    thresholds: Sequence[Number],
    precisions: Sequence[Precision] | None = None,
) -> tuple[list[str], list[str]]:
    """:func:`fmt_pair` of each value and threshold (with each row's precision)."""
    if precisions is None:
        value_texts = _format_each(values, fmt_number)
        threshold_texts = _format_each(thresholds, fmt_number)
        precisions = [GENERIC] * len(values)
    elif len(set(precisions)) == 1:  # one indicator: a column of one precision
        value_texts = _fixed_column(values, precisions[0].value)
        threshold_texts = _fixed_column(thresholds, precisions[0].threshold)
    else:
        value_texts = _format_each(
            zip(values, (p.value for p in precisions), strict=True),
            lambda pair: fmt_fixed(*pair),
        )
        threshold_texts = _format_each(
            zip(thresholds, (p.threshold for p in precisions), strict=True),
            lambda pair: fmt_fixed(*pair),
        )
    # Unequal numbers that read the same need more digits: fmt_pair finds how many. With
    # as many decimals on both sides, reading the same is being the same text.
    same_decimals = all(p.value == p.threshold for p in set(precisions))
    same = map(operator.eq if same_decimals else _reads_equal, value_texts, threshold_texts)
    for i in compress(range(len(values)), same):
        if values[i] != thresholds[i]:
            value_texts[i], threshold_texts[i] = fmt_pair(values[i], thresholds[i], precisions[i])
    return value_texts, threshold_texts


def fmt_signed_pct(value: float | int | None, decimals: int = 1) -> str:
    """A change in percent with its sign, e.g. ``-12.5%``, ``+3.0%``; "—" for ``None``."""
    if value is None or value != value:
        return "—"
    text = fmt_pct(value, decimals)
    if float(text) == 0:
        return f"{text}%"
    return f"{'-' if value < 0 else '+'}{text}%"


__all__ = [
    "GENERIC",
    "Precision",
    "exact_number",
    "fmt_fixed",
    "fmt_gap",
    "fmt_number",
    "fmt_pair",
    "fmt_pct",
    "fmt_signed_pct",
    "precision",
]
