"""Consistency rules from the plan, checked on every row of the data.

The rule language itself (parsing, evaluation) is :mod:`safeplan.domain.rules`; here the
columns are joined on year (and region), every rule is evaluated in floating point over all
rows at once, and the rows where floats are unsure (:func:`~safeplan.domain.exact.unsure`,
relative to every term of the rule) are decided again on the exact cell values.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.domain.exact import unsure
from safeplan.domain.rules import COMPARE, RuleSyntaxError, evaluate, parse_rule, refs_of
from safeplan.errors import ConfigError
from safeplan.findings import Finding, finding, shorten

if TYPE_CHECKING:
    from safeplan.ingest.dataset import Dataset
    from safeplan.plan import Plan


def check_rules(plan: Plan, datasets: dict[str, Dataset]) -> list[Finding]:
    """Check every rule on every row; a violated rule is a finding on the offending line."""
    import numpy as np

    findings: list[Finding] = []
    for i, rule in enumerate(plan.config.rules):
        line = plan.line_of("rules", i, "check")
        try:
            tree = parse_rule(rule.check)
        except RuleSyntaxError as exc:
            raise ConfigError(
                f"{plan.display}:{line}: rules[{i}].check: {exc}（规则：{shorten(rule.check)}）",
                hint="规则写成比较式，如 accidents.工矿商贸死亡人数 <= accidents.死亡人数",
            ) from None
        refs = list(dict.fromkeys(refs_of(tree)))
        names = list(dict.fromkeys(r.split(".", 1)[0] for r in refs))
        frame, positions = _joined(names, refs, datasets)
        if frame is None:
            continue

        def column(ref: str) -> Any:
            return frame[ref].to_numpy(dtype="float64")  # noqa: B023

        with np.errstate(all="ignore"):
            # Constants as numpy floats: a column ÷ 1e-400 (0 in floats) is inf, not an
            # exception, and is decided on the exact values below. A side of constants only
            # is broadcast to every row.
            ones = np.ones(len(frame))
            left, right = (
                np.asarray(evaluate(side, column, _float), dtype="float64") * ones
                for side in tree.args
            )
            holds = COMPARE[tree.op](left, right)
            terms = [column(ref) for ref in refs]
            # Relative to every term too: 0.3 − 0.1 − 0.2 < 0 is −2.8e-17 < 0 in floats.
            near = unsure(left, right, *terms)
        # A row is complete when every cell it reads holds a number. On such a row a side
        # that is NaN in floats (inf − inf, 0 × inf) decides nothing — `!=` would hold on
        # it: the row is decided on the exact values below.
        complete = ~np.isnan(np.vstack(terms)).any(axis=0)
        undecided = np.isnan(left) | np.isnan(right)
        for row in np.flatnonzero(complete & (~holds | near | undecided)).tolist():
            cells = {
                ref: datasets[ref.split(".", 1)[0]].exact(
                    ref.split(".", 1)[1], int(positions[ref][row])
                )
                for ref in refs
            }
            if any(v is None for v in cells.values()):
                continue
            try:
                if evaluate(tree, lambda ref: cells[ref]):  # noqa: B023
                    continue
            except ZeroDivisionError:
                continue
            first = datasets[names[0]]
            position = int(positions[refs[0]][row])
            shown = ", ".join(f"{ref.split('.', 1)[1]}={float(v):g}" for ref, v in cells.items())  # type: ignore[arg-type]
            where = (
                first.table.where(int(first.frame["_row"].iat[position]), refs[0].split(".", 1)[1])
                if first.table
                else {}
            )
            findings.append(
                finding(
                    "rule-violated",
                    first.file,
                    f"规则“{rule.name or rule.id}”（{shorten(rule.check)}）不成立：{shown}",
                    severity=rule.severity,
                    value=shown,
                    hint=f"核对这一行的数字（规则 {rule.id}，{plan.display}:{line}）",
                    **where,
                )
            )
    return findings


def _float(value: Fraction) -> Any:
    """A rule's constant as a numpy float: ±inf beyond the float range (1e400), which the
    exact pass then decides; 0 below it."""
    import numpy as np

    try:
        return np.float64(float(value))
    except OverflowError:
        return np.float64(math.inf if value > 0 else -math.inf)


def _joined(
    names: list[str], refs: list[str], datasets: dict[str, Dataset]
) -> tuple[Any, dict[str, Any]]:
    """One frame of the referenced columns, rows matched on year (and region)."""
    import pandas as pd

    frames = [datasets[n] for n in names]
    keys = ["year", "region"] if all(d.has_region for d in frames) else ["year"]
    merged: pd.DataFrame | None = None
    for dataset in frames:
        if any(k not in dataset.frame for k in keys):
            return None, {}
        cols = [r.split(".", 1)[1] for r in refs if r.split(".", 1)[0] == dataset.name]
        if any(c not in dataset.frame for c in cols):
            return None, {}  # a broken header, already a finding
        part = dataset.frame[keys + cols].copy()
        part.columns = keys + [f"{dataset.name}.{c}" for c in cols]
        part[f"_pos_{dataset.name}"] = range(len(part))
        merged = part if merged is None else merged.merge(part, on=keys, how="inner")
    assert merged is not None
    positions = {r: merged[f"_pos_{r.split('.', 1)[0]}"].to_numpy() for r in refs}
    return merged.reset_index(drop=True), positions
