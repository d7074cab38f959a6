"""Control-figure tables (控制指标分解表, the 附表 the city sends): per-region, per-year caps
read like any data file, and which figure binds when the plan file gives one too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import write_csv

import safeplan
from safeplan.errors import ConfigError

PLAN = """\
plan: {{name: 示例市安全生产规划, region: 示例市, baseline_year: 2020, target_year: 2025}}
datasets:
  acc: data/事故统计.csv
indicators:
  - id: deaths_cap
    name: 生产安全事故死亡人数控制指标
    value: acc.死亡人数
    unit: 人
    target: {{max: 45}}
{regions}  - id: big
    name: 较大事故起数
    value: acc.较大事故起数
    target: {{max: 0}}
controls:
{controls}"""

ACC_ROWS = [
    [year, region, deaths, big]
    for year, figures in {
        2020: [("西湖县", 12, 0), ("东山县", 15, 1), ("临河区", 18, 0)],
        2021: [("西湖县", 12, 0), ("东山县", 14, 0), ("临河区", 17, 0)],
        2022: [("西湖县", 11, 0), ("东山县", 14, 0), ("临河区", 17, 0)],
        2023: [("西湖县", 11, 0), ("东山县", 13, 0), ("临河区", 16, 0)],
        2024: [("西湖县", 10, 0), ("东山县", 13, 0), ("临河区", 16, 1)],
        2025: [("西湖县", 9, 0), ("东山县", 12, 0), ("临河区", 15, 0)],
    }.items()
    for region, deaths, big in figures
]


def workbook(path: Path, rows: list[list[object]], title: str = "附表") -> Path:
    """An .xlsx as the city sends it: a 序号 column, the indicator's name as header, a 合计
    row, blank cells where a county gets no figure."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


FIGURES_2025 = [
    ["序号", "地区", "生产安全事故死亡人数控制指标", "备注"],
    [1, "西湖县", 9, None],
    [2, "东山县", None, "待定"],
    [3, "临河区", 14, None],
    [None, "合计", 40, None],
]


def city(make_plan, tmp_path, *, regions: str = "", controls: str | None = None, figures=None):
    config = make_plan(
        PLAN.format(
            regions=regions,
            controls=controls
            if controls is not None
            else "  - {file: data/控制指标2025.xlsx, year: 2025}\n",
        ),
        {"data/事故统计.csv": (["年份", "地区", "死亡人数", "较大事故起数"], ACC_ROWS)},
    )
    workbook(tmp_path / "data" / "控制指标2025.xlsx", figures or FIGURES_2025)
    return config


def results(config, year):
    return {(r.id, r.region): r for r in safeplan.check(config, year).results}


def test_the_table_caps_each_region_and_its_total_row_the_whole_plan(make_plan, tmp_path, run):
    config = city(make_plan, tmp_path)
    by = results(config, 2025)
    west = by[("deaths_cap", "西湖县")]
    assert (west.value, west.threshold, west.status) == (9, 9, "met")
    assert west.target == {"kind": "max", "value": 9, "source": "controls"}
    assert by[("deaths_cap", "临河区")].status == "missed"  # 15 > 14
    # A blank cell: no figure for 东山县, and the city's 45 is not handed down.
    assert by[("deaths_cap", "东山县")].status == "no_target"
    whole = by[("deaths_cap", None)]
    assert (whole.value, whole.threshold, whole.status) == (36, 40, "met")
    # Another year has no table: the plan-wide cap again, and no regional figure.
    before = results(config, 2024)
    assert before[("deaths_cap", None)].threshold == 45
    assert before[("deaths_cap", "西湖县")].status == "no_target"
    result = run("check", "2025", "-c", str(config), "-f", "json")
    assert result.exit_code == 1
    missed = [r for r in json.loads(result.stdout)["results"] if r["status"] == "missed"]
    assert [(r["id"], r["region"]) for r in missed] == [("deaths_cap", "临河区")]


