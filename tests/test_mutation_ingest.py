"""Totals, units and numbers as read from offices' files, where mutation testing showed
gaps: total rows against the exact sum of their regions (and of a ledger's records), loss
units converted exactly to 万元, number cells (see docs/testing.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

import safeplan
from safeplan.domain.classes import describe
from safeplan.errors import DataError

YEARLY = """\
plan: {name: 合计规划, region: 两县, baseline_year: 2020, target_year: 2025}
datasets: {g: g.csv}
indicators:
  - {id: g, name: 地区生产总值, value: g.地区生产总值, target: {max: 100}}
"""
HEADER = ["年份", "地区", "地区生产总值"]


def validate(make_plan, rows, text=YEARLY):
    config = make_plan(text, {"g.csv": (HEADER, rows)})
    return config, safeplan.validate(config)


def values_2024(config):
    """The 2024 value of each region (``None`` for the whole plan) as check gives it."""
    return {r.region: r.value for r in safeplan.check(config, 2024).results}


def mismatches(report):
    return [(f.line, f.column_name, f.value) for f in report.findings if f.code == "total-mismatch"]


@pytest.mark.parametrize("label", ["合计", "全市", "总计", "两县", "合　计"])
def test_a_total_row_equal_to_the_exact_sum_is_no_region_and_no_finding(make_plan, label):
    """0.1 + 0.2 = 0.3 exactly: a total row (合计, 全市, the plan's own label …) that equals its
    regions' sum passes; it is no region, and the whole plan's value is the regions' sum."""
    rows = [[2024, "东县", "0.1"], [2024, "西县", "0.2"], [2024, label, "0.3"]]
    config, report = validate(make_plan, rows)
    assert report.valid and mismatches(report) == []
    results = {r.region: r for r in safeplan.check(config, 2024).results}
    assert set(results) == {None, "东县", "西县"}
    assert results[None].value == pytest.approx(0.3) and results[None].status == "met"


def test_a_total_row_off_by_one_is_a_total_mismatch_at_its_cell(make_plan):
    """合计 10 against 4 + 5 = 9: error total-mismatch at the total's cell naming both numbers."""
    rows = [[2024, "东县", 4], [2024, "西县", 5], [2024, "合计", 10]]
    _, report = validate(make_plan, rows)
    assert mismatches(report) == [(4, "地区生产总值", "10")]
    found = next(f for f in report.findings if f.code == "total-mismatch")
    assert found.severity == "error" and found.column == 3
    assert "为 10" in found.message and "2 个地区之和为 9" in found.message
    assert "（9）" in (found.hint or "")
    assert not report.valid


def test_a_total_one_ulp_away_from_the_sum_is_decided_exactly(make_plan):
    """0.1 + 0.2 in floats is 0.30000000000000004; a total of 0.3000000000000001 is not the
    sum (0.3): a mismatch, shown with the exact sum."""
    rows = [[2024, "东县", "0.1"], [2024, "西县", "0.2"], [2024, "合计", "0.3000000000000001"]]
    _, report = validate(make_plan, rows)
    assert mismatches(report) == [(4, "地区生产总值", "0.3000000000000001")]
    assert "之和为 0.3" in next(f.message for f in report.findings if f.code == "total-mismatch")


def test_a_whole_number_total_is_compared_as_whole_numbers(make_plan):
    """Whole cells add up exactly: 1 + 2 = 3 passes, 1 + 2 against 4 does not."""
    good = [[2024, "东县", 1], [2024, "西县", 2], [2024, "合计", 3]]
    bad = [[2024, "东县", 1], [2024, "西县", 2], [2024, "合计", 4]]
    assert mismatches(validate(make_plan, good)[1]) == []
    assert mismatches(validate(make_plan, bad)[1]) == [(4, "地区生产总值", "4")]


def test_each_years_total_is_the_sum_of_that_year_only(make_plan):
    """A total row is compared with the regions of its own year, not of every year."""
    rows = [
        [2023, "东县", "1.5"],
        [2023, "西县", "2"],
        [2023, "合计", "3.5"],
        [2024, "东县", "10"],
        [2024, "西县", "20"],
        [2024, "合计", "30"],
    ]
    assert mismatches(validate(make_plan, rows)[1]) == []
    rows[5] = [2024, "合计", "33.5"]
    assert mismatches(validate(make_plan, rows)[1]) == [(7, "地区生产总值", "33.5")]


def test_a_total_with_a_region_missing_is_not_compared(make_plan):
    """A region's blank cell leaves the sum unknown: no total-mismatch (the blank is its own
    warning), and the whole plan has no data that year."""
    rows = [[2024, "东县", "1"], [2024, "西县", ""], [2024, "合计", "5"]]
    config, report = validate(make_plan, rows)
    assert mismatches(report) == []
    assert [f.code for f in report.findings] == ["missing-value"]
    whole = next(r for r in safeplan.check(config, 2024).results if r.region is None)
    assert whole.status == "no_data"


# --- accident ledgers: total rows and loss units ------------------------------------------

LEDGER = """\
plan: {name: 台账, region: 全县, baseline_year: 2020, target_year: 2025}
datasets:
  acc: {records: r.csv}
indicators:
  - {id: big, name: 较大及以上事故起数, value: acc.larger_or_above, target: {max: 0}}
  - {id: loss, name: 直接经济损失, value: acc.direct_loss, target: {max: 100000}}
"""


def ledger(make_plan, loss_header, rows):
    header = ["日期", "地区", "死亡人数", "重伤人数", loss_header]
    return make_plan(LEDGER, {"r.csv": (header, rows)})


@pytest.mark.parametrize(
    ("header", "loss", "wan", "cls"),
    [
        ("直接经济损失（元）", "10000000", "1000", "larger"),
        ("直接经济损失（元）", "9999999.99", "999.999999", "general"),
        ("直接经济损失(元)", "50,000,000", "5000", "major"),
        ("直接经济损失（亿元）", "1", "10000", "especially_major"),
        ("直接经济损失（亿元）", "0.4999", "4999", "larger"),
        ("直接经济损失（万元）", "1000", "1000", "larger"),
        ("直接经济损失", "999.99", "999.99", "general"),
    ],
)
def test_a_loss_in_yuan_or_yi_yuan_is_classified_in_wan_yuan(make_plan, header, loss, wan, cls):
    """元 ÷ 10 000 and 亿元 × 10 000 exactly: 10 000 000 元 is 1 000 万元, 较大 by its bound."""
    config = ledger(make_plan, header, [["2024-03-01", "东县", 0, 0, loss]])
    record = safeplan.classify(config).records[0]
    assert (record["direct_loss"], record["class"]) == (wan, cls)
    result = next(
        r for r in safeplan.check(config, 2024).results if r.id == "loss" and r.region is None
    )
    assert result.value == pytest.approx(float(wan))


def test_an_unknown_loss_unit_is_an_error_not_a_guess(make_plan):
    """千元 is no unit safeplan converts: error unknown-unit at the header."""
    config = ledger(make_plan, "直接经济损失（千元）", [["2024-03-01", "东县", 0, 0, "5"]])
    found = [(f.code, f.line, f.value) for f in safeplan.validate(config).errors]
    assert found == [("unknown-unit", 1, "千元")]


@pytest.mark.parametrize(
    ("total", "ok"),
    [(("4", "11", "1500.5"), True), (("5", "11", "1500.5"), False), (("4", "11", "1500.6"), False)],
)
def test_a_ledger_total_row_is_the_exact_sum_of_its_records(make_plan, total, ok):
    """A ledger's 合计 row must equal the sum of every record, each measure exactly; it is
    no accident (3 records, not 4)."""
    rows = [
        ["2024-01-05", "东县", 1, 0, "0.2"],
        ["2024-02-05", "西县", 3, 1, "1500.2"],
        ["2024-03-05", "东县", 0, 10, "0.1"],
        ["合计", "", *total],
    ]
    config = ledger(make_plan, "直接经济损失（万元）", rows)
    report = safeplan.validate(config)
    found = [(f.code, f.line) for f in report.findings if f.code == "total-mismatch"]
    assert found == ([] if ok else [("total-mismatch", 5)])
    if not ok:
        message = next(f.message for f in report.findings if f.code == "total-mismatch")
        assert "3 条事故记录之和为" in message
    else:
        assert len(safeplan.classify(config).records) == 3


# --- cells, regions and columns as offices write them -------------------------------------


def codes_at(report):
    return [(f.code, f.line, f.column) for f in report.findings]


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("1e400", "non-finite"),  # beyond the float range, in a column of plain numbers
        ("-1e400", "non-finite"),
        ("=SUM(C2:C3)", "formula-error"),  # a formula without its saved result
        ("#DIV/0!", "formula-error"),
        ("inf", "non-finite"),
    ],
)
def test_a_cell_that_is_no_finite_number_is_named_for_what_it_is(make_plan, cell, code):
    """1e400 is non-finite (never inf in a report), =SUM(…) a formula-error, at the cell."""
    rows = [[2023, "东县", "5"], [2024, "东县", cell]]
    _, report = validate(make_plan, rows)
    assert codes_at(report) == [(code, 3, 3)]


@pytest.mark.parametrize("region", ["全椒县", "两河镇", "合肥市", "计家村"])
def test_a_region_whose_name_merely_contains_a_total_word_is_a_region(make_plan, region):
    """全椒县 (a real county) is a region, not 全县; with the plan's label 两县, 两河镇 is a
    region too: only 合计, 全市 … or the plan's own label make a total row."""
    rows = [[2024, region, "1"], [2024, "西县", "2"], [2024, "合计", "3"]]
    config, report = validate(make_plan, rows)
    assert report.valid and mismatches(report) == []
    regions = {r.region for r in safeplan.check(config, 2024).results}
    assert regions == {None, region, "西县"}


def test_an_unknown_column_names_the_key_its_line_and_the_columns_there_are(make_plan, run):
    """A column the file does not have: config error naming the YAML line, the key, the
    dataset and the headers it has, with the fix; through columns: it names the header."""
    text = YEARLY.replace("g.地区生产总值, target", "g.生产总值, target")
    config = make_plan(text, {"g.csv": (HEADER, [[2024, "东县", 1]])})
    result = run("validate", "-c", str(config))
    assert result.exit_code == 2
    assert "indicators.yaml:4: indicators[0].value: 数据集 'g' 中没有列 '生产总值'：" in (
        result.stderr
    )
    assert "g.csv 的列有 year, region, 地区生产总值" in result.stderr
    assert (
        "提示：改正 indicators.yaml 中的列名（或 columns: 中的表头），或数据文件的表头"
        in result.stderr
    )
    mapped = text.replace(
        "datasets: {g: g.csv}", "datasets: {g: {file: g.csv, columns: {生产总值: GDP}}}"
    )
    config = make_plan(mapped, {"g.csv": (HEADER, [[2024, "东县", 1]])})
    result = run("validate", "-c", str(config))
    assert result.exit_code == 2
    assert "数据集 'g' 中没有列 '生产总值'（columns: 把它对应到表头 'GDP'）" in result.stderr


def test_a_ledger_with_years_only_is_after_through_by_its_year(make_plan):
    """through: 2024-12-31 on a ledger without dates: a record of 2025 is after-through at
    its year cell; the records of 2024 are not."""
    text = """\
plan: {name: 台账, baseline_year: 2020, target_year: 2025}
datasets:
  acc: {records: r.csv, through: 2024-12-31}
indicators:
  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 10}}
"""
    rows = [[2023, "东县", 1], [2024, "东县", 2], [2025, "西县", 1]]
    config = make_plan(text, {"r.csv": (["年份", "地区", "死亡人数"], rows)})
    found = [f for f in safeplan.validate(config).findings if f.code == "after-through"]
    assert [(f.line, f.column, f.value) for f in found] == [(4, 1, "2025")]
    assert found[0].hint == "更正日期，或把 indicators.yaml 中该台账的 through: 改为实际截止日期"


DOTTED = """\
plan: {name: 点, region: 两县, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, acc: {records: r.csv}}
indicators:
  - {id: d, name: 工矿商贸死亡人数, value: a.死亡人数.工矿商贸, target: {max: 10}}
  - {id: cap, name: 死亡人数控制指标, value: acc.deaths, target: {max: 4}}
rules:
  - {id: r, check: a.死亡人数.工矿商贸 <= a.死亡人数}
"""


