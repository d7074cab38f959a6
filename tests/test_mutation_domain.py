"""Rules that mutation testing showed unguarded: the 493 class constants, every operator
of the rule language on its exact tie, and the number grammar (see docs/testing.md)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

import safeplan
from safeplan.domain import classes
from safeplan.domain.classes import classify, describe
from safeplan.errors import ConfigError

# --- 国务院令第493号 第三条: the exported constants are the regulation's numbers ---------------


def test_exported_493_bounds_are_the_regulations_numbers():
    """较大 from 3 deaths / 10 serious injuries / 1000 万元, 重大 from 10 / 50 / 5000 万元,
    特别重大 from 30 / 100 / 1 亿元 (10 000 万元): library users classify with these."""
    assert classes.DEATH_BOUNDS == (3, 10, 30)
    assert classes.INJURY_BOUNDS == (10, 50, 100)
    assert classes.LOSS_BOUNDS == (Decimal(1000), Decimal(5000), Decimal(10000))
    assert (classes.GENERAL, classes.LARGER, classes.MAJOR, classes.ESPECIALLY_MAJOR) == (
        0,
        1,
        2,
        3,
    )
    assert [classes.CLASSES[c] for c in range(4)] == [
        "general",
        "larger",
        "major",
        "especially_major",
    ]
    assert classes.CLASS_NAME_ZH == {
        "general": "一般",
        "larger": "较大",
        "major": "重大",
        "especially_major": "特别重大",
    }
    assert classes.CLASS_NAME_EN["especially_major"] == "especially major"
    # 重特大 = 重大 + 特别重大; 较大及以上 = 较大 + 重大 + 特别重大.
    assert classes.CLASS_MASKS == {
        "general": (0,),
        "larger": (1,),
        "major": (2,),
        "especially_major": (3,),
        "major_or_above": (2, 3),
        "larger_or_above": (1, 2, 3),
    }
    # 元 ÷ 10 000 and 亿元 × 10 000 give 万元.
    assert classes.LOSS_UNITS == {"万元": 0, "元": -4, "亿元": 4}


@pytest.mark.parametrize(
    ("measure", "below", "bound", "code"),
    [
        ("deaths", 2, 3, 1),
        ("deaths", 9, 10, 2),
        ("deaths", 29, 30, 3),
        ("serious_injuries", 9, 10, 1),
        ("serious_injuries", 49, 50, 2),
        ("serious_injuries", 99, 100, 3),
        ("direct_loss", "999.99", "1000", 1),
        ("direct_loss", "4999.99", "5000", 2),
        ("direct_loss", "9999.99", "10000", 3),
    ],
)
def test_each_493_bound_of_each_measure_reaches_the_higher_class(measure, below, bound, code):
    """ "以上"包括本数，"以下"不包括本数: the bound itself is the higher class, one below it
    the lower; the reason names the measure and the bound it met."""
    values = {"deaths": 0, "serious_injuries": 0, "direct_loss": "0"}
    on, under = dict(values, **{measure: bound}), dict(values, **{measure: below})
    got = classify(
        [on["deaths"], under["deaths"]],
        [on["serious_injuries"], under["serious_injuries"]],
        [on["direct_loss"], under["direct_loss"]],
    )
    assert got.code.tolist() == [code, code - 1]
    reason = describe(code, on["deaths"], on["serious_injuries"], on["direct_loss"])
    assert reason.startswith(classes.CLASS_NAMES_ZH[code] + ": ")
    assert f"≥ {bound}" in reason


def test_general_reason_names_every_bound_of_larger():
    """一般: each measure is said to stay below the bound of 较大 (3, 10, 1000)."""
    assert (
        describe(0, 2, 9, "999.99")
        == "一般: 死亡 2 人 < 3，重伤 9 人 < 10，直接经济损失 999.99 万元 < 1000"
    )
    assert describe(0, 2, 9, "999.99", lang="en") == (
        "general: deaths 2 < 3, serious injuries 9 < 10, direct loss 999.99 (10k yuan) < 1000"
    )


def test_counts_per_class_follow_the_codes():
    """The class counts (一般 … 特别重大) count each accident once, in its class."""
    got = classify([0, 3, 10, 30, 1], [0, 0, 0, 0, 0], ["0", "0", "0", "0", "0"])
    assert got.counts() == {"general": 2, "larger": 1, "major": 1, "especially_major": 1}
    assert len(got) == 5


@pytest.mark.parametrize(
    ("text", "exponent", "wan"),
    [
        ("12345", -4, "1.2345"),
        ("1.2", 4, "12000"),
        ("0", -4, "0"),
        ("10000000", -4, "1000"),
        ("-0", -4, "0"),
        ("-0.0", 4, "0"),
        ("0.00005", 4, "0.5"),
    ],
)
def test_a_loss_in_yuan_or_yi_yuan_becomes_wan_yuan_exactly(text, exponent, wan):
    """元 ÷ 10 000 and 亿元 × 10 000, on the text: 1 000 万元 stays exactly on 较大's bound."""
    assert classes.loss_in_wan(text, exponent) == wan


# --- the rule language: each operator on an exact tie that floats get wrong -----------------

RULE_PLAN = """\
plan: {name: 规则, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}
rules:
  - {id: r, check: "RULE"}
"""
# 0.1 + 0.2 is 0.30000000000000004 in floats; exactly 0.3.
RULE_DATA = {"a.csv": (["年份", "死亡人数", "x", "y", "z"], [[2020, 1, "0.1", "0.2", "0.3"]])}


