"""Accident records: a hand-written ledger with accidents on every boundary, end to end."""

from __future__ import annotations

import csv
import io
import json

import pytest

import safeplan

PLAN = """\
plan: {name: 台账测试, region: 全县, baseline_year: 2023, target_year: 2026}
datasets:
  acc:
    records: ledger.csv
    sectors:
      industrial: [煤矿, 工商贸, 建筑业]
      road: [道路交通]
indicators:
  - {id: major, name: 重特大事故起数, value: acc.major_or_above, target: {max: 0}}
  - {id: larger, name: 较大及以上事故起数, value: acc.larger_or_above, target: {max: 0}}
  - {id: count, name: 事故起数, value: acc.accidents, target: {yoy_decline: true}}
  - {id: deaths, name: 死亡人数, value: acc.deaths, target: {decline_pct: 10}}
  - {id: ind, name: 工矿商贸死亡人数, value: acc.industrial_deaths, target: {max: 100}}
  - {id: loss, name: 直接经济损失, value: acc.direct_loss, target: {max: 100000}}
"""

HEADER = ["日期", "地区", "行业", "死亡人数", "重伤人数", "直接经济损失"]
# (date, region, sector, deaths, injuries, loss) and the class worked out by hand.
LEDGER = [
    ("2023-01-01", "甲", "工商贸", 2, 9, "999.99", "general"),
    ("2023-02-01", "甲", "煤矿", 3, 0, "0", "larger"),
    ("2023-03-01", "乙", "建筑业", 0, 10, "", "larger"),
    ("2023-04-01", "乙", "道路交通", 0, "", "1000", "larger"),
    ("2023/05/01", "甲", "工商贸", 9, 49, "4999.99", "larger"),
    ("2023年6月1日", "乙", "危险化学品", 10, 0, "0", "major"),
    ("2023-07-01", "甲", "煤矿", 0, 50, "0", "major"),
    ("2023-08-01", "乙", "工商贸", 0, 0, "5000", "major"),
    ("2023-09-01", "甲", "道路交通", 29, 99, "9999.99", "major"),
    ("2023-10-01", "乙", "煤矿", 30, 0, "0", "especially_major"),
    ("2023-11-01", "甲", "建筑业", 0, 100, "0", "especially_major"),
    ("2023-12-01", "乙", "工商贸", 0, 0, "10000", "especially_major"),
    ("2023-12-31", "甲", "其他", 2, 49, "999.9999999999999999999", "larger"),
    ("2025-06-01", "甲", "工商贸", 1, 0, "12.5", "general"),
    ("2025-07-01", "乙", "道路交通", 1, 0, "0.5", "general"),
]


@pytest.fixture
def ledger(make_plan):
    rows = [list(r[:6]) for r in LEDGER]
    return make_plan(PLAN, {"ledger.csv": (HEADER, rows, "gb18030")})


def expected_counts(year: int, region: str | None = None) -> dict[str, int]:
    counts = {"general": 0, "larger": 0, "major": 0, "especially_major": 0}
    for date, r, *_, cls in LEDGER:
        if date.startswith(str(year)) and region in (None, r):
            counts[cls] += 1
    return counts


