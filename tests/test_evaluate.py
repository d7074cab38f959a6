"""Every target kind on and around its boundary, regions and the aggregate — checked by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

import safeplan
from safeplan.domain import targets
from safeplan.errors import DataError

PLAN = """\
plan: {{name: 测试规划, region: 测试市, baseline_year: {baseline}, target_year: {target}}}
datasets:
  acc: acc.csv
  gdp: gdp.csv
indicators:
{indicators}
"""


def one(yaml_indicators: str, acc: tuple, gdp: tuple | None = None, baseline=2020, target=2025):
    files = {"acc.csv": acc, "gdp.csv": gdp or (["年份", "gdp"], [[2020, 1]])}
    return PLAN.format(baseline=baseline, target=target, indicators=yaml_indicators), files


def results(make_plan, text_files, year):
    text, files = text_files
    report = safeplan.check(make_plan(text, files), year)
    return {(r.id, r.region): r for r in report.results}


DEATHS = ["年份", "死亡人数"]


@pytest.mark.parametrize(
    ("deaths_2024", "status"),
    [(115, "met"), (114, "met"), (116, "missed")],
)
def test_decline_glide_path_is_exact_at_115(make_plan, deaths_2024, status):
    # 125 deaths in 2020, −10 % by 2025 → 2024 threshold exactly 115.
    spec = one(
        "  - {id: d, name: 死亡人数, value: acc.死亡人数, target: {decline_pct: 10}}",
        (DEATHS, [[2020, 125], [2024, deaths_2024]]),
    )
    r = results(make_plan, spec, 2024)[("d", None)]
    assert r.threshold == 115
    assert r.status == status
    assert r.gap == deaths_2024 - 115


def glide_threshold(b: Fraction, pct: Fraction, year: int, baseline: int, target: int) -> Fraction:
    elapsed = targets.elapsed_years(year, baseline, target)
    return targets.glide(b, pct, elapsed, target - baseline)  # type: ignore[no-any-return]


def test_glide_threshold_function_is_exact():
    assert glide_threshold(Fraction(125), Fraction(10), 2024, 2020, 2025) == 115
    # f clipped to [0, 1]: before the baseline the threshold is B, after the target B×(1−P).
    assert glide_threshold(Fraction(125), Fraction(10), 2018, 2020, 2025) == 125
    assert glide_threshold(Fraction(125), Fraction(10), 2027, 2020, 2025) == Fraction(225, 2)


@pytest.mark.parametrize(
    ("year", "threshold"),
    [(2020, 200), (2021, 196), (2023, 188), (2025, 180), (2026, 180), (2019, 200)],
)
def test_decline_threshold_each_year(make_plan, year, threshold):
    rows = [[y, 200] for y in range(2019, 2027)]
    spec = one(
        "  - {id: d, name: 死亡人数, value: acc.死亡人数, target: {decline_pct: 10}}",
        (DEATHS, rows),
    )
    r = results(make_plan, spec, year)[("d", None)]
    assert r.threshold == threshold
    assert r.status == ("met" if 200 <= threshold else "missed")


def test_decline_baseline_override(make_plan):
    spec = one(
        "  - {id: d, name: 死亡人数, value: acc.死亡人数,"
        " target: {decline_pct: 20, baseline_year: 2015}}",
        (DEATHS, [[2015, 100], [2020, 90], [2021, 88]]),
    )
    # f = (2021 − 2015) ÷ (2025 − 2015) = 0.6 → 100 × (1 − 0.2 × 0.6) = 88: on the path.
    r = results(make_plan, spec, 2021)[("d", None)]
    assert r.threshold == 88
    assert r.status == "met"
    assert r.target == {"kind": "decline_pct", "value": 20, "baseline_year": 2015}


def test_decline_without_baseline_value_is_no_data(make_plan):
    spec = one(
        "  - {id: d, name: 死亡人数, value: acc.死亡人数, target: {decline_pct: 10}}",
        (DEATHS, [[2021, 100], [2024, 90]]),
    )
    r = results(make_plan, spec, 2024)[("d", None)]
    assert r.status == "no_data"
    assert r.threshold is None and r.gap is None


@pytest.mark.parametrize(
    ("deaths", "gdp", "status"),
    [(6, "600", "met"), (7, "600", "missed"), (6, "600.0001", "met"), (6, "599.9999", "missed")],
)
def test_max_rate_on_its_cap(make_plan, deaths, gdp, status):
    spec = one(
        "  - {id: r, name: 亿元GDP死亡率, numerator: acc.死亡人数, denominator: gdp.gdp,"
        " target: {max: 0.01}}",
        (DEATHS, [[2024, deaths]]),
        (["年份", "gdp"], [[2024, gdp]]),
    )
    r = results(make_plan, spec, 2024)[("r", None)]
    assert r.status == status


def test_rate_per_scale_on_its_cap(make_plan):
    # 1 death among 200 000 workers per 100 000 = 0.50 exactly: "控制在0.50以内" is met.
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, e: e.csv}
indicators:
  - {id: w, name: 工矿商贸, numerator: a.工矿商贸死亡人数, denominator: e.就业人员,
     per: 100000, target: {max: 0.50}}
"""
    config = make_plan(
        text,
        {
            "a.csv": (["年份", "工矿商贸死亡人数"], [[2024, 1]]),
            "e.csv": (["年份", "就业人员"], [[2024, 200000]]),
        },
    )
    r = safeplan.check(config, 2024).results[0]
    assert (r.value, r.threshold, r.gap, r.status) == (0.5, 0.5, 0, "met")


