"""Data as offices really send it: statistics-office tables, accident ledgers, GBK CSVs.

Every rule of reading is exercised on files built like the real ones (title and unit rows,
units in headers, two-row merged headers, 合计 rows, footnotes, full-width digits,
thousands separators, dashes, Excel dates), in every format safeplan reads, and the
numbers are compared with figures worked out by hand.
"""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

import safeplan
from offices import (
    FIXTURES,
    LEDGER_CLASSES,
    LEDGER_EXPECTED,
    LEDGER_HEADER,
    LEDGER_LOSS,
    LEDGER_LOSS_WAN,
    LEDGER_ROWS,
    LEDGER_TOTAL,
    STATS_EXPECTED,
    STATS_PLAN,
    STATS_ROWS,
    ledger_workbook,
    stats_csv,
    stats_rows,
    stats_workbook,
    write_csv,
)
from safeplan.ingest.load import load_valid

FORMATS = ["csv", "xlsx", "xls", "ods"]


def findings_of(run: Any, config: Path) -> tuple[int, list[dict[str, Any]]]:
    result = run("validate", "-c", str(config), "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, json.loads(result.stdout)["findings"]


def codes(findings: list[dict[str, Any]], severity: str | None = None) -> list[tuple[Any, ...]]:
    return [
        (f["code"], f["line"], f["column"])
        for f in findings
        if severity is None or f["severity"] == severity
    ]


def whole_plan(run: Any, config: Path, year: int) -> dict[str, Any]:
    result = run("check", str(year), "-c", str(config), "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    return {r["id"]: r for r in json.loads(result.stdout)["results"] if r["region"] is None}


# --------------------------------------------------------------------------- statistics office


def stats_plan(tmp_path: Path, fmt: str, rows: list[list[Any]] | None = None) -> Path:
    """The statistics office's table in ``fmt`` under data/, and its plan."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    if fmt == "csv":
        path = data / "统计表.csv"
        if rows is None:
            path.write_bytes(stats_csv("gbk"))
        else:
            write_csv(path, rows, "utf-8-sig")
    elif fmt == "xlsx":
        path = data / "统计表.xlsx"
        if rows is None:
            stats_workbook().save(path)
        else:
            book = Workbook()
            sheet = book.active
            assert sheet is not None
            for row in rows:
                sheet.append([None if c == "" else c for c in row])
            book.save(path)
    else:
        assert rows is None, "the .xls and .ods fixtures are fixed"
        path = data / f"统计表.{fmt}"
        shutil.copy(FIXTURES / f"stats_office.{fmt}", path)
    config = tmp_path / "indicators.yaml"
    config.write_text(STATS_PLAN.replace("FILE", f"data/{path.name}"), encoding="utf-8")
    return config


@pytest.mark.parametrize("fmt", FORMATS)
def test_statistics_office_table_goes_through_in_one_round(run, tmp_path, fmt):
    config = stats_plan(tmp_path, fmt)
    code, findings = findings_of(run, config)
    assert code == 0
    # Only the unpublished 2021 GDP of the two counties (the 合计 row is no data): warnings.
    assert codes(findings) == [("missing-value", 11, 7), ("missing-value", 12, 7)]
    for year in (2019, 2020):
        results = whole_plan(run, config, year)
        accidents = STATS_EXPECTED["事故起数"][year]
        industrial = Fraction(STATS_EXPECTED["死亡人数_工矿商贸"][year] * 100000) / Fraction(
            STATS_EXPECTED["从业人员"][year]
        )
        road = Fraction(STATS_EXPECTED["死亡人数_道路交通"][year]) / Fraction(
            STATS_EXPECTED["地区生产总值"][year]
        )
        assert results["accidents"]["value"] == accidents
        assert results["industrial"]["value"] == pytest.approx(float(industrial), rel=1e-15)
        assert results["gdp_rate"]["value"] == pytest.approx(float(road), rel=1e-15)
    assert whole_plan(run, config, 2021)["gdp_rate"]["status"] == "no_data"


def test_the_formats_read_alike(tmp_path):
    """CSV, .xlsx, .xls and .ods of one table: the same header, rows, lines and cells."""
    tables = {}
    for fmt in FORMATS:
        directory = tmp_path / fmt
        directory.mkdir()
        config = stats_plan(directory, fmt)
        data = load_valid(safeplan.load_plan(config))
        frame = data.datasets["stats"].frame
        table = data.datasets["stats"].table
        assert table is not None
        tables[fmt] = (
            table.header,
            list(table.lines),
            table.header_line,
            frame.drop(columns="_row").to_dict("list"),
        )
    first = tables["csv"]
    assert first[0][:3] == ["year", "region", "事故起数"]
    assert first[1] == list(range(5, 14)) and first[2] == 3
    for fmt in FORMATS[1:]:
        assert tables[fmt][:3] == first[:3], fmt
        assert json.dumps(tables[fmt][3], default=str) == json.dumps(first[3], default=str), fmt


def test_two_row_header_names_are_group_and_sub_column(tmp_path):
    config = stats_plan(tmp_path, "xlsx")
    table = load_valid(safeplan.load_plan(config)).datasets["stats"].table
    assert table is not None
    assert table.header[3:5] == ["死亡人数_工矿商贸", "死亡人数_道路交通"]
    assert table.original[3:5] == ["死亡人数_工矿商贸", "死亡人数_道路交通"]
    # Units in brackets are not part of the name; they are kept.
    assert table.header[5:] == ["从业人员", "地区生产总值"]
    assert table.units == {"从业人员": "人", "地区生产总值": "亿元"}


def test_a_unit_row_under_the_header_gives_the_units(run, tmp_path):
    rows = [
        ["年份", "地区", "地区生产总值", "死亡人数"],
        ["", "", "（亿元）", "（人）"],
        ["2020", "东山县", "1,000.5", "3"],
    ]
    write_csv(tmp_path / "data" / "g.csv", rows)
    (tmp_path / "indicators.yaml").write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {g: data/g.csv}\n"
        "indicators:\n"
        "  - {id: r, name: r, numerator: g.死亡人数, denominator: g.地区生产总值, "
        "target: {max: 1}}\n",
        encoding="utf-8",
    )
    data = load_valid(safeplan.load_plan(tmp_path / "indicators.yaml"))
    table = data.datasets["g"].table
    assert table is not None and table.units == {"地区生产总值": "亿元", "死亡人数": "人"}
    assert whole_plan(run, tmp_path / "indicators.yaml", 2020)["r"]["value"] == pytest.approx(
        3 / 1000.5
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_total_row_that_does_not_add_up(run, tmp_path, fmt):
    rows = stats_rows()
    rows[6][2] = 38  # 2019 合计 事故起数: the counties add up to 37
    config = stats_plan(tmp_path, fmt, rows)
    code, findings = findings_of(run, config)
    assert code == 1
    (hit,) = [f for f in findings if f["code"] == "total-mismatch"]
    assert (hit["line"], hit["column"]) == (7, 3)
    assert "38" in hit["message"] and "37" in hit["message"]
    assert run("check", "2019", "-c", str(config)).exit_code == 2


@pytest.mark.parametrize(
    ("regions", "total", "ok"),
    [
        (["0.1", "0.2"], "0.3", True),  # 0.1 + 0.2 is 0.30000000000000004 in floats
        (["0.1", "0.2"], "0.30000000000000004", False),
        (["1000"], "1000.00000000000001", False),  # the same float, not the same number
        (["1,000.5", "２"], "1002.5", True),
        (["1", "2"], "", True),  # a blank total: nothing to compare
    ],
)
def test_totals_are_compared_exactly(run, tmp_path, regions, total, ok):
    rows = [["年份", "地区", "比率"]]
    rows += [["2020", f"县{i}", v] for i, v in enumerate(regions)]
    rows.append(["2020", "全市", total])
    write_csv(tmp_path / "data" / "t.csv", rows)
    (tmp_path / "indicators.yaml").write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {t: data/t.csv}\n"
        "indicators: [{id: r, name: r, value: t.比率, target: {max: 5000}}]\n",
        encoding="utf-8",
    )
    code, findings = findings_of(run, tmp_path / "indicators.yaml")
    assert (code == 0) == ok
    assert [f["code"] for f in findings if f["severity"] == "error"] == (
        [] if ok else ["total-mismatch"]
    )


def test_the_plans_own_label_is_a_total_row_and_the_whole_plan_is_the_regions_sum(run, tmp_path):
    rows = [["年份", "县区", "死亡人数"], ["2020", "东山县", "3"], ["2020", "西湖县", "4"]]
    rows.append(["2020", "示例市", "7"])
    write_csv(tmp_path / "data" / "d.csv", rows)
    (tmp_path / "indicators.yaml").write_text(
        "plan: {name: x, region: 示例市, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {d: data/d.csv}\n"
        "indicators: [{id: d, name: d, value: d.死亡人数, target: {max: 0}}]\n",
        encoding="utf-8",
    )
    result = run("check", "2020", "-c", str(tmp_path / "indicators.yaml"), "-f", "json")
    values = {r["region"]: r["value"] for r in json.loads(result.stdout)["results"]}
    assert values == {None: 7, "东山县": 3, "西湖县": 4}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_blank_row_inside_the_data_and_everything_after_a_footnote(run, tmp_path, fmt):
    rows = stats_rows()
    rows.insert(7, [])  # between 2019 and 2020
    rows.append(["2030年", "东山县", "abc", "x", "y", "z", "w"])  # after the source line
    config = stats_plan(tmp_path, fmt, rows)
    code, findings = findings_of(run, config)
    assert code == 0
    assert ("blank-row", 8, None) in codes(findings, "warning")
    assert not [f for f in findings if f["line"] and f["line"] > 17]


@pytest.mark.parametrize("prefix", ["注：", "备注：", "说明：", "资料来源：", "数据来源："])
def test_every_footnote_prefix_ends_the_table(run, tmp_path, prefix):
    rows = stats_rows()
    rows[-3:] = [[f"{prefix}以上为快报数"], ["2030年", "东山县", "bad", "", "", "", ""]]
    code, findings = findings_of(run, stats_plan(tmp_path, "csv", rows))
    assert code == 0, findings


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_zero_width_space_after_a_region_is_refused(run, tmp_path, fmt):
    rows = stats_rows()
    rows[8][1] = "西湖县\u200b"  # 2020 西湖县: would be a second 西湖县
    code, findings = findings_of(run, stats_plan(tmp_path, fmt, rows))
    assert code == 1
    (hit,) = [f for f in findings if f["code"] == "control-character"]
    assert (hit["line"], hit["column"]) == (9, 2)
    assert "U+200B" in hit["message"]


@pytest.mark.parametrize(
    ("bad", "fmt"),
    [
        ("\x1b[31m东山县", "csv"),
        ("东山县\u202e", "xlsx"),
        ("\ufeff东山县", "xlsx"),
        ("东山县\x7f", "csv"),
        ("东山县\x85", "csv"),
        ("东\u2060山县", "xlsx"),
    ],
    ids=["esc", "bidi", "bom", "del", "c1", "word-joiner"],
)
def test_control_and_invisible_characters_in_text_cells(run, tmp_path, bad, fmt):
    rows = stats_rows()
    rows[4][1] = bad
    code, findings = findings_of(run, stats_plan(tmp_path, fmt, rows))
    assert code == 1
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["control-character"]


def test_a_tab_in_a_region_is_no_control_character(run, tmp_path):
    rows = stats_rows()
    rows[4][1] = "东山\t县"
    _code, findings = findings_of(run, stats_plan(tmp_path, "xlsx", rows))
    assert "control-character" not in [f["code"] for f in findings]


def test_control_character_in_a_header(run, tmp_path):
    rows = stats_rows()
    rows[2][2] = "事故\u200b起数"
    _code, findings = findings_of(run, stats_plan(tmp_path, "csv", rows))
    assert ("control-character", 3, 3) in codes(findings)


@pytest.mark.parametrize("second", ["乡镇", "区县", "乡镇（街道）", "县市区"])
def test_two_region_columns_are_ambiguous(run, tmp_path, second):
    rows = [["年份", "县区", second, "事故起数"], ["2020", "东山县", "城关镇", "3"]]
    write_csv(tmp_path / "data" / "a.csv", rows)
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {a: data/a.csv}\n"
        "indicators: [{id: a, name: a, value: a.事故起数, target: {max: 5}}]\n",
        encoding="utf-8",
    )
    code, findings = findings_of(run, config)
    assert code == 1
    (hit,) = [f for f in findings if f["code"] == "ambiguous-column"]
    assert (hit["line"], hit["column"]) == (1, 3)
    assert "columns: {region: 县区}" in hit["hint"]
    # The plan says which column is the region: then the other is a column like any other.
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "{a: data/a.csv}", f"{{a: {{file: data/a.csv, columns: {{region: {second}}}}}}}"
        ),
        encoding="utf-8",
    )
    code, findings = findings_of(run, config)
    assert code == 0, findings
    result = run("check", "2020", "-c", str(config), "-f", "json")
    assert {r["region"] for r in json.loads(result.stdout)["results"]} == {None, "城关镇"}


@pytest.mark.parametrize(
    "header",
    ["乡镇（街道）", "乡镇(街道)", "县区", "区县", "县市区", "乡镇", "街道", "乡镇街道", "区域"],
)
def test_region_aliases(run, tmp_path, header):
    rows = [["年份", header, "事故起数"], ["2020", "城关镇", "3"], ["2020", "河西街道", "4"]]
    write_csv(tmp_path / "data" / "a.csv", rows)
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {a: data/a.csv}\n"
        "indicators: [{id: a, name: a, value: a.事故起数, target: {max: 5}}]\n",
        encoding="utf-8",
    )
    result = run("check", "2020", "-c", str(config), "-f", "json")
    values = {r["region"]: r["value"] for r in json.loads(result.stdout)["results"]}
    assert values == {None: 7, "城关镇": 3, "河西街道": 4}


@pytest.mark.parametrize(
    ("header", "ref"),
    [
        ("地区生产总值（亿元）", "地区生产总值"),
        ("地区生产总值(亿元)", "地区生产总值"),
        ("地区生产总值[亿元]", "地区生产总值"),
        ("地区生产总值【亿元】", "地区生产总值"),
        ("  地区生产总值　（亿元） ", "地区生产总值"),
        ("ＧＤＰ（亿元）", "GDP"),
        ("地区生产总值（亿元）", "地区生产总值（亿元）"),  # the plan may name the unit too
    ],
)
def test_headers_match_after_normalisation(run, tmp_path, header, ref):
    write_csv(tmp_path / "data" / "g.csv", [["年份", header], ["2020", "1,234.5"]])
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {g: data/g.csv}\n"
        f"indicators: [{{id: g, name: g, value: g.{ref}, target: {{min: 1}}}}]\n",
        encoding="utf-8",
    )
    assert whole_plan(run, config, 2020)["g"]["value"] == 1234.5


def test_two_headers_with_the_same_name_after_normalisation(run, tmp_path):
    rows = [["年份", "死亡人数", "死亡人数（人）"], ["2020", "1", "1"]]
    write_csv(tmp_path / "data" / "d.csv", rows)
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {d: data/d.csv}\n"
        "indicators: [{id: d, name: d, value: d.死亡人数, target: {max: 5}}]\n",
        encoding="utf-8",
    )
    _code, findings = findings_of(run, config)
    assert ("duplicate-header", 1, 3) in codes(findings)


def test_columns_maps_roles_and_used_columns_to_headers(run, tmp_path):
    rows = [["统计年度", "单位名称", "GDP（亿元）", "亡人数"], ["2020年", "东山县", "1,000", "2"]]
    rows.append(["2020年", "西湖县", "500", "1"])
    write_csv(tmp_path / "data" / "g.csv", rows, "gbk")
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets:\n"
        "  g:\n"
        "    file: data/g.csv\n"
        "    columns: {year: 统计年度, region: 单位名称, 地区生产总值: GDP, deaths: 亡人数}\n"
        "indicators:\n"
        "  - {id: r, name: r, numerator: g.deaths, denominator: g.地区生产总值, target: {max: 1}}\n",
        encoding="utf-8",
    )
    code, findings = findings_of(run, config)
    assert code == 0, findings
    result = run("check", "2020", "-c", str(config), "-f", "json")
    values = {r["region"]: r["value"] for r in json.loads(result.stdout)["results"]}
    assert values == {None: 3 / 1500, "东山县": 2 / 1000, "西湖县": 1 / 500}


def test_a_columns_entry_nobody_uses_is_a_config_error(run, tmp_path):
    write_csv(tmp_path / "data" / "g.csv", [["年份", "x"], ["2020", "1"]])
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets:\n"
        "  g: {file: data/g.csv, columns: {foo: x}}\n"
        "indicators: [{id: g, name: g, value: g.x, target: {max: 5}}]\n",
        encoding="utf-8",
    )
    result = run("validate", "-c", str(config))
    assert result.exit_code == 2
    assert "indicators.yaml:3" in result.stderr and "columns.foo" in result.stderr


# --------------------------------------------------------------------------- workbook features


def test_merged_cells_in_the_data_are_reported_as_merged(run, tmp_path):
    path = tmp_path / "data" / "统计表.xlsx"
    path.parent.mkdir()
    book = stats_workbook()
    sheet = book.active
    assert sheet is not None
    sheet["B9"] = None
    sheet.merge_cells("B8:B9")  # 东山县 over two years' rows
    book.save(path)
    config = tmp_path / "indicators.yaml"
    config.write_text(STATS_PLAN.replace("FILE", "data/统计表.xlsx"), encoding="utf-8")
    code, findings = findings_of(run, config)
    assert code == 1
    errors = [f for f in findings if f["severity"] == "error"]
    assert [(f["code"], f["cell"]) for f in errors] == [("merged-cell", "统计表!B8")]
    assert "B8:B9" in errors[0]["message"]


def test_error_cells_and_formulas_without_results_are_findings(run, tmp_path):
    path = tmp_path / "data" / "统计表.xlsx"
    path.parent.mkdir()
    book = stats_workbook()
    sheet = book.active
    assert sheet is not None
    sheet["C5"] = "#DIV/0!"  # an error value (openpyxl writes t="e")
    sheet["G8"] = "=G5/0"  # a formula whose result was never saved
    book.save(path)
    config = tmp_path / "indicators.yaml"
    config.write_text(STATS_PLAN.replace("FILE", "data/统计表.xlsx"), encoding="utf-8")
    code, findings = findings_of(run, config)
    assert code == 1
    hits = [(f["code"], f["cell"], f["value"]) for f in findings if f["severity"] == "error"]
    assert ("formula-error", "统计表!C5", "#DIV/0!") in hits
    assert ("formula-error", "统计表!G8", "=G5/0") in hits


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_hidden_first_sheet_is_not_read_silently(run, tmp_path, fmt):
    path = tmp_path / "data" / f"统计表.{fmt}"
    path.parent.mkdir()
    if fmt == "xlsx":
        book = stats_workbook()
        helper = book.create_sheet("辅助", 0)
        helper.append(["年份", "地区", "事故起数"])
        helper.append([2019, "作废数据", 999])
        helper.sheet_state = "hidden"
        book.save(path)
    else:
        shutil.copy(FIXTURES / f"hidden_first.{fmt}", path)
    config = tmp_path / "indicators.yaml"
    config.write_text(STATS_PLAN.replace("FILE", f"data/{path.name}"), encoding="utf-8")
    code, findings = findings_of(run, config)
    assert code == 0
    (hidden,) = [f for f in findings if f["code"] == "hidden-sheet"]
    assert hidden["severity"] == "warning" and "辅助" in hidden["message"]
    assert whole_plan(run, config, 2019)["accidents"]["value"] == 37
    # Naming the hidden sheet reads it, without a warning.
    config.write_text(
        STATS_PLAN.replace("FILE", f"data/{path.name}#辅助").replace(
            "target: {decline_pct: 10}", "target: {max: 0}"
        ),
        encoding="utf-8",
    )
    result = run("check", "2019", "-c", str(config), "-f", "json")
    # 辅助 has no 死亡人数 columns: a config error that lists 辅助's columns.
    assert result.exit_code == 2
    assert "的列有 year, region, 事故起数\n" in result.stderr


def test_a_named_sheet_that_does_not_exist(run, tmp_path):
    path = tmp_path / "data" / "统计表.xlsx"
    path.parent.mkdir()
    stats_workbook().save(path)
    config = tmp_path / "indicators.yaml"
    config.write_text(STATS_PLAN.replace("FILE", "data/统计表.xlsx#数据"), encoding="utf-8")
    code, findings = findings_of(run, config)
    assert code == 1
    assert [f["code"] for f in findings] == ["unsupported-format"]
    assert "统计表" in findings[0]["message"]


# --------------------------------------------------------------------------- the ledger

LEDGER_PLAN = """\
plan: {name: 示例县治本攻坚三年行动, region: 示例县, baseline_year: 2022, target_year: 2026}
datasets:
  acc:
    records: FILE
indicators:
  - {id: larger, name: 较大及以上事故起数, value: acc.larger_or_above, target: {max: 0}}
  - {id: deaths, name: 死亡人数, value: acc.deaths, target: {max: 1000}}
  - {id: injuries, name: 重伤人数, value: acc.serious_injuries, target: {max: 1000}}
  - {id: loss, name: 直接经济损失, value: acc.direct_loss, target: {max: 100000}}
"""


def ledger_plan(tmp_path: Path, fmt: str = "xlsx", book: Workbook | None = None) -> Path:
    path = tmp_path / "data" / f"台账.{fmt}"
    path.parent.mkdir(exist_ok=True)
    if fmt == "xlsx":
        (book or ledger_workbook()).save(path)
    else:
        shutil.copy(FIXTURES / f"ledger.{fmt}", path)
    config = tmp_path / "indicators.yaml"
    config.write_text(LEDGER_PLAN.replace("FILE", f"data/{path.name}"), encoding="utf-8")
    return config


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_ledger_with_units_mixed_dates_and_a_total_row(run, tmp_path, fmt):
    config = ledger_plan(tmp_path, fmt)
    code, findings = findings_of(run, config)
    assert code == 0, findings
    # The blank and "—" injuries and loss cells are not recorded: one warning each.
    assert [c for c in codes(findings) if c[0] != "large-change"] == [
        ("missing-value", 4, 6),
        ("missing-value", 5, 7),
        ("missing-value", 6, 6),
    ]
    classified = json.loads(run("classify", "-c", str(config), "-f", "json").stdout)
    assert [r["class"] for r in classified["records"]] == LEDGER_CLASSES
    assert [r["direct_loss"] for r in classified["records"]] == LEDGER_LOSS_WAN
    assert [r["serious_injuries"] for r in classified["records"]] == [0, None, 10, None, 0, 1, 0]
    for year, expected in LEDGER_EXPECTED.items():
        results = whole_plan(run, config, year)
        assert results["larger"]["value"] == expected["larger_or_above"]
        assert results["deaths"]["value"] == expected["deaths"]
        assert results["injuries"]["value"] == expected["serious_injuries"]
        assert Fraction(str(results["loss"]["value"])) == LEDGER_LOSS[year]


def test_not_recorded_measures_are_shown_blank_never_as_zero(run, tmp_path):
    config = ledger_plan(tmp_path)
    table = run("classify", "-c", str(config)).stdout
    assert "直接经济损失 0 万元" not in table and "重伤 0 人 < 10（" not in table
    assert "较大: 重伤 10 人 ≥ 10（直接经济损失未填报）" in table
    csv_out = run("classify", "-c", str(config), "-f", "csv").stdout.splitlines()
    row = next(line for line in csv_out if line.startswith("5,"))
    assert row.split(",")[7] == ""  # direct_loss of line 5: blank
    explained = run("explain", "larger", "2023", "-c", str(config)).stdout
    assert "直接经济损失未填报" in explained and "直接经济损失 0 万元" not in explained
    from io import BytesIO

    from openpyxl import load_workbook

    out = tmp_path / "c.xlsx"
    assert run("classify", "-c", str(config), "-f", "xlsx", "--output", str(out)).exit_code == 0
    sheet = load_workbook(BytesIO(out.read_bytes())).worksheets[0]
    assert sheet["G4"].value is None  # line 5's loss
    assert sheet["F3"].value is None  # line 4's injuries


@pytest.mark.parametrize(
    ("unit", "cell", "expected_class", "loss"),
    [
        ("（万元）", 12000, "especially_major", "12000"),
        ("", 1000, "larger", "1000"),
        ("(万元)", 999.99, "general", "999.99"),
        ("（元）", 10000000, "larger", "1000"),
        ("（元）", 9999999.99, "general", "999.999999"),
        ("（元）", "99,999,999.99", "major", "9999.999999"),
        ("（亿元）", 0.1, "larger", "1000"),
        ("（亿元）", 1.2, "especially_major", "12000"),
        ("【亿元】", "0.09999999999999999", "general", "999.9999999999999"),
    ],
)
def test_loss_units_are_converted_exactly(run, tmp_path, unit, cell, expected_class, loss):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日期", "死亡人数", f"直接经济损失{unit}"])
    sheet.append(["2023-05-01", 0, cell])
    config = ledger_plan(tmp_path, book=book)
    code, findings = findings_of(run, config)
    assert code == 0, findings
    (record,) = json.loads(run("classify", "-c", str(config), "-f", "json").stdout)["records"]
    assert (record["class"], record["direct_loss"]) == (expected_class, loss)


def test_a_loss_in_another_unit_is_refused(run, tmp_path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日期", "死亡人数", "直接经济损失（美元）"])
    sheet.append(["2023-05-01", 0, 1])
    code, findings = findings_of(run, ledger_plan(tmp_path, book=book))
    assert code == 1
    (hit,) = [f for f in findings if f["severity"] == "error"]
    assert (hit["code"], hit["cell"]) == ("unknown-unit", "Sheet!C1")


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("经济损失（万元）", "direct_loss"),
        ("损失金额", "direct_loss"),
        ("直接损失(元)", "direct_loss"),
        ("受伤人数", "serious_injuries"),
        ("重伤", "serious_injuries"),
    ],
)
def test_a_measure_under_an_unmapped_name_is_never_ignored(run, tmp_path, header, role):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日期", "死亡人数", header])
    sheet.append(["2023-05-01", 0, 12000])
    config = ledger_plan(tmp_path, book=book)
    code, findings = findings_of(run, config)
    assert code == 1
    (hit,) = [f for f in findings if f["severity"] == "error"]
    assert (hit["code"], hit["cell"]) == ("unmapped-column", "Sheet!C1")
    name = header.split("（")[0].split("(")[0]
    line = f"columns: {{{role}: {name}}}"
    assert line in hit["hint"]
    # The line the hint shows, added to the plan, makes the column count.
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("    records:", f"    {line}\n    records:"), encoding="utf-8")
    code, findings = findings_of(run, config)
    assert code == 0, findings
    (record,) = json.loads(run("classify", "-c", str(config), "-f", "json").stdout)["records"]
    assert record[role] in (12000, "12000", "1.2")


def test_deaths_under_another_name_is_unmapped_not_missing(run, tmp_path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日期", "死亡"])
    sheet.append(["2023-05-01", 1])
    _code, findings = findings_of(run, ledger_plan(tmp_path, book=book))
    assert [f["code"] for f in findings] == ["unmapped-column"]
    assert "columns: {deaths: 死亡}" in findings[0]["hint"]


@pytest.mark.parametrize("blank", ["", "—", "-", "/"])
def test_a_blank_deaths_cell_is_an_error(run, tmp_path, blank):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日期", "死亡人数"])
    sheet.append(["2023-05-01", blank or None])
    sheet.append(["2023-05-02", 0])
    code, findings = findings_of(run, ledger_plan(tmp_path, book=book))
    assert code == 1
    assert [(f["code"], f["severity"], f["cell"]) for f in findings] == [
        ("missing-value", "error", "Sheet!B2")
    ]


def test_ledger_total_row_that_does_not_add_up(run, tmp_path):
    book = ledger_workbook()
    sheet = book.active
    assert sheet is not None
    sheet.cell(row=sheet.max_row, column=5, value=18)  # the records add up to 17 deaths
    code, findings = findings_of(run, ledger_plan(tmp_path, book=book))
    assert code == 1
    (hit,) = [f for f in findings if f["severity"] == "error"]
    assert hit["code"] == "total-mismatch" and hit["cell"] == "事故台账!E10"
    assert "18" in hit["message"] and "17" in hit["message"]


# --------------------------------------------------------------------------- cells

CELLS_PLAN = """\
plan: {name: x, baseline_year: 2019, target_year: 2025}
datasets:
  acc: {records: data/a.csv}
indicators:
  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 100000}}
  - {id: e, name: 特别重大, value: acc.especially_major, target: {max: 0}}
