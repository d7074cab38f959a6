"""The library API the CLI is a thin shell over.

>>> plan = load_plan("indicators.yaml")       # doctest: +SKIP
>>> report = check(plan, 2024)                # doctest: +SKIP
>>> report.ok, report.to_dict()["results"][0]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.config import Plan, load_plan
from safeplan.data import DataSet, load_data
from safeplan.errors import DataError
from safeplan.findings import ValidationReport

if TYPE_CHECKING:
    # Evaluation loads only for the commands that evaluate: `validate` never needs it.
    from safeplan.evaluate import CheckReport, GapReport, Result


class InvalidDataError(DataError):
    """The data has errors, so nothing can be evaluated; ``report`` holds the findings."""

    def __init__(self, report: ValidationReport) -> None:
        n = len(report.errors)
        super().__init__(
            f"the data has {n} error{'s' if n != 1 else ''}; nothing was evaluated",
            hint="run `safeplan validate` to see every finding, fix them, then check again",
        )
        self.report = report


PlanLike = Plan | str | os.PathLike[str]


def _plan(plan: PlanLike) -> Plan:
    return plan if isinstance(plan, Plan) else load_plan(plan)


def validate(plan: PlanLike) -> ValidationReport:
    """Check the plan's data files and consistency rules; findings, never exceptions for data."""
    return load_data(_plan(plan)).report


def load_valid(plan: Plan) -> DataSet:
    """The plan's data, or :class:`InvalidDataError` when validation finds any error."""
    data = load_data(plan, warnings=False)
    if not data.report.valid:
        # Print the very findings `validate` prints, warnings included.
        raise InvalidDataError(load_data(plan).report)
    return data


def check(plan: PlanLike, year: int, *, region: str | None = None) -> CheckReport:
    """Evaluate every indicator for ``year`` against its target (CONTRACT §3–4)."""
    from safeplan.evaluate import evaluate_check

    loaded = _plan(plan)
    return evaluate_check(loaded, load_valid(loaded), year, region)


def gap(plan: PlanLike, *, region: str | None = None) -> GapReport:
    """The target-gap table from the baseline year and the outlook (CONTRACT §6)."""
    from safeplan.evaluate import evaluate_gap

    loaded = _plan(plan)
    return evaluate_gap(loaded, load_valid(loaded), region)


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


def explain(
    plan: PlanLike, indicator_id: str, year: int, *, region: str | None = None
) -> Explanation:
    """How an indicator's value and threshold for ``year`` were derived, cell by cell."""
    from safeplan.evaluate import evaluate_check, number, series
    from safeplan.records import CLASS_MASKS

    loaded = _plan(plan)
    indicator = loaded.indicator(indicator_id)
    data = load_valid(loaded)
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
    steps = _threshold_steps(loaded, s, region, year)
    per = number(Fraction(indicator.scale)) if indicator.value is None else None
    if indicator.value is not None:
        formula = f"Σ {indicator.value}"
    else:
        formula = f"Σ {indicator.numerator} × {per} ÷ Σ {indicator.denominator}"
    return Explanation(
        result=result,
        indicator_name=indicator.name,
        terms=terms,
        per=per,
        formula=formula,
        threshold_steps=steps,
    )


def _threshold_steps(plan: Plan, s: Any, region: str | None, year: int) -> list[str]:
    from safeplan.evaluate import baseline_of, number

    target = s.indicator.target
    if target.kind == "max":
        return [f"max: value ≤ {number(target.number)} (以内 includes the bound)"]
    if target.kind == "min":
        return [f"min: value ≥ {number(target.number)}"]
    if target.kind == "yoy_decline":
        previous = s.exact(region, year - 1)
        shown = number(previous) if previous is not None else "no data"
        return [f"yoy_decline: value < value in {year - 1} = {shown}"]
    baseline = baseline_of(plan, target)
    target_year = plan.info.target_year
    b_value = s.exact(region, baseline)
    span = target_year - baseline
    f = min(max(Fraction(year - baseline, span), Fraction(0)), Fraction(1))
    steps = [
        f"decline_pct: {number(target.number)}% from {baseline} to {target_year}",
        f"B = value in {baseline} = {number(b_value) if b_value is not None else 'no data'}",
        f"f = ({year} − {baseline}) ÷ ({target_year} − {baseline}) = {f} (clipped to [0, 1])",
    ]
    if b_value is not None:
        threshold = b_value * (1 - Fraction(target.number) / 100 * f)
        steps.append(f"threshold = B × (1 − {number(target.number)}/100 × f) = {number(threshold)}")
    return steps


__all__ = [
    "CheckReport",
    "Explanation",
    "GapReport",
    "InvalidDataError",
    "check",
    "explain",
    "gap",
    "load_plan",
    "load_valid",
    "validate",
]
