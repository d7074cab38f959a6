"""Statuses and outlooks that mutation testing showed unguarded: ``min`` against ``max``,
``yoy_decline`` from the right year, exact ties that floats get wrong, the target year
itself, regional outlooks, the whole plan against one region (see docs/testing.md).

Float-unsafe numbers used below: 21 ÷ 0.7 is 30.000000000000004 and 33 ÷ 1.1 is
29.999999999999996 in floats (both exactly 30); 3 ÷ (0.1 + 0.2) is 9.999999999999998
(exactly 10).
"""

from __future__ import annotations

import pytest

import safeplan

HEAD = """\
plan: {name: 测试规划, region: 测试市, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
"""
RATE = ["年份", "地区", "死亡人数", "地区生产总值"]


def by_key(report):
    """Results (or outlooks) keyed by (id, region) — (id, region, year) for gap rows."""
    return {(r.id, r.region): r for r in report}


def check(make_plan, indicators, rows, year, header=RATE, region=None):
    config = make_plan(HEAD + indicators, {"a.csv": (header, rows)})
    return by_key(safeplan.check(config, year, region=region).results)


RATE_LINE = (
    "  - {{id: r, name: 亿元GDP死亡率, numerator: a.死亡人数, denominator: a.地区生产总值,"
    " target: {target}}}\n"
)


# --- min is not max ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rectified", "status"),
    [((10, 9, 10), "met"), ((9, 8, 9), "missed")],
)
def test_min_is_met_at_or_above_its_threshold_for_the_whole_plan_and_each_region(
    make_plan, rectified, status
):
    """min: value ≥ X. A whole plan of 29 of 30 (96.7 %) meets min 95, 26 of 30 misses it;
    a region on 90 misses, one on 100 meets: a max would judge each the other way."""
    line = (
        "  - {id: z, name: 隐患整改率, numerator: a.整改, denominator: a.发现, per: 100,"
        " target: {min: 95}}\n"
    )
    rows = [
        [2024, region, done, 10]
        for region, done in zip(["东县", "西县", "南县"], rectified, strict=True)
    ]
    got = check(make_plan, line, rows, 2024, header=["年份", "地区", "整改", "发现"])
    whole = got[("z", None)]
    assert whole.status == status
    assert whole.threshold == 95
    assert {region: got[("z", region)].status for region in ("东县", "西县", "南县")} == {
        "东县": "met" if rectified[0] == 10 else "missed",
        "西县": "missed",
        "南县": "met" if rectified[2] == 10 else "missed",
    }


def test_min_on_a_float_unsafe_tie_is_met(make_plan):
    """33 ÷ 1.1 is exactly 30, on min 30: met (floats say 29.999999999999996 and miss)."""
    got = check(make_plan, RATE_LINE.format(target="{min: 30}"), [[2024, "东县", 33, "1.1"]], 2024)
    assert got[("r", "东县")].status == "met" and got[("r", "东县")].gap == 0
    assert got[("r", None)].status == "met" and got[("r", None)].value == 30


def test_max_on_a_float_unsafe_tie_is_met(make_plan):
    """21 ÷ 0.7 is exactly 30, on max 30 ("以内" includes the bound): met for the region and
    the whole plan, although floats say 30.000000000000004."""
    got = check(make_plan, RATE_LINE.format(target="{max: 30}"), [[2024, "东县", 21, "0.7"]], 2024)
    assert (got[("r", "东县")].status, got[("r", "东县")].value, got[("r", "东县")].gap) == (
        "met",
        30,
        0,
    )
    assert got[("r", None)].status == "met"


# --- yoy_decline: last year's value, exactly -----------------------------------------------


def test_yoy_decline_compares_with_the_year_before_exactly(make_plan):
    """yoy_decline: value < the value of year − 1. 2023 is 21 ÷ 0.7 = 30 exactly, 2024 is 30:
    no decline (floats would see 30 < 30.000000000000004); 2022's 40 is not the threshold."""
    rows = [
        [2022, "东县", 40, "1"],
        [2023, "东县", 21, "0.7"],
        [2024, "东县", 30, "1"],
        [2025, "东县", 29, "1"],
    ]
    line = RATE_LINE.format(target="{yoy_decline: true}")
    for year, threshold, status in [(2024, 30, "missed"), (2025, 30, "met"), (2023, 40, "met")]:
        got = check(make_plan, line, rows, year)
        for region in ("东县", None):
            r = got[("r", region)]
            assert (r.threshold, r.status) == (threshold, status), (year, region)


def test_yoy_decline_zero_after_zero_is_met_and_a_rise_from_zero_is_missed(make_plan):
    """0 cannot decline further: 0 after 0 is met; 1 after 0 is missed."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {yoy_decline: true}}\n"
    rows = [[2023, "东县", 0], [2024, "东县", 0], [2025, "东县", 1]]
    header = ["年份", "地区", "死亡人数"]
    assert check(make_plan, line, rows, 2024, header=header)[("d", "东县")].status == "met"
    assert check(make_plan, line, rows, 2025, header=header)[("d", "东县")].status == "missed"


# --- decline_pct: exact glide path, the target year itself --------------------------------

DECLINE_ROWS = [
    # 2020: Σ 3 ÷ Σ (0.1 + 0.2) = 10 exactly for the whole plan (float 9.999999999999998);
    # 东县 1 ÷ 0.1 = 10, 西县 2 ÷ 0.2 = 10.
    [2020, "东县", 1, "0.1"],
    [2020, "西县", 2, "0.2"],
    # 2024: Σ 23 ÷ Σ 2.5 = 9.2 = 10 × (1 − 10 % × 4/5): on the glide path.
    [2024, "东县", 23, "1.0"],
    [2024, "西县", 0, "1.5"],
    # 2025, the target year: Σ 27 ÷ Σ 3 = 9 = 10 × (1 − 10 %).
    [2025, "东县", 9, "1"],
    [2025, "西县", 18, "2"],
]


@pytest.mark.parametrize(("year", "threshold"), [(2024, 9.2), (2025, 9)])
def test_decline_pct_tie_that_floats_get_wrong_is_met(make_plan, year, threshold):
    """decline_pct 10 from a baseline of 3 ÷ (0.1 + 0.2) = 10: the whole plan on its glide
    path (9.2 in 2024, 9 in the target year 2025) is met with a gap of exactly 0."""
    got = check(make_plan, RATE_LINE.format(target="{decline_pct: 10}"), DECLINE_ROWS, year)
    whole = got[("r", None)]
    assert (whole.value, whole.threshold, whole.gap, whole.status) == (
        threshold,
        threshold,
        0,
        "met",
    )


def test_regional_decline_pct_from_a_float_unsafe_baseline(make_plan):
    """A region's baseline of 33 ÷ 1.1 = 30 and a 10 % decline: 27 in the target year is
    exactly on the threshold, met (floats put the threshold at 26.999999999999996)."""
    rows = [
        [2020, "东县", 33, "1.1"],
        [2025, "东县", 27, "1"],
        [2020, "西县", 5, "1"],
        [2025, "西县", 5, "1"],
    ]
    got = check(make_plan, RATE_LINE.format(target="{decline_pct: 10}"), rows, 2025)
    r = got[("r", "东县")]
    assert (r.value, r.threshold, r.gap, r.status) == (27, 27, 0, "met")
    assert got[("r", "西县")].status == "missed"


def test_the_target_year_itself_and_after_use_the_full_decline(make_plan):
    """f = (y − baseline) ÷ (target − baseline) clipped to [0, 1]: in 2025 and 2026 the
    threshold is B × (1 − P/100) = 90; in 2020 it is B."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[y, "东县", v] for y, v in [(2020, 100), (2025, 90), (2026, 91)]]
    header = ["年份", "地区", "死亡人数"]
    expected = {2020: (100, "met"), 2025: (90, "met"), 2026: (90, "missed")}
    for year, (threshold, status) in expected.items():
        for region in ("东县", None):
            r = check(make_plan, line, rows, year, header=header)[("d", region)]
            assert (r.threshold, r.status) == (threshold, status), (year, region)


# --- gap: outlooks of regions, and data in the target year -------------------------------


def gap(make_plan, indicators, rows, header, region=None):
    config = make_plan(HEAD + indicators, {"a.csv": (header, rows)})
    return safeplan.gap(config, region=region)


