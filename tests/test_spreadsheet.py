"""Tests of safeplan.spreadsheet: the workbook is read back with openpyxl."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from safeplan.render.xlsx import (
    Column,
    Sheet,
    escape_text,
    sanitize_title,
    text_width,
    write_xlsx,
)

COLUMNS = (
    Column("name", "指标名称"),
    Column("year", "年份", "int"),
    Column("value", "指标值", "number", decimals=4),
    Column("raw", "原始值", "number"),
    Column("change", "变化率", "percent"),
    Column("change1", "变化率（1位）", "percent", decimals=1),
    Column("status", "状态"),
)

ROWS: list[dict[str, object]] = [
    {
        "name": "生产安全事故死亡人数",
        "year": 2024,
        "value": 0.0123,
        "raw": 1.5,
        "change": -2.17,
        "change1": 3.25,
        "status": "met",
    },
    {
        "name": "亿元GDP生产安全事故死亡率",
        "year": 2024,
        "value": None,
        "raw": None,
        "change": None,
        "change1": None,
        "status": "missed",
    },
    {"name": "重特大事故起数", "year": 2023, "status": "met"},
]


def _missed(row: Mapping[str, object]) -> bool:
    return row.get("status") == "missed"


def _open(sheets: Sequence[Sheet]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(write_xlsx(sheets)))


def _sheet(
    rows: Sequence[Mapping[str, object]] = ROWS,
    columns: Sequence[Column] = COLUMNS,
    **kwargs: Any,
) -> Worksheet:
    workbook = _open([Sheet("结果", columns, rows, **kwargs)])
    worksheet = workbook["结果"]
    assert isinstance(worksheet, Worksheet)
    return worksheet


def _fill(worksheet: Worksheet, coordinate: str) -> str | None:
    fill = worksheet[coordinate].fill
    if fill.fill_type != "solid":
        return None
    return str(fill.start_color.rgb)[-6:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 10 1234", "'+86 10 1234"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("示例市", "示例市"),
        ("a=1", "a=1"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_escape_text(text: str, expected: str) -> None:
    assert escape_text(text) == expected


def test_workbook_is_valid_xlsx_with_creator() -> None:
    data = write_xlsx([Sheet("结果", COLUMNS, ROWS)])
    assert data[:2] == b"PK"
    workbook = openpyxl.load_workbook(BytesIO(data))
    assert workbook.sheetnames == ["结果"]
    assert workbook.properties.creator == "safeplan"


def test_header_labels_bold_filled_and_frozen() -> None:
    worksheet = _sheet()
    assert [cell.value for cell in worksheet[1]] == [column.label for column in COLUMNS]
    assert all(cell.font.bold for cell in worksheet[1])
    assert all(cell.fill.fill_type == "solid" for cell in worksheet[1])
    assert worksheet.freeze_panes == "A2"
    assert worksheet.auto_filter.ref == "A1:G4"


def test_values_keep_full_precision() -> None:
    worksheet = _sheet()
    assert worksheet["A2"].value == "生产安全事故死亡人数"
    assert worksheet["B2"].value == 2024
    assert worksheet["C2"].value == pytest.approx(0.0123, abs=0, rel=1e-15)
    assert worksheet["E2"].value == pytest.approx(-2.17, abs=0, rel=1e-15)


def test_number_formats_per_kind() -> None:
    worksheet = _sheet()
    formats = [worksheet.cell(row=2, column=index).number_format for index in range(1, 8)]
    assert formats == ["@", "0", "0.0000", "General", '0.00"%"', '0.0"%"', "@"]


def test_number_format_without_decimals() -> None:
    assert Column("n", "n", "number", decimals=0).number_format == "0"
    assert Column("p", "p", "percent", decimals=0).number_format == '0"%"'


def test_none_missing_and_nan_give_empty_cells() -> None:
    rows = [{"name": None, "value": math.nan, "raw": float("inf")}]
    worksheet = _sheet(rows=rows)
    assert [cell.value for cell in worksheet[2]] == [None] * len(COLUMNS)
    worksheet = _sheet()
    assert [worksheet.cell(row=3, column=index).value for index in (3, 4, 5, 6)] == [None] * 4
    assert worksheet["C4"].value is None


def test_non_finite_numbers_are_not_written() -> None:
    # openpyxl would write an empty <v/> element, which is not a number Excel can read.
    data = write_xlsx([Sheet("s", COLUMNS, [{"value": math.nan, "raw": -math.inf}])])
    with zipfile.ZipFile(BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<v/>" not in xml
    assert b"<v />" not in xml
    assert b'r="C2"' not in xml


def test_exact_numbers_are_written_as_numbers() -> None:
    rows = [{"value": Fraction(1, 8), "raw": Decimal("2.5"), "year": True}]
    worksheet = _sheet(rows=rows)
    assert worksheet["C2"].value == 0.125
    assert worksheet["D2"].value == 2.5
    assert worksheet["B2"].value == 1
    assert worksheet["C2"].data_type == "n"


def test_text_in_number_column_is_rejected() -> None:
    with pytest.raises(TypeError, match="'value'"):
        write_xlsx([Sheet("s", COLUMNS, [{"value": "=1+1"}])])


def test_highlight_fills_only_matching_rows() -> None:
    worksheet = _sheet(highlight=_missed)
    assert {_fill(worksheet, f"{letter}3") for letter in "ABCDEFG"} == {"FFC7CE"}
    assert {_fill(worksheet, f"{letter}2") for letter in "ABCDEFG"} == {None}
    assert {_fill(worksheet, f"{letter}4") for letter in "ABCDEFG"} == {None}
    assert _fill(worksheet, "A1") != "FFC7CE"


def test_no_highlight_without_callback() -> None:
    worksheet = _sheet()
    assert _fill(worksheet, "A3") is None


@pytest.mark.parametrize("text", ["=1+1", "+86", "-x", "@SUM(A1)", "-5", '=HYPERLINK("x")'])
def test_formula_looking_text_is_an_escaped_string(text: str) -> None:
    worksheet = _sheet(rows=[{"name": text, "status": text}], notes=[text])
    for coordinate in ("A2", "G2", "A4"):
        cell = worksheet[coordinate]
        assert cell.data_type == "s"
        assert cell.value == "'" + text


def test_error_code_text_stays_a_string() -> None:
    worksheet = _sheet(rows=[{"name": "#N/A"}])
    assert worksheet["A2"].data_type == "s"
    assert worksheet["A2"].value == "#N/A"


def test_control_characters_do_not_break_the_workbook() -> None:
    worksheet = _sheet(rows=[{"name": "a\x00b"}])
    assert worksheet["A2"].value == "a\ufffdb"


def test_notes_below_the_table() -> None:
    worksheet = _sheet(notes=["注：数据来源于应急管理局。", "第二行"])
    assert worksheet["A5"].value is None
    assert worksheet["A6"].value == "注：数据来源于应急管理局。"
    assert worksheet["A7"].value == "第二行"
    assert worksheet.auto_filter.ref == "A1:G4"


def test_text_width_counts_wide_characters_twice() -> None:
    assert text_width("abcd") == 4
    assert text_width("安全生产") == 8
    assert text_width("ＧＤＰ") == 6  # fullwidth letters
    assert text_width("GDP死亡率") == 9
    assert text_width("短\n较长的一行") == 10
    assert text_width("") == 0


def test_cjk_columns_are_wider_than_ascii_columns() -> None:
    columns = [Column("cjk", "a"), Column("ascii", "b")]
    rows = [{"cjk": "安全生产事故死亡人数", "ascii": "abcdefghij"}]
    worksheet = _sheet(rows=rows, columns=columns)
    cjk = worksheet.column_dimensions["A"].width
    ascii_ = worksheet.column_dimensions["B"].width
    assert cjk > ascii_ >= 10


def test_widths_are_capped_and_explicit_widths_kept() -> None:
    columns = [Column("long", "a"), Column("fixed", "b", width=33)]
    worksheet = _sheet(rows=[{"long": "很" * 200, "fixed": "x"}], columns=columns)
    assert worksheet.column_dimensions["A"].width == 60
    assert worksheet.column_dimensions["B"].width == 33


def test_header_label_counts_for_width_and_a_long_one_wraps() -> None:
    columns = [Column("x", "死亡率", "number", decimals=2)]
    worksheet = _sheet(rows=[{"x": 0.5}], columns=columns)
    assert worksheet.column_dimensions["A"].width >= text_width(columns[0].label)
    columns = [Column("x", "工矿商贸就业人员十万人生产安全事故死亡率", "number", decimals=2)]
    worksheet = _sheet(rows=[{"x": 0.5}], columns=columns)
    assert 18 <= worksheet.column_dimensions["A"].width < text_width(columns[0].label)
    assert worksheet["A1"].alignment.wrap_text


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("结果", "结果"),
        ("a[b]c:d*e?f/g\\h", "a_b_c_d_e_f_g_h"),
        ("x" * 40, "x" * 31),
        ("'quoted'", "quoted"),
        ("", "Sheet"),
        ("///", "___"),
        ("History", "History_"),
    ],
)
def test_sanitize_title(title: str, expected: str) -> None:
    assert sanitize_title(title) == expected


def test_sheet_titles_are_sanitized_and_unique() -> None:
    long = "亿元GDP生产安全事故死亡率:2020/2025年度目标差距分析表格（全市）"
    sheets = [Sheet(long, COLUMNS, ROWS), Sheet(long, COLUMNS, ROWS), Sheet("A?", COLUMNS, [])]
    workbook = _open(sheets)
    names = workbook.sheetnames
    assert len(names) == 3
    assert all(len(name) <= 31 for name in names)
    assert not any(set(name) & set("[]:*?/\\") for name in names)
    assert len({name.casefold() for name in names}) == 3
    assert names[0] == sanitize_title(long)
    assert names[1].endswith(" (2)")
    assert names[2] == "A_"


def test_empty_table_keeps_header() -> None:
    worksheet = _sheet(rows=[])
    assert worksheet.max_row == 1
    assert worksheet["A1"].value == "指标名称"
    assert worksheet.auto_filter.ref == "A1:G1"


def test_no_sheets_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one sheet"):
        write_xlsx([])


def test_invalid_column_definition() -> None:
    with pytest.raises(ValueError, match="kind"):
        Column("x", "x", "datetime")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="decimals"):
        Column("x", "x", "number", decimals=-1)


# --------------------------------------------------------------------------- the workbooks

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def gap_book() -> openpyxl.Workbook:
    import safeplan
    from safeplan.render import render

    plan = safeplan.load_plan(ROOT / "indicators.yaml")
    data = render("gap", "xlsx", safeplan.gap(plan))
    assert isinstance(data, bytes)
    return openpyxl.load_workbook(BytesIO(data))


def test_every_sheet_prints_on_a4_landscape_one_page_wide(gap_book: openpyxl.Workbook) -> None:
    for sheet in gap_book.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize == 9 and setup.orientation == "landscape", sheet.title  # A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$2"  # title and header on every page


def test_cells_use_a_chinese_font_not_calibri(gap_book: openpyxl.Workbook) -> None:
    sheet = gap_book["完成情况表"]
    fonts = {c.font.name for row in sheet.iter_rows() for c in row if c.value is not None}
    assert fonts == {"宋体"}
    workbook = _open([Sheet("s", COLUMNS, ROWS)])
    assert workbook["s"]["A2"].font.name == "宋体"


def test_the_completion_sheet_is_the_offices_table(gap_book: openpyxl.Workbook) -> None:
    sheet = gap_book["完成情况表"]
    assert sheet["A1"].value == "表1\u3000示例市2024年控制指标完成情况"
    assert [c.value for c in sheet[2]] == [
        "序号", "指标名称", "单位", "指标属性", "基期值", "规划目标值", "序时进度要求",
        "2024年实际值", "较基期变化", "完成情况",
    ]  # fmt: skip
    deaths = [c for c in sheet[4]]
    assert [c.value for c in deaths[:4]] == [2, "生产安全事故死亡人数", "人", "约束性"]
    assert deaths[5].value == "较2020年下降10%（≤36.0）"
    assert deaths[6].value == pytest.approx(36.8) and deaths[6].number_format == '"≤"0.0'
    assert deaths[7].value == 35 and deaths[7].number_format == "0"
    assert deaths[8].value == pytest.approx(-12.5)
    assert deaths[8].number_format == '"上升"0.0"%";"下降"0.0"%";"持平"'  # shows 下降12.5%


def test_the_region_sheet_has_units_in_its_headers(gap_book: openpyxl.Workbook) -> None:
    sheet = gap_book["分地区"]
    header = [c.value for c in sheet[2]]
    assert header[0] == "地区" and header[3] == "3.亿元GDP生产安全事故死亡率（人/亿元）"
    west = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "西湖县")
    assert west[3].number_format == "0.0000" and _fill(sheet, west[3].coordinate) == "FFC7CE"
    assert west[1].value == 0 and _fill(sheet, west[1].coordinate) is None  # met: no fill


def test_the_grid_sheet_has_indicators_by_year(gap_book: openpyxl.Workbook) -> None:
    sheet = gap_book["逐年情况"]
    assert [c.value for c in sheet[2]] == [
        "指标名称", "单位", "地区", "规划目标值", "2020年", "2021年", "2022年", "2023年", "2024年",
    ]  # fmt: skip
    first = [c.value for c in sheet[3]]
    assert first[:4] == ["重特大事故起数", "起", "示例市", "≤0"]


def test_no_internal_ids_or_config_keys_and_no_float_noise(gap_book: openpyxl.Workbook) -> None:
    for sheet in gap_book.worksheets:
        texts = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
        assert not texts & {"id", "deaths", "gdp_death_rate", "max", "decline_pct"}
        assert not any("decline_pct" in t or "yoy_decline" in t for t in texts)
    with zipfile.ZipFile(BytesIO(_workbook_bytes())) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets"))
    import re

    numbers = re.findall(rb"<v>(-?[\d.]+(?:e-?\d+)?)</v>", xml)
    digits = [n.lstrip(b"-0.").replace(b".", b"") for n in numbers]  # significant digits
    assert numbers and all(len(d) <= 12 for d in digits), max(digits, key=len)


def _workbook_bytes() -> bytes:
    import safeplan
    from safeplan.render import render

    data = render("gap", "xlsx", safeplan.gap(safeplan.load_plan(ROOT / "indicators.yaml")))
    assert isinstance(data, bytes)
    return data


def test_float_noise_is_not_stored() -> None:
    worksheet = _sheet(rows=[{"value": 2.359999999999999, "raw": 0.1 + 0.2}])
    assert worksheet["C2"].value == 2.36 and worksheet["D2"].value == 0.3


def test_dates_are_dates() -> None:
    import datetime as dt

    columns = [Column("date", "日期", "date")]
    rows = [
        {"date": "2024-01-12"},
        {"date": "2024/2/3"},
        {"date": "2024年9月3日"},
        {"date": "2024-02-30"},
    ]
    worksheet = _sheet(rows=rows, columns=columns)
    values = [worksheet.cell(row=r, column=1).value for r in range(2, 6)]
    assert values[:3] == [
        dt.datetime(2024, 1, 12),
        dt.datetime(2024, 2, 3),
        dt.datetime(2024, 9, 3),
    ]
    assert worksheet["A2"].number_format == "yyyy-mm-dd"
    assert values[3] == "2024-02-30"  # not a date: shown as written


def test_check_writes_a_workbook(run, bundled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "check.xlsx"
    assert run("check", "2024", "-c", str(bundled), "-f", "xlsx", "-o", str(out)).exit_code == 1
    assert openpyxl.load_workbook(out).sheetnames == ["完成情况表", "分地区"]


@pytest.mark.parametrize("prefix", ["", "x:"])
@pytest.mark.parametrize("quote", ['"', "'"])
def test_error_cells_are_found_across_the_chunks_of_a_large_sheet(tmp_path, prefix, quote):
    """The sheet XML of a large workbook is scanned for error cells a few MB at a time; a
    cell is never cut in two between chunks, also in a sheet written with a namespace prefix
    (<x:c>) or with single-quoted attributes, as some exporters write them."""
    from safeplan.ingest.workbook import _scan_errors

    q = quote
    cell = f"<{prefix}c r={q}A{{}}{q}><{prefix}v>1</{prefix}v></{prefix}c>"
    error = f"<{prefix}c r={q}B{{}}{q} t={q}e{q}><{prefix}v>#DIV/0!</{prefix}v></{prefix}c>"
    rows = [cell.format(i) for i in range(1, 200_001)]
    head = f"<{prefix}worksheet><{prefix}sheetData>"
    # The cells around the first chunk boundary (4 MiB into the XML) are error cells.
    offset, k = len(head), 0
    while offset + len(rows[k]) <= 1 << 22:
        offset += len(rows[k])
        k += 1
    errors = {}
    for i in range(k - 3, k + 4):
        rows[i] = error.format(i + 1)
        errors[(i, 1)] = "#DIV/0!"
    xml = head + "".join(rows) + f"</{prefix}sheetData></{prefix}worksheet>"
    assert len(xml) > 1 << 22  # more than one chunk
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    assert _scan_errors(path, "xl/worksheets/sheet1.xml") == errors
