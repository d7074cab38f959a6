"""Charts of the target-gap table: one figure per indicator (and region), SVG or PNG.

The input is the ``safeplan gap`` report as a plain dict. Each chart shows
the yearly values, coloured and shaped by status, the target (a cap or floor, the glide
path of a ``decline_pct`` target, last year's value for ``yoy_decline``) and the
projection to the target year.

Chinese text needs a font with CJK glyphs. :func:`find_cjk_font` looks for one;
:func:`configure_matplotlib` returns a warning for the caller to print when there is
none. Rendering never touches pyplot's global figure list: figures are built as plain
:class:`matplotlib.figure.Figure` objects and saved through the Agg/SVG canvases, so no
GUI backend is ever loaded and nothing is left open. SVG keeps text as text, with a
font-family list of common CJK fonts so that any viewer can show it; the output is
byte-for-byte reproducible.
"""

from __future__ import annotations

import functools
import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from safeplan.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = [
    "CSS_FONT_FALLBACKS",
    "PREFERRED_CJK_FONTS",
    "CjkFont",
    "chart_figure",
    "chart_filename",
    "chart_rc_params",
    "chart_targets",
    "configure_matplotlib",
    "find_cjk_font",
    "format_number",
    "render_chart",
    "write_charts",
]

ChartFormat = Literal["svg", "png"]
Lang = Literal["zh", "en"]

PREFERRED_CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK KR",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UMing TW",
)
"""Font family names tried first by :func:`find_cjk_font`, best first."""

CSS_FONT_FALLBACKS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Zen Hei",
    "SimHei",
)
"""CJK families written into every SVG ``font-family`` list (then DejaVu Sans, sans-serif)."""

_PROBE = "中国亿"  # characters a font must have to count as a CJK font
_HASH_SALT = "safeplan"
_FIGSIZE = (8.0, 4.5)
_PNG_DPI = 150

_NO_CJK_FONT_WARNING = (
    "No font with Chinese glyphs is installed: Chinese text in PNG charts will show as "
    "boxes (SVG charts and HTML reports still name CJK fonts for the viewer). "
    "Install one, e.g. `apt-get install fonts-noto-cjk`."
)

_COLORS = {
    "series": "#455a64",
    "met": "#2e7d32",
    "missed": "#c62828",
    "no_data": "#9e9e9e",
    "target": "#ef6c00",
    "projection": "#6a1b9a",
}
_MARKERS = {"met": "o", "missed": "X", "no_data": "s"}

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "whole": "全市",
        "title": "{name}（{region}）",
        "x": "年份",
        "y": "指标值",
        "series": "实际值",
        "met": "达标",
        "missed": "未达标",
        "no_data": "无法评价",
        "max": "目标上限 {x}",
        "min": "目标下限 {x}",
        "glide": "目标路径（较{b}年下降{p}%）",
        "yoy": "上年值（须低于）",
        "projection": "趋势外推至{t}年（{verdict}）",
        "projection_plain": "趋势外推至{t}年",
        "on_track": "可达标",
        "off_track": "难达标",
    },
    "en": {
        "whole": "Whole plan",
        "title": "{name} — {region}",
        "x": "Year",
        "y": "Value",
        "series": "Actual",
        "met": "Met",
        "missed": "Missed",
        "no_data": "Not evaluable",
        "max": "Target: at most {x}",
        "min": "Target: at least {x}",
        "glide": "Glide path (−{p}% from {b})",
        "yoy": "Previous year (must be lower)",
        "projection": "Projection to {t} ({verdict})",
        "projection_plain": "Projection to {t}",
        "on_track": "on track",
        "off_track": "off track",
    },
}

_UNSAFE_IN_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)


@dataclass(frozen=True)
class CjkFont:
    """An installed font with CJK glyphs, as matplotlib knows it."""

    name: str
    """The family name matplotlib resolves, e.g. ``"Noto Sans CJK SC"``."""
    path: str
    """The font file."""
    face_index: int = 0
    """The face inside a font collection (``.ttc``); 0 for single fonts."""


def format_number(value: float | int | None, *, digits: int = 4) -> str:
    """Format a number for display with ``digits`` significant digits, never in e-notation.

    Integers stay integers; trailing zeros are dropped; ``None`` becomes an em dash.
    Display only: statuses are decided on the unrounded values.
    """
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number == 0:
        return "0"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(number))))
    text = f"{number:.{min(decimals, 8)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@functools.cache
