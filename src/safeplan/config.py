"""The plan file ``indicators.yaml``: pydantic models and the loader.

The models are strict (unknown keys rejected) and frozen; ``safeplan schema`` prints the JSON
Schema generated from them. :func:`load_plan` turns every problem into one
:class:`~safeplan.errors.ConfigError` that names the key and its line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from safeplan.errors import ConfigError
from safeplan.yamlio import Located, load_yaml

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
#: Dataset names: letters (Chinese included), digits and _, not starting with a digit.
DATASET_PATTERN = r"^[^\W\d]\w*$"


def _number(value: object) -> Decimal:
    """Accept an int, a decimal or a numeric string; reject booleans and non-finite values."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got true/false")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except ArithmeticError:
            raise ValueError(f"expected a number, got {value!r}") from None
    if not isinstance(value, Decimal):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError("expected a finite number")
    return value


Number = Annotated[Decimal, BeforeValidator(_number)]
Year = Annotated[int, Field(strict=True, ge=1900, le=2200)]
Ref = Annotated[
    str,
    Field(
        pattern=r"^[^\W\d]\w*\.\S.*$",
        description="dataset.column — column names may be Chinese",
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanInfo(_Model):
    """The ``plan:`` block: what the plan is and the years it spans."""

    name: str = Field(min_length=1, description="free text, e.g. 示例市“十四五”安全生产规划")
    region: str | None = Field(None, description="label of the whole-plan aggregate")
    baseline_year: Year
    target_year: Year

    @model_validator(mode="after")
    def _years(self) -> PlanInfo:
        if self.target_year <= self.baseline_year:
            raise ValueError(
                f"target_year ({self.target_year}) must be after "
                f"baseline_year ({self.baseline_year})"
            )
        return self


class DatasetSpec(_Model):
    """A dataset: a yearly table (``path``) or accident records (``records``).

    In YAML a plain string is the path of a yearly table.
    """

    path: str | None = Field(None, description="CSV or .xlsx (file.xlsx#Sheet) of yearly rows")
    records: str | None = Field(None, description="CSV or .xlsx of accident records")
    sectors: dict[Annotated[str, Field(pattern=ID_PATTERN)], list[str]] = Field(
        default_factory=dict, description="named groups of values of the sector column"
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_path(cls, value: object) -> object:
        return {"path": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_source(self) -> DatasetSpec:
        if (self.path is None) == (self.records is None):
            raise ValueError("give either a file path or 'records: FILE'")
        if self.sectors and self.records is None:
            raise ValueError("'sectors' is only for accident records")
        return self

    @property
    def file(self) -> str:
        """The file named by the spec (yearly table or records)."""
        return self.path if self.path is not None else str(self.records)


TargetKind = Literal["max", "min", "decline_pct", "yoy_decline"]


class Target(_Model):
    """``target:`` — exactly one of ``max``, ``min``, ``decline_pct``, ``yoy_decline``."""

    max: Number | None = Field(None, description="met when value ≤ max")
    min: Number | None = Field(None, description="met when value ≥ min")
    decline_pct: Number | None = Field(
        None, description="met when value ≤ B × (1 − P/100 × f), a straight glide path"
    )
    yoy_decline: Literal[True] | None = Field(
        None, description="met when value < the value of the year before"
    )
    baseline_year: Year | None = Field(
        None, description="decline_pct only: overrides the plan's baseline year"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        given = [
            k for k in ("max", "min", "decline_pct", "yoy_decline") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of max, min, decline_pct, yoy_decline"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.baseline_year is not None and self.decline_pct is None:
            raise ValueError("baseline_year only goes with decline_pct")
        if self.decline_pct is not None and self.decline_pct > 100:
            raise ValueError("decline_pct is a percentage and cannot exceed 100")
        return self

    @property
    def kind(self) -> TargetKind:
        """Which kind of target this is."""
        if self.max is not None:
            return "max"
        if self.min is not None:
            return "min"
        if self.decline_pct is not None:
            return "decline_pct"
        return "yoy_decline"

    @property
    def number(self) -> Decimal | None:
        """The target's number (``None`` for ``yoy_decline``)."""
        kind = self.kind
        return None if kind == "yoy_decline" else getattr(self, kind)


class Indicator(_Model):
    """One control indicator: a column (``value``) or a rate (``numerator``/``denominator``)."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    value: Ref | None = None
    numerator: Ref | None = None
    denominator: Ref | None = None
    per: Number | None = Field(None, description="scale of a rate, default 1")
    unit: str | None = Field(None, description="display unit, e.g. 人/亿元")
    target: Target

    @model_validator(mode="after")
    def _value_or_rate(self) -> Indicator:
        if self.value is not None:
            if self.numerator is not None or self.denominator is not None:
                raise ValueError("give either value or numerator + denominator, not both")
            if self.per is not None:
                raise ValueError("per only goes with numerator + denominator")
        elif self.numerator is None or self.denominator is None:
            raise ValueError("give value, or both numerator and denominator")
        if self.per is not None and self.per <= 0:
            raise ValueError("per must be positive")
        return self

    @property
    def scale(self) -> Decimal:
        """The ``per`` of a rate (1 when not given)."""
        return self.per if self.per is not None else Decimal(1)

    @property
    def refs(self) -> list[tuple[str, str]]:
        """The (key, reference) pairs the indicator uses."""
        pairs = [("value", self.value), ("numerator", self.numerator)]
        pairs.append(("denominator", self.denominator))
        return [(k, v) for k, v in pairs if v is not None]


class Rule(_Model):
    """A consistency rule checked on every row, e.g. ``a.x <= a.y``."""

    id: str = Field(pattern=ID_PATTERN)
    check: str = Field(min_length=1, description="comparison of column expressions")
    name: str | None = None
    severity: Literal["error", "warning"] = "error"


class ValidationSettings(_Model):
    """``validation:`` — thresholds of the plausibility warnings."""

    max_change_pct: Number | None = Field(
        Decimal(50), description="warn when a used column changes more than this % in a year"
    )
    year_gaps: bool = Field(True, description="warn about a gap in the sequence of years")


class PlanFile(_Model):
    """The whole ``indicators.yaml``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"title": "safeplan indicators.yaml"},
    )

    plan: PlanInfo
    datasets: dict[Annotated[str, Field(pattern=DATASET_PATTERN)], DatasetSpec] = Field(
        min_length=1
    )
    indicators: list[Indicator] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)
    validation: ValidationSettings = Field(default_factory=lambda: ValidationSettings())

    @field_validator("indicators")
    @classmethod
    def _unique_ids(cls, indicators: list[Indicator]) -> list[Indicator]:
        seen: set[str] = set()
        for indicator in indicators:
            if indicator.id in seen:
                raise ValueError(f"indicator id '{indicator.id}' is used twice")
            seen.add(indicator.id)
        return indicators


@dataclass(frozen=True)
class Source:
    """A data file named in the plan, resolved inside the plan directory."""

    dataset: str
    spec: DatasetSpec
    path: Path
    sheet: str | None
    display: str
    line: int | None


@dataclass(frozen=True)
class Plan:
    """A loaded plan: the validated file plus where everything lives."""

    config: PlanFile
    path: Path
    display: str
    sources: dict[str, Source]
    located: Located = field(repr=False)

    @property
    def directory(self) -> Path:
        """The directory every path in the plan is relative to."""
        return self.path.parent

    @property
    def info(self) -> PlanInfo:
        """The ``plan:`` block."""
        return self.config.plan

    @property
    def indicators(self) -> list[Indicator]:
        """The indicators, in file order."""
        return self.config.indicators

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with this id."""
        for indicator in self.config.indicators:
            if indicator.id == indicator_id:
                return indicator
        known = ", ".join(i.id for i in self.config.indicators)
        raise ConfigError(f"no indicator '{indicator_id}' in {self.display} (known: {known})")

    def line_of(self, *loc: int | str) -> int | None:
        """The line of a key in the YAML file."""
        return self.located.line_of(loc)

    def protected_paths(self) -> set[Path]:
        """Files the plan reads, which an ``--output`` must never overwrite."""
        return {self.path.resolve(), *(s.path for s in self.sources.values())}


def display_path(path: Path) -> str:
    """A path as users should see it: relative to the working directory when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _pattern_message(loc: tuple[int | str, ...], given: object) -> str:
    field = loc[-1] if loc else ""
    if field in ("value", "numerator", "denominator"):
        return f"expected dataset.column (e.g. accidents.死亡人数), got {given!r}"
    if field == "[key]" and loc[0] == "datasets":
        return f"dataset name {given!r} must be letters, digits or _ and not start with a digit"
    if field == "[key]":
        return (
            f"group name {given!r} must be lower-case letters, digits or _, starting with a letter"
        )
    return f"{given!r} must be lower-case letters, digits or _, starting with a letter"


def _loc_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    loc = tuple(part for part in loc if part != "[key]")
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_MESSAGES = {
    "missing": "missing required key",
    "extra_forbidden": "unknown key",
}


def _format_errors(exc: ValidationError, located: Located, display: str) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        line = located.line_of(loc)
        where = f"{display}:{line}" if line else display
        kind = error["type"]
        if kind in _MESSAGES:
            key = loc[-1] if loc else ""
            message = f"{_MESSAGES[kind]} '{key}'"
            if kind == "extra_forbidden":
                message += _allowed_keys(loc[:-1])
            parent = _loc_text(loc[:-1])
        elif kind == "string_pattern_mismatch":
            message = _pattern_message(loc, error.get("input"))
            parent = _loc_text(loc)
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            parent = _loc_text(loc)
        lines.append(f"{where}: {parent + ': ' if parent else ''}{message}")
    return "\n".join(lines)


_KEYS: dict[str, type[_Model]] = {
    "": PlanFile,
    "plan": PlanInfo,
    "target": Target,
    "validation": ValidationSettings,
}


def _allowed_keys(parent: tuple[int | str, ...]) -> str:
    name = ""
    if not parent:
        name = ""
    elif parent[-1] in _KEYS:
        name = str(parent[-1])
    elif parent[0] == "indicators" and len(parent) == 2:
        return " (allowed: " + ", ".join(Indicator.model_fields) + ")"
    elif parent[0] == "rules" and len(parent) == 2:
        return " (allowed: " + ", ".join(Rule.model_fields) + ")"
    elif parent[0] == "datasets" and len(parent) == 2:
        return " (allowed: " + ", ".join(DatasetSpec.model_fields) + ")"
    else:
        return ""
    return " (allowed: " + ", ".join(_KEYS[name].model_fields) + ")"


_SHEET = re.compile(r"^(?P<file>.+?\.xlsx)#(?P<sheet>.+)$", re.I)


def _resolve_source(
    name: str, spec: DatasetSpec, plan_dir: Path, located: Located, display: str
) -> Source:
    key = "path" if spec.path is not None else "records"
    line = located.line_of(
        ("datasets", name, key)
        if isinstance(located.data["datasets"][name], dict)
        else ("datasets", name)
    )
    where = f"{display}:{line}" if line else display
    text = spec.file
    sheet = None
    match = _SHEET.match(text)
    if match:
        text, sheet = match["file"], match["sheet"]
    if not text.strip():
        raise ConfigError(f"{where}: datasets.{name}: empty file path")
    raw = Path(text)
    candidate = raw if raw.is_absolute() else plan_dir / raw
    resolved = candidate.resolve()
    if not resolved.is_relative_to(plan_dir.resolve()):
        raise ConfigError(
            f"{where}: datasets.{name}: '{spec.file}' is outside the plan directory",
            hint="data files must live in the directory of indicators.yaml or below it",
        )
    return Source(
        dataset=name,
        spec=spec,
        path=resolved,
        sheet=sheet,
        display=display_path(candidate),
        line=line,
    )


def load_plan(path: str | os.PathLike[str] = "indicators.yaml") -> Plan:
    """Load and validate ``indicators.yaml``; raise :class:`ConfigError` on any problem."""
    config_path = Path(path)
    display = display_path(config_path)
    located = load_yaml(config_path, display)
    if not isinstance(located.data, dict):
        raise ConfigError(
            f"{display}:1: the plan file must be a mapping with plan, datasets and indicators"
        )
    try:
        config = PlanFile.model_validate(located.data)
    except ValidationError as exc:
        raise ConfigError(
            _format_errors(exc, located, display), hint="see README: the plan file"
        ) from None
    plan_dir = config_path.absolute().parent
    sources = {
        name: _resolve_source(name, spec, plan_dir, located, display)
        for name, spec in config.datasets.items()
    }
    for i, indicator in enumerate(config.indicators):
        own = indicator.target.baseline_year
        if own is not None and own >= config.plan.target_year:
            line = located.line_of(("indicators", i, "target", "baseline_year"))
            raise ConfigError(
                f"{display}:{line}: indicators[{i}].target.baseline_year: {own} must be before "
                f"the plan's target_year ({config.plan.target_year})",
                hint="the glide path runs from the baseline year to the target year",
            )
        for key, ref in indicator.refs:
            dataset = ref.split(".", 1)[0]
            if dataset not in config.datasets:
                line = located.line_of(("indicators", i, key))
                known = ", ".join(config.datasets)
                raise ConfigError(
                    f"{display}:{line}: indicators[{i}].{key}: unknown dataset "
                    f"'{dataset}' in '{ref}' (datasets: {known})",
                    hint="reference columns as dataset.column",
                )
    return Plan(
        config=config,
        path=config_path.absolute(),
        display=display,
        sources=sources,
        located=located,
    )


def schema() -> dict[str, Any]:
    """The JSON Schema of ``indicators.yaml``, generated from the models."""
    return PlanFile.model_json_schema()
