"""Fuzzing the data files: random byte-level damage never crashes safeplan.

Whatever bytes a data file holds, ``validate`` exits 0 or 1 and ``check 2024`` exits 0, 1 or
2, with no traceback and no "internal error"; and ``check`` refuses (exit 2) whenever
``validate`` found a data error, printing the same findings.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from safeplan.cli import app

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "indicators.yaml"
FILES = sorted(p.name for p in (ROOT / "data").glob("*.csv"))

runner = CliRunner()

#: Bytes that matter to the reading pipeline: CSV syntax, line breaks, NUL, BOM pieces,
#: lone UTF-8 / GB18030 lead and trail bytes, digits and signs.
SPECIAL = [
    b'"',
    b",",
    b";",
    b"\t",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x80",
    b"\x81",
    b"\xa1",
    b"\xc0",
    b"\xe4",
    b"\xfe",
    b"\xff",
    b"-",
    b".",
    b"e",
    b"0",
    b"9",
    b" ",
    "人".encode(),
    "人".encode("gbk"),
    b"inf",
    b"nan",
    b"1e999",
]

chunk = st.one_of(
    st.sampled_from(SPECIAL),
    st.binary(min_size=1, max_size=4),
    st.binary(min_size=1, max_size=3).map(lambda b: bytes(0x80 | x for x in b)),
)


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple[str, float, bytes, int]]:
    """A few (operation, position in [0, 1), bytes, length) edits."""
    ops = st.tuples(
        st.sampled_from(["insert", "delete", "replace", "truncate"]),
        st.floats(min_value=0, max_value=1, exclude_max=True),
        chunk,
        st.integers(min_value=1, max_value=8),
    )
    return draw(st.lists(ops, min_size=1, max_size=6))


def mutate(raw: bytes, edits: list[tuple[str, float, bytes, int]]) -> bytes:
    """Apply the edits in order; positions are fractions of the current length."""
    data = bytearray(raw)
    for op, where, payload, length in edits:
        at = int(where * (len(data) + 1))
        if op == "insert":
            data[at:at] = payload
        elif op == "delete":
            del data[at : at + length]
        elif op == "replace":
            data[at : at + len(payload)] = payload
        else:
            del data[at:]
    return bytes(data)


def test_mutate_applies_every_kind_of_edit() -> None:
    raw = b"0123456789"
    assert mutate(raw, [("insert", 0.0, b'"', 1)]) == b'"0123456789'
    assert mutate(raw, [("delete", 0.5, b"", 3)]) == b"0123489"
    assert mutate(raw, [("replace", 0.0, b"\x00\x00", 1)]) == b"\x00\x00" + raw[2:]
    assert mutate(raw, [("truncate", 0.5, b"", 1)]) == b"01234"


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / CONFIG, tmp_path / CONFIG)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"safeplan {' '.join(args)} raised {result.exception!r}"
    )
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream
        assert "internal error" not in stream, stream
    return result


def error_lines(text: str) -> set[str]:
    """The ``path…: error code`` prefixes of findings printed as text."""
    return {
        line.split(" error ", 1)[0] + " error " + line.split(" error ", 1)[1].split(" ", 1)[0]
        for line in text.splitlines()
        if " error " in line and line.startswith("data/")
    }


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(FILES), edits=mutations())
def test_mutated_data_never_crashes(
    plan: Path, name: str, edits: list[tuple[str, float, bytes, int]]
) -> None:
    path = plan / "data" / name
    original = (ROOT / "data" / name).read_bytes()
    path.write_bytes(mutate(original, edits))
    config = str(plan / CONFIG)
    try:
        validated = invoke("validate", "--config", config, "--format", "json")
        text = invoke("validate", "--config", config)
        checked = invoke("check", "2024", "--config", config, "--format", "json")
    finally:
        path.write_bytes(original)

    assert validated.exit_code in (0, 1, 2)
    assert text.exit_code == validated.exit_code
    assert checked.exit_code in (0, 1, 2)
    if validated.exit_code == 2:
        # Only a data header that no longer names a column the plan uses makes the plan
        # itself unusable; that is a message naming the key, and check refuses it too.
        assert validated.stdout == ""
        assert "中没有列" in validated.stderr
        assert checked.exit_code == 2
        assert checked.stderr == validated.stderr
        return
    report = json.loads(validated.stdout)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert (validated.exit_code == 1) == bool(errors) == (report["ok"] is False)
    for f in report["findings"]:
        assert f["file"].startswith("data/")
        assert f["line"] is None or f["line"] >= 1
        assert f["column"] is None or f["column"] >= 1
    if errors:
        # check validates exactly as validate does and stops with the same findings.
        assert checked.exit_code == 2
        assert checked.stdout == ""
        assert error_lines(text.stdout) <= error_lines(checked.stderr)
    elif checked.exit_code != 2:
        results = json.loads(checked.stdout)["results"]
        assert results
        assert all(r["status"] in ("met", "missed", "no_data") for r in results)


#: Texts users type into cells: numbers in every spelling, units, blanks, quotes, years.
CELL_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "2.5",
            "1e999",
            "inf",
            "NaN",
            "12人",
            "1,234",
            '"1,234"',
            "—",
            "2024年",
            "2024.5",
            "1800",
            "2024",
            "年份",
            "year",
            "地区",
            "region",
            '"',
            '""',
            '"a\r\nb"',
            "\u3000",
            "１５",
            "#DIV/0!",
            "死亡人数",
        ]
    ),
    st.text(max_size=6),
)


def split_cells(raw: bytes) -> tuple[str, list[list[str]]]:
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "gb18030", raw.decode("gb18030")
    return encoding, [line.split(",") for line in text.split("\r\n")]


def edit_cells(
    plan: Path, name: str, edits: list[tuple[float, float, str]], *, header: bool
) -> None:
    """Replace cells (positions as fractions) in the header row or in the data rows."""
    path = plan / "data" / name
    encoding, rows = split_cells((ROOT / "data" / name).read_bytes())
    body = [r for r in rows[1:] if r != [""]]
    for row_at, col_at, text in edits:
        row = rows[0] if header else body[int(row_at * len(body))]
        row[int(col_at * len(row))] = text
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode(encoding, "replace"))


def assert_consistent(plan: Path, name: str) -> None:
    """validate and check agree, with exit codes 0, 1 or 2 and no crash."""
    config = str(plan / CONFIG)
    try:
        validated = invoke("validate", "--config", config, "--format", "json")
        checked = invoke("check", "2024", "--config", config)
    finally:
        (plan / "data" / name).write_bytes((ROOT / "data" / name).read_bytes())
    assert validated.exit_code in (0, 1, 2)
    assert checked.exit_code in (0, 1, 2)
    if validated.exit_code != 0:
        assert checked.exit_code == 2
    if validated.exit_code == 1:
        report = json.loads(validated.stdout)
        assert any(f["severity"] == "error" for f in report["findings"])


FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
CELL_EDITS = st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True), CELL_TEXT),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(name=st.sampled_from(FILES), edits=CELL_EDITS)
def test_edited_data_cells_never_crash(
    plan: Path, name: str, edits: list[tuple[float, float, str]]
) -> None:
    edit_cells(plan, name, edits, header=False)
    assert_consistent(plan, name)


@FUZZ
@example(name="accidents.csv", edits=[(0.0, 0.5, "")])  # once a crash: a blank header
@given(name=st.sampled_from(FILES), edits=CELL_EDITS)
def test_edited_header_cells_never_crash(
    plan: Path, name: str, edits: list[tuple[float, float, str]]
) -> None:
    edit_cells(plan, name, edits, header=True)
    assert_consistent(plan, name)


#: Cells offices write, right and wrong: separators, full-width digits, dashes, years with
#: 年, total labels, footnotes, invisible characters, spellings float() would accept.
OFFICE_TEXT = st.sampled_from(
    [
        "1,234.5",
        "１２，３４５",
        "1,23",
        "——",
        "…",
        "/",
        "2016年",
        "２０２４年",
        "合计",
        "合　计",
        "全市",
        "示例市",
        "注：快报数",
        "资料来源：统计局",
        "西湖县\u200b",
        "\x1b[31m东山县",
        "1_000",
        "0x10",
        "29.9999999999999999",
        "1e400",
        "#N/A",
        "=SUM(A1)",
        "－5",
        "+5",
        "3e1",
    ]
)


@FUZZ
@given(
    name=st.sampled_from(FILES),
    edits=st.lists(
        st.tuples(
            st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True), OFFICE_TEXT
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_office_spellings_never_crash(
    plan: Path, name: str, edits: list[tuple[float, float, str]]
) -> None:
    edit_cells(plan, name, edits, header=False)
    assert_consistent(plan, name)


ROW_KINDS = ["title", "unit", "blank", "footnote", "total", "junk-after-note"]


def laid_out(rows: list[list[str]], edits: list[tuple[float, str]]) -> list[list[str]]:
    """The bundled rows with rows an office adds: titles, units, blanks, notes, totals."""
    width = len(rows[0])
    header, body = rows[0], [r for r in rows[1:] if r != [""]]
    top: list[list[str]] = []
    for at, kind in edits:
        if kind == "title":
            top.append(["2016—2024年统计表"] + [""] * (width - 1))
        elif kind == "unit":
            top.append(["单位：人"] + [""] * (width - 1))
        else:
            i = int(at * (len(body) + 1))
            row = {
                "blank": [""] * width,
                "footnote": ["注：2024年为快报数"] + [""] * (width - 1),
                "total": [body[min(i, len(body) - 1)][0], "合计"] + ["1"] * (width - 2),
                "junk-after-note": ["说明：下表作废"] + ["x"] * (width - 1),
            }[kind]
            body.insert(i, row)
    return [*top, header, *body]


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(FILES),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(ROW_KINDS)), max_size=4
    ),
)
def test_layouts_read_alike_in_csv_and_xlsx(
    plan: Path, name: str, edits: list[tuple[float, str]]
) -> None:
    """The same rows as CSV and as .xlsx: the same findings at the same lines and columns."""
    from openpyxl import Workbook

    _, rows = split_cells((ROOT / "data" / name).read_bytes())
    rows = laid_out(rows, edits)
    path = plan / "data" / name
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode("utf-8"))
    config = plan / CONFIG
    original = config.read_text(encoding="utf-8")
    try:
        as_csv = invoke("validate", "--config", str(config), "--format", "json")
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append(
                [None if not c else int(c) if c.isascii() and c.isdigit() else c for c in row]
            )
        xlsx = path.with_suffix(".xlsx")
        book.save(xlsx)
        config.write_text(original.replace(f"data/{name}", f"data/{xlsx.name}"), "utf-8")
        as_xlsx = invoke("validate", "--config", str(config), "--format", "json")
    finally:
        config.write_text(original, "utf-8")
        path.write_bytes((ROOT / "data" / name).read_bytes())
    assert as_csv.exit_code == as_xlsx.exit_code
    if as_csv.exit_code == 2:
        assert as_xlsx.stderr.replace(".xlsx", ".csv") == as_csv.stderr
        return

    def places(result: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (f["code"], f["line"], f["column"]) for f in json.loads(result.stdout)["findings"]
        )

    assert places(as_csv) == places(as_xlsx)
