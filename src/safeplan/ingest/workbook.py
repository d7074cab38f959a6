"""Workbooks (.xlsx, .xlsm, .xls, .ods): a sheet's cells, positions as ``Sheet!B7``.

Sheets are read with python-calamine (Rust) in a forked child process that may use at most
:data:`CHILD_MEMORY` more bytes and :data:`TIMEOUT` seconds: calamine allocates a dense
grid for a sheet's bounding box and aborts the whole process when that fails, so a tiny
hostile workbook (one cell in A1, one in XFD1048576) must never run in safeplan's own
process. The child also reads in parallel with the rest of start-up: it is forked before
pandas is imported (:func:`prefetch`).

The child sends each column coded (a code per row into the column's distinct values); the
parent lays the table out (:mod:`safeplan.ingest.layout`) and keeps numbers as floats.

calamine reads error cells (``#DIV/0!``) and formulas without a saved result as empty;
for .xlsx/.xlsm the sheet's XML is scanned for them (in the parent, while the child reads),
so they become findings instead of silent blanks. For .xls and .ods they read as blank
cells (a ``missing-value`` warning where a number is needed): a documented limit.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safeplan.findings import Finding, finding
from safeplan.ingest.layout import Headers, locate, name_columns
from safeplan.ingest.table import RawTable, TypedColumns
from safeplan.ingest.text import is_footnote

if TYPE_CHECKING:
    import numpy as np

#: A sheet whose bounding box holds more cells than this is refused before it is read.
MAX_CELLS = 20_000_000

#: Bytes of memory the reading child may use beyond what safeplan already has.
CHILD_MEMORY = 3 << 30

#: Seconds the reading child may take.
TIMEOUT = 120.0

#: Members of a workbook's zip archive beyond which it is no workbook.
MAX_MEMBERS = 10_000


def cell_text(value: object) -> str:
    """The text of a workbook cell, as it would read in a CSV export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == day_time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def column_letter(index: int) -> str:
    """``A`` for 0, ``Z`` for 25, ``AA`` for 26 …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_reference(title: str) -> str:
    """A sheet's name as it appears in a cell reference: quoted unless a plain word."""
    return f"'{title}'" if re.search(r"[^\w]", title) else title


# --------------------------------------------------------------------------- the child


def _read_sheet(path: str, sheet: str | None, sniffed: bool) -> dict[str, Any]:
    """Read one sheet with calamine: coded columns and what the layout needs.

    Runs in the child process. ``sniffed``: the suffix does not say what the file is, so
    calamine detects it from the content.
    """
    from python_calamine import (
        CalamineError,
        CalamineWorkbook,
        PasswordError,
        SheetTypeEnum,
        SheetVisibleEnum,
    )

    try:
        if sniffed:
            with open(path, "rb") as handle:
                book = CalamineWorkbook.from_filelike(handle)
        else:
            book = CalamineWorkbook.from_path(path)
        metas = book.sheets_metadata
        names = [m.name for m in metas]
        skipped: list[str] = []
        if sheet is None:
            sheets = [m for m in metas if m.typ == SheetTypeEnum.WorkSheet]
            visible = [m for m in sheets if m.visible == SheetVisibleEnum.Visible]
            if not visible:
                return {"error": "no-sheet", "message": "工作簿中没有可见的工作表", "names": names}
            chosen = visible[0].name
            skipped = [m.name for m in sheets[: sheets.index(visible[0])]]
        elif sheet in names:
            chosen = sheet
        else:
            return {"error": "no-sheet", "message": f"没有名为“{sheet}”的工作表", "names": names}
        grid = book.get_sheet_by_name(chosen)
        height, width = grid.height, grid.width
        if height * width > MAX_CELLS:
            return {"error": "too-many", "cells": height * width, "names": names}
        rows = grid.to_python()
        start = grid.start or (0, 0)
        merged = grid.merged_cell_ranges
    except PasswordError:
        return {"error": "password"}
    except (CalamineError, OSError, ValueError) as exc:
        if "limit exceeded" in str(exc).lower():  # .ods: repeated rows × columns
            return {"error": "too-many", "cells": None, "names": []}
        return {"error": "format", "message": str(exc)}
    except MemoryError:
        return {"error": "memory"}
    columns = [_coded(rows, j) for j in range(len(rows[0]) if rows else 0)]
    return {
        "sheet": chosen,
        "skipped": skipped,
        "start": tuple(start),
        "height": len(rows),
        "merged": [tuple(map(tuple, r)) for r in merged] if merged else [],
        "columns": columns,
    }


