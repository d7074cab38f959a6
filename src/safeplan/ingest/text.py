"""Cell and header text as offices write it: the rules every reader shares.

Headers match after Unicode NFKC, trimming and removing one trailing unit in brackets;
cells may use full-width digits, thousands separators in groups of three, and dashes for
"not available"; text cells must not hide control or invisible characters. Everything here
is pure string work on single values; the vectorised callers apply it to the *distinct*
texts of a column only.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = [
    "FOOTNOTE_PREFIXES",
    "TOTAL_LABELS",
    "bad_character",
    "canonical_number",
    "cell_number",
    "is_dash",
    "is_excel_error",
    "is_footnote",
    "is_info_line",
    "is_subtotal_label",
    "is_total_label",
    "normalise_header",
    "quote",
    "subtotal_labels",
    "year_of",
]

# One trailing unit in brackets, after NFKC (（）→(), ［］→[]); 【】 has no NFKC form.
_UNIT: Final = re.compile(r"(?:\(([^()]*)\)|\[([^\[\]]*)\]|【([^【】]*)】)\s*$")


def nfkc(text: str) -> str:
    """Unicode NFKC: full-width letters, digits, brackets and spaces become ASCII."""
    return unicodedata.normalize("NFKC", text) if not text.isascii() else text


def normalise_header(cell: str) -> tuple[str, str | None]:
    """A header's name for matching, and the unit it carried in brackets (if any).

    ``"地区生产总值（亿元）"`` → ``("地区生产总值", "亿元")``; ``" 死亡人数(人) "`` →
    ``("死亡人数", "人")``; only one trailing unit is removed, and never the whole header.
    """
    text = nfkc(cell).replace("\ufeff", "").strip()
    match = _UNIT.search(text)
    if match is None or match.start() == 0:
        return text, None
    unit = next(g for g in match.groups() if g is not None).strip()
    return text[: match.start()].rstrip(), unit


def quote(text: str) -> str:
    """A cell's text for a message: in “…” quotes, shortened when long."""
    from safeplan.findings import shorten

    return f"“{shorten(text)}”"


# --------------------------------------------------------------------------- characters

_ALLOWED_CONTROLS: Final = frozenset("\t")


def bad_character(text: str) -> str | None:
    """Describe the first control or invisible format character in ``text``, if any.

    Control characters (C0, DEL, C1; a tab is allowed) and Unicode format characters
    (category Cf: zero-width space, byte-order mark, bidi controls …) make two cells look
    the same that are not, or make a terminal do things: ``"西湖县\\u200b"`` is refused
    rather than becoming a second, identical-looking region.
    """
    if text.isprintable():  # the usual case, decided in C
        return None
    for index, char in enumerate(text):
        if char in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cf"):
            name = unicodedata.name(char, "")
            shown = f"U+{ord(char):04X}" + (f" {name}" if name else "")
            return (
                f"第 {index + 1} 个字符是{'控制字符' if category == 'Cc' else '不可见字符'} {shown}"
            )
    return None


# --------------------------------------------------------------------------- numbers

# Dashes, slashes and ellipses that offices write for "not available" (不详, 未公布).
_DASH: Final = re.compile(r"[-—–―－−‐‑‒/／]+|[…⋯]+|\.{3,}|。{3,}")

# A number after NFKC: digits in canonical groups of three or none, decimals, exponent.
_NUMBER: Final = re.compile(
    r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?",
    re.ASCII,
)

_NON_FINITE: Final = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)

_EXCEL_ERRORS: Final = frozenset(
    {
        "#DIV/0!",
        "#N/A",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#REF!",
        "#VALUE!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
    }
)

# Kinds of a numeric cell (int8 codes in the vectorised parser).
NUMBER: Final = 0
BLANK: Final = 1
DASH: Final = 2
BAD: Final = 3
ERROR: Final = 4
NON_FINITE: Final = 5


def is_dash(text: str) -> bool:
    """True for a cell holding only a dash, slash or ellipsis: ``—``, ``－``, ``/``, ``…``."""
    return _DASH.fullmatch(text.strip()) is not None


def is_excel_error(text: str) -> bool:
    """True for an Excel error value (``#DIV/0!``, ``#N/A`` …) or a formula's text (``=…``)."""
    stripped = text.strip()
    return stripped.upper() in _EXCEL_ERRORS or stripped.startswith("=")


def canonical_number(text: str) -> str | None:
    """The plain decimal text of a number cell, or ``None`` when it is not one.

    Full-width digits and signs are read through NFKC, a minus sign (U+2212) as ``-``,
    thousands separators only in canonical groups of three: ``"１２，３４５"`` → ``"12345"``,
    ``"1,234.5"`` → ``"1234.5"``; ``"1,23"``, ``"1_000"``, ``"0x10"``, ``"1 000"`` → ``None``.
    """
    stripped = nfkc(text).replace("\u2212", "-").strip()
    if _NUMBER.fullmatch(stripped) is None:
        return None
    return stripped.replace(",", "")


def cell_number(text: str) -> tuple[int, float]:
    """The kind of one cell (:data:`NUMBER`, :data:`BLANK`, …) and its float (NaN if none)."""
    stripped = text.strip()
    if not stripped:
        return BLANK, float("nan")
    canonical = canonical_number(stripped)
    if canonical is not None:
        value = float(canonical)
        if value in (float("inf"), float("-inf")):
            return NON_FINITE, float("nan")  # beyond the float range, e.g. 1e400
        return NUMBER, value
    if is_dash(stripped):
        return DASH, float("nan")
    if is_excel_error(stripped):
        return ERROR, float("nan")
    if _NON_FINITE.fullmatch(nfkc(stripped)):
        return NON_FINITE, float("nan")
    return BAD, float("nan")


