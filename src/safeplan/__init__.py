"""safeplan: check the control indicators of Chinese work-safety plans (安全生产规划).

The library API: :func:`load_plan`, :func:`validate`, :func:`check`, :func:`gap`,
:func:`monitor`, :func:`explain`, :func:`classify`. Heavy dependencies (pandas) load only when a function needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CheckReport",
    "ConfigError",
    "DataError",
    "Finding",
    "GapReport",
    "Plan",
    "SafeplanError",
    "ValidationReport",
    "check",
    "classify",
    "explain",
    "gap",
    "load_plan",
    "monitor",
    "validate",
]

_LAZY = {
    "load_plan": "safeplan.plan",
    "Plan": "safeplan.plan",
    "ConfigError": "safeplan.errors",
    "DataError": "safeplan.errors",
    "SafeplanError": "safeplan.errors",
    "Finding": "safeplan.findings",
    "ValidationReport": "safeplan.findings",
    "validate": "safeplan.api",
    "check": "safeplan.api",
    "gap": "safeplan.api",
    "explain": "safeplan.api",
    "classify": "safeplan.api",
    "monitor": "safeplan.api",
    "CheckReport": "safeplan.evaluate.results",
    "GapReport": "safeplan.evaluate.results",
}

if TYPE_CHECKING:
    from safeplan.api import check, classify, explain, gap, monitor, validate
    from safeplan.errors import ConfigError, DataError, SafeplanError
    from safeplan.evaluate.results import CheckReport, GapReport
    from safeplan.findings import Finding, ValidationReport
    from safeplan.plan import Plan, load_plan


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'safeplan' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