def _coded(rows: Sequence[Sequence[object]], j: int) -> tuple[bytes, list[object]]:
    """Column ``j`` of ``rows`` coded: a code per row (int32 bytes) into its distinct values,
    in order of first appearance. One pass, one hash per cell: this runs in the reading
    child, which is what the parent waits for."""
    from array import array
    from operator import itemgetter

    index: dict[object, int] = {}
    add = index.setdefault
    codes = array("i", [add(v, len(index)) for v in map(itemgetter(j), rows)])
    if any(type(u) is bool for u in index):
        # True == 1.0 as dict keys: booleans become their text before coding.
        index = {}
        add = index.setdefault
        texts = (cell_text(v) if type(v) is bool else v for v in map(itemgetter(j), rows))
        codes = array("i", [add(v, len(index)) for v in texts])
    return codes.tobytes(), list(index)


# --------------------------------------------------------------------------- the parent


@dataclass
class Pending:
    """A sheet being read by a child process (or already read, where there is no fork)."""

    path: Path
    sheet: str | None
    kind: str
    """``xlsx`` (also .xlsm), ``xls`` or ``ods``."""
    pid: int | None = None
    fd: int | None = None
    started: float = 0.0
    result: dict[str, Any] | None = None
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    scanned: str | None = None
    """The sheet whose XML was scanned for error cells."""

    def wait(self) -> dict[str, Any]:
        """The child's result (an ``error`` entry when it failed)."""
        if self.result is not None:
            return self.result
        import pickle

        assert self.pid is not None and self.fd is not None
        import select

        chunks: list[bytes] = []
        deadline = self.started + TIMEOUT
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    os.kill(self.pid, 9)
                    self.result = {"error": "timeout"}
                    break
                ready, _, _ = select.select([self.fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self.fd)
            _, status = os.waitpid(self.pid, 0)
        if self.result is None:
            try:
                self.result = pickle.loads(b"".join(chunks)) if chunks else None
            except (pickle.UnpicklingError, EOFError, ValueError):
                self.result = None
            if self.result is None:
                # Killed (the memory limit makes calamine abort) or died some other way.
                self.result = {"error": "memory", "status": status}
        return self.result


_PENDING: dict[tuple[Path, str | None], Pending] = {}


def start(path: Path, sheet: str | None, kind: str) -> Pending:
    """Start reading a sheet in a child process (or read it here, where there is no fork)."""
    key = (path, sheet)
    pending = _PENDING.pop(key, None)
    if pending is not None:
        return pending
    sniffed = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}.get(
        path.suffix.lower()
    ) != kind or (kind == "xlsx" and _is_ods(path))
    pending = Pending(path, sheet, kind)
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: no isolation, same result
        pending.result = _read_sheet(str(path), sheet, sniffed)
        return pending
    limit = _memory_limit()
    read_end, write_end = os.pipe()
    import warnings

    try:
        with warnings.catch_warnings():
            # Python 3.12 warns about forking a process with threads (numpy's BLAS pool);
            # the child only reads the file and writes to the pipe, taking no lock they hold.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:  # no process to spare: read here, without the child's limits
        os.close(read_end)
        os.close(write_end)
        pending.result = _read_sheet(str(path), sheet, sniffed)
        return pending
    if pid == 0:  # the child: read, send, and leave without running any cleanup
        try:
            os.close(read_end)
            import faulthandler
            import resource

            # No core file and no fault report when calamine aborts on the memory limit:
            # the parent reports it.
            faulthandler.disable()
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if limit is not None:
                _, hard = resource.getrlimit(resource.RLIMIT_AS)
                if hard == resource.RLIM_INFINITY or limit <= hard:
                    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
            import pickle

            payload = pickle.dumps(_read_sheet(str(path), sheet, sniffed), protocol=5)
            view = memoryview(payload)
            while view:
                written = os.write(write_end, view)
                view = view[written:]
        except BaseException:  # nothing may escape a forked child
            os._exit(1)
        os._exit(0)
    os.close(write_end)
    pending.pid, pending.fd, pending.started = pid, read_end, time.monotonic()
    return pending


