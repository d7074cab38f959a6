"""The float path of check and gap (the grid of results, the regional outlooks) against
what mutation testing showed unguarded: numpy's warnings kept quiet, regions whose
floats are decided again exactly, the outlook's source and percentages (docs/testing.md).
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import pytest

import safeplan

HEAD = """\
plan: {name: 测试规划, region: 测试市, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
"""
HEADER = ["年份", "地区", "死亡人数", "地区生产总值"]

#: Every kind of target over data with zeros, gaps and a region without a baseline.
INDICATORS = """\
  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}
  - {id: r, name: 亿元GDP死亡率, numerator: a.死亡人数, denominator: a.地区生产总值,
     target: {max: 0.5}}
  - {id: y, name: 死亡人数同比, value: a.死亡人数, target: {yoy_decline: true}}
  - {id: m, name: 最低, value: a.地区生产总值, target: {min: 1}}
  - {id: c, name: 累计死亡, value: a.死亡人数, target: {max: 100, cumulative: true}}
"""
ROWS = [
    [2020, "东县", 0, 1],  # a baseline of 0
    [2020, "西县", 10, 5],
    [2022, "东县", 3, 1],
    [2022, "西县", 8, 4],
    [2023, "东县", 0, 2],
    [2023, "西县", 8, 4],
    [2023, "南县", 1, 1],  # no baseline year
]


def test_check_and_gap_raise_no_numpy_warning(make_plan):
    """Zeros, missing years and a region without a baseline are no data or no percentage,
    silently: a library user running with warnings as errors (and the CLI's stderr) sees no
    RuntimeWarning from the float path (divide by zero, invalid value, overflow)."""
    config = make_plan(HEAD + INDICATORS, {"a.csv": (HEADER, ROWS)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for year in (2020, 2022, 2023):
            report = safeplan.check(config, year)
            assert report.results
        gapped = safeplan.gap(config)
    outlook = {(o.id, o.region): o for o in gapped.outlook}
    # 东县's baseline of 0 deaths: no percentage against it, and no glide path below 0.
    east = outlook[("d", "东县")]
    assert east.change_pct is None and east.final_threshold == 0
    rows = {(r.id, r.region, r.year): r for r in gapped.rows}
    assert rows[("r", "南县", 2022)].status == "no_data"  # no row that year
    assert rows[("d", "东县", 2022)].change_pct is None  # 3 against a baseline of 0
    assert rows[("d", "西县", 2022)].change_pct == pytest.approx(-20)


def test_a_regions_change_from_its_baseline_is_rounded_once(make_plan):
    """较基期变化 of 20 → 9 deaths is −55 % for a region as for the whole plan: computed as
    (v − b) × 100 ÷ b, one rounding, not (v − b) ÷ b × 100 (−55.00000000000001)."""
    line = "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    rows = [[2020, "东县", 20], [2024, "东县", 9]]
    config = make_plan(HEAD + line, {"a.csv": (["年份", "地区", "死亡人数"], rows)})
    results = {r.region: r for r in safeplan.check(config, 2024).results}
    assert results["东县"].change_pct == -55.0 and results[None].change_pct == -55.0
    outlook = {o.region: o for o in safeplan.gap(config).outlook}
    assert outlook["东县"].change_pct == -55.0 and outlook[None].change_pct == -55.0


def test_a_period_sum_past_the_float_range_is_refused_without_a_numpy_warning(make_plan, run):
    """Two years of 1e308 summed for a cumulative cap pass 1.8e308: `check` refuses with its
    own message (exit 2), and no raw numpy RuntimeWarning reaches stderr."""
    line = "  - {id: c, name: 累计, value: a.值, target: {max: 100, cumulative: true}}\n"
    rows = [[2020, "东县", 1], [2021, "东县", "1e308"], [2022, "东县", "1e308"]]
    config = make_plan(HEAD + line, {"a.csv": (["年份", "地区", "值"], rows)})
    result = run("check", "2022", "-c", str(config))
    assert result.exit_code == 2
    assert "超出可计算的范围" in result.stderr and "RuntimeWarning" not in result.stderr


def gap_outlook(make_plan, line, rows, header=("年份", "地区", "值")):
    config = make_plan(HEAD + line, {"a.csv": (list(header), rows)})
    return {o.region: o for o in safeplan.gap(config).outlook}


def test_no_projection_from_the_baseline_year_alone(make_plan):
    """A region with data only in the baseline year (L = B) has no projection and no
    verdict, even against a published baseline value that differs from its data: the line
    through one point has no slope (not an infinite one)."""
    line = (
        "  - {id: d, name: 死亡人数, value: a.值, target: {decline_pct: 10, baseline_value: 50}}\n"
    )
    rows = [[2020, "东县", 40], [2020, "西县", 60], [2022, "西县", 50]]
    outlook = gap_outlook(make_plan, line, rows)
    east = outlook["东县"]
    assert (east.latest_year, east.projected_value, east.on_track) == (2020, None, None)
    assert east.final_threshold == 45  # 50 × (1 − 10 %): the target still stands
    west = outlook["西县"]
    assert west.projected_value is not None and west.on_track is not None


@pytest.mark.parametrize(("base", "latest", "change"), [("0.5", "0.4", -20.0), ("1", "1.5", 50.0)])
def test_an_outlooks_change_from_a_baseline_of_one_or_less(make_plan, base, latest, change):
    """较基期变化 of an outlook against a baseline at or below 1 (a rate such as 0.5 人/亿元)
    is a percentage like any other: 0.5 → 0.4 is −20 %, 1 → 1.5 is +50 %."""
    line = "  - {id: r, name: 死亡率, value: a.值, target: {max: 2}}\n"
    rows = [[2020, "东县", base], [2022, "东县", latest], [2020, "西县", 3], [2022, "西县", 3]]
    outlook = gap_outlook(make_plan, line, rows)
    assert outlook["东县"].change_pct == pytest.approx(change)
    assert outlook["西县"].change_pct == 0


@pytest.mark.parametrize(("base", "latest", "change"), [("0.5", "0.4", -20.0), ("1", "1.5", 50.0)])
def test_a_regions_change_from_a_baseline_of_one_or_less(make_plan, base, latest, change):
    """A county's 较基期变化 in check against a baseline at or below 1 is a percentage like
    any other (decided in floats: nothing is near its cap of 2)."""
    text = HEAD + "  - {id: r, name: 死亡率, value: a.值, target: {max: 2}}\n"
    rows = [[2020, "东县", base], [2022, "东县", latest], [2020, "西县", 3], [2022, "西县", 3]]
    config = make_plan(text, {"a.csv": (["年份", "地区", "值"], rows)})
    results = {r.region: r for r in safeplan.check(config, 2022).results}
    assert results["东县"].baseline_value == float(base)
    assert results["东县"].change_pct == pytest.approx(change)
    assert results["西县"].change_pct == 0


def test_the_whole_plans_baseline_and_change_are_exact_sums(make_plan):
    """The city's direct loss in 2020 is 0.1 + 0.2 = 0.3 exactly (floats say
    0.30000000000000004), and its change to 0.2 in 2022 is −100/3 %: both from the cells'
    text, not from the float sums."""
    text = HEAD + "  - {id: l, name: 直接经济损失, value: a.值, target: {max: 2}}\n"
    rows = [
        [2020, "东县", "0.1"],
        [2020, "西县", "0.2"],
        [2022, "东县", "0.1"],
        [2022, "西县", "0.1"],
    ]
    config = make_plan(text, {"a.csv": (["年份", "地区", "值"], rows)})
    whole = {r.region: r for r in safeplan.check(config, 2022).results}[None]
    assert (whole.value, whole.baseline_value) == (0.2, 0.3)
    assert whole.change_pct == float(Fraction(-100, 3))


def test_an_outlooks_change_from_a_vanishing_baseline_is_no_percentage(make_plan):
    """Against a baseline of 1e-308 a change of 1 is beyond any percentage: none is given
    (the float division overflows), while the outlook itself is computed."""
    line = "  - {id: r, name: 值, value: a.值, target: {max: 2}}\n"
    rows = [[2020, "东县", "1e-308"], [2022, "东县", 1], [2020, "西县", 1], [2022, "西县", 1]]
    outlook = gap_outlook(make_plan, line, rows)
    assert outlook["东县"].change_pct is None and outlook["东县"].latest_value == 1
    assert outlook["西县"].change_pct == 0


def test_a_regions_decline_is_measured_from_the_targets_own_baseline_year(make_plan):
    """decline_pct 10 from baseline_year 2021 (the plan's is 2020): each region's final
    threshold is 90 % of its 2021 value, not of its 2020 one."""
    line = (
        "  - {id: d, name: 死亡人数, value: a.值, target: {decline_pct: 10, baseline_year: 2021}}\n"
    )
    rows = [
        [2020, "东县", 100],
        [2021, "东县", 50],
        [2023, "东县", 44],
        [2020, "西县", 10],
        [2021, "西县", 20],
        [2023, "西县", 19],
    ]
    outlook = gap_outlook(make_plan, line, rows)
    assert outlook["东县"].final_threshold == 45 and outlook["西县"].final_threshold == 18
    assert outlook["东县"].baseline_value == 50 and outlook["西县"].baseline_value == 20


def test_an_exact_sum_takes_any_iterable_of_texts():
    """exact_sum reads an iterable once, whatever it is: a generator of plain texts and one
    of other spellings sum as their lists do."""
    from fractions import Fraction

    from safeplan.domain.exact import exact_sum

    assert exact_sum(text for text in ["0.1", "0.2"]) == Fraction(3, 10)
    assert exact_sum(text for text in ["1e-1", "-0.2", "3"]) == Fraction(29, 10)
    assert exact_sum(iter([])) == 0


def test_a_county_under_a_period_cap_shows_its_own_years_value(make_plan):
    """A cumulative cap (100 deaths over the plan period) binds the whole city only: each
    county's row carries no target and shows that county's deaths in that year (3 in 东县
    in 2022), not a sum over the period — only the whole plan's value is a period sum."""
    config = make_plan(HEAD + INDICATORS, {"a.csv": (HEADER, ROWS)})
    rows = {(r.id, r.region): r for r in safeplan.check(config, 2022).results}
    east = rows[("c", "东县")]
    assert (east.value, east.status, east.target) == (3, "no_target", None)
    assert rows[("c", "西县")].value == 8
    # The whole plan's period sum runs from 2021: with no row for 2021 it is no data.
    assert (rows[("c", None)].value, rows[("c", None)].status) == (None, "no_data")


def test_a_countys_glide_path_tie_one_year_after_the_baseline_is_exact(make_plan):
    """A 0.6 % decline over 2020–2023 from 1 500 deaths: the 2021 threshold is
    1 500 × (300 − 0.6) ÷ 300 = 1 497 exactly, which floats make 1 496.9999999999998. A
    county with 1 497 deaths in 2021 has met it — decided exactly, not by floats, one year
    after its baseline as at any year of the path."""
    text = HEAD.replace("target_year: 2025", "target_year: 2023") + (
        "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 0.6}}\n"
    )
    rows = [[2020, "东县", 1500, 1], [2021, "东县", 1497, 1]]
    rows += [[2020, "西县", 10, 1], [2021, "西县", 10, 1]]
    config = make_plan(text, {"a.csv": (HEADER, rows)})
    results = {r.region: r for r in safeplan.check(config, 2021).results}
    east = results["东县"]
    assert (east.value, east.threshold, east.gap, east.status) == (1497, 1497, 0, "met")
    # Its own baseline (1 500, not the city's 1 510) and change from it, −0.2 %.
    assert (east.baseline_value, east.change_pct) == (1500, -0.2)


def test_a_countys_decline_of_nearly_all_is_judged_against_its_baseline_scale(make_plan):
    """A 99.999999 % decline of a county's direct loss from 10 (万元) in 2020 to 2025: the
    final threshold is exactly 0.0000001, which floats make 9.999999974752428e-08 — an
    error far below the baseline's rounding but 2.5e-9 of the threshold itself. A loss of
    0.0000001 has met it: the closeness is measured against the baseline too."""
    text = HEAD + (
        "  - {id: l, name: 直接经济损失, value: a.直接经济损失, target: {decline_pct: 99.999999}}\n"
    )
    rows = [[2020, "东县", "10"], [2025, "东县", "0.0000001"]]
    rows += [[2020, "西县", "1"], [2025, "西县", "0.5"]]
    config = make_plan(text, {"a.csv": (["年份", "地区", "直接经济损失"], rows)})
    east = {r.region: r for r in safeplan.check(config, 2025).results}["东县"]
    assert (east.value, east.threshold, east.gap, east.status) == (1e-07, 1e-07, 0, "met")


def test_a_huge_count_in_its_baseline_year_meets_its_own_glide_path(make_plan):
    """In its baseline year a county's threshold is its baseline itself. For a count of
    2 198 686 716 197 under a plan spanning 165 years, floats give B × 16 500 ÷ 16 500 =
    2 198 686 716 196.9998: the tie is decided exactly — met, gap 0 — and not by floats,
    however large the count (floats are trusted at the start of the path only below 2^40)."""
    text = HEAD.replace("target_year: 2025", "target_year: 2185") + (
        "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {decline_pct: 10}}\n"
    )
    rows = [[2020, "东县", 2198686716197, 1], [2020, "西县", 10, 1]]
    config = make_plan(text, {"a.csv": (HEADER, rows)})
    east = {r.region: r for r in safeplan.check(config, 2020).results}["东县"]
    assert (east.value, east.threshold, east.gap, east.status) == (
        2198686716197,
        2198686716197,
        0,
        "met",
    )


def test_an_outlook_of_counts_near_float_precision_is_decided_exactly(make_plan):
    """东县 counted 2^52 − 2 in 2020 and 2^52 in 2023: the straight line reaches
    2^52 + 4/3 by 2025, a third above its cap of 2^52 + 1 — off track. Floats round the
    projection to 2^52 + 1 and would call it on track: counts this large (below the 2^53
    a count may reach, far beyond 2^40) are never judged in floats."""
    cap = 2**52 + 1
    text = HEAD + (
        "  - {id: d, name: 死亡人数, value: a.死亡人数, target: {max: 99},"
        f" regions: {{东县: {{max: {cap}}}}}}}\n"
    )
    rows = [[2020, "东县", 2**52 - 2, 1], [2023, "东县", 2**52, 1]]
    rows += [[2020, "西县", 1, 1], [2023, "西县", 1, 1]]
    config = make_plan(text, {"a.csv": (HEADER, rows)})
    east = {o.region: o for o in safeplan.gap(config).outlook}["东县"]
    assert east.final_threshold == cap and east.on_track is False
    assert east.projected_value == float(Fraction(2**52) + Fraction(4, 3))
