"""The 指标完成情况表 and the 分地区 table, as every output shows them.

:func:`completion` gives the rows of the 指标完成情况表 offices use — 序号, 指标名称, 单位,
指标属性, 基期值, 规划目标值, 序时进度要求, 本年实际值, 较基期变化, 完成情况 — for the whole
plan (or one region); :func:`region_table` the regions × indicators table of the same
year. Both carry the numbers and the texts, so the terminal, Markdown, CSV, the workbook,
the HTML and the Word report show the same words and digits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safeplan.render.labels import (
    LABELS,
    attribute_text,
    change_text,
    target_text,
    threshold_text,
    whole_label,
    with_unit,
)
from safeplan.render.numbers import GENERIC, Precision, _pair_columns, fmt_fixed, precision

if TYPE_CHECKING:
    from safeplan.evaluate.results import Result

#: The columns of the 指标完成情况表, in order (keys of :data:`~safeplan.render.labels.LABELS`).
COMPLETION_KEYS = (
    "seq",
    "name",
    "unit",
    "attribute",
    "baseline_value",
    "plan_target",
    "progress",
    "actual",
    "change",
    "result",
)
#: Which of them hold numbers (right-aligned in every table).
NUMERIC_KEYS = frozenset({"seq", "baseline_value", "progress", "actual", "change"})

_MARKS = {"met": "", "missed": " ✗", "no_data": "", "no_target": " ○"}


@dataclass(frozen=True)
class Line:
    """One indicator's row of the 指标完成情况表: the result, and its cells as text."""

    seq: int
    result: Result
    facts: Mapping[str, Any]
    precision: Precision
    final: float | None
    """The plan's target for the target year (X, or B × (1 − P/100)); None for yoy."""
    texts: dict[str, str]
    """The cell of each of :data:`COMPLETION_KEYS`."""

    @property
    def unit(self) -> str | None:
        """The indicator's unit, if the plan gives one."""
        unit = self.facts.get("unit")
        return str(unit) if unit else None


@dataclass(frozen=True)
class RegionTable:
    """Regions × indicators in one year: each region's value of each indicator, marked."""

    regions: list[str]
    lines: list[Line]
    """The indicators (their whole-plan lines, for names, units and precisions)."""
    cells: list[list[str]]
    """Column by column (one per indicator), the value of each region and its mark."""
    statuses: list[list[str]]
    """Column by column, each region's status."""
    results: list[list[Result | None]]
    """Column by column, each region's result (None where the indicator has none)."""
    missed: list[int]
    """How many indicators each region missed."""


def precisions(
    results: Sequence[Result], indicators: Mapping[str, Mapping[str, Any]]
) -> dict[str, Precision]:
    """Each indicator's :class:`Precision`, the same in every output: from its facts, and,
    where those give no scale, from its whole-plan baseline value (else its first value)."""
    reference: dict[str, float | int] = {}
    for r in results:
        if r.region is None or r.id not in reference:
            chosen = r.baseline_value or r.value
            if chosen:
                reference[r.id] = chosen
    ids = dict.fromkeys(r.id for r in results)
    return {i: precision(indicators.get(i), reference.get(i)) for i in ids}


def _final(result: Result, facts: Mapping[str, Any]) -> float | None:
    from safeplan.domain.targets import glide

    target = result.target
    if target is None:  # no target binds this region
        return None
    kind = target["kind"]
    if kind in ("max", "min"):
        return float(target["value"])
    if kind == "decline_pct" and result.baseline_value is not None:
        return float(glide(result.baseline_value, float(target["value"]), 1, 1))
    return None


