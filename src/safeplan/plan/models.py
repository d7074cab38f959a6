"""The models of ``indicators.yaml``: strict (unknown keys rejected), frozen pydantic models.

``safeplan schema`` prints the JSON Schema generated from them; :mod:`safeplan.plan.load`
turns a YAML document into a :class:`PlanFile` and every problem into a
:class:`~safeplan.errors.ConfigError` naming the key and its line.
"""

from __future__ import annotations

import sys
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema

ID_PATTERN = r"^[a-z][a-z0-9_]*$"

_ATTRIBUTES = {"约束性": "binding", "预期性": "expected"}


#: Dataset names: letters (Chinese included), digits and _, not starting with a digit.
DATASET_PATTERN = r"^[^\W\d]\w*$"


#: The largest and the smallest non-zero magnitudes a plan number may have: every number is
#: also computed with in floating point, where anything beyond is infinity or zero.
FLOAT_MAX = Decimal(sys.float_info.max)
FLOAT_MIN = Decimal(sys.float_info.min)
#: The most significant digits a plan number may have: far beyond any target, while a number
#: of a million digits would make every exact comparison slow.
MAX_DIGITS = 100


def _number(value: object) -> Decimal:
    """A plan number: an int or a decimal, finite, not negative, within the float range.

    Booleans and quoted text (``max: "0"``) are refused: a string where a number is meant
    is a mistake in the plan, not something to guess about. Indicators are counts, rates
    and percentages, never negative, so no plan number is. Beyond the float range
    (``1e400``, or a non-zero number below ``2.2e-308``) values could not be computed.
    """
    if isinstance(value, bool):
        raise ValueError("应为数字，而不是 true/false")
    if isinstance(value, str):
        raise ValueError(f"应为数字，而不是文字 {value!r}（去掉引号）")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, float):
        value = Decimal(repr(value))
    if not isinstance(value, Decimal):
        raise ValueError(f"应为数字，而不是 {type(value).__name__}")
    if not value.is_finite():
        raise ValueError("应为有限的数字（不能是 .inf 或 .nan）")
    magnitude = value.copy_abs()  # exact: abs() rounds to the context, 1e999999999 overflows
    shown = str(value) if len(str(value)) <= 30 else str(value)[:30] + "…"
    if magnitude > FLOAT_MAX:
        raise ValueError(f"{shown} 超出可计算的范围（绝对值不能超过 1.8e308）")
    if value and magnitude < FLOAT_MIN:
        raise ValueError(f"{shown} 太接近 0，无法计算（非零数的绝对值不能小于 2.2e-308）")
    if value < 0:
        raise ValueError(f"不能为负数（{shown}）：指标值和目标都不为负")
    if len(value.as_tuple().digits) > MAX_DIGITS:
        raise ValueError(f"有效数字超过 {MAX_DIGITS} 位，不像规划中的数字")
    return value


Number = Annotated[
    Decimal,
    BeforeValidator(_number),
    WithJsonSchema({"type": "number", "minimum": 0}),
]


#: Character categories a plan's text may not hold: controls (C0, DEL, C1), invisible
#: format characters (zero-width space, bidirectional overrides, BOM), line separators.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _text(value: str) -> str:
    """Plan text (names, paths, units): no control or invisible characters.

    A NUL would end a path at the operating system, ESC would repaint the terminal, a
    newline would split an annotation, a zero-width space would make two names that look
    alike differ: all are refused, naming the character and where it is.
    """
    if value.isprintable():
        return value
    for position, char in enumerate(value, start=1):
        if unicodedata.category(char) in _HIDDEN:
            raise ValueError(
                f"第 {position} 个字符是控制字符或不可见字符 U+{ord(char):04X}，请删除"
            )
    return value


Text = Annotated[str, AfterValidator(_text)]


Year = Annotated[int, Field(strict=True, ge=1900, le=2200)]