@pytest.mark.parametrize(
    ("rule", "holds"),
    [
        # arithmetic, each on a tie that only exact arithmetic sees
        ("a.x + a.y == a.z", True),
        ("a.z - a.y == a.x", True),
        ("a.z - a.x == a.y", True),
        ("a.x * 3 == a.z", True),
        ("a.z / 3 == a.x", True),
        ("a.z / a.x == 3", True),
        ("a.x × 3 == a.z", True),
        ("a.z ÷ 3 == a.x", True),
        ("-a.x + a.z == a.y", True),
        ("a.z + -a.x == a.y", True),
        ("-(a.x + a.y) == -a.z", True),
        ("a.x - a.y - a.z == -0.4", True),
        ("a.z / a.x / 3 == 1", True),
        ("a.x + a.y * 2 == 0.5", True),
        ("(a.x + a.y) * 2 == 0.6", True),
        ("2 - a.z == 1.7", True),
        # near zero: 0.3 − 0.1 − 0.2 is −2.8e-17 in floats, exactly 0
        ("a.z - a.x - a.y >= 0", True),
        ("a.z - a.x - a.y == 0", True),
        ("a.z - a.x - a.y < 0", False),
        # each comparison on the tie (x + y = z exactly) …
        ("a.x + a.y < a.z", False),
        ("a.x + a.y <= a.z", True),
        ("a.x + a.y > a.z", False),
        ("a.x + a.y >= a.z", True),
        ("a.x + a.y == a.z", True),
        ("a.x + a.y != a.z", False),
        # … and off it, both ways
        ("a.x < a.z", True),
        ("a.z < a.x", False),
        ("a.x <= a.z", True),
        ("a.z <= a.x", False),
        ("a.z > a.x", True),
        ("a.x > a.z", False),
        ("a.z >= a.x", True),
        ("a.x >= a.z", False),
        ("a.x == a.z", False),
        ("a.x != a.z", True),
    ],
)
def test_each_operator_of_the_rule_language_decides_exactly(make_plan, rule, holds):
    """A rule that holds gives no finding; one that does not gives rule-violated on its row,
    decided on the cells' exact values (0.1 + 0.2 == 0.3 holds)."""
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    violated = [f for f in safeplan.validate(config).findings if f.code == "rule-violated"]
    assert [(f.line, f.severity) for f in violated] == ([] if holds else [(2, "error")])
    cells = {"x": "0.1", "y": "0.2", "z": "0.3"}
    shown = ", ".join(f"{c}={cells[c]}" for c in dict.fromkeys(re.findall(r"a\.(\w)", rule)))
    for f in violated:  # the rule's id (it has no name) and its cells, as written
        assert (f.message, f.value, f.column_name) == (
            f"规则“r”（{rule}）不成立：{shown}",
            shown,
            rule[2],
        )
        assert f.hint is not None and f.hint.startswith("核对这一行的数字（规则 r，")
        assert f.hint.endswith("indicators.yaml:6）")


def test_a_rule_between_two_files_matches_rows_by_year_and_region(make_plan):
    """Rows of two files are joined on year and region: only 西县 2024 breaks the rule."""
    text = """\
plan: {name: 规则, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, b: b.csv}
indicators:
  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}
rules:
  - {id: parts, name: 分项不超过合计, check: a.死亡人数 <= b.合计, severity: warning}
"""
    config = make_plan(
        text,
        {
            "a.csv": (
                ["年份", "地区", "死亡人数"],
                [[2024, "东县", 5], [2024, "西县", 7], [2023, "西县", 9]],
            ),
            "b.csv": (
                ["年份", "地区", "合计"],
                [[2024, "东县", 5], [2023, "西县", 9], [2024, "西县", 6]],
            ),
        },
    )
    violated = [f for f in safeplan.validate(config).findings if f.code == "rule-violated"]
    assert [(f.line, f.severity, f.column_name) for f in violated] == [(3, "warning", "死亡人数")]
    assert violated[0].message == (
        "规则“分项不超过合计”（a.死亡人数 <= b.合计）不成立：死亡人数=7, 合计=6"
    )
    assert violated[0].value == "死亡人数=7, 合计=6"


@pytest.mark.parametrize("rule", ["a.x + 1_000 <= a.z", "a.x <= 1,000", "a.x <= 0x10"])
def test_numbers_a_rule_refuses(make_plan, run, rule):
    """A rule's numbers are plain decimals: 1_000, 1,000 and 0x10 are config errors (exit 2)
    naming the rule's line, never read as some other number."""
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    result = run("validate", "-c", str(config))
    assert result.exit_code == 2
    assert "indicators.yaml:6: rules[0].check" in result.stderr


@pytest.mark.parametrize("cell", ["1_000", "0x10", "1 000", "1,00", "12人"])
def test_a_cell_that_is_no_number_is_a_finding_not_a_value(make_plan, cell):
    """1_000 (Python's digit grouping) is no number an office writes: non-numeric at its cell."""
    config = make_plan(
        RULE_PLAN.replace('  - {id: r, check: "RULE"}\n', "").replace("rules:\n", ""),
        {"a.csv": (["年份", "死亡人数"], [[2020, cell], [2021, "1,000"]])},
    )
    found = [(f.code, f.line, f.column) for f in safeplan.validate(config).errors]
    assert found == [("non-numeric", 2, 2)]


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("a.x <=", "表达式不完整"),
        ("(a.x + a.y <= a.z", "括号没有闭合"),
        ("(a.x + a.y a.z) <= 1", "括号没有闭合"),
        ("a.x a.y <= 1", "这里应为比较符号（<=、>=、== 等），而不是 'a.y'"),
        ("a.x <= a.y a.z", "比较式之后多了 'a.z'"),
        ("a.x <= a.y <= a.z", "比较式之后多了 '<='"),
        ("a.x <= * a.y", "这里不应出现 '*'"),
        ("a.x <= a.y $", "无法识别 '$'"),
    ],
)
def test_a_rule_that_does_not_parse_says_why_at_its_line(make_plan, run, rule, says):
    """A malformed rule is a config error (exit 2) at the rule's line, saying what is wrong."""
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    result = run("validate", "-c", str(config))
    assert result.exit_code == 2
    assert f"indicators.yaml:6: rules[0].check: {says}（规则：{rule}）" in result.stderr
    assert (
        "提示：规则写成比较式，如 accidents.工矿商贸死亡人数 <= accidents.死亡人数" in result.stderr
    )


