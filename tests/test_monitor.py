"""``safeplan monitor``: year-to-date 同比 from a ledger, counted again here by hand (dates,
fractions), the annual caps against the year elapsed, the 通报 wording and every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

import safeplan
from safeplan.errors import ConfigError, DataError, UsageError

HEADER = ["日期", "地区", "行业", "死亡人数", "重伤人数", "直接经济损失"]

#: (date, region, sector, deaths, serious injuries, loss in 万元 — "" = not recorded)
LEDGER = [
    ("2023-12-28", "东山县", "工商贸", 1, 0, "2"),
    ("2024-01-05", "西湖县", "工商贸", 1, 0, "10.5"),
    ("2024-02-29", "西湖县", "道路交通", 2, 0, "3"),  # a leap day
    ("2024-03-10", "东山县", "建筑业", 3, 0, "120"),  # 较大 by its deaths
    ("2024-09-20", "西湖县", "道路交通", 1, 0, "0.3"),
    ("2024-10-31", "东山县", "道路交通", 1, 1, "0.25"),
    ("2024-11-01", "西湖县", "工商贸", 1, 0, "5"),
    ("2024-12-20", "东山县", "工商贸", 0, 0, "1"),
    ("2025-01-10", "西湖县", "道路交通", 1, 0, "2"),
    ("2025-02-28", "东山县", "工商贸", 0, 2, "1.1"),
    ("2025-05-01", "西湖县", "建筑业", 1, 0, "0.1"),
    ("2025-09-03", "东山县", "道路交通", 0, 0, "0.2"),
    ("2025-10-15", "西湖县", "工商贸", 3, 0, "1000"),  # 较大 by deaths and by loss
    ("2025-10-31", "东山县", "道路交通", 1, 0, ""),
    ("2025-11-02", "西湖县", "工商贸", 1, 0, "1"),
]

SECTORS = {"industrial": {"工商贸", "建筑业"}, "road": {"道路交通"}}

PLAN = """\
plan: {{name: 示例市安全生产治本攻坚三年行动, region: 示例市, baseline_year: 2023, target_year: 2026}}
datasets:
  accidents:
    records: data/事故台账.csv{through}
    sectors:
      industrial: [工商贸, 建筑业]
      road: [道路交通]
  gdp: data/gdp.csv
indicators:
  - {{id: deaths, name: 生产安全事故死亡人数, value: accidents.deaths, target: {{yoy_decline: true}}}}
  - id: deaths_cap
    name: 生产安全事故死亡人数控制指标
    value: accidents.deaths
    unit: 人
    target: {{max: {cap}}}
    regions: {{西湖县: {{max: 4}}}}
  - {{id: big, name: 较大及以上事故起数, value: accidents.larger_or_above, target: {{max: 0}}}}
  - {{id: road_cap, name: 道路交通事故起数控制指标, value: accidents.road_accidents, target: {{max: 4}}}}
  - id: rate
    name: 亿元GDP死亡率
    numerator: accidents.deaths
    denominator: gdp.地区生产总值
    target: {{max: 0.02}}
