"""Partial years (a year not over, a ledger complete only to its through: date) and the plan
as it stood at the end of a year (gap --as-of, report --year)."""

from __future__ import annotations

import json
from datetime import date

import pytest

import safeplan
from safeplan.errors import DataError, UsageError

LEDGER_HEADER = ["日期", "地区", "行业", "死亡人数", "重伤人数", "直接经济损失"]
LEDGER = [
    ["2023-02-01", "甲镇", "工商贸", 1, 0, 10],
    ["2023-07-01", "乙镇", "道路交通", 2, 0, 5],
    ["2024-03-01", "甲镇", "工商贸", 1, 0, 10],
    ["2024-09-30", "乙镇", "建筑业", 0, 1, 20],
    ["2025-01-15", "甲镇", "道路交通", 1, 0, 3],
    ["2025-10-20", "乙镇", "工商贸", 0, 0, 2],
]


def ledger_plan(make_plan, through: str | None = None, rows=LEDGER):
    extra = f", through: {through}" if through else ""
    text = (
        "plan: {name: 三年行动, region: 示例县, baseline_year: 2023, target_year: 2026}\n"
        f"datasets:\n  acc: {{records: data/台账.csv{extra}}}\n"
        "indicators:\n"
        "  - {id: accidents, name: 事故起数, value: acc.accidents, target: {yoy_decline: true}}\n"
        "  - {id: deaths, name: 死亡人数, value: acc.deaths, target: {yoy_decline: true}}\n"
    )
    return make_plan(text, {"data/台账.csv": (LEDGER_HEADER, rows, "utf-8-sig")})


def test_a_year_not_over_cannot_be_checked(make_plan, run, monkeypatch):
    config = ledger_plan(make_plan)
    monkeypatch.setenv("SAFEPLAN_TODAY", "2025-11-05")
    with pytest.raises(DataError, match="2025年"):
        safeplan.check(config, 2025)
    result = run("check", "2025", "-c", str(config))
    assert result.exit_code == 2
    assert "safeplan monitor 2025-11-05" in result.stderr
    assert run("check", "2024", "-c", str(config)).exit_code in (0, 1)
    # On the last day of the year it is still not over; the day after, it is.
    monkeypatch.setenv("SAFEPLAN_TODAY", "2025-12-31")
    assert run("check", "2025", "-c", str(config)).exit_code == 2
    monkeypatch.setenv("SAFEPLAN_TODAY", "2026-01-01")
    assert run("check", "2025", "-c", str(config)).exit_code in (0, 1)


def test_a_ledger_complete_to_its_through_date_makes_its_year_partial(make_plan, run):
    config = ledger_plan(make_plan, through="2025-10-31")
    result = run("check", "2025", "-c", str(config))
    assert result.exit_code == 2
    assert "2025-10-31" in result.stderr and "safeplan monitor 2025-10-31" in result.stderr
    # Complete to 31 December: the year is whole.
    assert run("check", "2025", "-c", str(ledger_plan(make_plan, "2025-12-31"))).exit_code != 2


def test_gap_stops_at_the_last_complete_year(make_plan):
    config = ledger_plan(make_plan, through="2025-10-31")
    report = safeplan.gap(config)
    assert max(r.year for r in report.rows) == 2024
    assert {o.latest_year for o in report.outlook} == {2024}
    # 2025 to October (2 accidents) is never set against all of 2024 (2 accidents).
    assert not any(r.year == 2025 for r in report.rows)


def test_gap_on_a_year_not_over(make_plan, monkeypatch):
    monkeypatch.setenv("SAFEPLAN_TODAY", "2025-06-30")
    report = safeplan.gap(ledger_plan(make_plan))
    assert max(r.year for r in report.rows) == 2024


def test_records_after_the_through_date_are_errors(make_plan, run):
    config = ledger_plan(make_plan, through="2025-06-30")
    findings = safeplan.validate(config)
    late = [f for f in findings.findings if f.code == "after-through"]
    assert [(f.line, f.value) for f in late] == [(7, "2025-10-20")]
    assert late[0].severity == "error" and "2025-06-30" in late[0].message
    assert run("validate", "-c", str(config)).exit_code == 1


def test_through_is_only_for_records(make_plan):
    text = (
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: {path: a.csv, through: 2024-06-30}}\n"
        "indicators:\n  - {id: d, name: 死亡, value: a.deaths, target: {max: 0}}\n"
    )
    config = make_plan(text, {"a.csv": (["year", "deaths"], [[2024, 0]])})
    with pytest.raises(safeplan.ConfigError, match="through"):
        safeplan.load_plan(config)


