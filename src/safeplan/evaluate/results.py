"""What evaluation returns: :class:`Result`, :class:`CheckReport`, :class:`Outlook`,
:class:`GapReport` — plain data with their JSON forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from safeplan.domain.exact import number

if TYPE_CHECKING:
    from safeplan.plan import Indicator, Plan, Target

Status = Literal["met", "missed", "no_data", "no_target"]


def target_dict(target: Target, source: str = "plan") -> dict[str, Any]:
    """The JSON form of a target: ``{"kind": …, "value": …}``, plus ``baseline_year``,
    ``baseline_value`` and ``cumulative`` where the plan gives them, and ``"source":
    "controls"`` for a cap from a control-figure table (控制指标分解表)."""
    out: dict[str, Any] = {
        "kind": target.kind,
        "value": True if target.kind == "yoy_decline" else number(target.number),
    }
    if target.baseline_year is not None:
        out["baseline_year"] = target.baseline_year
    if target.baseline_value is not None:
        out["baseline_value"] = number(target.baseline_value)
    if target.cumulative:
        out["cumulative"] = True
    if source == "controls":
        out["source"] = "controls"
    return out


class Result(NamedTuple):
    """One indicator, for one region (``None`` = the whole plan), in one year."""

    id: str
    name: str
    region: str | None
    year: int
    value: int | float | None
    target: dict[str, Any] | None
    """The target that binds this result (``None``: none does — status ``no_target``)."""
    threshold: int | float | None
    gap: int | float | None
    status: Status
    baseline_value: int | float | None = None
    """The baseline value (基期值): the published ``baseline_value`` of a decline target,
    else the value in the baseline year; for reports, not part of the JSON."""
    change_pct: float | None = None
    """The change against the baseline value in percent (较基期变化, exact where the
    status was decided exactly), for reports; ``None`` for a period sum."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the report fields ``baseline_value`` and ``change_pct`` are not in it)."""
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "year": self.year,
            "value": self.value,
            "target": self.target,
            "threshold": self.threshold,
            "gap": self.gap,
            "status": self.status,
        }


def _plan_dict(plan: Plan) -> dict[str, Any]:
    info = plan.info
    return {
        "name": info.name,
        "region": info.region,
        "baseline_year": info.baseline_year,
        "target_year": info.target_year,
    }


def indicator_facts(plan: Plan) -> dict[str, dict[str, Any]]:
    """What reports show about each indicator besides its results, by id: name, unit,
    attribute (``binding`` 约束性 / ``expected`` 预期性), decimals, the plan-wide target, its
    baseline year and published baseline value, the regions with targets of their own, and
    whether its values are counts (whole numbers: deaths, accidents)."""
    return {
        i.id: {
            "name": i.name,
            "unit": i.unit,
            "attribute": i.attribute,
            "decimals": i.decimals,
            "target": target_dict(i.target),
            "baseline_year": i.target.baseline_year or plan.info.baseline_year,
            "baseline_value": number(i.target.baseline_value),
            "cumulative": bool(i.target.cumulative),
            "regions": {r: target_dict(t, "regions") for r, t in (i.regions or {}).items()},
            "count": _is_count(plan, i),
        }
        for i in plan.indicators
    }


def _is_count(plan: Plan, indicator: Indicator) -> bool:
    """Whether an indicator's values are counts: a ``value`` of a count column, or of a
    count derived from accident records (all but the direct loss)."""
    from safeplan.ingest.cells import is_count_column

    if indicator.value is None:
        return False
    dataset, _, column = indicator.value.partition(".")
    spec = plan.config.datasets.get(dataset)
    if spec is not None and spec.records is not None:
        return column != "direct_loss"
    return is_count_column(column)


@dataclass
class CheckReport:
    """Every indicator against its target in one year."""

    plan: dict[str, Any]
    year: int
    results: list[Result]
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each indicator's display facts by id (name, unit, target …), for reports."""
    outlook: list[Outlook] = field(default_factory=list)
    """The outlook to the target year as the plan stood at the end of :attr:`year`, when
    the caller adds it (the written summary uses it); not part of the JSON."""

    @property
    def ok(self) -> bool:
        """True only when every result is met or has no target that binds it."""
        return all(r.status in ("met", "no_target") for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "schema_version": 1,
            "plan": self.plan,
            "year": self.year,
            "ok": self.ok,
            "results": [r.to_dict() for r in self.results],
        }


class Outlook(NamedTuple):
    """Where an indicator is heading: the projection to the target year.

    A tuple, like :class:`Result`: a national plan has tens of thousands of outlooks, and a
    tuple is built in C (see :func:`safeplan.evaluate.gap._outlooks`).
    """

    id: str
    region: str | None
    latest_year: int | None
    latest_value: int | float | None
    final_threshold: int | float | None
    projected_value: int | float | None
    on_track: bool | None
    required_annual_change_pct: float | None
    latest_status: Status = "no_data"
    baseline_value: int | float | None = None
    """The baseline value the projection starts from (基期值), for reports."""
    change_pct: float | None = None
    """The latest value's change against the baseline value in percent (较基期变化)."""
    target: dict[str, Any] | None = None
    """The target in the target year that ``final_threshold`` comes from (``None``: none
    binds), for reports."""

    @property
    def good(self) -> bool:
        """Not off track: ``on_track`` is true, or cannot be told (``None``)."""
        return self.on_track is not False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the report fields ``baseline_value`` and ``change_pct`` are not in it)."""
        return {
            "id": self.id,
            "region": self.region,
            "latest_year": self.latest_year,
            "latest_value": self.latest_value,
            "final_threshold": self.final_threshold,
            "projected_value": self.projected_value,
            "on_track": self.on_track,
            "required_annual_change_pct": self.required_annual_change_pct,
        }


@dataclass
class GapReport:
    """Every indicator in every year from the baseline, and the outlook."""

    plan: dict[str, Any]
    rows: list[Result]
    outlook: list[Outlook]
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each indicator's display facts by id (name, unit, target …), for reports."""

    @property
    def ok(self) -> bool:
        """True when no indicator is off track (no ``on_track`` is false)."""
        return all(o.good for o in self.outlook)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "schema_version": 1,
            "plan": self.plan,
            "rows": [r.to_dict() for r in self.rows],
            "outlook": [o.to_dict() for o in self.outlook],
        }
