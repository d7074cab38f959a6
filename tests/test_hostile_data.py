"""Hostile data files: limits hold for what is read, promptly, in bounded memory.

A FIFO or a device is never waited on, a workbook is judged by what it would inflate to
and by the grid its reader would allocate (read in a child process that may not take more
than its share), a file just over the limit says by how much, and a cell a megabyte long
is named by its position, not echoed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from safeplan.ingest import csvtext, read, workbook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "indicators.yaml", tmp_path / "indicators.yaml")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(run: Any, plan: Path, code: str, file: str = "data/gdp.csv") -> dict[str, Any]:
    """validate exits 1 with ``code`` on ``file``; check exits 2 and prints it."""
    started = time.monotonic()
    result = run("validate", "-c", str(plan / "indicators.yaml"), "-f", "json")
    assert result.exit_code == 1, result.stderr
    (hit,) = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert (hit["code"], hit["file"]) == (code, file)
    checked = run("check", "2024", "-c", str(plan / "indicators.yaml"))
    assert checked.exit_code == 2
    where = ":".join(str(p) for p in (file, hit["line"], hit["column"]) if p is not None)
    assert f"{where}: error {code} " in checked.stderr
    assert time.monotonic() - started < 60  # promptly: no waiting, no gigabytes
    return hit


def test_a_fifo_as_a_data_file_is_not_waited_on(run, plan):
    path = plan / "data" / "gdp.csv"
    path.unlink()
    os.mkfifo(path)
    hit = refused(run, plan, "file-unreadable")
    assert "FIFO" in hit["message"]


def test_a_device_as_a_data_file(run, plan):
    path = plan / "data" / "gdp.csv"
    path.unlink()
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))  # like /dev/zero
    except PermissionError:
        pytest.skip("creating a device node needs privileges")
    hit = refused(run, plan, "file-unreadable")
    assert "设备" in hit["message"]


def test_a_file_just_over_the_limit_says_by_how_much(run, plan):
    path = plan / "data" / "gdp.csv"
    with open(path, "r+b") as handle:
        handle.truncate(read.MAX_FILE_BYTES + 1)  # sparse: no gigabyte on disk
    hit = refused(run, plan, "file-too-large")
    assert "1,073,741,825 字节" in hit["message"]
    assert "1.0 GiB" not in hit["message"]


def test_a_file_of_nul_bytes_stops_at_once(run, plan):
    path = plan / "data" / "gdp.csv"
    with open(path, "wb") as handle:
        handle.truncate(50_000_000)
    hit = refused(run, plan, "nul-byte")
    assert hit["line"] == 1


def test_a_csv_with_more_cells_than_can_be_read_is_refused_before_splitting(run, plan, monkeypatch):
    monkeypatch.setattr(csvtext, "MAX_CELLS", 50)
    result = run("validate", "-c", str(plan / "indicators.yaml"), "-f", "json")
    assert result.exit_code == 1
    found = {(f["code"], f["file"]) for f in json.loads(result.stdout)["findings"]}
    assert ("file-too-large", "data/gdp.csv") in found
    assert all(code == "file-too-large" for code, _ in found)


def test_a_large_unusual_csv_is_refused_before_it_is_read_cell_by_cell(run, plan, monkeypatch):
    monkeypatch.setattr(csvtext, "MAX_CAREFUL_CHARS", 100)
    path = plan / "data" / "gdp.csv"
    path.write_bytes(b'"' + path.read_bytes().replace(b",", b'","', 1))  # a quote: not plain
    refused(run, plan, "file-too-large")


def to_xlsx(plan: Path, book: Workbook) -> Path:
    path = plan / "data" / "gdp.xlsx"
    book.save(path)
    (plan / "data" / "gdp.csv").unlink()
    config = plan / "indicators.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("data/gdp.csv", "data/gdp.xlsx"), "utf-8"
    )
    return path


def gdp_book() -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["年份", "地区", "地区生产总值"])
    for year in range(2016, 2025):
        for region, gdp in (("临河区", 700), ("东山县", 500), ("西湖县", 400)):
            sheet.append([year, region, gdp + year - 2016])
    return book


def declare_size(path: Path, member: str, size: int) -> None:
    """Patch the uncompressed size a zip's central directory declares for ``member``."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        assert at >= 0, member
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name:
            struct.pack_into("<I", data, at + 24, size)
            break
        at += 4
    path.write_bytes(bytes(data))