def test_min_target_exact_on_a_decimal_sum(make_plan):
    # 3 ÷ (0.1 + 0.2) is exactly 10; floating point says 9.999999999999998 and would miss.
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, b: b.csv}
indicators:
  - {id: m, name: 覆盖率, numerator: a.x, denominator: b.y, target: {min: 10}}
"""
    config = make_plan(
        text,
        {
            "a.csv": (["year", "region", "x"], [[2024, "甲", 1], [2024, "乙", 2]]),
            "b.csv": (["year", "region", "y"], [[2024, "甲", "0.1"], [2024, "乙", "0.2"]]),
        },
    )
    by = {r.region: r for r in safeplan.check(config, 2024).results}
    assert by[None].value == 10
    assert by[None].status == "met"
    assert by["甲"].status == "met" and by["乙"].status == "met"


@pytest.mark.parametrize(("now", "status"), [(9, "met"), (10, "missed"), (11, "missed")])
def test_yoy_decline_is_strict(make_plan, now, status):
    spec = one(
        "  - {id: y, name: 死亡人数, value: acc.死亡人数, target: {yoy_decline: true}}",
        (DEATHS, [[2023, 10], [2024, now]]),
    )
    r = results(make_plan, spec, 2024)[("y", None)]
    assert r.threshold == 10
    assert r.status == status


def test_yoy_without_previous_year_is_no_data(make_plan):
    spec = one(
        "  - {id: y, name: 死亡人数, value: acc.死亡人数, target: {yoy_decline: true}}",
        (DEATHS, [[2022, 10], [2024, 5]]),
    )
    assert results(make_plan, spec, 2024)[("y", None)].status == "no_data"


def test_regions_and_aggregate_is_ratio_of_sums(make_plan):
    text = """\
plan: {name: t, region: 全市, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, g: g.csv}
indicators:
  - {id: r, name: 死亡率, numerator: a.deaths, denominator: g.gdp, target: {max: 0.01}}
"""
    config = make_plan(
        text,
        {
            "a.csv": (["year", "region", "deaths"], [[2024, "甲", 1], [2024, "乙", 9]]),
            "g.csv": (["年份", "地区", "gdp"], [[2024, "甲", 900], [2024, "乙", 100]]),
        },
    )
    report = safeplan.check(config, 2024)
    by = {r.region: r for r in report.results}
    # Σ 10 ÷ Σ 1000 = 0.01 (met) — the average of rates (0.0555…+0.09)/2 would be missed.
    assert by[None].value == 0.01 and by[None].status == "met"
    assert by["甲"].value == pytest.approx(1 / 900) and by["甲"].status == "met"
    assert by["乙"].value == pytest.approx(0.09) and by["乙"].status == "missed"
    assert [r.region for r in report.results] == [None, "甲", "乙"]
    assert not report.ok


def test_only_one_region(make_plan):
    text = """\
