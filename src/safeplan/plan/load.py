"""Loading a plan: ``indicators.yaml`` → :class:`Plan`, with every path resolved.

:func:`load_plan` reads the file safely (:mod:`safeplan.plan.yamlio`), validates it against
the models of :mod:`safeplan.plan.models`, resolves the data files inside the plan
directory and checks the references between indicators and datasets. Every problem is one
:class:`~safeplan.errors.ConfigError` that names the key and its line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from safeplan.errors import ConfigError
from safeplan.plan.models import (
    ControlTable,
    DatasetSpec,
    Indicator,
    PlanFile,
    PlanInfo,
    Rule,
    Target,
    ValidationSettings,
    _Model,
)
from safeplan.plan.yamlio import Located, load_yaml


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
class ControlSource:
    """A control-figure table (控制指标分解表) named in the plan, resolved like a data file."""

    index: int
    """Its position in ``controls:``."""
    spec: ControlTable
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
    controls: list[ControlSource] = field(default_factory=list)

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
        raise ConfigError(f"{self.display} 中没有指标 '{indicator_id}'（已有：{known}）")

    def records_dataset(self, name: str | None = None) -> str:
        """The accident-records dataset named ``name`` (by default the first one)."""
        names = [n for n, s in self.sources.items() if s.spec.records is not None]
        if not names:
            raise ConfigError(
                f"{self.display}: 没有以事故台账（records:）给出的数据集",
                hint="在 datasets: 中声明  accidents: {records: data/事故台账.csv}",
            )
        if name is None:
            return names[0]
        if name not in names:
            raise ConfigError(
                f"没有名为 '{name}' 的事故台账数据集（台账数据集：{', '.join(names)}）",
                hint="--dataset 写 datasets: 中以 records: 给出的数据集名",
            )
        return name

    def line_of(self, *loc: int | str) -> int | None:
        """The line of a key in the YAML file."""
        return self.located.line_of(loc)

    def protected_paths(self) -> set[Path]:
        """Files the plan reads, which an ``--output`` must never overwrite."""
        return {
            self.path.resolve(),
            *(s.path for s in self.sources.values()),
            *(c.path for c in self.controls),
        }


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
        return f"应写成 数据集.列名（如 accidents.死亡人数），而不是 {given!r}"
    if field == "[key]" and "sectors" in loc:
        return f"行业分组名 {given!r} 只能由字母（含汉字）、数字和 _ 组成，且不以数字开头"
    if field == "[key]" and loc[0] == "datasets":
        return f"数据集名 {given!r} 只能由字母（含汉字）、数字和 _ 组成，且不以数字开头"
    if field == "[key]":
        return f"分组名 {given!r} 只能由小写字母、数字和 _ 组成，且以字母开头"
    return f"{given!r} 只能由小写字母、数字和 _ 组成，且以字母开头"


def _loc_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    loc = tuple(part for part in loc if part != "[key]")
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_MESSAGES = {
    "missing": "缺少必填的键",
    "extra_forbidden": "未知的键",
}

#: pydantic's error types, said in Chinese (the English message for any other type).
_TYPES = {
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "string_type": "应为文字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "dict_type": "应为键值映射（key: value）",
    "list_type": "应为列表（- 项 或 [a, b]）",
    "model_type": "应为键值映射（key: value）",
    "model_attributes_type": "应为键值映射（key: value）",
    "too_short": "不能为空",
    "string_too_short": "不能为空",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
    "literal_error": "不是可用的值",
    "date_type": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
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
        elif kind in _TYPES:
            message = _TYPES[kind] + _limits(error.get("ctx"))
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


def _limits(ctx: object) -> str:
    """The bounds or choices pydantic reports with an error, e.g. （不小于 1900）."""
    if not isinstance(ctx, dict):
        return ""
    if "ge" in ctx:
        return f"（不小于 {ctx['ge']}）"
    if "le" in ctx:
        return f"（不大于 {ctx['le']}）"
    if "expected" in ctx:
        return f"（可用：{ctx['expected']}）"
    return ""


def _allowed_keys(parent: tuple[int | str, ...]) -> str:
    name = ""
    if not parent:
        name = ""
    elif parent[-1] in _KEYS:
        name = str(parent[-1])
    elif parent[0] == "indicators" and len(parent) == 2:
        return "（可用：" + ", ".join(Indicator.model_fields) + "）"
    elif parent[0] == "rules" and len(parent) == 2:
        return "（可用：" + ", ".join(Rule.model_fields) + "）"
    elif parent[0] == "datasets" and len(parent) == 2:
        return "（可用：" + ", ".join(DatasetSpec.model_fields) + "）"
    elif parent[0] == "indicators" and len(parent) == 4 and parent[2] == "regions":
        return "（可用：" + ", ".join(Target.model_fields) + "）"
    elif parent[0] == "controls" and len(parent) == 2:
        return "（可用：" + ", ".join(ControlTable.model_fields) + "）"
    else:
        return ""
    return "（可用：" + ", ".join(_KEYS[name].model_fields) + "）"


_SHEET = re.compile(r"^(?P<file>.+?\.(?:xlsx|xlsm|xls|ods))#(?P<sheet>.+)$", re.I)


def _resolve_path(file: str, key: str, plan_dir: Path, where: str) -> tuple[Path, str | None, str]:
    """(resolved path, sheet, display path) of a file named in the plan, kept inside it."""
    text = file
    sheet = None
    match = _SHEET.match(text)
    if match:
        text, sheet = match["file"], match["sheet"]
    if not text.strip():
        raise ConfigError(f"{where}: {key}: 文件路径为空")
    raw = Path(text)
    candidate = raw if raw.is_absolute() else plan_dir / raw
    resolved = candidate.resolve()
    if not resolved.is_relative_to(plan_dir.resolve()):
        raise ConfigError(
            f"{where}: {key}: '{file}' 在计划目录之外",
            hint="数据文件须放在 indicators.yaml 所在目录或其子目录中",
        )
    return resolved, sheet, display_path(candidate)


def _resolve_source(
    name: str, spec: DatasetSpec, plan_dir: Path, located: Located, display: str
) -> Source:
    key = spec.key
    line = located.line_of(
        ("datasets", name, key)
        if isinstance(located.data["datasets"][name], dict)
        else ("datasets", name)
    )
    where = f"{display}:{line}" if line else display
    path, sheet, shown = _resolve_path(spec.source, f"datasets.{name}", plan_dir, where)
    return Source(dataset=name, spec=spec, path=path, sheet=sheet, display=shown, line=line)


def _resolve_control(
    index: int, spec: ControlTable, plan_dir: Path, located: Located, display: str
) -> ControlSource:
    entry = located.data["controls"][index]
    line = located.line_of(
        ("controls", index, "file") if isinstance(entry, dict) else ("controls", index)
    )
    where = f"{display}:{line}" if line else display
    path, sheet, shown = _resolve_path(spec.file, f"controls[{index}].file", plan_dir, where)
    return ControlSource(index=index, spec=spec, path=path, sheet=sheet, display=shown, line=line)


def _check_targets(config: PlanFile, located: Located, display: str) -> None:
    """What the models cannot see: a target's own baseline year against the plan's years."""
    for i, indicator in enumerate(config.indicators):
        own: list[tuple[tuple[int | str, ...], str, Target]] = [
            (("indicators", i, "target"), f"indicators[{i}].target", indicator.target)
        ]
        for name, target in (indicator.regions or {}).items():
            own.append(
                (("indicators", i, "regions", name), f"indicators[{i}].regions.{name}", target)
            )
        for loc, key, target in own:
            year = target.baseline_year
            if year is not None and year >= config.plan.target_year:
                line = located.line_of((*loc, "baseline_year"))
                raise ConfigError(
                    f"{display}:{line}: {key}.baseline_year: {year} 必须早于"
                    f"计划的 target_year（{config.plan.target_year}）",
                    hint="序时进度路径从基期年直线推进到目标年",
                )


def _check_controls(config: PlanFile, located: Located, display: str) -> None:
    """``controls:`` names known indicators, and none whose target is a period sum."""
    ids = {indicator.id: indicator for indicator in config.indicators}
    for i, control in enumerate(config.controls):
        for header, indicator_id in control.columns.items():
            line = located.line_of(("controls", i, "columns", header))
            if indicator_id not in ids:
                raise ConfigError(
                    f"{display}:{line}: controls[{i}].columns.{header}: 没有 id 为 "
                    f"'{indicator_id}' 的指标（已有：{', '.join(ids)}）",
                    hint="columns: 把附表的列名对应到 indicators: 中某个指标的 id",
                )
        if control.year is not None and not (
            config.plan.baseline_year <= control.year <= config.plan.target_year + 10
        ):
            line = located.line_of(("controls", i, "year"))
            raise ConfigError(
                f"{display}:{line}: controls[{i}].year: {control.year} 不在规划的年份范围内"
                f"（{config.plan.baseline_year}—{config.plan.target_year}）",
                hint="写控制指标所属的年份，如 year: 2025",
            )


def _unique_ids(located: Located, display: str) -> None:
    """An indicator id given twice is an error at the second one's line."""
    indicators = located.data.get("indicators")
    if not isinstance(indicators, list):
        return
    first: dict[object, int] = {}
    for i, indicator in enumerate(indicators):
        if not isinstance(indicator, dict) or not isinstance(indicator.get("id"), str):
            continue
        ident = indicator["id"]
        if ident in first:
            line = located.line_of(("indicators", i, "id"))
            raise ConfigError(
                f"{display}:{line}: indicators[{i}].id: 指标代码 '{ident}' 重复使用"
                f"（第一次在 indicators[{first[ident]}]）",
                hint="每个指标的 id 须唯一",
            )
        first[ident] = i


