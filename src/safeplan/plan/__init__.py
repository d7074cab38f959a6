"""The plan file: ``indicators.yaml`` → :class:`Plan` (safe YAML, strict models, JSON Schema)."""

from safeplan.plan.load import ControlSource, Plan, Source, display_path, load_plan
from safeplan.plan.models import (
    ControlTable,
    DatasetSpec,
    Indicator,
    PlanFile,
    Rule,
    Target,
    schema,
)

__all__ = [
    "ControlSource",
    "ControlTable",
    "DatasetSpec",
    "Indicator",
    "Plan",
    "PlanFile",
    "Rule",
    "Source",
    "Target",
    "display_path",
    "load_plan",
    "schema",
]
