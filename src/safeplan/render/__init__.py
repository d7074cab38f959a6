"""Renderers: one pure function per command and format, each returning text (or bytes).

:data:`FORMATS` is the one registry: for each command, its formats in the order ``--help``
lists them (the first is the default), each the ``module:function`` that renders it. Every
renderer takes the command's report and the :class:`Options`; nothing here prints or
writes files — results go to stdout or ``--output``, diagnostics to stderr, and that is
the command line's business.

The words every output shows come from one label table (:mod:`safeplan.render.labels`),
the numbers from one formatter (:mod:`safeplan.render.numbers`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["FORMATS", "STREAMS", "Options", "formats", "render", "render_stream"]


@dataclass(frozen=True)
class Options:
    """How to render: language, colour and width (terminal only), what fails ``validate``,
    the language of CSV headers (``None``: the stable English field names), and whether
    ``monitor --format text`` adds one paragraph per region."""

    lang: Literal["zh", "en"] = "zh"
    colour: bool = False
    fail_on: Literal["error", "warning"] = "error"
    width: int | None = None
    """The terminal's width in cells: tables wrap or page to fit it (None: no limit)."""
    csv_lang: Literal["zh", "en"] | None = None
    """Headers of CSV for people (``--lang`` given explicitly); None for machines."""
    generated: str | None = None
    """When a report was made, for its footer (None: not shown)."""
    regions: bool = False


#: command → format → ``module:function`` of the renderer, ``f(report, options)``.
FORMATS: dict[str, dict[str, str]] = {
    "check": {
        "table": "safeplan.render.text:render_check",
        "json": "safeplan.render.json:render_check",
        "markdown": "safeplan.render.markdown:render_check",
        "csv": "safeplan.render.csv:render_check",
        "text": "safeplan.render.summary:render_text",
        "xlsx": "safeplan.render.xlsx:render_check",
    },
    "gap": {
        "table": "safeplan.render.text:render_gap",
        "json": "safeplan.render.json:render_gap",
        "markdown": "safeplan.render.markdown:render_gap",
        "csv": "safeplan.render.csv:render_gap",
        "xlsx": "safeplan.render.xlsx:render_gap",
    },
    "validate": {
        "text": "safeplan.render.findings:render_text",
        "json": "safeplan.render.findings:render_json",
        "github": "safeplan.render.findings:render_github",
        "markdown": "safeplan.render.findings:render_markdown",
    },
    "explain": {
        "text": "safeplan.render.explain:render_text",
        "json": "safeplan.render.explain:render_json",
    },
    "report": {
        "html": "safeplan.render.html:render_report",
        "docx": "safeplan.render.docx:render_report",
    },
    "classify": {
        "table": "safeplan.render.classify:render_table",
        "csv": "safeplan.render.classify:render_csv",
        "json": "safeplan.render.classify:render_json",
        "xlsx": "safeplan.render.classify:render_xlsx",
    },
    "monitor": {
        "table": "safeplan.render.monitor:render_table",
        "json": "safeplan.render.monitor:render_json",
        "markdown": "safeplan.render.monitor:render_markdown",
        "csv": "safeplan.render.monitor:render_csv",
        "xlsx": "safeplan.render.monitor:render_xlsx",
        "text": "safeplan.render.monitor:render_text",
    },
}


def formats(command: str) -> list[str]:
    """The formats of ``command``, the default first."""
    return list(FORMATS[command])


def render(command: str, fmt: str, report: Any, options: Options | None = None) -> str | bytes:
    """Render ``report`` of ``command`` in format ``fmt``."""
    module, _, function = FORMATS[command][fmt].partition(":")
    renderer = getattr(importlib.import_module(module), function)
    result: str | bytes = renderer(report, options or Options())
    return result


#: command → format → ``module:function`` of a renderer that gives the same text as the
#: one in :data:`FORMATS`, piece by piece, for outputs too large to hold in memory at once.
STREAMS: dict[str, dict[str, str]] = {
    "gap": {
        "json": "safeplan.render.json:stream_gap",
        "csv": "safeplan.render.csv:stream_gap",
    },
    "classify": {
        "table": "safeplan.render.classify:stream_table",
        "json": "safeplan.render.classify:stream_json_pieces",
        "csv": "safeplan.render.classify:stream_csv",
    },
}


def render_stream(
    command: str, fmt: str, report: Any, options: Options | None = None
) -> Iterable[str | bytes]:
    """Render ``report`` as pieces of text (or bytes) to write one after the other.

    The pieces joined are exactly what :func:`render` returns; formats without a streaming
    renderer give one piece.
    """
    target = STREAMS.get(command, {}).get(fmt)
    if target is None:
        return [render(command, fmt, report, options)]
    module, _, function = target.partition(":")
    pieces: Iterable[str | bytes] = getattr(importlib.import_module(module), function)(
        report, options or Options()
    )
    return pieces