def load_plan(path: str | os.PathLike[str] = "indicators.yaml") -> Plan:
    """Load and validate ``indicators.yaml``; raise :class:`ConfigError` on any problem."""
    config_path = Path(path)
    display = display_path(config_path)
    located = load_yaml(config_path, display)
    if not isinstance(located.data, dict):
        raise ConfigError(f"{display}:1: 计划文件应为包含 plan、datasets 和 indicators 的键值映射")
    _unique_ids(located, display)
    try:
        config = PlanFile.model_validate(located.data)
    except ValidationError as exc:
        raise ConfigError(
            _format_errors(exc, located, display), hint="计划文件的写法见 README 和 docs/plan.md"
        ) from None
    plan_dir = config_path.absolute().parent
    sources = {
        name: _resolve_source(name, spec, plan_dir, located, display)
        for name, spec in config.datasets.items()
    }
    _check_targets(config, located, display)
    _check_controls(config, located, display)
    controls = [
        _resolve_control(i, spec, plan_dir, located, display)
        for i, spec in enumerate(config.controls)
    ]
    for i, indicator in enumerate(config.indicators):
        for key, ref in indicator.refs:
            dataset = ref.split(".", 1)[0]
            if dataset not in config.datasets:
                line = located.line_of(("indicators", i, key))
                known = ", ".join(config.datasets)
                raise ConfigError(
                    f"{display}:{line}: indicators[{i}].{key}: '{ref}' 中的数据集 "
                    f"'{dataset}' 不存在（已有数据集：{known}）",
                    hint="引用列时写 数据集.列名，数据集名见 datasets:",
                )
    return Plan(
        config=config,
        path=config_path.absolute(),
        display=display,
        sources=sources,
        located=located,
        controls=controls,
    )