def test_a_column_name_with_a_dot_is_read_whole(make_plan):
    """a.死亡人数.工矿商贸 is the column 死亡人数.工矿商贸 of dataset a, in an indicator, a
    rule and next to a ledger's caps."""
    config = make_plan(
        DOTTED,
        {
            "a.csv": (
                ["年份", "地区", "死亡人数.工矿商贸", "死亡人数"],
                [[2024, "东县", 3, 2], [2024, "西县", 1, 2]],
            ),
            "r.csv": (["日期", "地区", "死亡人数"], [["2024-02-01", "东县", 1]]),
        },
    )
    found = [(f.code, f.line, f.column) for f in safeplan.validate(config).findings]
    assert found == [("rule-violated", 2, 3)]
    ok = config.parent / "a.csv"
    ok.write_text(
        "年份,地区,死亡人数.工矿商贸,死亡人数\n2024,东县,2,2\n2024,西县,1,2\n", encoding="utf-8"
    )
    results = {(r.id, r.region): r for r in safeplan.check(config, 2024).results}
    assert results[("d", None)].value == 3 and results[("d", "东县")].value == 2
    caps = safeplan.monitor(config, "2024-03").to_dict()["caps"]
    assert [(c["id"], c["used"]) for c in caps] == [("cap", 1)]


# --- exact sums of very long cells (found by mutating exact_sum's rounding traps) ----------

LONG = "1." + "0" * 12_000 + "1"  # a finite number of 12 003 characters: 1 + 10^-12001


def test_exact_sum_adds_every_digit_and_refuses_what_it_cannot_bound():
    """No rounding at any length: 1.000…0001 (12 001 decimals) + 1 is exact; a sum spanning
    more than MAX_SUM_DIGITS digits, or beyond the exponent range, is a ValueError — never a
    decimal signal that would end the run as an internal error."""
    from fractions import Fraction

    from safeplan.domain.exact import MAX_SUM_DIGITS, exact_sum

    assert exact_sum([LONG, "1"]) == 2 + Fraction(1, 10**12001)
    assert exact_sum(["0.1", "1e-40"]) == Fraction(1, 10) + Fraction(1, 10**40)
    assert exact_sum([]) == 0 and exact_sum([3, "0.000"]) == 3
    assert exact_sum(["1e300"]) == 10**300 and exact_sum(["1E+3", "0"]) == 1000
    assert exact_sum(["1e5", "1e-5"]) == Fraction(10_000_000_001, 100_000)
    assert MAX_SUM_DIGITS == 100_000
    for texts in (["1e99999", "1e-99999"], ["1e999999999"], ["1e-999999999"], ["nan"]):
        with pytest.raises(ValueError):
            exact_sum(texts)
    # On the bounds: digits spanned (with room for the carries of 2 terms) ≤ 100 000, and
    # no term beyond 10^±100000; a sum may carry past the highest term.
    assert exact_sum(["1e99998", "1"]) == 10**99998 + 1
    with pytest.raises(ValueError, match="无法精确相加"):
        exact_sum(["1e99999", "1"])
    assert exact_sum(["1e100000"]) == 10**100000
    assert exact_sum(["9e100000", "9e100000"]) == 18 * 10**100000
    with pytest.raises(ValueError, match="数字过大或位数过多"):
        exact_sum(["1e100001"])


def test_plain_cells_are_summed_exactly_however_long_and_many():
    """The usual column (plain digits, one point at most) is summed from the texts as they
    stand: every digit kept, the carries of ten thousand terms too; anything else (a sign, a
    separator, a full-width digit, a line break inside a cell) is not plain."""
    from fractions import Fraction

    from safeplan.domain.exact import exact_sum, plain_decimals

    assert exact_sum(["0.1"] * 10_000) == 1000
    assert exact_sum(["9" * 40, "0." + "0" * 39 + "1"]) == 10**40 - 1 + Fraction(1, 10**40)
    assert exact_sum(["3.", ".5", "0"]) == Fraction(7, 2)
    ones = Fraction(10**60_000 - 1, 9)  # 111…1, 60 000 digits: summed by the general path
    assert exact_sum(["1" * 60_000, "1"]) == ones + 1
    assert plain_decimals(["1350", "12.50", ".5", "3."])
    for texts in (["1", "-2"], ["1,234"], ["１"], ["1 "], ["1.2.3"], ["."], ["12\n3", "4"], []):
        assert not plain_decimals(texts), texts
    assert not plain_decimals([1, "2"])


def test_a_ledger_total_against_a_record_of_twelve_thousand_digits(make_plan, run):
    """合计 2 against 1.000…0001 + 1: a total-mismatch showing the exact sum (shortened),
    not an internal error; a total of 1e999999999 is two findings, not an internal error."""
    rows = [
        ["2024-01-05", "东县", 1, 0, LONG],
        ["2024-02-05", "东县", 1, 0, "1"],
        ["合计", "", 2, 0, "2"],
    ]
    config = ledger(make_plan, "直接经济损失", rows)
    result = run("validate", "-c", str(config))
    assert result.exit_code == 1 and "内部错误" not in result.stdout + result.stderr
    assert "合计行的直接经济损失为 2，而 2 条事故记录之和为 2.0000000000" in result.stdout
    huge = [["2024-01-05", "东县", 1, 0, "1"], ["合计", "", 1, 0, "1e999999999"]]
    result = run("validate", "-c", str(ledger(make_plan, "直接经济损失", huge)), "-f", "json")
    import json

    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes == ["non-finite", "total-mismatch"] and result.exit_code == 1


def test_a_long_loss_is_summed_and_checked_without_an_internal_error(make_plan):
    """A loss of 12 003 characters is read, classified (一般) and summed; check runs."""
    config = ledger(make_plan, "直接经济损失", [["2024-01-05", "东县", 1, 0, LONG]])
    results = {r.id: r for r in safeplan.check(config, 2024).results if r.region is None}
    assert results["loss"].value == 1 and results["loss"].status == "met"
    assert safeplan.classify(config).records[0]["class"] == "general"


def test_a_yearly_total_of_long_cells_is_compared_exactly_and_shown_in_full(make_plan):
    """0.1 + 10^-40 is no 0.1: the total row 0.1 is a mismatch whose message shows the
    exact sum with every digit (not 28 of them); a total equal to a sum of 12 000-digit
    cells passes."""
    rows = [[2024, "东县", "0.1"], [2024, "西县", "1e-40"], [2024, "合计", "0.1"]]
    _, report = validate(make_plan, rows)
    found = [f for f in report.findings if f.code == "total-mismatch"]
    assert len(found) == 1
    assert "之和为 0.1000000000000000000000000000000000000001" in found[0].message
    total = "2." + "0" * 12_000 + "2"
    rows = [[2024, "东县", LONG], [2024, "西县", LONG], [2024, "合计", total]]
    _, report = validate(make_plan, rows)
    assert mismatches(report) == []


UNMAPPED_HEADER = ["填报时间", "发生时间", "地区", "死亡人数", "损失金额", "间接经济损失", "伤亡#2"]


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ("{records: r.csv}", "在 indicators.yaml 的 datasets.acc 下加入 columns: {{{line}}}"),
        (
            "{records: r.csv, columns: {region: 地区}}",
            "在 indicators.yaml 的 datasets.acc.columns 中加入 {line}",
        ),
    ],
)
def test_a_ledger_column_under_a_name_safeplan_does_not_map_is_never_ignored(
    make_plan, spec, where
):
    """发生时间 looks like the date and 损失金额 like the direct loss: unmapped-column at each
    header, the likeliest first (发生 before 填报), the others named, and the YAML line to
    add in the hint; a header with # (伤亡#2) is a note, not a candidate."""
    text = LEDGER.replace("acc: {records: r.csv}", f"acc: {spec}").replace(
        "  - {id: loss, name: 直接经济损失, value: acc.direct_loss, target: {max: 100000}}\n", ""
    )
    config = make_plan(
        text, {"r.csv": (UNMAPPED_HEADER, [["2024-02-01", "2024-01-05", "东县", 1, 3, 1, 0]])}
    )
    found = [f for f in safeplan.validate(config).findings]
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("unmapped-column", 1, 2, "发生时间"),
        ("unmapped-column", 1, 5, "损失金额"),
    ]
    assert found[0].message == (
        "第 2 列 “发生时间” 像是事故日期，但 safeplan 不认识这个列名，不会读取它"
        "（其他可能的列：“填报时间”）"
    )
    assert found[0].hint == "若这一列就是事故日期，" + where.format(line="date: 发生时间")
    assert found[1].message.startswith("第 5 列 “损失金额” 像是直接经济损失，")
    assert found[1].hint == "若这一列就是直接经济损失，" + where.format(
        line="direct_loss: 损失金额"
    )


# --- total rows: every row checked, every digit shown --------------------------------------


@pytest.mark.parametrize(
    ("cells", "total", "shown"),
    [
        (("1234", "5678"), "7000", "6912"),  # every digit of a whole sum
        (("1200", "5700"), "7000", "6900"),  # not 6.9E+3
        (("0.0000001", "0.0000000024"), "0", "0.0000001024"),  # 1 ÷ 5^10: every digit
        (("9007199254740992", "1"), "9007199254740992", "9007199254740993"),  # past 2^53
    ],
)
def test_a_total_mismatch_names_the_row_and_shows_the_exact_sum(make_plan, cells, total, shown):
    """The message names the year, the total row's label and the column, and gives the
    exact sum in plain digits; past 2^53, where floats cannot tell n from n + 1, the sum is
    taken exactly."""
    rows = [[2024, "东县", cells[0]], [2024, "西县", cells[1]], [2024, "合计", total]]
    _, report = validate(make_plan, rows)
    found = [f for f in report.findings if f.code == "total-mismatch"]
    assert [(f.file.endswith("g.csv"), f.value) for f in found] == [(True, total)]
    assert found[0].message == (
        f"2024 年“合计”行的地区生产总值为 {total}，而 2 个地区之和为 {shown}"
    )
    assert found[0].hint == f"核对合计行和各地区的数：合计应恰好等于各地区之和（{shown}）"


def test_total_rows_after_one_that_cannot_be_compared_are_still_compared(make_plan):
    """A blank total, or a total whose regions are incomplete, is passed over; the total
    rows of the other years are still checked."""
    rows = [
        [2022, "东县", "1"],
        [2022, "西县", "1"],
        [2022, "合计", ""],  # blank total
        [2023, "东县", "1"],
        [2023, "西县", ""],
        [2023, "合计", "2"],  # a region missing
        [2024, "东县", "1"],
        [2024, "西县", "1"],
        [2024, "合计", "3"],  # wrong
    ]
    _, report = validate(make_plan, rows)
    assert mismatches(report) == [(10, "地区生产总值", "3")]


def test_a_total_of_cells_that_cancel_is_decided_exactly(make_plan):
    """0.3 − 0.1 − 0.2 is 5.6e-17 in floats: against a total of 0 it is decided exactly (the
    negative cells are errors of their own, the total is right)."""
    rows = [[2024, "东县", "0.3"], [2024, "西县", "-0.1"], [2024, "南县", "-0.2"]]
    rows.append([2024, "合计", "0"])
    _, report = validate(make_plan, rows)
    assert [f.code for f in report.findings] == ["negative-value", "negative-value"]


def test_a_total_whose_exact_sum_cannot_be_taken_shows_the_float_sum(make_plan):
    """Cells spanning more than 100 000 digits: the sum is not taken exactly, the mismatch is
    shown with the float sum — never an internal error."""
    tiny = "0." + "0" * 100_000 + "1"
    rows = [[2024, "东县", "1"], [2024, "西县", tiny], [2024, "合计", "3"]]
    _, report = validate(make_plan, rows)
    found = [f for f in report.findings if f.code == "total-mismatch"]
    assert len(found) == 1 and found[0].message.endswith("而 2 个地区之和为 1")