def find_cjk_font() -> CjkFont | None:
    """Find an installed font with CJK glyphs, or ``None``; the answer is cached.

    Tries :data:`PREFERRED_CJK_FONTS` in order among the fonts matplotlib knows, then
    fonts installed since matplotlib built its font cache, then any font whose
    character map has 中, 国 and 亿.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _preferred_font(manager.ttflist)
    if found is not None:
        return found
    # matplotlib's font cache may predate the font's installation.
    known = {entry.fname for entry in manager.ttflist}
    for path in sorted(font_manager.findSystemFonts()):
        if path not in known:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    found = _preferred_font(manager.ttflist)
    if found is not None:
        return found
    entries = sorted(
        manager.ttflist,
        key=lambda e: (
            e.style != "normal",
            _weight_distance(e.weight),
            "Serif" in e.name,
            e.name,
            e.fname,
        ),
    )
    seen: set[tuple[str, int]] = set()
    for entry in entries:
        key = (entry.fname, entry.index)
        # matplotlib's "Last Resort" font maps every character to a placeholder box.
        if key not in seen and not entry.name.startswith("Last Resort"):
            seen.add(key)
            if _covers(entry.fname, entry.index, _PROBE):
                return CjkFont(entry.name, entry.fname, entry.index)
    return None


def chart_rc_params() -> dict[RcKeyType, Any]:
    """The matplotlib settings safeplan's charts are drawn with.

    ``font.family`` lists the CJK font, then ``sans-serif``, then DejaVu Sans: matplotlib
    falls back glyph by glyph only between the entries of ``font.family``, so glyphs the
    CJK font lacks still come from DejaVu Sans. ``font.sans-serif`` holds the CJK
    fallbacks, which SVG text then names for viewers that lack the font used here.
    """
    font = find_cjk_font()
    first = [font.name] if font else []
    sans = list(dict.fromkeys([*first, *CSS_FONT_FALLBACKS, "DejaVu Sans"]))
    return {
        "font.family": [*first, "sans-serif", "DejaVu Sans"],
        "font.sans-serif": sans,
        "axes.unicode_minus": False,
        "svg.fonttype": "none",
        "svg.hashsalt": _HASH_SALT,
    }


def configure_matplotlib() -> str | None:
    """Select the Agg backend and safeplan's chart settings globally.

    Returns a warning for the caller to show (on stderr) when no CJK font is installed,
    else ``None``; charts still render then, with boxes for Chinese glyphs in PNG.
    :func:`render_chart` applies the same settings by itself, so calling this is only
    needed for the warning or for other plots made with pyplot.
    """
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(chart_rc_params())
    return None if find_cjk_font() else _NO_CJK_FONT_WARNING


def chart_targets(gap: Mapping[str, Any], *, regions: bool = False) -> list[tuple[str, str | None]]:
    """The ``(indicator id, region)`` pairs that have rows, in the report's order.

    The whole plan (region ``None``) comes first for each indicator; regions follow
    only when ``regions`` is true.
    """
    pairs: dict[tuple[str, str | None], None] = {}
    for row in gap["rows"]:
        if row.get("region") is None:
            pairs[(row["id"], None)] = None
    if regions:
        order = {key[0]: n for n, key in enumerate(pairs)}
        for row in gap["rows"]:
            if row.get("region") is not None:
                order.setdefault(row["id"], len(order))
                pairs[(row["id"], row["region"])] = None
        return sorted(pairs, key=lambda key: (order[key[0]], key[1] is not None))
    return list(pairs)


def chart_filename(indicator_id: str, region: str | None, fmt: str) -> str:
    """``<id>.<fmt>`` or ``<id>__<region>.<fmt>``, the region made safe for file systems.

    Characters no file system accepts become ``_``; Chinese is kept.
    """
    if region is None:
        return f"{indicator_id}.{fmt}"
    return f"{indicator_id}__{_safe_name(region)}.{fmt}"


def chart_figure(
    gap: Mapping[str, Any],
    indicator_id: str,
    region: str | None = None,
    *,
    lang: Lang = "zh",
) -> Figure:
    """Build one indicator's chart (for one region, or the whole plan) as a Figure.

    The figure is not registered with pyplot, so nothing needs closing; its texts carry
    the fonts of :func:`chart_rc_params`. Raises :class:`~safeplan.errors.UsageError`
    for an unknown language, indicator or region.
    """
    labels = _labels(lang)
    rows = sorted(
        (r for r in gap["rows"] if r["id"] == indicator_id and r.get("region") == region),
        key=lambda r: int(r["year"]),
    )
    if not rows:
        known = ", ".join(dict.fromkeys(str(r["id"]) for r in gap["rows"]))
        where = "the whole plan" if region is None else f"region {region!r}"
        raise UsageError(
            f"no gap rows for indicator {indicator_id!r} in {where}",
            hint=f"indicators in the report: {known}",
        )
    outlook = next(
        (
            o
            for o in gap.get("outlook", [])
            if o["id"] == indicator_id and o.get("region") == region
        ),
        None,
    )

    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(chart_rc_params()):
        figure = Figure(figsize=_FIGSIZE, layout="constrained")
        axes = figure.add_subplot()
        _draw(axes, gap["plan"], rows, outlook, region, labels)
        handles, texts = axes.get_legend_handles_labels()
        columns = len(texts) if len(texts) <= 4 else math.ceil(len(texts) / 2)
        figure.legend(handles, texts, loc="outside lower center", ncols=columns)
    return figure


def render_chart(
    gap: Mapping[str, Any],
    indicator_id: str,
    region: str | None = None,
    *,
    fmt: ChartFormat = "svg",
    lang: Lang = "zh",
) -> bytes:
    """Draw one indicator's chart (for one region, or the whole plan) as SVG or PNG bytes.

    The same input gives the same bytes. Raises :class:`~safeplan.errors.UsageError`
    for an unknown format, language, indicator or region.
    """
    if fmt not in ("svg", "png"):
        raise UsageError(f"unknown chart format {fmt!r}", hint="use svg or png")
    figure = chart_figure(gap, indicator_id, region, lang=lang)

    import matplotlib

    buffer = io.BytesIO()
    try:
        with matplotlib.rc_context(chart_rc_params()), warnings.catch_warnings():
            # Without a CJK font every Chinese character would warn; configure_matplotlib
            # reports that once instead.
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
            if fmt == "svg":
                figure.savefig(buffer, format="svg", metadata={"Date": None})
            else:
                figure.savefig(buffer, format="png", dpi=_PNG_DPI, metadata={"Software": None})
    finally:
        figure.clear()
    return buffer.getvalue()


def write_charts(
    gap: Mapping[str, Any],
    outdir: Path,
    *,
    fmt: ChartFormat = "svg",
    lang: Lang = "zh",
    regions: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    protected: Iterable[Path] = (),
) -> list[Path]:
    """Write one chart per indicator (and per region with ``regions``) into ``outdir``.

    ``outdir`` is created when missing. File names come from :func:`chart_filename`;
    two regions whose safe names collide get ``-2``, ``-3``… ``on_progress(done, total)``
    is called once before the first chart and after each one. Returns the paths written.

    Every file goes through the safe writer (:class:`~safeplan.output.OutputDirectory`):
    before the first chart is drawn, a name that is one of ``protected`` (the files the
    plan reads), a link to one, a symbolic link or not a regular file is refused
    (:class:`~safeplan.errors.UsageError`); each chart is then written atomically.
    """
    from safeplan.output import OutputDirectory

    if fmt not in ("svg", "png"):
        raise UsageError(f"unknown chart format {fmt!r}", hint="use svg or png")
    _labels(lang)
    targets = chart_targets(gap, regions=regions)
    used: set[str] = set()
    names = [_unique(chart_filename(i, region, fmt), used) for i, region in targets]
    directory = OutputDirectory(Path(outdir), protected=protected)
    directory.check(names)
    total = len(targets)
    if on_progress is not None:
        on_progress(0, total)
    written: list[Path] = []
    for done, ((indicator_id, region), name) in enumerate(zip(targets, names, strict=True), 1):
        chart = render_chart(gap, indicator_id, region, fmt=fmt, lang=lang)
        written.append(directory.write(name, chart))
        if on_progress is not None:
            on_progress(done, total)
    return written


def _draw(
    axes: Axes,
    plan: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    outlook: Mapping[str, Any] | None,
    region: str | None,
    labels: Mapping[str, str],
) -> None:
    baseline_year = int(plan["baseline_year"])
    target_year = int(plan["target_year"])
    target = rows[0]["target"]
    kind = target["kind"]
    own_baseline = int(target.get("baseline_year") or baseline_year)
    years = [int(r["year"]) for r in rows]
    values = [_float(r.get("value")) for r in rows]

    axes.plot(years, values, color=_COLORS["series"], linewidth=1.8, label=_plain(labels["series"]))
    for status in ("met", "missed", "no_data"):
        points = [
            (y, v)
            for y, v, r in zip(years, values, rows, strict=True)
            if r.get("status") == status and not math.isnan(v)
        ]
        if points:
            axes.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                linestyle="none",
                marker=_MARKERS[status],
                markersize=8,
                color=_COLORS[status],
                markeredgecolor="white",
                label=_plain(labels[status]),
                zorder=3,
            )

    if kind in ("max", "min"):
        axes.axhline(
            float(target["value"]),
            color=_COLORS["target"],
            linewidth=1.4,
            label=_plain(labels[kind].format(x=format_number(target["value"]))),
        )
    elif kind == "decline_pct":
        path: dict[int, float] = {}
        base_value = next(
            (v for y, v in zip(years, values, strict=True) if y == own_baseline), math.nan
        )
        if not math.isnan(base_value):
            path[own_baseline] = base_value
        for row in rows:
            if row.get("threshold") is not None:
                path[int(row["year"])] = float(row["threshold"])
        final = outlook.get("final_threshold") if outlook else None
        if final is not None:
            path[target_year] = float(final)
        if path:
            xs = sorted(path)
            axes.plot(
                xs,
                [path[x] for x in xs],
                color=_COLORS["target"],
                linestyle="--",
                linewidth=1.4,
                label=_plain(
                    labels["glide"].format(b=own_baseline, p=format_number(target["value"]))
                ),
            )
    elif kind == "yoy_decline":
        thresholds = [_float(r.get("threshold")) for r in rows]
        if not all(math.isnan(t) for t in thresholds):
            axes.plot(
                years,
                thresholds,
                color=_COLORS["target"],
                linestyle=":",
                linewidth=1.6,
                drawstyle="steps-mid",
                label=_plain(labels["yoy"]),
            )

    if outlook and outlook.get("projected_value") is not None:
        latest_year = outlook.get("latest_year")
        latest_value = outlook.get("latest_value")
        if latest_year is not None and latest_value is not None and latest_year < target_year:
            on_track = outlook.get("on_track")
            if on_track is None:
                label = labels["projection_plain"].format(t=target_year)
            else:
                verdict = labels["on_track" if on_track else "off_track"]
                label = labels["projection"].format(t=target_year, verdict=verdict)
            axes.plot(
                [int(latest_year), target_year],
                [float(latest_value), float(outlook["projected_value"])],
                color=_COLORS["projection"],
                linestyle=":",
                linewidth=1.6,
                marker="o",
                markevery=[1],
                markerfacecolor="white",
                label=_plain(label),
            )

    name = str(rows[0]["name"])
    where = region if region is not None else (plan.get("region") or labels["whole"])
    axes.set_title(labels["title"].format(name=name, region=where), parse_math=False)
    axes.set_xlabel(labels["x"])
    axes.set_ylabel(labels["y"])
    first_year = min([baseline_year, own_baseline, *years])
    last_year = max([target_year, *years])
    span = last_year - first_year + 1
    step = 1 if span <= 12 else 2 if span <= 24 else 5  # keep year labels from overlapping
    axes.set_xticks(range(first_year, last_year + 1, step))
    axes.set_xlim(first_year - 0.5, last_year + 0.5)
    axes.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    finite = [v for v in values if not math.isnan(v)]
    if (
        finite
        and all(v.is_integer() for v in finite)
        and (kind not in ("max", "min") or float(target["value"]).is_integer())
    ):
        from matplotlib.ticker import MaxNLocator

        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2 ticks
    bottom, top = axes.get_ylim()
    if bottom < 0 <= min(finite, default=0.0):
        # Values are never negative: show no negative axis, but keep a sliver below 0 so
        # that a target of 0 and values of 0 stay visible above the spine.
        top = top if top > 0 else 1.0
        axes.set_ylim(-0.03 * top, top)


def _labels(lang: str) -> dict[str, str]:
    try:
        return _LABELS[lang]
    except KeyError:
        raise UsageError(f"unknown language {lang!r}", hint="use zh or en") from None


def _plain(text: str) -> str:
    # Legend labels go through mathtext when they hold two "$"; escape them.
    return text.replace("$", r"\$")


def _float(value: object) -> float:
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def _safe_name(region: str) -> str:
    name = _UNSAFE_IN_FILENAME.sub("_", region).strip().rstrip(". ")
    if not name:
        return "_"
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        return f"{name}_"
    return name


def _unique(name: str, used: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    used.add(candidate.casefold())
    return candidate


def _weight_distance(weight: str | int) -> int:
    from matplotlib import font_manager

    numeric = font_manager.weight_dict.get(weight, weight) if isinstance(weight, str) else weight
    return abs(int(numeric) - 400)


def _covers(path: str, face_index: int, text: str) -> bool:
    from matplotlib import ft2font

    try:
        charmap = ft2font.FT2Font(path, face_index=face_index).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(char) in charmap for char in text)


def _preferred_font(entries: Sequence[Any]) -> CjkFont | None:
    by_name: dict[str, list[Any]] = {}
    for entry in entries:
        by_name.setdefault(entry.name, []).append(entry)
    for name in PREFERRED_CJK_FONTS:
        candidates = sorted(
            by_name.get(name, []),
            key=lambda e: (e.style != "normal", _weight_distance(e.weight), e.fname, e.index),
        )
        for entry in candidates:
            if _covers(entry.fname, entry.index, _PROBE):
                return CjkFont(entry.name, entry.fname, entry.index)
    return None