plan: {name: t, region: 全市, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: d, name: 死亡, value: a.deaths, target: {max: 5}, regions: {乙: {max: 5}}}
"""
    config = make_plan(
        text, {"a.csv": (["year", "region", "deaths"], [[2024, "甲", 1], [2024, "乙", 9]])}
    )
    report = safeplan.check(config, 2024, region="乙")
    assert [(r.region, r.value, r.status) for r in report.results] == [("乙", 9, "missed")]
    whole = safeplan.check(config, 2024, region="全市")
    assert [(r.region, r.value) for r in whole.results] == [(None, 10)]


def test_blank_cell_is_no_data_and_aggregate_too(make_plan):
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: d, name: 死亡, value: a.deaths, target: {max: 5}, regions: {甲: {max: 2}, 乙: {max: 2}}}
"""
    config = make_plan(
        text, {"a.csv": (["year", "region", "deaths"], [[2024, "甲", 1], [2024, "乙", ""]])}
    )
    by = {r.region: r for r in safeplan.check(config, 2024).results}
    assert by["甲"].status == "met"
    assert by["乙"].status == "no_data" and by["乙"].value is None
    assert by[None].status == "no_data"


def test_year_absent_raises(make_plan):
    spec = one(
        "  - {id: d, name: 死亡, value: acc.死亡人数, target: {max: 5}}", (DEATHS, [[2024, 1]])
    )
    text, files = spec
    with pytest.raises(DataError, match="2030"):
        safeplan.check(make_plan(text, files), 2030)


def test_national_2023_gdp_rate_sanity(make_plan):
    # 21 242 deaths ÷ 1 260 582.1 亿元 ≈ 0.0169.
    spec = one(
        "  - {id: r, name: 亿元GDP死亡率, numerator: acc.死亡人数, denominator: gdp.gdp,"
        " target: {max: 0.01}}",
        (DEATHS, [[2023, 21242]]),
        (["年份", "gdp"], [[2023, "1260582.1"]]),
    )
    r = results(make_plan, spec, 2023)[("r", None)]
    assert r.value == pytest.approx(0.01685, abs=5e-5)
    assert r.status == "missed"


def test_gdp_in_wan_yuan_needs_per_10000(make_plan):
    # GDP in 万元: 6 deaths ÷ 6 000 000 万元 × 10 000 = 0.01 亿元 rate.
    spec = one(
        "  - {id: r, name: 亿元GDP死亡率, numerator: acc.死亡人数, denominator: gdp.gdp,"
        " per: 10000, target: {max: 0.01}}",
        (DEATHS, [[2024, 6]]),
        (["年份", "gdp"], [[2024, "6000000"]]),
    )
    r = results(make_plan, spec, 2024)[("r", None)]
    assert r.value == 0.01 and r.status == "met"


def test_gap_outlook_example_from_contract(make_plan):
    # B = 125 (2020), latest 115 (2024), −10 % by 2025.
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: deaths, name: 死亡, value: a.deaths, target: {decline_pct: 10}}
"""
    config = make_plan(
        text, {"a.csv": (["year", "deaths"], [[2020, 125], [2021, 120], [2022, 119], [2024, 115]])}
    )
    report = safeplan.gap(config)
    outlook = report.outlook[0]
    assert outlook.latest_year == 2024 and outlook.latest_value == 115
    assert outlook.final_threshold == 112.5
    assert outlook.projected_value == 112.5
    assert outlook.on_track is True
    assert outlook.required_annual_change_pct == pytest.approx((112.5 / 115 - 1) * 100)
    years = [r.year for r in report.rows]
    assert years == [2020, 2021, 2022, 2023, 2024]
    by_year = {r.year: r for r in report.rows}
    assert by_year[2021].threshold == 122.5 and by_year[2021].status == "met"
    assert by_year[2023].status == "no_data"
    assert report.ok


@pytest.mark.parametrize(
    ("target", "values", "expected"),
    [
        # cap: projected 0.012 + (0.012−0.016)×1/4 = 0.011 > 0.01 → off track
        (
            "{max: 0.01}",
            {2020: "0.016", 2024: "0.012"},
            dict(final=0.01, projected=0.011, on_track=False),
        ),
        # floor: projected 90 + (90 − 80)/4 = 92.5 ≥ 92 → on track
        ("{min: 92}", {2020: "80", 2024: "90"}, dict(final=92, projected=92.5, on_track=True)),
        # zero target: required change is null (F ≤ 0)
        ("{max: 0}", {2020: "2", 2024: "1"}, dict(final=0, projected=0.75, on_track=False)),
        # yoy: no final threshold, no on_track
        (
            "{yoy_decline: true}",
            {2020: "5", 2024: "3"},
            dict(final=None, projected=2.5, on_track=None),
        ),
    ],
)
def test_outlook_kinds(make_plan, target, values, expected):
    text = f"""\
