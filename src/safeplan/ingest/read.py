"""Reading any data file into a :class:`~safeplan.ingest.table.RawTable` and its findings.

Dispatches on the file: CSV (:mod:`safeplan.ingest.csvtext`) or workbook
(:mod:`safeplan.ingest.workbook`). Typed checks happen later, on the text kept here.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Mapping
from pathlib import Path

from safeplan.findings import Finding, finding
from safeplan.ingest.csvtext import _plain_bytes, decode, read_csv_text
from safeplan.ingest.layout import YEARLY_ALIASES
from safeplan.ingest.table import RawTable
from safeplan.ingest.workbook import read_xlsx

#: Larger inputs are not statistics; they are refused before being read.
MAX_FILE_BYTES = 1 << 30

csv.field_size_limit(MAX_FILE_BYTES)


def read_file(
    path: Path,
    file: str,
    *,
    sheet: str | None = None,
    aliases: Mapping[str, tuple[str, ...]] = YEARLY_ALIASES,
) -> tuple[RawTable | None, list[Finding]]:
    """Read one data file (CSV or .xlsx) into a :class:`RawTable` and its findings."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None, [
            finding(
                "file-not-found",
                file,
                "the file does not exist",
                hint="check the path in indicators.yaml (relative to its directory)",
            )
        ]
    except OSError as exc:
        return None, [finding("file-unreadable", file, f"cannot read: {exc.strerror}")]
    if path.is_dir():
        return None, [finding("file-unreadable", file, "is a directory, not a data file")]
    if size > MAX_FILE_BYTES:
        return None, [
            finding(
                "file-too-large",
                file,
                f"{size / (1 << 30):.1f} GiB is too large to be statistics (limit 1 GiB)",
            )
        ]
    suffix = path.suffix.lower()
    if suffix in {".xls", ".et", ".ods", ".numbers"}:
        return None, [
            finding(
                "unsupported-format",
                file,
                f"'{suffix}' files are not supported",
                hint="save the workbook as .xlsx or export CSV UTF-8",
            )
        ]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [finding("file-unreadable", file, f"cannot read: {exc.strerror}")]
    if suffix in {".xlsx", ".xlsm"} or raw[:4] == b"PK\x03\x04":
        return read_xlsx(raw, file, sheet=sheet, aliases=aliases)
    # Most files are plain UTF-8 CSV: parsed straight from the bytes, never decoded here.
    bom = raw.startswith(codecs.BOM_UTF8)
    plain = _plain_bytes(raw, len(codecs.BOM_UTF8) if bom else 0, file, aliases)
    if plain is not None:
        plain.encoding = "utf-8-sig" if bom else "utf-8"
        return plain, []
    text, encoding, findings = decode(raw, file)
    if text is None:
        return None, findings
    # UTF-8 text without NULs removed is the very bytes the fast path has just refused.
    retry = encoding not in ("utf-8", "utf-8-sig") or bool(findings)
    table, more = read_csv_text(text, file, aliases, plain=retry)
    if table is not None:
        table.encoding = encoding
    return table, findings + more
