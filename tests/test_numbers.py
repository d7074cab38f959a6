"""The one number formatter and the one label table that every output uses."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import safeplan
from safeplan.render import Options, render
from safeplan.render.charts import chart_figure
from safeplan.render.completion import completion, precisions
from safeplan.render.document import Evaluation
from safeplan.render.html import report_html
from safeplan.render.labels import LABELS, change_text, target_text, whole_label, zh_quotes
from safeplan.render.numbers import (
    Precision,
    exact_number,
    fmt_fixed,
    fmt_gap,
    fmt_number,
    fmt_pair,
    precision,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (2.675, 2, "2.68"),  # 四舍五入 on the number as written, not on its binary float
        (0.014547570555717195, 4, "0.0145"),
        (36.8, 1, "36.8"),
        (35, 1, "35.0"),
        (35, 0, "35"),
        (-0.00001, 2, "0.00"),  # never "-0.00"
        (None, 2, "—"),
        (float("nan"), 2, "—"),
    ],
)
def test_fmt_fixed(value: float | None, decimals: int, shown: str) -> None:
    assert fmt_fixed(value, decimals) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (0, "0"),
        (115.0, "115"),
        (112.5, "112.5"),
        (0.0123456, "0.01235"),
        (-2.5, "-2.5"),
    ],
)
def test_fmt_number(value: float | None, shown: str) -> None:
    assert fmt_number(value) == shown


def test_each_indicator_has_one_precision() -> None:
    count = {"count": True, "target": {"kind": "decline_pct", "value": 10}}
    assert precision(count) == Precision(0, 1)  # 35 deaths, a requirement of 36.8
    assert precision({"count": True, "target": {"kind": "max", "value": 0}}) == Precision(0, 0)
    rate = {"count": False, "target": {"kind": "max", "value": 0.01}}
    assert precision(rate) == Precision(4, 4)  # 0.0145
    assert precision({"count": False, "target": {"kind": "max", "value": 1.35}}) == Precision(2, 2)
    decline = {"count": False, "target": {"kind": "decline_pct", "value": 30}}
    assert precision(decline, 0.0177) == Precision(4, 4)  # from the baseline value
    assert precision({**rate, "decimals": 3}) == Precision(3, 3)  # the plan's decimals win


def test_unequal_numbers_never_read_equal() -> None:
    assert fmt_pair(0.0100000001, 0.01, Precision(4, 4)) == ("0.0100000001", "0.0100000000")
    assert fmt_pair(17, 16.96, Precision(0, 1)) == ("17.00", "16.96")
    assert fmt_pair(35, 36.8, Precision(0, 1)) == ("35", "36.8")
    assert fmt_pair(0.01, 0.01, Precision(4, 4)) == ("0.0100", "0.0100")


@given(
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.integers(min_value=0, max_value=6),
)
def test_display_rounding_never_hides_a_difference(value: float, threshold: float, d: int) -> None:
    shown_value, shown_threshold = fmt_pair(value, threshold, Precision(d, d))
    if value != threshold:
        assert Decimal(shown_value) != Decimal(shown_threshold)
        assert (Decimal(shown_value) > Decimal(shown_threshold)) == (value > threshold)


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 6))
def test_a_gap_that_is_not_zero_never_reads_zero(gap: float, decimals: int) -> None:
    text = fmt_gap(gap, decimals)
    assert (Decimal(text) == 0) == (gap == 0)
    assert text.startswith("+") == (gap > 0)


def test_spreadsheet_numbers_carry_no_float_noise() -> None:
    assert exact_number(2.359999999999999) == Decimal("2.36")
    assert exact_number(0.1 + 0.2) == Decimal("0.3")
    assert exact_number(0.0100000001) == Decimal("0.0100000001")
    assert exact_number(125.0) == 125 and exact_number(None) is None
    assert exact_number(float(Fraction(1, 3))) == Decimal("0.333333333333")


def test_changes_as_planners_write_them() -> None:
    assert change_text(-12.5, "zh") == "下降12.5%"
    assert change_text(3.04, "zh") == "上升3.0%"
    assert change_text(0.01, "zh") == "持平"
    assert change_text(None, "zh") == "—"
    assert change_text(None, "zh", unchanged=True) == "持平"


def test_targets_are_worded_in_chinese_never_as_config_keys() -> None:
    assert target_text({"kind": "decline_pct", "value": 10}, 2020) == "较2020年下降10%"
    assert target_text({"kind": "max", "value": 0.01}, 2020) == "≤0.01"
    assert target_text({"kind": "yoy_decline", "value": True}, 2020) == "低于上年"
    assert "decline_pct" not in str(LABELS["zh"].values())


def test_chinese_quotation_marks() -> None:
    assert zh_quotes('示例市"十四五"安全生产规划') == "示例市“十四五”安全生产规划"
    assert zh_quotes("没有引号") == "没有引号"


# --------------------------------------------------------------------------- every output


def test_the_whole_plan_is_called_the_same_everywhere(make_plan) -> None:  # type: ignore[no-untyped-def]
    config = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: 死亡人数, value: a.deaths, unit: 人, target: {max: 5}}\n",
        {"a.csv": (["year", "region", "deaths"], [[2020, "甲县", 1], [2024, "甲县", 2]])},
    )
    plan = safeplan.load_plan(config)
    check, gap = safeplan.check(plan, 2024), safeplan.gap(plan)
    whole = whole_label(check.plan, "zh")
    assert whole == "全域"
    assert f"表1  {whole}2024年" in str(render("check", "table", check))
    assert f"| {whole} |" in str(render("gap", "markdown", gap))
    assert f"{whole}2024年控制指标完成情况" in report_html(Evaluation(check, gap))
    sheet = openpyxl.load_workbook(io.BytesIO(render("gap", "xlsx", gap))).worksheets[2]  # type: ignore[arg-type]
    assert whole in [c.value for c in sheet["C"]]
    assert chart_figure(gap, "d").axes[0].get_title() == f"死亡人数（{whole}）"


def test_the_same_number_reads_the_same_in_every_output() -> None:
    plan = safeplan.load_plan(ROOT / "indicators.yaml")
    check, gap = safeplan.check(plan, 2024), safeplan.gap(plan)
    lines = completion(check.results, check.indicators, check.plan, "zh")
    worker = next(line for line in lines if line.result.id == "worker_death_rate")
    assert worker.texts["actual"] == "0.400"  # 0.4 everywhere, with its indicator's decimals
    assert "| 0.400 |" in str(render("check", "markdown", check))
    assert re.search(r"\s0\.400\s", str(render("check", "table", check)))
    assert ">0.400<" in report_html(Evaluation(check, gap))
    book = openpyxl.load_workbook(io.BytesIO(render("check", "xlsx", check)))  # type: ignore[arg-type]
    row = next(
        r for r in book["完成情况表"].iter_rows(min_row=3) if r[1].value == worker.result.name
    )
    assert row[7].number_format == "0.000" and row[7].value == pytest.approx(0.4)
    assert precisions(check.results, check.indicators) == precisions(gap.rows, gap.indicators)


def test_display_rounding_never_changes_a_status(make_plan) -> None:  # type: ignore[no-untyped-def]
    config = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: r, name: 比率, value: a.rate, target: {max: 0.01}}\n",
        {"a.csv": (["year", "rate"], [[2020, "0.009"], [2024, "0.0100000001"]])},
    )
    check = safeplan.check(config, 2024)
    assert check.results[0].status == "missed"
    text = str(render("check", "table", check))
    assert "0.0100000001" in text and "≤0.0100000000" in text and "✗ 未达标" in text
    assert "0.0100000001" in str(render("check", "markdown", check))
    assert "0.0100000001" in str(render("check", "csv", check))


def test_json_is_unaffected_by_display() -> None:
    plan = safeplan.load_plan(ROOT / "indicators.yaml")
    text = str(render("check", "json", safeplan.check(plan, 2024), Options(csv_lang="zh")))
    assert text.startswith("{") and "\ufeff" not in text
    assert '"value": 0.014547570555717195' in text.replace("\n", " ") or "0.0145475705557" in text