plan: {{name: t, baseline_year: 2020, target_year: 2025}}
datasets: {{a: a.csv}}
indicators:
  - {{id: x, name: 指标, value: a.x, target: {target}}}
"""
    config = make_plan(text, {"a.csv": (["year", "x"], [[y, v] for y, v in values.items()])})
    o = safeplan.gap(config).outlook[0]
    assert o.final_threshold == (
        pytest.approx(expected["final"]) if expected["final"] else expected["final"]
    )
    assert o.projected_value == pytest.approx(expected["projected"])
    assert o.on_track is expected["on_track"]
    if expected["final"] in (None, 0):
        assert o.required_annual_change_pct is None


def test_regional_outlook_on_its_threshold_is_decided_exactly(make_plan):
    # 甲: 0.34 + (0.34 − 0.5) × 1/4 = 0.3 exactly, though floats make it 0.30000000000000004.
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - id: r
    name: 比率
    value: a.rate
    target: {max: 0.3}
    regions: {甲: {max: 0.3}, 乙: {max: 0.3}}
"""
    rows = [[2020, "甲", "0.5"], [2024, "甲", "0.34"], [2020, "乙", "0.5"], [2024, "乙", "0.35"]]
    config = make_plan(text, {"a.csv": (["year", "region", "rate"], rows)})
    by = {o.region: o for o in safeplan.gap(config).outlook}
    assert by["甲"].on_track is True and by["甲"].projected_value == 0.3
    assert by["乙"].on_track is False and by["乙"].projected_value == pytest.approx(0.3125)
    assert by["甲"].required_annual_change_pct == pytest.approx((0.3 / 0.34 - 1) * 100)
    assert by["乙"].latest_year == 2024 and by["乙"].latest_value == 0.35


@pytest.mark.parametrize("target", ["{decline_pct: 100}", "{max: 0}"])
def test_regional_outlook_projected_to_exactly_zero_is_on_track(make_plan, target):
    # 0.2 + (0.2 − 0.3) × 2 = 0 exactly; floats make it 5.6e-17.
    text = f"""\
plan: {{name: t, baseline_year: 2020, target_year: 2023}}
datasets: {{a: a.csv}}
indicators:
  - {{id: r, name: 比率, value: a.ratio, target: {target}}}
"""
    rows = [[2020, "甲", "0.3"], [2020, "乙", "0.6"], [2021, "甲", "0.2"], [2021, "乙", "0.4"]]
    config = make_plan(text, {"a.csv": (["year", "region", "ratio"], rows)})
    report = safeplan.gap(config)
    by = {o.region: o for o in report.outlook}
    assert by["甲"].projected_value == 0 and by["甲"].on_track is True
    assert by["乙"].projected_value == 0 and by["乙"].on_track is True
    assert report.ok