"""


def one_record(run: Any, tmp_path: Path, deaths: str, loss: str = "0") -> tuple[int, Any]:
    write_csv(
        tmp_path / "data" / "a.csv",
        [["日期", "死亡人数", "直接经济损失"], ["2023-05-01", deaths, loss]],
    )
    config = tmp_path / "indicators.yaml"
    config.write_text(CELLS_PLAN, encoding="utf-8")
    return findings_of(run, config)


@pytest.mark.parametrize(
    ("deaths", "code"),
    [
        ("29.9999999999999999", "non-integer-count"),  # its float is 30.0
        ("30.0000000000000001", "non-integer-count"),
        ("2.5", "non-integer-count"),
        ("1_000", "non-numeric"),  # Python's float() reads it; a statistic does not
        ("0x10", "non-numeric"),
        ("1 000", "non-numeric"),
        ("1,23", "non-numeric"),
        ("12人", "non-numeric"),
        ("inf", "non-finite"),
        ("nan", "non-finite"),
        ("1e400", "non-finite"),
        ("9007199254740992", "non-finite"),  # 2^53: too large to be a count
        ("-1", "negative-value"),
        ("－1", "negative-value"),
        ("#N/A", "formula-error"),
    ],
)
def test_count_cells_are_decided_on_their_text(run, tmp_path, deaths, code):
    found, findings = one_record(run, tmp_path, deaths)
    assert found == 1
    assert [(f["code"], f["line"], f["column"]) for f in findings] == [(code, 2, 2)]


@pytest.mark.parametrize(
    ("deaths", "expected"),
    [("30", 1), ("30.0", 1), ("3e1", 1), ("+30", 1), ("３０", 1), (" 30 ", 1), ("29", 0)],
)
def test_count_cells_that_are_whole_numbers(run, tmp_path, deaths, expected):
    found, findings = one_record(run, tmp_path, deaths)
    assert found == 0, findings
    assert whole_plan(run, tmp_path / "indicators.yaml", 2023)["e"]["value"] == expected


@pytest.mark.parametrize(
    ("loss", "value"),
    [
        ("1,234.5", 1234.5),
        ("１２，３４５", 12345),
        ("1,234,567", 1234567),
        ("１２３．５", 123.5),
        ("1e3", 1000),
    ],
)
def test_number_cells_as_offices_write_them(run, tmp_path, loss, value):
    found, findings = one_record(run, tmp_path, "1", loss)
    assert found == 0, findings
    classified = run("classify", "-c", str(tmp_path / "indicators.yaml"), "-f", "json")
    assert float(json.loads(classified.stdout)["records"][0]["direct_loss"]) == value


@pytest.mark.parametrize("dash", ["—", "——", "－", "-", "…", "……", "/", "／", "..."])
def test_a_dash_means_missing_with_a_warning(run, tmp_path, dash):
    write_csv(tmp_path / "data" / "g.csv", [["年份", "地区生产总值"], ["2020", dash]])
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {g: data/g.csv}\n"
        "indicators: [{id: g, name: g, value: g.地区生产总值, target: {min: 1}}]\n",
        encoding="utf-8",
    )
    code, findings = findings_of(run, config)
    assert code == 0
    assert codes(findings) == [("missing-value", 2, 2)]
    assert whole_plan(run, config, 2020)["g"]["status"] == "no_data"


@pytest.mark.parametrize(
    ("year", "ok"),
    [
        ("2016年", True),
        ("２０１６年", True),
        ("2016 年", True),
        ("2016", True),
        ("2016年度", False),
    ],
)
def test_year_cells(run, tmp_path, year, ok):
    write_csv(tmp_path / "data" / "g.csv", [["年份", "地区生产总值"], [year, "1"]])
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2015, target_year: 2025}\n"
        "datasets: {g: data/g.csv}\n"
        "indicators: [{id: g, name: g, value: g.地区生产总值, target: {min: 1}}]\n",
        encoding="utf-8",
    )
    code, findings = findings_of(run, config)
    assert (code == 0) == ok, findings


@pytest.mark.parametrize(
    ("date", "code"),
    [
        ("0001-01-01", "implausible-year"),
        ("1899-12-31", "implausible-year"),
        ("0000-01-01", "implausible-year"),
        ("2023-02-30", "bad-date"),
    ],
)
def test_a_ledger_year_far_outside_any_plan_is_an_error(run, tmp_path, date, code):
    write_csv(tmp_path / "data" / "a.csv", [["日期", "死亡人数"], [date, "1"]])
    (tmp_path / "indicators.yaml").write_text(CELLS_PLAN, encoding="utf-8")
    found, findings = findings_of(run, tmp_path / "indicators.yaml")
    assert found == 1
    assert [(f["code"], f["severity"]) for f in findings] == [(code, "error")]


def test_a_ledger_year_column_of_zero(run, tmp_path):
    write_csv(tmp_path / "data" / "a.csv", [["年份", "死亡人数"], ["0", "1"]])
    (tmp_path / "indicators.yaml").write_text(CELLS_PLAN, encoding="utf-8")
    _found, findings = findings_of(run, tmp_path / "indicators.yaml")
    assert [(f["code"], f["severity"]) for f in findings] == [("implausible-year", "error")]


def test_a_very_long_cell_is_shortened_in_findings(run, tmp_path):
    long = "一" * 1_000_000
    _found, findings = one_record(run, tmp_path, long)
    (hit,) = findings
    assert hit["code"] == "non-numeric" and (hit["line"], hit["column"]) == (2, 2)
    assert len(hit["message"]) < 300 and len(hit["value"]) < 250
    assert "共1000000字符" in hit["value"]


# --------------------------------------------------------------------------- exactness


@pytest.mark.parametrize("column", ["比率", "死亡人数"])
def test_a_whole_plan_total_and_its_only_region_decide_alike(run, tmp_path, column):
    rows = [["年份", "地区", column, "一"], ["2020", "东山县", "1000.00000000000001", "1"]]
    write_csv(tmp_path / "data" / "t.csv", rows)
    config = tmp_path / "indicators.yaml"
    # A rate (× 1 ÷ 1) binds every region as the whole plan; a count cap would not.
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {t: data/t.csv}\n"
        f"indicators: [{{id: t, name: t, numerator: t.{column}, denominator: t.一, "
        "target: {max: 1000}}]\n",
        encoding="utf-8",
    )
    _code, findings = findings_of(run, config)
    if column == "死亡人数":
        # A count decided on its text: not a whole number, so nothing is evaluated.
        assert [f["code"] for f in findings] == ["non-integer-count"]
        return
    result = run("check", "2020", "-c", str(config), "-f", "json")
    statuses = {r["region"]: r["status"] for r in json.loads(result.stdout)["results"]}
    assert statuses == {None: "missed", "东山县": "missed"}


def test_records_loss_sums_are_exact(run, tmp_path):
    rows = [["日期", "死亡人数", "直接经济损失"]]
    rows += [["2023-05-01", "0", v] for v in ("0.1", "0.2", "999.7")]
    write_csv(tmp_path / "data" / "a.csv", rows)
    config = tmp_path / "indicators.yaml"
    config.write_text(
        CELLS_PLAN + "  - {id: loss, name: 损失, value: acc.direct_loss, target: {max: 1000}}\n",
        encoding="utf-8",
    )
    assert whole_plan(run, config, 2023)["loss"]["status"] == "met"


# --------------------------------------------------------------------------- a county directory

COUNTY_PLAN = """\
plan: {name: 示例县安全生产规划, region: 示例县, baseline_year: 2022, target_year: 2025}
datasets:
  acc:
    records: data/事故台账.xlsx
    sectors: {industrial: [建筑业, 工商贸, 煤矿, 危险化学品], road: [道路交通]}
  gdp: data/地区生产总值.csv
  emp: data/从业人员统计表.xlsx