def nested(depth: int) -> str:
    return "(" * depth + "a.x" + ")" * depth


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        (f"{nested(50)} <= a.z", True),
        (f"{nested(51)} <= a.z", False),
        ("-" * 50 + "a.x <= a.z", True),
        ("-" * 51 + "a.x <= a.z", False),
        # Brackets side by side do not nest: 60 groups in a row, then 50 deep, are fine …
        (" + ".join([nested(1)] * 60) + f" + {nested(50)} <= 100", True),
        # … and a group before them does not make room for a 51st level.
        (f"{nested(2)} + {nested(51)} <= a.z", False),
    ],
)
def test_rules_nest_at_most_50_brackets_or_signs(make_plan, rule, allowed):
    """Up to 50 nested brackets (or signs) are a rule; 51 are refused (config error)."""
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    if allowed:
        assert safeplan.validate(config).valid
    else:
        with pytest.raises(ConfigError, match="嵌套超过 50 层"):
            safeplan.validate(config)


@pytest.mark.parametrize(
    ("injuries", "loss", "zh", "en"),
    [
        (
            None,
            "12.5",
            "一般: 死亡 1 人 < 3，直接经济损失 12.5 万元 < 1000（重伤未填报）",
            "general: deaths 1 < 3, direct loss 12.5 (10k yuan) < 1000 (serious injuries not recorded)",
        ),
        (
            0,
            None,
            "一般: 死亡 1 人 < 3，重伤 0 人 < 10（直接经济损失未填报）",
            "general: deaths 1 < 3, serious injuries 0 < 10 (direct loss not recorded)",
        ),
        (
            None,
            " ",
            "一般: 死亡 1 人 < 3（重伤、直接经济损失未填报）",
            "general: deaths 1 < 3 (serious injuries, direct loss not recorded)",
        ),
    ],
)
def test_a_measure_not_recorded_is_named_as_such_never_as_zero(injuries, loss, zh, en):
    """A blank injuries or loss cell decides nothing and is said to be not recorded."""
    assert describe(0, 1, injuries, loss) == zh
    assert describe(0, 1, injuries, loss, lang="en") == en


def test_a_not_recorded_measure_is_left_out_of_a_higher_class_reason():
    """较大 by deaths with injuries not recorded: only deaths is named, then the note."""
    assert describe(1, 3, None, "0") == "较大: 死亡 3 人 ≥ 3（重伤未填报）"
    assert describe(2, 3, None, "5000", lang="en") == (
        "major: direct loss 5000 (10k yuan) ≥ 5000 (serious injuries not recorded)"
    )


def test_every_row_of_a_rule_is_checked_after_rows_that_hold_or_cannot_be_decided(make_plan):
    """Rows that hold only exactly (0.1 + 0.2 = 0.3), rows with a blank cell and rows that
    divide by zero are passed over, and the rows after them are still checked."""
    text = RULE_PLAN.replace("RULE", "a.x / a.y + a.y <= a.z").replace(
        '  - {id: r, check: "RULE"}\n', ""
    )
    rows = [
        [2019, 1, "0.1", "0.2", "0.8"],  # 0.5 + 0.2 ≤ 0.8 holds
        [2020, 1, "0.01", "0.1", "0.2"],  # 0.1 + 0.1 = 0.2 exactly: holds
        [2021, 1, "0.1", "", "0.3"],  # blank: nothing to decide
        [2022, 1, "0", "0", "0.3"],  # 0 ÷ 0: nothing to decide
        [2023, 1, "1", "0", "0.3"],  # 1 ÷ 0: nothing to decide
        [2024, 1, "0.3", "0.1", "3"],  # 3 + 0.1 > 3: violated
    ]
    config = make_plan(text, {"a.csv": (["年份", "死亡人数", "x", "y", "z"], rows)})
    violated = [f for f in safeplan.validate(config).findings if f.code == "rule-violated"]
    assert [(f.line, f.value) for f in violated] == [(7, "x=0.3, y=0.1, z=3")]


def test_a_rule_on_a_ledgers_derived_columns(make_plan):
    """Rules may use a ledger's yearly totals: 较大及以上 ≤ accidents holds; deaths ≤ 2 is
    violated in 2024 (a finding on the ledger file, which has no single line for a total)."""
    text = """\
plan: {name: 台账规则, baseline_year: 2020, target_year: 2025}
datasets: {acc: {records: r.csv}}
indicators:
  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 10}}
rules:
  - {id: big, check: acc.larger_or_above <= acc.accidents}
  - {id: few, name: 死亡不超过2人, check: acc.deaths <= 2}
"""
    rows = [["2023-05-01", 1], ["2024-01-05", 3], ["2024-02-05", 0]]
    config = make_plan(text, {"r.csv": (["日期", "死亡人数"], rows)})
    violated = [f for f in safeplan.validate(config).findings if f.code == "rule-violated"]
    assert [(f.file.endswith("r.csv"), f.line, f.value) for f in violated] == [
        (True, None, "deaths=3")
    ]
    assert violated[0].message == "规则“死亡不超过2人”（acc.deaths <= 2）不成立：deaths=3"


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        ("a.x" + " + 0" * 998 + " >= 0", True),  # 1000 numbers and columns
        ("a.x" + " + 0" * 999 + " >= 0", False),  # 1001: numbers count too
        ("a.x" + " + a.y" * 998 + " >= 0", True),
        ("a.x" + " + a.y" * 999 + " >= 0", False),
    ],
)
def test_a_rule_holds_at_most_1000_numbers_and_columns(make_plan, rule, allowed):
    """MAX_TERMS = 1000: a rule of 1000 numbers and columns is read, one more is refused."""
    read_or_refused(make_plan, rule, allowed, "规则过长：超过 1000 个数字或列；请拆成几条规则")


def read_or_refused(make_plan, rule, allowed, refusal):
    """The rule is read (the data is valid), or refused with ``refusal``."""
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    if allowed:
        assert safeplan.validate(config).valid
    else:
        with pytest.raises(ConfigError, match=refusal):
            safeplan.validate(config)


