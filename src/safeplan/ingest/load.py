"""Loading a plan's data: every dataset read and checked, every finding collected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeplan.domain.rules import rule_refs
from safeplan.errors import ConfigError, DataError
from safeplan.findings import ValidationReport
from safeplan.ingest.controls import check_plan_regions, load_controls
from safeplan.ingest.dataset import DataSet, Dataset
from safeplan.ingest.plausibility import plausibility
from safeplan.ingest.records import load_records
from safeplan.ingest.rules import check_rules
from safeplan.ingest.yearly import load_yearly

if TYPE_CHECKING:
    from safeplan.plan import Plan


class InvalidDataError(DataError):
    """The data has errors, so nothing can be evaluated; ``report`` holds the findings."""

    def __init__(self, report: ValidationReport) -> None:
        n = len(report.errors)
        super().__init__(
            f"the data has {n} error{'s' if n != 1 else ''}; nothing was evaluated",
            hint="run `safeplan validate` to see every finding, fix them, then check again",
        )
        self.report = report


def used_columns(plan: Plan) -> dict[str, dict[str, list[tuple[str, int | None]]]]:
    """dataset → column → the (YAML key, line) of every reference to it."""
    used: dict[str, dict[str, list[tuple[str, int | None]]]] = {n: {} for n in plan.sources}
    for i, indicator in enumerate(plan.indicators):
        for key, ref in indicator.refs:
            dataset, column = ref.split(".", 1)
            used[dataset].setdefault(column, []).append(
                (f"indicators[{i}].{key}", plan.line_of("indicators", i, key))
            )
    for i, rule in enumerate(plan.config.rules):
        for ref in rule_refs(rule.check):
            dataset, column = ref.split(".", 1)
            if dataset not in used:
                raise ConfigError(
                    f"{plan.display}:{plan.line_of('rules', i, 'check')}: rules[{i}].check: "
                    f"unknown dataset '{dataset}' in '{ref}' (datasets: {', '.join(used)})"
                )
            used[dataset].setdefault(column, []).append(
                (f"rules[{i}].check", plan.line_of("rules", i, "check"))
            )
    return used


def denominators(plan: Plan) -> dict[str, set[str]]:
    """dataset → the columns used as denominators."""
    result: dict[str, set[str]] = {n: set() for n in plan.sources}
    for indicator in plan.indicators:
        if indicator.denominator:
            dataset, column = indicator.denominator.split(".", 1)
            result[dataset].add(column)
    return result


def load_data(plan: Plan, *, warnings: bool = True) -> DataSet:
    """Read and check every dataset of the plan; collect every finding.

    ``warnings=False`` skips the plausibility warnings (a jump, a missing year), which
    never stop an evaluation — ``check`` asks for them only when it must print findings.
    """
    used = used_columns(plan)
    dens = denominators(plan)
    report = ValidationReport(
        files=[s.display for s in plan.sources.values()] + [c.display for c in plan.controls]
    )
    datasets: dict[str, Dataset] = {}
    settings = plan.config.validation
    for name, source in plan.sources.items():
        if source.spec.records is not None:
            dataset, findings = load_records(plan, source, used[name])
        else:
            dataset, findings = load_yearly(plan, source, used[name], dens[name])
        report.extend(findings)
        if dataset is not None:
            if warnings and not any(f.severity == "error" for f in findings):
                report.extend(
                    plausibility(
                        dataset,
                        [c for c in used[name] if c in dataset.frame],
                        settings.max_change_pct,
                        settings.year_gaps,
                    )
                )
            datasets[name] = dataset
    if plan.config.rules and len(datasets) == len(plan.sources):
        report.extend(check_rules(plan, datasets))
    data = DataSet(datasets=datasets, report=report)
    _targets_by_region(plan, data)
    order = {file: i for i, file in enumerate(report.files)}
    report.findings.sort(key=lambda f: (order.get(f.file, len(order)), f.line or 0, f.column or 0))
    return data


def _targets_by_region(plan: Plan, data: DataSet) -> None:
    """Regional targets: ``regions:`` in the plan and the control-figure tables, checked
    against the regions of the data (when every dataset could be read)."""
    own = any(i.regions for i in plan.indicators)
    if not own and not plan.controls:
        return
    complete = len(data.datasets) == len(plan.sources)
    regions = set(data.regions) if complete else None
    if own and regions is not None:
        check_plan_regions(plan, regions)
    if plan.controls:
        data.controls, findings = load_controls(plan, regions)
        data.report.extend(findings)


def load_valid(plan: Plan) -> DataSet:
    """The plan's data, or :class:`InvalidDataError` when validation finds any error."""
    data = load_data(plan, warnings=False)
    if not data.report.valid:
        # Print the very findings `validate` prints, warnings included.
        raise InvalidDataError(load_data(plan).report)
    return data
