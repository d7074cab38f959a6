"""Who a target binds, regions' own targets, no_target, the published baseline value,
period (cumulative) targets and the zero rule of yoy_decline — each checked by hand."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

import safeplan
from safeplan.errors import ConfigError

HEAD = """\
plan: {name: 示例市安全生产规划, region: 示例市, baseline_year: 2020, target_year: 2025}
datasets:
  acc: data/事故统计.csv
  gdp: data/gdp.csv
indicators:
"""

# 年份, 地区, 死亡人数, 事故起数, 较大事故起数 — as a county office exports it (UTF-8 with BOM).
ACC = (
    ["年份", "地区", "死亡人数", "事故起数", "较大及以上事故起数"],
    [
        [2020, "西湖县", 12, 20, 1],
        [2020, "东山县", 10, 15, 0],
        [2021, "西湖县", 11, 18, 0],
        [2021, "东山县", 9, 14, 0],
        [2022, "西湖县", 10, 16, 1],
        [2022, "东山县", 10, 14, 0],
        [2023, "西湖县", 9, 15, 0],
        [2023, "东山县", 8, 12, 0],
        [2024, "西湖县", 9, 13, 0],
        [2024, "东山县", 6, 12, 1],
    ],
    "utf-8-sig",
)
GDP = (
    ["年份", "地区", "地区生产总值"],
    [[y, r, g] for y in range(2020, 2025) for r, g in (("西湖县", "800"), ("东山县", "600"))],
)


def plan(make_plan, indicators: str, acc=ACC, gdp=GDP):
    return make_plan(HEAD + indicators, {"data/事故统计.csv": acc, "data/gdp.csv": gdp})


def by_key(report):
    return {(r.id, r.region): r for r in report.results}


# --------------------------------------------------------------------------- who binds


def test_a_count_cap_binds_the_whole_plan_only(make_plan, run):
    config = plan(
        make_plan,
        "  - {id: deaths_cap, name: 死亡人数控制指标, value: acc.死亡人数, target: {max: 15}}\n",
    )
    results = by_key(safeplan.check(config, 2024))
    whole = results[("deaths_cap", None)]
    assert (whole.value, whole.threshold, whole.gap, whole.status) == (15, 15, 0, "met")
    for county in ("西湖县", "东山县"):
        r = results[("deaths_cap", county)]
        # A county's 9 deaths are not judged against the city's 15.
        assert (r.status, r.threshold, r.gap, r.target) == ("no_target", None, None, None)
        assert r.value == {"西湖县": 9, "东山县": 6}[county]
    result = run("check", "2024", "-c", str(config), "-f", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["schema_version"] == 1
    statuses = {(r["region"], r["status"]) for r in data["results"]}
    assert statuses == {(None, "met"), ("西湖县", "no_target"), ("东山县", "no_target")}


def test_a_missed_whole_plan_cap_still_fails_check(make_plan, run):
    config = plan(
        make_plan,
        "  - {id: deaths_cap, name: 死亡人数控制指标, value: acc.死亡人数, target: {max: 14}}\n",
    )
    assert run("check", "2024", "-c", str(config)).exit_code == 1


@pytest.mark.parametrize(
    ("target", "binds"),
    [
        ("{max: 0}", True),  # 杜绝: every region
        ("{decline_pct: 10}", True),
        ("{yoy_decline: true}", True),
        ("{max: 3}", False),  # a control figure for the whole plan
        ("{min: 1}", False),
        ("{min: 0}", False),
    ],
)
def test_which_value_targets_bind_each_region(make_plan, target, binds):
    config = plan(
        make_plan,
        f"  - {{id: big, name: 较大及以上事故起数, value: acc.较大及以上事故起数, target: {target}}}\n",
    )
    results = by_key(safeplan.check(config, 2024))
    regional = {results[("big", r)].status for r in ("西湖县", "东山县")}
    assert (regional != {"no_target"}) is binds
    assert results[("big", None)].status != "no_target"


def test_a_rate_cap_binds_every_region(make_plan):
    config = plan(
        make_plan,
        "  - id: rate\n    name: 亿元GDP死亡率\n    numerator: acc.死亡人数\n"
        "    denominator: gdp.地区生产总值\n    target: {max: 0.0125}\n",
    )
    results = by_key(safeplan.check(config, 2024))
    # 西湖县 9 ÷ 800 = 0.01125 ≤ 0.0125; 东山县 6 ÷ 600 = 0.01; whole 15 ÷ 1400.
    assert results[("rate", "西湖县")].status == "met"
    assert results[("rate", "东山县")].threshold == 0.0125
    assert results[("rate", None)].value == float(Fraction(15, 1400))


# --------------------------------------------------------------------------- regions:


def test_regions_give_each_region_its_own_target_of_any_form(make_plan):
    config = plan(
        make_plan,
        """\
  - id: deaths_cap
    name: 死亡人数控制指标
    value: acc.死亡人数
    target: {max: 16}
    regions:
      西湖县: {max: 8}
      东山县: {decline_pct: 50}
