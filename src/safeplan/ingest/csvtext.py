"""CSV files: decoding and the structural pass.

A plain UTF-8 file (no quotes, every row complete: most submissions) is parsed by pandas
straight from its bytes, and its cells' text is split out of its lines only when asked for.
Anything else: bytes → BOM noted and stripped → the *whole* file decoded strictly as UTF-8,
else GB18030 → a structural pass with :mod:`csv` (quotes, delimiter, headers, field counts)
that keeps the physical line of every record.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from functools import partial
from operator import itemgetter
from typing import Any

from safeplan.findings import Finding, finding
from safeplan.ingest.layout import (
    YEARLY_ALIASES,
    Headers,
    ListGrid,
    locate,
    name_columns,
)
from safeplan.ingest.table import LazyColumns, RawTable
from safeplan.ingest.text import bad_character, is_footnote, normalise_header

#: The yearly headers, when a caller gives none.
YEARLY = Headers(YEARLY_ALIASES)

#: What makes a CSV need the careful pass, besides quotes: NUL, and line breaks that
#: str.split and the csv module would disagree about. Control bytes (a CR is one unless in
#: CRLF) ...
_ODD_CONTROLS = frozenset(b"\x00\x0b\x0c\r\x1c\x1d\x1e")


#: ... and U+0085, U+2028, U+2029: a lead byte, and the UTF-8 sequences it starts.
_ODD_SEQUENCES = (
    (b"\xc2", (b"\xc2\x85",)),
    (b"\xe2", (b"\xe2\x80\xa8", b"\xe2\x80\xa9")),
)


def _has_quote_or_odd_break(data: bytes) -> bool:
    """True when ``data`` holds a quote or one of the :data:`_ODD_SEQUENCES`.

    A byte is found at memchr speed; the three-byte sequences are only searched for when
    their (in Chinese text rare) lead byte occurs at all.
    """
    return b'"' in data or any(
        lead in data and any(seq in data for seq in sequences) for lead, sequences in _ODD_SEQUENCES
    )


#: Characters of a CSV that is read cell by cell (not by the fast path) at most: memory
#: grows to several times the text there.
MAX_CAREFUL_CHARS = 1 << 28

#: Cells of a CSV beyond which it is refused: each cell read costs tens of bytes.
MAX_CELLS = 20_000_000

#: A line longer than this (bytes) takes a plain CSV off the fast path.
_LONG_LINE = 1 << 24

#: From this many lines on, the key columns of a plain CSV are parsed as categories.
_CATEGORY_ROWS = 1 << 16


def _plain_csv(text: str, file: str, headers: Headers) -> RawTable | None:
    """:func:`_plain_bytes` of decoded text (a GB18030 or UTF-16 file): once as UTF-8."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: not from a file
        return None
    return _plain_bytes(data, 0, file, headers)