def test_regional_outlooks_of_counts_on_a_zero_cap(make_plan):
    # Whole counts and a whole cap: decided in floating point, exactly.
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: m, name: 重特大事故起数, value: a.major, target: {max: 0}}
"""
    rows = [[2020, "甲", 0], [2024, "甲", 0], [2020, "乙", 2], [2024, "乙", 1]]
    rows += [[2020, "丙", 4], [2024, "丙", 0], [2020, "丁", 3], [2023, "丁", 1]]
    config = make_plan(text, {"a.csv": (["year", "region", "major"], rows)})
    by = {o.region: o for o in safeplan.gap(config).outlook}
    assert (by["甲"].projected_value, by["甲"].on_track) == (0, True)
    assert (by["乙"].projected_value, by["乙"].on_track) == (0.75, False)
    # 丙: 0 + (0 − 4) × 1/4 = −1, clipped at 0 (no count can be negative)
    assert (by["丙"].projected_value, by["丙"].on_track) == (0, True)
    # 丁: 1 + (1 − 3) × 2/3 = −1/3, clipped at 0; latest year 2023
    assert by["丁"].latest_year == 2023 and by["丁"].on_track is True
    assert by["丁"].projected_value == 0
    assert all(o.final_threshold == 0 for o in by.values())


def test_outlook_region_without_baseline(make_plan):
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: d, name: 死亡, value: a.deaths, target: {decline_pct: 10}}
"""
    config = make_plan(
        text,
        {
            "a.csv": (
                ["year", "region", "deaths"],
                [[2020, "甲", 10], [2024, "甲", 8], [2024, "乙", 3]],
            )
        },
    )
    report = safeplan.gap(config)
    by = {o.region: o for o in report.outlook}
    assert by["乙"].projected_value is None and by["乙"].final_threshold is None
    assert by["乙"].on_track is None and by["乙"].latest_value == 3
    assert by["甲"].projected_value == pytest.approx(7.5) and by["甲"].on_track is True
    # Whole plan: 2020 has 甲 only → B = 10 (乙 has no row that year).
    assert by[None].latest_value == 11
    assert not report.ok  # 乙 cannot be shown on track


def test_no_data_has_null_threshold_and_gap(make_plan):
    spec = one(
        "  - {id: d, name: 死亡, value: acc.死亡人数, target: {max: 5}}\n"
        "  - {id: y, name: 起数, value: acc.死亡人数, target: {yoy_decline: true}}",
        (DEATHS, [[2023, ""], [2024, 3]]),
    )
    by = results(make_plan, spec, 2023)
    assert by[("d", None)].to_dict()["value"] is None
    assert (by[("d", None)].threshold, by[("d", None)].gap) == (None, None)
    yoy = results(make_plan, spec, 2024)[("y", None)]
    # No status without last year's value: value, threshold and gap are all null.
    assert (yoy.status, yoy.value, yoy.threshold, yoy.gap) == ("no_data", None, None, None)


def test_missing_region_row_makes_the_whole_plan_no_data(make_plan):
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: d, name: 死亡, value: a.deaths, target: {decline_pct: 10}}
"""
    config = make_plan(
        text,
        {
            "a.csv": (
                ["year", "region", "deaths"],
                [[2020, "甲", 60], [2020, "乙", 65], [2024, "甲", 50]],
            )
        },
    )
    by = {r.region: r for r in safeplan.check(config, 2024).results}
    assert by[None].status == "no_data"  # not a partial sum of 50 against 115
    assert by["甲"].status == "met" and by["乙"].status == "no_data"


def test_region_without_accident_records_counts_zero(make_plan):
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {acc: {records: r.csv}, g: g.csv}
indicators:
  - {id: r, name: 死亡率, numerator: acc.deaths, denominator: g.gdp, target: {max: 0.01}}
"""
    config = make_plan(
        text,
        {
            "r.csv": (
                ["日期", "地区", "死亡人数"],
                [["2022-03-01", "A", 1], ["2022-05-01", "B", 1]],
            ),
            "g.csv": (
                ["year", "region", "gdp"],
                [[2022, "A", 300], [2022, "B", 300], [2022, "C", 400]],
            ),
        },
    )
    by = {r.region: r for r in safeplan.check(config, 2022).results}
    assert by[None].value == pytest.approx(0.002) and by[None].status == "met"
    assert by["C"].value == 0 and by["C"].status == "met"