def test_every_measure_and_every_total_row_of_a_ledger_is_checked(make_plan):
    """A bad deaths cell leaves deaths unsummed but injuries and losses are still checked;
    after a total row that matches, the next total row is still checked."""
    rows = [
        ["2024-01-05", "东县", "x", 2, "1.5"],
        ["2024-02-05", "西县", 1, 3, "2"],
        ["合计", "", 9, 5, "3.5"],  # injuries and loss right
        ["总计", "", 9, 6, "3.5"],  # injuries wrong
    ]
    config = ledger(make_plan, "直接经济损失（万元）", rows)
    report = safeplan.validate(config)
    found = [f for f in report.findings if f.code == "total-mismatch"]
    assert [(f.line, f.column, f.value) for f in found] == [(5, 4, "6")]
    assert found[0].message == "合计行的重伤人数为 6，而 2 条事故记录之和为 5"
    assert found[0].hint == "核对合计行：它应恰好等于上面各条记录之和（5），或删除合计行"
    assert "non-numeric" in [f.code for f in report.findings]


def test_more_than_a_hundred_bad_cells_are_listed_then_counted(make_plan):
    """103 cells that are no number: the first 100 listed one by one, then one finding at
    the 101st that counts the other 3, with the same fix."""
    rows = [[2000 + i, "东县", "n/a?"] for i in range(103)]
    _, report = validate(make_plan, rows)
    found = [f for f in report.findings if f.code == "non-numeric"]
    assert len(found) == 101
    last = found[-1]
    assert (last.line, last.column, last.column_name) == (102, 3, "地区生产总值")
    assert last.message == (
        "地区生产总值列从这一行起另有 3 个单元格有同样的问题（non-numeric），前 100 个已逐一列出"
    )
    assert last.hint == found[0].hint and last.file == found[0].file


def test_more_than_a_hundred_records_without_a_region_are_counted(make_plan):
    """102 records without a region: 100 listed, then one at the 101st counting 2 more,
    with the same fix."""
    rows = [["2024-01-05", "", 1, 0, "1"]] * 102 + [["2024-01-06", "东县", 1, 0, "1"]]
    report = safeplan.validate(ledger(make_plan, "直接经济损失", rows))
    found = [f for f in report.findings if f.code == "missing-region"]
    assert len(found) == 101
    assert found[-1].line == 102 and found[-1].hint == found[0].hint == "填写每起事故的地区"
    assert "另有 2 个单元格有同样的问题（missing-region）" in found[-1].message


YEARS_LEDGER = """\
plan: {name: 台账, baseline_year: 2020, target_year: 2025}
datasets: {acc: {records: r.csv}}
indicators:
  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 10}}
"""


@pytest.mark.parametrize(
    "total",
    [
        ["合计", "", 2, 0, "3"],  # 合计 in the year column
        ["", "合计", 2, 0, "3"],  # no year, 合计 in the region column
        ["总计", "", 2, "", ""],  # blank cells in a total row
    ],
)
def test_a_total_row_of_a_ledger_with_years_only_is_no_record(make_plan, total):
    """Bug found by mutation testing: a ledger with a year column (no dates) and a 合计 row
    failed with non-integer-year (or missing-year) at the total's year cell. A total row
    is no record: it is checked as a total, and the ledger passes."""
    header = ["年份", "地区", "死亡人数", "重伤人数", "直接经济损失"]
    rows = [[2024, "东县", 1, 0, "1"], [2024, "西县", 1, 0, "2"], total]
    config = make_plan(YEARS_LEDGER, {"r.csv": (header, rows)})
    report = safeplan.validate(config)
    assert report.findings == []
    assert next(r for r in safeplan.check(config, 2024).results if r.region is None).value == 2
    bad = [*rows[:2], ["二〇二四", "东县", 0, 0, "0"], total]  # a record's year is still checked
    config = make_plan(YEARS_LEDGER, {"r.csv": (header, bad)})
    assert [(f.code, f.line) for f in safeplan.validate(config).findings] == [
        ("non-integer-year", 4)
    ]


@pytest.mark.parametrize(
    ("column", "cell"),
    [(3, "29.9999999999999999"), (4, "9.99999999999999999"), (3, "2.5")],
)
def test_a_ledger_count_is_whole_by_its_text_not_its_float(make_plan, column, cell):
    """29.9999999999999999 deaths reads as the float 30.0 — but it is no whole number:
    non-integer-count at the cell, never an accident of 30 deaths (特别重大)."""
    header = ["日期", "地区", "死亡人数", "重伤人数", "直接经济损失"]
    rows = [["2024-01-05", "东县", 1, 0, "1"], ["2024-01-06", "东县", 1, 0, "1"]]
    rows[1][column - 1] = cell
    config = make_plan(YEARS_LEDGER, {"r.csv": (header, rows)})
    found = [(f.code, f.line, f.column) for f in safeplan.validate(config).errors]
    assert found == [("non-integer-count", 3, column)]


@pytest.mark.parametrize(
    ("key", "cell"), [("日期", "2024-01-05"), ("年份", "2024"), ("发生日期", "2024/1/5")]
)
def test_a_ledger_under_a_title_and_a_unit_line_is_read_from_its_header(make_plan, key, cell):
    """The header of a ledger is the first row naming its date or year column; the title
    and 单位 lines above it are skipped."""
    text = YEARS_LEDGER
    if key == "发生日期":
        text = text.replace(
            "{acc: {records: r.csv}}", "{acc: {records: r.csv, columns: {date: 发生日期}}}"
        )
    path = make_plan(text, {})
    (path.parent / "r.csv").write_text(
        "2024年生产安全事故台账,,\r\n单位：人,,\r\n"
        f"{key},地区,死亡人数\r\n{cell},东县,2\r\n{cell},西县,1\r\n",
        encoding="utf-8",
    )
    assert safeplan.validate(path).findings == []
    whole = next(r for r in safeplan.check(path, 2024).results if r.region is None)
    assert whole.value == 3


@pytest.mark.parametrize("cell", ["24-01-05", "2024-13-01", "2024-02-30", "5.1"])
def test_a_date_that_is_no_date_is_a_bad_date(make_plan, cell):
    """Dates are YYYY-MM-DD (or / or 年月日): a two-digit year, month 13, 30 February are
    bad-date at the cell."""
    header = ["日期", "地区", "死亡人数"]
    config = make_plan(
        YEARS_LEDGER, {"r.csv": (header, [["2024-01-05", "东县", 1], [cell, "东县", 1]])}
    )
    found = [(f.code, f.line, f.column, f.value) for f in safeplan.validate(config).errors]
    assert found == [("bad-date", 3, 1, cell)]


# --- what a finding says: code, place, value, message and fix -----------------------------


def said(report):
    return [(f.code, f.line, f.column, f.value, f.message, f.hint) for f in report.findings]


NUMBER_FIX = "填写纯数字（不带单位）；千分位逗号须三位一组，如 1,234.5；数据缺失时留空或填“—”"
MISSING_FIX = "补填数据；确实缺失时可以留空或填“—”"
FORMULA_FIX = "改正公式，或复制后“选择性粘贴 → 数值”；程序生成的工作簿请在 Excel 中打开并保存一次"


def test_each_bad_number_cell_is_named_with_its_text_column_and_fix(make_plan):
    """Every problem cell of a used column: its code, line and column, the text as written,
    a message naming the column, and the fix."""
    rows = [
        [2019, "东县", "12人"],
        [2020, "东县", "-3"],
        [2021, "东县", ""],
        [2022, "东县", "—"],
        [2023, "东县", "#DIV/0!"],
        [2024, "东县", "1e999"],
    ]
    _, report = validate(make_plan, rows)
    assert said(report) == [
        ("non-numeric", 2, 3, "12人", "“12人”（地区生产总值列）不是数字", NUMBER_FIX),
        ("negative-value", 3, 3, "-3", "“-3”（地区生产总值列）是负数", "计数和金额不能为负数"),
        (
            "missing-value",
            4,
            3,
            "",
            "地区生产总值列的单元格为空（数据缺失）：需要它的结果为无数据",
            MISSING_FIX,
        ),
        (
            "missing-value",
            5,
            3,
            "—",
            "地区生产总值列的单元格为“—”（数据缺失）：需要它的结果为无数据",
            MISSING_FIX,
        ),
        (
            "formula-error",
            6,
            3,
            "#DIV/0!",
            "“#DIV/0!”（地区生产总值列）是公式错误值或没有计算结果的公式，不是数字",
            FORMULA_FIX,
        ),
        (
            "non-finite",
            7,
            3,
            "1e999",
            "“1e999”（地区生产总值列）不是有限的数（无穷大、NaN 或超出数值范围）",
            "填写实际数值",
        ),
    ]


def test_each_bad_year_is_named_and_the_bounds_are_1900_and_2200(make_plan):
    """Years from 1900 to 2200 (2024年 too); 1899 and 2201 are implausible, 2024.5 no year,
    a blank year cell a missing year."""
    rows = [
        [1899, "东县", "1"],
        ["2024.5", "东县", "1"],
        ["", "东县", "1"],
        [1900, "西县", "1"],
        [2200, "西县", "1"],
        [2201, "西县", "1"],
        ["2024年", "南县", "1"],
    ]
    _, report = validate(make_plan, rows)
    assert said(report) == [
        ("implausible-year", 2, 1, "1899", "年份 “1899” 不在 1900–2200 之间", "检查年份"),
        (
            "non-integer-year",
            3,
            1,
            "2024.5",
            "年份 “2024.5” 不是整数年份",
            "年份写成四位数字，如 2024 或 2024年",
        ),
        ("missing-year", 4, 1, None, "这一行没有年份", "填写年份，如 2024"),
        ("implausible-year", 7, 1, "2201", "年份 “2201” 不在 1900–2200 之间", "检查年份"),
    ]


def test_each_bad_date_of_a_ledger_is_named(make_plan):
    """A blank date, 30 February, years before 1900 or after 2200: named at the cell; dates
    outside the plan's years (2019–2025 here: the year before the baseline counts) are one
    warning counting them and naming the first."""
    dates = ["", "2024-02-30", "1899-12-31", "2201-01-01", "1900-01-01", "2200-12-31"]
    dates += ["2019-01-01", "2026-01-01", "2024-01-01", "2025-12-31"]
    config = make_plan(
        YEARS_LEDGER, {"r.csv": (["日期", "地区", "死亡人数"], [[d, "东县", 1] for d in dates])}
    )
    fix = "日期写成 YYYY-MM-DD（也可写 YYYY/MM/DD 或 YYYY年MM月DD日）"
    assert said(safeplan.validate(config)) == [
        ("bad-date", 2, 1, None, "这起事故没有填写日期", fix),
        ("bad-date", 3, 1, "2024-02-30", "“2024-02-30” 不是日期", fix),
        (
            "implausible-year",
            4,
            1,
            "1899-12-31",
            "日期 “1899-12-31” 的年份不在 1900–2200 之间",
            "检查日期的年份",
        ),
        (
            "implausible-year",
            5,
            1,
            "2201-01-01",
            "日期 “2201-01-01” 的年份不在 1900–2200 之间",
            "检查日期的年份",
        ),
        (
            "outside-plan-years",
            6,
            1,
            None,
            "3 条记录的日期不在计划使用的 2019–2025 年之内（第一条：“1900-01-01”）",
            "这些记录计入各自的年份，但没有指标用到它们",
        ),
    ]


def test_a_ledger_with_years_outside_the_plan_names_the_first_of_them(make_plan):
    """With a year column: years before the baseline's previous year or after the target
    year are one warning at the first of them; 2019 (for 2020's 同比) and 2025 are not."""
    rows = [[2019, "东县", 1], [2025, "东县", 1], [2018, "东县", 1], [2026, "东县", 1]]
    config = make_plan(YEARS_LEDGER, {"r.csv": (["年份", "地区", "死亡人数"], rows)})
    assert [(f.code, f.line, f.column, f.message) for f in safeplan.validate(config).findings] == [
        (
            "outside-plan-years",
            4,
            1,
            "2 条记录的日期不在计划使用的 2019–2025 年之内（第一条：“2018”）",
        )
    ]