def test_regional_outlook_of_decline_pct(make_plan):
    """Each region's outlook: its own final threshold B × (1 − P/100), the straight-line
    projection, on_track and the yearly change that reaches the threshold."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2020, "东县", 100], [2020, "西县", 50], [2023, "东县", 95], [2023, "西县", 44]]
    report = gap(make_plan, line, rows, ["年份", "地区", "死亡人数"])
    out = by_key(report.outlook)
    east, west, whole = out[("d", "东县")], out[("d", "西县")], out[("d", None)]
    assert (
        east.final_threshold == 90 and west.final_threshold == 45 and whole.final_threshold == 135
    )
    # 95 − 5 × 2/3 = 91.67 > 90; 44 − 6 × 2/3 = 40 ≤ 45; 139 − 11 × 2/3 = 131.67 ≤ 135.
    assert east.projected_value == pytest.approx(275 / 3)
    assert west.projected_value == 40
    assert whole.projected_value == pytest.approx(395 / 3)
    assert (east.on_track, west.on_track, whole.on_track) == (False, True, True)
    assert east.required_annual_change_pct == pytest.approx(((90 / 95) ** 0.5 - 1) * 100)
    assert west.required_annual_change_pct == pytest.approx(((45 / 44) ** 0.5 - 1) * 100)
    assert whole.required_annual_change_pct == pytest.approx(((135 / 139) ** 0.5 - 1) * 100)
    assert (east.latest_year, east.latest_value, east.baseline_value) == (2023, 95, 100)
    assert east.change_pct == pytest.approx(-5)
    assert whole.change_pct == pytest.approx((139 - 150) / 150 * 100)


def test_regional_outlook_of_min(make_plan):
    """min 90 on a rate: a region rising from 70 to 85 is projected to 95 (on track, +2.9 %
    a year needed); one falling from 90 to 80 to 73.3 (off track, +6.1 % a year needed)."""
    line = (
        "  - {id: z, name: 隐患整改率, numerator: a.整改, denominator: a.发现, per: 100,"
        " target: {min: 90}}\n"
    )
    rows = [
        [2020, "东县", 7, 10],
        [2020, "西县", 9, 10],
        [2023, "东县", 17, 20],
        [2023, "西县", 8, 10],
    ]
    out = by_key(gap(make_plan, line, rows, ["年份", "地区", "整改", "发现"]).outlook)
    east, west = out[("z", "东县")], out[("z", "西县")]
    assert (east.final_threshold, west.final_threshold) == (90, 90)
    assert east.projected_value == pytest.approx(95)
    assert west.projected_value == pytest.approx(220 / 3)
    assert (east.on_track, west.on_track) == (True, False)
    assert east.required_annual_change_pct == pytest.approx(((90 / 85) ** 0.5 - 1) * 100)
    assert west.required_annual_change_pct == pytest.approx(((90 / 80) ** 0.5 - 1) * 100)
    # The whole plan: 16 of 20 (80 %) in 2020, 25 of 30 (83.3 %) in 2023 → 85.6 in 2025.
    whole = out[("z", None)]
    assert whole.projected_value == pytest.approx(250 / 3 + (250 / 3 - 80) * 2 / 3)
    assert whole.on_track is False


def test_outlook_with_data_in_the_target_year(make_plan):
    """终期: with 2025 data the latest year is the target year — the projection is the value
    itself, no yearly change is left to require, on_track is the final verdict."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2020, "东县", 100], [2020, "西县", 50], [2025, "东县", 90], [2025, "西县", 46]]
    report = gap(make_plan, line, rows, ["年份", "地区", "死亡人数"])
    out = by_key(report.outlook)
    for region, value, on_track in [("东县", 90, True), ("西县", 46, False), (None, 136, False)]:
        o = out[("d", region)]
        assert (o.latest_year, o.latest_value, o.projected_value) == (2025, value, value)
        assert o.on_track is on_track, region
        assert o.required_annual_change_pct is None
    rows_2025 = {(r.region, r.year): r for r in report.rows}
    assert rows_2025[("东县", 2025)].threshold == 90 and rows_2025[("东县", 2025)].status == "met"
    assert rows_2025[(None, 2025)].threshold == 135 and rows_2025[(None, 2025)].status == "missed"
    assert report.ok is False


def test_outlook_decline_pct_float_unsafe_tie_is_on_track(make_plan):
    """The whole plan's value in the target year, 27 ÷ 3 = 9, is exactly its final threshold
    (baseline 3 ÷ (0.1 + 0.2) = 10, −10 %): on track, decided exactly."""
    rows = [r for r in DECLINE_ROWS if r[0] != 2024]
    out = by_key(gap(make_plan, RATE_LINE.format(target="{decline_pct: 10}"), rows, RATE).outlook)
    whole = out[("r", None)]
    assert (whole.final_threshold, whole.projected_value, whole.on_track) == (9, 9, True)


# --- the whole plan against one region ------------------------------------------------------


def test_the_whole_plan_is_not_one_of_its_regions(make_plan, run):
    """--region with the plan's own label gives the whole plan (Σ ÷ Σ, never one region nor
    an average of rates); --region 东县 gives that region only; exit codes follow."""
    rows = [[2024, "东县", 1, "100"], [2024, "西县", 3, "100"]]
    line = RATE_LINE.format(target="{max: 0.02}")
    whole = check(make_plan, line, rows, 2024, region="测试市")
    assert list(whole) == [("r", None)]
    assert (whole[("r", None)].value, whole[("r", None)].status) == (0.02, "met")
    east = check(make_plan, line, rows, 2024, region="东县")
    assert list(east) == [("r", "东县")] and east[("r", "东县")].status == "met"
    west = check(make_plan, line, rows, 2024, region="西县")
    assert west[("r", "西县")].status == "missed"
    config = make_plan(HEAD + line, {"a.csv": (RATE, rows)})
    assert run("check", "2024", "-c", str(config), "--region", "测试市").exit_code == 0
    assert run("check", "2024", "-c", str(config), "--region", "东县").exit_code == 0
    assert run("check", "2024", "-c", str(config), "--region", "西县").exit_code == 1
    assert run("check", "2024", "-c", str(config)).exit_code == 1
    outlook = safeplan.gap(config, region="西县").outlook
    assert [(o.region, o.final_threshold, o.latest_value) for o in outlook] == [
        ("西县", 0.02, 0.03)
    ]


# --- monitor: a ledger without regions, in 元, every figure of the JSON --------------------

MONITOR_PLAN = """\
plan: {name: 无地区台账, baseline_year: 2023, target_year: 2026}
datasets:
  acc:
    records: r.csv
    sectors: {industrial: [工商贸, 建筑业], road: [道路交通]}
indicators:
  - {id: big, name: 较大及以上事故起数, value: acc.larger_or_above, target: {max: 0}}
  - {id: deaths_cap, name: 死亡人数控制指标, value: acc.deaths, target: {max: 20}}
  - {id: road_cap, name: 道路交通死亡人数控制指标, value: acc.road_deaths, target: {max: 3}}
"""
#: No region column; losses in 元. 1 January and 31 March are inside the periods, 1 April
#: outside; 2025-02-14 is 较大 by its deaths, 2025-03-31 by its loss (10 000 000 元 =
#: 1 000 万元), 2024-03-31 by its serious injuries (with the loss not recorded).
MONITOR_LEDGER = (
    ["日期", "行业", "死亡人数", "重伤人数", "直接经济损失（元）"],
    [
        ["2024-01-01", "工商贸", 1, 0, "15000"],
        ["2024-03-31", "道路交通", 0, 12, ""],
        ["2024-04-01", "工商贸", 2, 0, "1234567"],
        ["2025-01-01", "工商贸", 1, 0, "10000"],
        ["2025-02-14", "道路交通", 3, 0, "1"],
        ["2025-03-31", "建筑业", 0, 0, "10000000"],
        ["2025-04-01", "工商贸", 5, 0, "0"],
    ],
)


def test_monitor_of_a_ledger_without_regions_matches_a_hand_count(make_plan):
    """1 January – 31 March 2025 against 2024 (both ends counted): 3 accidents, 4 deaths,
    2 较大 against 2, 1, 1; losses in 元 summed exactly in 万元 (1001.0001); caps: 4 of 20
    deaths (not ahead of 90 days of 365), 3 of 3 road deaths (ahead). Every figure of the
    JSON was counted by hand (tests/golden/monitor_without_regions.json)."""
    config = make_plan(MONITOR_PLAN, {"r.csv": MONITOR_LEDGER})
    got = safeplan.monitor(config, "2025-03-31").to_dict()
    expected = golden_json("monitor_without_regions.json", got)
    assert got == expected
    whole = got["rows"][0]
    assert (whole["accidents"], whole["deaths"], whole["larger_or_above"]) == (3, 4, 2)
    assert (whole["prev_accidents"], whole["prev_deaths"], whole["prev_larger_or_above"]) == (
        2,
        1,
        1,
    )
    assert whole["direct_loss"] == 1001.0001 and whole["prev_direct_loss"] == 1.5
    assert [(c["id"], c["used"], c["remaining"], c["ahead"]) for c in got["caps"]] == [
        ("deaths_cap", 4, 16, False),
        ("road_cap", 3, 0, True),
    ]
    assert [(a["date"], a["line"], a["direct_loss"]) for a in got["larger_or_above_accidents"]] == [
        ("2025-02-14", 6, "0.0001"),
        ("2025-03-31", 7, "1000"),
    ]
    # Caps are said in 人 for deaths (a group's deaths too) and in 起 for accidents.
    units = safeplan.monitor(config, "2025-03-31").units
    assert units == {"big": "起", "deaths_cap": "人", "road_cap": "人"}