def test_indicator_without_regional_data_is_no_data_per_region(make_plan):
    text = """\
plan: {name: t, region: 全市, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, g: g.csv}
indicators:
  - {id: r, name: 死亡率, numerator: a.deaths, denominator: g.gdp, target: {max: 0.01}}
"""
    config = make_plan(
        text,
        {
            "a.csv": (["year", "region", "deaths"], [[2021, "A", 1], [2021, "B", 2]]),
            "g.csv": (["year", "gdp"], [[2021, 1000]]),
        },
    )
    full = {r.region: r.status for r in safeplan.check(config, 2021).results}
    assert full == {None: "met", "A": "no_data", "B": "no_data"}
    one = safeplan.check(config, 2021, region="A").results
    assert [(r.region, r.status) for r in one] == [("A", "no_data")]


def test_a_result_without_data_has_no_value_either(make_plan):
    """Without the baseline year's value a decline has no threshold: the result is no_data,
    and value, threshold and gap are all null (a value alone decides nothing)."""
    spec = one(
        "  - {id: d, name: 死亡, value: acc.死亡人数, target: {decline_pct: 10}}",
        (DEATHS, [[2023, 118], [2024, 115]]),
    )
    result = results(make_plan, spec, 2024)[("d", None)]
    assert result.to_dict() | {"target": None} == {
        "id": "d",
        "name": "死亡",
        "region": None,
        "year": 2024,
        "value": None,
        "target": None,
        "threshold": None,
        "gap": None,
        "status": "no_data",
    }


@pytest.mark.parametrize(("first", "status"), [(0, "met"), (2, "no_data")])
def test_zero_meets_a_yoy_decline_even_in_the_first_year(make_plan, first, status):
    """Zero cannot decline further: 0 meets yoy_decline with or without last year's value;
    any other value without last year's has no status."""
    spec = one(
        "  - {id: y, name: 起数, value: acc.死亡人数, target: {yoy_decline: true}}",
        (DEATHS, [[2024, first]]),
    )
    result = results(make_plan, spec, 2024)[("y", None)]
    assert (result.status, result.threshold, result.gap) == (status, None, None)
    assert result.value == (0 if status == "met" else None)


# --- survivors of the full mutation run (2026-12-01) ---

LEDGER_PLAN = """\
plan: {{name: t, baseline_year: 2020, target_year: 2025}}
datasets: {{acc: {{records: r.csv}}, g: g.csv}}
indicators:
{indicators}
"""

TWO = """\
plan: {{name: t, baseline_year: 2020, target_year: 2025}}
datasets: {{a: a.csv, b: b.csv}}
indicators:
  - {{id: r, name: 比率, numerator: a.x, denominator: b.y, per: {per}, target: {{max: 2}}}}
"""


def test_a_ledger_of_only_its_total_row_is_no_data(make_plan):
    """A ledger whose only row is its total (合计) has no record: every indicator on it is
    no_data — a sum over no rows is not 0, and no traceback either (regression: the empty
    yearly frame broke Dataset.by_year)."""
    lines = (
        "  - {id: d, name: 死亡, value: acc.deaths, target: {max: 5}}\n"
        "  - {id: r, name: 死亡率, numerator: acc.deaths, denominator: g.y, target: {max: 5}}"
    )
    config = make_plan(
        LEDGER_PLAN.format(indicators=lines),
        {
            "r.csv": (["日期", "地区", "死亡人数"], [["合计", "", 0]]),
            "g.csv": (["年份", "y"], [[2022, 100]]),
        },
    )
    got = {(r.id, r.region): (r.value, r.status) for r in safeplan.check(config, 2022).results}
    assert got == {("d", None): (None, "no_data"), ("r", None): (None, "no_data")}


