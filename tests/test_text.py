"""The text rules every reader shares: headers, numbers, dashes, years, labels, characters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeplan.findings import finding, shorten
from safeplan.ingest.numbers import parse_numbers, whole_texts
from safeplan.ingest.text import (
    BAD,
    BLANK,
    DASH,
    ERROR,
    NON_FINITE,
    NUMBER,
    bad_character,
    canonical_number,
    is_dash,
    is_footnote,
    is_info_line,
    is_total_label,
    normalise_header,
    year_of,
)


@pytest.mark.parametrize(
    ("cell", "name", "unit"),
    [
        ("地区生产总值（亿元）", "地区生产总值", "亿元"),
        ("死亡人数(人)", "死亡人数", "人"),
        ("直接经济损失【万元】", "直接经济损失", "万元"),
        ("直接经济损失[元]", "直接经济损失", "元"),
        ("  ＧＤＰ　（亿元） ", "GDP", "亿元"),
        ("重伤人数（含急性工业中毒）", "重伤人数", "含急性工业中毒"),
        ("乡镇（街道）", "乡镇", "街道"),
        ("（亿元）", "(亿元)", None),  # never the whole header
        ("死亡(人)(人)", "死亡(人)", "人"),  # one unit only
        ("\ufeff年份", "年份", None),
        ("年份", "年份", None),
    ],
)
def test_headers_are_normalised(cell, name, unit):
    assert normalise_header(cell) == (name, unit)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("1234.5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("１２，３４５", "12345"),
        ("1,234,567", "1234567"),
        ("−5", "-5"),
        ("－5", "-5"),
        ("+5", "+5"),
        (" 12 ", "12"),
        (".5", ".5"),
        ("5.", "5."),
        ("1e3", "1e3"),
        ("1,23", None),
        ("12,3456", None),
        ("1_000", None),
        ("0x10", None),
        ("1 000", None),
        ("inf", None),
        ("12人", None),
        ("٣", None),  # digits of another script are no number here
        ("", None),
    ],
)
def test_number_grammar(text, canonical):
    assert canonical_number(text) == canonical


def test_parsed_kinds_of_a_column():
    texts = ["1", " ", "—", "abc", "#DIV/0!", "inf", "1e400", "1,000", "１２"]
    values, kinds = parse_numbers(texts)
    assert kinds.tolist() == [
        NUMBER,
        BLANK,
        DASH,
        BAD,
        ERROR,
        NON_FINITE,
        NON_FINITE,
        NUMBER,
        NUMBER,
    ]
    assert values[0] == 1 and values[7] == 1000 and values[8] == 12


def test_a_plain_column_parses_at_c_speed_and_alike():
    texts = [str(i) for i in range(1000)] + ["1e3", "-2.5"]
    values, kinds = parse_numbers(texts)
    assert (kinds == NUMBER).all() and values[-1] == -2.5


@given(st.lists(st.decimals(allow_nan=False, allow_infinity=False, places=3), max_size=20))
def test_parsing_agrees_with_decimal(numbers):
    texts = [f"{n:,}" for n in numbers]  # with thousands separators
    values, kinds = parse_numbers(texts)
    assert (kinds == NUMBER).all()
    assert values.tolist() == [float(n) for n in numbers]


@pytest.mark.parametrize(
    ("text", "whole"),
    [("30", True), ("30.0", True), ("3e1", True), ("1,000", True), ("29.9999999999999999", False)],
)
def test_whole_numbers_are_decided_on_the_text(text, whole):
    assert whole_texts([text]).tolist() == [whole]
    assert (Decimal(canonical_number(text) or "0") % 1 == 0) == whole


@pytest.mark.parametrize("text", ["—", "——", "－", "-", "…", "……", "/", "／", "...", " — "])
def test_dashes(text):
    assert is_dash(text)


@pytest.mark.parametrize("text", ["-5", "1/2", ".", "—5"])
def test_not_dashes(text):
    assert not is_dash(text)


@pytest.mark.parametrize(
    ("text", "year"),
    [("2016年", 2016), ("２０１６年", 2016), ("2016 年", 2016), ("2016年度", None)],
)
def test_years_with_nian(text, year):
    assert year_of(text) == year


def test_total_labels_and_footnotes():
    assert is_total_label("合　计") and is_total_label("全省") and is_total_label(" 总计 ")
    assert is_total_label("示例市", "示例市") and not is_total_label("示例市")
    assert not is_total_label("合计镇")
    assert is_footnote("注：快报数") and is_footnote("资料来源：统计局") and is_footnote(" 备注")
    assert not is_footnote("东山县")


@pytest.mark.parametrize(
    ("text", "info"),
    [
        ("单位：万元", True),
        ("单位:人", True),
        ("计量单位：亿元", True),
        ("填报单位：示例县应急管理局", True),
        ("填报日期：2024年1月", True),
        ("单位", True),
        ("单位名称", False),
        ("填报时间", False),
        ("年份", False),
    ],
)
def test_unit_lines(text, info):
    assert is_info_line(text) == info


@pytest.mark.parametrize(
    "text",
    ["西湖县\u200b", "\u202e西湖县", "西\x1b湖县", "西湖县\x7f", "\ufeff西湖县", "西湖\x85县"],
)
def test_invisible_and_control_characters(text):
    assert bad_character(text)


@pytest.mark.parametrize("text", ["西湖县", "西湖\t县", "西湖\u3000县", "Xīhú", "𠀀县"])
def test_ordinary_text(text):
    assert bad_character(text) is None


def test_long_cells_are_shortened_in_findings():
    long = "甲" * 10_000
    assert shorten(long) == "甲" * 200 + "…（共10000字符）"
    f = finding("non-numeric", "x.csv", f"“{long}” 不是数字", value=long, hint=long)
    assert len(f.message) < 250 and len(f.value or "") < 250 and len(f.hint or "") < 250
    short = finding("non-numeric", "x.csv", "“12人” 不是数字", value="12人")
    assert short.message == "“12人” 不是数字" and short.value == "12人"


@pytest.mark.parametrize("plan_region", ["示例市", "ABC", None, ""])
def test_the_quick_label_passes_agree_with_the_label_tests(plan_region):
    """The quick passes over many labels (totals, subtotals) decide as the label-by-label
    tests do, for ASCII labels (a 序号 column), compatibility forms that only NFKC reveals
    (U+FA72 全, the Kangxi 示), traditional forms, brackets and the plan's own label; no
    label is both a total and a subtotal."""
    from safeplan.ingest.text import (
        is_subtotal_label,
        is_total_label,
        subtotal_labels,
        total_labels,
    )

    labels = ["合计", "1", "ABC", "abc", "ABC合计", "\ufa72县", "\u2f70例市", "示例市总计", "合計"]
    labels += ["總計", "（合计）", "东县", "全 县", "Ａ市", "2024-01-05", "东县小计", ""]
    expected = [is_total_label(label, plan_region) for label in labels]
    assert total_labels(labels, plan_region) == expected
    subtotals = [is_subtotal_label(label, plan_region) for label in labels]
    assert subtotal_labels(labels, plan_region) == subtotals
    assert subtotals[labels.index("东县小计")]
    assert not any(total and subtotal for total, subtotal in zip(expected, subtotals, strict=True))
    assert expected[:3] == [True, False, plan_region == "ABC"]
    assert expected[5:8] == [True, plan_region == "示例市", plan_region == "示例市"]