def golden_json(name, got):
    """The expected JSON in tests/golden (rewritten with SAFEPLAN_UPDATE_GOLDEN=1)."""
    import json
    import os
    from pathlib import Path

    path = Path(__file__).parent / "golden" / name
    text = json.dumps(got, ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("SAFEPLAN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    # As text too: 1001 and 1001.0 are equal in Python, not in the JSON a script reads.
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"
    return json.loads(path.read_text(encoding="utf-8"))


def test_same_day_larger_accidents_are_listed_in_ledger_order(make_plan):
    """较大 accidents of one day are listed in the order of the ledger, however many."""
    rows = [["2025-02-14", "工商贸", 3, 0, str(i)] for i in range(40)]
    config = make_plan(MONITOR_PLAN, {"r.csv": (MONITOR_LEDGER[0], [*MONITOR_LEDGER[1], *rows])})
    listed = safeplan.monitor(config, "2025-03-31").to_dict()["larger_or_above_accidents"]
    assert [a["line"] for a in listed if a["date"] == "2025-02-14"] == [6, *range(9, 49)]


@pytest.mark.parametrize(
    ("through", "today", "says", "hint"),
    [
        (
            "2025-05",
            "2025-05-20",
            "统计截止日期 2025-05-31 晚于今天（2025-05-20）",
            "写已经过去的日期，如本月月底之前的日期或上个月：safeplan monitor YYYY-MM",
        ),
        (
            "2025-04",
            "2031-01-15",
            "事故台账 acc 只统计到 2025-03-31（through:），不能统计到 2025-04-30",
            "写 2025-03-31 或更早的日期，或在台账补齐后更新 through:",
        ),
    ],
)
def test_what_monitor_refuses_says_why_and_how_to_fix_it(
    make_plan, run, monkeypatch, through, today, says, hint
):
    """A THROUGH after today, or after the ledger's through:, is exit 2 with the reason
    and the fix."""
    text = MONITOR_PLAN.replace("records: r.csv", "records: r.csv\n    through: 2025-03-31")
    rows = [r for r in MONITOR_LEDGER[1] if r[0] <= "2025-03-31"]
    config = make_plan(text, {"r.csv": (MONITOR_LEDGER[0], rows)})
    monkeypatch.setenv("SAFEPLAN_TODAY", today)
    result = run("monitor", through, "-c", str(config))
    assert result.exit_code == 2
    assert says in result.stderr and f"提示：{hint}" in result.stderr


def test_monitor_needs_a_ledger_with_dates(make_plan, run):
    """No records dataset, an unknown --dataset, a ledger with years only: exit 2, saying
    what is missing and what to write."""
    yearly = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: 死亡, value: a.deaths, target: {max: 0}}\n",
        {"a.csv": (["year", "deaths"], [[2024, 0]])},
    )
    result = run("monitor", "2024-10", "-c", str(yearly))
    assert result.exit_code == 2
    assert "indicators.yaml: 没有以事故台账（records:）给出的数据集\n" in result.stderr
    assert "提示：在 datasets: 中声明  accidents: {records: data/事故台账.csv}" in result.stderr
    config = make_plan(MONITOR_PLAN, {"r.csv": MONITOR_LEDGER})
    result = run("monitor", "2025-03", "-c", str(config), "--dataset", "nope")
    assert result.exit_code == 2
    assert "没有名为 'nope' 的事故台账数据集（台账数据集：acc）" in result.stderr
    assert "提示：--dataset 写 datasets: 中以 records: 给出的数据集名" in result.stderr
    years_only = make_plan(
        MONITOR_PLAN,
        {"r.csv": (["年份", "行业", "死亡人数"], [[2024, "工商贸", 1], [2025, "工商贸", 0]])},
    )
    result = run("monitor", "2025-03", "-c", str(years_only))
    assert result.exit_code == 2
    assert "只有年份、没有日期列：无法按日期统计年内情况" in result.stderr
    assert "提示：给每起事故填写日期（日期列，YYYY-MM-DD）" in result.stderr


@pytest.mark.parametrize(
    ("through", "previous"),
    [
        ("2025-02-10", "2024-02-10"),
        ("2025-03-29", "2024-03-29"),
        ("2024-02-29", "2023-02-28"),
        ("2025-02", "2024-02-28"),
    ],
)
def test_the_comparison_period_ends_on_the_same_date_a_year_earlier(make_plan, through, previous):
    """同比: 1 January to the same date a year earlier; only 29 February becomes the 28th."""
    config = make_plan(MONITOR_PLAN, {"r.csv": MONITOR_LEDGER})
    got = safeplan.monitor(config, through).to_dict()
    assert got["previous"] == {"from": f"{previous[:4]}-01-01", "to": previous}


def test_check_and_gap_json_have_their_documented_keys(make_plan, run):
    """check --format json: schema_version 1, plan, year, ok, results; gap: schema_version 1,
    plan, rows, outlook — scripts read these names."""
    config = make_plan(
        HEAD + RATE_LINE.format(target="{max: 30}"), {"a.csv": (RATE, [[2024, "东县", 21, "0.7"]])}
    )
    checked = safeplan.check(config, 2024).to_dict()
    assert list(checked) == ["schema_version", "plan", "year", "ok", "results"]
    assert (checked["schema_version"], checked["year"], checked["ok"]) == (1, 2024, True)
    assert checked["plan"] == {
        "name": "测试规划",
        "region": "测试市",
        "baseline_year": 2020,
        "target_year": 2025,
    }
    assert [r["region"] for r in checked["results"]] == [None, "东县"]
    gapped = safeplan.gap(config).to_dict()
    assert list(gapped) == ["schema_version", "plan", "rows", "outlook"]
    assert gapped["schema_version"] == 1 and gapped["plan"] == checked["plan"]
    import json

    shown = json.loads(run("check", "2024", "-c", str(config), "-f", "json").stdout)
    assert shown["schema_version"] == 1 and shown["ok"] is True


def test_a_period_target_counts_the_year_evaluated_for_each_region(make_plan):
    """cumulative: the sum from the year after the baseline through the year evaluated — the
    year itself included, for each region as for the whole plan."""
    line = (
        "  - {id: big, name: 较大及以上事故起数, value: a.较大事故起数,"
        " target: {max: 0, cumulative: true}}\n"
    )
    rows = [[2020, "东县", 3], [2020, "西县", 0], [2021, "东县", 0], [2021, "西县", 0]]
    rows += [[2022, "东县", 0], [2022, "西县", 1]]
    header = ["年份", "地区", "较大事故起数"]
    for year, east, west in [(2021, (0, "met"), (0, "met")), (2022, (0, "met"), (1, "missed"))]:
        got = check(make_plan, line, rows, year, header=header)
        assert (got[("big", "东县")].value, got[("big", "东县")].status) == east
        assert (got[("big", "西县")].value, got[("big", "西县")].status) == west
        assert got[("big", None)].value == west[0]


# --- the yearly change required, for regions (computed for all regions at once) ----------


def test_required_annual_change_for_each_region_and_when_there_is_none(make_plan):
    """((F ÷ v_L)^(1 ÷ (T − L)) − 1) × 100, for each region, with one year left (2024 of
    2025); none where v_L = 0 (no rate of change from 0) or the final threshold is 0."""
    line = (
        "  - {id: r, name: 亿元GDP死亡率, numerator: a.死亡人数, denominator: a.地区生产总值,"
        " target: {max: 0.5}}\n"
        "  - {id: z, name: 重特大事故起数, value: a.死亡人数, target: {max: 0}}\n"
    )
    rows = [
        [2020, "东县", 2, "2"],
        [2020, "西县", 1, "1"],
        [2020, "南县", 3, "2"],
        [2024, "东县", 1, "1"],  # 1.0 → 0.5: −50 % in the one year left
        [2024, "西县", 0, "1"],  # 0: no rate of change
        [2024, "南县", 1, "4"],  # 0.25 → 0.5: +100 %
    ]
    out = by_key(gap(make_plan, line, rows, RATE).outlook)
    assert out[("r", "东县")].required_annual_change_pct == pytest.approx(-50)
    assert out[("r", "南县")].required_annual_change_pct == pytest.approx(100)
    assert out[("r", "西县")].required_annual_change_pct is None
    assert out[("r", "西县")].on_track is True  # 1 → 0, projected to 0 ≤ 0.5
    whole = out[("r", None)]  # 2 ÷ 6 = 1/3 → 0.5: +50 %
    assert whole.required_annual_change_pct == pytest.approx(50)
    # max: 0 (杜绝): a final threshold of 0 has no yearly change that reaches it.
    for region in ("东县", "南县", None):
        assert out[("z", region)].final_threshold == 0
        assert out[("z", region)].required_annual_change_pct is None
    assert out[("z", "东县")].on_track is False  # 2 → 1 projects to 0.75 deaths, not 0


def test_a_required_change_beyond_the_float_range_is_null(make_plan):
    """A latest value of 10⁻³⁰⁰ against a threshold of 10³⁰⁰: the pace (10⁶⁰⁰ a year) is no
    number — null, never an error."""
    line = RATE_LINE.format(target="{max: 1e300}")
    rows = [[2020, "东县", 1, "1"], [2023, "东县", 1, "1e300"]]
    out = by_key(gap(make_plan, line, rows, RATE).outlook)
    assert out[("r", None)].required_annual_change_pct is None
    assert out[("r", None)].on_track is True


def test_decline_threshold_of_a_region_before_the_baseline_is_the_baseline_value(make_plan):
    """f is clipped to [0, 1]: before the baseline year a region's threshold is B itself."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2019, "东县", 101], [2020, "东县", 100], [2021, "东县", 98]]
    header = ["年份", "地区", "死亡人数"]
    for year, threshold, status in [(2019, 100, "missed"), (2020, 100, "met"), (2021, 98, "met")]:
        r = check(make_plan, line, rows, year, header=header)[("d", "东县")]
        assert (r.threshold, r.status) == (threshold, status), year


def test_monitor_of_a_bare_ledger_beside_other_indicators(make_plan):
    """A ledger of dates and deaths only (no region, sector or loss column) in a leap year,
    beside a rate and a yearly table whose column is also called deaths: only the ledger's
    caps are followed (the larger_or_above cap counts 较大 and above, 重大 included), the
    whole plan is the only row, 1 January and THROUGH count, 91 of 366 days have passed."""
    text = """\
plan: {name: 台账, baseline_year: 2023, target_year: 2026}
datasets: {acc: {records: r.csv}, a: a.csv}
indicators:
  - {id: rate, name: 死亡率, numerator: acc.deaths, denominator: a.人口, target: {max: 5}}
  - {id: other, name: 其他死亡人数, value: a.deaths, target: {max: 1}}
  - {id: big, name: 较大及以上事故起数, value: acc.larger_or_above, target: {max: 4}}
  - {id: major, name: 重特大事故起数, value: acc.major_or_above, target: {max: 1}}