@pytest.mark.parametrize(
    ("number", "allowed"),
    [
        ("1e100", True),
        ("1e101", False),
        ("1e-100", True),
        ("1e-101", False),
        ("9" * 30, True),  # 30 digits
        ("9" * 31, False),
        ("0." + "0" * 99 + "1", True),  # 10^-100 written out
        ("0e999999999", True),  # zero, whatever its exponent
    ],
)
def test_a_rules_numbers_are_bounded(make_plan, number, allowed):
    """A rule's number has at most 30 digits, within 10^±100 (zero is always allowed):
    far beyond any statistic, while an exponent of a billion would take exact arithmetic
    a billion digits."""
    read_or_refused(
        make_plan, f"a.x <= {number} + 1", allowed, "超出范围：规则中的数字至多 30 位有效数字"
    )


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("1" + "0" * 16 + "e99", "'10000000000000000e99'"),  # 20 characters: shown whole
        ("1" + "0" * 17 + "e99", "'100000000000000000e9…'"),  # 21: its first 20 and …
    ],
)
def test_a_refused_rule_number_is_quoted_at_most_20_characters_long(make_plan, number, shown):
    config = make_plan(RULE_PLAN.replace("RULE", f"a.x <= {number}"), RULE_DATA)
    with pytest.raises(ConfigError) as info:
        safeplan.validate(config)
    assert f"数字 {shown} 超出范围" in info.value.message


@pytest.mark.parametrize("divisor", ["0", "(1 - 1)", "(0.1 + 0.2 - 0.3)", "-0.0", "(0 * a.y)"])
def test_a_rule_dividing_by_a_constant_zero_is_refused(make_plan, divisor):
    """A divisor that is 0 whatever the data (0.1 + 0.2 − 0.3 too, exactly) makes the rule
    impossible on every row: refused with the plan's line, not silently never checked. A
    divisor that holds a column (0 × a.y) is decided row by row."""
    config = make_plan(RULE_PLAN.replace("RULE", f"a.x / {divisor} <= 1"), RULE_DATA)
    if "a.y" in divisor:
        assert safeplan.validate(config).valid
        return
    with pytest.raises(ConfigError, match=r"indicators\.yaml:6: rules\[0\]\.check: 除数恒为 0"):
        safeplan.validate(config)


@pytest.mark.parametrize("rule", ["100 / a.地区生产总值 <= 50", "50 >= 100 / a.地区生产总值"])
def test_a_number_over_a_cell_of_zero_is_no_finding_on_that_row(make_plan, rule):
    """100 ÷ GDP on each side of a rule: on 西县's row, whose GDP is 0, the rule cannot be
    computed and says nothing; 东县's 100 ÷ 1 = 100 > 50 is a finding on its line."""
    rows = [[2020, "西县", 1, 0], [2020, "东县", 1, 1], [2020, "南县", 1, 4]]
    config = make_plan(
        RULE_PLAN.replace("RULE", rule),
        {"a.csv": (["年份", "地区", "死亡人数", "地区生产总值"], rows)},
    )
    found = safeplan.validate(config).findings
    assert [(f.code, f.line) for f in found] == [("rule-violated", 3)]


@pytest.mark.parametrize(
    ("rule", "holds"),
    [
        # 1 ÷ 1e-400: the divisor underflows to 0 in floats; exactly the side is 1e400
        ("a.x <= 1 / (1e-100 * 1e-100 * 1e-100 * 1e-100)", True),
        ("a.x >= 1 / (1e-100 * 1e-100 * 1e-100 * 1e-100)", False),
        # x × 1e400 ÷ 1e400 is inf ÷ inf = NaN in floats, x exactly: `!=` must not hold
        ("a.x * 1e100 * 1e100 * 1e100 * 1e100 / (1e100 * 1e100 * 1e100 * 1e100) != a.x", False),
        ("a.x * 1e100 * 1e100 * 1e100 * 1e100 / (1e100 * 1e100 * 1e100 * 1e100) == a.x", True),
    ],
)
def test_a_rule_beyond_the_float_range_is_decided_exactly(make_plan, rule, holds):
    """Constants whose product leaves the float range are no internal error and no free
    pass: the row is decided on the exact values (x = 0.1)."""
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    found = [f.code for f in safeplan.validate(config).findings]
    assert found == ([] if holds else ["rule-violated"])


def test_a_long_rule_of_constants_is_folded_and_quoted_briefly(make_plan):
    """Constants nested 40 deep (1 ÷ (1e100 ÷ (1e100 ÷ …))) are computed once, exactly, as
    the rule is read — 1e-3900, far below the float range: x × 1e100 ≤ it is decided on the
    exact values (violated), and the finding quotes the long rule's first 200 characters."""
    divisors = "1 / (1e100 / " * 40 + "1e100" + ")" * 40  # each level divides by 1e100
    rule = f"a.x * 1e100 <= {divisors}"
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    (found,) = safeplan.validate(config).findings
    assert found.code == "rule-violated"
    assert f"（共{len(rule)}字符）" in found.message and len(found.message) < 400


@pytest.mark.parametrize(("width", "whole"), [(200, True), (201, False)])
def test_a_rule_is_quoted_whole_up_to_200_characters(make_plan, width, whole):
    """A violated rule of 200 characters is quoted whole in its finding; one of 201 by its
    first 200 and its length. Constants on either side fold exactly, 0 among them."""
    rule = "a.x >= 0 * 5 + 1 - 0"
    rule = rule.replace(">=", " " * (width - len(rule)) + ">=")
    assert len(rule) == width
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    (found,) = safeplan.validate(config).findings
    quoted = rule if whole else rule[:200] + "…（共201字符）"
    assert f"（{quoted}）不成立" in found.message


def test_spaces_after_a_rule_are_no_part_of_it(make_plan):
    """A quoted rule with trailing spaces is the same rule."""
    config = make_plan(RULE_PLAN.replace("RULE", "a.x + a.y == a.z   "), RULE_DATA)
    assert safeplan.validate(config).valid