def _plain_bytes(data: bytes, start: int, file: str, headers: Headers) -> RawTable | None:
    """The fast path: a CSV without quotes whose rows are all complete.

    ``data[start:]`` is the text as UTF-8 (``start`` skips a BOM). Most submissions look
    like this. Such a file is parsed by pandas' C reader in one go, straight from the bytes;
    anything unusual returns ``None`` and goes through the careful structural pass.

    Invalid UTF-8 also returns ``None``: the header line is decoded here, and pandas decodes
    every other cell strictly (a cell with a non-ASCII byte is never a number, so its column
    is decoded as text).
    """
    import numpy as np
    import pandas as pd

    if _has_quote_or_odd_break(data) or b"\x00" in data:
        return None
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")  # a CR left over is odd
    end = len(data)
    if data.endswith(b"\n\n"):
        end = len(data.rstrip(b"\n"))
    elif data.endswith(b"\n"):
        end -= 1
    if end <= start or data[start] == 10:
        return None
    body = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
    # The control bytes in one pass: the line breaks, and any odd one among the others.
    # (Their offsets take 8 bytes each: a file of control bytes is the careful pass's.)
    low = body < 32
    if np.count_nonzero(low) > len(body) // 6 + 64:
        return None  # more control bytes than a table has line breaks
    breaks = np.flatnonzero(low)
    del low
    kinds = body[breaks]
    newline = kinds == 10
    if not newline.all():
        if not _ODD_CONTROLS.isdisjoint(kinds[~newline].tolist()):
            return None
        breaks = breaks[newline]
    if not len(breaks):
        return None
    breaks += start
    try:
        first = data[start : int(breaks[0])].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "," not in first:
        return None
    cells = first.removeprefix("\ufeff").split(",")
    # The first line must be the header, naming the key column, with clean names: title
    # rows, units and odd characters are the careful pass's to judge.
    if not any(headers.names_key(c) for c in cells) or any(map(bad_character, cells)):
        return None
    parsed = [normalise_header(c) for c in cells]
    header = [headers.canonical(name) for name, _ in parsed]
    width = len(header)
    if not all(header) or len(set(header)) != width:
        return None
    n_lines = len(breaks) + 1
    # Lengths of the data lines: none blank, and none of only commas (an empty row).
    lengths = np.diff(breaks, append=end) - 1
    if (lengths == 0).any() or (width > 1 and (lengths == width - 1).any()):
        return None
    if len(lengths) and int(lengths.max()) > _LONG_LINE:
        return None  # a line of megabytes is no statistics: the careful pass says so
    if n_lines * width > MAX_CELLS:
        return None  # the careful pass refuses it before splitting any cell
    # Every line holds width - 1 commas: in all, as many commas as that, none in a line too
    # many. pandas refuses a data row with more fields than ``names`` (ParserError), except
    # in the first data row, which only sets how many fields a row may have: so that one is
    # counted here. Then no row can be short either.
    if int(np.count_nonzero(body == 44)) != (width - 1) * n_lines:
        return None
    second = int(breaks[1]) if n_lines > 2 else end
    if data.count(b",", int(breaks[0]) + 1, second) != width - 1:
        return None
    # Key columns stay text. In a large file as categories, whose codes come with the parse
    # (see RawTable.factorize); in a small one sorting the categories costs more than that.
    text_type = "category" if n_lines > _CATEGORY_ROWS else object
    text_columns: dict[int, Any] = {
        i: text_type for i, name in enumerate(header) if name in ("region", "sector", "date")
    }
    # Counts are decided on their text ("29.9999999999999999" is no whole number, though
    # its float is): read as text (categories in a large file: pandas turns them into
    # integers only when every distinct text is an integer), parsed once per distinct value.
    text_columns.update({i: text_type for i, name in enumerate(header) if name in headers.counts})
    # pandas takes the bytes as they are when they end with the last data line (and at most
    # one line break): the header line (with any BOM) is skipped, not parsed.
    source = data if end >= len(data) - 1 else data[:end]
    try:
        typed = _read_plain(source, width, text_columns)
    except (ValueError, pd.errors.ParserError, pd.errors.ParserWarning):
        return None
    if len(typed) != n_lines - 1:
        return None
    typed.columns = header
    if not _plain_layout(typed, header, headers):
        return None
    return RawTable(
        file=file,
        header=header,
        columns=LazyColumns(
            header, data, start, end, breaks, ",", typed, partial(_text_column, source, width)
        ),
        lines=range(2, n_lines + 1),
        original=[c.replace("\ufeff", "").strip() for c in cells],
        typed=typed,
        units={name: unit for name, (_, unit) in zip(header, parsed, strict=True) if unit},
    )


def _read_plain(
    source: bytes, width: int, dtype: dict[int, Any], usecols: list[int] | None = None
) -> Any:
    """pandas' C reader on a plain CSV's bytes (see :func:`_plain_bytes`): columns named by
    their index, blank cells NaN, any other text as written."""
    import pandas as pd

    with warnings.catch_warnings():
        # Fields dropped: the careful pass. A column of numbers in one chunk of rows and
        # text in another is text (numbers and str mixed: LazyColumns splits its text).
        warnings.simplefilter("error", pd.errors.ParserWarning)
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        return pd.read_csv(
            io.BytesIO(source),
            header=None,
            skiprows=1,
            names=list(range(width)),
            usecols=usecols,
            dtype=dtype,
            keep_default_na=False,
            na_values=[""],
            engine="c",
            skip_blank_lines=False,
            index_col=False,
            encoding="utf-8",
            encoding_errors="strict",
        )


