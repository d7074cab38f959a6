"""Tests of safeplan.classify: accident classes of 国务院令第493号 and yearly totals."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from random import Random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeplan.domain.classes import (
    CLASS_NAMES_EN,
    CLASS_NAMES_ZH,
    CLASSES,
    MEASURE_LABEL_ZH,
    MEASURE_UNIT_ZH,
    MEASURES,
    Classification,
    classify,
    describe,
    describe_all,
)
from safeplan.domain.derive import derive_yearly, yearly_columns
from safeplan.domain.exact import exact_sum


def one(deaths: int = 0, injuries: int = 0, loss: str = "0") -> Classification:
    """Classify a single record."""
    return classify(
        np.array([deaths], dtype=np.int64),
        np.array([injuries], dtype=np.int64),
        np.array([loss], dtype=object),
    )


def records(
    rows: list[tuple[int, int, int, str]],
    region: list[str] | None = None,
    sector: list[str | None] | None = None,
    sectors: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """derive_yearly over (year, deaths, injuries, loss) rows."""
    return derive_yearly(
        np.array([r[0] for r in rows], dtype=np.int64),
        None if region is None else np.array(region, dtype=object),
        None if sector is None else np.array(sector, dtype=object),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.int64),
        np.array([r[3] for r in rows], dtype=object),
        sectors=sectors or {},
    )


# --- constants -----------------------------------------------------------------------


def test_constants_name_the_four_classes_and_three_measures() -> None:
    assert CLASSES == ("general", "larger", "major", "especially_major")
    assert CLASS_NAMES_ZH == ("一般", "较大", "重大", "特别重大")
    assert CLASS_NAMES_EN == ("general", "larger", "major", "especially major")
    assert MEASURES == ("deaths", "serious_injuries", "direct_loss")
    assert [MEASURE_LABEL_ZH[m] for m in MEASURES] == ["死亡人数", "重伤人数", "直接经济损失"]
    assert [MEASURE_UNIT_ZH[m] for m in MEASURES] == ["人", "人", "万元"]


# --- each measure's boundaries (以上包括本数，以下不包括本数) --------------------------------


@pytest.mark.parametrize(
    ("deaths", "expected"),
    [(0, 0), (2, 0), (3, 1), (9, 1), (10, 2), (29, 2), (30, 3), (31, 3), (10_000, 3)],
)
def test_death_bounds(deaths: int, expected: int) -> None:
    c = one(deaths=deaths)
    assert c.code.tolist() == [expected]
    assert c.by_deaths.tolist() == [expected]
    assert c.by_injuries.tolist() == [0]
    assert c.by_loss.tolist() == [0]


@pytest.mark.parametrize(
    ("injuries", "expected"),
    [(0, 0), (9, 0), (10, 1), (49, 1), (50, 2), (99, 2), (100, 3), (101, 3)],
)
def test_serious_injury_bounds(injuries: int, expected: int) -> None:
    c = one(injuries=injuries)
    assert c.code.tolist() == [expected]
    assert c.by_injuries.tolist() == [expected]
    assert c.by_deaths.tolist() == [0]


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("0", 0),
        ("0.0", 0),
        ("999.99", 0),
        ("1000", 1),
        ("1000.0", 1),
        ("1e3", 1),
        ("1E+3", 1),
        ("4999.99", 1),
        ("5000", 2),
        (" 5000 ", 2),
        ("9999.99", 2),
        ("10000", 3),
        ("1e4", 3),
        ("123456.7", 3),
    ],
)
def test_loss_bounds(loss: str, expected: int) -> None:
    c = one(loss=loss)
    assert c.code.tolist() == [expected]
    assert c.by_loss.tolist() == [expected]


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("999.9999999999999999999", 0),
        ("9.999999999999999999999e2", 0),
        ("1000.0000000000000000001", 1),
        ("4999.999999999999999999", 1),
        ("4999.99999999999999999", 1),
        ("5000.000000000000000000", 2),
        ("9999.999999999999999999", 2),
        ("10000.00000000000000001", 3),
    ],
)
def test_loss_next_to_a_bound_is_decided_exactly(loss: str, expected: int) -> None:
    # The premise: a float cannot tell these texts from the bound itself.
    assert float(loss) in (1000.0, 5000.0, 10000.0)
    c = one(loss=loss)
    assert c.by_loss.tolist() == [expected]
    assert c.code.tolist() == [expected]


def test_a_parser_off_by_an_ulp_near_a_bound_does_not_decide(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The float parser is only trusted away from the bounds: simulate one that reads
    # "1000" one ulp low and "4999.999999999999" one ulp above 5000.
    def sloppy(values: object, errors: str = "raise") -> object:
        return np.array([np.nextafter(1000.0, 0.0), np.nextafter(5000.0, 1e9), 999.99])

    monkeypatch.setattr(pd, "to_numeric", sloppy)
    texts = np.array(["1000", "4999.999999999999", "999.99"], dtype=object)
    zeros = np.zeros(3, dtype=np.int64)
    assert classify(zeros, zeros, texts).code.tolist() == [1, 1, 0]


def test_a_loss_text_only_decimal_can_read_is_decided_and_summed_exactly() -> None:
    # Full-width digits (as typed with a Chinese IME): pandas cannot parse them.
    c = one(loss="１０００")
    assert c.code.tolist() == [1]
    df = records([(2020, 0, 0, "１０００"), (2020, 0, 0, "0.5")])
    assert df["direct_loss"].tolist() == [1000.5]


def test_exact_decisions_inside_a_large_array_land_on_the_right_rows() -> None:
    losses = ["1", "999.9999999999999999999", "2", "1000", "4999.99999999999999999", "5000"]
    losses = losses * 1000
    n = len(losses)
    zeros = np.zeros(n, dtype=np.int64)
    c = classify(zeros, zeros, np.array(losses, dtype=object))
    assert c.code.tolist() == [0, 0, 0, 1, 1, 2] * 1000


# --- several measures: the highest class wins ---------------------------------------------


@pytest.mark.parametrize(
    ("deaths", "injuries", "loss", "by", "expected"),
    [
        (2, 10, "0", (0, 1, 0), 1),
        (3, 50, "10000", (1, 2, 3), 3),
        (30, 0, "999", (3, 0, 0), 3),
        (1, 9, "5000", (0, 0, 2), 2),
        (10, 100, "1000", (2, 3, 1), 3),
        (9, 49, "4999.99", (1, 1, 1), 1),
        (29, 99, "9999.99", (2, 2, 2), 2),
        (2, 9, "999.99", (0, 0, 0), 0),
    ],
)
def test_highest_class_any_measure_reaches_wins(
    deaths: int, injuries: int, loss: str, by: tuple[int, int, int], expected: int
) -> None:
    c = one(deaths, injuries, loss)
    assert (c.by_deaths[0], c.by_injuries[0], c.by_loss[0]) == by
    assert c.code.tolist() == [expected]


def test_classification_arrays_are_int8_and_counts_add_up() -> None:
    c = classify(
        np.array([0, 3, 10, 30, 0], dtype=np.int64),
        np.array([0, 0, 0, 0, 100], dtype=np.int64),
        ["1", "2", "3", "4", "5"],
    )
    for arr in (c.code, c.by_deaths, c.by_injuries, c.by_loss):
        assert arr.dtype == np.int8
        assert len(arr) == 5
    assert len(c) == 5
    assert c.counts() == {"general": 1, "larger": 1, "major": 1, "especially_major": 2}


def test_empty_input_gives_empty_arrays() -> None:
    empty = np.zeros(0, dtype=np.int64)
    c = classify(empty, empty, np.zeros(0, dtype=object))
    assert len(c) == 0
    assert c.code.dtype == np.int8
    assert c.counts() == dict.fromkeys(CLASSES, 0)


@pytest.mark.parametrize(
    ("deaths", "injuries", "loss", "message"),
    [
        ([1, 2], [0], ["0"], "length"),
        ([-1], [0], ["0"], "non-negative"),
        ([0], [-5], ["0"], "non-negative"),
        ([1.5], [0], ["0"], "integers"),
        ([0], [0], ["abc"], "not a decimal"),
        ([0], [0], ["nan"], "finite"),
        ([0], [0], ["inf"], "finite"),
        ([0], [0], ["-1"], "non-negative"),
        ([0], [0], ["1,000"], "not a decimal"),
    ],
)
def test_invalid_input_is_rejected(
    deaths: list[float], injuries: list[int], loss: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        classify(np.array(deaths), np.array(injuries), np.array(loss, dtype=object))


# --- property: classify equals a per-row Decimal reference --------------------------------


def reference_class(deaths: int, injuries: int, loss_text: str) -> tuple[int, int, int, int]:
    """(code, by_deaths, by_injuries, by_loss), one record at a time, exactly."""
    loss = Decimal(loss_text.strip())

    def reached(value: int | Decimal, bounds: tuple[int, int, int]) -> int:
        return sum(1 for bound in bounds if value >= bound)

    by = (reached(deaths, (3, 10, 30)), reached(injuries, (10, 50, 100)))
    by_loss = reached(loss, (1000, 5000, 10000))
    return max(*by, by_loss), by[0], by[1], by_loss


counts = st.one_of(
    st.integers(0, 200),
    st.sampled_from([2, 3, 9, 10, 29, 30, 49, 50, 99, 100]),
)


@st.composite
def loss_texts(draw: st.DrawFn) -> str:
    """Loss texts, many of them a hair away from a bound, in the shapes Excel exports."""
    near = draw(st.booleans())
    if near:
        bound = Decimal(draw(st.sampled_from([1000, 5000, 10000])))
        digits = draw(st.integers(0, 30))
        step = Decimal(1).scaleb(-digits)
        value = bound + draw(st.sampled_from([-1, 0, 1])) * step
    else:
        value = draw(
            st.decimals(min_value=0, max_value=200_000, allow_nan=False, allow_infinity=False)
        )
    value = abs(value)
    shape = draw(st.sampled_from(["str", "fixed", "sci", "padded", "zeros"]))
    if shape == "fixed":
        text = format(value, "f")
    elif shape == "sci":
        text = format(value, "e")
    elif shape == "padded":
        text = f"  {format(value, 'f')} "
    elif shape == "zeros":
        text = format(value, "f") + ("" if "." in format(value, "f") else ".") + "000"
    else:
        text = str(value)
    return text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(counts, counts, loss_texts()), max_size=40))
def test_classify_matches_the_decimal_reference(rows: list[tuple[int, int, str]]) -> None:
    c = classify(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=object),
    )
    got = list(
        zip(
            c.code.tolist(),
            c.by_deaths.tolist(),
            c.by_injuries.tolist(),
            c.by_loss.tolist(),
            strict=True,
        )
    )
    assert got == [reference_class(*r) for r in rows]


# --- describe ----------------------------------------------------------------------------


def test_describe_names_the_deciding_measure_in_chinese() -> None:
    assert describe(2, 0, 0, "5000") == "重大: 直接经济损失 5000 万元 ≥ 5000"


def test_describe_names_the_deciding_measure_in_english() -> None:
    assert describe(2, 0, 0, "5000", lang="en") == "major: direct loss 5000 (10k yuan) ≥ 5000"


def test_describe_general_lists_every_measure_below_its_bound() -> None:
    assert (
        describe(0, 1, 0, "12.5")
        == "一般: 死亡 1 人 < 3，重伤 0 人 < 10，直接经济损失 12.5 万元 < 1000"
    )
    assert describe(0, 1, 0, "12.5", lang="en") == (
        "general: deaths 1 < 3, serious injuries 0 < 10, direct loss 12.5 (10k yuan) < 1000"
    )


def test_describe_joins_every_measure_that_reaches_the_class() -> None:
    # Deaths and loss reach 较大; injuries only 一般, so they are not named.
    assert describe(1, 3, 2, "1000") == "较大: 死亡 3 人 ≥ 3；直接经济损失 1000 万元 ≥ 1000"
    assert describe(3, 30, 100, "1e4", lang="en") == (
        "especially major: deaths 30 ≥ 30; serious injuries 100 ≥ 100; "
        "direct loss 1e4 (10k yuan) ≥ 10000"
    )


def test_describe_names_only_the_measures_of_the_winning_class() -> None:
    # Injuries reach 重大; deaths reach only 较大 and are not the reason.
    assert describe(2, 5, 60, "0") == "重大: 重伤 60 人 ≥ 50"


def test_describe_keeps_the_loss_text_and_strips_whitespace() -> None:
    text = describe(0, 0, 0, " 999.9999999999999999999 ")
    assert "直接经济损失 999.9999999999999999999 万元 < 1000" in text
    assert text.startswith("一般: ")


def test_describe_rejects_a_code_that_the_measures_do_not_give() -> None:
    with pytest.raises(ValueError, match="does not match"):
        describe(1, 0, 0, "999.9999999999999999999")


def test_describe_rejects_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="lang"):
        describe(0, 0, 0, "0", lang="fr")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(counts, st.one_of(st.none(), counts), st.one_of(st.none(), loss_texts())),
        max_size=40,
    ),
    st.sampled_from(["zh", "en"]),
)
def test_describe_all_gives_the_texts_of_describe(
    rows: list[tuple[int, int | None, str | None]], lang: str
) -> None:
    # The many-at-once form must say exactly what the one-at-a-time form says, for
    # records with measures not recorded, losses next to a bound and every class.
    deaths = np.array([r[0] for r in rows], dtype=np.int64)
    injuries = np.array([r[1] or 0 for r in rows], dtype=np.int64)
    losses = [(r[2] or "").strip() for r in rows]
    classes = classify(deaths, injuries, np.array([loss or "0" for loss in losses], dtype=object))
    texts = list(dict.fromkeys(losses))
    codes, reasons = describe_all(
        classes,
        deaths,
        injuries,
        np.array([r[1] is not None for r in rows], dtype=bool),
        np.array([texts.index(loss) for loss in losses], dtype=np.int64),
        texts,
        lang=lang,  # type: ignore[arg-type]
    )
    got = [reasons[c] for c in codes.tolist()]
    expected = [
        describe(int(code), d, i, loss, lang=lang)  # type: ignore[arg-type]
        for code, (d, i, loss) in zip(classes.code.tolist(), rows, strict=True)
    ]
    assert got == expected


def test_describe_all_of_nothing_is_empty() -> None:
    empty = np.zeros(0, dtype=np.int64)
    classes = classify(empty, empty, np.zeros(0, dtype=object))
    codes, reasons = describe_all(classes, empty, empty, np.zeros(0, dtype=bool), empty, [""])
    assert codes.tolist() == [] and reasons == []


# --- exact_sum -----------------------------------------------------------------------------


def test_exact_sum_does_not_round() -> None:
    assert 0.1 + 0.2 != 0.3  # the float trap this helper avoids
    assert exact_sum(["0.1", "0.2"]) == Fraction(3, 10)
    assert exact_sum([" 1e3 ", "0.000000000000000000001"]) == Fraction(10**24 + 1, 10**21)
    assert exact_sum([]) == 0


def test_exact_sum_rejects_what_is_not_a_finite_number() -> None:
    with pytest.raises(ValueError, match="finite"):
        exact_sum(["1", "Infinity"])
    with pytest.raises(ValueError, match="decimal"):
        exact_sum(["x"])


@settings(max_examples=100, deadline=None)
@given(st.lists(loss_texts(), max_size=30))
def test_exact_sum_equals_the_fraction_sum(texts: list[str]) -> None:
    assert exact_sum(texts) == sum((Fraction(Decimal(t.strip())) for t in texts), Fraction(0))


# --- derive_yearly -------------------------------------------------------------------------


def test_yearly_totals_fill_gap_years_with_zero_rows() -> None:
    df = records([(2022, 3, 0, "12.5"), (2019, 0, 0, "1000"), (2022, 0, 0, "0.5")])
    assert list(df.columns) == yearly_columns()
    assert df["year"].tolist() == [2019, 2020, 2021, 2022]
    assert df["accidents"].tolist() == [1, 0, 0, 2]
    assert df["deaths"].tolist() == [0, 0, 0, 3]
    assert df["larger"].tolist() == [1, 0, 0, 1]
    assert df["general"].tolist() == [0, 0, 0, 1]
    assert df["direct_loss"].tolist() == [1000.0, 0.0, 0.0, 13.0]
    assert df["year"].dtype == np.int64
    assert df["accidents"].dtype == np.int64
    assert df["direct_loss"].dtype == np.float64


def test_yearly_class_counts_and_their_sums() -> None:
    df = records(
        [
            (2020, 0, 0, "0"),  # 一般
            (2020, 3, 0, "0"),  # 较大
            (2020, 0, 50, "0"),  # 重大
            (2020, 0, 0, "10000"),  # 特别重大
            (2020, 1, 1, "999.9999999999999999999"),  # 一般 although its float is 1000
            (2021, 10, 0, "0"),  # 重大
        ]
    )
    row = df.iloc[0]
    assert [row[k] for k in CLASSES] == [2, 1, 1, 1]
    assert row["major_or_above"] == 2
    assert row["larger_or_above"] == 3
    assert row["serious_injuries"] == 51
    assert df["major_or_above"].tolist() == [2, 1]
    assert df["larger_or_above"].tolist() == [3, 1]
    assert (df[list(CLASSES)].sum(axis=1) == df["accidents"]).all()


def test_yearly_totals_per_region_cover_every_year_and_region() -> None:
    df = records(
        [(2021, 1, 0, "1"), (2023, 2, 0, "2"), (2021, 4, 0, "3")],
        region=["乙县", "甲县", "乙县"],
    )
    assert list(df.columns) == yearly_columns(with_region=True)
    keys = list(zip(df["year"], df["region"], strict=True))
    assert keys == sorted(keys)
    assert len(keys) == 3 * 2
    totals = {k: d for k, d in zip(keys, df["deaths"], strict=True)}
    assert totals[(2021, "乙县")] == 5
    assert totals[(2021, "甲县")] == 0
    assert totals[(2022, "乙县")] == 0
    assert totals[(2023, "甲县")] == 2
    assert df.loc[(df["year"] == 2022), "accidents"].tolist() == [0, 0]


def test_sector_groups_count_records_in_each_group() -> None:
    df = records(
        [
            (2020, 2, 0, "0"),  # 煤矿: industrial and mining
            (2020, 5, 0, "0"),  # 道路交通: road
            (2020, 7, 0, "0"),  # 渔业: in no group
            (2020, 1, 0, "0"),  # blank sector: in no group
            (2022, 1, 0, "0"),  # 建筑业: industrial
        ],
        sector=["煤矿", "道路交通", "渔业", None, "建筑业"],
        sectors={"industrial": ["煤矿", "建筑业"], "road": ["道路交通"], "mining": ["煤矿"]},
    )
    assert list(df.columns) == yearly_columns(["industrial", "road", "mining"])
    assert df["industrial_accidents"].tolist() == [1, 0, 1]
    assert df["industrial_deaths"].tolist() == [2, 0, 1]
    assert df["road_accidents"].tolist() == [1, 0, 0]
    assert df["road_deaths"].tolist() == [5, 0, 0]
    assert df["mining_accidents"].tolist() == [1, 0, 0]
    assert df["mining_deaths"].tolist() == [2, 0, 0]
    assert df["deaths"].tolist() == [15, 0, 1]
    assert df["industrial_deaths"].dtype == np.int64


def test_sector_groups_with_regions() -> None:
    df = records(
        [(2020, 2, 0, "0"), (2020, 3, 0, "0"), (2020, 4, 0, "0")],
        region=["A", "B", "A"],
        sector=["煤矿", "煤矿", "道路交通"],
        sectors={"industrial": ["煤矿"]},
    )
    assert df["region"].tolist() == ["A", "B"]
    assert df["industrial_deaths"].tolist() == [2, 3]
    assert df["industrial_accidents"].tolist() == [1, 1]


def test_sector_groups_without_a_sector_column_are_rejected() -> None:
    with pytest.raises(ValueError, match="sector"):
        records([(2020, 1, 0, "0")], sectors={"industrial": ["煤矿"]})


def test_missing_region_value_is_rejected() -> None:
    with pytest.raises(ValueError, match="region"):
        derive_yearly(
            np.array([2020, 2020], dtype=np.int64),
            np.array(["A", None], dtype=object),
            None,
            np.array([0, 0], dtype=np.int64),
            np.array([0, 0], dtype=np.int64),
            np.array(["0", "0"], dtype=object),
            sectors={},
        )


@pytest.mark.parametrize("with_region", [False, True])
def test_zero_records_give_an_empty_frame_with_the_columns(with_region: bool) -> None:
    df = records(
        [],
        region=[] if with_region else None,
        sector=[],
        sectors={"industrial": ["煤矿"]},
    )
    assert len(df) == 0
    assert list(df.columns) == yearly_columns(["industrial"], with_region=with_region)
    assert df["year"].dtype == np.int64
    assert df["deaths"].dtype == np.int64
    assert df["direct_loss"].dtype == np.float64


@st.composite
def record_rows(draw: st.DrawFn) -> list[tuple[int, str, str | None, int, int, str]]:
    """(year, region, sector, deaths, injuries, loss) records."""
    row = st.tuples(
        st.integers(2015, 2024),
        st.sampled_from(["甲", "乙", "丙"]),
        st.sampled_from(["煤矿", "道路交通", "渔业", None]),
        counts,
        counts,
        loss_texts(),
    )
    return draw(st.lists(row, min_size=1, max_size=30))


@settings(max_examples=100, deadline=None)
@given(record_rows())
def test_yearly_totals_match_a_per_row_reference(
    rows: list[tuple[int, str, str | None, int, int, str]],
) -> None:
    sectors = {"industrial": ["煤矿"], "all_named": ["煤矿", "道路交通", "渔业"]}
    df = derive_yearly(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=object),
        np.array([r[2] for r in rows], dtype=object),
        np.array([r[3] for r in rows], dtype=np.int64),
        np.array([r[4] for r in rows], dtype=np.int64),
        np.array([r[5] for r in rows], dtype=object),
        sectors=sectors,
    )
    expected: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    losses: dict[tuple[int, str], list[str]] = defaultdict(list)
    for year, region, sector, deaths, injuries, loss in rows:
        cell = expected[(year, region)]
        code = reference_class(deaths, injuries, loss)[0]
        cell["accidents"] += 1
        cell["deaths"] += deaths
        cell["serious_injuries"] += injuries
        cell[CLASSES[code]] += 1
        cell["major_or_above"] += code >= 2
        cell["larger_or_above"] += code >= 1
        for group, members in sectors.items():
            cell[f"{group}_accidents"] += sector in members
            cell[f"{group}_deaths"] += deaths if sector in members else 0
        losses[(year, region)].append(loss)

    years = range(min(r[0] for r in rows), max(r[0] for r in rows) + 1)
    regions = sorted({r[1] for r in rows})
    assert list(zip(df["year"], df["region"], strict=True)) == [
        (y, g) for y in years for g in regions
    ]
    int_columns = [c for c in yearly_columns(sectors) if c not in ("year", "direct_loss")]
    for record in df.to_dict("records"):
        key = (record["year"], record["region"])
        for column in int_columns:
            assert record[column] == expected.get(key, {}).get(column, 0), (key, column)
        exact = float(exact_sum(losses.get(key, [])))
        assert record["direct_loss"] == pytest.approx(exact, rel=1e-12, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(record_rows(), st.randoms(use_true_random=False))
def test_yearly_totals_from_codes_match_those_from_values(
    rows: list[tuple[int, str, str | None, int, int, str]], rng: Random
) -> None:
    # The codes index distinct values in any order, with values no record has.
    def factorized(values: list[str | None], extra: list[str]) -> tuple[np.ndarray, np.ndarray]:
        distinct = [v for v in dict.fromkeys(values) if v is not None] + extra
        rng.shuffle(distinct)
        index = {v: i for i, v in enumerate(distinct)}
        codes = np.array([index.get(v, -1) for v in values], dtype=np.int64)
        return codes, np.array(distinct, dtype=object)

    sectors = {"industrial": ["煤矿"], "all_named": ["煤矿", "道路交通", "渔业"]}
    region = [r[1] for r in rows]
    sector = [r[2] for r in rows]
    arrays = (
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[3] for r in rows], dtype=np.int64),
        np.array([r[4] for r in rows], dtype=np.int64),
        np.array([r[5] for r in rows], dtype=object),
    )
    year, deaths, injuries, loss = arrays
    from_values = derive_yearly(
        year,
        np.array(region, dtype=object),
        np.array(sector, dtype=object),
        deaths,
        injuries,
        loss,
        sectors=sectors,
    )
    many = [f"行业{i}" for i in range(200)]  # enough to total each group on its own
    for extra in ([], ["丁"], many):
        from_codes = derive_yearly(
            year,
            None,
            None,
            deaths,
            injuries,
            loss,
            sectors=sectors,
            region_codes=factorized(region, extra),
            sector_codes=factorized(sector, extra),
        )
        pd.testing.assert_frame_equal(from_codes, from_values)


# --- chunks ------------------------------------------------------------------------


def test_chunks_small_or_formatted_once_give_the_same_fields() -> None:
    """Records a chunk at a time are the records: the kinds of record formatted chunk by
    chunk (more of them than records in a chunk) or all once, the rest once for all."""
    from pathlib import Path

    from safeplan import api
    from safeplan.evaluate.classify import RECORD_FIELDS

    example = Path(__file__).parent.parent / "examples" / "records" / "indicators.yaml"
    result = api.classify(example)
    whole = result.fields(RECORD_FIELDS)
    assert len(result) > 7

    def fmt(key: str, values: list[object]) -> list[str]:
        return [f"{key}={value!r}" for value in values]

    expected = [[fmt(k, whole[k]) for k in RECORD_FIELDS]]
    expected_joined = [
        ";".join(p) for p in zip(*(fmt(k, whole[k]) for k in RECORD_FIELDS[5:]), strict=True)
    ]
    for once in (False, True):
        for size in (1, 3, 7, len(result)):
            chunks = list(result.chunks(RECORD_FIELDS, fmt, size, once=once))
            assert len(chunks) == -(-len(result) // size)
            got = [[t for c in chunks for t in c[i]] for i in range(len(RECORD_FIELDS))]
            assert got == expected[0]
            joined = list(result.chunks(RECORD_FIELDS, fmt, size, join=";", once=once))
            assert [t for c in joined for t in c[-1]] == expected_joined