"""
    ledger = [
        ["2023-03-31", 10],  # 重大, a year earlier
        ["2024-01-01", 3],  # 较大 on the first day
        ["2024-02-29", 10],  # 重大 on the leap day
        ["2024-03-31", 1],
        ["2024-04-01", 30],
    ]
    yearly = (["年份", "地区", "人口", "deaths"], [[2024, "东县", 100, 9], [2024, "西县", 100, 9]])
    config = make_plan(text, {"r.csv": (["日期", "死亡人数"], ledger), "a.csv": yearly})
    report = safeplan.monitor(config, "2024-03-31")
    got = report.to_dict()
    assert [(r["region"], r["group"]) for r in got["rows"]] == [(None, None)]
    row = got["rows"][0]
    assert (row["accidents"], row["deaths"], row["larger_or_above"], row["major_or_above"]) == (
        3,
        14,
        2,
        1,
    )
    assert (row["prev_accidents"], row["prev_major_or_above"], row["direct_loss"]) == (1, 1, 0)
    assert [(c["id"], c["used"], c["cap"], c["ahead"]) for c in got["caps"]] == [
        ("big", 2, 4, True),  # 50 % used, 24.9 % of the year gone
        ("major", 1, 1, True),
    ]
    assert got["elapsed_pct"] == 91 * 100 / 366
    assert [
        (a["date"], a["class"], a["sector"], a["region"]) for a in got["larger_or_above_accidents"]
    ] == [
        ("2024-01-01", "larger", None, None),
        ("2024-02-29", "major", None, None),
    ]
    assert report.file.endswith("r.csv") and report.dataset == "acc"
    assert report.groups == [] and report.regions == []
    assert report.units == {"rate": None, "other": "人", "big": "起", "major": "起"}


def test_monitor_sums_losses_of_more_than_six_decimals_as_written(make_plan):
    """Losses are summed exactly as millionths of 万元 when they have at most six decimals
    (0.1 + 0.2 = 0.3); one with seven decimals is summed as written (0.1234567), never
    rounded to millionths."""
    text = MONITOR_PLAN
    six = [["2025-01-05", "工商贸", 0, 0, "1000"], ["2025-01-06", "工商贸", 0, 0, "2000"]]
    rows = {
        r["group"]: r
        for r in safeplan.monitor(
            make_plan(text, {"r.csv": (MONITOR_LEDGER[0], six)}), "2025-03"
        ).to_dict()["rows"]
    }
    assert rows[None]["direct_loss"] == 0.3  # 1000 元 + 2000 元 = 0.3 万元
    header = ["日期", "行业", "死亡人数", "重伤人数", "直接经济损失"]
    seven = [["2025-01-05", "工商贸", 0, 0, "0.1234567"], ["2025-01-06", "工商贸", 0, 0, "1"]]
    got = safeplan.monitor(make_plan(text, {"r.csv": (header, seven)}), "2025-03").to_dict()
    assert got["rows"][0]["direct_loss"] == 1.1234567
    assert got["rows"][0]["prev_direct_loss"] == 0


@pytest.mark.parametrize(
    ("ledger", "through", "covered"),
    [
        (
            [["2023-05-01", "工商贸", 1, 0, "1"]],
            "2022-12",
            "的记录覆盖 2023—2023年，不含 2022 年：无法统计到 2022-12-31",
        ),
        ([["合计", "", 0, 0, "0"]], "2024-03", "没有记录：无法统计到 2024-03-31"),  # a total
    ],
)
def test_monitor_refuses_a_period_the_ledger_does_not_reach(
    make_plan, run, ledger, through, covered
):
    """A period before the ledger's first record, or a ledger without records, would
    report "no accidents" for no data: exit 2, saying which years the ledger covers (a
    total row is no record)."""
    config = make_plan(MONITOR_PLAN, {"r.csv": (MONITOR_LEDGER[0], ledger)})
    result = run("monitor", through, "-c", str(config))
    assert result.exit_code == 2
    assert covered in result.stderr
    assert (
        "提示：选择台账覆盖的年份；台账已完整但本年尚无事故时，用 through: 写明统计截止日期"
        in result.stderr
    )


def test_a_declared_through_date_extends_what_the_ledger_covers(make_plan):
    """Records up to 2024 and through: 2025-12-31 (complete, no accident since): 2025 and
    2026's comparison with 2025 are reported as zeros without a warning; a ledger of a
    total row only, with a through: date, still has no record and is refused."""
    text = MONITOR_PLAN.replace("records: r.csv", "records: r.csv\n    through: 2025-12-31")
    rows = [["2024-05-01", "工商贸", 1, 0, "1"]]
    config = make_plan(text, {"r.csv": (MONITOR_LEDGER[0], rows)})
    report = safeplan.monitor(config, "2025-06")
    whole = report.to_dict()["rows"][0]
    assert (whole["accidents"], whole["prev_accidents"], whole["double_decline"]) == (0, 1, True)
    assert report.notes == []
    empty = make_plan(text, {"r.csv": (MONITOR_LEDGER[0], [["合计", "", 0, 0, "0"]])})
    from safeplan.errors import DataError

    with pytest.raises(DataError, match="没有记录"):
        safeplan.monitor(empty, "2025-06")


def test_outlooks_decided_exactly_for_regions_without_data_or_without_a_target(make_plan):
    """A region without any value has an outlook of nulls; a count cap of the whole plan
    (max 40) binds no region, whose outlook has no threshold; a region on its glide path's
    end (100 → 94 projects to exactly 90) is on track against its own baseline."""
    line = (
        "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
        "  - {id: cap, name: 死亡人数控制指标, value: a.死亡人数, target: {max: 40}}\n"
    )
    rows = [
        [2020, "东县", 100],
        [2020, "西县", 50],
        [2020, "南县", ""],
        [2023, "东县", 94],
        [2023, "西县", 45],
        [2023, "南县", ""],
    ]
    out = by_key(gap(make_plan, line, rows, ["年份", "地区", "死亡人数"]).outlook)
    south = out[("d", "南县")]
    assert (south.id, south.region, south.latest_year, south.latest_value) == (
        "d",
        "南县",
        None,
        None,
    )
    assert (south.final_threshold, south.projected_value, south.on_track) == (None, None, None)
    east = out[("d", "东县")]
    assert (east.final_threshold, east.projected_value, east.on_track) == (90, 90, True)
    assert out[("d", "西县")].final_threshold == 45
    for region in ("东县", "西县", "南县"):
        capped = out[("cap", region)]
        assert (capped.final_threshold, capped.on_track, capped.required_annual_change_pct) == (
            None,
            None,
            None,
        )
    assert out[("cap", "南县")].latest_value is None


def test_outlook_of_a_period_target_and_of_a_cap_without_baseline_data(make_plan):
    """cumulative: the latest value is the sum since the baseline (1 + 1 + 0 = 2 by 2023),
    projected from 0 in the baseline year to 3.3 by 2025 — off track for max 3; a max whose
    baseline year has no data still has its final threshold."""
    line = (
        "  - {id: big, name: 较大事故起数, value: a.较大事故起数, target: {max: 3, cumulative: true}}\n"
        "  - {id: cap, name: 死亡率, numerator: a.较大事故起数, denominator: a.人口, target: {max: 5}}\n"
    )
    rows = [[2021, 1, 1], [2022, 1, 1], [2023, 0, 1]]
    out = by_key(gap(make_plan, line, rows, ["年份", "较大事故起数", "人口"]).outlook)
    big = out[("big", None)]
    assert (big.latest_year, big.latest_value, big.final_threshold) == (2023, 2, 3)
    assert big.projected_value == pytest.approx(10 / 3) and big.on_track is False
    cap = out[("cap", None)]
    assert (cap.final_threshold, cap.latest_value, cap.projected_value) == (5, 0, None)


def test_regional_outlooks_of_a_period_sum_start_from_nothing(make_plan):
    """A cumulative cap of each region's own (max 10 over the plan): 东县's sum is 2 + 3 = 5
    by 2022, projected from 0 in 2020 to 12.5 by 2025 (off track); 西县's 1 + 1 = 2 to 5
    (on track). A period sum shows no baseline value."""
    line = (
        "  - {id: s, name: 期内死亡人数, value: a.死亡人数, target: {max: 20, cumulative: true},"
        " regions: {东县: {max: 10, cumulative: true}, 西县: {max: 10, cumulative: true}}}\n"
    )
    rows = [[2020, "东县", 9], [2020, "西县", 9], [2021, "东县", 2], [2021, "西县", 1]]
    rows += [[2022, "东县", 3], [2022, "西县", 1]]
    out = by_key(gap(make_plan, line, rows, DEATHS_HEADER).outlook)
    east, west = out[("s", "东县")], out[("s", "西县")]
    assert (east.latest_value, east.projected_value, east.on_track) == (5, 12.5, False)
    assert (west.latest_value, west.projected_value, west.on_track) == (2, 5, True)
    assert (east.baseline_value, west.baseline_value) == (None, None)
    assert out[("s", None)].change_pct is None and east.change_pct is None


def test_outlook_of_a_decline_without_baseline_data(make_plan):
    """decline_pct 10 but nothing reported for 2020: no baseline, so no final threshold,
    projection or verdict for the whole plan — only its latest value."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2022, "东县", 5], [2023, "东县", 4]]
    out = by_key(gap(make_plan, line, rows, DEATHS_HEADER).outlook)
    whole = out[("d", None)]
    assert (whole.latest_year, whole.latest_value) == (2023, 4)
    assert (whole.final_threshold, whole.projected_value, whole.on_track) == (None, None, None)


@pytest.mark.parametrize("through", ["2025-13", "10月", "2025-02-30", "2025/10"])
def test_a_through_date_that_is_no_date_says_how_to_write_it(make_plan, run, through):
    """THROUGH is YYYY-MM or YYYY-MM-DD: anything else is a usage error (exit 2) with both
    forms shown."""
    config = make_plan(MONITOR_PLAN, {"r.csv": MONITOR_LEDGER})
    result = run("monitor", through, "-c", str(config))
    assert result.exit_code == 2
    assert f"'{through}' 不是统计截止日期：写成 YYYY-MM（到该月月底）或 YYYY-MM-DD" in result.stderr
    assert "提示：例如 safeplan monitor 2025-10 或 safeplan monitor 2025-10-15" in result.stderr


