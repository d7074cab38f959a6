"""Accident classes of 国务院令第493号 (第三条), vectorised.

An accident takes the highest class that **any one** of its three measures reaches:

==============  ========  ================  ==========================
class           deaths    serious injuries  direct loss (万元)
==============  ========  ================  ==========================
特别重大         ≥ 30      ≥ 100             ≥ 10 000 (1 亿元)
重大             10 – 29   50 – 99           5 000 ≤ x < 10 000
较大             3 – 9     10 – 49           1 000 ≤ x < 5 000
一般             < 3       < 10              < 1 000
==============  ========  ================  ==========================

"以上"包括本数，"以下"不包括本数: a value equal to a bound reaches the higher class.

Losses arrive as the original decimal text of each cell and are compared with the bounds
exactly: a float decides every value that is clearly away from a bound, and the few values
whose float is unsure (:func:`safeplan.domain.exact.unsure`) are decided again with
:class:`decimal.Decimal` of the text (``"999.9999999999999999999"`` parses to the float
``1000.0`` but is 一般).

Everything here is pure: arrays in, arrays out, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from typing import TYPE_CHECKING, Final, Literal

from safeplan.domain.exact import decimal_of, unsure

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "CLASSES",
    "CLASS_MASKS",
    "CLASS_NAMES_EN",
    "CLASS_NAMES_ZH",
    "CLASS_NAME_EN",
    "CLASS_NAME_ZH",
    "DEATH_BOUNDS",
    "ESPECIALLY_MAJOR",
    "GENERAL",
    "INJURY_BOUNDS",
    "LARGER",
    "LOSS_BOUNDS",
    "LOSS_UNITS",
    "MAJOR",
    "MEASURES",
    "MEASURE_LABEL_EN",
    "MEASURE_LABEL_ZH",
    "MEASURE_UNIT_EN",
    "MEASURE_UNIT_ZH",
    "Classification",
    "classify",
    "describe",
    "describe_all",
    "loss_in_wan",
]


CLASSES: Final = ("general", "larger", "major", "especially_major")
"""Class keys; a class's code is its index here (0 = 一般 … 3 = 特别重大)."""


GENERAL: Final = 0
"""Code of 一般 (general)."""


LARGER: Final = 1
"""Code of 较大 (larger)."""


MAJOR: Final = 2
"""Code of 重大 (major)."""


ESPECIALLY_MAJOR: Final = 3
"""Code of 特别重大 (especially major)."""


CLASS_NAMES_ZH: Final = ("一般", "较大", "重大", "特别重大")
"""Chinese class names, indexed by code."""


CLASS_NAMES_EN: Final = ("general", "larger", "major", "especially major")
"""English class names, indexed by code."""


CLASS_NAME_ZH: Final[Mapping[str, str]] = dict(zip(CLASSES, CLASS_NAMES_ZH, strict=True))
"""Class key → Chinese name."""


CLASS_NAME_EN: Final[Mapping[str, str]] = dict(zip(CLASSES, CLASS_NAMES_EN, strict=True))
"""Class key → English name."""


MEASURES: Final = ("deaths", "serious_injuries", "direct_loss")
"""Measure keys, in the order the regulation lists them."""


MEASURE_LABEL_ZH: Final[Mapping[str, str]] = {
    "deaths": "死亡人数",
    "serious_injuries": "重伤人数",
    "direct_loss": "直接经济损失",
}
"""Measure key → Chinese label (as used in column headers)."""


MEASURE_LABEL_EN: Final[Mapping[str, str]] = {
    "deaths": "deaths",
    "serious_injuries": "serious injuries",
    "direct_loss": "direct economic loss",
}
"""Measure key → English label."""


MEASURE_UNIT_ZH: Final[Mapping[str, str]] = {
    "deaths": "人",
    "serious_injuries": "人",
    "direct_loss": "万元",
}
"""Measure key → Chinese unit."""


MEASURE_UNIT_EN: Final[Mapping[str, str]] = {
    "deaths": "persons",
    "serious_injuries": "persons",
    "direct_loss": "10k yuan",
}
"""Measure key → English unit (losses are in 万元 = 10 000 yuan)."""