def test_unreadable_rule_text_is_quoted_up_to_20_characters(make_plan, run):
    """What the rule language cannot read is shown (its first 20 characters) in the error."""
    rule = "a.x <= $" + "%" * 30
    config = make_plan(RULE_PLAN.replace("RULE", rule), RULE_DATA)
    result = run("validate", "-c", str(config))
    assert result.exit_code == 2
    assert f"无法识别 '$%%%%%%%%%%%%%%%%%%%'（规则：{rule}）" in result.stderr


def test_fraction_of_is_the_exact_value_of_a_numbers_text():
    """The library helper: decimal text → Fraction, exactly; no number → ValueError."""
    from fractions import Fraction

    from safeplan.domain.exact import fraction_of

    assert fraction_of("0.1") == Fraction(1, 10)
    assert fraction_of(" 1e3 ") == 1000
    assert fraction_of("-2.50") == Fraction(-5, 2)
    for bad in ("nan", "inf", "1,000", "abc"):
        with pytest.raises(ValueError):
            fraction_of(bad)


@pytest.mark.parametrize("lang", ["fr", "ZH", ""])
def test_a_reason_in_a_language_there_is_none_of_is_refused_by_name(lang):
    """describe and describe_all speak zh and en only: any other lang is a ValueError that
    names the languages there are and the one asked for."""
    import numpy as np

    from safeplan.domain.classes import describe_all

    one = np.array([1])
    found = classify(one, one, ["1"])
    with pytest.raises(ValueError, match=rf"^lang must be 'zh' or 'en', not '{lang}'$"):
        describe_all(found, one, one, np.array([True]), np.array([0]), ["1"], lang=lang)
    with pytest.raises(ValueError, match=rf"^lang must be 'zh' or 'en', not '{lang}'$"):
        describe(0, 1, 1, "1", lang=lang)


def test_describe_all_describes_each_distinct_accident_once():
    """Four accidents, two of them alike (1 death, 0 injuries, 12.5 万元): three reasons,
    one per distinct accident, and each accident's code points at its own."""
    import numpy as np

    from safeplan.domain.classes import describe_all

    deaths = np.array([1, 3, 1, 0], dtype=np.int64)
    injuries = np.array([0, 0, 0, 0], dtype=np.int64)
    texts = ["12.5", "5000", ""]
    loss_codes = np.array([0, 0, 0, 2], dtype=np.int64)
    found = classify(deaths, injuries, np.array(["12.5", "12.5", "12.5", "0"], dtype=object))
    recorded = np.array([True, True, True, False])
    codes, reasons = describe_all(found, deaths, injuries, recorded, loss_codes, texts)
    assert len(reasons) == 3 and len(set(reasons)) == 3
    assert codes[0] == codes[2] and len({int(codes[0]), int(codes[1]), int(codes[3])}) == 3
    assert [reasons[c] for c in codes.tolist()] == [
        describe(0, 1, 0, "12.5"),
        describe(1, 3, 0, "12.5"),
        describe(0, 1, 0, "12.5"),
        describe(0, 0, None, None),
    ]


def test_reasons_of_accidents_with_counts_in_the_tens_of_thousands(make_plan):
    """Counts of people are not always small: 70 000 deaths and 65 536 serious injuries,
    or 2^40 deaths (any count below 2^53 is one), are named as written in the reason of
    their accident (特别重大), beside one of 2 deaths (一般)."""
    text = (
        "plan: {name: 台账, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {acc: {records: r.csv}}\n"
        "indicators:\n"
        "  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 10}}\n"
    )
    rows = [["2024-01-05", 70000, 65536, "1"], ["2024-02-05", 2, 0, "1"]]
    rows.append(["2024-03-05", 2**40, 0, "1"])
    config = make_plan(text, {"r.csv": (["日期", "死亡人数", "重伤人数", "直接经济损失"], rows)})
    got = [(r["class"], r["reason_zh"]) for r in safeplan.classify(config).records]
    assert got == [
        ("especially_major", describe(3, 70000, 65536, "1")),
        ("general", describe(0, 2, 0, "1")),
        ("especially_major", describe(3, 2**40, 0, "1")),
    ]
    assert got[0][1] == "特别重大: 死亡 70000 人 ≥ 30；重伤 65536 人 ≥ 100"


def test_a_rule_between_two_files_compares_columns_of_the_same_name(make_plan):
    """a.死亡人数 <= b.死亡人数 (the city's count against the province's): the rows are
    joined on year and region only, not on the equal-named column, so 西县 2024 (7 against
    6) breaks the rule."""
    text = """\
plan: {name: 规则, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, b: b.csv}
indicators:
  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}
rules:
  - {id: same, check: a.死亡人数 <= b.死亡人数}
"""
    header = ["年份", "地区", "死亡人数"]
    config = make_plan(
        text,
        {
            "a.csv": (header, [[2024, "东县", 5], [2024, "西县", 7]]),
            "b.csv": (header, [[2024, "东县", 5], [2024, "西县", 6]]),
        },
    )
    violated = [f for f in safeplan.validate(config).findings if f.code == "rule-violated"]
    assert [(f.line, f.value) for f in violated] == [(3, "死亡人数=7, 死亡人数=6")]


# --- domain: survivors of the full run (2026-12-01) -------------------------------------