def test_a_required_change_to_a_vanishing_threshold_is_null_for_regions_as_for_the_plan(
    make_plan,
):
    """F ÷ v_L below the smallest float (10⁻³⁰⁰ against 10³⁰): no pace, for a region as for
    the whole plan — never −100 % for one and null for the other."""
    line = "  - {id: m, name: 金额, value: a.金额, target: {max: 1e-300}}\n"
    rows = [[2020, "东县", "1e30"], [2023, "东县", "1e30"]]
    out = by_key(gap(make_plan, line, rows, ["年份", "地区", "金额"]).outlook)
    assert out[("m", None)].required_annual_change_pct is None
    assert out[("m", "东县")].required_annual_change_pct is None


# --- gap: which years, how big, which figures -----------------------------------------------

DEATHS_LINE = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
DEATHS_HEADER = ["年份", "地区", "死亡人数"]


def test_gap_rows_run_from_the_baseline_to_the_latest_year_with_data(make_plan):
    """Rows for 2020 through 2023, the latest year with data — not through the last complete
    year (2030 today), and not before the baseline."""
    rows = [[2019, "东县", 9], [2020, "东县", 10], [2023, "东县", 9]]
    report = gap(make_plan, DEATHS_LINE, rows, DEATHS_HEADER)
    assert sorted({r.year for r in report.rows}) == [2020, 2021, 2022, 2023]


def test_gap_as_of_a_year_before_the_baseline_is_refused(make_plan, run):
    """--as-of before the baseline year: usage error (exit 2) naming both years and the
    years that can be asked for; --as-of the baseline year itself is a table of one year."""
    config = make_plan(
        HEAD + DEATHS_LINE, {"a.csv": (DEATHS_HEADER, [[2020, "东县", 10], [2023, "东县", 9]])}
    )
    result = run("gap", "-c", str(config), "--as-of", "2019")
    assert result.exit_code == 2
    assert "--as-of 2019 早于规划的基期年 2020" in result.stderr
    assert "提示：写 2020 到 2030 之间的年份" in result.stderr
    report = safeplan.gap(config, as_of=2020)
    assert sorted({r.year for r in report.rows}) == [2020]
    assert sorted({r.year for r in safeplan.gap(config, as_of=2030).rows}) == [
        2020,
        2021,
        2022,
        2023,
    ]


def test_gap_before_any_complete_year_since_the_baseline(make_plan, run):
    """A plan whose baseline year (2031) is not over yet: exit 2, pointing to monitor. A
    plan whose baseline year (2030) is over but has no data yet: a table of that year."""
    future = HEAD.replace(
        "baseline_year: 2020, target_year: 2025", "baseline_year: 2031, target_year: 2035"
    )
    config = make_plan(future + DEATHS_LINE, {"a.csv": (DEATHS_HEADER, [[2029, "东县", 10]])})
    result = run("gap", "-c", str(config))
    assert result.exit_code == 2
    assert "基期年 2031 以来还没有完整的年份（今天是 2031-01-15，2031年尚未结束）" in result.stderr
    assert "提示：年内进度请用 safeplan monitor" in result.stderr
    now = HEAD.replace(
        "baseline_year: 2020, target_year: 2025", "baseline_year: 2030, target_year: 2035"
    )
    config = make_plan(now + DEATHS_LINE, {"a.csv": (DEATHS_HEADER, [[2029, "东县", 10]])})
    report = safeplan.gap(config)
    assert [(r.region, r.year, r.status) for r in report.rows] == [
        (None, 2030, "no_data"),
        ("东县", 2030, "no_data"),
    ]


def test_gap_of_a_ledger_without_any_record(make_plan, run):
    """A ledger of a total row only has no year at all: exit 2, saying so."""
    config = make_plan(
        YEARS_PLAN,
        {"r.csv": (["日期", "地区", "死亡人数"], [["合计", "", 0]])},
    )
    result = run("gap", "-c", str(config))
    assert result.exit_code == 2
    assert "数据没有任何数据行" in result.stderr and "提示：补充各年的统计数据" in result.stderr


YEARS_PLAN = """\
plan: {name: 台账, baseline_year: 2020, target_year: 2025}
datasets: {acc: {records: r.csv}}
indicators:
  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 10}}
"""


def test_gap_rows_take_a_control_tables_figures(make_plan):
    """A control-figure table's cap for 东县 in 2023 binds that row of the gap table (and
    check alike); other years and regions keep their own targets."""
    text = HEAD + (
        "  - {id: cap, name: 死亡人数控制指标, value: a.死亡人数, target: {max: 40}}\n"
        "controls:\n  - {file: c.csv, year: 2023}\n"
    )
    rows = [[2020, "东县", 10], [2022, "东县", 9], [2023, "东县", 9], [2023, "西县", 5]]
    config = make_plan(
        text,
        {"a.csv": (DEATHS_HEADER, rows), "c.csv": (["地区", "死亡人数控制指标"], [["东县", 8]])},
    )
    by = {(r.region, r.year): r for r in safeplan.gap(config).rows}
    assert (by[("东县", 2023)].threshold, by[("东县", 2023)].status) == (8, "missed")
    assert by[("东县", 2022)].status == "no_target" and by[("西县", 2023)].status == "no_target"
    assert by[(None, 2023)].threshold == 40
    checked = {r.region: r for r in safeplan.check(config, 2023).results}
    assert (checked["东县"].threshold, checked["东县"].status) == (8, "missed")


def test_a_gap_table_too_large_for_memory_is_refused_before_it_is_computed(make_plan, run):
    """100 indicators × 1001 regions (the whole plan too) × 131 years is 13 113 100 results,
    past the 12 000 000 a CI runner holds: exit 2 saying so, with --region as the way out."""
    text = HEAD.replace(
        "baseline_year: 2020, target_year: 2025", "baseline_year: 1900, target_year: 2035"
    )
    text += "".join(
        f"  - {{id: d{i}, name: 死亡人数{i}, value: a.死亡人数, target: {{max: 0}}}}\n"
        for i in range(100)
    )
    rows = [[2030, f"镇{i}", 1] for i in range(1000)]
    config = make_plan(text, {"a.csv": (DEATHS_HEADER, rows)})
    result = run("gap", "-c", str(config))
    assert result.exit_code == 2
    assert (
        "目标差距表需要 13,113,100 个结果（100 个指标 × 1001 个地区（含全域） × 131 年），"
        "超过上限 12,000,000 个（约需 5 GB 内存）"
    ) in result.stderr
    assert "提示：用 --region 只算一个地区，或把计划拆成几个较小的计划" in result.stderr


def test_monitor_sums_losses_in_wan_yuan_of_a_few_decimals_exactly(make_plan):
    """8.2 + 0.57 + 0.29 万元 is 9.06 万元, not the float sum 9.059999999999999 (8.2 is no
    whole number of millionths in floats: 8199999.999999999): losses of at most six
    decimals are summed exactly; 0.5 in the same period a year before."""
    header = ["日期", "行业", "死亡人数", "重伤人数", "直接经济损失"]
    rows = [
        ["2024-01-05", "工商贸", 0, 0, "0.5"],
        ["2025-01-05", "工商贸", 0, 0, "8.2"],
        ["2025-02-06", "建筑业", 0, 0, "0.57"],
        ["2025-02-07", "工商贸", 0, 0, "0.29"],
    ]
    config = make_plan(MONITOR_PLAN, {"r.csv": (header, rows)})
    got = safeplan.monitor(config, "2025-02").to_dict()["rows"][0]
    assert (got["direct_loss"], got["prev_direct_loss"]) == (9.06, 0.5)


@pytest.mark.parametrize(
    ("year", "east", "west"),
    [
        # 18 × (1 − 10 % × 1/5) = 17.64: 20 is 2.36 above; 50 × 0.98 = 49: 40 is 9 below.
        (2021, (17.64, 2.36, "missed"), (49, -9, "met")),
        # 18 × (1 − 10 % × 4/5) = 16.56: 16 is 0.56 below; 50 × 0.92 = 46: 47 is 1 above.
        (2024, (16.56, -0.56, "met"), (46, 1, "missed")),
    ],
)
def test_a_regions_gap_to_its_glide_path_is_value_minus_threshold(make_plan, year, east, west):
    """decline_pct 10 over 2020–2025 for each region: the threshold glides linearly from
    the region's own baseline, and the gap is value − threshold to the last digit a user
    reads (2.36, not 2.3599999999999994)."""
    rows = [
        [2020, "东县", 18, 1],
        [2020, "西县", 50, 1],
        [2021, "东县", 20, 1],
        [2021, "西县", 40, 1],
        [2024, "东县", 16, 1],
        [2024, "西县", 47, 1],
    ]
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    got = check(make_plan, line, rows, year)
    for region, (threshold, gap, status) in (("东县", east), ("西县", west)):
        r = got[("d", region)]
        assert (r.threshold, r.gap, r.status) == (threshold, gap, status), region


def test_monitor_of_a_ledger_with_regions_and_a_total_row(make_plan):
    """A ledger with a 合计 row under its records (合计 in the region column): the row is no
    accident and no region; each region counts its own records (东县 2 accidents and 3
    deaths, 西县 1 and 1) and the whole plan all of them."""
    text = MONITOR_PLAN.replace("records: r.csv", "records: r.csv\n    columns: {region: 地区}")
    header = ["日期", "地区", "行业", "死亡人数", "重伤人数", "直接经济损失"]
    rows = [
        ["2025-01-05", "东县", "工商贸", 1, 0, "1"],
        ["2025-02-06", "西县", "建筑业", 1, 0, "2"],
        ["2025-02-07", "东县", "道路交通", 2, 0, "3"],
        ["", "合计", "", 4, 0, "6"],
    ]
    config = make_plan(text, {"r.csv": (header, rows)})
    assert safeplan.validate(config).findings == []
    got = {
        (r["region"], r["group"]): (r["accidents"], r["deaths"], r["direct_loss"])
        for r in safeplan.monitor(config, "2025-02").to_dict()["rows"]
    }
    assert got[(None, None)] == (3, 4, 6)
    assert got[("东县", None)] == (2, 3, 4)
    assert got[("西县", None)] == (1, 1, 2)
    assert got[("东县", "road")] == (1, 2, 3)


