"""indicators.yaml: strict models, errors that name the key and its line."""

from __future__ import annotations

import re
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
    assert "未知的键 'nmae'" in message


def test_unknown_target_key(tmp_path):
    message = error_of(tmp_path, GOOD.replace("{max: 0.01}", "{maxx: 0.01}"))
    assert "indicators.yaml:11" in message and "maxx" in message


def test_missing_required_key(tmp_path):
    message = error_of(tmp_path, GOOD.replace("  baseline_year: 2020\n", ""))
    assert "缺少必填的键 'baseline_year'" in message
    assert "indicators.yaml:1" in message


def test_target_needs_exactly_one_kind(tmp_path):
    message = error_of(tmp_path, GOOD.replace("{max: 0.01}", "{max: 1, min: 0}"))
    assert "中的一个" in message and ":11" in message
    assert "中的一个" in error_of(tmp_path, GOOD.replace("{max: 0.01}", "{}"))


def test_yoy_must_be_true(tmp_path):
    assert ":11" in error_of(tmp_path, GOOD.replace("{max: 0.01}", "{yoy_decline: false}"))


def test_target_must_follow_baseline(tmp_path):
    message = error_of(tmp_path, GOOD.replace("target_year: 2025", "target_year: 2020"))
    assert "target_year" in message


def test_unknown_dataset_reference(tmp_path):
    message = error_of(tmp_path, GOOD.replace("value: a.deaths", "value: b.deaths"))
    assert "indicators.yaml:10" in message and "数据集 'b' 不存在" in message


def test_value_and_rate_are_exclusive(tmp_path):
    text = GOOD.replace(
        "    value: a.deaths\n", "    value: a.deaths\n    numerator: a.x\n    denominator: a.y\n"
    )
    assert "只能给出一种" in error_of(tmp_path, text)
    assert "numerator" in error_of(tmp_path, GOOD.replace("value: a.deaths", "numerator: a.deaths"))


def test_duplicate_ids(tmp_path):
    text = GOOD + "  - {id: deaths, name: x, value: a.deaths, target: {max: 1}}\n"
    assert "重复使用" in error_of(tmp_path, text)


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
    assert "在计划目录之外" in message and "999" not in message


def test_symlink_escaping_the_plan_dir(tmp_path):
    outside = tmp_path.parent / "elsewhere.csv"
    outside.write_text("year,deaths\n2024,1\n", encoding="utf-8")
    sub = tmp_path / "plan"
    sub.mkdir()
    (sub / "link.csv").symlink_to(outside)
    assert "在计划目录之外" in error_of(sub, GOOD.replace("a: a.csv", "a: link.csv"))


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
    assert "只用于事故台账" in error_of(tmp_path, bad)


def test_chinese_dataset_names(tmp_path):
    text = GOOD.replace("  a: a.csv", "  事故: a.csv").replace(
        "value: a.deaths", "value: 事故.deaths"
    )
    plan = load_plan(write(tmp_path, text))
    assert list(plan.sources) == ["事故"]
    message = error_of(tmp_path, GOOD.replace("value: a.deaths", "value: deaths"))
    assert "应写成 数据集.列名" in message and "indicators.yaml:10" in message
    assert "不以数字开头" in error_of(tmp_path, GOOD.replace("  a: a.csv", "  1a: a.csv"))


def test_target_baseline_must_precede_target_year(tmp_path):
    text = GOOD.replace("{max: 0.01}", "{decline_pct: 10, baseline_year: 2025}")
    message = error_of(tmp_path, text)
    assert "baseline_year" in message and "indicators.yaml:11" in message


# --------------------------------------------------------------------------- hostile plan files


@pytest.mark.parametrize(
    "target",
    ["{max: 0, max: 5}", "{max: 0, 'max': 5}", "{max: 0,\n      max: 5}"],
)
def test_duplicate_key_in_flow_style_names_its_line(tmp_path, target):
    message = error_of(tmp_path, GOOD.replace("{max: 0.01}", target))
    assert "'max'" in message and "出现了两次" in message
    assert re.search(r"indicators\.yaml:1[12]:\d+: ", message)


@pytest.mark.parametrize(
    ("edit", "line", "needle"),
    [
        (("target_year: 2025", "target_year: 33:45"), 4, "六十进制"),
        (("target_year: 2025", "target_year: 0o3745"), 4, "进制"),
        (("baseline_year: 2020", "baseline_year: 03744"), 3, "八进制"),
        (("{max: 0.01}", "{max: 1:30}"), 11, "六十进制"),
    ],
)
def test_yaml_11_numbers_are_refused_at_their_line(tmp_path, edit, line, needle):
    message = error_of(tmp_path, GOOD.replace(*edit))
    assert f"indicators.yaml:{line}:" in message and needle in message