@pytest.mark.parametrize(
    ("value", "json_text"),
    [
        # Whole floats are JSON integers: 1000000, not 1000000.0 …
        (1e6, "1000000"),
        (-3.0, "-3"),
        # … numpy floats too (a float subclass: the second branch) …
        ("np:1e6", "1000000"),
        ("np:-3.0", "-3"),
        ("np:1.5", "1.5"),
        ("np:nan", "null"),
        # … below 2^63 only: from 2^63 on they stay floats, whatever their sign and type.
        (2.0**63 - 1024, "9223372036854774784"),
        (2.0**63, "9.223372036854776e+18"),
        (-(2.0**63), "-9.223372036854776e+18"),
        ("np:9223372036854774784", "9223372036854774784"),
        ("np:9223372036854775808", "9.223372036854776e+18"),
        ("np:-9223372036854775808", "-9.223372036854776e+18"),
        (2**63 - 1, "9223372036854775807"),
        (-(2**63) + 1, "-9223372036854775807"),
        (2**63, "9.223372036854776e+18"),
        (-(2**63), "-9.223372036854776e+18"),
        ("fraction:9223372036854775808", "9.223372036854776e+18"),
        ("fraction:-9223372036854775808", "-9.223372036854776e+18"),
        ("decimal:9223372036854775808", "9.223372036854776e+18"),
        # Whole fractions and decimals are integers, others floats.
        ("fraction:3", "3"),
        ("fraction:1/2", "0.5"),
        ("decimal:2.0", "2"),
        ("decimal:-1e3", "-1000"),
        ("decimal:2.5", "2.5"),
        # No value and NaN are null, whatever its type (a Decimal NaN too, quiet or signalling).
        (None, "null"),
        ("decimal:NaN", "null"),
        ("decimal:sNaN", "null"),
    ],
)
def test_a_number_is_a_json_integer_when_whole_and_below_2_63(value, json_text):
    """number(): a whole value of magnitude below 2^63 is a JSON integer, whatever its type
    (float, numpy float, int, Fraction, Decimal); from 2^63 on (either sign) it is a JSON
    float, which every JSON reader can hold; a fraction stays a float and NaN is null."""
    import json
    from fractions import Fraction

    import numpy as np

    from safeplan.domain.exact import number

    if isinstance(value, str):
        kind, text = value.split(":")
        value = {"np": np.float64, "fraction": Fraction, "decimal": Decimal}[kind](text)
    assert json.dumps(number(value)) == json_text


@pytest.mark.parametrize("value", ["fraction:1e400", "decimal:-1e400", "decimal:1.8e308"])
def test_a_number_beyond_the_float_range_is_a_data_error_saying_so(value):
    """number() of a value beyond ±1.8e308 (no JSON reader could take it) is a DataError
    that says so and says what to check."""
    from fractions import Fraction

    from safeplan.domain.exact import number
    from safeplan.errors import DataError

    kind, text = value.split(":")
    big = Fraction(Decimal(text)) if kind == "fraction" else Decimal(text)
    with pytest.raises(DataError) as caught:
        number(big)
    assert caught.value.message == "一个结果的数值超出可计算的范围（绝对值大于 1.8e308）"
    assert caught.value.hint == "检查数据中的数字是否过大，或分母是否过小"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("decimal:1e400", None),
        ("decimal:-1.8e308", None),
        ("fraction:1e400", None),
        ("decimal:1.5", 1.5),
        ("fraction:-2.5", -2.5),
    ],
)
def test_finite_float_is_none_beyond_the_float_range_whatever_the_type(value, expected):
    """finite_float(): a Decimal beyond ±1.8e308 is None, as a Fraction is (a Decimal's
    float would be ±inf, never an error); within the range, the float."""
    from fractions import Fraction

    from safeplan.domain.exact import finite_float

    kind, text = value.split(":")
    given = Fraction(Decimal(text)) if kind == "fraction" else Decimal(text)
    assert finite_float(given) == expected


@pytest.mark.parametrize(
    ("deaths", "injuries", "losses", "says"),
    [
        ([[1]], [1], ["1"], "deaths must be one-dimensional"),
        ([1], [[1]], ["1"], "serious_injuries must be one-dimensional"),
        ([1], [1], [["1"]], "direct_loss must be one-dimensional"),
        ([1.5], [1], ["1"], "deaths must hold integers, not float64"),
        ([1], ["1"], ["1"], "serious_injuries must hold integers, not <U1"),
        (
            [1, 2],
            [0],
            ["1", "2"],
            "deaths, serious_injuries and direct_loss differ in length (2, 1, 2)",
        ),
        ([-1], [0], ["1"], "deaths must be non-negative"),
        ([0], [-1], ["1"], "serious_injuries must be non-negative"),
        ([0], [0], ["-5"], "direct_loss must be non-negative"),
        ([0], [0], ["nan"], "direct_loss 'nan' is not a finite number"),
        ([0], [0], ["-inf"], "direct_loss '-inf' is not a finite number"),
        ([0], [0], ["abc"], "direct_loss 'abc' is not a decimal number"),
    ],
)
def test_what_classify_cannot_take_is_refused_by_name(deaths, injuries, losses, says):
    """classify() names the measure that is not one row of whole non-negative counts or of
    finite non-negative losses (a NaN or infinite loss is never taken as 一般)."""
    with pytest.raises(ValueError, match=rf"^{re.escape(says)}$"):
        classify(deaths, injuries, losses)


def test_no_accidents_are_classified_as_none_in_each_class():
    """classify() of no accidents: nothing, and a count of 0 in every class."""
    got = classify([], [], [])
    assert len(got) == 0
    assert got.counts() == {"general": 0, "larger": 0, "major": 0, "especially_major": 0}


def test_loss_values_beside_a_list_of_texts_are_decided_on_the_texts_near_a_bound():
    """classify(texts, loss_values=…) with the texts as a list: a loss on a bound is decided
    on its text (1000 is 较大, 999.99 一般)."""
    import numpy as np

    got = classify([0, 0], [0, 0], ["1000", "999.99"], loss_values=np.array([1000.0, 999.99]))
    assert got.code.tolist() == [1, 0]


def test_a_loss_text_is_read_as_written_a_trailing_nul_makes_it_no_number():
    """A loss cell is the text as given: "5000\\x00" is not a decimal number (ValueError),
    never shortened to 5000 (重大)."""
    with pytest.raises(ValueError, match=r"^direct_loss '5000\\x00' is not a decimal number$"):
        classify([0], [0], ["5000\x00"])


def test_a_loss_the_caller_could_not_parse_is_decided_on_its_text():
    """With loss_values, a loss the caller could not parse (None) is decided on its text,
    like one next to a bound: "1000" is 较大, beside a parsed 4999.5 (较大 too)."""
    texts = ["1000", "4999.5", "12"]
    got = classify([0, 0, 0], [0, 0, 0], texts.__getitem__, loss_values=[None, 4999.5, 12.0])
    assert got.code.tolist() == [1, 1, 0]