def test_outlooks_carry_the_target_that_binds_each_of_them(make_plan):
    """Every outlook, the whole plan's (decided exactly) and each region's, names the
    target it is projected against (decline_pct 10 from the baseline, as in the plan) and
    the status of its latest year."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2020, "东县", 100], [2020, "西县", 50], [2023, "东县", 95], [2023, "西县", 44]]
    out = by_key(gap(make_plan, line, rows, ["年份", "地区", "死亡人数"]).outlook)
    for region in (None, "东县", "西县"):
        assert out[("d", region)].target == {"kind": "decline_pct", "value": 10}, region
    # The latest year's status, on its glide path (2023: 100 × 0.94 = 94, 50 × 0.94 = 47).
    statuses = {r: out[("d", r)].latest_status for r in (None, "东县", "西县")}
    assert statuses == {None: "met", "东县": "missed", "西县": "met"}


def test_a_region_with_data_in_the_baseline_year_only_has_no_projection(make_plan):
    """西县 reported 2020 (the baseline) and nothing since: no line to project, so no
    projection and no verdict, but its threshold and the yearly change it needs (50 → 45
    over the 5 years left: (0.9^(1/5) − 1) × 100 %)."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2020, "东县", 100], [2020, "西县", 50], [2023, "东县", 95]]
    out = by_key(gap(make_plan, line, rows, ["年份", "地区", "死亡人数"]).outlook)
    west = out[("d", "西县")]
    assert (west.latest_year, west.latest_value, west.final_threshold) == (2020, 50, 45)
    assert (west.projected_value, west.on_track) == (None, None)
    assert west.required_annual_change_pct == pytest.approx((0.9 ** (1 / 5) - 1) * 100)
    assert out[("d", "东县")].on_track is False


def test_one_year_left_the_required_change_is_the_plain_change(make_plan):
    """Latest data in 2024, one year before the target, decline_pct 10: each region needs
    exactly the change to its threshold — 东县 from 10 to 9 is −10 %, not a compounded
    1-year rate that floats put at −9.999999999999998; 西县 from 32 to 36 is +12.5 %."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2020, "东县", 10], [2020, "西县", 40], [2024, "东县", 10], [2024, "西县", 32]]
    out = by_key(gap(make_plan, line, rows, ["年份", "地区", "死亡人数"]).outlook)
    east, west = out[("d", "东县")], out[("d", "西县")]
    assert (east.final_threshold, east.required_annual_change_pct) == (9, -10)
    assert (west.final_threshold, west.required_annual_change_pct) == (36, 12.5)


@pytest.mark.parametrize(
    ("towns", "count", "size"), [(1099, "13,750,000", 6), (1097, "13,725,000", 5)]
)
def test_the_memory_a_refused_gap_table_needs_is_rounded_to_whole_gigabytes(
    make_plan, run, towns, count, size
):
    """100 indicators × 1100 regions (the whole plan too) × 125 years is 13 750 000
    results of 400 bytes: 5.5 GB, said as 6 GB (5.5 rounds half to even); with 1098
    regions, 13 725 000 results are 5.49 GB, said as 5 GB."""
    text = HEAD.replace(
        "baseline_year: 2020, target_year: 2025", "baseline_year: 1906, target_year: 2035"
    )
    text += "".join(
        f"  - {{id: d{i}, name: 死亡人数{i}, value: a.死亡人数, target: {{max: 0}}}}\n"
        for i in range(100)
    )
    rows = [[2030, f"镇{i}", 1] for i in range(towns)]
    config = make_plan(text, {"a.csv": (DEATHS_HEADER, rows)})
    result = run("gap", "-c", str(config))
    assert result.exit_code == 2
    assert (
        f"目标差距表需要 {count} 个结果（100 个指标 × {towns + 1} 个地区（含全域） × 125 年），"
        f"超过上限 12,000,000 个（约需 {size} GB 内存）"
    ) in result.stderr


def test_check_of_a_year_without_data_names_the_years_there_are(make_plan, run):
    """check --year 2019 of data for 2020–2024: exit 2, naming the first and the last year
    with data, and what to do."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}\n"
    rows = [[2020, "东县", 1], [2022, "东县", 1], [2024, "东县", 1]]
    config = make_plan(HEAD + line, {"a.csv": (DEATHS_HEADER, rows)})
    result = run("check", "2019", "-c", str(config))
    assert result.exit_code == 2
    assert "数据中没有 2019 年（有数据的年份：2020—2024年）" in result.stderr
    assert "提示：选择统计数据覆盖的年份" in result.stderr