def completion(
    results: Sequence[Result],
    indicators: Mapping[str, Mapping[str, Any]],
    plan: Mapping[str, Any],
    lang: str,
    *,
    region: str | None = None,
    precision_of: Mapping[str, Precision] | None = None,
) -> list[Line]:
    """The rows of the 指标完成情况表 for ``region`` (None: the whole plan), one per
    indicator in plan order."""
    labels = LABELS[lang]
    chosen = [r for r in results if r.region == region]
    precision_of = precision_of or precisions(results, indicators)
    values, thresholds = _pair_columns(
        [r.value for r in chosen],
        [r.threshold for r in chosen],
        [precision_of.get(r.id, GENERIC) for r in chosen],
    )
    lines = []
    for seq, (r, value, threshold) in enumerate(zip(chosen, values, thresholds, strict=True), 1):
        facts = indicators.get(r.id, {})
        p = precision_of.get(r.id, GENERIC)
        final = _final(r, facts)
        target = r.target or {}
        kind = str(target.get("kind", ""))
        baseline_year = int(target.get("baseline_year") or plan["baseline_year"])
        shown_final = None
        if kind == "decline_pct" and final is not None:
            shown_final = fmt_fixed(final, p.threshold)
        unchanged = r.value is not None and r.baseline_value == r.value
        texts = {
            "seq": str(seq),
            "name": r.name,
            "unit": str(facts.get("unit") or "—"),
            "attribute": attribute_text(facts.get("attribute"), lang),
            "baseline_value": fmt_fixed(r.baseline_value, p.value),
            "plan_target": target_text(r.target, baseline_year, lang, final=shown_final),
            "progress": threshold_text(kind, threshold, lang),
            "actual": value,
            "change": change_text(r.change_pct, lang, unchanged=unchanged),
            "result": labels[r.status],
        }
        lines.append(Line(seq, r, facts, p, final, texts))
    return lines


def completion_header(lang: str, *, year: int | None = None) -> list[str]:
    """The headers of the 指标完成情况表 (本年实际值 names the year when given)."""
    labels = LABELS[lang]
    header = [labels[key] for key in COMPLETION_KEYS]
    if year is not None and lang == "zh":
        header[COMPLETION_KEYS.index("actual")] = f"{year}年实际值"
    return header


def region_table(
    results: Sequence[Result],
    indicators: Mapping[str, Mapping[str, Any]],
    plan: Mapping[str, Any],
    lang: str,
    *,
    precision_of: Mapping[str, Precision] | None = None,
) -> RegionTable | None:
    """The regions × indicators table of one year's results; None without regions."""
    from safeplan.render.batch import _format_each

    precision_of = precision_of or precisions(results, indicators)
    regional = [r for r in results if r.region is not None]
    if not regional:
        return None
    regions = list(dict.fromkeys(r.region for r in regional if r.region is not None))
    lines = completion(results, indicators, plan, lang, precision_of=precision_of)
    if not lines:  # one region's results (--region): its own table says it all
        return None
    by_id: dict[str, dict[str, Result]] = {}
    for r in regional:
        by_id.setdefault(r.id, {})[r.region] = r  # type: ignore[index]
    cells, statuses, column_results = [], [], []
    missed = [0] * len(regions)
    for line in lines:
        own = by_id.get(line.result.id, {})
        chosen = [own.get(region) for region in regions]
        p = precision_of.get(line.result.id, GENERIC)
        values, _ = _pair_columns(
            [None if r is None else r.value for r in chosen],
            [None if r is None else r.threshold for r in chosen],
            [p] * len(chosen),
        )
        status: list[str] = ["no_data" if r is None else r.status for r in chosen]
        marks = _format_each(status, _MARKS.__getitem__)
        cells.append(list(map(str.__add__, values, marks)))
        statuses.append(status)
        column_results.append(chosen)
        for i, s in enumerate(status):
            if s == "missed":
                missed[i] += 1
    return RegionTable(regions, lines, cells, statuses, column_results, missed)


def region_header(line: Line, lang: str, *, unit: bool = True) -> str:
    """An indicator's header in the 分地区 table: 2.生产安全事故死亡人数（人）."""
    name = f"{line.seq}.{line.result.name}"
    return with_unit(name, line.unit, lang) if unit else name


def where(plan: Mapping[str, Any], region: str | None, lang: str) -> str:
    """The region a table is about: the region, or the whole plan's label."""
    return region if region is not None else whole_label(plan, lang)