def test_a_workbook_that_would_inflate_past_the_limit(run, plan):
    path = to_xlsx(plan, gdp_book())
    declare_size(path, "xl/worksheets/sheet1.xml", 0xFFFFFFF0)
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) > read.MAX_FILE_BYTES
    hit = refused(run, plan, "file-too-large", "data/gdp.xlsx")
    assert "解压后" in hit["message"]


def test_a_workbook_whose_grid_would_not_fit_in_memory(run, plan):
    """Two cells, A1 and XFD1048576: calamine would allocate 17 billion cells and abort
    the process; it runs in a child that may not, and safeplan reports it."""
    book = gdp_book()
    sheet = book.active
    assert sheet is not None
    sheet["XFD1048576"] = 1
    path = to_xlsx(plan, book)
    assert path.stat().st_size < 20_000
    hit = refused(run, plan, "file-too-large", "data/gdp.xlsx")
    assert "上限" in hit["message"]


def test_a_sheet_with_too_many_cells_is_refused_before_it_is_read(run, plan, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_CELLS", 20)
    to_xlsx(plan, gdp_book())
    hit = refused(run, plan, "file-too-large", "data/gdp.xlsx")
    assert "个单元格" in hit["message"]


def test_a_slow_workbook_is_stopped(run, plan, monkeypatch):
    monkeypatch.setattr(workbook, "TIMEOUT", 0.0)
    to_xlsx(plan, gdp_book())
    hit = refused(run, plan, "file-too-large", "data/gdp.xlsx")
    assert "秒" in hit["message"]


@pytest.mark.parametrize("junk", [b"", b"PK\x03\x04junk", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xx"])
def test_a_broken_workbook_is_unsupported(run, plan, junk):
    path = to_xlsx(plan, gdp_book())
    path.write_bytes(junk or path.read_bytes()[:400])
    refused(run, plan, "unsupported-format", "data/gdp.xlsx")


def test_a_csv_named_xls_is_read_for_what_it_is(run, plan):
    """A CSV saved with an .xls name (web systems export such files): its content decides."""
    before = run("check", "2024", "-c", str(plan / "indicators.yaml"), "-f", "json").stdout
    (plan / "data" / "gdp.csv").rename(plan / "data" / "gdp.xls")
    config = plan / "indicators.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("gdp.csv", "gdp.xls"), "utf-8")
    result = run("validate", "-c", str(config), "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["findings"] == []
    assert run("check", "2024", "-c", str(config), "-f", "json").stdout == before


def test_a_cell_of_a_megabyte_is_named_not_echoed(run, plan):
    path = plan / "data" / "gdp.csv"
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    cells = lines[5].split(",")
    cells[2] = "亿" * 1_000_000
    lines[5] = ",".join(cells)
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    result = run("validate", "-c", str(plan / "indicators.yaml"), "-f", "json")
    assert result.exit_code == 1
    assert len(result.stdout) < 5000
    (hit,) = json.loads(result.stdout)["findings"]
    assert (hit["code"], hit["line"], hit["column"]) == ("non-numeric", 6, 3)
    assert hit["value"].endswith("…（共1000000字符）")
    text_output = run("validate", "-c", str(plan / "indicators.yaml"))
    assert len(text_output.stdout) < 2000


def test_a_number_beyond_the_float_range(run, plan):
    path = plan / "data" / "gdp.csv"
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    cells = lines[3].split(",")
    cells[2] = "1e400"
    lines[3] = ",".join(cells)
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    result = run("validate", "-c", str(plan / "indicators.yaml"), "-f", "json")
    (hit,) = json.loads(result.stdout)["findings"]
    assert (hit["code"], hit["line"], hit["column"]) == ("non-finite", 4, 3)
    assert "RuntimeWarning" not in result.stderr


@pytest.mark.parametrize("special", ["/proc/self/mem", "/dev/zero", "/dev/null"])
def test_special_files_are_unreadable_at_once(special):
    path = Path(special)
    if not path.exists():
        pytest.skip(f"no {special} here")
    table, findings = read.read_file(path, special)
    assert table is None
    assert [f.code for f in findings] == ["file-unreadable"]


def test_without_a_process_to_spare_the_workbook_is_read_here(run, plan, monkeypatch):
    def no_fork() -> int:
        raise OSError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    to_xlsx(plan, gdp_book())
    result = run("validate", "-c", str(plan / "indicators.yaml"), "-f", "json")
    assert result.exit_code == 0, result.stdout