def test_a_merged_cell_is_one_finding_not_a_missing_value_too(make_plan, tmp_path):
    """A value merged over two years' rows: merged-cell at the merge; the empty cell under
    it is not reported again as a missing value."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["年份", "地区", "地区生产总值"], [2023, "东县", 5], [2024, "东县", None]):
        sheet.append(row)
    sheet.merge_cells("C2:C3")
    book.save(tmp_path / "g.xlsx")
    config = make_plan(YEARLY.replace("g.csv", "g.xlsx"), {})
    found = [(f.code, f.cell) for f in safeplan.validate(config).findings]
    assert found == [("merged-cell", "Sheet!C2")]


def test_a_ledger_offers_its_derived_columns_not_its_key_columns(make_plan):
    """acc.year is no column derived from a ledger: a config error listing those there are."""
    from safeplan.errors import ConfigError

    config = make_plan(
        YEARS_LEDGER.replace("acc.deaths", "acc.year"),
        {"r.csv": (["日期", "地区", "死亡人数"], [["2024-01-05", "东县", 1]])},
    )
    with pytest.raises(ConfigError, match="accidents, deaths, serious_injuries, direct_loss"):
        safeplan.validate(config)


# --- a ledger's columns: what is missing is named at its header -----------------------------

COLUMNS_LEDGER = """\
plan: {name: 台账, region: 全县, baseline_year: 2020, target_year: 2025}
datasets:
  acc: SPEC
indicators:
  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 10}}
"""


@pytest.mark.parametrize(
    ("spec", "header", "expected"),
    [
        (
            "{records: r.csv}",
            ["地区", "死亡人数"],
            [
                (
                    "missing-year-column",
                    None,
                    "台账没有日期（日期）或年份（年份）列",
                    "增加日期列（YYYY-MM-DD）或年份列，或在 columns: 中写明，如 "
                    "columns: {date: 发生时间}",
                )
            ],
        ),
        (
            "{records: r.csv}",
            ["日期", "地区", "重伤人数"],
            [
                (
                    "missing-deaths-column",
                    None,
                    "台账没有死亡人数（死亡人数）列",
                    "增加每起事故的死亡人数列（没有死亡填 0）",
                )
            ],
        ),
        (
            "{records: r.csv, sectors: {矿山: [煤矿]}}",
            ["日期", "地区", "死亡人数"],
            [
                (
                    "missing-sector-column",
                    None,
                    "定义了行业分组（sectors:），但台账没有行业（行业）列",
                    "增加行业列，或在 columns: 中写明，如 columns: {sector: 行业类别}",
                )
            ],
        ),
        (
            "{records: r.csv, columns: {date: 发生时间}}",
            ["日期", "地区", "死亡人数"],
            [
                (
                    "missing-column",
                    None,
                    "没有表头为“发生时间”的列（columns: 中的 date）",
                    "改正 datasets.acc.columns 中 date 对应的表头",
                ),
                (
                    "unmapped-column",
                    1,
                    "第 1 列 “日期” 像是事故日期，但 safeplan 不认识这个列名，不会读取它",
                    "若这一列就是事故日期，在 indicators.yaml 的 datasets.acc.columns 中加入 "
                    "date: 日期",
                ),
            ],
        ),
        (
            "{records: r.csv}",
            ["日期", "地区", "死亡人数", "直接经济损失（美元）"],
            [
                (
                    "unknown-unit",
                    4,
                    "直接经济损失列的单位“美元”不是万元、元或亿元，无法换算",
                    "把列名改为“直接经济损失（万元）”并按万元填写（也可用元或亿元）",
                )
            ],
        ),
    ],
)
def test_a_ledger_without_a_column_it_needs_is_refused_at_its_header(
    make_plan, run, spec, header, expected
):
    """No date or year, no deaths, sectors without a sector column, a columns: name not in
    the file, a loss in a unit that cannot be converted: an error at the header row (line
    1) of r.csv naming what is missing and how to add it; check refuses (exit 2)."""
    row = {"日期": "2024-01-05", "地区": "东县", "死亡人数": 1, "重伤人数": 0}
    rows = [[row.get(name, 5) for name in header]]
    config = make_plan(COLUMNS_LEDGER.replace("SPEC", spec), {"r.csv": (header, rows)})
    report = safeplan.validate(config)
    assert [(f.code, f.line, f.column, f.message, f.hint) for f in report.findings] == [
        (code, 1, column, message, hint) for code, column, message, hint in expected
    ]
    assert {(Path(f.file).name, f.severity) for f in report.findings} == {("r.csv", "error")}
    assert run("check", "--config", str(config), "--year", "2024").exit_code == 2


def test_a_ledger_with_a_year_column_and_no_dates_counts_by_year(make_plan):
    """年份 instead of 日期 is enough: each record counts in its year (2 deaths in 2024, 1
    in 2023), no finding."""
    rows = [[2024, "东县", 1], [2024, "西县", 1], [2023, "东县", 1]]
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}"),
        {"r.csv": (["年份", "地区", "死亡人数"], rows)},
    )
    assert safeplan.validate(config).findings == []
    values = {y: safeplan.check(config, y).results[0].value for y in (2023, 2024)}
    assert values == {2023: 1, 2024: 2}


def test_a_ledger_without_regions_is_the_whole_plans_only(make_plan):
    """No 地区 column: the records are the plan's own; check has one result, the whole
    plan's, with every record counted."""
    rows = [["2024-01-05", 2], ["2024-03-05", 3]]
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}"),
        {"r.csv": (["日期", "死亡人数"], rows)},
    )
    assert safeplan.validate(config).findings == []
    results = safeplan.check(config, 2024).results
    assert [(r.region, r.value, r.status) for r in results] == [(None, 5, "met")]


def test_a_ledger_on_a_named_sheet_is_read_from_that_sheet(make_plan, tmp_path):
    """book.xlsx#台账 reads the sheet named, not the first one (a note sheet here)."""
    from openpyxl import Workbook

    book = Workbook()
    note = book.active
    assert note is not None
    note.title = "说明"
    note.append(["日期", "地区", "死亡人数"])
    note.append(["2024-01-05", "东县", 9])
    sheet = book.create_sheet("台账")
    for row in (["日期", "地区", "死亡人数"], ["2024-01-05", "东县", 1], ["2024-02-05", "东县", 2]):
        sheet.append(row)
    book.save(tmp_path / "book.xlsx")
    config = make_plan(COLUMNS_LEDGER.replace("SPEC", "{records: book.xlsx#台账}"), {})
    results = safeplan.check(config, 2024).results
    assert [(r.region, r.value) for r in results] == [(None, 3), ("东县", 3)]


def test_a_column_a_ledger_does_not_derive_is_a_config_error_with_the_fix(make_plan):
    """acc.gdp from a ledger: a config error at the indicator's line naming the column, the
    ones there are, and what to use instead."""
    from safeplan.errors import ConfigError

    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}").replace("acc.deaths", "acc.gdp"),
        {"r.csv": (["日期", "地区", "死亡人数"], [["2024-01-05", "东县", 1]])},
    )
    with pytest.raises(ConfigError) as raised:
        safeplan.validate(config)
    assert "indicators.yaml:5: " in str(raised.value)
    assert "'gdp' 不是事故台账派生的列" in str(raised.value)
    assert raised.value.hint == (
        "使用事故台账派生的列，如 accidents.deaths、accidents.major_or_above"
    )


# --- every total row and every measure is checked, whatever comes before it -------------------


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        (["1", "2", "3"], ["10", "20", "31"]),  # whole numbers
        (["0.1", "0.2", "0.3"], ["1.5", "2", "4"]),  # decimals, decided exactly
    ],
)
def test_a_right_total_does_not_stop_the_check_of_later_years(make_plan, good, bad):
    """2023's 合计 equals its regions' sum; 2024's does not: a total-mismatch at 2024's total
    (line 7), whatever the kind of numbers."""
    rows = [[2023, "东县", good[0]], [2023, "西县", good[1]], [2023, "合计", good[2]]]
    rows += [[2024, "东县", bad[0]], [2024, "西县", bad[1]], [2024, "合计", bad[2]]]
    _, report = validate(make_plan, rows)
    assert mismatches(report) == [(7, "地区生产总值", bad[2])]


def test_a_ledger_without_injuries_still_checks_the_loss_total(make_plan):
    """No 重伤人数 column: the 直接经济损失 total is still compared with its records (1.5 +
    2 = 3.5, not 4)."""
    header = ["日期", "地区", "死亡人数", "直接经济损失"]
    rows = [["2024-01-05", "东县", 1, "1.5"], ["2024-02-05", "西县", 0, "2"], ["合计", "", 1, "4"]]
    config = make_plan(LEDGER, {"r.csv": (header, rows)})
    found = [f for f in safeplan.validate(config).findings if f.code == "total-mismatch"]
    assert [(f.line, f.column, f.value) for f in found] == [(4, 4, "4")]
    assert found[0].message == "合计行的直接经济损失为 4，而 2 条事故记录之和为 3.5"


def test_a_blank_total_cell_does_not_stop_the_check_of_the_next_total_row(make_plan):
    """合计 leaves 死亡人数 blank (nothing to compare); 总计 below says 5 where the records
    sum to 3: a total-mismatch at 总计's cell."""
    rows = [
        ["2024-01-05", "东县", 1, 0, "1"],
        ["2024-02-05", "西县", 2, 0, "1"],
        ["合计", "", "", 0, "2"],
        ["总计", "", 5, 0, "2"],
    ]
    config = ledger(make_plan, "直接经济损失", rows)
    found = [f for f in safeplan.validate(config).findings if f.code == "total-mismatch"]
    assert [(f.line, f.column, f.value, f.message) for f in found] == [
        (5, 3, "5", "合计行的死亡人数为 5，而 2 条事故记录之和为 3")
    ]


def test_more_than_a_hundred_records_without_deaths_are_all_errors(make_plan):
    """A ledger's blank deaths cell is an error, not a warning: the 100 listed and the one
    that counts the rest (3 more) alike; check refuses."""
    rows = [["2024-01-05", "东县", "", 0, "1"]] * 103
    report = safeplan.validate(ledger(make_plan, "直接经济损失", rows))
    found = [f for f in report.findings if f.code == "missing-value"]
    assert len(found) == 101
    assert {f.severity for f in found} == {"error"}
    assert "另有 3 个单元格有同样的问题（missing-value）" in found[-1].message
    assert not report.valid


def test_a_number_beyond_the_float_range_in_a_plain_column_is_non_finite(make_plan):
    """1e400 among plain numbers is no number a plan can use: an error non-finite at its
    cell, so the plan is not valid."""
    rows = [[2024, "东县", "5"], [2024, "西县", "1e400"]]
    _, report = validate(make_plan, rows)
    assert [(f.code, f.line, f.column, f.value) for f in report.findings] == [
        ("non-finite", 3, 3, "1e400")
    ]
    assert report.findings[0].severity == "error" and not report.valid


def test_a_column_not_in_the_file_is_refused_naming_the_columns_there_are(make_plan):
    """g.GDP where the file has 地区生产总值: a config error at the indicator's line that
    lists the file's columns — a column named _备注 too (a plan can use it), but not the
    empty unnamed column between them, which holds nothing."""
    from safeplan.errors import ConfigError

    config = make_plan(
        YEARLY.replace("g.地区生产总值", "g.GDP"),
        {"g.csv": (["年份", "地区", "", "_备注", "地区生产总值"], [[2024, "东县", "", "", 1]])},
    )
    with pytest.raises(ConfigError) as raised:
        safeplan.validate(config)
    assert ":4: indicators[0].value: 数据集 'g' 中没有列 'GDP'" in str(raised.value)
    assert str(raised.value).endswith("g.csv 的列有 year, region, _备注, 地区生产总值")
    assert (
        raised.value.hint
        == "改正 indicators.yaml 中的列名（或 columns: 中的表头），或数据文件的表头"
    )


