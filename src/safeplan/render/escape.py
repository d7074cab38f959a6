"""Escaping text for each medium it is written to, one function per medium.

Everything safeplan prints may quote the data (cell values, region and sector names,
headers, file names) or the plan (names, paths), and both come from untrusted submissions.
Each medium has its own dangerous characters, so each has its own function here, and every
renderer calls the one for its medium on every such text — never on text safeplan itself
composed with markup (colour codes, workflow commands, table pipes):

==================================  ===========================================
medium                              function
==================================  ===========================================
a terminal (tables, text, stderr)   :func:`escape_terminal`
GitHub workflow command data        :func:`escape_github_data`
GitHub workflow command property    :func:`escape_github_property`
a plain line of a GitHub Actions    :func:`escape_github_log`
log (e.g. inside ``::group::``)
Markdown (tables, step summary)     :func:`escape_markdown`
HTML text and quoted attributes     :func:`escape_html`
CSV / spreadsheet cells             :func:`escape_text`
encoded JSON text                   :func:`escape_json`
==================================  ===========================================

:func:`shorten` bounds how much of one value is shown; apply it before escaping.
"""

from __future__ import annotations

import functools
import html
import operator
import re
import unicodedata

__all__ = [
    "MAX_SHOWN",
    "escape_github_data",
    "escape_github_log",
    "escape_github_property",
    "escape_html",
    "escape_json",
    "escape_markdown",
    "escape_terminal",
    "escape_text",
    "escape_texts",
    "shorten",
]

#: Characters of one value shown at most in a message (a 100 MB cell is never echoed).
MAX_SHOWN = 1000