DEATH_BOUNDS: Final = (3, 10, 30)
"""Lowest number of deaths of 较大, 重大 and 特别重大."""


INJURY_BOUNDS: Final = (10, 50, 100)
"""Lowest number of serious injuries of 较大, 重大 and 特别重大."""


LOSS_BOUNDS: Final = (Decimal(1000), Decimal(5000), Decimal(10000))
"""Lowest direct loss in 万元 of 较大, 重大 and 特别重大 (1 亿元 = 10 000 万元)."""


LOSS_UNITS: Final[Mapping[str, int]] = {"万元": 0, "元": -4, "亿元": 4}
"""Units a direct-loss header may carry, as the power of ten that turns them into 万元
(元 ÷ 10 000, 亿元 × 10 000); a header without a unit is in 万元."""


_BOUNDS: Final[Mapping[str, tuple[int, ...] | tuple[Decimal, ...]]] = {
    "deaths": DEATH_BOUNDS,
    "serious_injuries": INJURY_BOUNDS,
    "direct_loss": LOSS_BOUNDS,
}


def loss_in_wan(text: str, exponent: int) -> str:
    """A loss's decimal text converted exactly into 万元: ``loss_in_wan("12345", -4)`` is
    ``"1.2345"``, ``loss_in_wan("1.2", 4)`` is ``"12000"``. No float is involved."""
    from decimal import localcontext

    with localcontext() as context:
        context.prec = 1000  # scaleb rounds to the context's precision: never here
        value = decimal_of(text).scaleb(exponent)
    shown = format(value, "f")
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return "0" if shown in ("", "-0") else shown


# Short labels for sentences ("死亡 3 人"), where the column-header labels read stiffly.
_SHORT_ZH: Final[Mapping[str, str]] = {
    "deaths": "死亡",
    "serious_injuries": "重伤",
    "direct_loss": "直接经济损失",
}


_SHORT_EN: Final[Mapping[str, str]] = {
    "deaths": "deaths",
    "serious_injuries": "serious injuries",
    "direct_loss": "direct loss",
}


@dataclass(frozen=True, eq=False)
class Classification:
    """The class of each accident and the class each of its measures reaches on its own.

    All arrays are ``int8`` codes 0..3 (indexes of :data:`CLASSES`) of the same length;
    ``code`` is the element-wise maximum of the three ``by_*`` arrays, so a measure
    "decided" a record's class when its ``by_*`` value equals ``code``.
    """

    code: npt.NDArray[np.int8]
    """The class of each accident: the highest class any one measure reaches."""
    by_deaths: npt.NDArray[np.int8]
    """The class the number of deaths alone reaches."""
    by_injuries: npt.NDArray[np.int8]
    """The class the number of serious injuries alone reaches."""
    by_loss: npt.NDArray[np.int8]
    """The class the direct economic loss alone reaches."""

    def __len__(self) -> int:
        """Number of records classified."""
        return len(self.code)

    def counts(self) -> dict[str, int]:
        """Number of records in each class, keyed by :data:`CLASSES`."""
        import numpy as np

        found = np.bincount(self.code, minlength=len(CLASSES))
        return {key: int(n) for key, n in zip(CLASSES, found, strict=True)}


def classify(
    deaths: npt.ArrayLike,
    serious_injuries: npt.ArrayLike,
    direct_loss: npt.NDArray[np.object_] | Sequence[str] | Callable[[int], str],
    *,
    loss_values: npt.NDArray[np.float64] | None = None,
) -> Classification:
    """Classify accidents by 国务院令第493号 第三条.

    ``deaths`` and ``serious_injuries`` are integer arrays of non-negative counts;
    ``direct_loss`` holds the original decimal text of each loss cell in 万元 (blank already
    replaced by ``"0"``), e.g. ``"999.99"``, ``"1e3"``, ``" 5000 "``. Losses are compared
    with the bounds exactly (see the module docstring); the work is vectorised, with a
    per-value :class:`~decimal.Decimal` only for the few losses next to a bound.

    Raises :class:`ValueError` when the arrays differ in length, are not one-dimensional,
    hold non-integer or negative counts, or a loss that is not a finite non-negative number.
    """
    classification, _ = _classify(deaths, serious_injuries, direct_loss, loss_values)
    return classification