def test_a_ledger_with_a_year_column_reads_other_time_and_type_columns_as_notes(make_plan):
    """With 年份 there is no date to look for, and with 行业 no sector: a 填报时间 or a
    事故类型 column beside them is a note, not an unmapped date or sector (no finding)."""
    text = COLUMNS_LEDGER.replace("SPEC", "{records: r.csv, sectors: {矿山: [煤矿]}}")
    header = ["年份", "填报时间", "地区", "行业", "事故类型", "死亡人数"]
    rows = [[2024, "2025-01-02", "东县", "煤矿", "透水", 1]]
    config = make_plan(text, {"r.csv": (header, rows)})
    assert safeplan.validate(config).findings == []
    assert safeplan.check(config, 2024).results[0].value == 1


def test_a_total_row_is_found_in_a_year_column_that_is_not_the_first(make_plan):
    """地区 first, then 年份: a 合计 in the year column marks a total row (equal to its 2
    records' sum, so no finding), which is no accident: 3 deaths in 2024, not 6."""
    rows = [["东县", 2024, 1], ["西县", 2024, 2], ["", "合计", 3]]
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}"),
        {"r.csv": (["地区", "年份", "死亡人数"], rows)},
    )
    assert safeplan.validate(config).findings == []
    assert safeplan.check(config, 2024).results[0].value == 3


def test_an_invisible_character_in_a_sector_cell_is_found(make_plan):
    """A zero-width space pasted into a 行业 cell: control-character at that cell, as in a
    region cell."""
    text = COLUMNS_LEDGER.replace("SPEC", "{records: r.csv, sectors: {矿山: [煤矿]}}")
    rows = [["2024-01-05", "东县", "煤\u200b矿", 1], ["2024-02-05", "东\u200b县", "煤矿", 1]]
    config = make_plan(text, {"r.csv": (["日期", "地区", "行业", "死亡人数"], rows)})
    found = [(f.code, f.line, f.column) for f in safeplan.validate(config).findings]
    assert ("control-character", 2, 3) in found and ("control-character", 3, 2) in found


def test_an_unmapped_column_is_quoted_as_its_header_is_written(make_plan):
    """损失金额（元） looks like the direct loss: the finding quotes the header as written,
    unit and all, and the YAML line to add names it without the unit."""
    text = COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}")
    header = ["日期", "地区", "死亡人数", "损失金额（元）"]
    config = make_plan(text, {"r.csv": (header, [["2024-01-05", "东县", 1, 100]])})
    found = [f for f in safeplan.validate(config).findings if f.code == "unmapped-column"]
    assert [(f.line, f.column) for f in found] == [(1, 4)]
    assert found[0].message.startswith("第 4 列 “损失金额（元）” 像是直接经济损失，")


def test_blank_measures_of_an_accident_say_what_counts(make_plan):
    """A blank 死亡人数 is an error (the class needs it); a blank 重伤人数 is a warning that
    counts it as 0 in the totals (2 injuries in 2024, not 3) and classifies the accident by
    its other measures."""
    rows = [
        ["2024-01-05", "东县", "", 1, "1"],
        ["2024-02-05", "东县", 1, "", "1"],
        ["2024-03-05", "西县", 1, 1, "1"],
    ]
    report = safeplan.validate(ledger(make_plan, "直接经济损失", rows))
    assert [(f.code, f.severity, f.line, f.column) for f in report.findings] == [
        ("missing-value", "error", 2, 3),
        ("missing-value", "warning", 3, 4),
    ]
    deaths, injuries = report.findings
    assert deaths.message == "这起事故没有填写死亡人数（单元格为空）"
    assert deaths.hint == "没有人死亡时填 0"
    assert injuries.message == (
        "重伤人数未填报（单元格为空）：按 0 计入合计，这起事故按其他指标分级"
    )
    assert injuries.hint == "补填重伤人数（没有重伤填 0）"
    text = COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}").replace(
        "acc.deaths", "acc.serious_injuries"
    )
    rows[0][2] = 0
    config = make_plan(
        text, {"r.csv": (["日期", "地区", "死亡人数", "重伤人数", "直接经济损失"], rows)}
    )
    assert [r.value for r in safeplan.check(config, 2024).results] == [2, 1, 1]


def test_a_blank_sector_is_named_as_blank_among_the_unknown_ones(make_plan):
    """Sectors outside every group (a blank one too) are one error at the first of them, in
    the sector column, counting each value."""
    text = COLUMNS_LEDGER.replace("SPEC", "{records: r.csv, sectors: {矿山: [煤矿]}}")
    rows = [
        ["2024-01-05", "东县", "煤矿", 1],
        ["2024-02-05", "东县", "", 1],
        ["2024-03-05", "东县", "化工", 1],
        ["2024-04-05", "东县", "化工", 1],
    ]
    config = make_plan(text, {"r.csv": (["日期", "地区", "行业", "死亡人数"], rows)})
    found = [f for f in safeplan.validate(config).findings if f.code == "unknown-sector"]
    assert [(f.line, f.column, f.value) for f in found] == [(3, 3, "")]
    assert found[0].message == "这些行业值不属于任何行业分组：化工 ×2、（空白） ×1"


def test_a_yearly_row_without_a_region_is_an_error_at_its_cell(make_plan):
    """A blank 地区 cell: missing-region at that cell, saying what is missing and how to
    fix it; the other rows are fine."""
    rows = [[2024, "东县", 1], [2024, "  ", 2]]
    _, report = validate(make_plan, rows)
    assert [(f.code, f.severity, f.line, f.column, f.value) for f in report.findings] == [
        ("missing-region", "error", 3, 2, None)
    ]
    assert (report.findings[0].message, report.findings[0].hint) == (
        "这一行没有地区",
        "填写每一行的地区",
    )


def test_each_second_row_of_a_year_and_region_is_a_duplicate(make_plan):
    """东县 2024 three times and 西县 2023 twice, with 东县 2023 once between them: a
    duplicate-row at each later row naming the first; a row without a region is not a
    duplicate of another (it is missing its region)."""
    rows = [
        [2024, "东县", 1],
        [2023, "西县", 1],
        [2023, "东县", 1],
        [2024, "东县", 2],
        [2023, "西县", 2],
        [2024, "东县", 3],
        [2024, "", 4],
        [2024, "", 5],
    ]
    _, report = validate(make_plan, rows)
    found = [(f.code, f.line, f.column, f.value, f.message) for f in report.findings]
    assert [f for f in found if f[0] == "duplicate-row"] == [
        ("duplicate-row", 5, 1, "2024", "2024 年、地区 “东县”有第二行（第一行在第 2 行）"),
        ("duplicate-row", 6, 1, "2023", "2023 年、地区 “西县”有第二行（第一行在第 3 行）"),
        ("duplicate-row", 7, 1, "2024", "2024 年、地区 “东县”有第二行（第一行在第 2 行）"),
    ]
    assert [f[1] for f in found if f[0] == "missing-region"] == [8, 9]
    hints = {f.hint for f in report.findings if f.code == "duplicate-row"}
    assert hints == {"每年每个地区只保留一行"}


def test_a_second_row_of_a_year_without_regions_is_a_duplicate(make_plan):
    """Data without a region column: a year written twice is a duplicate-row, with the fix
    for one row a year."""
    text = YEARLY
    config = make_plan(
        text, {"g.csv": (["年份", "地区生产总值"], [[2023, 1], [2024, 1], [2024, 2]])}
    )
    found = [f for f in safeplan.validate(config).findings if f.code == "duplicate-row"]
    assert [(f.line, f.message, f.hint) for f in found] == [
        (4, "2024 年有第二行（第一行在第 3 行）", "每年只保留一行")
    ]


def test_the_reason_of_an_accident_names_a_measure_not_recorded(make_plan):
    """Blank 重伤人数 and 直接经济损失: the accident is classified by its deaths alone, and
    its reason says the other two were not recorded rather than calling them 0."""
    rows = [["2024-01-05", "东县", 1, "", ""], ["2024-02-05", "东县", 1, 0, "0"]]
    config = ledger(make_plan, "直接经济损失", rows)
    records = safeplan.classify(config).records
    assert [r["class"] for r in records] == ["general", "general"]
    assert records[0]["reason_zh"] == describe(0, 1, None, None)
    assert records[1]["reason_zh"] == describe(0, 1, 0, "0")
    assert records[0]["reason_zh"] != records[1]["reason_zh"]


def test_a_ledger_without_a_loss_column_classifies_by_deaths_and_injuries(make_plan):
    """No 直接经济损失 column: each accident's loss is not recorded (never 0 万元), its
    class comes from deaths and injuries (12 injuries: 较大)."""
    header = ["日期", "地区", "死亡人数", "重伤人数"]
    rows = [["2024-01-05", "东县", 1, 12], ["2024-02-05", "东县", 1, 0]]
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}"), {"r.csv": (header, rows)}
    )
    records = safeplan.classify(config).records
    assert [(r["class"], r["reason_zh"]) for r in records] == [
        ("larger", describe(1, 1, 12, None)),
        ("general", describe(0, 1, 0, None)),
    ]


def test_a_deaths_column_under_another_name_is_one_finding_not_two(make_plan):
    """遇难人数 looks like the deaths: an unmapped-column at that header says so, and no
    second error says the ledger has no deaths column."""
    header = ["日期", "地区", "遇难人数"]
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}"),
        {"r.csv": (header, [["2024-01-05", "东县", 1]])},
    )
    found = [(f.code, f.line, f.column) for f in safeplan.validate(config).findings]
    assert found == [("unmapped-column", 1, 3)]


@pytest.mark.parametrize(
    ("header", "total"),
    [
        (["地区", "日期", "死亡人数"], ["", "合计", 3]),  # 合计 in a date column, not the first
        (["序号", "年份", "地区", "死亡人数"], ["合计", 2024, "", 3]),  # in the first column
    ],
)
def test_a_total_row_is_found_wherever_its_label_is(make_plan, header, total):
    """A ledger's 合计 row is no accident, whether 合计 stands in a date column that is not
    the first, or in the first column beside a numeric year: 3 deaths in 2024, not 6."""
    if "序号" in header:
        rows = [[1, 2024, "东县", 1], [2, 2024, "西县", 2], total]
    else:
        rows = [["东县", "2024-01-05", 1], ["西县", "2024-02-05", 2], total]
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}"), {"r.csv": (header, rows)}
    )
    assert safeplan.validate(config).findings == []
    assert safeplan.check(config, 2024).results[0].value == 3


def test_a_blank_loss_or_region_of_an_accident_is_reported_as_blank(make_plan):
    """A blank 直接经济损失 is a warning counting it as 0; a blank 地区 an error, with no
    cell text to show."""
    rows = [["2024-01-05", "东县", 1, 0, ""], ["2024-02-05", "", 1, 0, "1"]]
    report = safeplan.validate(ledger(make_plan, "直接经济损失", rows))
    got = [(f.code, f.severity, f.line, f.column, f.value) for f in report.findings]
    assert got == [
        ("missing-value", "warning", 2, 5, ""),
        ("missing-region", "error", 3, 2, None),
    ]
    loss = next(f for f in report.findings if f.code == "missing-value")
    assert loss.message == (
        "直接经济损失未填报（单元格为空）：按 0 计入合计，这起事故按其他指标分级"
    )
    assert loss.hint == "补填直接经济损失（没有损失填 0）"


def test_a_second_deaths_column_is_named_at_its_header(make_plan):
    """死亡 beside 死亡人数: which is meant? unmapped-column at 死亡's header in r.csv, naming
    the column safeplan reads."""
    header = ["日期", "地区", "死亡人数", "死亡"]
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}"),
        {"r.csv": (header, [["2024-01-05", "东县", 1, 1]])},
    )
    found = safeplan.validate(config).findings
    assert [(f.code, Path(f.file).name, f.line, f.column, f.value) for f in found] == [
        ("unmapped-column", "r.csv", 1, 4, "死亡")
    ]
    assert found[0].message.startswith("“死亡” 也像是死亡人数，但 safeplan 读取的是 “死亡人数” 列")


def test_a_ledger_row_labelled_with_the_plans_region_is_its_total(make_plan):
    """The plan is 东西两县's: a 东西两县 row under 东县 and 西县 is their total (1 + 2 = 3),
    no accident — 3 deaths in 2024, not 6."""
    rows = [["2024-01-05", "东县", 1], ["2024-02-05", "西县", 2], ["", "东西两县", 3]]
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}").replace("全县", "东西两县"),
        {"r.csv": (["日期", "地区", "死亡人数"], rows)},
    )
    assert safeplan.validate(config).findings == []
    assert safeplan.check(config, 2024).results[0].value == 3