def test_a_bad_today_is_a_usage_error(make_plan, monkeypatch, run):
    config = ledger_plan(make_plan)
    monkeypatch.setenv("SAFEPLAN_TODAY", "2025/11/05")
    with pytest.raises(UsageError, match="SAFEPLAN_TODAY"):
        safeplan.check(config, 2024)
    assert run("check", "2024", "-c", str(config)).exit_code == 2


# --------------------------------------------------------------------------- as of a year

COUNTY = """\
plan: {name: 示例市"十四五"安全生产规划, region: 示例市, baseline_year: 2020, target_year: 2025}
datasets: {acc: acc.csv}
indicators:
  - {id: deaths, name: 死亡人数, value: acc.死亡人数, target: {decline_pct: 10}}
  - {id: big, name: 重特大事故, value: acc.重特大, target: {max: 0}}
"""
ROWS = [
    [2020, "甲县", 100, 0],
    [2021, "甲县", 98, 0],
    [2022, "甲县", 90, 0],
    [2023, "甲县", 99, 1],
    [2024, "甲县", 97, 0],
]


def test_gap_as_of_a_year_equals_gap_on_the_data_up_to_it(make_plan, tmp_path, run):
    header = ["年份", "地区", "死亡人数", "重特大"]
    config = make_plan(COUNTY, {"acc.csv": (header, ROWS)})
    as_of = safeplan.gap(config, as_of=2022).to_dict()
    # The same plan with the later years cut from the file, in a directory of its own.
    other = tmp_path / "cut"
    other.mkdir()
    (other / "indicators.yaml").write_text(COUNTY, encoding="utf-8")
    (other / "acc.csv").write_text(
        "年份,地区,死亡人数,重特大\n" + "".join(",".join(map(str, r)) + "\n" for r in ROWS[:3]),
        encoding="utf-8",
    )
    assert as_of == safeplan.gap(other / "indicators.yaml").to_dict()
    assert max(r["year"] for r in as_of["rows"]) == 2022
    deaths = next(o for o in as_of["outlook"] if o["id"] == "deaths" and o["region"] is None)
    # 90 + (90 − 100) × 3 ÷ 2 = 75 against 100 × 0.9 = 90.
    assert (deaths["latest_year"], deaths["projected_value"], deaths["on_track"]) == (
        2022,
        75,
        True,
    )
    result = run("gap", "-c", str(config), "--as-of", "2022", "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == as_of
    assert run("gap", "-c", str(config), "-f", "json").exit_code == 1  # 2023 is missed


def test_as_of_before_the_baseline_or_a_partial_year_is_refused(make_plan, run, monkeypatch):
    config = make_plan(COUNTY, {"acc.csv": (["年份", "地区", "死亡人数", "重特大"], ROWS)})
    assert run("gap", "-c", str(config), "--as-of", "2019").exit_code == 2
    monkeypatch.setenv("SAFEPLAN_TODAY", "2024-08-01")
    result = run("gap", "-c", str(config), "--as-of", "2024")
    assert result.exit_code == 2 and "2024" in result.stderr


def test_report_year_uses_no_later_data(make_plan, run, monkeypatch, tmp_path):
    config = make_plan(COUNTY, {"acc.csv": (["年份", "地区", "死亡人数", "重特大"], ROWS)})
    seen = {}

    def fake_report(evaluation, options):
        seen["check"] = evaluation.check.to_dict()
        seen["gap"] = evaluation.gap.to_dict()
        return "<html></html>"

    monkeypatch.setattr("safeplan.render.html.render_report", fake_report)
    monkeypatch.setattr("safeplan.render.charts.configure_matplotlib", lambda: None)
    out = tmp_path / "report.html"
    result = run("report", "-c", str(config), "--year", "2022", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert seen["check"]["year"] == 2022
    assert max(r["year"] for r in seen["gap"]["rows"]) == 2022
    assert {o["latest_year"] for o in seen["gap"]["outlook"]} == {2022}


def test_a_ledger_complete_to_the_end_of_a_year_without_records_counts_zero_there(make_plan):
    """through: 2025-12-31 says the ledger is complete for 2025: no record there means no
    accident, so 2025 is evaluated (zero), not absent."""
    text = (
        "plan: {name: 示例县, baseline_year: 2023, target_year: 2026}\n"
        "datasets: {acc: {records: r.csv, through: 2025-12-31}}\n"
        "indicators:\n  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 5}}\n"
    )
    config = make_plan(text, {"r.csv": (["日期", "死亡人数"], [["2024-03-01", 2]])})
    result = next(r for r in safeplan.check(config, 2025).results if r.region is None)
    assert (result.value, result.status) == (0, "met")


# --- survivors of the full mutation run (2026-12-01) ---


def test_a_ledger_complete_to_the_year_today_completes_is_not_named_as_the_reason(
    make_plan, monkeypatch
):
    """A ledger complete to 31 December of last year ends no earlier than today's date does:
    the refusal of this year names today's date, not the ledger."""
    monkeypatch.setenv("SAFEPLAN_TODAY", "2026-01-10")
    config = ledger_plan(make_plan, through="2025-12-31")
    with pytest.raises(DataError) as refused:
        safeplan.gap(config, as_of=2026)
    assert "今天是 2026-01-10，2026年尚未结束" in str(refused.value)
    assert "统计截止" not in str(refused.value)


def test_a_bad_today_says_how_to_write_it(make_plan, monkeypatch):
    """A SAFEPLAN_TODAY that is not YYYY-MM-DD is refused quoting it, with a hint: how to
    write it, or to drop it for the system's date."""
    config = ledger_plan(make_plan)
    monkeypatch.setenv("SAFEPLAN_TODAY", "2025/11/05")
    with pytest.raises(UsageError) as refused:
        safeplan.check(config, 2024)
    assert str(refused.value) == "环境变量 SAFEPLAN_TODAY='2025/11/05' 不是 YYYY-MM-DD 格式的日期"
    assert refused.value.hint == "写成如 SAFEPLAN_TODAY=2025-11-05，或删去它（使用系统日期）"


def test_without_safeplan_today_today_is_the_systems_date(make_plan, monkeypatch):
    """Without SAFEPLAN_TODAY, today is the system's date: the current year is not over and
    is refused, saying so."""
    monkeypatch.delenv("SAFEPLAN_TODAY")
    year = date.today().year
    text = (
        f"plan: {{name: t, baseline_year: {year - 2}, target_year: {year + 2}}}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 5}}\n"
    )
    config = make_plan(text, {"a.csv": (["年份", "死亡人数"], [[year - 1, 1], [year, 1]])})
    with pytest.raises(DataError, match=f"{year}年尚未结束"):
        safeplan.check(config, year)


def test_a_report_describes_the_latest_year_every_indicator_has(make_plan, run, tmp_path):
    """Deaths already counted for 2025 beside GDP that stops at 2024: the default report is
    on 2024 (its rate has no 2025 value), not a 2025 of 无数据; --year still chooses."""
    from safeplan.evaluate.gap import report_year

    text = """\
plan: {name: 测试规划, region: 测试市, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, g: g.csv}
indicators:
  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}
  - {id: r, name: 亿元GDP死亡率, numerator: a.死亡人数, denominator: g.地区生产总值,
     target: {max: 0.5}}
"""
    deaths = [[year, "东县", 10 - year % 10] for year in range(2020, 2026)]
    gdp = [[year, "东县", 100] for year in range(2020, 2025)]
    config = make_plan(
        text,
        {
            "a.csv": (["年份", "地区", "死亡人数"], deaths),
            "g.csv": (["年份", "地区", "地区生产总值"], gdp),
        },
    )
    assert report_year(safeplan.gap(config)) == 2024
    assert report_year(safeplan.gap(config, as_of=2022)) == 2022
    out = tmp_path / "r.html"
    result = run("report", "-c", str(config), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "2024年度控制指标完成情况评估" in html and "2025年度" not in html
    out.unlink()
    assert run("report", "-c", str(config), "-o", str(out), "--year", "2025").exit_code == 0
    assert "2025年度控制指标完成情况评估" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("gdp_years", "injuries", "expected"),
    [
        # 2020–2022 the rate, 2023 the injuries: no year has both — the latest with either.
        ([2020, 2021, 2022], [[2023, 4]], 2023),
        # GDP and injuries only before the baseline: no value at all — the table's end.
        ([2019], [[2019, 4]], 2024),
    ],
)
def test_a_report_without_a_year_all_indicators_share(make_plan, gdp_years, injuries, expected):
    """Deaths run to 2024, so the table does too. Without a year in which every indicator
    has a value, the report describes the latest year with any value; without any value,
    the table's last year."""
    from safeplan.evaluate.gap import report_year

    text = """\
plan: {name: 测试规划, region: 测试市, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, g: g.csv, b: b.csv}
indicators:
  - {id: r, name: 亿元GDP死亡率, numerator: a.死亡人数, denominator: g.地区生产总值,
     target: {max: 0.5}}
  - {id: i, name: 受伤人数, value: b.受伤人数, target: {max: 10}}
"""
    config = make_plan(
        text,
        {
            "a.csv": (["年份", "死亡人数"], [[year, 1] for year in range(2020, 2025)]),
            "g.csv": (["年份", "地区生产总值"], [[year, 100] for year in gdp_years]),
            "b.csv": (["年份", "受伤人数"], injuries),
        },
    )
    report = safeplan.gap(config)
    assert max(row.year for row in report.rows) == 2024
    assert report_year(report) == expected