def test_quoted_base_60_text_is_text(tmp_path):
    config = load_plan(write(tmp_path, GOOD.replace("name: 测试", 'name: "33:45"')))
    assert config.info.name == "33:45"


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("{max: 1e400}", "超出可计算的范围"),
        ("{max: -1e400}", "超出可计算的范围"),
        ("{max: 1e-400}", "太接近 0"),
        ("{max: 1" + "0" * 400 + "}", "超出可计算的范围"),
        ("{decline_pct: -5}", "不能为负数"),
        ("{max: -0.5}", "不能为负数"),
        ('{max: "0"}', "应为数字"),
        ("{max: '0.01'}", "应为数字"),
        ("{max: .inf}", "有限"),
        ("{max: 27." + "0" * 200 + "1}", "有效数字超过 100 位"),
        # Huge exponents and integers are refused at once, not an internal error.
        ("{max: 1e999999999}", "1E+999999999 超出可计算的范围"),
        ("{max: -1.0e999999999}", "超出可计算的范围"),
        ("{max: 1e99999999999999999999}", "1e999999999999999999… 超出可读取的范围"),
        ("{max: 1" + "0" * 5000 + "}", "10000000000000000000… 有 5001 位，位数过多"),
        ("{max: !!float abc}", "abc 不是数字"),
        ("{max: !!int abc}", "abc 不是整数"),
        ('{max: !!int ""}', '"" 不是整数'),
        ("{max: !!int -}", "- 不是整数"),
        # an integer of millions of hexadecimal digits would take minutes to convert
        ("{max: !!int 0x" + "f" * 5000 + "}", "0xffffffffffffffffff… 有 5002 位，位数过多"),
    ],
)
def test_bad_plan_numbers_are_config_errors_at_their_line(tmp_path, target, needle):
    """Each a config error at the target's line, quoting the number briefly."""
    message = error_of(tmp_path, GOOD.replace("{max: 0.01}", target))
    assert "indicators.yaml:11:" in message and needle in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ('"死亡\\0人数"', "U+0000"),
        ('"死亡\\e[31m人数"', "U+001B"),
        ('"死亡\\n::error::人数"', "U+000A"),
        ('"死亡\\u202e人数"', "U+202E"),
        ('"死亡\\u200b人数"', "U+200B"),
        ('"死亡\\x9b人数"', "U+009B"),
    ],
)
def test_control_characters_in_names_are_config_errors(tmp_path, name, code):
    message = error_of(tmp_path, GOOD.replace("name: 死亡人数", f"name: {name}"))
    assert "indicators.yaml:9:" in message and code in message and "第 3 个字符" in message


def test_nul_in_a_data_path_is_a_config_error(tmp_path):
    message = error_of(tmp_path, GOOD.replace("a: a.csv", 'a: "a\\0.csv"'))
    assert "indicators.yaml:6:" in message and "U+0000" in message


def test_nul_in_the_plan_path_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="NUL"):
        load_plan(tmp_path / "indi\0cators.yaml")


@pytest.mark.parametrize(
    ("check", "needle"),
    [
        ("a.deaths" + " + a.deaths" * 5000 + " >= 0", "规则过长"),
        ("(" * 500 + "a.deaths" + ")" * 500 + " >= 0", "嵌套"),
        ("-" * 500 + "a.deaths >= 0", "嵌套"),
        # a number that exact arithmetic would expand into a billion digits: refused at once
        ("a.deaths <= 1e999999999", "超出范围"),
        ("a.deaths <= 1" + "0" * 5000, "超出范围"),
        ("a.deaths / (2 - 2) <= 1", "除数恒为 0"),
    ],
)
def test_huge_rules_are_config_errors_at_their_line(run, tmp_path, check, needle):
    config = write(tmp_path, GOOD + f"rules:\n  - id: r\n    check: {check}\n")
    result = run("validate", "-c", str(config))
    assert result.exit_code == 2
    assert "indicators.yaml:14:" in result.stderr and needle in result.stderr
    assert "内部错误" not in result.stderr and len(result.stderr) < 10_000


def test_a_long_but_allowed_rule_is_evaluated(run, tmp_path):
    check = "a.deaths" + " + a.deaths" * 900 + " >= 901 * a.deaths"
    config = write(tmp_path, GOOD + f"rules:\n  - id: r\n    check: {check}\n")
    result = run("validate", "-c", str(config), "-f", "json")
    assert result.exit_code == 0, result.stderr


def test_a_duplicate_id_is_named_at_its_second_line(tmp_path):
    text = GOOD + "  - {id: deaths, name: x, value: a.deaths, target: {max: 1}}\n"
    line = text.count("\n")  # the last line holds the second id
    message = error_of(tmp_path, text)
    assert f"indicators.yaml:{line}:" in message and "重复使用" in message
