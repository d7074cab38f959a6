"""Escaping text for each medium it is written to, one function per medium."""

from __future__ import annotations

import html
import re

#: Leading characters that make a spreadsheet treat text as a formula (OWASP CSV injection).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: C0 and C1 control characters and DEL: none of them may reach a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_text(value: str) -> str:
    """Return ``value`` made safe to put in a spreadsheet cell as text.

    Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
    read as a formula by Excel, LibreOffice or Google Sheets when the file is opened or
    re-imported (CSV injection); such text gets a leading apostrophe, as OWASP recommends.
    Only text goes through here, never numbers, so the text ``"-5"`` is escaped too.

    >>> escape_text("=1+1")
    "'=1+1"
    >>> escape_text("示例市")
    '示例市'
    """
    if value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def escape_terminal(value: str) -> str:
    """Return ``value`` with every control character (escape sequences, carriage returns,
    newlines, tabs) replaced by U+FFFD, so that text from data cannot move the cursor,
    recolour or retitle a terminal, or break a table row.

    >>> escape_terminal("西湖县\\x1b[31m")
    '西湖县\\ufffd[31m'
    """
    if value.isprintable():
        return value
    return _CONTROL.sub("\ufffd", value)


def escape_markdown(value: str) -> str:
    """Return ``value`` safe inside a Markdown table cell: ``|`` escaped, line breaks made
    spaces, HTML tags and entities inert, control characters replaced.

    >>> escape_markdown("a|b<br>")
    'a\\\\|b&lt;br&gt;'
    """
    text = value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = escape_terminal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("|", "\\|")


def escape_html(value: str) -> str:
    """Return ``value`` safe as HTML text or inside a quoted attribute.

    >>> escape_html('<b title="x">')
    '&lt;b title=&quot;x&quot;&gt;'
    """
    if not value.isprintable():
        value = _CONTROL.sub(lambda m: m[0] if m[0] in "\t\n" else "\ufffd", value)
    return html.escape(value, quote=True)