def derive_two_records(**codes):
    """derive_yearly of two records (2020: 1 death, 2021: none) with ``codes``."""
    from safeplan.domain.derive import derive_yearly

    return derive_yearly([2020, 2021], None, None, [1, 0], [0, 0], ["1", "2"], **codes)


def test_a_missing_region_code_is_refused_by_name():
    """derive_yearly with region codes: a record without a region (code -1) is a ValueError
    saying so."""
    import numpy as np

    region_codes = (np.array([0, -1]), np.array(["东县"], dtype=object))
    with pytest.raises(ValueError, match=r"^a region value is missing$"):
        derive_two_records(sectors={}, region_codes=region_codes)


def test_sector_codes_of_another_length_are_refused_with_both_lengths():
    """derive_yearly: sector codes for 1 record against 2 records' measures is a ValueError
    giving both lengths."""
    import numpy as np

    sector_codes = (np.array([0]), np.array(["工矿"], dtype=object))
    with pytest.raises(ValueError, match=r"^sector has 1 values, the measures 2$"):
        derive_two_records(sectors={"工矿商贸": ["工矿"]}, sector_codes=sector_codes)


def test_a_yearly_frame_without_records_has_the_columns_and_types_of_one_with_records():
    """derive_yearly of no records (with regions) is an empty frame whose columns and
    dtypes are those of a frame with records: the region column holds text."""
    from safeplan.domain.derive import derive_yearly

    empty = derive_yearly([], [], None, [], [], [], sectors={})
    full = derive_yearly([2020], ["东县"], None, [1], [0], ["1"], sectors={})
    assert len(empty) == 0 and len(full) == 1
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()


def test_a_yearly_pace_over_arrays_is_nan_where_undefined_without_warnings():
    """required_change_pct over arrays: a latest value of 0, no years left or a negative
    latest value give NaN quietly (no RuntimeWarning on the terminal)."""
    import warnings

    import numpy as np

    from safeplan.domain.targets import required_change_pct

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = required_change_pct(
            np.array([90.0, 10.0, 10.0, 10.0]),
            np.array([100.0, 0.0, 5.0, -5.0]),
            np.array([1, 2, 0, 2]),
        )
    assert got[0] == -10.0 and np.isnan(got[1:]).all()


@pytest.mark.parametrize(("final", "latest"), [("1e-300", "1e300"), ("10", "-5"), ("0", "5")])
def test_a_yearly_pace_is_undefined_alike_in_the_float_and_the_exact_pass(final, latest):
    """required_change_pct: where F ÷ v_L is not a positive float (beyond the float range:
    1e-300 ÷ 1e300; a negative latest value; F = 0) there is no pace — NaN over arrays,
    None on fractions — with two or three years left."""
    from fractions import Fraction

    import numpy as np

    from safeplan.domain.targets import required_change_pct

    for years in (2, 3):
        floats = required_change_pct(
            np.array([float(final)]), np.array([float(latest)]), np.array([years])
        )
        assert np.isnan(floats).all()
        assert required_change_pct(Fraction(final), Fraction(latest), years) is None


def test_unsure_is_relative_to_the_sides_and_the_inputs():
    """unsure(): equal sides are unsure even at 0 (a cell of 1e-400 is 0.0 in floats);
    1e-7 apart at 1000 is unsure (within 1e-9 relative), 1e-5 apart is not; the noise of
    0.3 − 0.1 − 0.2 against 0 is unsure only relative to its inputs; one pair gives a bool."""
    from safeplan.domain.exact import unsure

    assert unsure(0.0, 0.0) is True
    assert unsure(0.1 + 0.2, 0.3) is True
    assert unsure(1000.0000001, 1000.0) is True
    assert unsure(1000.00001, 1000.0) is False
    assert unsure(0.3 - 0.1 - 0.2, 0.0) is False
    assert unsure(0.3 - 0.1 - 0.2, 0.0, 0.3, 0.1, 0.2) is True
    assert unsure(0.3 - 0.1 - 0.2, 0.0, 0.1, 0.3) is True


def test_unsure_over_arrays_is_quiet_on_infinities_overflow_and_nan():
    """unsure() over arrays: ∞ against ∞, an overflowing difference (1e308 − (−1e308)) and
    NaN are not unsure, and say so without a RuntimeWarning; a tie is unsure."""
    import math
    import warnings

    import numpy as np

    from safeplan.domain.exact import unsure

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = unsure(
            np.array([math.inf, 1e308, math.nan, 0.1 + 0.2]),
            np.array([math.inf, -1e308, 1.0, 0.3]),
        )
    assert got.tolist() == [False, False, False, True]


@pytest.mark.parametrize(
    ("kind", "number", "rate", "binds"),
    [
        ("max", 40, False, False),  # 死亡人数控制在 40 人以内: the whole plan's figure
        ("min", 40, False, False),
        ("max", 1, False, False),
        ("min", 0, False, False),
        ("max", 0, False, True),  # 杜绝: every region
        ("decline_pct", 10, False, True),
        ("yoy_decline", None, False, True),
        ("max", 40, True, True),  # a rate holds for every region
    ],
)
def test_which_plan_wide_targets_bind_every_region(kind, number, rate, binds):
    """Rates, decline_pct, yoy_decline and max: 0 bind each region; any other max/min on a
    count or an amount is a control figure of the whole plan."""
    from safeplan.domain.targets import binds_every_region

    assert binds_every_region(kind, number, rate) is binds


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"year": [[2020], [2021]]}, "year must be one-dimensional"),
        ({"year": [2020.0, 2021.0]}, "year must hold integers, not float64"),
        ({"year": [2020]}, "year has 1 values, the measures 2"),
        (
            {"sectors": {"g": ["工矿"]}},
            "sector groups are given but the records have no sector column",
        ),
        ({"sectors": {"g": ["工矿"]}, "sector": ["工矿"]}, "sector has 1 values, the measures 2"),
        ({"region": ["东县"]}, "region has 1 values, the measures 2"),
        ({"region_codes": "one"}, "region has 1 values, the measures 2"),
        ({"region": ["东县", None]}, "a region value is missing"),
    ],
)
def test_what_derive_yearly_cannot_take_is_refused_by_name(given, says):
    """derive_yearly() names what does not fit the records: a year column that is not one
    row of whole numbers, or of another length; sector groups without a sector column;
    sectors or regions of another length; a record without a region."""
    import numpy as np

    from safeplan.domain.derive import derive_yearly

    args = {"year": [2020, 2021], "region": None, "sector": None, "sectors": {}} | given
    if args.get("region_codes") == "one":
        args["region_codes"] = (np.array([0]), np.array(["东县"], dtype=object))
    with pytest.raises(ValueError, match=rf"^{re.escape(says)}$"):
        derive_yearly(
            args.pop("year"),
            args.pop("region"),
            args.pop("sector"),
            [1, 0],
            [0, 0],
            ["1", "2"],
            **args,
        )


