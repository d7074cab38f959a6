"""The plan file: ``indicators.yaml`` → :class:`Plan` (safe YAML, strict models, JSON Schema)."""

from safeplan.plan.load import Plan, Source, display_path, load_plan
from safeplan.plan.models import DatasetSpec, Indicator, PlanFile, Rule, Target, schema

__all__ = [
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