def describe(
    code: int,
    deaths: int,
    injuries: int | None,
    loss_text: str | None,
    *,
    lang: Literal["zh", "en"] = "zh",
) -> str:
    """Say why one accident has class ``code``, naming each measure that decided it.

    For 较大 and above, every measure that reaches the class is named with the bound it
    met, joined with "；" (``"; "`` in English)::

        重大: 直接经济损失 5000 万元 ≥ 5000
        major: direct loss 5000 (10k yuan) ≥ 5000

    For 一般, every measure is named with the bound of 较大 it stays below::

        一般: 死亡 1 人 < 3，重伤 0 人 < 10，直接经济损失 12.5 万元 < 1000

    The loss is shown as given (whitespace stripped), never as a float. A measure that was
    not recorded (``injuries`` ``None``, ``loss_text`` ``None`` or blank) decides nothing
    and is named as not recorded, never as 0::

        一般: 死亡 1 人 < 3，重伤 0 人 < 10（直接经济损失未填报）

    Raises :class:`ValueError` when ``code`` is not the class the measures give, or
    ``lang`` is neither ``"zh"`` nor ``"en"``.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    text = "" if loss_text is None else str(loss_text).strip()
    recorded = {
        "deaths": True,
        "serious_injuries": injuries is not None,
        "direct_loss": bool(text),
    }
    values: dict[str, int | Decimal] = {
        "deaths": int(deaths),
        "serious_injuries": int(injuries) if injuries is not None else 0,
        "direct_loss": _exact(text) if text else Decimal(0),
    }
    shown = {
        "deaths": str(int(deaths)),
        "serious_injuries": str(int(injuries)) if injuries is not None else "",
        "direct_loss": text,
    }
    reached = {m: _level(values[m], _BOUNDS[m]) for m in MEASURES}
    actual = max(reached.values())
    if int(code) != actual:
        raise ValueError(
            f"code {int(code)} does not match the measures "
            f"(deaths={int(deaths)}, serious_injuries={injuries}, direct_loss={text!r} "
            f"give {actual})"
        )
    named = tuple(recorded[m] if actual == GENERAL else reached[m] == actual for m in MEASURES)
    missing = tuple(not recorded[m] for m in MEASURES)
    pieces = _reason_template(actual, named, missing, lang)
    return "".join(shown[MEASURES[p]] if isinstance(p, int) else p for p in pieces)


def describe_all(
    classification: Classification,
    deaths: npt.NDArray[np.int64],
    injuries: npt.NDArray[np.int64],
    injuries_recorded: npt.NDArray[np.bool_],
    loss_codes: npt.NDArray[np.int64],
    loss_texts: Sequence[str],
    *,
    lang: Literal["zh", "en"] = "zh",
) -> tuple[npt.NDArray[np.int64], list[str]]:
    """:func:`describe` of many accidents at once: each accident's code into the distinct
    reasons, ``reasons[codes[i]]`` being ``describe`` of accident ``i``.

    The losses come coded too: ``loss_texts[loss_codes[i]]`` is accident ``i``'s loss as
    text, stripped of whitespace, ``""`` where it was not recorded; ``injuries_recorded``
    says whether each number of serious injuries was. The classes come from
    ``classification`` (of the same accidents), not from the values again. Each distinct
    accident (class, measures named and not recorded, values) is described once, by the
    template :func:`describe` uses, filled in column by column.
    """
    import numpy as np
    import pandas as pd

    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    size = len(classification)
    losses = np.empty(len(loss_texts), dtype=object)
    losses[:] = list(loss_texts)
    loss_codes = np.asarray(loss_codes, dtype=np.int64)
    code = classification.code
    recorded = (
        np.ones(size, dtype=bool),
        np.asarray(injuries_recorded, dtype=bool),
        (losses != "")[loss_codes] if size else np.zeros(0, dtype=bool),
    )
    reached = (classification.by_deaths, classification.by_injuries, classification.by_loss)
    general = code == GENERAL
    named = [
        np.where(general, r, level == code) for r, level in zip(recorded, reached, strict=True)
    ]
    shape = code.astype(np.int64) << 6
    for k in range(len(MEASURES)):
        shape |= named[k].astype(np.int64) << (3 + k)
        shape |= (~recorded[k]).astype(np.int64) << k
    # The distinct accidents as far as their reason goes: shape and values.
    coded = [_small_codes(deaths), _small_codes(injuries), (loss_codes, np.arange(len(losses)))]
    values = [
        np.array([str(v) for v in coded[0][1].tolist()], dtype=object),
        np.array([str(v) for v in coded[1][1].tolist()], dtype=object),
        losses,
    ]
    key = shape
    for part_codes, distinct in coded:
        key = pd.factorize(key * len(distinct) + part_codes)[0].astype(np.int64)
    count = int(key.max()) + 1 if size else 0
    one = np.zeros(count, dtype=np.int64)
    one[key] = np.arange(size)  # an accident of each kind: they all read alike
    parts = [part_codes[one] for part_codes, _ in coded]
    kinds = shape[one]
    reasons = np.empty(count, dtype=object)
    for kind in np.flatnonzero(np.bincount(kinds, minlength=1)).tolist():
        rows = np.flatnonzero(kinds == kind)
        template = _reason_template(
            kind >> 6,
            tuple(bool(kind >> (3 + k) & 1) for k in range(len(MEASURES))),
            tuple(bool(kind >> k & 1) for k in range(len(MEASURES))),
            lang,
        )
        columns = [
            repeat(p) if isinstance(p, str) else values[p][parts[p][rows]].tolist()
            for p in template
        ]
        texts = np.empty(len(rows), dtype=object)
        texts[:] = list(map("".join, zip(*columns, strict=False)))  # repeat() is endless
        reasons[rows] = texts
    result: list[str] = reasons.tolist()
    return key, result


def _small_codes(
    values: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(code of each value, distinct values): counts of people are small numbers, which
    serve as their own codes; others are factorized."""
    import numpy as np
    import pandas as pd

    values = np.asarray(values, dtype=np.int64)
    if not len(values) or (values.min() >= 0 and values.max() < 1 << 16):
        return values, np.arange(int(values.max()) + 1 if len(values) else 0)
    codes, distinct = pd.factorize(values)
    return codes.astype(np.int64), np.asarray(distinct, dtype=np.int64)


