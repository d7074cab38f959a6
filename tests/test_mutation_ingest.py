"""Totals, units and numbers as read from offices' files, where mutation testing showed
gaps: total rows against the exact sum of their regions (and of a ledger's records), loss
units converted exactly to 万元, number cells (see docs/testing.md)."""

from __future__ import annotations

import pytest

import safeplan

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