def _text_column(source: bytes, width: int, index: int) -> tuple[Any, list[str]] | None:
    """Column ``index`` of a plain CSV read again from its bytes, as text: each data row's
    code (int64) into the distinct cells as written, a blank cell ``""``; None should pandas
    make anything but text of a cell."""
    import numpy as np
    import pandas as pd

    values = _read_plain(source, width, {index: object}, [index])[index].to_numpy(dtype=object)
    raw_codes, uniques = pd.factorize(values)
    texts: list[str] = uniques.tolist()
    if not all(type(t) is str for t in texts):
        return None
    codes = raw_codes.astype(np.int64)
    blank = codes < 0
    if blank.any():
        codes[blank] = len(texts)
        texts.append("")
    return codes, texts


def _plain_layout(typed: Any, header: list[str], headers: Headers) -> bool:
    """Whether a plain CSV's rows are all data: no second header row, no footnote.

    A blank key cell in the first data row may start a second header row, and a first
    cell starting with 注/资料来源… a footnote: the careful pass decides both.
    """
    import pandas as pd

    key = next(i for i, name in enumerate(header) if name in headers.keys)
    if len(typed) and pd.isna(typed.iat[0, key]):
        return False
    first = typed.iloc[:, 0]
    if first.dtype.kind in "iufb":
        return True
    values = first.cat.categories if isinstance(first.dtype, pd.CategoricalDtype) else first
    starts = ("注", "备", "说", "资", "数", "\u3000", " ")  # a footnote's first character
    return not any(
        str(v).startswith(starts) and is_footnote(str(v)) for v in pd.unique(values.dropna())
    )


def _position(raw: bytes, offset: int, encoding: str = "utf-8") -> tuple[int, int]:
    """1-based line and character column of byte ``offset``."""
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode(encoding, errors="replace")) + 1
    return line, column


def decode(raw: bytes, file: str) -> tuple[str | None, str | None, list[Finding]]:
    """Decode a whole file: UTF-8 (BOM or not), UTF-16 with a BOM, else GB18030."""
    if raw.startswith(codecs.BOM_UTF8):
        raw, bom = raw[len(codecs.BOM_UTF8) :], "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            return (
                None,
                None,
                [
                    finding(
                        "bad-encoding",
                        file,
                        f"第 {exc.start} 字节不是有效的 UTF-16",
                        hint="另存为“CSV UTF-8（逗号分隔）”",
                    )
                ],
            )
    else:
        bom = None
    findings: list[Finding] = []
    if b"\x00" in raw:
        line, column = _position(raw, raw.index(b"\x00"))
        # Judged on the first megabyte: counting (or removing) a billion NULs takes long.
        sample = raw[: 1 << 20]
        utf16 = sample.count(b"\x00") * 4 > len(sample)
        findings.append(
            finding(
                "nul-byte",
                file,
                "文件中有 NUL 字节" + ("（像是没有字节顺序标记的 UTF-16 文件）" if utf16 else ""),
                line=line,
                column=column,
                hint="另存为“CSV UTF-8（逗号分隔）”" if utf16 else "删除 NUL 字符",
            )
        )
        if utf16:
            return None, None, findings  # no text to read on: not this encoding, not a CSV
        raw = raw.replace(b"\x00", b"")
    try:
        return raw.decode("utf-8"), bom or "utf-8", findings
    except UnicodeDecodeError as exc:
        utf8_error = exc
    line, column = _position(raw, utf8_error.start)
    bad = raw[utf8_error.start : utf8_error.start + 2].hex(" ").upper()
    if bom or (not raw[: utf8_error.start].isascii() and not _gb18030_rather(raw)):
        # Valid UTF-8 text before the bad byte: the file mixes encodings (pasted GBK cells).
        findings.append(
            finding(
                "mixed-encoding",
                file,
                f"字节 {bad} 不是 UTF-8，而它前面的文字是 UTF-8（文件混用了两种编码）",
                line=line,
                column=column,
                hint="重新输入这个单元格，整个文件另存为“CSV UTF-8（逗号分隔）”",
            )
        )
        return None, None, findings
    try:
        return raw.decode("gb18030"), "gb18030", findings
    except UnicodeDecodeError as exc:
        gb_start = exc.start
    # The file reads as GB18030 up to here: the bad byte is where GB18030 stops.
    gb_line, gb_column = _position(raw, gb_start, "gb18030")
    findings.append(
        finding(
            "bad-encoding",
            file,
            f"字节 {raw[gb_start]:02X} 既不是 UTF-8 也不是 GB18030（按 UTF-8 读从 "
            f"{line}:{column} 起出错，按 GB18030 读在此出错）",
            line=gb_line,
            column=gb_column,
            hint="另存为“CSV UTF-8（逗号分隔）”（Excel：另存为 → CSV UTF-8）",
        )
    )
    return None, None, findings