""",
    )
    results = by_key(safeplan.check(config, 2024))
    west = results[("deaths_cap", "西湖县")]
    assert (west.threshold, west.gap, west.status) == (8, 1, "missed")
    assert west.target == {"kind": "max", "value": 8}
    east = results[("deaths_cap", "东山县")]
    # 10 × (1 − 50/100 × 4/5) = 6: 6 deaths is on the glide path.
    assert (east.threshold, east.status) == (6, "met")
    assert results[("deaths_cap", None)].threshold == 16


def test_a_region_target_replaces_one_that_binds_every_region(make_plan):
    config = plan(
        make_plan,
        "  - id: big\n    name: 较大及以上事故起数\n    value: acc.较大及以上事故起数\n"
        "    target: {max: 0}\n    regions: {东山县: {max: 1}}\n",
    )
    results = by_key(safeplan.check(config, 2024))
    assert results[("big", "东山县")].status == "met"  # 1 ≤ its own 1
    assert results[("big", "西湖县")].threshold == 0  # still the plan's 杜绝
    assert results[("big", None)].status == "missed"


def test_a_region_not_in_the_data_is_a_config_error_with_its_line(make_plan, run):
    config = plan(
        make_plan,
        "  - id: deaths_cap\n    name: 死亡人数控制指标\n    value: acc.死亡人数\n"
        "    target: {max: 16}\n    regions:\n      西湖县: {max: 8}\n      南湖县: {max: 3}\n",
    )
    with pytest.raises(ConfigError) as info:
        safeplan.check(config, 2024)
    assert "南湖县" in info.value.message
    assert "indicators.yaml:12" in info.value.message  # the line of 南湖县
    for command in (["validate"], ["check", "2024"], ["gap"]):
        result = run(*command, "-c", str(config))
        assert result.exit_code == 2
        assert "南湖县" in result.stderr


def test_regions_with_an_unknown_key_name_it(make_plan):
    with pytest.raises(ConfigError) as info:
        safeplan.load_plan(
            plan(
                make_plan,
                "  - id: d\n    name: 死亡\n    value: acc.死亡人数\n    target: {max: 16}\n"
                "    regions:\n      西湖县: {maxx: 8}\n",
            )
        )
    assert "maxx" in info.value.message and "indicators.yaml:11" in info.value.message


def test_gap_outlook_of_a_region_without_a_target(make_plan, run):
    config = plan(
        make_plan,
        "  - {id: deaths_cap, name: 死亡人数控制指标, value: acc.死亡人数, target: {max: 20}}\n",
    )
    report = safeplan.gap(config)
    outlook = {o.region: o for o in report.outlook}
    west = outlook["西湖县"]
    assert (west.final_threshold, west.on_track, west.required_annual_change_pct) == (
        None,
        None,
        None,
    )
    # 9 + (9 − 12) × (2025 − 2024) ÷ (2024 − 2020) = 8.25
    assert west.projected_value == 8.25
    whole = outlook[None]
    assert whole.final_threshold == 20 and whole.on_track is True
    assert report.ok and run("gap", "-c", str(config)).exit_code == 0
    rows = [r for r in report.rows if r.region == "东山县"]
    assert {r.status for r in rows} == {"no_target"}


# --------------------------------------------------------------------------- baseline_value


def test_baseline_value_is_used_when_the_data_start_later(make_plan):
    # The plan publishes 2020's 基期值 125; the data begin in 2021.
    acc = (["年份", "死亡人数"], [[2021, 130], [2022, 120], [2023, 118], [2024, 115]])
    text = (
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {acc: acc.csv}\n"
        "indicators:\n"
        "  - {id: d, name: 死亡人数, value: acc.死亡人数,"
        " target: {decline_pct: 10, baseline_value: 125}}\n"
    )
    config = make_plan(text, {"acc.csv": acc})
    r = by_key(safeplan.check(config, 2024))[("d", None)]
    # 125 × (1 − 10/100 × 4/5) = 115 exactly: met on the line.
    assert (r.threshold, r.status) == (115, "met")
    assert r.target == {"kind": "decline_pct", "value": 10, "baseline_value": 125}
    assert r.baseline_value == 125
    assert r.change_pct == float(Fraction(115 - 125, 125) * 100)
    outlook = safeplan.gap(config).outlook[0]
    # final 125 × 0.9 = 112.5; projected 115 + (115 − 125) × 1/4 = 112.5: on track.
    assert (outlook.final_threshold, outlook.projected_value) == (112.5, 112.5)
    assert outlook.on_track is True and outlook.baseline_value == 125


def test_baseline_value_only_goes_with_decline_pct(make_plan):
    config = plan(
        make_plan,
        "  - {id: d, name: 死亡, value: acc.死亡人数, target: {max: 5, baseline_value: 3}}\n",
    )
    with pytest.raises(ConfigError, match="baseline_value"):
        safeplan.load_plan(config)


# --------------------------------------------------------------------------- cumulative


def test_a_period_target_sums_the_years_after_the_baseline(make_plan):
    # 2024—2026年不发生较大及以上事故: a three-year action plan, baseline 2023.
    text = (
        "plan: {name: 三年行动, region: 示例市, baseline_year: 2023, target_year: 2026}\n"
        "datasets: {acc: acc.csv}\n"
        "indicators:\n"
        "  - {id: big, name: 较大及以上事故起数, value: acc.较大事故,"
        " target: {max: 1, cumulative: true}}\n"
    )
    acc = (
        ["年份", "地区", "较大事故"],
        [[2023, "甲", 3], [2024, "甲", 1], [2025, "甲", 1], [2026, "甲", 0]],
    )
    config = make_plan(text, {"acc.csv": acc})
    values = {r.year: (r.value, r.status) for r in safeplan.gap(config).rows if r.region is None}
    # 2023 is the baseline: nothing summed yet; 2024: 1; 2025: 1 + 1 = 2 > 1.
    assert values == {2023: (0, "met"), 2024: (1, "met"), 2025: (2, "missed"), 2026: (2, "missed")}
    r = by_key(safeplan.check(config, 2025))[("big", None)]
    assert r.target == {"kind": "max", "value": 1, "cumulative": True}
    assert r.change_pct is None
    # A count cap of 1 does not bind the region: only the whole plan is judged.
    assert by_key(safeplan.check(config, 2025))[("big", "甲")].status == "no_target"


def test_a_period_zero_target_binds_every_region(make_plan):
    text = (
        "plan: {name: 三年行动, baseline_year: 2023, target_year: 2026}\n"
        "datasets: {acc: acc.csv}\n"
        "indicators:\n"
        "  - {id: big, name: 较大及以上事故起数, value: acc.较大事故,"
        " target: {max: 0, cumulative: true}}\n"
    )
    acc = (
        ["年份", "地区", "较大事故"],
        [
            [2023, "甲", 2],
            [2024, "甲", 0],
            [2025, "甲", 0],
            [2023, "乙", 0],
            [2024, "乙", 1],
            [2025, "乙", 0],
        ],
    )
    results = by_key(safeplan.check(make_plan(text, {"acc.csv": acc}), 2025))
    assert (results[("big", "甲")].value, results[("big", "甲")].status) == (0, "met")
    assert (results[("big", "乙")].value, results[("big", "乙")].status) == (1, "missed")


@pytest.mark.parametrize(
    ("indicator", "message"),
    [
        (
            "{id: r, name: 率, numerator: acc.死亡人数, denominator: gdp.地区生产总值,"
            " target: {max: 1, cumulative: true}}",
            "cumulative（累计）只用于 value 指标",
        ),
        (
            "{id: d, name: 死亡, value: acc.死亡人数, target: {decline_pct: 5, cumulative: true}}",
            "cumulative（累计）只能与 max 或 min 一起使用",
        ),
    ],
)
def test_cumulative_is_refused_where_it_means_nothing(make_plan, indicator, message):
    with pytest.raises(ConfigError, match=message):
        safeplan.load_plan(plan(make_plan, f"  - {indicator}\n"))


# --------------------------------------------------------------------------- yoy_decline


@pytest.mark.parametrize(
    ("last", "this", "status"),
    [(0, 0, "met"), (5, 0, "met"), (3, 3, "missed"), (3, 4, "missed"), (4, 3, "met")],
)
def test_yoy_decline_zero_cannot_decline_further(make_plan, last, this, status):
    acc = (["年份", "地区", "死亡人数"], [[2023, "甲镇", last], [2024, "甲镇", this]])
    config = plan(
        make_plan,
        "  - {id: d, name: 死亡人数, value: acc.死亡人数, target: {yoy_decline: true}}\n",
        acc=acc,
        gdp=(["年份", "gdp"], [[2024, 1]]),
    )
    results = by_key(safeplan.check(config, 2024))
    assert results[("d", "甲镇")].status == status
    assert results[("d", None)].status == status


def test_towns_without_accidents_two_years_running_meet_double_decline(make_plan, run):
    # A ledger in which 乙镇 had accidents only in 2022: 2023 and 2024 are 0 after 0.
    ledger = (
        ["日期", "地区", "行业", "死亡人数"],
        [
            ["2022-03-01", "乙镇", "工商贸", 1],
            ["2023-05-02", "甲镇", "建筑业", 2],
            ["2024-06-03", "甲镇", "建筑业", 1],
        ],
    )
    text = (
        "plan: {name: 三年行动, region: 示例县, baseline_year: 2022, target_year: 2024}\n"
        "datasets: {acc: {records: 台账.csv}}\n"
        "indicators:\n"
        "  - {id: accidents, name: 事故起数, value: acc.accidents, target: {yoy_decline: true}}\n"
        "  - {id: deaths, name: 死亡人数, value: acc.deaths, target: {yoy_decline: true}}\n"
    )
    config = make_plan(text, {"台账.csv": ledger})
    results = by_key(safeplan.check(config, 2024))
    assert results[("deaths", "乙镇")].value == 0
    assert results[("deaths", "乙镇")].status == "met"
    assert results[("accidents", "乙镇")].status == "met"
    assert results[("deaths", "甲镇")].status == "met"  # 1 < 2
    assert results[("accidents", "甲镇")].status == "missed"  # 1 = 1
    assert run("check", "2024", "-c", str(config)).exit_code == 1


# --------------------------------------------------------------------------- display fields


def test_attribute_accepts_the_chinese_words_and_decimals_is_bounded(make_plan):
    config = plan(
        make_plan,
        "  - {id: d, name: 死亡, value: acc.死亡人数, unit: 人, attribute: 约束性, decimals: 0,"
        " target: {max: 16}}\n"
        "  - {id: e, name: 起数, value: acc.事故起数, attribute: expected, target: {max: 30}}\n",
    )
    loaded = safeplan.load_plan(config)
    assert [i.attribute for i in loaded.indicators] == ["binding", "expected"]
    facts = safeplan.check(loaded, 2024).indicators
    assert facts["d"]["attribute"] == "binding" and facts["d"]["decimals"] == 0
    assert facts["d"]["unit"] == "人"
    bad = plan(
        make_plan,
        "  - {id: d, name: 死亡, value: acc.死亡人数, decimals: 7, target: {max: 16}}\n",
    )
    with pytest.raises(ConfigError, match="decimals"):
        safeplan.load_plan(bad)
    with pytest.raises(ConfigError, match="attribute"):
        safeplan.load_plan(
            plan(
                make_plan,
                "  - {id: d, name: 死亡, value: acc.死亡人数, attribute: 重要, target: {max: 1}}\n",
            )
        )


# --- survivors of the full mutation run (2026-12-01) ---


@pytest.mark.parametrize(
    ("region", "named"),
    [(None, None), ("西湖县", None), ("东山县", "中该指标的 regions.东山县")],
)
def test_explain_names_where_a_target_comes_from_only_for_a_regions_own(make_plan, region, named):
    """explain adds a step naming the source of a target only when it is not the plan's
    ``target:``: none for the whole plan or for a region a rate cap binds, the
    ``regions.<region>`` entry for a region's own target."""
    config = plan(
        make_plan,
        "  - {id: rate, name: 亿元GDP死亡率, numerator: acc.死亡人数,"
        " denominator: gdp.地区生产总值, target: {max: 0.02}, regions: {东山县: {max: 0.01}}}\n",
    )
    steps = safeplan.explain(config, "rate", 2024, region=region).to_dict()["threshold"]
    sources = [step for step in steps if step.startswith("目标来自")]
    assert [named in step for step in sources] == ([] if named is None else [True])