def test_classify_every_boundary(run, ledger):
    result = run("classify", "-c", str(ledger), "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["class"] for r in data["records"]] == [r[6] for r in LEDGER]
    assert [r["line"] for r in data["records"]] == list(range(2, 2 + len(LEDGER)))
    summary = {(s["year"], s["region"]): s for s in data["summary"]}
    assert summary[(2023, "甲")]["larger"] == 3
    assert summary[(2024, "乙")]["accidents"] == 0  # a year without records counts zero
    reasons = {r["line"]: r["reason_zh"] for r in data["records"]}
    assert reasons[9] == "重大: 直接经济损失 5000 万元 ≥ 5000"
    assert reasons[12] == "特别重大: 重伤 100 人 ≥ 100"


def test_classify_csv_and_xlsx(run, ledger, tmp_path):
    out = run("classify", "-c", str(ledger), "-f", "csv").stdout
    assert out.startswith("line,")  # into a pipe: no BOM (files get one, for Excel)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[1]["class_zh"] == "较大" and rows[1]["line"] == "3"
    xlsx = tmp_path / "c.xlsx"
    assert run("classify", "-c", str(ledger), "-f", "xlsx", "-o", str(xlsx)).exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    assert book.sheetnames == ["事故分级", "分级汇总"]
    table = run("classify", "-c", str(ledger)).stdout
    assert "特别重大" in table and "分级汇总" in table


def test_derived_columns_in_check(ledger):
    report = safeplan.check(ledger, 2023)
    by = {(r.id, r.region): r for r in report.results}
    counts = expected_counts(2023)
    assert by[("major", None)].value == counts["major"] + counts["especially_major"] == 7
    assert by[("larger", None)].value == 13 - counts["general"] == 12
    assert by[("count", None)].status == "no_data"  # no 2022
    industrial = sum(
        r[3] for r in LEDGER if r[0].startswith("2023") and r[2] in ("煤矿", "工商贸", "建筑业")
    )
    assert by[("ind", None)].value == industrial
    jia = expected_counts(2023, "甲")
    assert by[("major", "甲")].value == jia["major"] + jia["especially_major"]


def test_exact_loss_sum(ledger):
    report = safeplan.check(ledger, 2025)
    loss = next(r for r in report.results if r.id == "loss" and r.region is None)
    assert loss.value == 13  # 12.5 + 0.5
    count = next(r for r in report.results if r.id == "count" and r.region is None)
    assert (count.value, count.threshold, count.status) == (2, 0, "missed")


def test_yoy_and_decline_on_derived_columns(ledger):
    gap = safeplan.gap(ledger)
    rows = {(r.id, r.region, r.year): r for r in gap.rows}
    assert rows[("count", None, 2024)].value == 0
    assert rows[("count", None, 2024)].status == "met"  # 0 < 13
    deaths_2023 = sum(r[3] for r in LEDGER if r[0].startswith("2023"))
    # glide path: f = 2/3 in 2025 → B × (1 − 0.1 × 2/3)
    assert rows[("deaths", None, 2025)].threshold == pytest.approx(deaths_2023 * (1 - 0.1 * 2 / 3))
    assert rows[("deaths", None, 2025)].status == "met"


def test_explain_lists_the_accidents_behind_a_class_count(run, ledger):
    out = run("explain", "major", "2023", "-c", str(ledger), "--region", "甲").stdout
    assert "事故记录：3 起，在第 8、10、12 行" in out
    assert "line 8: 重大: 重伤 50 人 ≥ 50" in out
    assert "line 12: 特别重大: 重伤 100 人 ≥ 100" in out


def test_bad_records_are_findings(run, make_plan):
    rows = [
        ["2024-02-30", "甲", "工商贸", 1, 0, "1"],
        ["2024-03-01", "甲", "工商贸", "1.5", 0, "1"],
        ["2024-03-02", "甲", "工商贸", 1, -1, "1"],
        ["2024-03-03", "甲", "火星", 1, 0, "-5"],
        ["2024-03-04", "甲", "工商贸", "", 0, "1"],
    ]
    config = make_plan(PLAN, {"ledger.csv": (HEADER, rows)})
    result = run("validate", "-c", str(config), "-f", "json")
    assert result.exit_code == 1
    found = {(f["code"], f["line"]) for f in json.loads(result.stdout)["findings"]}
    assert ("bad-date", 2) in found
    assert ("non-integer-count", 3) in found
    assert ("negative-value", 4) in found
    assert ("negative-value", 5) in found
    assert ("unknown-sector", 5) in found
    assert ("missing-value", 6) in found
    assert run("check", "2024", "-c", str(config)).exit_code == 2


@pytest.mark.parametrize("huge", ["9007199254740992", "9223372036854775808", "1" + "0" * 25])
def test_a_count_too_large_for_any_statistic_is_a_finding(run, make_plan, huge):
    rows = [
        ["2024-03-01", "甲", "工商贸", 1, huge, "1"],
        ["2024-03-02", "甲", "工商贸", huge, 0, ""],
    ]
    config = make_plan(PLAN, {"ledger.csv": (HEADER, rows)})
    result = run("validate", "-c", str(config), "-f", "json")
    assert result.exit_code == 1
    found = {(f["code"], f["line"], f["column"]) for f in json.loads(result.stdout)["findings"]}
    # The blank loss on line 3 is not recorded: a warning.
    assert found == {("non-finite", 2, 5), ("non-finite", 3, 4), ("missing-value", 3, 6)}
    assert run("check", "2024", "-c", str(config)).exit_code == 2


def test_unknown_derived_column_is_config_error(run, make_plan):
    config = make_plan(
        PLAN.replace("acc.major_or_above", "acc.zhongda"),
        {"ledger.csv": (HEADER, [["2024-01-01", "甲", "煤矿", 1, 0, "1"]])},
    )
    result = run("check", "2024", "-c", str(config))
    assert result.exit_code == 2
    assert "'zhongda' 不是事故台账派生的列" in result.stderr
    assert "indicators.yaml:9" in result.stderr


def test_sector_groups_without_a_sector_column(run, make_plan):
    config = make_plan(PLAN, {"ledger.csv": (["日期", "死亡人数"], [["2024-01-01", 1]])})
    result = run("validate", "-c", str(config), "-f", "json")
    assert result.exit_code == 1
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes == ["missing-sector-column"]
    assert run("check", "2024", "-c", str(config)).exit_code == 2


def _ledger_plan(make_plan, header, row, columns=""):
    text = (
        "plan: {name: 示例县, baseline_year: 2023, target_year: 2026}\n"
        f"datasets:\n  acc: {{records: r.csv{columns}}}\n"
        "indicators:\n  - {id: d, name: 死亡, value: acc.deaths, target: {max: 5}}\n"
    )
    return make_plan(text, {"r.csv": (header, [row])})


@pytest.mark.parametrize(
    ("header", "columns", "ignored", "read"),
    [
        (["日期", "死亡人数", "直接经济损失", "经济损失"], "", "经济损失", "直接经济损失"),
        (["日期", "死亡人数", "直接经济损失", "损失金额"], "", "损失金额", "直接经济损失"),
        (["日期", "死亡人数", "死亡", "直接经济损失"], "", "死亡", "死亡人数"),
        (
            ["日期", "死亡人数", "直接经济损失", "经济损失"],
            ", columns: {direct_loss: 经济损失}",
            "直接经济损失",
            "经济损失",
        ),
    ],
)
def test_a_second_column_for_a_measure_is_never_ignored(
    make_plan, run, header, columns, ignored, read
):
    """Two columns that both look like the same measure: the one safeplan does not read is
    an unmapped-column error naming both, with the columns: line that picks the other."""
    config = _ledger_plan(make_plan, header, ["2024-03-01", 1, 10, 12][: len(header)], columns)
    result = run("validate", "-c", str(config), "-f", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    unmapped = [f for f in findings if f["code"] == "unmapped-column"]
    assert len(unmapped) == 1 and unmapped[0]["value"] == ignored
    assert f"“{read}”" in unmapped[0]["message"] and f": {ignored}" in unmapped[0]["hint"]
    assert unmapped[0]["line"] == 1 and unmapped[0]["column"] == header.index(ignored) + 1


def test_sector_groups_may_have_chinese_names(make_plan, run):
    text = (
        "plan: {name: 示例县, baseline_year: 2023, target_year: 2026}\n"
        "datasets:\n  acc:\n    records: r.csv\n    sectors: {工矿商贸: [煤矿, 建筑业]}\n"
        "indicators:\n"
        "  - {id: d, name: 工矿商贸死亡人数, value: acc.工矿商贸_deaths, target: {max: 5}}\n"
    )
    rows = [["2024-03-01", "煤矿", 2], ["2024-04-01", "道路交通", 1], ["2024-05-01", "建筑业", 1]]
    config = make_plan(text, {"r.csv": (["日期", "行业", "死亡人数"], rows)})
    result = run("check", "2024", "-c", str(config), "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == 3
