"""Reading any data file into a :class:`~safeplan.ingest.table.RawTable` and its findings.

Dispatches on the file: CSV (:mod:`safeplan.ingest.csvtext`) or workbook
(:mod:`safeplan.ingest.workbook`). Typed checks happen later, on the text kept here.

Limits hold for what is read, not for what a file claims: only regular files are read
(a FIFO or a device is a finding, never a wait), at most :data:`MAX_FILE_BYTES` of them,
a workbook's parts may not inflate past the same limit, and a CSV with more cells than
:data:`MAX_CELLS` is refused before its cells are split out (memory grows with the number
of cells, not with the bytes).
"""

from __future__ import annotations

import codecs
import csv
import os
import stat
from pathlib import Path

from safeplan.findings import Finding, finding
from safeplan.ingest import csvtext
from safeplan.ingest.csvtext import YEARLY, _plain_bytes, decode, read_csv_text
from safeplan.ingest.layout import Headers
from safeplan.ingest.table import RawTable

#: Workbook suffixes safeplan reads.
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def kind_of(path: Path, head: bytes) -> str | None:
    """``xlsx``, ``xls`` or ``ods`` from a file's first bytes (and suffix, for a zip);
    None for anything else, which is read as CSV (web systems export CSV named .xls)."""
    if head.startswith(b"PK\x03\x04"):
        return "ods" if path.suffix.lower() == ".ods" else "xlsx"
    if head.startswith(_OLE):
        return "xls"
    return None  # text, whatever the name says: read as CSV


#: Larger inputs are not statistics; they are refused before being read.
MAX_FILE_BYTES = 1 << 30

csv.field_size_limit(MAX_FILE_BYTES)

_UNSUPPORTED = {".xlsb", ".et", ".numbers", ".xlt", ".xltx", ".ots", ".wps"}


def size_text(size: int) -> str:
    """A size for a message: ``1 073 741 825 字节（1.00 GiB）``, never rounded onto a limit."""
    if size >= 1 << 30:
        shown = f"{size / (1 << 30):.2f} GiB"
    elif size >= 1 << 20:
        shown = f"{size / (1 << 20):.1f} MiB"
    else:
        return f"{size:,} 字节"
    return f"{size:,} 字节（{shown}）"


def _unreadable(file: str, reason: str) -> list[Finding]:
    return [finding("file-unreadable", file, reason, hint="给出一个可读的普通文件")]


def read_file(
    path: Path,
    file: str,
    *,
    sheet: str | None = None,
    headers: Headers = YEARLY,
) -> tuple[RawTable | None, list[Finding]]:
    """Read one data file (CSV or workbook) into a :class:`RawTable` and its findings."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None, [
            finding(
                "file-not-found",
                file,
                "文件不存在",
                hint="检查 indicators.yaml 中的路径（相对于 indicators.yaml 所在目录）",
            )
        ]
    except OSError as exc:
        return None, _unreadable(file, f"无法读取：{exc.strerror}")
    if stat.S_ISDIR(info.st_mode):
        return None, _unreadable(file, "这是一个目录，不是数据文件")
    if not stat.S_ISREG(info.st_mode):
        what = "命名管道（FIFO）" if stat.S_ISFIFO(info.st_mode) else "设备或套接字"
        return None, _unreadable(file, f"这是{what}，不是普通文件")
    if info.st_size > MAX_FILE_BYTES:
        return None, [_too_large(file, info.st_size)]
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED:
        return None, [
            finding(
                "unsupported-format",
                file,
                f"不支持 {suffix} 文件",
                hint="在 Excel 中另存为 .xlsx，或导出“CSV UTF-8（逗号分隔）”",
            )
        ]
    raw, problem = _read_bytes(path, file, head=suffix in SUFFIXES)
    if raw is None:
        return None, problem
    kind = kind_of(path, raw[:8])
    if kind is not None:
        from safeplan.ingest.workbook import read_workbook

        return read_workbook(path, file, kind, sheet=sheet, headers=headers)
    if suffix in SUFFIXES:  # not a workbook after all: read the whole file as text
        raw, problem = _read_bytes(path, file, head=False)
        if raw is None:
            return None, problem
    return read_csv_bytes(raw, file, headers)


def _too_large(file: str, size: int) -> Finding:
    return finding(
        "file-too-large",
        file,
        f"文件有 {size_text(size)}，超过 {size_text(MAX_FILE_BYTES)} 的上限，不像统计数据",
        hint="检查是否选错了文件；过大的台账请拆分为几个文件",
    )


def _read_bytes(path: Path, file: str, *, head: bool) -> tuple[bytes | None, list[Finding]]:
    """The file's bytes (only its first bytes when ``head``), at most the limit, never
    waiting: opened non-blocking and checked to be a regular file once open."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return None, _unreadable(file, f"无法读取：{exc.strerror}")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, _unreadable(file, "不是普通文件")
        if head:
            return os.read(fd, 8), []
        # One read of the size the file says it has (one more byte tells a file that grew):
        # the bytes are in memory once. A file that says nothing of its size (/proc) or
        # grows is read on in chunks, never past the limit.
        size = min(os.fstat(fd).st_size, MAX_FILE_BYTES) + 1
        chunks = [os.read(fd, size)]
        total = len(chunks[0])
        while total <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 24, MAX_FILE_BYTES + 1 - total))
            if not chunk:
                return chunks[0] if len(chunks) == 1 else b"".join(chunks), []
            chunks.append(chunk)
            total += len(chunk)
        return None, [_too_large(file, total)]
    except OSError as exc:
        return None, _unreadable(file, f"无法读取：{exc.strerror}")
    finally:
        os.close(fd)


def read_csv_bytes(
    raw: bytes, file: str, headers: Headers
) -> tuple[RawTable | None, list[Finding]]:
    """A CSV file's bytes: the fast path for plain UTF-8, else decoded and read carefully."""
    # Most files are plain UTF-8 CSV: parsed straight from the bytes, never decoded here
    # (the fast path counts their cells itself).
    bom = raw.startswith(codecs.BOM_UTF8)
    plain = _plain_bytes(raw, len(codecs.BOM_UTF8) if bom else 0, file, headers)
    if plain is not None:
        plain.encoding = "utf-8-sig" if bom else "utf-8"
        return plain, []
    # A file has fewer cells than bytes: only a big one is counted (at memchr speed).
    cells = 0
    if len(raw) > csvtext.MAX_CELLS:
        lines = max(raw.count(b"\n"), raw.count(b"\r"))
        cells = raw.count(b",") + lines
        if cells < 2 * lines:  # few commas: perhaps another delimiter
            cells = max(cells, raw.count(b";") + lines, raw.count(b"\t") + lines)
    if cells > csvtext.MAX_CELLS:
        return None, [
            finding(
                "file-too-large",
                file,
                f"文件约有 {cells:,} 个单元格，超过可安全读取的 {csvtext.MAX_CELLS:,} 个",
                hint="把台账拆分为几个文件（如按年份），每个文件一个数据集",
            )
        ]
    text, encoding, findings = decode(raw, file)
    del raw  # the text is all that is needed now
    if text is None:
        return None, findings
    # UTF-8 text without NULs removed is the very bytes the fast path has just refused.
    retry = encoding not in ("utf-8", "utf-8-sig") or bool(findings)
    table, more = read_csv_text(text, file, headers, plain=retry)
    if table is not None:
        table.encoding = encoding
    return table, findings + more