Ref = Annotated[
    str,
    Field(
        pattern=r"^[^\W\d]\w*\.\S.*$",
        description="dataset.column — column names may be Chinese",
    ),
    AfterValidator(_text),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanInfo(_Model):
    """The ``plan:`` block: what the plan is and the years it spans."""

    name: Text = Field(min_length=1, description="free text, e.g. 示例市“十四五”安全生产规划")
    region: Text | None = Field(None, description="label of the whole-plan aggregate")
    baseline_year: Year
    target_year: Year

    @model_validator(mode="after")
    def _years(self) -> PlanInfo:
        if self.target_year <= self.baseline_year:
            raise ValueError(
                f"target_year（目标年 {self.target_year}）必须晚于 "
                f"baseline_year（基期年 {self.baseline_year}）"
            )
        return self


#: The roles of a records dataset's columns (what ``columns:`` may map).
RECORD_ROLES = ("date", "year", "region", "sector", "deaths", "serious_injuries", "direct_loss")


class DatasetSpec(_Model):
    """A dataset: a yearly table (``file``) or accident records (``records``).

    In YAML a plain string is the file of a yearly table.
    """

    file: Text | None = Field(
        None, description="CSV or workbook (.xlsx/.xlsm/.xls/.ods, file.xlsx#Sheet) of yearly rows"
    )
    path: Text | None = Field(None, description="the same as file (an older spelling)")
    records: Text | None = Field(
        None, description="CSV or workbook of accident records, one row per accident"
    )
    columns: dict[Annotated[Text, Field(min_length=1)], Annotated[Text, Field(min_length=1)]] = (
        Field(
            default_factory=dict,
            description="column name or role → the header in the file, e.g. {year: 统计年度, "
            "region: 单位名称}; records: the roles date, year, region, sector, deaths, "
            "serious_injuries, direct_loss",
        )
    )
    sectors: dict[Annotated[str, Field(pattern=DATASET_PATTERN)], list[Text]] = Field(
        default_factory=dict, description="named groups of values of the sector column"
    )
    through: date | None = Field(
        None,
        description="accident records only: the date the ledger is complete to (统计截止日期), "
        "YYYY-MM-DD; a year ending after it is partial",
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_path(cls, value: object) -> object:
        return {"file": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_source(self) -> DatasetSpec:
        given = [k for k in ("file", "path", "records") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "只能给出 'file: 文件'（年度统计表）或 'records: 文件'（事故台账）中的一个"
                + (f"（现在给了 {', '.join(given)}）" if given else "")
            )
        if self.sectors and self.records is None:
            raise ValueError("'sectors'（行业分组）只用于事故台账（records:）")
        if self.records is not None:
            unknown = [k for k in self.columns if k not in RECORD_ROLES]
            if unknown:
                raise ValueError(
                    f"columns: '{unknown[0]}' 不是事故台账的列角色"
                    f"（可用：{', '.join(RECORD_ROLES)}）"
                )
        headers = list(self.columns.values())
        for header in headers:
            if headers.count(header) > 1:
                raise ValueError(f"columns: 表头 '{header}' 被映射了两次")
        if self.through is not None and self.records is None:
            raise ValueError("'through'（统计截止日期）只用于事故台账（records:）")
        return self

    @property
    def source(self) -> str:
        """The file named by the spec (yearly table or records)."""
        for name in (self.file, self.path, self.records):
            if name is not None:
                return name
        raise AssertionError("a dataset names a file")  # pragma: no cover - validated

    @property
    def key(self) -> str:
        """The YAML key that names the file: ``file``, ``path`` or ``records``."""
        return next(k for k in ("file", "path", "records") if getattr(self, k) is not None)


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
    baseline_value: Number | None = Field(
        None,
        description="decline_pct only: the published baseline value (基期值), used instead of "
        "the data's value in the baseline year",
    )
    cumulative: bool | None = Field(
        None,
        description="max/min on a value indicator only: the value is the sum of the yearly "
        "values from the year after the plan's baseline through the evaluated year "
        "(a period target such as 2024—2026年不发生较大及以上事故)",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        given = [
            k for k in ("max", "min", "decline_pct", "yoy_decline") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "目标只能给出 max、min、decline_pct、yoy_decline 中的一个"
                + (f"（现在给了 {', '.join(given)}）" if given else "")
            )
        if self.baseline_year is not None and self.decline_pct is None:
            raise ValueError("baseline_year 只能与 decline_pct 一起使用")
        if self.baseline_value is not None and self.decline_pct is None:
            raise ValueError("baseline_value（基期值）只能与 decline_pct 一起使用")
        if self.baseline_value is not None and self.baseline_value < 0:
            raise ValueError("baseline_value（基期值）不能为负数")
        if self.cumulative and self.kind not in ("max", "min"):
            raise ValueError("cumulative（累计）只能与 max 或 min 一起使用")
        if self.decline_pct is not None and self.decline_pct > 100:
            raise ValueError("decline_pct 是百分比，不能超过 100")
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
    name: Text = Field(min_length=1)
    value: Ref | None = None
    numerator: Ref | None = None
    denominator: Ref | None = None
    per: Number | None = Field(None, description="scale of a rate, default 1")
    unit: Text | None = Field(None, description="display unit, e.g. 人/亿元")
    attribute: Literal["binding", "expected", "约束性", "预期性"] | None = Field(
        None, description="display: binding (约束性) or expected (预期性) indicator"
    )
    decimals: Annotated[int, Field(strict=True, ge=0, le=6)] | None = Field(
        None, description="display: decimal places of values and thresholds (0–6)"
    )
    target: Target
    regions: dict[Annotated[Text, Field(min_length=1)], Target] | None = Field(
        None,
        description="per-region targets (控制指标分解), any target form; a region's own target "
        "replaces the plan-wide one for that region",
    )

    @field_validator("attribute")
    @classmethod
    def _attribute_key(cls, value: str | None) -> str | None:
        # The Chinese words are accepted as written in plans; stored as the English key.
        return _ATTRIBUTES.get(value, value) if value is not None else None

    @model_validator(mode="after")
    def _value_or_rate(self) -> Indicator:
        if self.value is not None:
            if self.numerator is not None or self.denominator is not None:
                raise ValueError("value 与 numerator + denominator 只能给出一种")
            if self.per is not None:
                raise ValueError("per（换算系数）只用于 numerator + denominator 的比率指标")
        elif self.numerator is None or self.denominator is None:
            raise ValueError("请给出 value，或同时给出 numerator 和 denominator")
        if self.per is not None and self.per <= 0:
            raise ValueError("per（换算系数）必须为正数")
        own = [("target", self.target)]
        own += [(f"regions.{name}", t) for name, t in (self.regions or {}).items()]
        for where, target in own:
            if target.cumulative and self.value is None:
                raise ValueError(
                    f"{where}: cumulative（累计）只用于 value 指标（逐年计数之和），"
                    "不能用于 numerator + denominator 的比率"
                )
        return self

    @property
    def is_rate(self) -> bool:
        """True for a rate (``numerator``/``denominator``)."""
        return self.value is None

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
    check: Text = Field(min_length=1, description="comparison of column expressions")
    name: Text | None = None
    severity: Literal["error", "warning"] = "error"


class ValidationSettings(_Model):
    """``validation:`` — thresholds of the plausibility warnings."""

    max_change_pct: Number | None = Field(
        Decimal(50), description="warn when a used column changes more than this % in a year"
    )
    year_gaps: bool = Field(True, description="warn about a gap in the sequence of years")


class ControlTable(_Model):
    """One control-figure table (控制指标分解表, the 附表 as the city sends it).

    One row per region (a total row such as 合计 is the whole plan), one column per
    indicator (headed by its name or id, or mapped in ``columns``); each figure is that
    region's cap (``max``) for the year — the ``year`` given here, or the row's year column.
    """

    file: str = Field(min_length=1, description="CSV or .xlsx (file.xlsx#Sheet)")
    year: Year | None = Field(
        None, description="the year of every figure in the file (else a 年份 column)"
    )
    columns: dict[
        Annotated[str, Field(min_length=1)], Annotated[str, Field(pattern=ID_PATTERN)]
    ] = Field(default_factory=dict, description="header as written → indicator id")

    @model_validator(mode="before")
    @classmethod
    def _plain_path(cls, value: object) -> object:
        return {"file": value} if isinstance(value, str) else value


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
    controls: list[ControlTable] = Field(
        default_factory=list,
        description="control-figure tables (控制指标分解表): per-region, per-year caps",
    )
    validation: ValidationSettings = Field(default_factory=lambda: ValidationSettings())

    @field_validator("indicators")
    @classmethod
    def _unique_ids(cls, indicators: list[Indicator]) -> list[Indicator]:
        seen: set[str] = set()
        for indicator in indicators:
            if indicator.id in seen:
                raise ValueError(f"指标代码 '{indicator.id}' 重复使用")
            seen.add(indicator.id)
        return indicators


def schema() -> dict[str, Any]:
    """The JSON Schema of ``indicators.yaml``, generated from the models."""
    return PlanFile.model_json_schema()
