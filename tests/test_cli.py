"""The command line: every format and exit code of check, validate, gap and explain."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import safeplan
from safeplan.cli import app

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).parent.parent


def test_check_json_equals_library_dump(run, bundled):
    result = run("check", "2024", "--config", str(bundled), "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == safeplan.check(safeplan.load_plan(bundled), 2024).to_dict()


def test_check_json_shape(run, bundled):
    data = json.loads(run("check", "2024", "-c", str(bundled), "-f", "json").stdout)
    assert data["schema_version"] == 1
    assert data["plan"] == {
        "name": '示例市"十四五"安全生产规划',
        "region": "示例市",
        "baseline_year": 2020,
        "target_year": 2025,
    }
    assert data["year"] == 2024 and data["ok"] is False
    first = data["results"][0]
    assert set(first) == {
        "id",
        "name",
        "region",
        "year",
        "value",
        "target",
        "threshold",
        "gap",
        "status",
    }
    assert len(data["results"]) == 5 * 4  # 5 indicators × (whole plan + 3 counties)
    assert sum(r["region"] is None for r in data["results"]) == 5
    deaths = next(r for r in data["results"] if r["id"] == "deaths" and r["region"] is None)
    assert deaths["threshold"] == 36.8 and deaths["value"] == 35 and deaths["status"] == "met"


def test_check_table_golden(run, bundled):
    result = run("check", "2024", "-c", str(bundled))
    assert result.exit_code == 1
    assert result.stdout == (GOLDEN / "check_2024.txt").read_text(encoding="utf-8")
    assert "\x1b[" not in result.stdout  # no colour in a pipe


def test_check_table_colour_when_forced(run, bundled):
    result = run("check", "2024", "-c", str(bundled), env={"FORCE_COLOR": "1"})
    assert "\x1b[31m" in result.stdout and "\x1b[32m" in result.stdout


def test_check_markdown(run, bundled):
    out = run("check", "2024", "-c", str(bundled), "-f", "markdown").stdout
    assert out.startswith("## 示例市“十四五”安全生产规划")
    header = (
        "| 序号 | 指标名称 | 单位 | 指标属性 | 基期值 | 规划目标值 | 序时进度要求 | 2024年实际值 |"
    )
    assert header in out
    assert "| 地区 | 1.重特大事故起数（起） |" in out  # the 分地区 table, units in headers
    assert out.count("\n| ") == (1 + 5) + (1 + 3)  # header and rows of each table


def test_check_csv(run, bundled):
    out = run("check", "2024", "-c", str(bundled), "-f", "csv").stdout
    assert out.startswith("id,name,region,year,value,")  # no BOM into a pipe
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 20
    road = next(r for r in rows if r["id"] == "road_death_rate" and r["region"] == "")
    assert (
        road["status"] == "missed"
        and road["target_kind"] == "max"
        and road["target_value"] == "1.35"
    )


def test_check_output_file_and_protection(run, bundled, tmp_path):
    out = tmp_path / "out.json"
    assert run("check", "2024", "-c", str(bundled), "-f", "json", "-o", str(out)).exit_code == 1
    assert json.loads(out.read_text(encoding="utf-8"))["year"] == 2024
    before = (tmp_path / "data" / "gdp.csv").read_bytes()
    result = run("check", "2024", "-c", str(bundled), "-o", str(tmp_path / "data" / "gdp.csv"))
    assert result.exit_code == 2
    assert (tmp_path / "data" / "gdp.csv").read_bytes() == before


def test_exit_0_when_everything_met(run, make_plan):
    config = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: 死亡, value: a.deaths, target: {max: 5}}\n",
        {"a.csv": (["year", "deaths"], [[2024, 5]])},
    )
    result = run("check", "2024", "-c", str(config))
    assert result.exit_code == 0, result.stderr
    assert "✓" in result.stdout


def test_exit_1_for_no_data(run, make_plan):
    config = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: 死亡, value: a.deaths, target: {decline_pct: 5}}\n",
        {"a.csv": (["year", "deaths"], [[2024, 5]])},
    )
    result = run("check", "2024", "-c", str(config), "-f", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["results"][0]["status"] == "no_data"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "2030"], "数据中没有 2030 年"),
        (["check", "abc"], "Invalid value"),
        (["check", "2024", "--region", "火星"], "数据中没有地区 '火星'"),
        (["check", "2024", "--format", "pdf"], "Invalid value"),
        (["explain", "nope", "2024"], "没有指标 'nope'"),
    ],
)
def test_exit_2_for_bad_usage(run, bundled, args, needle):
    result = run(*args, "--config", str(bundled))
    assert result.exit_code == 2
    assert needle in result.stderr or needle in result.output
    assert "Traceback" not in result.output


def test_missing_config_exit_2(run, tmp_path):
    result = run("check", "2024", "--config", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "nope.yaml: 文件不存在" in result.stderr
    assert "提示：" in result.stderr


def test_missing_column_exit_2_names_yaml_line(run, bundled):
    text = bundled.read_text(encoding="utf-8").replace(
        "value: accidents.死亡人数", "value: accidents.死亡"
    )
    bundled.write_text(text, encoding="utf-8")
    for command in (["check", "2024"], ["validate"]):
        result = run(*command, "-c", str(bundled))
        assert result.exit_code == 2
        assert "indicators.yaml:26" in result.stderr and "'死亡'" in result.stderr
        assert "data/accidents.csv" in result.stderr


def test_validate_clean_and_json(run, bundled):
    result = run("validate", "-c", str(bundled), "-f", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1 and data["ok"] is True
    assert data["counts"]["errors"] == 0
    assert all(f["severity"] == "warning" for f in data["findings"])
    # --fail-on warning turns the plausibility warnings into a failure.
    strict = run("validate", "-c", str(bundled), "--fail-on", "warning")
    assert strict.exit_code == (1 if data["findings"] else 0)


def test_check_stops_on_any_data_error(run, bundled):
    path = bundled.parent / "data" / "gdp.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",abc"  # 2016, a county: a year nobody asks for
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    validate = run("validate", "-c", str(bundled))
    assert validate.exit_code == 1
    assert "data/gdp.csv:4:3: error non-numeric" in validate.stdout
    check = run("check", "2024", "-c", str(bundled))
    assert check.exit_code == 2
    assert "data/gdp.csv:4:3: error non-numeric" in check.stderr
    assert check.stdout == ""


def test_gap_formats(run, bundled, tmp_path):
    result = run("gap", "-c", str(bundled), "-f", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data == safeplan.gap(safeplan.load_plan(bundled)).to_dict()
    assert {r["year"] for r in data["rows"]} == {2020, 2021, 2022, 2023, 2024}
    assert set(data["outlook"][0]) == {
        "id",
        "region",
        "latest_year",
        "latest_value",
        "final_threshold",
        "projected_value",
        "on_track",
        "required_annual_change_pct",
    }
    table = run("gap", "-c", str(bundled)).stdout
    assert "2020" in table and "✗" in table and "能否如期实现" in table
    md = run("gap", "-c", str(bundled), "-f", "markdown", "--lang", "en").stdout
    assert "| indicator | region | year |" in md and "outlook to 2025" in md
    text = run("gap", "-c", str(bundled), "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == len(data["rows"]) and "on_track" in rows[0]
    xlsx = tmp_path / "gap.xlsx"
    assert run("gap", "-c", str(bundled), "-f", "xlsx", "-o", str(xlsx)).exit_code == 1
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    assert book.sheetnames == ["完成情况表", "分地区", "逐年情况", "目标差距", "目标展望"]
    sheet = book["目标差距"]
    assert str(sheet["A1"].value).startswith("表4")  # a numbered title above the table
    header = [c.value for c in sheet[2]]
    assert header[:5] == ["指标名称", "单位", "地区", "年份", "实际值"]
    assert "id" not in header and sheet.freeze_panes == "A3"
    body = list(sheet.iter_rows(min_row=3, max_row=sheet.max_row - 4))
    rates = [r for r in body if r[0].value == "亿元GDP生产安全事故死亡率"]
    assert rates[0][4].number_format == "0.0000" and rates[0][1].value == "人/亿元"
    deaths = [r for r in body if r[0].value == "生产安全事故死亡人数"]
    assert deaths[0][4].number_format == "0" and deaths[0][6].number_format == "0.0"
    missed = [r for r in body if r[8].value == "未达标"]
    assert missed and all(r[0].fill.fgColor.rgb.endswith("C7CE") for r in missed)
    assert not any("decline_pct" in str(c.value) for row in sheet.iter_rows() for c in row)


def test_explain_lists_source_lines(run, bundled):
    result = run("explain", "gdp_death_rate", "2024", "-c", str(bundled))
    assert result.exit_code == 0
    out = result.stdout
    assert "data/accidents.csv:26:4  [临河区]: 15" in out
    assert "Σ gdp.地区生产总值 = 2405.9" in out
    data = json.loads(run("explain", "deaths", "2024", "-c", str(bundled), "-f", "json").stdout)
    assert data["result"]["threshold"] == 36.8
    assert data["terms"][0]["total"] == 35 and len(data["terms"][0]["cells"]) == 3


def test_schema_command(run):
    data = json.loads(run("schema").stdout)
    assert data["title"] == "safeplan indicators.yaml"


def test_docs_schema_is_current():
    generated = safeplan.plan.schema()
    stored = json.loads(
        (Path(__file__).parent.parent / "docs" / "indicators.schema.json").read_text(
            encoding="utf-8"
        )
    )
    assert stored == generated


def test_help_lists_every_command(run):
    out = run("--help").stdout
    for command in ("check", "validate", "gap", "explain", "classify", "chart", "report", "schema"):
        assert command in out
        assert run(command, "--help").exit_code == 0


def test_help_does_not_import_pandas():
    code = (
        "import sys\n"
        "from safeplan.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('pandas', 'numpy', 'matplotlib', 'openpyxl', 'pydantic') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_python_dash_m_and_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "safeplan", "check", "2024", "--config", str(tmp_path / "x.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "x.yaml: 文件不存在" in result.stderr


def test_real_process_flushes_everything_before_its_quick_exit(tmp_path):
    """main() ends with os._exit: stdout must still be complete and the status right."""
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(ROOT / "data", plan / "data")
    shutil.copy(ROOT / "indicators.yaml", plan / "indicators.yaml")
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "safeplan", "check", "2024", "--format", "json"]
    result = subprocess.run(command, cwd=plan, env=env, capture_output=True, check=False)
    report = json.loads(result.stdout.decode("utf-8"))
    assert result.returncode == (0 if report["ok"] else 1)
    assert len(report["results"]) > 1 and result.stdout.endswith(b"}\n")
    written = plan / "out.json"
    result = subprocess.run(
        [*command, "--output", str(written)], cwd=plan, env=env, capture_output=True, check=False
    )
    assert json.loads(written.read_text("utf-8")) == report
    assert result.returncode == (0 if report["ok"] else 1)
    gone = subprocess.run(
        [sys.executable, "-m", "safeplan", "validate", "--config", "nowhere.yaml"],
        cwd=plan,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert gone.returncode == 2 and "nowhere.yaml" in gone.stderr


def test_debug_shows_traceback(tmp_path):
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        app, ["check", "2024", "--config", str(tmp_path / "x.yaml"), "--debug"]
    )
    assert isinstance(result.exception, safeplan.ConfigError)


def test_app_is_typer_app():
    assert app.info.name == "safeplan"


def test_formula_like_names_are_escaped_in_csv_and_xlsx(run, make_plan, tmp_path):
    config = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: '=1+2', value: a.deaths, target: {max: 0}}\n",
        {
            "a.csv": (
                ["year", "region", "deaths"],
                [[2020, "@SUM(A1)", 1], [2024, "@SUM(A1)", 2], [2024, "-乙", 3]],
            )
        },
    )
    text = run("check", "2024", "-c", str(config), "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert {r["name"] for r in rows} == {"'=1+2"}
    assert {r["region"] for r in rows} == {"", "'@SUM(A1)", "'-乙"}
    out = tmp_path / "gap.xlsx"
    run("gap", "-c", str(config), "-f", "xlsx", "-o", str(out))
    from openpyxl import load_workbook

    sheet = load_workbook(out)["目标差距"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=1+2" in {c.value for c in cells}
    assert all(c.data_type == "s" for c in cells)
    assert not any(str(c.value).startswith(("=", "@", "-")) for c in cells)


def test_debug_before_the_command(tmp_path):
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["--debug", "check", "2024", "-c", str(tmp_path / "x.yaml")])
    assert isinstance(result.exception, safeplan.ConfigError)
    plain = CliRunner().invoke(app, ["check", "2024", "-c", str(tmp_path / "x.yaml")])
    assert plain.exit_code == 2 and "Traceback" not in plain.output