_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")


def _gb18030_rather(raw: bytes) -> bool:
    """Whether text that starts as valid UTF-8 is GB18030 after all: it all decodes as
    GB18030, and its first megabyte has more invalid UTF-8 sequences than valid non-ASCII
    characters (a few GBK characters, such as 统 or 计, happen to be valid UTF-8 pairs;
    a UTF-8 file with one pasted GBK cell is mostly valid)."""
    sample = raw[: 1 << 20].decode("utf-8", "replace")
    if len(_NON_ASCII.findall(sample)) >= sample.count("\ufffd"):
        return False
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_count(text: str) -> int:
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (0 if not text or text.endswith(("\n", "\r")) else 1)


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


def _unclosed_quote_line(text: str, from_line: int) -> int:
    """The line of the quote that opens and never closes, at or after ``from_line``."""
    starts = _line_starts(text)
    offset = starts[min(from_line, len(starts)) - 1]
    opened = offset
    inside = False
    for match in re.finditer('"', text[offset:]):
        inside = not inside
        if inside:
            opened = offset + match.start()
    import bisect

    return bisect.bisect_right(starts, opened)


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the first lines (a title above the header may have none)."""
    head = [line for line in text[:65536].splitlines()[:20] if line.strip()]
    if any("," in line for line in head):
        return ","
    counts = {d: sum(line.count(d) for line in head) for d in (";", "\t", "|", "，")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse(
    text: str, file: str, delimiter: str
) -> tuple[list[list[str]], list[int], list[Finding]]:
    """Records and the physical line each starts on; quote problems as findings."""
    findings: list[Finding] = []
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        records = []
    else:
        if len(records) == _line_count(text):
            return records, list(range(1, len(records) + 1)), findings
    # Slow path: multi-line cells or a quote problem; track where each record starts.
    records, starts = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            start = previous + 1
            message = str(exc)
            if "unexpected end of data" in message:
                line = _unclosed_quote_line(text, start)
                findings.append(
                    finding(
                        "unclosed-quote",
                        file,
                        f"第 {line} 行开始的引号没有闭合，其后的全部内容都会成为一个单元格",
                        line=line,
                        hint='补上引号；单元格内的引号要写成两个（""）',
                    )
                )
                break
            code = "nul-byte" if "NUL" in message else "bad-quote"
            findings.append(
                finding(
                    code,
                    file,
                    "文件中有 NUL 字节" if code == "nul-byte" else f"引号用法有误：{message}",
                    line=reader.line_num,
                    hint="删除 NUL 字符；从 Excel 另存为 CSV"
                    if code == "nul-byte"
                    else "带引号的单元格应以引号加逗号或行尾结束",
                )
            )
            if code == "nul-byte":
                break
            previous = reader.line_num
            continue
        records.append(row)
        starts.append(previous + 1)
        previous = reader.line_num
    return records, starts, findings


def read_csv_text(
    text: str,
    file: str,
    headers: Headers = YEARLY,
    *,
    plain: bool = True,
) -> tuple[RawTable | None, list[Finding]]:
    """The structural pass over decoded CSV text.

    ``plain=False`` skips the fast path (:func:`_plain_bytes` already refused these bytes).
    """
    if not text or text.isspace():
        return None, [finding("empty-file", file, "文件是空的", hint="重新导出该表")]
    # No copy of the text (it may be a gigabyte): the first line is found, not split off.
    delimiter = _sniff_delimiter(text)
    if plain and delimiter == "," and text[:1] not in ("\r", "\n"):
        table = _plain_csv(text, file, headers)
        if table is not None:
            return table, []
    if len(text) > MAX_CAREFUL_CHARS:
        return None, [
            finding(
                "file-too-large",
                file,
                f"文件有 {len(text):,} 个字符，又不是简单的 CSV（有引号、空行、标题行、"
                f"非 UTF-8 编码或控制字符）：逐格检查最多 {MAX_CAREFUL_CHARS:,} 个字符",
                hint="另存为“CSV UTF-8（逗号分隔）”，去掉标题行和空行；或把文件拆小",
            )
        ]
    findings: list[Finding] = []
    if delimiter != ",":
        name = {";": "分号", "\t": "制表符", "|": "竖线", "，": "全角逗号"}[delimiter]
        findings.append(
            finding(
                "wrong-delimiter",
                file,
                f"字段用{name}分隔，而不是逗号",
                line=1,
                hint="另存为逗号分隔的 CSV（Excel：另存为“CSV UTF-8（逗号分隔）”）",
            )
        )
    records, starts, quote_findings = _parse(text, file, delimiter)
    findings.extend(quote_findings)
    grid = ListGrid(records, starts)
    table, more = build_rows_table(grid, file, headers)
    return table, findings + more


def build_rows_table(
    grid: ListGrid, file: str, headers: Headers
) -> tuple[RawTable | None, list[Finding]]:
    """A table from rows of texts: the layout, the column names, the field counts."""
    layout, findings = locate(grid, headers, file)
    if layout is None:
        return None, findings
    rows = [grid.rows[i] for i in layout.data.tolist()]
    lines = [grid.lines[i] for i in layout.data.tolist()]
    header_line = grid.lines[layout.header]

    def has_data(j: int) -> bool:
        return any(len(r) > j and r[j].strip() for r in rows)

    named, more = name_columns(layout, headers, file, header_line, grid.where, has_data)
    findings.extend(more)
    width = named.width
    if width == 0:
        findings.append(
            finding("empty-file", file, "表头行是空的", **grid.where(header_line, None))
        )
        return None, findings
    if set(map(len, rows)) <= {width}:
        # The common case, decided at C speed: every row complete.
        keep_rows, keep_lines = rows, lines
    else:
        keep_rows, keep_lines = [], []
        for row, line in zip(rows, lines, strict=True):
            if len(row) != width:
                extra = row[width:]
                if len(row) > width and not any(cell.strip() for cell in extra):
                    row = row[:width]
                else:
                    findings.append(
                        finding(
                            "ragged-row",
                            file,
                            f"这一行有 {len(row)} 个单元格，表头有 {width} 个",
                            hint="检查多余或缺少的逗号，或单元格内没有加引号的逗号",
                            **grid.where(line, None),
                        )
                    )
                    # Its cells are shifted: checking them would only add noise.
                    continue
            keep_rows.append(row)
            keep_lines.append(line)
    if not keep_rows:
        findings.append(
            finding(
                "no-data-rows",
                file,
                "文件有表头，但没有数据行",
                hint="在表头下填入各行数据",
                **grid.where(header_line, None),
            )
        )
    # Cells keep their text as written; numbers are parsed whitespace-tolerant later.
    columns = {name: list(map(itemgetter(i), keep_rows)) for i, name in enumerate(named.header)}
    table = RawTable(
        file=file,
        header=named.header,
        columns=columns,
        lines=keep_lines,
        header_line=header_line,
        original=named.display,
        units={n: u for n, u in zip(named.header, named.units, strict=True) if u},
    )
    return table, findings