def test_a_region_column_under_another_name_is_never_ignored(make_plan):
    """辖区 looks like the region: without a 地区 column it is an unmapped-column at its
    header, with the YAML line that maps it."""
    config = make_plan(
        COLUMNS_LEDGER.replace("SPEC", "{records: r.csv}"),
        {"r.csv": (["日期", "辖区", "死亡人数"], [["2024-01-05", "东县", 1]])},
    )
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("unmapped-column", 1, 2, "辖区")
    ]
    assert found[0].hint == (
        "若这一列就是地区，在 indicators.yaml 的 datasets.acc 下加入 columns: {region: 辖区}"
    )


_YEAR_HINT = "把年份列命名为“年份”或 year，或在 indicators.yaml 该数据集下写 columns: {year: 表头}"


@pytest.mark.parametrize(
    ("spec", "header", "expected"),
    [
        (
            "g.csv",
            ["地区", "地区生产总值"],
            [("missing-year-column", "没有年份列；表头：地区, 地区生产总值", _YEAR_HINT)],
        ),
        (
            "{file: g.csv, columns: {year: 统计年度}}",
            ["年份", "地区", "地区生产总值"],
            [
                (
                    "missing-year-column",
                    "没有表头为“统计年度”的年份列（columns: 中的 year）；表头：年份, 地区, 地区生产总值",
                    _YEAR_HINT,
                )
            ],
        ),
        (
            "{file: g.csv, columns: {region: 县区名称}}",
            ["年份", "地区", "地区生产总值"],
            [
                (
                    "missing-column",
                    "没有表头为“县区名称”的地区列（columns: 中的 region）",
                    "改正 columns: 中 region 对应的表头",
                )
            ],
        ),
        (
            "g.csv",
            ["年份", "地区", "", "GDP"],
            [
                ("missing-column", "没有“地区生产总值”列（indicators[0].value 使用它）", None),
                (
                    "blank-header",
                    "第 3 列有数据但没有列名",
                    "在表头行给每一列起名；表格旁边的备注请移到表格下方的“注：”行",
                ),
            ],
        ),
    ],
)
def test_a_yearly_table_without_a_column_it_needs_is_refused_at_its_header(
    make_plan, spec, header, expected
):
    """No year column, a columns: name for the year or the region that the file lacks, or
    a used column missing from a header that is broken anyway: errors on the header row
    (line 1) of g.csv saying what is missing and how to fix it."""
    text = YEARLY.replace("datasets: {g: g.csv}", f"datasets: {{g: {spec}}}")
    rows = [[2024, "东县", 1, 1][: len(header)]] if header[0] == "年份" else [["东县", 1]]
    config = make_plan(text, {"g.csv": (header, rows)})
    report = safeplan.validate(config)
    assert [(f.code, f.line, f.message, f.hint) for f in report.findings] == [
        (code, 1, message, hint) for code, message, hint in expected
    ]
    assert {(Path(f.file).name, f.severity) for f in report.findings} == {("g.csv", "error")}


@pytest.mark.parametrize(
    ("columns", "value", "says", "hint"),
    [
        (
            "{year: 年度}",
            "g.region",
            "indicators.yaml:5: indicators[0].value: 'region' 是 ",
            "引用数字列，如 accidents.死亡人数",
        ),
        (
            "{year: 年度, 备注: 说明}",
            "g.地区生产总值",
            "indicators.yaml:3: datasets.g.columns.备注: '备注' 既不是 year、region，"
            "也不是任何指标或规则使用的列",
            "删除这一项，或在指标中引用 g.备注",
        ),
    ],
)
def test_a_yearly_tables_columns_misused_in_the_plan_are_config_errors(
    make_plan, columns, value, says, hint
):
    """An indicator that sums the region (a key column), or a columns: entry nothing uses:
    a config error at its line in indicators.yaml, with the fix."""
    from safeplan.errors import ConfigError

    text = (
        "plan: {name: 合计规划, region: 两县, baseline_year: 2020, target_year: 2025}\n"
        f"datasets:\n  g: {{file: g.csv, columns: {columns}}}\n"
        f"indicators:\n  - {{id: g, name: 地区生产总值, value: {value}, target: {{max: 100}}}}\n"
    )
    header = ["年度", "地区", "地区生产总值", "说明"]
    config = make_plan(text, {"g.csv": (header, [[2024, "东县", 1, "x"]])})
    with pytest.raises(ConfigError) as raised:
        safeplan.validate(config)
    assert says in str(raised.value)
    assert raised.value.hint == hint


# --- ingest: survivors of the full run (2026-12-01) ----------------------------------------


def test_every_region_with_an_invisible_character_is_named_not_only_the_last(make_plan):
    """Each distinct region text holding an invisible character is a control-character
    error at its own cell: two such regions are two findings."""
    rows = [[2024, "东县\u200b", "1"], [2024, "西县", "2"], [2024, "南\u200b县", "3"]]
    _, report = validate(make_plan, rows)
    assert [(f.code, f.line, f.column, f.value) for f in report.findings] == [
        ("control-character", 2, 2, "东县\u200b"),
        ("control-character", 4, 2, "南\u200b县"),
    ]
    assert {f.hint for f in report.findings} == {"重新输入这个单元格（不要从网页或聊天软件粘贴）"}


@pytest.mark.parametrize(
    ("region", "problem"),
    [
        # a zero-width space: a format character, shown with its Unicode name
        ("西湖县\u200b", "第 4 个字符是不可见字符 U+200B ZERO WIDTH SPACE"),
        # ESC: a control character, which has no Unicode name — its code point only
        ("东\x1b县", "第 2 个字符是控制字符 U+001B"),
        # a tab is allowed: the invisible character after it is still found, and counted
        ("东\t县\u2060", "第 4 个字符是不可见字符 U+2060 WORD JOINER"),
    ],
)
def test_an_invisible_character_is_named_by_its_place_kind_and_code_point(
    make_plan, region, problem
):
    """The control-character message says which character of the cell it is (from 1), a
    control character or an invisible one, its code point and its Unicode name if it has
    one: enough to find and delete it."""
    rows = [[2024, region, "1"], [2024, "西县", "2"]]
    _, report = validate(make_plan, rows)
    (found,) = report.findings
    assert (found.code, found.line, found.column) == ("control-character", 2, 2)
    assert found.message.endswith(f"（地区列）含有看不见的字符：{problem}")


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("2.5", "non-integer-count"),
        ("-1", "negative-value"),
        ("1e999", "non-finite"),
        ("9007199254740993", "non-finite"),  # a count of 2^53 or more
    ],
)
def test_a_bad_count_is_one_finding_and_no_value_in_the_total(make_plan, cell, code):
    """东县's 死亡人数 is an error (a fraction, negative, infinite, too large): that one
    finding, and no value — the 合计 row is not compared with a sum that would include it,
    so no total-mismatch follows from the same cell."""
    text = YEARLY.replace("地区生产总值, value: g.地区生产总值", "死亡人数, value: g.死亡人数")
    rows = [[2024, "东县", cell], [2024, "西县", "2"], [2024, "合计", "5"]]
    config = make_plan(text, {"g.csv": (["年份", "地区", "死亡人数"], rows)})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column) for f in found] == [(code, 2, 3)]


def test_a_number_written_with_a_space_does_not_make_blanks_numbers(make_plan):
    """ " 5" (a space before the digits, as pasted) is the number 5; in the same column a
    blank cell is still missing-value and "1e" still non-numeric, not numbers without a
    value."""
    rows = [[2023, "东县", " 5"], [2024, "东县", ""], [2025, "东县", "1e"]]
    _, report = validate(make_plan, rows)
    assert [(f.code, f.line, f.column, f.value) for f in report.findings] == [
        ("missing-value", 3, 3, ""),
        ("non-numeric", 4, 3, "1e"),
    ]


def test_a_ledger_sum_beyond_exact_digits_does_not_stop_the_next_measures_total(make_plan):
    """Injuries whose exact sum cannot be taken (1e-99999: a hostile cell) are not compared,
    but the loss total after them still is: total-mismatch at the 合计 row's loss cell."""
    rows = [
        ["2024-01-05", "东县", 1, "1e-99999", "1"],
        ["2024-01-06", "西县", 1, 0, "2"],
        ["合计", "", 2, 0, "4"],
    ]
    config = ledger(make_plan, "直接经济损失", rows)
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("non-integer-count", 2, 4, "1e-99999"),
        ("total-mismatch", 4, 5, "4"),
    ]


def test_records_outside_the_plans_years_are_a_warning_in_the_ledgers_file(make_plan):
    """outside-plan-years names the ledger's file (as the plan writes it) and the first
    record's cell."""
    rows = [["2024-01-05", "东县", 1, 0, "1"], ["2018-01-06", "东县", 1, 0, "1"]]
    config = ledger(make_plan, "直接经济损失", rows)
    found = [f for f in safeplan.validate(config).findings if f.code == "outside-plan-years"]
    assert [(Path(f.file).name, f.line, f.column, f.severity) for f in found] == [
        ("r.csv", 3, 1, "warning")
    ]


def test_total_rows_labelled_in_the_region_and_in_the_date_column_are_both_totals(make_plan):
    """A 全县 row (the plan's region in the region column) and a 合计 row (in the date
    column) are both total rows: neither is a record, both equal the records' sum."""
    rows = [
        ["2024-01-05", "东县", 1, 0, "1"],
        ["2024-01-06", "西县", 1, 0, "2"],
        ["", "全县", 2, 0, "3"],
        ["合计", "", 2, 0, "3"],
    ]
    config = ledger(make_plan, "直接经济损失", rows)
    assert safeplan.validate(config).findings == []
    results = {(r.id, r.region): r.value for r in safeplan.check(config, 2024).results}
    assert results == {
        ("big", None): 0,
        ("big", "东县"): 0,
        ("big", "西县"): 0,
        ("loss", None): 3,
        ("loss", "东县"): 1,
        ("loss", "西县"): 2,
    }


DEATHS_LEDGER = """\
plan: {name: 台账, region: 全县, baseline_year: 2020, target_year: 2025}
datasets: {acc: {records: r.csv}}
indicators:
  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 10}}
"""


def test_a_total_word_in_a_text_column_other_than_the_first_is_a_records_text(make_plan):
    """Total rows are found by the region, date/year or first column only: an accident
    whose 事故单位 reads 合计 is a record like any other."""
    rows = [["2024-01-05", "合计", "东县", 1], ["2024-01-06", "某厂", "西县", 1]]
    config = make_plan(DEATHS_LEDGER, {"r.csv": (["日期", "事故单位", "地区", "死亡人数"], rows)})
    assert safeplan.validate(config).findings == []
    whole = next(r for r in safeplan.check(config, 2024).results if r.region is None)
    assert whole.value == 2


def test_a_street_column_beside_the_region_column_is_no_unmapped_region(make_plan):
    """A ledger that has its 地区 column may also have a 所属街道 column: the region is
    mapped, so the street column is no unmapped-column finding."""
    rows = [["2024-01-05", "东县", "城关街道", 1]]
    config = make_plan(DEATHS_LEDGER, {"r.csv": (["日期", "地区", "所属街道", "死亡人数"], rows)})
    assert safeplan.validate(config).findings == []


def test_an_unmapped_column_lists_every_other_candidate(make_plan):
    """Three headers look like the date: the likeliest is named, the other two are listed,
    separated by 、."""
    header = ["填报时间", "发生时间", "事故时间", "地区", "死亡人数"]
    rows = [["2025-01-10", "2024-01-05", "2024-01-05", "东县", 1]]
    config = make_plan(DEATHS_LEDGER, {"r.csv": (header, rows)})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("unmapped-column", 1, 2, "发生时间")
    ]
    assert found[0].message == (
        "第 2 列 “发生时间” 像是事故日期，但 safeplan 不认识这个列名，不会读取它"
        "（其他可能的列：“事故时间”、“填报时间”）"
    )


