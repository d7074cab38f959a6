"""Which target binds a region in a year: the control-figure table, ``regions:``, the plan.

For an indicator, a region (``None`` = the whole plan) and a year, the first that applies:

1. the figure of a control-figure table (控制指标分解表) for that region and year — a cap,
   ``max: X`` (the table's total row for the whole plan); a blank cell gives none;
2. the region's own target under the indicator's ``regions:`` (any form, every year);
3. the plan-wide ``target:`` — always for the whole plan; for a region only when it binds
   every region (:func:`safeplan.domain.targets.binds_every_region`: rates, declines,
   ``max: 0``), never a count cap handed down to each town.

The most specific figure wins: a table names one region in one year, ``regions:`` one
region in every year, ``target:`` the plan. Where nothing applies the result has no target
(status ``no_target``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from safeplan.domain.targets import binds_every_region

if TYPE_CHECKING:
    import numpy as np

    from safeplan.ingest.controls import ControlFigure, ControlFigures
    from safeplan.plan import Indicator, Target

__all__ = ["TargetSource", "cell_targets", "control_target", "standing_target", "target_for"]

TargetSource = Literal["plan", "regions", "controls"]
"""Where a target comes from: ``target:``, ``regions:`` or a control-figure table."""

_CONTROL_TARGETS: dict[int, tuple[ControlFigure, Target]] = {}


def standing_target(indicator: Indicator, region: str | None) -> tuple[Target | None, TargetSource]:
    """The target that binds ``region`` in every year (before any control-figure table)."""
    if region is None:
        return indicator.target, "plan"
    own = (indicator.regions or {}).get(region)
    if own is not None:
        return own, "regions"
    target = indicator.target
    if binds_every_region(target.kind, target.number, indicator.is_rate):
        return target, "plan"
    return None, "plan"


def control_target(figure: ControlFigure) -> Target:
    """The cap a control-figure table's cell sets: ``max: X`` (one object per figure)."""
    cached = _CONTROL_TARGETS.get(id(figure))
    if cached is not None and cached[0] is figure:
        return cached[1]
    from safeplan.plan import Target

    target = Target(max=figure.value)
    _CONTROL_TARGETS[id(figure)] = (figure, target)
    return target


def target_for(
    indicator: Indicator, region: str | None, year: int, controls: ControlFigures | None
) -> tuple[Target | None, TargetSource]:
    """The target that binds ``region`` in ``year``, and where it comes from."""
    if controls is not None:
        figure = controls.get(indicator.id, region, year)
        if figure is not None:
            return control_target(figure), "controls"
    return standing_target(indicator, region)


def cell_targets(
    indicator: Indicator,
    regions: list[str | None],
    years: list[int],
    controls: ControlFigures | None,
) -> tuple[list[Target], list[TargetSource], np.ndarray]:
    """The targets of a grid of regions × years (region by region), as distinct targets.

    Returns the distinct targets, where each comes from, and for each cell the index of
    its target (-1 where none binds). Targets are taken per region, then the cells that a
    control-figure table names are overlaid: no work per cell beyond those.
    """
    import numpy as np

    distinct: list[Target] = []
    sources: list[TargetSource] = []
    seen: dict[int, int] = {}

    def key(target: Target | None, source: TargetSource) -> int:
        if target is None:
            return -1
        index = seen.get(id(target))
        if index is None:
            index = seen[id(target)] = len(distinct)
            distinct.append(target)
            sources.append(source)
        return index

    if indicator.regions:
        per_region = [key(*standing_target(indicator, region)) for region in regions]
    else:  # every region alike: decided once
        whole = key(*standing_target(indicator, None))
        regional = any(region is not None for region in regions)
        each = key(*standing_target(indicator, "")) if regional else -1
        per_region = [whole if region is None else each for region in regions]
    which = np.repeat(np.array(per_region, dtype="int64"), len(years))
    by_year = controls.years_of(indicator.id) if controls is not None else {}
    if by_year:
        row = {region: i for i, region in enumerate(regions)}
        column = {year: j for j, year in enumerate(years)}
        for year, figures in by_year.items():
            j = column.get(year)
            if j is None:
                continue
            for region, figure in figures.items():
                i = row.get(region)
                if i is not None:
                    which[i * len(years) + j] = key(control_target(figure), "controls")
    return distinct, sources, which