@pytest.mark.parametrize(("year", "command"), [(2031, "2031-01-15"), (2032, "YYYY-MM-DD")])
def test_check_of_a_year_not_over_points_to_monitor(make_plan, run, year, command):
    """Today is 2031-01-15: 2031 is not over, and 2032 has not begun. check refuses both
    (exit 2); the hint gives the monitor command — through today for this year, a date to
    fill in for a later one — and the last complete year, 2030."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}\n"
    rows = [[2030, "东县", 1], [year, "东县", 1]]
    config = make_plan(HEAD + line, {"a.csv": (DEATHS_HEADER, rows)})
    result = run("check", str(year), "-c", str(config))
    assert result.exit_code == 2
    assert f"{year}年的数据不完整" in result.stderr
    assert "不完整的年份不能与全年目标比较，年内情况请用 safeplan monitor" in result.stderr
    assert f"safeplan monitor {command}；全年考核请检查 2030年或更早的年份" in result.stderr


def test_a_regions_yoy_decline_is_against_its_own_last_year_exactly(make_plan):
    """东县's rate is 21 ÷ 0.7 = 30 in 2023 and 33 ÷ 1.1 = 30 in 2024 (floats: 30.000000000000004
    and 29.999999999999996): no decline, so missed, with last year's 30 as its threshold —
    its own, not the whole plan's (121 ÷ 1.7 with 西县's 100 deaths)."""
    rows = [
        [2023, "东县", 21, "0.7"],
        [2023, "西县", 100, 1],
        [2024, "东县", 33, "1.1"],
        [2024, "西县", 50, 1],
    ]
    got = check(make_plan, RATE_LINE.format(target="{yoy_decline: true}"), rows, 2024)
    east = got[("r", "东县")]
    assert (east.value, east.threshold, east.gap, east.status) == (30, 30, 0, "missed")
    assert got[("r", "西县")].status == "met"


def test_reports_describe_each_indicator_as_the_plan_sets_it(make_plan):
    """What a report says of each indicator besides its results: its name, the plan-wide
    target (yoy_decline's value is true), the baseline year and published baseline value
    its target gives (or the plan's), whether it sums a period, and each region's own
    target."""
    lines = (
        "  - {id: y, name: 死亡人数同比, value: a.死亡人数, target: {yoy_decline: true}}\n"
        "  - {id: p, name: 死亡人数下降, value: a.死亡人数,"
        " target: {decline_pct: 10, baseline_year: 2021, baseline_value: 40}}\n"
        "  - {id: s, name: 期内死亡人数, value: a.死亡人数, target: {max: 100, cumulative: true},"
        " regions: {东县: {max: 60}}}\n"
    )
    rows = [[2020, "东县", 10], [2021, "东县", 9], [2022, "东县", 8]]
    config = make_plan(HEAD + lines, {"a.csv": (DEATHS_HEADER, rows)})
    facts = safeplan.check(config, 2022).indicators
    y, p, s = facts["y"], facts["p"], facts["s"]
    assert (y["name"], y["target"], y["baseline_year"]) == (
        "死亡人数同比",
        {"kind": "yoy_decline", "value": True},
        2020,
    )
    assert (y["baseline_value"], y["cumulative"]) == (None, False)
    assert (p["baseline_year"], p["baseline_value"], p["cumulative"]) == (2021, 40, False)
    assert p["target"] == {
        "kind": "decline_pct",
        "value": 10,
        "baseline_year": 2021,
        "baseline_value": 40,
    }
    assert (s["cumulative"], s["target"]) == (
        True,
        {"kind": "max", "value": 100, "cumulative": True},
    )
    assert s["regions"] == {"东县": {"kind": "max", "value": 60}}
    results = {(r.id, r.region): r for r in safeplan.check(config, 2022).results}
    assert results[("y", "东县")].target == {"kind": "yoy_decline", "value": True}


def test_check_json_writes_whole_values_as_integers(make_plan, run):
    """1001 deaths, a threshold (and target) of 1000 and a gap of 1 are written 1001, 1000
    and 1 in the JSON, not 1001.0: a script reading it sees whole numbers."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 1000}}\n"
    config = make_plan(HEAD + line, {"a.csv": (DEATHS_HEADER, [[2024, "东县", 1001]])})
    result = run("check", "2024", "-c", str(config), "--format", "json")
    assert result.exit_code == 1
    assert '"value": 1001,' in result.stdout and '"threshold": 1000,' in result.stdout
    assert '"gap": 1,' in result.stdout and ".0," not in result.stdout
    assert '"target": {"kind": "max", "value": 1000}' in result.stdout


def test_the_whole_plans_change_from_its_baseline(make_plan):
    """The whole plan's value against its baseline (较基期变化): 100 deaths in 2020, 90 in
    2024 is −10 %; each region's own likewise (60 → 50, 40 → 40)."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 20}}\n"
    rows = [[2020, "东县", 60], [2020, "西县", 40], [2024, "东县", 50], [2024, "西县", 40]]
    got = check(make_plan, line, rows, 2024, header=DEATHS_HEADER)
    assert got[("d", None)].change_pct == -10
    assert got[("d", "东县")].change_pct == pytest.approx(-100 / 6)
    assert got[("d", "西县")].change_pct == 0


def test_a_rate_beyond_the_float_range_is_refused_naming_where(make_plan, run):
    """10 000 000 000 deaths over a denominator of 1e-300 makes 东县's rate 1e+310, past
    1.8e308: exit 2 naming the indicator, the region and the year, and the denominator to
    check."""
    rows = [[2024, "东县", 10_000_000_000, "1e-300"], [2024, "西县", 1, 1]]
    config = make_plan(HEAD + RATE_LINE.format(target="{max: 1}"), {"a.csv": (RATE, rows)})
    result = run("check", "2024", "-c", str(config))
    assert result.exit_code == 2
    assert (
        "指标 r（亿元GDP死亡率）2024 年（东县）的值超出可计算的范围（绝对值大于 1.8e308）"
        in result.stderr
    )
    assert (
        "提示：检查分母 a.地区生产总值 是否过小（单位是否有误），以及 per 是否过大" in result.stderr
    )


def test_a_region_there_is_none_of_is_refused_naming_those_there_are(make_plan, run):
    """check --region 北县: exit 2 listing the data's regions; for data without a region
    column, saying so."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}\n"
    rows = [[2024, "东县", 1], [2024, "西县", 1]]
    config = make_plan(HEAD + line, {"a.csv": (DEATHS_HEADER, rows)})
    result = run("check", "2024", "-c", str(config), "--region", "北县")
    assert result.exit_code == 2
    assert "数据中没有地区 '北县'（数据中的地区：东县、西县）" in result.stderr
    assert "提示：--region 写数据中的一个地区，或去掉 --region 查看全部" in result.stderr
    bare = make_plan(HEAD + line, {"a.csv": (["年份", "死亡人数"], [[2024, 1]])})
    result = run("check", "2024", "-c", str(bare), "--region", "北县")
    assert result.exit_code == 2
    assert "数据中没有地区 '北县'（数据中的地区：数据没有地区列）" in result.stderr


def test_a_year_a_ledger_is_not_complete_for_is_refused_naming_the_ledger(make_plan, run):
    """A ledger declared complete through 2024-06-30: check 2024 is refused (exit 2), the
    reason naming the ledger, its file and the date."""
    text = (
        "plan: {name: 台账, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {acc: {records: r.csv, through: 2024-06-30}}\n"
        "indicators:\n"
        "  - {id: d, name: 死亡人数, value: acc.deaths, target: {max: 10}}\n"
    )
    rows = [["2023-03-01", 1], ["2024-03-01", 1]]
    config = make_plan(text, {"r.csv": (["日期", "死亡人数"], rows)})
    result = run("check", "2024", "-c", str(config))
    assert result.exit_code == 2
    assert "2024年的数据不完整（事故台账 acc（" in result.stderr
    assert "r.csv）统计截止 2024-06-30）" in result.stderr


def test_reports_say_which_indicators_are_counts(make_plan):
    """Deaths are counts (whole numbers), in a yearly table or a ledger; a ledger's direct
    loss and a yearly 地区生产总值 are not."""
    text = (
        "plan: {name: 混合, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv, acc: {records: r.csv}}\n"
        "indicators:\n"
        "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}\n"
        "  - {id: g, name: 地区生产总值, value: a.地区生产总值, target: {min: 1}}\n"
        "  - {id: ld, name: 台账死亡人数, value: acc.deaths, target: {max: 10}}\n"
        "  - {id: ll, name: 直接经济损失, value: acc.direct_loss, target: {max: 10}}\n"
    )
    config = make_plan(
        text,
        {
            "a.csv": (["年份", "死亡人数", "地区生产总值"], [[2024, 1, "2.5"]]),
            "r.csv": (["日期", "死亡人数", "直接经济损失"], [["2024-03-01", 1, "1.5"]]),
        },
    )
    facts = safeplan.check(config, 2024).indicators
    assert {k: v["count"] for k, v in facts.items()} == {
        "d": True,
        "g": False,
        "ld": True,
        "ll": False,
    }


def test_without_safeplan_today_the_systems_date_decides_what_is_complete(make_plan, monkeypatch):
    """SAFEPLAN_TODAY unset: today is the system's date, so 2020 (long over) is a complete
    year that check evaluates."""
    monkeypatch.delenv("SAFEPLAN_TODAY")
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}\n"
    got = check(make_plan, line, [[2020, "东县", 3]], 2020, header=DEATHS_HEADER)
    assert (got[("d", None)].value, got[("d", None)].status) == (3, "met")


def test_monitor_of_a_ledger_with_a_single_region(make_plan):
    """Every record in 东县: the whole plan's row is 东县's, 2 accidents and 3 deaths."""
    text = MONITOR_PLAN.replace("records: r.csv", "records: r.csv\n    columns: {region: 地区}")
    header = ["日期", "地区", "行业", "死亡人数", "重伤人数", "直接经济损失"]
    rows = [
        ["2025-01-05", "东县", "工商贸", 1, 0, "1"],
        ["2025-02-07", "东县", "建筑业", 2, 0, "3"],
    ]
    config = make_plan(text, {"r.csv": (header, rows)})
    got = {
        (r["region"], r["group"]): (r["accidents"], r["deaths"])
        for r in safeplan.monitor(config, "2025-02").to_dict()["rows"]
    }
    assert got[(None, None)] == got[("东县", None)] == (2, 3)


def test_a_regions_count_on_a_float_unsafe_glide_path_is_decided_exactly(make_plan):
    """decline_pct 1.3 over 2022–2025 from 1 500: two years on, the threshold is
    1500 × (1 − 1.3 % × 2/3) = 1487 exactly (1486.9999999999998 in floats). 东县's 1 487
    deaths are on the path: met, with a gap of 0."""
    text = HEAD.replace("baseline_year: 2020", "baseline_year: 2022") + (
        "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 1.3}}\n"
    )
    rows = [[2022, "东县", 1500], [2022, "西县", 10], [2024, "东县", 1487], [2024, "西县", 20]]
    config = make_plan(text, {"a.csv": (DEATHS_HEADER, rows)})
    results = {r.region: r for r in safeplan.check(config, 2024).results}
    east = results["东县"]
    assert (east.value, east.threshold, east.gap, east.status) == (1487, 1487, 0, "met")
    assert results["西县"].status == "missed"


def test_a_region_down_to_zero_needs_no_yearly_change_figure(make_plan):
    """西县 had 0 deaths in 2023: no percentage change leads from 0 to its threshold, so its
    required yearly change is null (and no warning reaches the terminal); 东县's is
    computed."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2020, "东县", 100], [2020, "西县", 5], [2023, "东县", 95], [2023, "西县", 0]]
    out = by_key(gap(make_plan, line, rows, DEATHS_HEADER).outlook)
    assert out[("d", "西县")].required_annual_change_pct is None
    assert out[("d", "东县")].required_annual_change_pct == pytest.approx(
        ((90 / 95) ** 0.5 - 1) * 100
    )


def test_a_safeplan_today_that_is_no_date_says_how_to_write_it(make_plan, run, monkeypatch):
    """SAFEPLAN_TODAY=2025-13-01: exit 2 quoting the value, with a date to copy and the way
    back to the system's date."""
    monkeypatch.setenv("SAFEPLAN_TODAY", "2025-13-01")
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}\n"
    config = make_plan(HEAD + line, {"a.csv": (DEATHS_HEADER, [[2020, "东县", 3]])})
    result = run("check", "2020", "-c", str(config))
    assert result.exit_code == 2
    assert "环境变量 SAFEPLAN_TODAY='2025-13-01' 不是 YYYY-MM-DD 格式的日期" in result.stderr
    assert "提示：写成如 SAFEPLAN_TODAY=2025-11-05，或删去它（使用系统日期）" in result.stderr


# --- check/gap/results: survivors of the full run (2026-12-01) ----------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "2024"), "错误：数据中没有 2024 年（有数据的年份：无）\n"),
        (("gap",), "错误：数据没有任何数据行\n"),
    ],
    ids=["check", "gap"],
)
def test_data_without_any_year_is_refused_saying_there_is_none(make_plan, run, args, message):
    """A ledger of a total row only has no year: check says the years with data are 无
    (none), gap that the data has no rows at all, each in exactly those words (exit 2)."""
    config = make_plan(YEARS_PLAN, {"r.csv": (["日期", "地区", "死亡人数"], [["合计", "", 0]])})
    result = run(*args, "-c", str(config))
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(("limit", "refused"), [(6, False), (5, True)])
def test_a_gap_table_of_exactly_the_limit_is_computed(make_plan, monkeypatch, limit, refused):
    """The limit on results is inclusive: 1 indicator × 3 regions (the whole plan too) × 2
    years is 6 results, computed under a limit of 6 and refused under 5."""
    monkeypatch.setattr("safeplan.evaluate.gap.MAX_RESULTS", limit)
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}\n"
    rows = [[2020, "东县", 1], [2020, "西县", 2], [2021, "东县", 1], [2021, "西县", 2]]
    config = make_plan(HEAD + line, {"a.csv": (DEATHS_HEADER, rows)})
    if refused:
        with pytest.raises(safeplan.errors.DataError, match="目标差距表需要 6 个结果"):
            safeplan.gap(config)
    else:
        assert len(safeplan.gap(config).rows) == 6