indicators:
  - {id: larger, name: 较大及以上事故起数, value: acc.larger_or_above, target: {max: 0}}
  - {id: deaths, name: 生产安全事故死亡人数, value: acc.deaths,
     target: {decline_pct: 10, baseline_value: 8}}
  - {id: gdp_rate, name: 亿元GDP生产安全事故死亡率, numerator: acc.deaths,
     denominator: gdp.地区生产总值, target: {max: 0.05}}
  - {id: worker_rate, name: 工矿商贸就业人员十万人死亡率, numerator: acc.industrial_deaths,
     denominator: emp.工矿商贸从业人员, per: 100000, target: {max: 2}}
"""


def test_a_county_directory_gives_the_right_numbers_without_hand_editing(run, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    ledger_workbook().save(data / "事故台账.xlsx")
    # The GDP of each town, as Excel saves a CSV: GBK, CRLF, a title row, units in brackets.
    write_csv(
        data / "地区生产总值.csv",
        [
            ["示例县分乡镇地区生产总值", "", ""],
            ["年份", "乡镇（街道）", "地区生产总值（亿元）"],
            ["2022年", "城关镇", "120.5"],
            ["2022年", "河西街道", "80"],
            ["2023年", "城关镇", "125.0"],
            ["2023年", "河西街道", "８５．２"],
            ["2024年", "城关镇", "130"],
            ["2024年", "河西街道", "90"],
        ],
        "gbk",
    )
    # Employment from the statistics office: title, unit line, totals, a footnote.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [
        ["示例县分乡镇工矿商贸从业人员"],
        ["单位：人"],
        ["年份", "乡镇（街道）", "工矿商贸从业人员"],
        ["2023年", "城关镇", "12,000"],
        ["2023年", "河西街道", 8000],
        ["2023年", "全县", "20,000"],
        ["2024年", "城关镇", 12500],
        ["2024年", "河西街道", "8,100"],
        ["2024年", "合计", 20600],
        [None],
        ["注：从业人员为年平均数。"],
    ]:
        sheet.append(row)
    book.save(data / "从业人员统计表.xlsx")
    config = tmp_path / "indicators.yaml"
    config.write_text(COUNTY_PLAN, encoding="utf-8")

    code, findings = findings_of(run, config)
    assert code == 0, findings
    # The not-recorded cells of the ledger, and its loss jumping from 2023 to 2024.
    assert "missing-value" in {f["code"] for f in findings}
    assert {f["code"] for f in findings} <= {"missing-value", "large-change"}

    results = json.loads(run("check", "2023", "-c", str(config), "-f", "json").stdout)["results"]
    got = {(r["id"], r["region"]): r["value"] for r in results}
    # By hand, 2023: records 1–5. Deaths 1+2+0+3+0 = 6 (城关镇 3, 河西街道 3); 工矿商贸
    # deaths (建筑业, 工商贸, 煤矿, 危险化学品) 1+0+3+0 = 4 (城关镇 1, 河西街道 3);
    # 较大及以上: records 2 (12 000 万元), 3 (10 serious injuries), 4 (3 deaths), 5 (1 000 万元).
    assert got[("larger", None)] == 4
    assert got[("larger", "城关镇")] == 2 and got[("larger", "河西街道")] == 2
    assert got[("deaths", None)] == 6
    assert got[("gdp_rate", None)] == pytest.approx(
        float(Fraction(6) / (Fraction(125) + Fraction("85.2")))
    )
    assert got[("gdp_rate", "河西街道")] == pytest.approx(float(Fraction(3) / Fraction("85.2")))
    assert got[("worker_rate", None)] == pytest.approx(float(Fraction(4 * 100000, 20000)))
    assert got[("worker_rate", "城关镇")] == pytest.approx(float(Fraction(1 * 100000, 12000)))
    # 2024: record 6 (河西街道, 道路交通, 1 death) and 7 (城关镇, 建筑业, 10 deaths: 重大).
    results = json.loads(run("check", "2024", "-c", str(config), "-f", "json").stdout)["results"]
    got = {(r["id"], r["region"]): r["value"] for r in results}
    assert got[("deaths", None)] == 11 and got[("larger", None)] == 1
    assert got[("worker_rate", None)] == pytest.approx(float(Fraction(10 * 100000, 20600)))
    assert got[("gdp_rate", None)] == pytest.approx(11 / 220)


def test_the_ledger_rows_are_the_hand_written_ones():
    """The fixture itself: seven records, a total that adds up."""
    assert len(LEDGER_ROWS) == 7 and LEDGER_HEADER[0] == "序号"
    assert LEDGER_TOTAL[4] == sum(r[4] for r in LEDGER_ROWS)
    assert LEDGER_TOTAL[5] == sum(r[5] or 0 for r in LEDGER_ROWS)
    assert len(STATS_ROWS) == 9


def test_the_likeliest_unmapped_date_column_is_named(run, tmp_path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["填报时间", "发生时间", "死亡人数"])
    sheet.append(["2023-06-01", "2023-05-01", 0])
    _code, findings = findings_of(run, ledger_plan(tmp_path, book=book))
    (hit,) = findings
    assert hit["code"] == "unmapped-column" and hit["cell"] == "Sheet!B1"
    assert "columns: {date: 发生时间}" in hit["hint"] and "填报时间" in hit["message"]


def test_a_grand_total_row_without_a_year_is_no_data_and_no_error(run, tmp_path):
    rows = [["年份", "地区", "死亡人数"], ["2020", "东山县", "3"], ["2020", "西湖县", "4"]]
    rows += [["2021", "东山县", "2"], ["2021", "西湖县", "1"], ["", "合计", "10"]]
    write_csv(tmp_path / "data" / "d.csv", rows)
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: x, baseline_year: 2019, target_year: 2025}\n"
        "datasets: {d: data/d.csv}\n"
        "indicators: [{id: d, name: d, value: d.死亡人数, target: {max: 0}}]\n",
        encoding="utf-8",
    )
    code, findings = findings_of(run, config)
    assert code == 0 and findings == []
    assert whole_plan(run, config, 2021)["d"]["value"] == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_title_spread_over_two_cells_is_skipped_like_any_title(run, tmp_path, fmt):
    """Rows of text above the row naming the year (a title in two cells, a unit line) are
    captions: the header is the first row naming the year column."""
    rows = [
        ["示例市安全生产统计", "2016—2024年"],
        ["单位：人", ""],
        ["年份", "死亡人数"],
        [2023, 5],
        [2024, 4],
        ["注：数据来自市统计局", ""],
    ]
    if fmt == "csv":
        lines = [",".join(str(c) for c in row) for row in rows]
        (tmp_path / "t.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    else:
        import openpyxl

        book = openpyxl.Workbook()
        for row in rows:
            book.active.append([c if c != "" else None for c in row])
        book.save(tmp_path / "t.xlsx")
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "plan: {name: t, baseline_year: 2023, target_year: 2026}\n"
        f"datasets: {{a: t.{fmt}}}\n"
        "indicators:\n  - {id: d, name: 死亡, value: a.死亡人数, target: {max: 4}}\n",
        encoding="utf-8",
    )
    assert run("validate", "-c", str(config)).exit_code == 0
    result = run("check", "2024", "-c", str(config), "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"][0]["value"] == 4
