"""Reading data files: encodings, Chinese headers, xlsx, positions; consistency rules."""

from __future__ import annotations

import codecs
import json
from datetime import datetime

import pytest

import safeplan
from safeplan.domain.rules import RuleSyntaxError, parse_rule, rule_refs
from safeplan.ingest.csvtext import decode, read_csv_text

PLAN = """\
plan: {name: 两县规划, region: 两县, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, g: g.csv}
indicators:
  - {id: deaths, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}
  - {id: rate, name: 亿元GDP死亡率, numerator: a.死亡人数, denominator: g.地区生产总值,
     target: {max: 0.01}}
"""
A_ROWS = [[2020, "东县", 60], [2020, "西县", 65], [2024, "东县", 55], [2024, "西县", 60]]
G_ROWS = [
    [2020, "东县", "5000"],
    [2020, "西县", "6000"],
    [2024, "东县", "5500"],
    [2024, "西县", "6000.0"],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_give_the_same_results(make_plan, encoding):
    config = make_plan(
        PLAN,
        {
            "a.csv": (["年份", "地区", "死亡人数"], A_ROWS, encoding),
            "g.csv": (["年份", "地区", "地区生产总值"], G_ROWS, encoding),
        },
    )
    report = safeplan.check(config, 2024)
    by = {(r.id, r.region): r for r in report.results}
    # 125 deaths in 2020 → 2024 threshold exactly 115; 115 deaths is met.
    assert by[("deaths", None)].value == 115 and by[("deaths", None)].threshold == 115
    assert by[("deaths", None)].status == "met"
    # Σ 115 ÷ Σ 11 500 = 0.01 exactly: on the cap, met.
    assert by[("rate", None)].value == 0.01 and by[("rate", None)].status == "met"
    assert by[("rate", "西县")].status == "met"
    assert by[("rate", "东县")].status == "met"


def test_english_and_mixed_case_headers(make_plan):
    config = make_plan(
        PLAN.replace("a.死亡人数", "a.deaths"),
        {
            "a.csv": (["Year", "Region", "deaths"], A_ROWS),
            "g.csv": (["YEAR", "地区", "地区生产总值"], G_ROWS),
        },
    )
    whole = [r for r in safeplan.check(config, 2024).results if r.region is None]
    assert [r.status for r in whole] == ["met", "met"]


def test_decode_reports_bad_byte_position():
    text, _, findings = decode("年份\n2024\n".encode() + b"\xff\xfe\xfd", "x.csv")
    assert text is None and findings[0].code == "mixed-encoding"
    assert findings[0].line == 3 and findings[0].column == 1
    text, _, findings = decode("年份\n2024\n东县\n".encode("gbk") + b"\x81\x20abc", "x.csv")
    assert text is None and findings[0].code == "bad-encoding"
    assert (findings[0].line, findings[0].column) == (4, 1) and "GB18030" in findings[0].message
    text, _, findings = decode("年份,地区\n2024,东县\n".encode("utf-16-le"), "x.csv")
    assert findings[0].code == "nul-byte" and "UTF-16" in findings[0].message


def test_decode_bom_and_gbk():
    assert decode(codecs.BOM_UTF8 + "年份".encode(), "x")[:2] == ("年份", "utf-8-sig")
    assert decode("年份".encode("gbk"), "x")[:2] == ("年份", "gb18030")


def test_multiline_cell_keeps_physical_lines():
    text = 'year,note,deaths\n2020,"a\nb\nc",1\n2021,x,2\n'
    table, findings = read_csv_text(text, "x.csv")
    assert not findings and table is not None
    assert table.lines == [2, 5]


def test_blank_rows_are_warnings_and_trailing_empty_columns_are_ignored():
    text = "year,deaths,,\r\n2020,1,,\r\n,,,\r\n\r\n2021,2,,\r\n,,,\r\n"
    table, findings = read_csv_text(text, "x.csv")
    assert [(f.code, f.severity, f.line) for f in findings] == [
        ("blank-row", "warning", 3),
        ("blank-row", "warning", 4),
    ]
    assert table is not None
    assert table.header == ["year", "deaths"]
    assert table.columns["deaths"] == ["1", "2"] and table.lines == [2, 5]


def test_xlsx_dataset_with_sheet_and_positions(make_plan, tmp_path, run):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    book.active["A1"] = "本工作簿为示例"
    sheet = book.create_sheet("死亡")
    sheet.append(["2024年生产安全事故统计"])
    sheet.append(["年份", "地区", "死亡人数"])
    for row in A_ROWS:
        sheet.append(row)
    sheet["C4"] = "12人"
    book.save(tmp_path / "a.xlsx")
    config = make_plan(
        PLAN.replace("a: a.csv", "a: a.xlsx#死亡"),
        {
            "g.csv": (["年份", "地区", "地区生产总值"], G_ROWS),
        },
    )
    result = run("validate", "-c", str(config), "-f", "json")
    assert result.exit_code == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["code"] == "non-numeric" and finding["cell"] == "死亡!C4"
    assert finding["line"] == 4
    assert "a.xlsx:死亡!C4: error non-numeric" in run("validate", "-c", str(config)).stdout
    sheet["C4"] = 65
    book.save(tmp_path / "a.xlsx")
    by = {(r.id, r.region): r.status for r in safeplan.check(config, 2024).results}
    assert by[("deaths", None)] == "met" and by[("deaths", "西县")] == "missed"


def test_xlsx_records_with_excel_dates(make_plan, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "死亡人数", "重伤人数", "直接经济损失"])
    sheet.append([datetime(2024, 3, 1), 3, 0, 10.5])
    sheet.append([datetime(2024, 5, 1), 1, None, 999.99])
    book.save(tmp_path / "r.xlsx")
    config = make_plan(
        "plan: {name: t, baseline_year: 2023, target_year: 2026}\n"
        "datasets: {acc: {records: r.xlsx}}\n"
        "indicators:\n  - {id: l, name: 较大, value: acc.larger_or_above, target: {max: 0}}\n"
    )
    result = safeplan.check(config, 2024).results[0]
    assert (result.value, result.status) == (1, "missed")