@pytest.mark.parametrize(("key", "cell"), [("日期", "2024-01-05"), ("年份", "2024")])
def test_a_ledgers_header_is_the_row_naming_its_date_or_year(make_plan, key, cell):
    """A group row (事故基本情况 … 伤亡情况) above the header is no header: the header is
    the row naming the date (or year) column."""
    path = make_plan(DEATHS_LEDGER, {})
    (path.parent / "r.csv").write_text(
        f"事故基本情况,,伤亡情况\r\n{key},地区,死亡人数\r\n{cell},东县,2\r\n{cell},西县,1\r\n",
        encoding="utf-8",
    )
    assert safeplan.validate(path).findings == []
    results = {r.region: r.value for r in safeplan.check(path, 2024).results}
    assert results == {None: 3, "东县": 2, "西县": 1}


DOTTED_RULE = """\
plan: {name: 规则, region: 两县, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}
rules:
  - {id: r1, check: a.死亡人数.工矿商贸 <= a.死亡人数}
"""


def test_a_violated_rule_shows_a_dotted_column_by_its_whole_name(make_plan):
    """The cells of a violated rule are shown by column name, a name with a dot whole:
    死亡人数.工矿商贸=3, not 死亡人数=3."""
    header = ["年份", "地区", "死亡人数.工矿商贸", "死亡人数"]
    config = make_plan(DOTTED_RULE, {"a.csv": (header, [[2024, "东县", 3, 2]])})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("rule-violated", 2, 3, "死亡人数.工矿商贸=3, 死亡人数=2")
    ]
    assert found[0].message == (
        "规则“r1”（a.死亡人数.工矿商贸 <= a.死亡人数）不成立：死亡人数.工矿商贸=3, 死亡人数=2"
    )


def test_a_rule_on_a_missing_column_does_not_stop_the_next_rule(make_plan):
    """A rule whose column is missing from a broken header (a finding already) is skipped;
    the rules after it are still checked on every row."""
    text = DOTTED_RULE + "  - {id: r2, check: a.死亡人数 <= 1}\n"
    header = ["年份", "地区", "", "死亡人数"]
    config = make_plan(text, {"a.csv": (header, [[2024, "东县", 3, 2]])})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("missing-column", 1, None, None),
        ("blank-header", 1, 3, None),
        ("rule-violated", 2, 4, "死亡人数=2"),
    ]


def test_a_row_a_rule_cannot_decide_exactly_does_not_stop_the_later_rows(make_plan):
    """2023's loss has digits beyond any exact sum (1e-99999 + 1): that row is not decided
    exactly, and 2024's violation after it is still reported."""
    text = LEDGER + "rules:\n  - {id: r, name: 损失上限, check: acc.direct_loss <= 0.5}\n"
    rows = [
        ["2023-01-05", "东县", 0, 0, "1e-99999"],
        ["2023-02-05", "东县", 0, 0, "1"],
        ["2024-01-06", "东县", 0, 0, "2"],
    ]
    config = make_plan(
        text, {"r.csv": (["日期", "地区", "死亡人数", "重伤人数", "直接经济损失"], rows)}
    )
    found = [f for f in safeplan.validate(config).findings if f.code == "rule-violated"]
    assert "direct_loss=2" in [f.value for f in found]


def test_a_grand_total_row_without_a_year_is_no_missing_year(make_plan):
    """A 合计 row over every year has no year: no missing-year for it (it is compared with
    nothing); a region's row without a year still is one."""
    rows = [[2024, "东县", "1"], [2024, "西县", "2"], ["", "合计", "3"]]
    assert validate(make_plan, rows)[1].findings == []
    rows.append(["", "西县", "4"])
    found = validate(make_plan, rows)[1].findings
    assert [(f.code, f.line, f.column) for f in found] == [("missing-year", 5, 1)]


def test_columns_named_index_and_level_0_are_read_beside_a_total_row(make_plan):
    """Used columns may be called index and level_0 (the names pandas gives an index it
    keeps): with a total row dropped from the data, both are read and summed as any other
    column."""
    text = YEARLY.replace("g.地区生产总值", "g.index") + (
        "  - {id: l, name: 第二项, value: g.level_0, target: {max: 100}}\n"
    )
    rows = [[2024, "东县", "1", "5"], [2024, "西县", "2", "6"], [2024, "合计", "3", "11"]]
    config = make_plan(text, {"g.csv": (["年份", "地区", "index", "level_0"], rows)})
    assert safeplan.validate(config).findings == []
    results = {(r.id, r.region): r.value for r in safeplan.check(config, 2024).results}
    assert results == {
        ("g", None): 3,
        ("g", "东县"): 1,
        ("g", "西县"): 2,
        ("l", None): 11,
        ("l", "东县"): 5,
        ("l", "西县"): 6,
    }


def test_a_number_beyond_the_float_range_under_a_title_row_is_non_finite(make_plan):
    """A table under a title row is read by the careful pass: 1e999 there is still the
    error non-finite at its cell (line 3 of the file), not an internal error."""
    path = make_plan(YEARLY, {})
    (path.parent / "g.csv").write_text(
        "2024年地区生产总值统计表,,\r\n年份,地区,地区生产总值\r\n2024,东县,1e999\r\n2024,西县,1\r\n",
        encoding="utf-8",
    )
    found = safeplan.validate(path).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [("non-finite", 3, 3, "1e999")]


def test_a_columns_entry_nothing_uses_is_refused_at_its_own_line(make_plan):
    """columns: written as a block, one entry a line: an entry nothing uses is a config
    error at that entry's line, not at the line of columns:."""
    from safeplan.errors import ConfigError

    text = (
        "plan: {name: 合计规划, region: 两县, baseline_year: 2020, target_year: 2025}\n"
        "datasets:\n"
        "  g:\n"
        "    file: g.csv\n"
        "    columns:\n"
        "      year: 年度\n"
        "      备注: 说明\n"
        "indicators:\n"
        "  - {id: g, name: 地区生产总值, value: g.地区生产总值, target: {max: 100}}\n"
    )
    header = ["年度", "地区", "地区生产总值", "说明"]
    config = make_plan(text, {"g.csv": (header, [[2024, "东县", 1, "x"]])})
    with pytest.raises(ConfigError) as raised:
        safeplan.validate(config)
    assert "indicators.yaml:7: datasets.g.columns.备注: " in str(raised.value)


@pytest.mark.parametrize(("content", "line"), [("", 1), ("2024年事故台账,,\r\n", 2)])
def test_a_ledger_with_a_header_and_no_records_is_no_data_rows(make_plan, content, line):
    """A ledger of its header only (under a title row or not) is the error no-data-rows at
    the header, never an internal error."""
    path = make_plan(DEATHS_LEDGER, {})
    (path.parent / "r.csv").write_text(content + "日期,地区,死亡人数\r\n", encoding="utf-8")
    found = safeplan.validate(path).findings
    assert [(f.code, f.severity, f.line) for f in found] == [("no-data-rows", "error", line)]


OVERFLOW_RULE = """\
plan: {name: 规则, region: 两县, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: d, name: 甲, value: a.甲, target: {max: 10}}
rules:
  - {id: r1, check: RULE}
"""


def test_a_rule_whose_side_overflows_the_floats_is_decided_on_the_exact_cells(make_plan):
    """1 >= 甲 × 甲 with 甲 = 1e200: the right side is infinite in floats, and the exact
    values (1 >= 10^400) still say the rule does not hold — rule-violated at the row."""
    text = OVERFLOW_RULE.replace("RULE", "a.乙 >= a.甲 * a.甲")
    rows = [[2024, "东县", "1e200", "1"], [2024, "西县", "1", "1"]]
    config = make_plan(text, {"a.csv": (["年份", "地区", "甲", "乙"], rows)})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("rule-violated", 2, 4, "乙=1, 甲=1e+200")
    ]


def test_a_rule_side_that_overflows_to_nan_is_decided_on_the_exact_cells(make_plan):
    """Bug found by mutation testing: 甲 × 甲 − 乙 × 乙 >= 1 with 甲 = 乙 = 1e200 is inf − inf
    = NaN in floats, and the row was skipped as if a cell were missing. Every cell holds a
    number, so the row is decided exactly (0 >= 1 does not hold): rule-violated."""
    text = OVERFLOW_RULE.replace("RULE", "a.甲 * a.甲 - a.乙 * a.乙 >= 1")
    rows = [[2024, "东县", "1e200", "1e200"], [2024, "西县", "2", "1"], [2024, "南县", "1", ""]]
    config = make_plan(text, {"a.csv": (["年份", "地区", "甲", "乙"], rows)})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("rule-violated", 2, 3, "甲=1e+200, 乙=1e+200"),
        ("missing-value", 4, 4, ""),
    ]


def test_classify_a_ledger_without_an_injuries_column_says_injuries_not_recorded(make_plan):
    """A ledger with no 重伤人数 column: each accident is classified on the measures it has,
    and its reason says injuries were not recorded."""
    header = ["日期", "地区", "死亡人数", "直接经济损失"]
    config = make_plan(DEATHS_LEDGER, {"r.csv": (header, [["2024-01-05", "东县", 3, "10"]])})
    record = safeplan.classify(config).records[0]
    assert (record["class"], record["serious_injuries"], record["reason_zh"]) == (
        "larger",
        None,
        "较大: 死亡 3 人 ≥ 3（重伤未填报）",
    )


SECTORS_LEDGER = DEATHS_LEDGER.replace(
    "{acc: {records: r.csv}}", "{acc: {records: r.csv, sectors: {工矿商贸: [矿山, 建筑]}}}"
)


def test_a_blank_region_and_an_unknown_sector_say_what_to_fix(make_plan):
    """An accident without a region is missing-region (error) saying so; a sector in no
    group is unknown-sector (warning) with the fix in sectors:."""
    rows = [["2024-01-05", "", "矿山", 1], ["2024-01-06", "东县", "渔业", 1]]
    config = make_plan(SECTORS_LEDGER, {"r.csv": (["日期", "地区", "行业", "死亡人数"], rows)})
    assert said(safeplan.validate(config)) == [
        ("missing-region", 2, 2, None, "这起事故没有填写地区", "填写每起事故的地区"),
        (
            "unknown-sector",
            3,
            3,
            "渔业",
            "这些行业值不属于任何行业分组：渔业 ×1",
            "在 indicators.yaml 的 sectors: 中把它们加入某个分组，或更正拼写",
        ),
    ]


def test_a_ledger_with_an_error_is_not_summed_into_years(make_plan):
    """A ledger with an error keeps no record: no yearly sum is made of records the error
    leaves in doubt, so no rule is checked on them (3 deaths in 2024 against <= 2)."""
    rows = [["2023-01-05", "东县", 1], ["2024-01-06", "东县", 3], ["2024-02-06", "东县", "x"]]
    text = DEATHS_LEDGER + "rules:\n  - {id: r, check: acc.deaths <= 2}\n"
    config = make_plan(text, {"r.csv": (["日期", "地区", "死亡人数"], rows)})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column) for f in found] == [("non-numeric", 4, 3)]


def test_a_total_row_dated_after_the_plan_is_no_record_outside_it(make_plan):
    """A 合计 row dated when the table was compiled (2026, after the plan's target year)
    is a total, not a record outside the plan's years."""
    rows = [["2024-01-05", "东县", 1], ["2024-01-06", "西县", 1], ["2026-01-10", "合计", 2]]
    config = make_plan(DEATHS_LEDGER, {"r.csv": (["日期", "地区", "死亡人数"], rows)})
    assert safeplan.validate(config).findings == []


def test_a_ledgers_large_change_names_its_years_as_whole_years(make_plan):
    """A ledger's yearly sums keep whole years: a large change of the loss is 从 2023 年到
    2024 年, never 2023.0."""
    rows = [["2023-01-05", "东县", 0, 0, "1"], ["2024-01-06", "东县", 0, 0, "2"]]
    config = ledger(make_plan, "直接经济损失", rows)
    found = [f for f in safeplan.validate(config).findings if f.code == "large-change"]
    assert [f.message for f in found] == [
        "direct_loss 从 2023 年到 2024 年变化 100%（东县）（1 → 2），超过 50%"
    ]