def test_gap_for_the_plans_own_region_is_the_whole_plan(make_plan):
    """gap --region 测试市, the plan's own region (not a region of the data): the whole
    plan's rows and outlook only."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 10}}\n"
    rows = [[2020, "东县", 1], [2020, "西县", 2], [2021, "东县", 1], [2021, "西县", 2]]
    report = gap(make_plan, line, rows, DEATHS_HEADER, region="测试市")
    assert [(r.region, r.year, r.value) for r in report.rows] == [(None, 2020, 3), (None, 2021, 3)]
    assert [(o.region, o.latest_value) for o in report.outlook] == [(None, 3)]


def test_a_regions_period_sum_decided_exactly_is_its_own(make_plan):
    """东县's own cumulative max 0.3: its 0.1 + 0.2 is exactly 0.3 (floats say
    0.30000000000000004), decided exactly from 东县's own cells — met, value 0.3, gap 0 —
    not from the whole plan's (西县 adds 2)."""
    line = (
        "  - {id: l, name: 直接经济损失, value: a.直接经济损失,"
        " target: {max: 5, cumulative: true}, regions: {东县: {max: 0.3, cumulative: true}}}\n"
    )
    rows = [[2021, "东县", "0.1"], [2021, "西县", "1"], [2022, "东县", "0.2"], [2022, "西县", "1"]]
    got = check(make_plan, line, rows, 2022, header=["年份", "地区", "直接经济损失"])
    east = got[("l", "东县")]
    assert (east.value, east.threshold, east.gap, east.status) == (0.3, 0.3, 0, "met")
    assert (got[("l", None)].value, got[("l", None)].status) == (2.3, "met")


def test_the_whole_plans_outlook_of_a_period_sum_shows_no_baseline_value(make_plan):
    """A period sum starts from nothing: the whole plan's outlook (decided exactly) shows
    no baseline value (基期值) and no change against it, as each region's does; a plain cap
    shows the baseline year's value."""
    line = (
        "  - {id: s, name: 期内死亡人数, value: a.死亡人数, target: {max: 20, cumulative: true}}\n"
        "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 20}}\n"
    )
    rows = [[2020, "东县", 9], [2020, "西县", 9], [2021, "东县", 2], [2021, "西县", 1]]
    out = by_key(gap(make_plan, line, rows, DEATHS_HEADER).outlook)
    whole = out[("s", None)]
    assert (whole.latest_value, whole.baseline_value, whole.change_pct) == (3, None, None)
    assert (out[("d", None)].baseline_value, out[("d", None)].latest_value) == (18, 3)


def test_a_ledgers_accident_classes_are_counts(make_plan):
    """较大及以上事故起数 from a ledger is a count of accidents (its column name says no
    count, the ledger does), as its deaths are; its direct loss is not."""
    text = (
        "plan: {name: 台账, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {acc: {records: r.csv}}\n"
        "indicators:\n"
        "  - {id: big, name: 较大及以上事故起数, value: acc.larger_or_above, target: {max: 0}}\n"
        "  - {id: ld, name: 死亡人数, value: acc.deaths, target: {max: 10}}\n"
        "  - {id: ll, name: 直接经济损失, value: acc.direct_loss, target: {max: 10}}\n"
    )
    rows = [["2024-03-01", 1, "1.5"]]
    config = make_plan(text, {"r.csv": (["日期", "死亡人数", "直接经济损失"], rows)})
    facts = safeplan.check(config, 2024).indicators
    assert {k: v["count"] for k, v in facts.items()} == {"big": True, "ld": True, "ll": False}


def test_a_regions_direct_loss_projected_to_exactly_its_cap_is_on_track(make_plan):
    """Direct loss is no count: 东县's 0.3 in 2020 and 0.2 in 2021 project to exactly 0 in
    2023 (floats say 5.6e-17), on its cap of 0 — on track, decided exactly."""
    text = (
        "plan: {name: 台账, baseline_year: 2020, target_year: 2023}\n"
        "datasets: {acc: {records: r.csv, columns: {region: 地区}}}\n"
        "indicators:\n"
        "  - {id: l, name: 直接经济损失, value: acc.direct_loss, target: {max: 1},"
        " regions: {东县: {max: 0}}}\n"
    )
    rows = [
        ["2020-03-01", "东县", 0, "0.3"],
        ["2020-03-01", "西县", 0, "1"],
        ["2021-03-01", "东县", 0, "0.2"],
        ["2021-03-01", "西县", 0, "1"],
    ]
    config = make_plan(text, {"r.csv": (["日期", "地区", "死亡人数", "直接经济损失"], rows)})
    east = by_key(safeplan.gap(config).outlook)[("l", "东县")]
    assert (east.projected_value, east.final_threshold, east.on_track) == (0, 0, True)


@pytest.mark.parametrize(
    ("target", "years", "base", "latest", "projected"),
    [
        # 9 → 2 over 2020–2025: 2 + (2 − 9) ÷ 5 = 0.6 in 2026 (floats: 0.6000000000000001).
        ("{max: 0.6}", (2025, 2026), 9, 2, 0.6),
        # 1500 → 1493 over 2020–2022: 1489.5 in 2023 = 1500 × (1 − 0.7 %) (floats put the
        # threshold at 1489.4999999999998).
        ("{decline_pct: 0.7}", (2022, 2023), 1500, 1493, 1489.5),
        # A whole percentage, a fractional threshold: 6 → 3 over 2020–2025 projects to
        # 3 + (3 − 6) × 4 ÷ 5 = 0.6 in 2029 (floats: 0.6000000000000001) = 6 × (1 − 90 %).
        ("{decline_pct: 90}", (2025, 2029), 6, 3, 0.6),
    ],
    ids=["max", "decline_pct", "whole_decline_pct"],
)
def test_a_regions_count_projected_onto_a_fractional_threshold_is_on_track(
    make_plan, target, years, base, latest, projected
):
    """Counts are whole, a threshold that is not (a cap of 0.6, the end of a decline of
    0.7 % or of 90 %) is not exact in floats: 东县's projection exactly on it is on track,
    decided exactly."""
    latest_year, target_year = years
    text = HEAD.replace("target_year: 2025", f"target_year: {target_year}") + (
        f"  - {{id: d, name: 死亡人数, value: a.死亡人数, target: {{max: 99999}},"
        f" regions: {{东县: {target}}}}}\n"
    )
    rows = [[2020, "东县", base], [2020, "西县", 1], [latest_year, "东县", latest]]
    rows.append([latest_year, "西县", 1])
    config = make_plan(text, {"a.csv": (DEATHS_HEADER, rows)})
    east = by_key(safeplan.gap(config).outlook)[("d", "东县")]
    assert (east.projected_value, east.final_threshold, east.on_track) == (
        projected,
        projected,
        True,
    )


def control_loss_plan(make_plan, regions=""):
    """东县's direct loss, 0.3 in 2020 and 0.2 in 2021, under a city cap of 99 and a
    control figure of 0 handed down to it for the target year 2023 (``regions``: more keys
    of the indicator)."""
    text = HEAD.replace("target_year: 2025", "target_year: 2023") + (
        "  - {id: cap, name: 直接经济损失控制指标, value: a.直接经济损失, target: {max: 99}"
        f"{regions}}}\n"
        "controls:\n  - {file: c.csv, year: 2023}\n"
    )
    rows = [[2020, "东县", "0.3"], [2020, "西县", 1], [2021, "东县", "0.2"], [2021, "西县", 1]]
    return make_plan(
        text,
        {
            "a.csv": (["年份", "地区", "直接经济损失"], rows),
            "c.csv": (["地区", "直接经济损失控制指标"], [["东县", "0"]]),
        },
    )


def test_a_regions_outlook_decided_exactly_names_its_control_figure(make_plan):
    """东县's cap in the target year comes from the control-figure table (0): its loss
    projects to exactly 0 (floats say 5.6e-17), decided exactly — on track — and the
    outlook's target still says it comes from the table."""
    east = by_key(safeplan.gap(control_loss_plan(make_plan)).outlook)[("cap", "东县")]
    assert (east.projected_value, east.on_track) == (0, True)
    assert east.target == {"kind": "max", "value": 0, "source": "controls"}


def test_gap_for_one_county_names_the_control_figure_of_its_only_target(make_plan):
    """``gap --region 东县`` where the indicator has targets of its own for other counties
    (西县): the city's cap does not bind a county, so 东县's only target is the control
    figure — the first (and only) target of the report — and its outlook, decided exactly,
    still says the cap comes from the table."""
    config = control_loss_plan(make_plan, ", regions: {西县: {max: 5}}")
    (east,) = safeplan.gap(config, region="东县").outlook
    assert (east.region, east.projected_value, east.on_track) == ("东县", 0, True)
    assert east.target == {"kind": "max", "value": 0, "source": "controls"}


def test_check_json_writes_a_whole_value_beside_fractional_ones_as_an_integer(make_plan, run):
    """东县's 3 beside 西县's 0.5 (and the whole plan's 3.5) is written 3 in the JSON, not
    3.0."""
    line = (
        "  - {id: l, name: 直接经济损失, value: a.直接经济损失, target: {max: 10},"
        " regions: {东县: {max: 10}, 西县: {max: 10}}}\n"
    )
    rows = [[2024, "东县", "3"], [2024, "西县", "0.5"]]
    config = make_plan(HEAD + line, {"a.csv": (["年份", "地区", "直接经济损失"], rows)})
    result = run("check", "2024", "-c", str(config), "--format", "json")
    assert result.exit_code == 0
    assert '"region": "东县", "year": 2024, "value": 3,' in result.stdout
    assert '"value": 3.5,' in result.stdout and '"value": 0.5,' in result.stdout


@pytest.mark.parametrize("big", ["9223372036854775808", "10000000000000000000"])
def test_a_whole_value_beyond_64_bit_integers_is_shown_as_it_is(make_plan, big):
    """东县's 2^63 (or 10^19) is a whole number no 64-bit integer holds: shown as the float
    it is, never wrapped round to a negative number."""
    line = (
        "  - {id: l, name: 直接经济损失, value: a.直接经济损失, target: {max: 10},"
        " regions: {东县: {max: 10}, 西县: {max: 10}}}\n"
    )
    rows = [[2024, "东县", big], [2024, "西县", "0.5"]]
    got = check(make_plan, line, rows, 2024, header=["年份", "地区", "直接经济损失"])
    east = got[("l", "东县")]
    assert (east.value, east.status) == (float(big), "missed")