def test_descriptive_columns_pass_and_an_unknown_one_is_a_warning(make_plan, tmp_path):
    figures = [
        [*row, extra]
        for row, extra in zip(FIGURES_2025, ["亿元GDP死亡率", 0.01, 0.02, 0.01, 0.01], strict=True)
    ]
    config = city(make_plan, tmp_path, figures=figures)
    findings = safeplan.validate(config).findings
    assert [(f.code, f.severity, f.column, f.cell) for f in findings] == [
        ("control-unknown-column", "warning", 5, None)
    ]
    assert "亿元GDP死亡率" in findings[0].message
    assert findings[0].file.endswith("控制指标2025.xlsx")


def test_precedence_table_then_regions_then_the_plan(make_plan, tmp_path):
    config = city(
        make_plan,
        tmp_path,
        regions="    regions: {西湖县: {max: 10}, 东山县: {max: 12}}\n",
    )
    by = results(config, 2025)
    assert by[("deaths_cap", "西湖县")].threshold == 9  # the 2025 table over regions:
    assert by[("deaths_cap", "东山县")].threshold == 12  # blank in the table: regions:
    assert by[("deaths_cap", "临河区")].threshold == 14
    earlier = results(config, 2024)
    assert earlier[("deaths_cap", "西湖县")].threshold == 10  # no table for 2024
    assert earlier[("deaths_cap", "西湖县")].target == {"kind": "max", "value": 10}


def test_a_blank_cell_leaves_a_target_that_binds_every_region(make_plan, tmp_path):
    figures = [
        ["地区", "较大事故起数"],
        ["西湖县", 1],
        ["东山县", None],
    ]
    config = city(make_plan, tmp_path, figures=figures)
    by = results(config, 2025)
    assert by[("big", "西湖县")].threshold == 1
    assert by[("big", "东山县")].threshold == 0  # the plan's 杜绝 still binds
    assert by[("big", None)].threshold == 0  # no total row: the plan's own


def test_one_table_with_a_year_column_in_gbk_and_mapped_headers(make_plan, tmp_path):
    config = city(
        make_plan,
        tmp_path,
        controls="  - file: data/分解.csv\n    columns: {死亡控制数: deaths_cap}\n",
    )
    write_csv(
        tmp_path / "data" / "分解.csv",
        ["年份", "地区", "死亡控制数"],
        [[2024, "西湖县", 11], [2025, "西湖县", "8"], [2024, "合计", 44], [2025, "东山县", ""]],
        "gbk",
    )
    assert results(config, 2024)[("deaths_cap", "西湖县")].threshold == 11
    assert results(config, 2024)[("deaths_cap", None)].threshold == 44
    west = results(config, 2025)[("deaths_cap", "西湖县")]
    assert (west.threshold, west.status, west.gap) == (8, "missed", 1)


def test_a_cap_on_a_count_is_a_whole_number(make_plan, tmp_path):
    config = city(make_plan, tmp_path, controls="  - {file: data/a.csv, year: 2025}\n")
    write_csv(tmp_path / "data" / "a.csv", ["地区", "deaths_cap"], [["西湖县", "8.5"]])
    findings = safeplan.validate(config).findings
    assert [(f.code, f.line, f.column) for f in findings] == [("non-integer-count", 2, 2)]


def test_a_region_not_in_the_data_is_an_error_at_its_cell(make_plan, tmp_path, run):
    figures = [*FIGURES_2025[:3], ["4", "南湖县", 3, None], *FIGURES_2025[3:]]
    config = city(make_plan, tmp_path, figures=figures)
    report = safeplan.validate(config)
    errors = [f for f in report.findings if f.severity == "error"]
    assert [(f.code, f.value, f.cell) for f in errors] == [
        ("control-unknown-region", "南湖县", "附表!B4")
    ]
    assert "南湖县" in errors[0].message
    assert run("validate", "-c", str(config)).exit_code == 1
    result = run("check", "2025", "-c", str(config))
    assert result.exit_code == 2 and "南湖县" in result.stderr


