"""The library API the command line is a thin shell over: one function per command.

>>> plan = load_plan("indicators.yaml")       # doctest: +SKIP
>>> report = check(plan, 2024)                # doctest: +SKIP
>>> report.ok, report.to_dict()["results"][0]  # doctest: +SKIP

Each function takes a loaded :class:`~safeplan.plan.Plan` (or the path of its
``indicators.yaml``) and returns data; problems in the data are findings, and only
"cannot run" raises (:class:`~safeplan.errors.SafeplanError`).
"""

from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING

from safeplan.ingest.load import InvalidDataError, load_data, load_valid
from safeplan.plan import Plan, load_plan

if TYPE_CHECKING:
    # Evaluation loads only for the commands that evaluate: `validate` never needs it.
    from safeplan.evaluate.classify import Classified
    from safeplan.evaluate.explain import Explanation
    from safeplan.evaluate.monitor import MonitorReport
    from safeplan.evaluate.results import CheckReport, GapReport
    from safeplan.findings import ValidationReport

__all__ = [
    "InvalidDataError",
    "PlanLike",
    "check",
    "classify",
    "explain",
    "gap",
    "load_plan",
    "load_valid",
    "monitor",
    "validate",
]

PlanLike = Plan | str | os.PathLike[str]


def _plan(plan: PlanLike) -> Plan:
    return plan if isinstance(plan, Plan) else load_plan(plan)


def validate(plan: PlanLike) -> ValidationReport:
    """Check the plan's data files and consistency rules; findings, never exceptions for data."""
    return load_data(_plan(plan)).report


def check(plan: PlanLike, year: int, *, region: str | None = None) -> CheckReport:
    """Evaluate every indicator for ``year`` against its target."""
    from safeplan.evaluate.check import evaluate_check

    loaded = _plan(plan)
    return evaluate_check(loaded, load_valid(loaded), year, region)


def gap(plan: PlanLike, *, region: str | None = None, as_of: int | None = None) -> GapReport:
    """The target-gap table from the baseline year, and the outlook to the target year.

    ``as_of``: the plan as it stood at the end of that year — later data is ignored.
    """
    from safeplan.evaluate.gap import evaluate_gap

    loaded = _plan(plan)
    return evaluate_gap(loaded, load_valid(loaded), region, as_of=as_of)


def monitor(plan: PlanLike, through: str | date, *, dataset: str | None = None) -> MonitorReport:
    """Year-to-date figures from accident records through ``through`` (``YYYY-MM`` — to the
    end of that month — ``YYYY-MM-DD`` or a date) against the same dates a year earlier
    (同比), and the progress of every binding annual cap."""
    from safeplan.evaluate.monitor import evaluate_monitor
    from safeplan.evaluate.periods import parse_through

    loaded = _plan(plan)
    day = through if isinstance(through, date) else parse_through(through)
    return evaluate_monitor(loaded, load_valid(loaded), day, dataset)


def explain(
    plan: PlanLike, indicator_id: str, year: int, *, region: str | None = None
) -> Explanation:
    """How an indicator's value and threshold for ``year`` were derived, cell by cell."""
    from safeplan.evaluate.explain import explain_result

    loaded = _plan(plan)
    loaded.indicator(indicator_id)  # an unknown id is a usage error before any reading
    return explain_result(loaded, load_valid(loaded), indicator_id, year, region)


def classify(plan: PlanLike, dataset: str | None = None) -> Classified:
    """Every accident record of a records dataset (the first unless named), classified by
    国务院令第493号, with the counts by year (× region) × class."""
    from safeplan.evaluate.classify import classify_plan

    return classify_plan(_plan(plan), dataset)