def test_yearly_totals_by_region_and_sector_group_few_sectors():
    """derive_yearly() with regions and sector groups (few distinct sectors: totals per
    sector first): regions sorted (东县 before 西县, though 西县 comes first), a sector counts
    in the groups that list it as written ("工矿\\x00" is not 工矿) and in no other; counts
    are int64, the loss a float64 sum."""
    from safeplan.domain.derive import derive_yearly

    frame = derive_yearly(
        [2024, 2024, 2024, 2024],
        ["西县", "东县", "西县", "东县"],
        ["工矿", "交通", "危化", "工矿\x00"],
        [1, 2, 3, 4],
        [0, 10, 0, 0],
        ["1", "2", "3", "1000"],
        sectors={"工矿商贸": ["工矿"], "交通运输": ["交通"]},
    )
    assert list(frame.columns) == [
        "year",
        "region",
        "accidents",
        "deaths",
        "serious_injuries",
        "direct_loss",
        "general",
        "larger",
        "major",
        "especially_major",
        "major_or_above",
        "larger_or_above",
        "工矿商贸_accidents",
        "工矿商贸_deaths",
        "交通运输_accidents",
        "交通运输_deaths",
    ]
    assert frame.to_dict("records") == [
        {
            "year": 2024,
            "region": "东县",
            "accidents": 2,
            "deaths": 6,
            "serious_injuries": 10,
            "direct_loss": 1002.0,
            "general": 0,
            "larger": 2,
            "major": 0,
            "especially_major": 0,
            "major_or_above": 0,
            "larger_or_above": 2,
            "工矿商贸_accidents": 0,
            "工矿商贸_deaths": 0,
            "交通运输_accidents": 1,
            "交通运输_deaths": 2,
        },
        {
            "year": 2024,
            "region": "西县",
            "accidents": 2,
            "deaths": 4,
            "serious_injuries": 0,
            "direct_loss": 4.0,
            "general": 1,
            "larger": 1,
            "major": 0,
            "especially_major": 0,
            "major_or_above": 0,
            "larger_or_above": 1,
            "工矿商贸_accidents": 1,
            "工矿商贸_deaths": 1,
            "交通运输_accidents": 0,
            "交通运输_deaths": 0,
        },
    ]
    types = {c: str(t) for c, t in frame.dtypes.items() if c != "region"}
    assert types == {c: "float64" if c == "direct_loss" else "int64" for c in types}


def test_yearly_totals_by_sector_group_many_sectors_for_the_records():
    """derive_yearly() where there are many (year, sector) cells for few records (each
    group counted on its own): every year from the first record to the last is a row, a
    group counts only its members' accidents and deaths (a record without a sector is in
    none), and counts stay int64."""
    from safeplan.domain.derive import derive_yearly

    frame = derive_yearly(
        [2000, 2020, 2010, 2020],
        None,
        ["工矿", "交通", "工矿", None],
        [1, 5, 0, 7],
        [0, 0, 0, 0],
        ["1", "2", "3", "4"],
        sectors={"工矿商贸": ["工矿"]},
    )
    assert frame["year"].tolist() == list(range(2000, 2021))
    got = frame.set_index("year")[["accidents", "deaths", "工矿商贸_accidents", "工矿商贸_deaths"]]
    assert got.loc[2000].tolist() == [1, 1, 1, 1]
    assert got.loc[2005].tolist() == [0, 0, 0, 0]
    assert got.loc[2010].tolist() == [1, 0, 1, 0]
    assert got.loc[2020].tolist() == [2, 12, 0, 0]  # no 工矿 record in the last year
    assert {str(t) for c, t in frame.dtypes.items() if c != "direct_loss"} == {"int64"}


@pytest.mark.parametrize(("last_year", "years"), [(2022, [2020, 2021, 2022]), (2019, [2020])])
def test_a_ledger_complete_to_a_later_year_has_rows_of_zeros_up_to_it(last_year, years):
    """derive_yearly(last_year=…): a ledger complete to a later year had no accidents in the
    years after its last record (rows of zeros up to last_year); an earlier last_year
    cuts nothing."""
    from safeplan.domain.derive import derive_yearly

    frame = derive_yearly([2020], None, None, [1], [0], ["1"], sectors={}, last_year=last_year)
    assert frame["year"].tolist() == years
    assert frame["accidents"].tolist() == [1] + [0] * (len(years) - 1)


def test_a_decimal_given_as_a_decimal_is_taken_as_it_is_if_finite():
    """decimal_of()/fraction_of() of a Decimal: the same value (0.1 stays exactly 1/10); a
    Decimal NaN or infinity is no finite number (ValueError naming it)."""
    from fractions import Fraction

    from safeplan.domain.exact import decimal_of, fraction_of

    assert decimal_of(Decimal("12.50")) == Decimal("12.50")
    assert fraction_of(Decimal("0.1")) == Fraction(1, 10)
    for bad in ("NaN", "-Infinity"):
        with pytest.raises(ValueError, match=rf"^Decimal\('{bad}'\) is not a finite number$"):
            decimal_of(Decimal(bad))