def test_a_year_that_differs_from_the_plan_and_a_missing_year(make_plan, tmp_path):
    config = city(
        make_plan,
        tmp_path,
        controls="  - {file: data/a.csv, year: 2025}\n  - data/b.csv\n",
    )
    write_csv(tmp_path / "data" / "a.csv", ["年份", "地区", "deaths_cap"], [[2024, "西湖县", 9]])
    write_csv(tmp_path / "data" / "b.csv", ["地区", "deaths_cap"], [["西湖县", 9]])
    codes = {
        (f.code, f.file.rsplit("/", 1)[-1], f.line) for f in safeplan.validate(config).findings
    }
    assert codes == {("control-year-mismatch", "a.csv", 2), ("missing-year-column", "b.csv", 1)}


def test_the_same_figure_twice_is_a_duplicate(make_plan, tmp_path):
    config = city(
        make_plan,
        tmp_path,
        controls="  - {file: data/控制指标2025.xlsx, year: 2025}\n  - {file: data/补充.csv, year: 2025}\n",
    )
    write_csv(tmp_path / "data" / "补充.csv", ["地区", "deaths_cap"], [["西湖县", 8]])
    findings = [f for f in safeplan.validate(config).findings if f.code == "duplicate-row"]
    assert len(findings) == 1 and "附表!C2" in findings[0].message
    assert findings[0].file.endswith("补充.csv")


def test_no_column_for_any_indicator_is_an_error(make_plan, tmp_path):
    config = city(make_plan, tmp_path, figures=[["地区", "别的"], ["西湖县", 1]])
    codes = [(f.code, f.severity) for f in safeplan.validate(config).findings]
    assert ("control-unknown-column", "error") in codes


def test_a_table_for_a_period_target_is_refused(make_plan, tmp_path):
    config = city(make_plan, tmp_path)
    text = config.read_text(encoding="utf-8").replace(
        "target: {max: 45}", "target: {max: 45, cumulative: true}"
    )
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="cumulative"):
        safeplan.validate(config)


def test_columns_must_name_a_known_indicator(make_plan, tmp_path):
    config = city(
        make_plan, tmp_path, controls="  - file: data/x.csv\n    columns: {死亡控制数: deaths}\n"
    )
    with pytest.raises(ConfigError) as info:
        safeplan.load_plan(config)
    assert "'deaths'" in info.value.message and "indicators.yaml:16" in info.value.message


def test_output_never_overwrites_a_control_table(make_plan, tmp_path, run):
    config = city(make_plan, tmp_path)
    target = tmp_path / "data" / "控制指标2025.xlsx"
    before = target.read_bytes()
    result = run("gap", "-c", str(config), "-f", "xlsx", "-o", str(target))
    assert result.exit_code == 2
    assert target.read_bytes() == before


def test_explain_names_the_cell_of_the_figure(make_plan, tmp_path, run):
    config = city(make_plan, tmp_path)
    result = run("explain", "deaths_cap", "2025", "-c", str(config), "-r", "西湖县")
    assert result.exit_code == 0
    assert "控制指标2025.xlsx:附表!C2" in result.stdout
    east = run("explain", "deaths_cap", "2025", "-c", str(config), "-r", "东山县")
    assert "东山县没有约束性目标" in east.stdout


def test_the_outlook_uses_the_figure_of_the_target_year(make_plan, tmp_path):
    config = city(make_plan, tmp_path)
    report = safeplan.gap(config)
    outlook = {(o.id, o.region): o for o in report.outlook if o.id == "deaths_cap"}
    # 2025 is the target year and the latest: its figure is the final threshold.
    assert outlook[("deaths_cap", "西湖县")].final_threshold == 9
    assert outlook[("deaths_cap", None)].final_threshold == 40
    assert outlook[("deaths_cap", "东山县")].final_threshold is None