def discard() -> None:
    """Stop every read started by :func:`prefetch` and not collected (a run that ended
    early): a later run must read the file as it is then."""
    while _PENDING:
        _, pending = _PENDING.popitem()
        if pending.pid is not None and pending.result is None:
            try:
                os.kill(pending.pid, 9)
            except ProcessLookupError:  # pragma: no cover - already gone
                pass
            pending.wait()


def prefetch(path: Path, sheet: str | None) -> None:
    """Start reading a workbook now, so that it is read while the rest starts up.

    Does nothing for a file that is not a readable regular workbook file: :func:`read`
    then reports it.
    """
    import stat

    if (path, sheet) in _PENDING:
        return
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or path.suffix.lower() not in (
            ".xlsx",
            ".xlsm",
            ".xls",
            ".ods",
        ):
            return
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return
    from safeplan.ingest.read import kind_of

    kind = kind_of(path, head)
    if kind is None or _precheck(path, kind, "") is not None:
        return
    _PENDING[(path, sheet)] = start(path, sheet, kind)


def _is_ods(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return "content.xml" in archive.NameToInfo and "xl/workbook.xml" not in (
                archive.NameToInfo
            )
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _memory_limit() -> int | None:
    """This process's address space plus :data:`CHILD_MEMORY`, or None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            pages = int(handle.read().split()[0])
        return int(pages * os.sysconf("SC_PAGE_SIZE")) + CHILD_MEMORY
    except (OSError, ValueError, IndexError):
        return None


def _precheck(path: Path, kind: str, file: str) -> Finding | None:
    """Limits on what a workbook would inflate to, before anything reads it."""
    import zipfile

    from safeplan.ingest.read import MAX_FILE_BYTES, size_text

    if kind == "xls":
        try:
            with open(path, "rb") as handle:
                head = handle.read(1 << 20)
        except OSError:
            return None
        if "EncryptionInfo".encode("utf-16-le") in head:
            return finding(
                "unsupported-format",
                file,
                "工作簿有密码保护（已加密），无法读取",
                hint="在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存为 .xlsx",
            )
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return finding(
            "unsupported-format",
            file,
            f"不是可读的工作簿（zip 结构损坏：{exc}）",
            hint="在 Excel 中打开并重新另存为 .xlsx",
        )
    if len(members) > MAX_MEMBERS:
        return finding(
            "file-too-large",
            file,
            f"工作簿压缩包中有 {len(members):,} 个部件，不像统计数据（上限 {MAX_MEMBERS:,}）",
            hint="检查是否选错了文件",
        )
    total = sum(member.file_size for member in members)
    if total > MAX_FILE_BYTES:
        return finding(
            "file-too-large",
            file,
            f"工作簿解压后共 {size_text(total)}，超过 {size_text(MAX_FILE_BYTES)} 的上限",
            hint="检查是否选错了文件；过大的台账请拆分为几个文件",
        )
    return None


def read_workbook(
    path: Path,
    file: str,
    kind: str,
    *,
    sheet: str | None = None,
    headers: Headers,
) -> tuple[RawTable | None, list[Finding]]:
    """Read a workbook's sheet (the first visible one unless ``sheet`` names one)."""
    problem = _precheck(path, kind, file)
    if problem is not None:
        _PENDING.pop((path, sheet), None)
        return None, [problem]
    pending = start(path, sheet, kind)
    errors: dict[tuple[int, int], str] = {}
    guess = None
    if kind == "xlsx":
        guess = _sheet_part(path, sheet)
        if guess is not None:
            errors = _scan_errors(path, guess[1])
    result = pending.wait()
    if "error" in result:
        return None, [_failure(result, file, sheet)]
    if kind == "xlsx" and (guess is None or guess[0] != result["sheet"]):
        part = _sheet_part(path, result["sheet"])
        errors = _scan_errors(path, part[1]) if part is not None else {}
    findings: list[Finding] = []
    title = result["sheet"]
    reference = sheet_reference(title)
    if result["skipped"]:
        hidden = "、".join(f"“{name}”" for name in result["skipped"])
        findings.append(
            finding(
                "hidden-sheet",
                file,
                f"工作表 {hidden} 是隐藏的，读取的是第一个可见的工作表“{title}”",
                hint=f"若要读取隐藏的工作表，在路径后写 #工作表名，如 {path.name}#{result['skipped'][0]}",
                cell=f"{reference}!A1",
            )
        )
    grid = ColumnGrid.from_result(result, errors, reference)
    if grid.n_rows == 0:
        findings.append(
            finding("empty-file", file, f"工作表“{title}”是空的", cell=f"{reference}!A1")
        )
        return None, findings
    table, more = grid.table(file, headers)
    findings.extend(more)
    if table is not None:
        table.encoding = kind
    return table, findings


def _failure(result: dict[str, Any], file: str, sheet: str | None) -> Finding:
    """The finding for a sheet the child could not read."""
    from safeplan.ingest.read import size_text

    error = result["error"]
    if error == "password":
        return finding(
            "unsupported-format",
            file,
            "工作簿有密码保护，无法读取",
            hint="在 Excel 中取消密码后另存为 .xlsx",
        )
    if error == "no-sheet":
        shown = "、".join(result.get("names", [])) or "无"
        return finding(
            "unsupported-format",
            file,
            f"{result['message']}（工作表：{shown}）",
            hint="改正 indicators.yaml 中路径的 #工作表名 部分",
        )
    if error == "too-many":
        return finding(
            "file-too-large",
            file,
            (
                f"工作表的数据区域有 {result['cells']:,} 个单元格"
                if result.get("cells")
                else "工作表展开后的单元格太多"
            )
            + f"，超过 {MAX_CELLS:,} 个的上限",
            hint="删除表格右侧或下方远处的零散内容（它们让数据区域变得很大），或拆分文件",
        )
    if error == "timeout":
        return finding(
            "file-too-large",
            file,
            f"读取工作表超过 {TIMEOUT:.0f} 秒仍未完成（工作表过大或结构异常）",
            hint="在 Excel 中打开并另存为 .xlsx，或导出为 CSV UTF-8",
        )
    if error == "memory":
        return finding(
            "file-too-large",
            file,
            f"读取工作表需要的内存超过 {size_text(CHILD_MEMORY)} 的上限（可能是远处有零散单元格，"
            "或文件经过特意构造）",
            hint="删除表格右侧或下方远处的零散内容后另存，或导出为 CSV UTF-8",
        )
    return finding(
        "unsupported-format",
        file,
        f"不是可读的工作簿（{result.get('message', error)}）",
        hint="在 Excel 中打开并重新另存为 .xlsx",
    )


# --------------------------------------------------------------------------- error cells

_SHEET = rb"<(?:\w+:)?sheet\b([^>]*)/?>"
_REL = rb"<(?:\w+:)?Relationship\b([^>]*)/?>"
_ATTR = rb'([\w:]+)="([^"]*)"'


def _attributes(text: bytes) -> dict[str, str]:
    from html import unescape

    return {k.decode(): unescape(v.decode("utf-8", "replace")) for k, v in re.findall(_ATTR, text)}


def _sheet_part(path: Path, sheet: str | None) -> tuple[str, str] | None:
    """(name, zip member) of the named sheet, or of the first visible worksheet."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml")[: 1 << 22]
            rels = archive.read("xl/_rels/workbook.xml.rels")[: 1 << 22]
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return None
    targets: dict[str, str] = {}
    for match in re.finditer(_REL, rels):
        attrs = _attributes(match.group(1))
        if attrs.get("Type", "").endswith("/worksheet"):
            target = attrs.get("Target", "")
            targets[attrs.get("Id", "")] = (
                target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            )
    for match in re.finditer(_SHEET, workbook):
        attrs = _attributes(match.group(1))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        if rid not in targets:
            continue  # a chart sheet
        name = attrs.get("name", "")
        if sheet is not None:
            if name == sheet:
                return name, targets[rid]
        elif attrs.get("state", "visible") == "visible":
            return name, targets[rid]
    return None


_CELL = rb"(?s)<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)"
_REF = rb"""\br=["']([A-Z]{1,3})([0-9]{1,7})["']"""
_TYPE = rb"""\bt=["'](\w+)["']"""
_VALUE = rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>"
_FORMULA = rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)"


def _scan_errors(path: Path, member: str) -> dict[tuple[int, int], str]:
    """Error cells and formulas without a saved result in a sheet's XML, streamed.

    Returns (0-based row, 0-based column) → the text to show: the error value
    (``#DIV/0!``) or ``=`` and the formula. Only the few chunks that hold a formula or an
    error cell are parsed; a sheet of plain values is merely inflated.
    """
    import zipfile

    found: dict[tuple[int, int], str] = {}
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
            tail = b""
            while True:
                chunk = stream.read(1 << 22)
                data = tail + chunk
                if not chunk:
                    end = len(data)
                else:
                    end = _last_cell_start(data)
                    end = end if end > 0 else len(data)
                part = data[:end]
                # Every formula tag holds an "f": most chunks are ruled out by one memchr.
                formula = b"f" in part and (b"<f" in part or b":f>" in part or b":f " in part)
                if formula or b't="e"' in part or b"t='e'" in part:
                    _scan_part(part, found)
                tail = data[end:]
                if not chunk:
                    break
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return found
    return found


def _last_cell_start(data: bytes) -> int:
    """Where the last cell element of ``data`` starts (``<c `` or ``<c>``, or with a
    namespace prefix such as ``<x:c ``), so that no cell is cut between two chunks; -1 when
    there is none."""
    end = max(data.rfind(b"<c "), data.rfind(b"<c>"))
    for tag in (b":c ", b":c>"):
        at = data.rfind(tag, end + 1)
        if at > 0:
            start = data.rfind(b"<", 0, at)
            if start > end and data[start + 1 : at].isalnum():
                end = start
    return end


def _scan_part(part: bytes, found: dict[tuple[int, int], str]) -> None:
    from html import unescape

    for match in re.finditer(_CELL, part):
        attrs, body = match.group(1), match.group(2) or b""
        ref = re.search(_REF, attrs)
        if ref is None:
            continue
        kind = re.search(_TYPE, attrs)
        value = re.search(_VALUE, body)
        shown: str | None = None
        if kind is not None and kind.group(1) == b"e":
            shown = unescape(value.group(1).decode("utf-8", "replace")) if value else "#N/A"
        else:
            formula = re.search(_FORMULA, body)
            if formula is not None and (value is None or not value.group(1).strip()):
                text = formula.group(1)
                shown = "=" + (unescape(text.decode("utf-8", "replace")) if text else "（公式）")
        if shown is not None:
            letters, digits = ref.group(1).decode(), int(ref.group(2))
            column = 0
            for char in letters:
                column = column * 26 + ord(char) - 64
            found[(digits - 1, column - 1)] = shown


# --------------------------------------------------------------------------- the grid


class ColumnGrid:
    """A sheet's cells as coded columns (see :class:`safeplan.ingest.layout.Grid`)."""

    def __init__(
        self,
        columns: list[tuple[np.ndarray[Any, Any], list[object]]],
        n_rows: int,
        start: tuple[int, int],
        reference: str,
        merged: Sequence[tuple[tuple[int, int], tuple[int, int]]],
    ) -> None:
        self.columns = columns
        self._n = n_rows
        self.start = start
        self.reference = reference
        self.merged = merged
        self._blanks: dict[int, list[int]] = {}

    @classmethod
    def from_result(
        cls, result: dict[str, Any], errors: dict[tuple[int, int], str], reference: str
    ) -> ColumnGrid:
        """The grid of a child's result, with error cells written in as their text."""
        import numpy as np

        start = result["start"]
        n = result["height"]
        columns = [
            (np.frombuffer(codes, dtype=np.int32).copy(), list(uniques))
            for codes, uniques in result["columns"]
        ]
        if errors:
            rows = [r - start[0] for r, _ in errors]
            cols = [c - start[1] for _, c in errors]
            top, left = min(0, *rows), min(0, *cols)
            if top < 0 or left < 0:
                # An error cell above or left of every value: calamine's range missed it.
                start = (start[0] + top, start[1] + left)
                n -= top
                columns = [_pad(codes, uniques, -top, 0) for codes, uniques in columns]
                columns = [(np.zeros(n, dtype=np.int32), [""]) for _ in range(-left)] + columns
            height = max(n, max(rows) - top + 1)
            width = max(len(columns), max(cols) - left + 1)
            columns = [_pad(codes, uniques, 0, height - n) for codes, uniques in columns]
            columns += [
                (np.zeros(height, dtype=np.int32), [""]) for _ in range(width - len(columns))
            ]
            n = height
            for (r, c), text in errors.items():
                codes, uniques = columns[c - start[1]]
                codes[r - start[0]] = len(uniques)
                uniques.append(text)
        return cls(columns, n, start, reference, result["merged"])

    @property
    def n_rows(self) -> int:
        """Number of rows of the sheet's range."""
        return self._n

    def row(self, i: int) -> list[str]:
        """The texts of row ``i``."""
        out = []
        for codes, uniques in self.columns:
            out.append(cell_text(uniques[codes[i]]))
        return out

    def line(self, i: int) -> int:
        """The sheet row (1-based) of grid row ``i``."""
        return self.start[0] + i + 1

    def _blank_codes(self, j: int) -> list[int]:
        codes = self._blanks.get(j)
        if codes is None:
            codes = self._blanks[j] = [
                i
                for i, u in enumerate(self.columns[j][1])
                if u is None or (isinstance(u, str) and not u.strip())
            ]
        return codes

    def blank(self) -> np.ndarray[Any, Any]:
        """Per row: every cell blank."""
        import numpy as np

        out = np.ones(self._n, dtype=bool)
        for j, (codes, _) in enumerate(self.columns):
            out &= np.isin(codes, self._blank_codes(j))
        return out

    def footnotes(self, left: int) -> np.ndarray[Any, Any]:
        """Per row: the first non-blank cell (in a column ≤ ``left``) starts a footnote."""
        import numpy as np

        out = np.zeros(self._n, dtype=bool)
        before = np.ones(self._n, dtype=bool)  # every cell to the left is blank
        for j, (codes, uniques) in enumerate(self.columns[: left + 1]):
            notes = [i for i, u in enumerate(uniques) if isinstance(u, str) and is_footnote(u)]
            if notes:
                out |= before & np.isin(codes, notes)
            before &= np.isin(codes, self._blank_codes(j))
        return out

    def letter(self, j: int) -> str:
        """The column letter of grid column ``j``."""
        return column_letter(self.start[1] + j)

    def where(self, line: int, column: int | None) -> dict[str, Any]:
        """``line``, 1-based ``column`` and the ``Sheet!C5`` cell."""
        if column is None:
            return {"line": line, "cell": f"{self.reference}!{line}:{line}"}
        return {
            "line": line,
            "column": column + 1,
            "cell": f"{self.reference}!{self.letter(column)}{line}",
        }

    def table(self, file: str, headers: Headers) -> tuple[RawTable | None, list[Finding]]:
        """Lay the sheet out and build its table."""
        import numpy as np
        import pandas as pd

        layout, findings = locate(self, headers, file)
        if layout is None:
            return None, findings
        data = layout.data
        header_line = self.line(layout.header)
        blank_codes = {j: set(self._blank_codes(j)) for j in range(len(self.columns))}

        def has_data(j: int) -> bool:
            if j >= len(self.columns) or not len(data):
                return False
            codes, uniques = self.columns[j]
            used = _used(codes[data], len(uniques)).tolist()
            return not set(used) <= blank_codes[j]

        named, more = name_columns(layout, headers, file, header_line, self.where, has_data)
        findings.extend(more)
        if named.width == 0:
            findings.append(
                finding("empty-file", file, "表头行是空的", **self.where(header_line, None))
            )
            return None, findings
        if not len(data):
            findings.append(
                finding(
                    "no-data-rows",
                    file,
                    "表格有表头，但没有数据行",
                    hint="在表头下填入各行数据",
                    **self.where(header_line, None),
                )
            )
        typed: dict[str, Any] = {}
        for j, name in enumerate(named.header):
            if j < len(self.columns):
                codes, uniques = self.columns[j]
                typed[name] = _typed_column(codes[data], uniques)
            else:
                typed[name] = pd.Categorical.from_codes(np.zeros(len(data), dtype=np.int32), [""])
        frame = pd.DataFrame(typed) if typed else pd.DataFrame(index=range(len(data)))
        lines = (data + self.start[0] + 1).tolist()
        table = RawTable(
            file=file,
            header=named.header,
            columns=TypedColumns(named.header, frame),
            lines=lines,
            header_line=header_line,
            original=named.display,
            typed=frame,
            sheet=self.reference,
            letters=[self.letter(j) for j in range(named.width)],
            units={n: u for n, u in zip(named.header, named.units, strict=True) if u},
        )
        findings.extend(self._merged(table, layout.data, named.width, file))
        return table, findings

    def _merged(
        self, table: RawTable, data: np.ndarray[Any, Any], width: int, file: str
    ) -> list[Finding]:
        """A finding for each merged range over data cells; its hidden cells are noted."""
        if not len(data) or not self.merged:
            return []
        first, last = int(data[0]) + self.start[0], int(data[-1]) + self.start[0]
        rows = set((data + self.start[0]).tolist())
        findings = []
        for (r0, c0), (r1, c1) in self.merged:
            j0, j1 = c0 - self.start[1], c1 - self.start[1]
            if r1 < first or r0 > last or j1 < 0 or j0 >= width:
                continue
            if not any(r in rows for r in range(r0, r1 + 1)):
                continue
            span = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
            value = self.row(r0 - self.start[0])[j0] if 0 <= j0 < len(self.columns) else ""
            name = table.header[j0] if 0 <= j0 < width else ""
            findings.append(
                finding(
                    "merged-cell",
                    file,
                    f"{span} 是合并单元格，只有左上角的 {column_letter(c0)}{r0 + 1} 有值"
                    + (f"（{value}）" if value else "")
                    + "，其余各格读作空白",
                    value=value or None,
                    hint="取消合并，并在每个格中填入它的值（Excel：取消合并后选中区域，"
                    "定位空值，输入 = 上一格，按 Ctrl+Enter）",
                    line=r0 + 1,
                    column=j0 + 1,
                    column_name=name or None,
                    cell=f"{self.reference}!{column_letter(c0)}{r0 + 1}",
                )
            )
            for r in range(r0, r1 + 1):
                for j in range(max(j0, 0), min(j1, width - 1) + 1):
                    if (r, j) != (r0, j0):
                        table.covered.add((r + 1, j + 1))
        return findings


def _pad(
    codes: np.ndarray[Any, Any], uniques: list[object], before: int, after: int
) -> tuple[np.ndarray[Any, Any], list[object]]:
    """A column with blank rows added before and after."""
    import numpy as np

    if not before and not after:
        return codes, uniques
    blank = uniques.index("") if "" in uniques else len(uniques)
    if blank == len(uniques):
        uniques = [*uniques, ""]
    padded = np.concatenate(
        [np.full(before, blank, np.int32), codes, np.full(after, blank, np.int32)]
    )
    return padded, uniques


def _used(codes: np.ndarray[Any, Any], n: int) -> np.ndarray[Any, Any]:
    """The distinct codes (of ``n``) in ``codes``, ascending: ``np.unique`` by counting."""
    import numpy as np

    return np.flatnonzero(np.bincount(codes, minlength=n))


def _typed_column(codes: np.ndarray[Any, Any], uniques: list[object]) -> Any:
    """A column of data rows: floats when every cell is a number or blank, else coded text."""
    import numpy as np
    import pandas as pd

    used = _used(codes, len(uniques))
    present = [uniques[i] for i in used.tolist()]
    if all(
        (type(u) in (float, int)) or (isinstance(u, str) and not u.strip()) for u in present
    ) and any(type(u) in (float, int) for u in present):
        values = np.array(
            [u if type(u) in (float, int) else np.nan for u in uniques], dtype="float64"
        )
        return values[codes]
    texts = [cell_text(u) for u in uniques]
    remap, categories = pd.factorize(np.asarray(texts, dtype=object))
    return pd.Categorical.from_codes(
        remap[codes].astype(np.int32), categories=pd.Index(categories, dtype=object)
    )
