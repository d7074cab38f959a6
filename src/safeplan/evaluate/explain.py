"""``explain``: how one result was computed, down to the file and line of every cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain import targets
from safeplan.domain.classes import CLASS_MASKS
from safeplan.domain.exact import number
from safeplan.evaluate import binding
from safeplan.evaluate.check import baseline_of, evaluate_check, exact_base, exact_value
from safeplan.evaluate.results import Result, _plan_dict
from safeplan.evaluate.series import Series, series

if TYPE_CHECKING:
    from safeplan.ingest.dataset import DataSet
    from safeplan.plan import Plan


@dataclass
class Cell:
    """One source cell behind a value."""

    location: str
    region: str | None
    text: str


@dataclass
class Term:
    """A sum behind a value: numerator, denominator or the column itself."""

    role: str
    ref: str
    file: str
    total: int | float | None
    cells: list[Cell] = field(default_factory=list)
    records: list[int] | None = None
    """For columns derived from accident records: the lines of the records counted."""
    reasons: list[str] = field(default_factory=list)
    """For class counts: why each of those records has its class (国务院令第493号)."""


@dataclass
class Explanation:
    """How one result was computed, with the source rows behind it."""

    result: Result
    plan: dict[str, Any]
    """The plan's name, region label and years (as in every report)."""
    indicator_name: str
    terms: list[Term]
    per: int | float | None
    formula: str
    threshold_steps: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "result": self.result.to_dict(),
            "per": self.per,
            "formula": self.formula,
            "threshold": self.threshold_steps,
            "terms": [
                {
                    "role": t.role,
                    "ref": t.ref,
                    "file": t.file,
                    "total": t.total,
                    "cells": [c.__dict__ for c in t.cells],
                    **({"records": t.records} if t.records is not None else {}),
                    **({"reasons": t.reasons} if t.reasons else {}),
                }
                for t in self.terms
            ],
        }


def explain_result(
    loaded: Plan, data: DataSet, indicator_id: str, year: int, region: str | None = None
) -> Explanation:
    """How an indicator's value and threshold for ``year`` were derived, cell by cell."""
    indicator = loaded.indicator(indicator_id)
    report = evaluate_check(loaded, data, year, region)
    if region is not None and region == loaded.info.region:
        region = None  # the plan's own label names the whole plan
    result = next(r for r in report.results if r.id == indicator_id and r.region == region)
    s = series(indicator, data)
    terms = []
    for part in s.parts(region, year):
        ref = f"{part.dataset.name}.{part.column}"
        exact = part.exact_sum()
        term = Term(
            role=part.role,
            ref=ref,
            file=part.dataset.file,
            total=number(exact) if exact is not None else None,
        )
        derived = part.dataset.derived
        for position in part.positions:
            frame = part.dataset.frame
            where_region = frame["region"].iat[position] if part.dataset.has_region else None
            if derived is not None:
                value = derived.exact(part.column, position)
                term.cells.append(
                    Cell(f"{part.dataset.file} ({part.column})", where_region, str(number(value)))
                )
                picked = derived.select(part.column, year, where_region)
                term.records = (term.records or []) + derived.lines(picked)
                if part.column in CLASS_MASKS:
                    term.reasons += [derived.reason(int(i)) for i in picked[:50]]
            else:
                assert part.dataset.table is not None
                text = part.dataset.table.cell(part.dataset.table_row(position), part.column)
                term.cells.append(
                    Cell(part.dataset.location(position, part.column), where_region, text)
                )
        terms.append(term)
    steps = _threshold_steps(loaded, data, s, region, year)
    per = number(Fraction(indicator.scale)) if indicator.value is None else None
    if indicator.value is not None:
        formula = f"Σ {indicator.value}"
    else:
        formula = f"Σ {indicator.numerator} × {per} ÷ Σ {indicator.denominator}"
    return Explanation(
        result=result,
        plan=_plan_dict(loaded),
        indicator_name=indicator.name,
        terms=terms,
        per=per,
        formula=formula,
        threshold_steps=steps,
    )


def _source_step(
    plan: Plan, data: DataSet, indicator_id: str, region: str | None, year: int, source: str
) -> str:
    """Where the target of this result comes from."""
    if source == "controls":
        assert data.controls is not None
        figure = data.controls.get(indicator_id, region, year)
        assert figure is not None
        return f"目标来自控制指标分解表：{figure.location}"
    return f"目标来自 {plan.display} 中该指标的 regions.{region}"


def _threshold_steps(
    plan: Plan, data: DataSet, s: Series, region: str | None, year: int
) -> list[str]:
    indicator = s.indicator
    target, source = binding.target_for(indicator, region, year, data.controls)
    if target is None:
        return [
            f"{region}没有约束性目标：{indicator.target.kind}: "
            f"{number(indicator.target.number)} 是全域的控制指标，不分解到各地区"
            "（可在 regions: 或控制指标分解表中给该地区单独的目标）；不计达标，也不计未达标",
        ]
    # Where the target comes from, when it is not simply the plan's own.
    steps = (
        [] if source == "plan" else [_source_step(plan, data, indicator.id, region, year, source)]
    )
    if target.cumulative:
        baseline = plan.info.baseline_year
        parts = [s.exact(region, y) for y in range(baseline + 1, year + 1)]
        summed = " + ".join("无数据" if p is None else str(number(p)) for p in parts) or "0"
        total = exact_value(plan, s, region, year, target)
        steps.append(
            f"累计：数值 = {baseline + 1}—{year}年合计 = {summed}"
            + (f" = {number(total)}" if total is not None and len(parts) > 1 else "")
        )
    if target.kind == "max":
        return [*steps, f"目标：数值 ≤ {number(target.number)}（“以内”含本数）"]
    if target.kind == "min":
        return [*steps, f"目标：数值 ≥ {number(target.number)}"]
    if target.kind == "yoy_decline":
        previous = s.exact(region, year - 1)
        shown = number(previous) if previous is not None else "无数据"
        return [
            *steps,
            f"目标：低于上年——数值 < {year - 1}年数值 {shown}，或数值为 0（已无可下降）",
        ]
    baseline = baseline_of(plan, target)
    target_year = plan.info.target_year
    b_value = exact_base(plan, s, region, target)
    span = target_year - baseline
    elapsed = targets.elapsed_years(year, baseline, target_year)
    f = Fraction(elapsed, span)
    where = "规划公布的基期值" if target.baseline_value is not None else f"{baseline}年数值"
    steps += [
        f"目标：较{baseline}年下降{number(target.number)}%，到{target_year}年按直线推进",
        f"B = {where} = {number(b_value) if b_value is not None else '无数据'}",
        f"f = ({year} − {baseline}) ÷ ({target_year} − {baseline}) = {f}（限定在 0 到 1 之间）",
    ]
    if b_value is not None and target.number is not None:
        threshold = targets.glide(b_value, Fraction(target.number), elapsed, span)
        steps.append(
            f"序时进度要求 = B × (1 − {number(target.number)}/100 × f) = {number(threshold)}"
        )
    return steps