def _reason_template(
    code: int, named: tuple[bool, ...], missing: tuple[bool, ...], lang: str
) -> list[str | int]:
    """The reason of one shape of accident as text pieces and measure slots.

    An ``int`` in the list stands for the value of ``MEASURES[i]`` as shown; ``named`` says
    which measures the reason names (those that reach the class; for 一般, those recorded),
    ``missing`` which were not recorded.
    """
    relation, level = ("<", 0) if code == GENERAL else ("≥", code - 1)
    parts: list[list[str | int]] = []
    for k, measure in enumerate(MEASURES):
        if not named[k]:
            continue
        if lang == "zh":
            label, unit = _SHORT_ZH[measure], f" {MEASURE_UNIT_ZH[measure]}"
        else:
            label = _SHORT_EN[measure]
            unit = f" ({MEASURE_UNIT_EN[measure]})" if measure == "direct_loss" else ""
        parts.append([f"{label} ", k, f"{unit} {relation} {_BOUNDS[measure][level]}"])
    if code == GENERAL:
        sep = "，" if lang == "zh" else ", "
    else:
        sep = "；" if lang == "zh" else "; "
    name = (CLASS_NAMES_ZH if lang == "zh" else CLASS_NAMES_EN)[code]
    pieces: list[str | int] = [f"{name}: "]
    for i, part in enumerate(parts):
        pieces += ([sep] if i else []) + part
    absent = [m for k, m in enumerate(MEASURES) if missing[k]]
    if absent and lang == "zh":
        pieces.append("（" + "、".join(_SHORT_ZH[m] for m in absent) + "未填报）")
    elif absent:
        pieces.append(" (" + ", ".join(_SHORT_EN[m] for m in absent) + " not recorded)")
    merged: list[str | int] = []
    for piece in pieces:  # adjacent text in one piece: fewer joins per record
        if merged and isinstance(piece, str) and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _classify(
    deaths: npt.ArrayLike,
    serious_injuries: npt.ArrayLike,
    direct_loss: npt.NDArray[np.object_] | Sequence[str] | Callable[[int], str],
    loss_values: npt.NDArray[np.float64] | None = None,
) -> tuple[Classification, npt.NDArray[np.float64]]:
    """:func:`classify`, also returning the losses as float64 for totals.

    With ``loss_values`` (the losses already parsed to floats), ``direct_loss`` may be a
    function giving the text of record ``i``: only the few records near a bound ask for it.
    """
    import numpy as np
    import pandas as pd

    deaths_arr = _integers(deaths, "deaths")
    injuries_arr = _integers(serious_injuries, "serious_injuries")
    if loss_values is not None and callable(direct_loss):
        text_of = direct_loss
        size = len(loss_values)
    else:
        texts = np.asarray(direct_loss, dtype=object)
        if texts.ndim != 1:
            raise ValueError("direct_loss must be one-dimensional")

        def text_of(i: int) -> str:
            return str(texts[i])

        size = len(texts)
    if not len(deaths_arr) == len(injuries_arr) == size:
        raise ValueError(
            f"deaths, serious_injuries and direct_loss differ in length "
            f"({len(deaths_arr)}, {len(injuries_arr)}, {size})"
        )
    for name, arr in (("deaths", deaths_arr), ("serious_injuries", injuries_arr)):
        if (arr < 0).any():
            raise ValueError(f"{name} must be non-negative")

    by_deaths = _levels(deaths_arr, DEATH_BOUNDS)
    by_injuries = _levels(injuries_arr, INJURY_BOUNDS)

    if loss_values is not None:
        loss = np.array(loss_values, dtype=np.float64)
    else:
        loss = np.asarray(pd.to_numeric(texts, errors="coerce"), dtype=np.float64)
    by_loss = _levels(loss, tuple(float(b) for b in LOSS_BOUNDS))
    # The float is only trusted away from the bounds: a text such as
    # "999.9999999999999999999" rounds to 1000.0, and the parser may itself be off by an
    # ulp. Near a bound, or where pandas could not parse, the Decimal of the text decides.
    near = ~np.isfinite(loss)
    for bound in LOSS_BOUNDS:
        near |= unsure(loss, float(bound))
    for i in np.flatnonzero(near).tolist():
        exact = _exact(text_of(i))
        by_loss[i] = _level(exact, LOSS_BOUNDS)
        loss[i] = float(exact)
    if (loss < 0).any():
        raise ValueError("direct_loss must be non-negative")

    code = np.maximum(np.maximum(by_deaths, by_injuries), by_loss)
    return Classification(code, by_deaths, by_injuries, by_loss), loss


