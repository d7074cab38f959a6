"""indicators.yaml: strict models, errors that name the key and its line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from safeplan.errors import ConfigError
from safeplan.plan import load_plan, schema

GOOD = """\
plan:
  name: 测试
  baseline_year: 2020
  target_year: 2025
datasets:
  a: a.csv
indicators:
  - id: deaths
    name: 死亡人数
    value: a.deaths
    target: {max: 0.01}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "a.csv").write_text("year,deaths\n2024,1\n", encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_plan(write(tmp_path, text))
    return info.value.message


def test_good_plan_loads_with_exact_numbers(tmp_path):
    plan = load_plan(write(tmp_path, GOOD))
    indicator = plan.indicators[0]
    assert indicator.target.kind == "max"
    assert indicator.target.number == Decimal("0.01")
    assert plan.sources["a"].path == (tmp_path / "a.csv").resolve()


def test_exponent_numbers_are_numbers(tmp_path):
    plan = load_plan(write(tmp_path, GOOD.replace("max: 0.01", "max: 1e-2")))
    assert plan.indicators[0].target.number == Decimal("0.01")


def test_unknown_key_names_key_and_line(tmp_path):
    message = error_of(
        tmp_path, GOOD.replace("    name: 死亡人数\n", "    name: 死亡人数\n    nmae: x\n")
    )
    assert "indicators.yaml:10" in message
    assert "unknown key 'nmae'" in message


def test_unknown_target_key(tmp_path):
    message = error_of(tmp_path, GOOD.replace("{max: 0.01}", "{maxx: 0.01}"))
    assert "indicators.yaml:11" in message and "maxx" in message


def test_missing_required_key(tmp_path):
    message = error_of(tmp_path, GOOD.replace("  baseline_year: 2020\n", ""))
    assert "missing required key 'baseline_year'" in message
    assert "indicators.yaml:1" in message


def test_target_needs_exactly_one_kind(tmp_path):
    message = error_of(tmp_path, GOOD.replace("{max: 0.01}", "{max: 1, min: 0}"))
    assert "exactly one" in message and ":11" in message
    assert "exactly one" in error_of(tmp_path, GOOD.replace("{max: 0.01}", "{}"))


def test_yoy_must_be_true(tmp_path):
    assert ":11" in error_of(tmp_path, GOOD.replace("{max: 0.01}", "{yoy_decline: false}"))


def test_target_must_follow_baseline(tmp_path):
    message = error_of(tmp_path, GOOD.replace("target_year: 2025", "target_year: 2020"))
    assert "target_year" in message


def test_unknown_dataset_reference(tmp_path):
    message = error_of(tmp_path, GOOD.replace("value: a.deaths", "value: b.deaths"))
    assert "indicators.yaml:10" in message and "unknown dataset 'b'" in message


def test_value_and_rate_are_exclusive(tmp_path):
    text = GOOD.replace(
        "    value: a.deaths\n", "    value: a.deaths\n    numerator: a.x\n    denominator: a.y\n"
    )
    assert "not both" in error_of(tmp_path, text)
    assert "numerator" in error_of(tmp_path, GOOD.replace("value: a.deaths", "numerator: a.deaths"))


def test_duplicate_ids(tmp_path):
    text = GOOD + "  - {id: deaths, name: x, value: a.deaths, target: {max: 1}}\n"
    assert "used twice" in error_of(tmp_path, text)


def test_bad_id_pattern(tmp_path):
    assert "indicators.yaml:8" in error_of(tmp_path, GOOD.replace("id: deaths", "id: Deaths-1"))


def test_duplicate_yaml_key(tmp_path):
    message = error_of(tmp_path, GOOD.replace("  name: 测试\n", "  name: 测试\n  name: 又一个\n"))
    assert "出现了两次" in message and "indicators.yaml:3:" in message and "第 2 行" in message


def test_yaml_syntax_error_has_line(tmp_path):
    message = error_of(tmp_path, GOOD.replace("{max: 0.01}", "{max: 0.01"))
    assert "YAML 语法错误" in message and "indicators.yaml:" in message


def test_alias_bomb_is_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    message = error_of(tmp_path, bomb)
    assert "展开后超过" in message


@pytest.mark.parametrize(
    ("text", "line"),
    [("plan: {name: x}\nloop: &a [*a]\n", 2), ("loop: &a {again: *a}\n", 1)],
)
def test_recursive_alias_is_refused_not_followed_forever(tmp_path, text, line):
    message = error_of(tmp_path, text)
    assert f"indicators.yaml:{line}: YAML 别名引用了包含它自身的节点" in message


def test_data_path_outside_plan_dir(tmp_path):
    outside = tmp_path.parent / "secret.csv"
    outside.write_text("year,deaths\n2024,999\n", encoding="utf-8")
    sub = tmp_path / "plan"
    sub.mkdir()
    message = error_of(sub, GOOD.replace("a: a.csv", "a: ../secret.csv"))
    assert "outside the plan directory" in message and "999" not in message


def test_symlink_escaping_the_plan_dir(tmp_path):
    outside = tmp_path.parent / "elsewhere.csv"
    outside.write_text("year,deaths\n2024,1\n", encoding="utf-8")
    sub = tmp_path / "plan"
    sub.mkdir()
    (sub / "link.csv").symlink_to(outside)
    assert "outside" in error_of(sub, GOOD.replace("a: a.csv", "a: link.csv"))


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="文件不存在"):
        load_plan(tmp_path / "nope.yaml")


def test_schema_is_generated_from_models():
    generated = schema()
    assert generated["title"] == "safeplan indicators.yaml"
    assert set(generated["required"]) == {"plan", "datasets", "indicators"}
    assert generated["additionalProperties"] is False
    target = generated["$defs"]["Target"]["properties"]
    assert {"max", "min", "decline_pct", "yoy_decline", "baseline_year"} <= set(target)


def test_records_dataset_and_sectors(tmp_path):
    text = GOOD.replace(
        "  a: a.csv\n", "  a:\n    records: a.csv\n    sectors: {road: [道路交通]}\n"
    )
    plan = load_plan(write(tmp_path, text))
    assert plan.sources["a"].spec.records == "a.csv"
    assert plan.sources["a"].spec.sectors == {"road": ["道路交通"]}
    bad = GOOD.replace("  a: a.csv\n", "  a:\n    path: a.csv\n    sectors: {road: [道路交通]}\n")
    assert "only for accident records" in error_of(tmp_path, bad)


def test_chinese_dataset_names(tmp_path):
    text = GOOD.replace("  a: a.csv", "  事故: a.csv").replace(
        "value: a.deaths", "value: 事故.deaths"
    )
    plan = load_plan(write(tmp_path, text))
    assert list(plan.sources) == ["事故"]
    message = error_of(tmp_path, GOOD.replace("value: a.deaths", "value: deaths"))
    assert "expected dataset.column" in message and "indicators.yaml:10" in message
    assert "not start with a digit" in error_of(tmp_path, GOOD.replace("  a: a.csv", "  1a: a.csv"))


def test_target_baseline_must_precede_target_year(tmp_path):
    text = GOOD.replace("{max: 0.01}", "{decline_pct: 10, baseline_year: 2025}")
    message = error_of(tmp_path, text)
    assert "baseline_year" in message and "indicators.yaml:11" in message