def test_rules_parse_and_refs():
    assert rule_refs("a.x + a.y <= b.总数 × 2") == ["a.x", "a.y", "b.总数"]
    tree = parse_rule("(a.x - 1) / 2 == -a.y")
    assert tree.op == "=="
    for bad in ("a.x", "a.x <=", "a.x < < a.y", "__import__('os')", "a.x <= (a.y"):
        with pytest.raises(RuleSyntaxError):
            parse_rule(bad)


def test_rule_violation_is_a_finding_on_its_line(make_plan, run):
    text = PLAN + "rules:\n  - {id: r1, check: a.死亡人数 * 10 <= g.地区生产总值}\n"
    rows = [*A_ROWS, [2021, "东县", 70]]
    g_rows = [*G_ROWS, [2021, "东县", "69.99"]]
    config = make_plan(
        text,
        {
            "a.csv": (["年份", "地区", "死亡人数"], rows),
            "g.csv": (["年份", "地区", "地区生产总值"], g_rows),
        },
    )
    result = run("validate", "-c", str(config), "-f", "json")
    findings = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "rule-violated"]
    assert [(f["file"].endswith("a.csv"), f["line"]) for f in findings] == [(True, 6)]
    assert result.exit_code == 1


def test_rule_exact_equality(make_plan):
    text = (
        PLAN
        + "rules:\n  - {id: r1, check: g.地区生产总值 * 3 == g.地区生产总值 + g.地区生产总值 * 2}\n"
    )
    config = make_plan(
        text,
        {
            "a.csv": (["年份", "地区", "死亡人数"], A_ROWS),
            "g.csv": (
                ["年份", "地区", "地区生产总值"],
                [[2020, "东县", "0.1"], [2024, "东县", "0.7"]],
            ),
        },
    )
    assert safeplan.validate(config).valid


def test_bad_rule_is_config_error(make_plan, run):
    config = make_plan(
        PLAN + "rules:\n  - {id: r1, check: a.死亡人数 <=}\n",
        {
            "a.csv": (["年份", "地区", "死亡人数"], A_ROWS),
            "g.csv": (["年份", "地区", "地区生产总值"], G_ROWS),
        },
    )
    result = run("validate", "-c", str(config))
    assert result.exit_code == 2
    assert "indicators.yaml:8: rules[0].check" in result.stderr


def test_employment_in_wan_ren_may_be_decimal(make_plan, run):
    text = """\
plan: {name: t, region: 全市, baseline_year: 2020, target_year: 2025}
datasets: {s: s.csv}
indicators:
  - {id: w, name: 工矿商贸十万人死亡率, numerator: s.工矿商贸死亡人数,
     denominator: s.工矿商贸就业人数, per: 10, target: {max: 0.5}}
"""
    config = make_plan(
        text,
        {
            "s.csv": (
                ["年份", "工矿商贸死亡人数", "工矿商贸就业人数"],
                [[2020, 5, "120.5"], [2021, 4, "130.25"]],
            )
        },
    )
    assert run("validate", "-c", str(config)).exit_code == 0
    result = run("check", "2021", "-c", str(config), "-f", "json")
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(40 / 130.25)
    assert run("explain", "w", "2021", "-c", str(config), "--region", "全市").exit_code == 0
    bad = make_plan(text.replace("s.工矿商贸死亡人数", "s.年份"), None)
    assert run("check", "2021", "-c", str(bad)).exit_code == 2


def test_rows_with_compensating_field_counts_take_the_careful_path():
    # Six commas in all, as two complete rows would have, but 5 + 1: not a plain file.
    text = "year,region,deaths\n2020,甲,1,2,3,4\n2021\n2022,乙,3\n"
    table, findings = read_csv_text(text, "x.csv")
    assert [(f.code, f.line) for f in findings] == [("ragged-row", 2), ("ragged-row", 3)]
    assert table is not None and table.lines == [4]