def test_a_sum_past_the_float_range_is_refused_though_each_region_is_not(make_plan, run):
    """Two regions of 1e308 each are values, their sum is past 1.8e308: exit 2 naming the
    indicator and the year (no region: the whole plan's), and the numbers to check."""
    text = """\
plan: {name: t, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: v, name: 数值, value: a.x, target: {max: 1}}
"""
    rows = [[2024, "甲", "1e308"], [2024, "乙", "1e308"]]
    config = make_plan(text, {"a.csv": (["year", "region", "x"], rows)})
    result = run("check", "2024", "-c", str(config))
    assert result.exit_code == 2
    assert "指标 v（数值）2024 年的值超出可计算的范围（绝对值大于 1.8e308）" in result.stderr
    assert "提示：检查数据中的数字是否过大" in result.stderr


@pytest.mark.parametrize(
    ("line", "roles"),
    [
        ("  - {id: x, name: 死亡人数, value: acc.死亡人数, target: {max: 5}}", ["value"]),
        (
            "  - {id: x, name: 死亡率, numerator: acc.死亡人数, denominator: gdp.gdp,"
            " target: {max: 5}}",
            ["numerator", "denominator"],
        ),
    ],
)
def test_explain_names_each_sum_by_its_role(make_plan, line, roles):
    """explain names the sums behind a value by their role: the value column, or the
    numerator then the denominator."""
    text, files = one(line, (DEATHS, [[2024, 1]]), (["年份", "gdp"], [[2024, 100]]))
    terms = safeplan.explain(make_plan(text, files), "x", 2024).to_dict()["terms"]
    assert [term["role"] for term in terms] == roles


def test_a_ledgers_decimal_losses_are_summed_exactly(make_plan):
    """A ledger's losses are summed exactly from the cells' text: 0.1 + 0.2 is 0.3 and meets
    a cap of 0.3 — the float sum 0.30000000000000004 would miss it."""
    line = "  - {id: l, name: 直接经济损失, value: acc.direct_loss, target: {max: 0.3}}"
    rows = [["2024-03-01", 0, "0.1"], ["2024-05-01", 0, "0.2"]]
    config = make_plan(
        LEDGER_PLAN.format(indicators=line),
        {
            "r.csv": (["日期", "死亡人数", "直接经济损失"], rows),
            "g.csv": (["年份", "y"], [[2024, 1]]),
        },
    )
    result = safeplan.check(config, 2024).results[0]
    assert (result.value, result.gap, result.status) == (0.3, 0, "met")


def test_a_ratio_over_a_year_without_accidents_is_no_data(make_plan):
    """Deaths per accident in a ledger year without accidents is 0 ÷ 0: no data, not an
    error."""
    line = "  - {id: p, name: 每起死亡, numerator: acc.deaths, denominator: acc.accidents, target: {max: 1}}"
    rows = [["2021-03-01", 1], ["2023-05-01", 2]]
    config = make_plan(
        LEDGER_PLAN.format(indicators=line),
        {"r.csv": (["日期", "死亡人数"], rows), "g.csv": (["年份", "y"], [[2022, 1]])},
    )
    result = safeplan.check(config, 2022).results[0]
    assert (result.value, result.status) == (None, "no_data")


def test_a_whole_plans_rate_past_the_float_range_is_refused(make_plan):
    """Σ 1e305 × per 10000 ÷ Σ 0.00001 is 1e314, past 1.8e308: refused, naming the
    denominator and per to check."""
    config = make_plan(
        TWO.format(per=10000),
        {
            "a.csv": (["年份", "x"], [[2024, "1e305"]]),
            "b.csv": (["年份", "y"], [[2024, "0.00001"]]),
        },
    )
    with pytest.raises(DataError, match="指标 r（比率）2024 年的值超出可计算的范围") as refused:
        safeplan.check(config, 2024)
    assert refused.value.hint == "检查分母 b.y 是否过小（单位是否有误），以及 per 是否过大"


def test_a_whole_plans_rate_of_two_huge_sums_is_computed(make_plan):
    """Σ 1e200 ÷ Σ 1e200 is 1, within range though the sums' product is not: the rate is
    computed and judged."""
    config = make_plan(
        TWO.format(per=1),
        {"a.csv": (["年份", "x"], [[2024, "1e200"]]), "b.csv": (["年份", "y"], [[2024, "1e200"]])},
    )
    result = safeplan.check(config, 2024).results[0]
    assert (result.value, result.status) == (1, "met")