#: Categories of characters that are never shown raw: controls (C0, DEL, C1), invisible
#: format characters (zero-width space, bidirectional overrides, BOM, tag characters),
#: line and paragraph separators, and lone surrogates (undecodable bytes).
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(char: str) -> str:
    """A hidden character as a visible escape: ``\\x1b``, ``\\u200b``, ``\\U000e0041``."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


@functools.cache
def _hidden(keep: str = "") -> re.Pattern[str]:
    """A character class of every hidden character but those in ``keep``.

    Built once, on the first text that is not plainly printable, from the Unicode database
    (the planes where such characters are assigned), so new format characters are covered.
    """
    ranges: list[str] = []
    start = None
    for plane in (range(0, 0x30000), range(0xE0000, 0xE1000)):
        for code in [*plane, -1]:
            hidden = code >= 0 and chr(code) not in keep
            hidden = hidden and unicodedata.category(chr(code)) in _HIDDEN
            if hidden and start is None:
                start = code
            elif not hidden and start is not None:
                end = code - 1
                ranges.append(_class_char(start) + ("-" + _class_char(end) if end > start else ""))
                start = None
    return re.compile("[" + "".join(ranges) + "]")


def _class_char(code: int) -> str:
    return f"\\U{code:08x}"


def _reveal(text: str, keep: str = "") -> str:
    """``text`` with every hidden character (but those in ``keep``) shown as an escape."""
    if text.isprintable():  # the common case, in C: no control or format character
        return text
    return _hidden(keep).sub(lambda m: _visible(m.group()), text)


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was.

    Use it on any value quoted in a message before escaping it: the position of a cell is
    enough to find it, and a 100 MB cell must not be echoed into a terminal or a CI log.

    >>> shorten("甲" * 5, 3)
    '甲甲甲…（共 5 个字符）'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text)} 个字符）"


def escape_terminal(text: str, *, newlines: bool = False) -> str:
    """Return ``text`` safe to print to a terminal: every control character visible.

    Use it on every value from the data or the plan that goes to stdout or stderr as text
    (tables, ``validate`` text, ``explain``, error messages). ESC (``\\x1b``, the start of
    colour codes, cursor moves and window-title sequences), BEL, backspace, a bare carriage
    return, C1 controls, DEL, zero-width and bidirectional-override characters are shown as
    ``\\x1b``, ``\\r``, ``\\u202e``…, so data can neither repaint the screen nor hide text.
    A newline is shown as ``\\n`` too, so one value stays on one line — unless ``newlines``
    (for a message of several lines that safeplan composed itself).

    >>> escape_terminal("甲\\x1b[31m乙\\r")
    '甲\\\\x1b[31m乙\\\\r'
    """
    return _reveal(text, "\n" if newlines else "")


#: The prefix of the runner's old command form, ``##[command]``, recognised anywhere.
_V1_COMMAND = "##["


def escape_github_data(text: str) -> str:
    """Return ``text`` safe as the message of a GitHub workflow command (``::error …::TEXT``).

    Use it on the message part of ``::error``/``::warning``/``::notice`` lines. Control
    characters are made visible (GitHub's log shows ANSI colours), then ``%``, CR and LF
    are %-encoded as the runner expects, so the message stays on its one line; the old
    ``##[command]`` form is broken up as in :func:`escape_github_log`.
    """
    text = escape_terminal(text).replace(_V1_COMMAND, "##\\[")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_github_property(text: str) -> str:
    """Return ``text`` safe as a property value of a workflow command (``file=``, ``title=``).

    As :func:`escape_github_data`, and ``:`` and ``,`` are %-encoded too: they would end
    the property or the list of properties.
    """
    return escape_github_data(text).replace(":", "%3A").replace(",", "%2C")


def escape_github_log(line: str) -> str:
    """Return ``line`` safe as a plain line of a GitHub Actions log (not a command).

    Use it on every line safeplan prints in ``--format github`` that is not a workflow
    command it wrote itself, e.g. the findings inside ``::group::``. The runner executes any
    line that starts with ``::`` after leading white space (``::error``, ``::add-mask::``,
    ``::stop-commands::``) and the old ``##[command]`` form anywhere in a line: control
    characters are made visible (so data cannot start a new line), such a line gets a
    leading ``\\``, and ``##[`` becomes ``##\\[``.
    """
    line = escape_terminal(line)
    if line.lstrip().startswith("::"):
        line = "\\" + line
    return line.replace(_V1_COMMAND, "##\\[")


#: Markdown punctuation that could start markup inside a table cell: emphasis, code,
#: links and images, raw HTML and entities, table pipes, strikethrough, math, mentions.
_MARKDOWN = re.compile(r"[\\`*_\[\]<>&|~$@]")
#: Where GitHub would make a link of bare text: ``https://…``, ``www.…``.
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(?=://)|(?<=\bwww)(?=\.)", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """Return ``text`` safe as the content of a Markdown table cell or heading.

    Use it on every value from the data or the plan written to Markdown (``--format
    markdown``, ``$GITHUB_STEP_SUMMARY``). Control characters (CR and LF included) are made
    visible, so a cell stays one cell on one line; ``|`` cannot split the cell; ``<script>``,
    ``&amp;``, ``*``, ``_``, backticks, ``[x](javascript:…)``, ``$math$`` and ``@mentions``
    are shown as written instead of becoming markup; bare ``https://`` and ``www.`` are not
    turned into links.

    >>> escape_markdown("[x](javascript:alert(1)) | <b>")
    '\\\\[x\\\\](javascript:alert(1)) \\\\| \\\\<b\\\\>'
    """
    text = _MARKDOWN.sub(r"\\\g<0>", escape_terminal(text))
    return _AUTOLINK.sub("\\\\", text) if "://" in text or "ww" in text.lower() else text


def escape_html(text: str) -> str:
    """Return ``text`` safe as HTML element content or a quoted attribute value.

    Use it on every value from the data or the plan put into an HTML report: ``& < > " '``
    become entities, and control characters (invalid in HTML) but tab and newline are
    made visible. Not for URLs, ``<script>`` or ``<style>`` content — never put data there.
    """
    return html.escape(_reveal(text, "\n\t"), quote=True)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the BMP: a UTF-16 surrogate pair, as JSON spells it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_json(encoded: str) -> str:
    """Return encoded JSON with every hidden character inside its strings as ``\\uXXXX``.

    Use it on JSON written with ``ensure_ascii=False`` that may be printed to a terminal:
    the encoder escapes C0 controls but leaves DEL, C1 controls (``\\x9b`` is a terminal's
    CSI), bidirectional overrides and zero-width characters raw. The document means exactly
    the same afterwards (JSON's syntax is ASCII, so such characters only occur in strings).
    """
    if encoded.isprintable():
        return encoded
    return _hidden("\n").sub(lambda m: _json_escape(m.group()), encoded)


#: Leading characters that make a spreadsheet treat text as a formula (OWASP CSV injection).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_text(value: str) -> str:
    """Return ``value`` made safe to put in a spreadsheet cell (CSV or xlsx) as text.

    Use it on every text cell of a CSV or a workbook (never on numbers). Text that begins
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read as a formula by
    Excel, LibreOffice or Google Sheets when the file is opened or re-imported (CSV
    injection); such text gets a leading apostrophe, as OWASP recommends. Only text goes
    through here, never numbers, so the text ``"-5"`` is escaped too. Control and invisible
    characters other than tab and line breaks (which xlsx cannot store, and which would hide
    or reorder text) are made visible.

    >>> escape_text("=1+1")
    "'=1+1"
    >>> escape_text("示例市")
    '示例市'
    """
    if value.startswith(_FORMULA_TRIGGERS):
        value = "'" + value
    return _reveal(value, "\t\n\r")


def escape_texts(values: list[str]) -> list[str]:
    """:func:`escape_text` of each value: the same texts, checked at C speed when (as in
    nearly every column) none of them needs escaping."""
    if "".join(values).isprintable() and _FORMULA_FIRSTS.isdisjoint(
        map(operator.itemgetter(slice(0, 1)), values)
    ):
        return values
    return list(map(escape_text, values))


_FORMULA_FIRSTS = frozenset(_FORMULA_TRIGGERS)