"""

GDP = (["年份", "地区", "地区生产总值"], [[2024, r, 500] for r in ("西湖县", "东山县", "临河区")])


def ledger_rows(ledger):
    return [list(row) for row in ledger]


def city(make_plan, *, ledger=LEDGER, cap: int = 20, through: str = "") -> Path:
    text = PLAN.format(cap=cap, through=f"\n    through: {through}" if through else "")
    return make_plan(
        text,
        {"data/事故台账.csv": (HEADER, ledger_rows(ledger), "utf-8-sig"), "data/gdp.csv": GDP},
    )


# --------------------------------------------------------------------------- by hand


def earlier(day: date) -> date:
    if (day.month, day.day) == (2, 29):
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def hand_count(ledger, start: date, end: date, region=None, group=None) -> dict[str, object]:
    picked = [
        r
        for r in ledger
        if start <= date.fromisoformat(r[0]) <= end
        and (region is None or r[1] == region)
        and (group is None or r[2] in SECTORS[group])
    ]
    return {
        "accidents": len(picked),
        "deaths": sum(r[3] for r in picked),
        "serious_injuries": sum(r[4] for r in picked),
        "direct_loss": sum((Fraction(r[5]) for r in picked if r[5]), Fraction(0)),
        # 较大 and above: ≥ 3 deaths, ≥ 10 serious injuries or ≥ 1000 万元.
        "larger_or_above": sum(
            1 for r in picked if r[3] >= 3 or r[4] >= 10 or (r[5] and Fraction(r[5]) >= 1000)
        ),
    }


def change(now, before) -> float | None:
    return None if before == 0 else float(Fraction(now - before) / before * 100)


def expected_row(ledger, through: date, region=None, group=None) -> dict[str, object]:
    now = hand_count(ledger, date(through.year, 1, 1), through, region, group)
    before = hand_count(ledger, date(through.year - 1, 1, 1), earlier(through), region, group)
    acc, deaths = now["accidents"], now["deaths"]
    return {
        "accidents": acc,
        "deaths": deaths,
        "larger_or_above": now["larger_or_above"],
        "prev_accidents": before["accidents"],
        "prev_deaths": before["deaths"],
        "prev_larger_or_above": before["larger_or_above"],
        "accidents_change_pct": change(acc, before["accidents"]),
        "deaths_change_pct": change(deaths, before["deaths"]),
        "double_decline": (acc < before["accidents"] or acc == 0)
        and (deaths < before["deaths"] or deaths == 0),
        "serious_injuries": now["serious_injuries"],
        "prev_serious_injuries": before["serious_injuries"],
        "direct_loss": float(now["direct_loss"]),
        "prev_direct_loss": float(before["direct_loss"]),
    }


def rows_of(report) -> dict[tuple[str | None, str | None], dict[str, object]]:
    return {(r["region"], r["group"]): r for r in report.to_dict()["rows"]}


@pytest.mark.parametrize("through", ["2025-10", "2025-10-15", "2025-02", "2025-01-31", "2025-12"])
def test_every_row_matches_a_hand_count(make_plan, through):
    report = safeplan.monitor(city(make_plan), through)
    day = date.fromisoformat(report.to_dict()["through"])
    rows = rows_of(report)
    # Regions in order of first appearance in the plan's data (the ledger comes first).
    regions = [None, "东山县", "西湖县", "临河区"]
    assert list(rows) == [(r, g) for r in regions for g in (None, "industrial", "road")]
    for (region, group), row in rows.items():
        expected = expected_row(LEDGER, day, region, group)
        assert {k: row[k] for k in expected} == expected, (region, group)


def test_periods_map_a_leap_day_to_the_28th(make_plan):
    data = safeplan.monitor(city(make_plan), "2025-02").to_dict()
    assert data["period"] == {"from": "2025-01-01", "to": "2025-02-28"}
    assert data["previous"] == {"from": "2024-01-01", "to": "2024-02-28"}
    whole = rows_of(safeplan.monitor(city(make_plan), "2025-02"))[None, None]
    # 29 February 2024 lies outside the same dates a year earlier.
    assert (whole["prev_accidents"], whole["prev_deaths"]) == (1, 1)
    leap = safeplan.monitor(city(make_plan), "2024-02").to_dict()
    assert leap["through"] == "2024-02-29"
    assert leap["previous"] == {"from": "2023-01-01", "to": "2023-02-28"}
    whole = rows_of(safeplan.monitor(city(make_plan), "2024-02-29"))[None, None]
    assert (whole["accidents"], whole["deaths"], whole["prev_accidents"]) == (2, 3, 0)
    assert whole["accidents_change_pct"] is None  # nothing a year earlier: no percentage


def test_a_region_without_records_has_zero_rows(make_plan):
    rows = rows_of(safeplan.monitor(city(make_plan), "2025-10"))
    row = rows["临河区", None]
    assert (row["accidents"], row["deaths"], row["prev_accidents"]) == (0, 0, 0)
    assert row["accidents_change_pct"] is None and row["deaths_change_pct"] is None
    assert row["double_decline"] is True  # zero cannot decline further


def test_the_month_its_year_earlier_and_the_month_before(make_plan):
    report = safeplan.monitor(city(make_plan), "2025-10-15")
    data = report.to_dict()
    assert data["month"] == {"from": "2025-10-01", "to": "2025-10-15"}
    assert data["month_previous"] == {"from": "2024-10-01", "to": "2024-10-15"}
    assert data["last_month"] == {"from": "2025-09-01", "to": "2025-09-15"}
    whole = rows_of(report)[None, None]
    assert (whole["month_accidents"], whole["month_deaths"]) == (1, 3)
    assert (whole["month_prev_accidents"], whole["last_month_accidents"]) == (0, 1)
    assert whole["month_accidents_change_pct"] is None
    assert whole["month_accidents_mom_pct"] == 0.0  # 1 against 1
    january = safeplan.monitor(city(make_plan), "2025-01").to_dict()
    assert january["last_month"] == {"from": "2024-12-01", "to": "2024-12-31"}
    march = safeplan.monitor(city(make_plan), "2025-03").to_dict()
    assert march["last_month"] == {"from": "2025-02-01", "to": "2025-02-28"}
    jan = rows_of(safeplan.monitor(city(make_plan), "2025-01"))[None, None]
    assert (jan["month_accidents"], jan["last_month_accidents"]) == (1, 1)
    assert jan["month_accidents_mom_pct"] == 0.0


def test_direct_loss_is_summed_exactly(make_plan):
    whole = rows_of(safeplan.monitor(city(make_plan), "2025-10"))[None, None]
    # 2 + 1.1 + 0.1 + 0.2 + 1000 (+ a loss not recorded) = 1003.4, not 1003.4000000000001
    assert whole["direct_loss"] == 1003.4
    assert whole["prev_direct_loss"] == 134.05
    assert whole["direct_loss_change_pct"] == float(
        (Fraction("1003.4") - Fraction("134.05")) / Fraction("134.05") * 100
    )


# --------------------------------------------------------------------------- caps


def test_caps_against_the_year_elapsed(make_plan):
    report = safeplan.monitor(city(make_plan, cap=12), "2025-10")
    caps = {(c["id"], c["region"]): c for c in report.to_dict()["caps"]}
    # deaths_cap binds the city (max 12) and 西湖县 (its own max 4); big (max 0) and the
    # rate are no caps to follow; road_cap (max 4) binds the city only.
    assert set(caps) == {("deaths_cap", None), ("deaths_cap", "西湖县"), ("road_cap", None)}
    days = (date(2025, 10, 31) - date(2025, 1, 1)).days + 1  # 304
    elapsed = days * 100 / 365
    city_cap = caps["deaths_cap", None]
    used = 1 + 0 + 1 + 0 + 3 + 1  # deaths 1 Jan – 31 Oct 2025
    assert (city_cap["cap"], city_cap["used"]) == (12, used)
    assert city_cap["used_pct"] == pytest.approx(float(Fraction(used * 100, 12)), rel=1e-15)
    assert city_cap["elapsed_pct"] == pytest.approx(float(Fraction(days * 100, 365)), rel=1e-15)
    assert city_cap["elapsed_pct"] == elapsed
    assert city_cap["ahead"] is (Fraction(used, 12) > Fraction(days, 365))  # 0.5 < 0.83: False
    west = caps["deaths_cap", "西湖县"]
    assert (west["cap"], west["used"]) == (4, 5)
    assert west["ahead"] is True and west["used_pct"] == 125.0
    road = caps["road_cap", None]
    assert (road["used"], road["ahead"]) == (3, False)  # 3 ÷ 4 = 75 % < 83.3 %
    assert not report.ok


def test_a_cap_exactly_on_the_year_elapsed_is_not_ahead(make_plan):
    # 146 days of 365 = 40 %: 2 deaths of a cap of 5 are exactly on time.
    ledger = [
        ("2024-01-10", "西湖县", "工商贸", 3, 0, "1"),
        ("2025-02-01", "西湖县", "工商贸", 1, 0, "1"),
        ("2025-05-26", "东山县", "工商贸", 1, 0, "1"),
    ]
    report = safeplan.monitor(city(make_plan, ledger=ledger, cap=5), "2025-05-26")
    cap = next(c for c in report.caps if c["id"] == "deaths_cap" and c["region"] is None)
    assert cap["elapsed_pct"] == 40.0 and cap["used_pct"] == 40.0
    assert cap["ahead"] is False


def test_exit_codes(make_plan, run):
    behind = city(make_plan, cap=40)
    # Through 2 February 2025: 1 accident, 1 death against 1 and 1 — not a double decline.
    assert run("monitor", "2025-02-02", "-c", str(behind)).exit_code == 1
    # Through April: 2 accidents, 1 death against 3 and 6; 西湖县 1 of its 4 in 120 days.
    assert run("monitor", "2025-04-30", "-c", str(behind)).exit_code == 0
    # Through October: 西湖县 has used 5 of its 4.
    assert run("monitor", "2025-10", "-c", str(behind)).exit_code == 1


# --------------------------------------------------------------------------- 通报


def test_the_paragraph_offices_publish(make_plan, run):
    # 7 accidents and 7 deaths to October, against 8 and 10; 较大 a year earlier only.
    ledger = [("2024-03-03", "甲区", "建筑业", 3, 0, "10")]
    ledger += [(f"2024-0{m}-10", "甲区", "工商贸", 1, 0, "1") for m in range(4, 9)]
    ledger += [
        ("2024-09-10", "乙区", "道路交通", 2, 0, "1"),
        ("2024-10-30", "乙区", "工商贸", 0, 1, ""),
    ]
    ledger += [(f"2025-0{m}-05", "甲区", "工商贸", 1, 0, "1") for m in range(1, 8)]
    config = city(make_plan, ledger=ledger, cap=30)
    text = (
        "1—10月，全市共发生生产安全事故7起、死亡7人，同比分别下降12.5%、30.0%，"
        "实现“双下降”；未发生较大及以上事故。"
    )
    result = run("monitor", "2025-10", "-c", str(config), "-f", "text")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(text)


@pytest.mark.parametrize(
    ("now", "before", "words"),
    [
        ((3, 4), (2, 2), "同比分别上升50.0%、100.0%，未实现“双下降”"),
        ((2, 2), (2, 2), "与去年同期持平，未实现“双下降”"),
        ((2, 1), (4, 1), "事故起数同比下降50.0%，死亡人数同比持平，未实现“双下降”"),
        ((2, 2), (0, 0), "事故起数同比增加2起（去年同期为0），死亡人数同比增加2人（去年同期为0）"),
        ((2, 0), (3, 0), "共发生生产安全事故2起，未造成人员死亡，事故起数同比下降33.3%"),
        ((0, 0), (2, 1), "全市未发生生产安全事故（去年同期发生2起、死亡1人），实现“双下降”"),
    ],
)
def test_the_paragraph_says_what_happened(make_plan, now, before, words):
    def accidents(year: int, count: int, deaths: int):
        return [
            (f"{year}-03-{day + 1:02d}", "甲区", "工商贸", 1 if day < deaths else 0, 0, "1")
            for day in range(count)
        ]

    ledger = accidents(2024, *before) + accidents(2025, *now)
    if now[1] > now[0]:  # more deaths than accidents: the last accident took the rest
        ledger[-1] = (*ledger[-1][:3], now[1] - now[0] + 1, 0, "1")
    text = safeplan.monitor(city(make_plan, ledger=ledger, cap=40), "2025-06")
    from safeplan.render.monitor import bulletin

    assert words in bulletin(text)


def test_larger_accidents_are_named_and_caps_ahead_warned(make_plan, run):
    result = run(
        "monitor", "2025-10", "-c", str(city(make_plan, cap=12)), "-f", "text", "--regions"
    )
    assert result.exit_code == 1
    whole, east, west, other = result.stdout.strip().split("\n\n")
    assert whole.startswith("1—10月，全市共发生生产安全事故6起、死亡6人")
    assert "发生较大及以上事故1起（10月15日西湖县工商贸较大事故，死亡3人）" in whole
    assert "时间进度83.3%" in whole
    assert (
        "分地区看，西湖县生产安全事故死亡人数控制指标（已发生5人，使用进度125.0%）超过时间进度"
        in whole
    )
    assert west.startswith("1—10月，西湖县共发生生产安全事故3起、死亡5人")
    assert "年度控制指标4人，已发生5人，使用进度125.0%，超过时间进度" in west
    assert east.startswith("1—10月，东山县共发生生产安全事故3起、死亡1人")
    assert "未发生较大及以上事故" in east
    assert other == "1—10月，临河区未发生生产安全事故；未发生较大及以上事故。"


def test_a_period_that_is_not_whole_months(make_plan):
    from safeplan.render.monitor import bulletin

    text = bulletin(safeplan.monitor(city(make_plan), "2025-10-15"))
    assert text.startswith("1月1日—10月15日，全市")
    assert bulletin(safeplan.monitor(city(make_plan), "2025-01")).startswith("1月，全市")


# --------------------------------------------------------------------------- refusals


def test_what_monitor_refuses(make_plan, run, monkeypatch):
    config = city(make_plan)
    with pytest.raises(UsageError):
        safeplan.monitor(config, "2025-13")
    assert run("monitor", "10月", "-c", str(config)).exit_code == 2
    monkeypatch.setenv("SAFEPLAN_TODAY", "2025-10-20")
    result = run("monitor", "2025-10", "-c", str(config))
    assert result.exit_code == 2 and "2025-10-31" in result.stderr
    assert run("monitor", "2025-10-20", "-c", str(config)).exit_code in (0, 1)
    monkeypatch.setenv("SAFEPLAN_TODAY", "2031-01-15")
    declared = city(make_plan, through="2025-10-31", ledger=LEDGER[:-1])
    assert run("monitor", "2025-10", "-c", str(declared)).exit_code in (0, 1)
    result = run("monitor", "2025-11", "-c", str(declared))
    assert result.exit_code == 2 and "2025-10-31" in result.stderr
    with pytest.raises(ConfigError, match="nope"):
        safeplan.monitor(config, "2025-10", dataset="nope")


def test_a_plan_without_records_or_without_dates(make_plan, run):
    text = (
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: 死亡, value: a.deaths, target: {max: 0}}\n"
    )
    config = make_plan(text, {"a.csv": (["year", "deaths"], [[2024, 0]])})
    result = run("monitor", "2024-10", "-c", str(config))
    assert result.exit_code == 2 and "records" in result.stderr
    years_only = make_plan(
        text.replace("{a: a.csv}", "{a: {records: r.csv}}").replace("a.deaths", "a.deaths"),
        {"r.csv": (["年份", "地区", "死亡人数"], [[2024, "甲", 1]])},
    )
    with pytest.raises(DataError, match="日期"):
        safeplan.monitor(years_only, "2024-10")


# --------------------------------------------------------------------------- formats


def test_json_is_the_documented_shape(make_plan, run):
    result = run("monitor", "2025-10", "-c", str(city(make_plan)), "-f", "json")
    data = json.loads(result.stdout)
    assert data["schema_version"] == 2
    assert data["plan"] == {
        "name": "示例市安全生产治本攻坚三年行动",
        "region": "示例市",
        "baseline_year": 2023,
        "target_year": 2026,
    }
    assert data["through"] == "2025-10-31"
    assert data["period"] == {"from": "2025-01-01", "to": "2025-10-31"}
    assert data["previous"] == {"from": "2024-01-01", "to": "2024-10-31"}
    contract = {
        "region",
        "group",
        "accidents",
        "deaths",
        "larger_or_above",
        "prev_accidents",
        "prev_deaths",
        "prev_larger_or_above",
        "accidents_change_pct",
        "deaths_change_pct",
        "double_decline",
    }
    assert all(contract <= set(row) for row in data["rows"])
    cap_keys = {"id", "region", "cap", "used", "used_pct", "elapsed_pct", "ahead"}
    assert data["caps"] and all(cap_keys <= set(c) for c in data["caps"])
    assert data == json.loads(json.dumps(safeplan.monitor(city(make_plan), "2025-10").to_dict()))


def test_csv_has_a_bom_and_a_line_per_row(make_plan, run, tmp_path):
    out = tmp_path / "monitor.csv"
    run("monitor", "2025-10", "-c", str(city(make_plan)), "-f", "csv", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # a file for Excel
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:2] == ["地区", "分组"] and "1—10月起数" in rows[0]
    assert len(rows) == 1 + 4 * 3
    assert rows[1][:2] == ["示例市", "全部"]


def test_xlsx_markdown_and_table(make_plan, run, tmp_path):
    config = city(make_plan)
    out = tmp_path / "monitor.xlsx"
    assert run("monitor", "2025-10", "-c", str(config), "-f", "xlsx", "-o", str(out)).exit_code == 1
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames == ["事故情况", "控制指标进度", "较大及以上事故"]
    sheet = book["事故情况"]
    assert sheet["A1"].value == "地区" and sheet.max_row >= 13
    markdown = run("monitor", "2025-10", "-c", str(config), "-f", "markdown").stdout
    assert "| 地区 | 分组 |" in markdown and "1—10月，全市" in markdown
    table = run("monitor", "2025-10", "-c", str(config)).stdout
    assert (
        table.splitlines()[0]
        == "示例市安全生产治本攻坚三年行动 — 1—10月生产安全事故情况（统计截至2025-10-31）"
    )
    assert "⚠ 超时间进度" in table


def test_caps_from_a_control_figure_table(make_plan, tmp_path):
    config = city(make_plan, cap=12)
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "controls:\n  - {file: data/附表2025.csv, year: 2025}\n", "utf-8")
    (tmp_path / "data" / "附表2025.csv").write_text(
        "地区,生产安全事故死亡人数控制指标,较大及以上事故起数\n东山县,2,1\n西湖县,,\n合计,10,\n",
        encoding="utf-8-sig",
    )
    caps = {(c["id"], c["region"]): c for c in safeplan.monitor(config, "2025-06").caps}
    # The table's total row replaces the plan's 12; 东山县 gets the table's 2; 西湖县's cell
    # is blank, so its own regions: figure (4) stands. big's figure of 1 for 东山县 is a cap
    # on a class count, followed like the others.
    assert (caps["deaths_cap", None]["cap"], caps["deaths_cap", None]["source"]) == (10, "controls")
    assert (caps["deaths_cap", "东山县"]["cap"], caps["deaths_cap", "东山县"]["used"]) == (2, 0)
    assert caps["deaths_cap", "西湖县"]["source"] == "regions"
    big = caps["big", "东山县"]
    assert (big["cap"], big["used"], big["ahead"]) == (1, 0, False)
    assert ("big", None) not in caps  # the plan's max: 0 is no cap to use up


@pytest.mark.parametrize(
    ("through", "today", "warned"),
    [
        ("2023-06", None, ["上年同期（2022年）"]),  # the ledger's first year
        ("2025-06", None, []),
        ("2026-06", "2027-01-10", ["本期（2026年）"]),  # no record in 2026 yet; 2025 covered
        ("2027-06", "2028-01-10", ["本期（2027年）", "上年同期（2026年）"]),  # after its end
    ],
)
def test_a_period_outside_the_ledger_is_counted_as_none_with_a_warning(
    make_plan, run, monkeypatch, through, today, warned
):
    """Records are counted inside each period, so a period the ledger does not reach has
    none — and the reader is warned on stderr that this may mean missing data."""
    if today:
        monkeypatch.setenv("SAFEPLAN_TODAY", today)
    config = city(make_plan)
    report = safeplan.monitor(config, through)
    assert [note.split("不在")[0] for note in report.notes] == warned
    assert "notes" not in report.to_dict()
    result = run("monitor", through, "-c", str(config), "-f", "json")
    assert result.stderr.count("警告：") == len(warned)
    assert json.loads(result.stdout)["through"].startswith(through)


@pytest.mark.parametrize(
    ("through", "today", "absent"),
    [
        ("2022-06", None, "不含 2022 年："),  # before the ledger's first record (2023)
        ("2023-02", None, None),  # the ledger's first year: not refused
    ],
)
def test_a_period_the_ledger_does_not_reach_is_refused(
    make_plan, run, monkeypatch, through, today, absent
):
    """ "No accidents" must never stand for "no data": as check refuses a year absent from
    the data, monitor refuses a period before the ledger begins (exit 2, naming the years
    the ledger covers)."""
    if today:
        monkeypatch.setenv("SAFEPLAN_TODAY", today)
    config = city(make_plan)
    if absent is None:
        assert run("monitor", through, "-c", str(config)).exit_code in (0, 1)
        return
    with pytest.raises(DataError, match="无法统计到"):
        safeplan.monitor(config, through)
    result = run("monitor", through, "-c", str(config))
    assert result.exit_code == 2
    assert absent in result.stderr and "的记录覆盖 2023—" in result.stderr
    assert "用 through: 写明统计截止日期" in result.stderr
    assert result.stdout == ""


def test_a_deaths_cap_is_counted_in_persons_an_accidents_cap_in_accidents(make_plan, run):
    """The 通报 counts a cap on deaths in 人 and a cap on accidents in 起, whatever the
    indicator is called, when the plan gives no unit."""
    text = (
        "plan: {name: 示例县, region: 示例县, baseline_year: 2023, target_year: 2026}\n"
        "datasets: {acc: {records: r.csv}}\n"
        "indicators:\n"
        "  - {id: cap, name: 年度控制数, value: acc.deaths, target: {max: 10}}\n"
    )
    rows = [["2024-03-01", 2], ["2025-03-01", 3]]
    config = make_plan(text, {"r.csv": (["日期", "死亡人数"], rows)})
    out = run("monitor", "2025-06", "-c", str(config), "-f", "text").stdout
    assert "年度控制数年度控制指标10人，已发生3人" in out
    accidents = text.replace("acc.deaths", "acc.accidents")
    config = make_plan(accidents, {"r.csv": (["日期", "死亡人数"], rows)})
    out = run("monitor", "2025-06", "-c", str(config), "-f", "text").stdout
    assert "年度控制数年度控制指标10起，已发生1起" in out


# --- survivors of the full mutation run (2026-12-01) ---

COUNTY = (
    "plan: {{name: 示例县, region: 示例县, baseline_year: 2023, target_year: 2026}}\n"
    "datasets: {{acc: {{records: r.csv{through}}}}}\n"
    "indicators:\n"
    "  - {{id: cap, name: 年度控制数, value: acc.deaths, target: {{max: 10}}}}\n"
)
LOSS_HEADER = ["日期", "地区", "死亡人数", "直接经济损失"]


def county(make_plan, rows, through: str = "") -> Path:
    text = COUNTY.format(through=f", through: {through}" if through else "")
    return make_plan(text, {"r.csv": (LOSS_HEADER, rows)})


def test_a_ledger_declared_complete_past_its_last_record_covers_that_year(make_plan):
    """through: 2025-03-31 says the ledger is complete into 2025: a period in 2025 lies
    inside the ledger's years even without a record there yet, so no warning is given."""
    config = county(make_plan, [["2024-03-01", "甲", 1, "1"]], through="2025-03-31")
    report = safeplan.monitor(config, "2025-03")
    assert report.notes == []
    assert rows_of(report)[None, None]["deaths"] == 0


