"""The fast path for plain CSV files: the same tables and findings as the careful pass.

A plain CSV (no quotes, every row complete) is parsed by pandas straight from its bytes;
anything else goes through the csv module. These tests put the unusual rows where a
shortcut would miss them: deep in a big file, beyond pandas' first chunk of rows.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from safeplan.ingest.cells import check_numbers
from safeplan.ingest.csvtext import read_csv_text
from safeplan.ingest.read import read_file
from safeplan.ingest.table import LazyColumns, RawTable

HEADER = "year,region,accidents,deaths,industrial,road,major"
#: More rows than pandas parses in one chunk for seven columns (2**17).
ROWS = 140_000


def county_lines(n: int = ROWS) -> list[str]:
    return [f"{2000 + i % 20},县{i // 20},{i % 97},{i % 13},{i % 5},{i % 7},0" for i in range(n)]


def write(tmp_path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / "a.csv"
    path.write_bytes(newline.join([HEADER, *lines, ""]).encode(encoding))
    return path


def is_plain(table: RawTable | None) -> bool:
    return table is not None and isinstance(table.columns, LazyColumns)


def test_a_big_plain_file_takes_the_fast_path(tmp_path: Path) -> None:
    table, findings = read_file(write(tmp_path, county_lines()), "a.csv")
    assert not findings and is_plain(table)
    assert table is not None and table.n_rows == ROWS and table.encoding == "utf-8"
    assert table.lines[0] == 2 and table.lines[-1] == ROWS + 1
    assert table.cell(ROWS - 1, "region") == f"县{(ROWS - 1) // 20}"
    assert table.columns["deaths"][ROWS - 1] == str((ROWS - 1) % 13)


def short(line: str) -> str:
    return line.rsplit(",", 1)[0]


def long(line: str) -> str:
    return line + ",9"


def trailing_comma(line: str) -> str:
    return line + ","


@pytest.mark.parametrize(
    ("edits", "ragged"),
    [
        ({70_000: short}, [70_000]),
        ({ROWS - 1: long}, [ROWS - 1]),
        ({131_072: long}, [131_072]),  # the first row of pandas' second chunk
        # As many commas in all as complete rows would have: 1 + 1 - 1 - 1.
        ({3: long, 20: long, 131_071: short, 139_000: short}, [3, 20, 131_071, 139_000]),
        # pandas lets a long first data row set the width: it is counted here.
        ({0: long, 100_000: short}, [0, 100_000]),
        # An empty extra cell is an Excel artefact: no finding, but not a plain file either.
        ({0: trailing_comma, 100_000: short}, [100_000]),
    ],
    ids=["short", "long-last", "long-at-chunk", "compensating", "long-first", "trailing-comma"],
)
def test_ragged_rows_anywhere_in_a_big_file(
    tmp_path: Path, edits: dict[int, object], ragged: list[int]
) -> None:
    lines = county_lines()
    for row, edit in edits.items():
        lines[row] = edit(lines[row])  # type: ignore[operator]
    table, findings = read_file(write(tmp_path, lines), "a.csv")
    # Data row i is on line i + 2 (the header is line 1).
    assert [(f.code, f.line) for f in findings] == [("ragged-row", row + 2) for row in ragged]
    assert table is not None and not is_plain(table)
    assert table.n_rows == ROWS - len(ragged)


def test_invalid_utf8_deep_in_a_number_column_is_still_found(tmp_path: Path) -> None:
    path = write(tmp_path, county_lines())
    raw = path.read_bytes()
    at = raw.index(b"\n" + county_lines()[100_000].encode()) + 1
    at = raw.index(b",", raw.index(b",", at) + 1) + 1  # the accidents cell
    path.write_bytes(raw[:at] + b"\xff" + raw[at:])
    table, findings = read_file(path, "a.csv")
    assert table is None
    assert [(f.code, f.line) for f in findings] == [("mixed-encoding", 100_002)]


def test_text_in_a_number_column_beyond_the_first_chunk(tmp_path: Path) -> None:
    # pandas reads that column as numbers in one chunk and as text in the other.
    lines = county_lines()
    lines[135_000] = short(lines[135_000]) + ",12元"
    table, findings = read_file(write(tmp_path, lines), "a.csv")
    assert not findings and is_plain(table) and table is not None
    assert table.columns["major"][135_000] == "12元" and table.columns["major"][0] == "0"
    _, _, more = check_numbers(table, "major", count=True, denominator=False)
    assert [(f.code, f.line, f.value) for f in more] == [("non-numeric", 135_002, "12元")]


SMALL = [
    "2020,东县,1,2,0,1,0",
    "2020, 西县 ,3,,1,1,0",
    "2021,东县,007,2.50,0,1,1e2",
    "2021,西县,3,4,nan,1,-0",
    "2022,𠀀县,99999999999999999999,1,0,1,0",
]


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("gb18030", "\r\n"), ("utf-16", "\n")],
)
def test_fast_path_gives_the_careful_pass_table(
    tmp_path: Path, encoding: str, newline: str
) -> None:
    path = write(tmp_path, SMALL, encoding, newline)
    table, findings = read_file(path, "a.csv")
    assert not findings and is_plain(table) and table is not None
    assert table.encoding == encoding
    text = path.read_bytes().decode(encoding).lstrip("\ufeff")
    careful, more = read_csv_text(text, "a.csv", plain=False)
    assert not more and careful is not None and not is_plain(careful)
    assert table.header == careful.header and list(table.lines) == careful.lines
    for column in careful.header:
        cells = [table.cell(row, column) for row in range(table.n_rows)]
        assert cells == careful.columns[column] == table.columns[column]
    codes, labels = table.strip_column("region")
    assert labels[codes].tolist() == ["东县", "西县", "东县", "西县", "𠀀县"]
    assert table.cell(1, "region") == table.columns["region"][1] == "西县"


def test_lines_of_only_commas_and_blank_lines_are_not_plain() -> None:
    for text, blank in (
        (f"{HEADER}\n{SMALL[0]}\n,,,,,,\n{SMALL[1]}\n", [3]),
        (f"{HEADER}\n{SMALL[0]}\n{SMALL[1]}\n,,,,,,\n", []),
        (f"{HEADER}\n{SMALL[0]}\n\n{SMALL[1]}\n", [3]),
    ):
        table, findings = read_csv_text(text, "a.csv")
        # A blank row between data rows is a warning; one after the data is nothing.
        assert [(f.code, f.line) for f in findings] == [("blank-row", line) for line in blank]
        assert table is not None and not is_plain(table)
        assert table.n_rows == 2
    table, _ = read_csv_text(codecs.BOM_UTF8.decode() + f"{HEADER}\n{SMALL[0]}\n\n\n", "a.csv")
    assert is_plain(table)


@pytest.mark.parametrize(
    ("odd", "plain"),
    [
        ("\x0b", False),
        ("\x0c", False),
        ("\x1c", False),
        ("\x1d", False),
        ("\x1e", False),
        ("\r", False),
        ("\x85", False),
        ("\u2028", False),
        ("\u2029", False),
        ('"', False),
        ("\t", True),
        ("\x01", True),
        ("\x1f", True),
        ("\u2014", True),  # — starts with the lead byte of U+2028, as many signs do
        ("\u00a0", True),
    ],
)
def test_characters_that_need_the_careful_pass(odd: str, plain: bool) -> None:
    lines = [*SMALL[:3], SMALL[3].replace("西县", f"西{odd}县"), SMALL[4]]
    text = "\n".join([HEADER, *lines, ""])
    table, findings = read_csv_text(text, "a.csv")
    careful, more = read_csv_text(text, "a.csv", plain=False)
    assert is_plain(table) == plain
    assert [(f.code, f.line, f.message) for f in findings] == [
        (f.code, f.line, f.message) for f in more
    ]
    if table is not None and careful is not None:
        assert list(table.lines) == careful.lines
        for column in careful.header:
            assert table.columns[column] == careful.columns[column]


@pytest.mark.parametrize("quoted", [False, True], ids=["fast path", "careful pass"])
def test_cells_are_the_texts_of_cell_many_at_a_time(tmp_path: Path, quoted: bool) -> None:
    lines = [f"{2000 + i % 20}, 县{i // 20} ,{i % 97}.5,{i % 13},0,0,0" for i in range(300)]
    if quoted:
        lines[7] = '2007,"县,0",1,1,0,0,0'
    table, findings = read_file(write(tmp_path, lines), "a.csv")
    assert table is not None and not findings and is_plain(table) is not quoted
    rows = [299, 0, 7, 150, 7]
    for column in ("accidents", "region", "year"):
        one_by_one = [table.cell(row, column) for row in rows]
        assert table.cells(rows, column) == one_by_one
        if column == "accidents":
            assert one_by_one[1] == "0.5" and one_by_one[0] == f"{299 % 97}.5"
    assert len(table.columns["accidents"]) == 300  # materialises the lazy column
    assert table.cells(rows, "accidents") == [table.cell(row, "accidents") for row in rows]
    table.strip_column("region")
    assert table.cells(rows, "region") == [table.cell(row, "region") for row in rows]
    assert table.cells([150], "region") == ["县7"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("29.9999999999999999", "non-integer-count"), ("30.0", None), ("", "missing-value")],
    ids=["whole-only-as-a-float", "whole-with-a-point", "blank"],
)
def test_counts_in_a_big_file_are_decided_on_their_text(
    tmp_path: Path, text: str, code: str | None
) -> None:
    from safeplan.ingest.layout import YEARLY_ALIASES, headers_for

    lines = county_lines()
    cells = lines[100_000].split(",")
    cells[3] = text
    lines[100_000] = ",".join(cells)
    headers = headers_for(YEARLY_ALIASES, {}, used=["deaths"], counts=["deaths"])
    table, findings = read_file(write(tmp_path, lines), "a.csv", headers=headers)
    assert not findings and is_plain(table) and table is not None
    values, _, more = check_numbers(table, "deaths", count=True, denominator=False)
    assert [(f.code, f.line) for f in more] == ([(code, 100_002)] if code else [])
    assert values[0] == 0 and values[ROWS - 1] == (ROWS - 1) % 13


def test_a_number_column_read_again_as_text_is_the_text_of_its_lines(tmp_path: Path) -> None:
    # The losses of a plain ledger are read as floats; classify shows them as written, from
    # pandas reading that one column again as text. It must give each cell exactly as the
    # line holds it: trailing zeros, exponents, spaces, blanks, digits beyond a float.
    odd = ["12.50", "1e3", " 7 ", "", "0085", "1.0", "-0", "1E+03", "123456789012345678901.5"]
    lines = [f"{2000 + i % 20},县{i // 20},{odd[i % len(odd)]},{i % 13},0,0,0" for i in range(ROWS)]
    table, _ = read_file(write(tmp_path, lines), "a.csv")
    assert table is not None and is_plain(table)
    assert table.typed["accidents"].dtype.kind == "f"
    codes, texts = table.factorize("accidents")
    assert [texts[c] for c in codes.tolist()] == [line.split(",")[2] for line in lines]


def test_workbook_columns_are_coded_by_first_appearance() -> None:
    """The reading child sends each column as codes into its distinct values; booleans are
    their text, never the number 1 or 0 they equal as dict keys."""
    from array import array

    from safeplan.ingest.workbook import _coded

    rows: list[list[object]] = [[1.0, "a"], [True, ""], [1.0, "a"], [False, None], [0, "b"]]
    codes, uniques = _coded(rows, 0)
    assert array("i", codes).tolist() == [0, 1, 0, 2, 3]
    assert uniques == [1.0, "TRUE", "FALSE", 0]
    codes, uniques = _coded(rows, 1)
    assert array("i", codes).tolist() == [0, 1, 0, 2, 3]
    assert uniques == ["a", "", None, "b"]