_YEAR: Final = re.compile(r"([0-9]{4})\s*年", re.ASCII)


def year_of(text: str) -> int | None:
    """A year written ``2016年`` (also full-width), or ``None``."""
    match = _YEAR.fullmatch(nfkc(text).strip())
    return int(match.group(1)) if match else None


# --------------------------------------------------------------------------- layout

#: Region labels of a total row (besides the plan's own ``region`` label).
TOTAL_LABELS: Final = frozenset({"合计", "总计", "全市", "全县", "全区", "全省"})

#: First-cell prefixes of a footnote row, which ends the table.
FOOTNOTE_PREFIXES: Final = ("注", "备注", "说明", "资料来源", "数据来源")

# Lines above the header that say who reports in what unit, not data.
_INFO: Final = re.compile(
    r"(?:计量|填报|填表|编制|制表|报送|统计)?单位(?:[:：为是]|$)"
    r"|(?:填报|填表|制表|报送|统计)(?:日期|时间)[:：]"
)


def compact(text: str) -> str:
    """NFKC without any whitespace: ``"合　计"`` → ``"合计"``."""
    return "".join(nfkc(text).split())


#: The total labels offices also write in one: 全县合计, 全市总计 (and the plan's label
#: followed by 合计 or 总计: 示例市合计).
_TOTAL_SUFFIX: Final = ("合计", "总计")

# How a total's label is compared: traditional 計 and 總 as 计 and 总, and without the
# brackets, colons and dashes offices put around it (合计：, （合计）, 全县(合计)).
_LABEL_FORMS: Final = str.maketrans({"計": "计", "總": "总", "⼩": "小"})
_LABEL_MARKS: Final = re.compile(r"[:：()（）\[\]【】〔〕<>《》\-—–·.。,，、]+")


def _label_key(text: str) -> str:
    """A region label as its total-ness is judged: compact, traditional forms folded,
    punctuation dropped, 合计数 read as 合计."""
    key = _LABEL_MARKS.sub("", compact(text).translate(_LABEL_FORMS))
    return key[:-1] if key.endswith(("合计数", "总计数")) else key


def _own_key(plan_region: str | None) -> str | None:
    """The plan's own label as :func:`_label_key` gives it (``None`` when blank)."""
    return (_label_key(plan_region) or None) if plan_region else None


def _total_key(key: str, own: str | None) -> bool:
    if key in TOTAL_LABELS or key == own:
        return True
    if not key.endswith(_TOTAL_SUFFIX):
        return False
    head = key[:-2]
    return head in TOTAL_LABELS or head == own


def is_total_label(text: str, plan_region: str | None = None) -> bool:
    """True when a region cell names a total row: 合计, 总计, 全市, 全县, 全区, 全省, the plan's
    own label, or one of those followed by 合计 or 总计 (全县合计, 示例市总计) — whatever the
    spaces, brackets or colons around it (合　计, 合计：, （合计）) and in traditional forms
    (合計, 總計)."""
    return _total_key(_label_key(text), _own_key(plan_region))


def _subtotal_key(key: str, own: str | None) -> bool:
    return any(word in key for word in ("小计", *_TOTAL_SUFFIX)) and not _total_key(key, own)


def is_subtotal_label(text: str, plan_region: str | None = None) -> bool:
    """True when a region cell names a subtotal row (东县小计, 城区合计, 小计（东县）): a label
    holding 小计, 合计 or 总计 that is not a total row's (:func:`is_total_label`)."""
    return _subtotal_key(_label_key(text), _own_key(plan_region))


def _label_keys(labels: list[str], plan_region: str | None) -> tuple[list[str | None], str | None]:
    """The key of each of many distinct labels (thousands of counties, or the 序号 of a
    hundred thousand records) that could name a total or a subtotal, ``None`` for the others
    — told quickly — and the plan's own key."""
    own = _own_key(plan_region)
    ascii_own = own is not None and own.isascii()
    marks = ("计", "計", "全", *((own[0],) if own else ()))

    def candidate(label: str) -> bool:
        if label.isascii():  # NFKC leaves it ASCII: only an ASCII plan label can match
            return ascii_own
        # Every total or subtotal label holds one of the marks, unless a compatibility form
        # (全 as U+FA72) hides it until NFKC, which the normalisation test sees.
        return any(mark in label for mark in marks) or not unicodedata.is_normalized("NFKC", label)

    return [_label_key(label) if candidate(label) else None for label in labels], own


def total_labels(labels: list[str], plan_region: str | None = None) -> list[bool]:
    """:func:`is_total_label` of many distinct labels, quickly."""
    keys, own = _label_keys(labels, plan_region)
    return [key is not None and _total_key(key, own) for key in keys]


def subtotal_labels(labels: list[str], plan_region: str | None = None) -> list[bool]:
    """:func:`is_subtotal_label` of many distinct labels, quickly."""
    keys, own = _label_keys(labels, plan_region)
    return [key is not None and _subtotal_key(key, own) for key in keys]


def is_footnote(text: str) -> bool:
    """True when a row's first cell starts a footnote (注：…, 资料来源：…)."""
    return compact(text).startswith(FOOTNOTE_PREFIXES)


def is_info_line(text: str) -> bool:
    """True for a cell of a unit line above the header (单位：万元, 填报单位：…, 填报日期：…);
    not for a header such as 单位名称 or 填报时间."""
    return _INFO.match(compact(text)) is not None