def _integers(values: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    """``values`` as a one-dimensional int64 array, or :class:`ValueError`."""
    import numpy as np

    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, not {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _levels(
    values: npt.NDArray[np.int64] | npt.NDArray[np.float64],
    bounds: tuple[int, int, int] | tuple[float, ...],
) -> npt.NDArray[np.int8]:
    """How many of the ascending ``bounds`` each value reaches (≥), as int8 codes."""
    import numpy as np

    level = np.zeros(len(values), dtype=np.int8)
    for bound in bounds:
        level += values >= bound
    return level


def _level(value: int | Decimal, bounds: tuple[int, ...] | tuple[Decimal, ...]) -> int:
    """How many of the ascending ``bounds`` one value reaches (≥)."""
    return sum(1 for bound in bounds if value >= bound)


def _exact(text: object) -> Decimal:
    """The Decimal of one loss cell, which must be a finite non-negative number."""
    try:
        value = decimal_of(text)
    except ValueError as exc:
        raise ValueError(f"direct_loss {exc}") from None
    if value < 0:
        raise ValueError(f"direct_loss {text!r} must be non-negative")
    return value


#: The classes (codes) each derived class-count column counts.
CLASS_MASKS = {
    "general": (0,),
    "larger": (1,),
    "major": (2,),
    "especially_major": (3,),
    "major_or_above": (2, 3),
    "larger_or_above": (1, 2, 3),
}
