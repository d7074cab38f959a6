"""The target formulas, each written once.

Every function works on plain numbers, on :class:`~fractions.Fraction` (the exact pass)
and on numpy arrays (the float pass over every region and year) alike: the float pass and
the exact pass compute the same formula, and :func:`safeplan.domain.exact.unsure` decides
which of them a status is taken from.
"""

from __future__ import annotations

from typing import Any, Literal

from safeplan.domain.exact import finite_float

__all__ = [
    "TargetKind",
    "binds_every_region",
    "elapsed_years",
    "final_threshold",
    "glide",
    "glide_gap",
    "met",
    "projection",
    "required_change_pct",
]

TargetKind = Literal["max", "min", "decline_pct", "yoy_decline"]


def binds_every_region(kind: TargetKind, number: Any, rate: bool) -> bool:
    """Whether a plan-wide target binds each region as written, or the whole plan only.

    Rates, ``decline_pct``, ``yoy_decline`` and ``max: 0`` (杜绝, 不发生) hold for every
    region. Any other ``max``/``min`` on a count or an amount is a control figure for the
    whole plan (死亡人数控制在 40 人以内): it is not handed down to each region, which is
    judged against a cap of its own only where the plan gives it one.
    """
    if rate or kind in ("decline_pct", "yoy_decline"):
        return True
    return kind == "max" and number == 0


def elapsed_years(year: Any, baseline: int, target_year: int) -> Any:
    """Years from the baseline, clipped to [0, target_year − baseline] (numbers or arrays)."""
    span = target_year - baseline
    elapsed = year - baseline
    if hasattr(elapsed, "clip"):
        return elapsed.clip(0, span)
    return min(max(elapsed, 0), span)


def glide(base: Any, pct: Any, elapsed: Any, span: int) -> Any:
    """The glide-path threshold B × (1 − P/100 × f), f = elapsed ÷ span.

    Written as B × (100·span − P·elapsed) ÷ (100·span): one rounding at the end in floats,
    so 125 × (500 − 40) ÷ 500 is exactly 115.0; exact with fractions. ``elapsed = span``
    gives the final threshold B × (1 − P/100).
    """
    return base * (100 * span - pct * elapsed) / (100 * span)


def glide_gap(value: Any, base: Any, pct: Any, elapsed: Any, span: int) -> Any:
    """value − :func:`glide` threshold, over one denominator:
    (value × 100·span − B × (100·span − P·elapsed)) ÷ (100·span).

    With whole numbers (counts, whole percentages) the numerator is exact in floats and the
    one division rounds once: 20 against the 17.64 of 18 × (1 − 10 % × 1/5 × … ) is 2.36,
    not 2.3599999999999994. Exact with fractions."""
    denominator = 100 * span
    return (value * denominator - base * (denominator - pct * elapsed)) / denominator


def met(kind: TargetKind, value: Any, threshold: Any) -> Any:
    """Whether ``value`` meets ``threshold`` under a target of ``kind``.

    ``max`` and ``decline_pct``: value ≤ threshold ("以内" includes the bound); ``min``:
    value ≥ threshold; ``yoy_decline``: value < threshold (last year's value), or value = 0
    (zero cannot decline further). Element-wise on arrays.
    """
    if kind == "min":
        return value >= threshold
    if kind == "yoy_decline":
        return (value < threshold) | (value == 0)
    return value <= threshold


def final_threshold(kind: TargetKind, number: Any, base: Any, span: int) -> Any:
    """The threshold in the target year: X for ``max``/``min``, B × (1 − P/100) for
    ``decline_pct`` (the glide path at its end); ``None`` for ``yoy_decline``."""
    if kind in ("max", "min"):
        return number
    if kind == "decline_pct":
        return glide(base, number, span, span)
    return None


def projection(latest: Any, base: Any, latest_year: Any, baseline: Any, target_year: int) -> Any:
    """The straight line through the baseline and the latest value, at the target year:
    v_L + (v_L − v_B) × (T − L) ÷ (L − B). The caller makes sure L > B."""
    return latest + (latest - base) * (target_year - latest_year) / (latest_year - baseline)


def required_change_pct(final: Any, latest: Any, years_left: Any) -> Any:
    """The constant yearly change in percent that takes ``latest`` to ``final`` in
    ``years_left`` years: ((F ÷ v_L)^(1 ÷ n) − 1) × 100.

    Undefined — ``None``, or NaN in an array — where no years are left, v_L = 0 or F ≤ 0.
    On numbers (fractions too: F ÷ v_L is taken exactly) or element-wise on float arrays.
    """
    import numpy as np

    if isinstance(latest, np.ndarray):
        with np.errstate(all="ignore"):
            ratio = final / latest
            pace = _pace(ratio, np.maximum(years_left, 1))
            # One year left: no root to take, (F − v_L) ÷ v_L × 100 rounds once (−10, not
            # −9.999999999999998 for 90 after 100).
            pace = np.where(years_left == 1, (final - latest) / latest * 100, pace)
        defined = (years_left > 0) & (latest != 0) & (final > 0) & (ratio > 0)
        return np.where(defined, pace, np.nan)
    if years_left <= 0 or latest == 0 or final <= 0:
        return None
    ratio = final / latest
    if years_left == 1:  # exact with fractions, then one rounding
        return finite_float((ratio - 1) * 100)
    floating = finite_float(ratio) if ratio > 0 else None  # None: beyond the float range
    return float(_pace(floating, years_left)) if floating else None


def _pace(ratio: Any, years: Any) -> Any:
    import numpy as np

    return (np.power(ratio, 1 / years) - 1) * 100