def test_a_duplicate_row_is_named_in_its_file(make_plan):
    """duplicate-row names the table's file, its line and the year cell, with the fix."""
    rows = [[2024, "东县", "1"], [2024, "西县", "2"], [2024, "东县", "1"]]
    _, report = validate(make_plan, rows)
    assert [(Path(f.file).name, f.code, f.line, f.column, f.hint) for f in report.findings] == [
        ("g.csv", "duplicate-row", 4, 1, "每年每个地区只保留一行")
    ]


def test_a_fractional_year_is_no_year_and_duplicates_nothing(make_plan):
    """2024.5 is non-integer-year and the row has no year: it is not a second 2024 row of
    东县 (no duplicate-row)."""
    rows = [[2024, "东县", "1"], ["2024.5", "东县", "1"]]
    _, report = validate(make_plan, rows)
    assert [(f.code, f.line, f.column) for f in report.findings] == [("non-integer-year", 3, 1)]


def test_a_count_after_a_cell_that_is_no_number_is_still_checked_whole(make_plan):
    """Deaths x then 2.5: x is non-numeric, and 2.5 after it is still non-integer-count."""
    rows = [["2024-01-05", "东县", "x"], ["2024-01-06", "东县", "2.5"]]
    config = make_plan(DEATHS_LEDGER, {"r.csv": (["日期", "地区", "死亡人数"], rows)})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column) for f in found] == [
        ("non-numeric", 2, 3),
        ("non-integer-count", 3, 3),
    ]


@pytest.mark.parametrize("own", ["全县合计", "沪"])
def test_the_plans_own_label_marks_a_total_row_whatever_its_characters(make_plan, own):
    """The plan's region label is a total row's label, whether it holds 全 and 计 itself
    (全县合计) or is one character (沪)."""
    text = YEARLY.replace("region: 两县", f"region: {own}")
    rows = [[2024, "东区", "1"], [2024, "西区", "2"], [2024, own, "3"]]
    config, report = validate(make_plan, rows, text)
    assert report.findings == []
    assert values_2024(config) == {None: 3, "东区": 1, "西区": 2}


@pytest.mark.parametrize(
    "label",
    [
        "全县合计",
        "全 市 总 计",
        "两县合计",
        "两县总计",
        # as offices write it: a colon, brackets, 合计数, traditional forms
        "合计：",
        "（合计）",
        "合计数",
        "全县总计数",
        "全县(合计)",
        "合計",
        "總計",
        "\ufa72县",  # 全县 with a CJK compatibility 全, which NFKC reads as 全
    ],
)
def test_a_total_label_followed_by_heji_is_a_total_row(make_plan, label):
    """Offices write the total row 全县合计 or 全市总计, or the plan's label and 合计 (两县合计):
    each is a total row — checked against the regions' sum, never a third region."""
    rows = [[2024, "东县", "1"], [2024, "西县", "2"], [2024, label, "3"]]
    config, report = validate(make_plan, rows)
    assert report.findings == []
    assert values_2024(config) == {None: 3, "东县": 1, "西县": 2}
    rows[-1][-1] = "4"
    assert mismatches(validate(make_plan, rows)[1]) == [(4, "地区生产总值", "4")]


@pytest.mark.parametrize("label", ["示例市合计", "示例市总计", "示例市", "\u2f70例市合计"])
def test_a_plan_label_of_any_length_followed_by_heji_is_a_total_row(make_plan, label):
    """The plan's own label 示例市, alone or followed by 合计 or 总计, is the total row;
    示例合计 (not the plan's label) is a subtotal, not a total."""
    text = YEARLY.replace("region: 两县", "region: 示例市")
    rows = [[2024, "东县", "1"], [2024, "西县", "2"], [2024, label, "3"]]
    config, report = validate(make_plan, rows, text)
    assert report.findings == []
    assert values_2024(config) == {None: 3, "东县": 1, "西县": 2}
    rows[-1][1] = "示例合计"
    assert [f.code for f in validate(make_plan, rows, text)[1].findings] == ["subtotal-row"]


@pytest.mark.parametrize(
    "label",
    ["东县小计", "东县合计", "城区 小计", "东县小计：", "小计（东县）", "东县小計", "东县合计数"],
)
def test_a_subtotal_row_is_an_error_at_its_region_cell(make_plan, label):
    """甲镇 and 乙镇, then their subtotal, then 西县 and the 合计: the subtotal would count
    the two towns twice. It is an error at its region cell, left out of the data and of the
    total's sum (the 合计 of 7 matches 1 + 2 + 4), so nothing else is reported."""
    rows = [
        [2024, "甲镇", "1"],
        [2024, "乙镇", "2"],
        [2024, label, "3"],
        [2024, "西县", "4"],
        [2024, "合计", "7"],
    ]
    config, report = validate(make_plan, rows)
    assert [(f.code, f.severity, f.line, f.column, f.value) for f in report.findings] == [
        ("subtotal-row", "error", 4, 2, label)
    ]
    assert report.findings[0].message.startswith(f"“{label}”像是小计行，不是一个地区")
    assert report.findings[0].file.endswith("g.csv")
    assert report.findings[0].hint == (
        "删除小计行，表中只留各地区（和一个合计行）；若它确是地区，请改用不以小计、合计结尾的名称"
    )
    with pytest.raises(DataError, match="数据有 1 个错误"):
        safeplan.check(config, 2024)


def test_a_blank_cell_of_a_yearly_total_row_is_no_missing_value(make_plan):
    """A 合计 row is no data: its blank cell is no missing-value; a region's blank cell is."""
    rows = [[2024, "东县", "1"], [2024, "西县", "2"], [2024, "合计", ""]]
    assert validate(make_plan, rows)[1].findings == []
    rows.append([2023, "东县", ""])
    found = validate(make_plan, rows)[1].findings
    assert [(f.code, f.line, f.column) for f in found] == [("missing-value", 5, 3)]


def test_a_count_column_of_a_yearly_table_must_be_whole(make_plan):
    """死亡人数 in a yearly table is a count: 2^53 or more is too large (non-finite), a
    negative count is negative-value only, 2.5 is non-integer-count — each with its fix."""
    text = YEARLY.replace("地区生产总值, value: g.地区生产总值", "死亡人数, value: g.死亡人数")
    rows = [[2022, "东县", "9007199254740992"], [2023, "东县", "-2.5"], [2024, "东县", "2.5"]]
    config = make_plan(text, {"g.csv": (["年份", "地区", "死亡人数"], rows)})
    assert said(safeplan.validate(config)) == [
        (
            "non-finite",
            2,
            3,
            "9007199254740992",
            "“9007199254740992”（死亡人数列）作为计数太大（不小于 2^53），不像统计数字",
            "填写实际数值",
        ),
        ("negative-value", 3, 3, "-2.5", "“-2.5”（死亡人数列）是负数", "计数和金额不能为负数"),
        ("non-integer-count", 4, 3, "2.5", "“2.5”（死亡人数列）是计数，但不是整数", "计数应为整数"),
    ]


def test_a_region_column_mapped_by_columns_is_read(make_plan):
    """columns: {region: 县区} and a 县区 header: the regions are read, no finding."""
    text = YEARLY.replace(
        "datasets: {g: g.csv}", "datasets: {g: {file: g.csv, columns: {region: 县区}}}"
    )
    rows = [[2024, "东县", "1"], [2024, "西县", "2"]]
    config = make_plan(text, {"g.csv": (["年份", "县区", "地区生产总值"], rows)})
    assert safeplan.validate(config).findings == []
    assert values_2024(config) == {None: 3, "东县": 1, "西县": 2}


def test_an_indicator_on_the_year_column_is_a_config_error(make_plan):
    """g.year sums the year, a key column: a config error at the indicator's line."""
    from safeplan.errors import ConfigError

    config = make_plan(
        YEARLY.replace("value: g.地区生产总值", "value: g.year"),
        {"g.csv": (HEADER, [[2024, "东县", "1"]])},
    )
    with pytest.raises(ConfigError) as raised:
        safeplan.validate(config)
    assert "indicators.yaml:4: indicators[0].value: 'year' 是 " in str(raised.value)
    assert "的键列，不是数字列" in str(raised.value)


def test_a_missing_column_does_not_stop_the_check_of_the_next_column(make_plan):
    """A broken header lacks 人口: missing-column, and 地区生产总值 after it in the plan is
    still checked (its x is non-numeric)."""
    text = YEARLY.replace(
        "indicators:\n", "indicators:\n  - {id: p, name: 人口, value: g.人口, target: {max: 100}}\n"
    )
    config = make_plan(
        text, {"g.csv": (["年份", "地区", "", "地区生产总值"], [[2024, "东县", "注", "x"]])}
    )
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column) for f in found] == [
        ("missing-column", 1, None),
        ("blank-header", 1, 3),
        ("non-numeric", 2, 4),
    ]


def test_a_zero_denominator_of_a_yearly_table_is_an_error_at_its_cell(make_plan):
    """A column used as a denominator must be positive: 0 is zero-denominator at its cell."""
    text = YEARLY.replace(
        "value: g.地区生产总值,", "numerator: g.地区生产总值, denominator: g.人口, per: 1,"
    )
    rows = [[2024, "东县", "1", "0"], [2024, "西县", "1", "2"]]
    config = make_plan(text, {"g.csv": (["年份", "地区", "地区生产总值", "人口"], rows)})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [("zero-denominator", 2, 4, "0")]
    assert (found[0].message, found[0].hint) == (
        "“0”（人口列）作分母，必须为正数",
        "比率不能除以零：填写实际数值，或留空表示缺失",
    )


def test_a_used_column_written_with_its_unit_matches_its_header(make_plan):
    """The plan may name a column with its unit, as the header does (地区生产总值（亿元）):
    the column is found and read."""
    text = YEARLY.replace("value: g.地区生产总值", "value: g.地区生产总值（亿元）")
    rows = [[2024, "东县", "1"], [2024, "西县", "2"]]
    config = make_plan(text, {"g.csv": (["年份", "地区", "地区生产总值（亿元）"], rows)})
    assert safeplan.validate(config).findings == []
    assert values_2024(config) == {None: 3, "东县": 1, "西县": 2}


def test_exactly_a_hundred_bad_cells_are_all_listed(make_plan):
    """Up to MAX_LISTED (100) bad cells are listed one by one: a hundred non-numeric cells
    are a hundred findings, with no summary finding."""
    rows = [[2000 + i % 100, f"县{i // 100}", "x"] for i in range(100)]
    _, report = validate(make_plan, rows)
    assert [f.code for f in report.findings] == ["non-numeric"] * 100
    assert [f.line for f in report.findings] == list(range(2, 102))


def test_an_unmapped_column_is_found_whatever_its_header_starts_with(make_plan):
    """A system export heads its date column ``column_date``: it looks like the date and
    is named in an unmapped-column finding, like any office's header — only the blank
    header (column 4, kept as a placeholder) is no candidate."""
    header = ["column_date", "地区", "死亡人数", ""]
    config = make_plan(DEATHS_LEDGER, {"r.csv": (header, [["2024-01-05", "东县", 1, ""]])})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column, f.value) for f in found] == [
        ("unmapped-column", 1, 1, "column_date")
    ]
    assert found[0].hint.endswith("加入 columns: {date: column_date}")


def test_a_ledgers_subtotal_row_is_an_error_not_one_more_accident(make_plan):
    """A ledger with a 东县小计 row (dated, like the records above it) would count it as one
    more accident: it is an error subtotal-row at its region cell; its 示例县合计 row (the
    plan's label) is still a total row, checked against the records."""
    rows = [["2024-01-05", "东县", 1], ["2024-02-05", "东县", 2], ["2024-02-05", "东县小计", 3]]
    rows.append(["", "示例县合计", 6])  # the plan's own label and 合计: the total row
    text = DEATHS_LEDGER.replace("region: 全县", "region: 示例县")
    config = make_plan(text, {"r.csv": (["日期", "地区", "死亡人数"], rows)})
    found = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column) for f in found] == [("subtotal-row", 4, 2)]
    with pytest.raises(DataError):
        safeplan.check(config, 2024)
