"""One escaping function per medium: what each lets through and what it never does."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from safeplan.render.escape import (
    MAX_SHOWN,
    escape_github_data,
    escape_github_log,
    escape_github_property,
    escape_html,
    escape_json,
    escape_markdown,
    escape_terminal,
    escape_text,
    shorten,
)

#: What hostile cells hold: colours, a window title (OSC … BEL), a bare CR, a newline, a C1
#: CSI, DEL, bidirectional override, zero-width space, a tag character, a lone surrogate.
HOSTILE = [
    "\x1b[31m红\x1b[0m",
    "\x1b]0;pwned\x07",
    "甲\r乙",
    "甲\n乙",
    "\x9b31m",
    "a\x7fb",
    "\u202eevil",
    "x\u200by",
    "\U000e0041",
    "\udcff",
    "\x00\x08\x0c",
]


def _hidden(text: str) -> list[str]:
    """Control, format, separator and surrogate characters left in ``text``."""
    return [c for c in text if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs"}]


@pytest.mark.parametrize("value", HOSTILE)
def test_terminal_shows_every_control_character(value: str) -> None:
    shown = escape_terminal(value)
    assert _hidden(shown) == []
    assert "\\" in shown


def test_terminal_keeps_ordinary_text_and_chinese() -> None:
    for text in ("示例市", "亿元GDP生产安全事故死亡率", "临河区　东山县", "≤ 0.01 ✓", "C:\\data"):
        assert escape_terminal(text) == text


def test_terminal_spells_escapes_readably() -> None:
    assert escape_terminal("a\x1b[31mb\rc\nd\te") == "a\\x1b[31mb\\rc\\nd\\te"
    assert escape_terminal("\u202e\U000e0041") == "\\u202e\\U000e0041"


def test_terminal_keeps_newlines_of_a_message_when_asked() -> None:
    assert escape_terminal("第一行\n\x1b[2J第二行", newlines=True) == "第一行\n\\x1b[2J第二行"


def test_shorten_bounds_a_value_and_says_how_long_it_was() -> None:
    huge = "9" * 10_000_000
    short = shorten(huge)
    assert len(short) < MAX_SHOWN + 30
    assert short.startswith("9" * MAX_SHOWN) and "10000000" in short
    assert shorten("甲乙") == "甲乙"


@pytest.mark.parametrize(
    "value",
    [
        "甲\n::error file=x.py,line=1::pwned",
        "\r::add-mask::secret",
        "甲\n  ::stop-commands::token",
        "\u3000::warning::x",
        "::error::start",
        "a ##[error]v1 command",
        *HOSTILE,
    ],
)
def test_github_log_line_never_starts_a_command(value: str) -> None:
    line = escape_github_log(value)
    assert "\n" not in line and "\r" not in line
    assert not line.lstrip().startswith("::")
    assert "##[" not in line
    assert _hidden(line) == []


def test_github_data_and_property_stay_on_their_line_and_in_their_field() -> None:
    data = escape_github_data("100%\n::error::x\x1b[1m")
    assert "\n" not in data and "%25" in data and "\x1b" not in data
    prop = escape_github_property("a,b:c\nd")
    assert "," not in prop and ":" not in prop and "\n" not in prop
    assert prop == "a%2Cb%3Ac\\nd"


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "![img](https://evil.example/t.png)",
        "<https://evil.example>",
        "see https://evil.example and www.evil.example",
        "a | b",
        "甲\r乙\n丙",
        "**bold** _em_ `code` ~~s~~ $x$ &amp; @someone",
    ],
)
def test_markdown_cell_has_no_markup_left(value: str) -> None:
    cell = escape_markdown(value)
    assert "\n" not in cell and "\r" not in cell
    # Every markup character is preceded by a backslash (an escape), never raw.
    assert not re.search(r"(?<!\\)[<>\[\]|`*_~$@&]", cell), cell
    assert not re.search(r"(?<!\\)://", cell)
    assert not re.search(r"www(?!\\)\.", cell, re.IGNORECASE)


def test_markdown_leaves_chinese_and_numbers_alone() -> None:
    for text in ("示例市", "≤ 0.01", "+1.64", "较2020年下降 10%", "✓ 达标"):
        assert escape_markdown(text) == text


def test_html_escapes_markup_and_controls() -> None:
    assert escape_html('<a href="x">&\x1b') == "&lt;a href=&quot;x&quot;&gt;&amp;\\x1b"


def test_json_escape_keeps_the_meaning_and_hides_nothing() -> None:
    payload = {"v": "".join(HOSTILE[:-1]), "name": "示例市"}
    encoded = json.dumps(payload, ensure_ascii=False)
    safe = escape_json(encoded)
    assert json.loads(safe) == payload
    assert _hidden(safe) == []
    assert "示例市" in safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("示例市", "示例市")],
)
def test_spreadsheet_text_is_never_a_formula(value: str, expected: str) -> None:
    assert escape_text(value) == expected


def test_spreadsheet_text_shows_characters_a_workbook_cannot_hold() -> None:
    assert escape_text("甲\x1b乙\u202e") == "甲\\x1b乙\\u202e"
    assert escape_text("两行\n文字\t") == "两行\n文字\t"
