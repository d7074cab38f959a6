"""Escaping text for each medium it is written to, one function per medium."""

from __future__ import annotations

#: Leading characters that make a spreadsheet treat text as a formula (OWASP CSV injection).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


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