def test_a_refusal_names_the_ledger_file(make_plan, run):
    """A period before the ledger's first record is refused naming the ledger's file."""
    config = county(make_plan, [["2024-03-01", "甲", 1, "1"]])
    with pytest.raises(DataError, match=r"事故台账 \S*r\.csv 的记录覆盖 2024—2024年"):
        safeplan.monitor(config, "2023-03")


@pytest.mark.parametrize(
    ("losses", "total"),
    [
        # A millionth of a millionth from whole millionths (0): read as 0 millionths.
        (["0.000000000001"], 0),
        # Half as far again is not a whole number of millionths: summed as floats.
        (["0.0000000000015"], 1.5e-12),
        # Past 2^53 millionths the millionths' float sum would lose the last digit: the
        # losses are summed as floats, here the float nearest the exact sum (…454535).
        (["451590.000653", "10682811808.453882"], 10683263398.454535),
        # 2^52 + 1 and 2^52 millionths: their float sum rounds to 2^53 exactly, which is
        # not below 2^53, so floats again — …740993, not the …740992 of 2^53 millionths.
        (["4503599627.370497", "4503599627.370496"], 9007199254.740993),
    ],
)
def test_direct_loss_is_whole_millionths_only_within_their_tolerance_and_range(
    make_plan, losses, total
):
    """Losses within 1e-6 (relative) of whole millionths, totalling below 2^53 of them,
    are summed exactly as millionths; any other ledger's losses are summed as floats."""
    rows = [[f"2025-0{3 + i}-01", "甲", 1, loss] for i, loss in enumerate(losses)]
    whole = rows_of(safeplan.monitor(county(make_plan, rows), "2025-06"))[None, None]
    assert whole["direct_loss"] == total
