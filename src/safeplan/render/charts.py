"""Charts of the target-gap report: one figure per indicator (and region), SVG or PNG, and
a comparison of the regions in one year.

Each indicator's chart shows its yearly values, coloured and shaped by status, the target
(a cap or floor, labelled with its value; the year-by-year requirement of a decline; last
year's value for a year-on-year decline) and the projection to the target year, with the
unit on the axis. Counts get whole-number ticks from 0. A figure is 15.5 cm wide — an A4
page's text block — so it goes into a Word report or a printed page at its own size.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from safeplan.errors import UsageError
from safeplan.render.completion import precisions
from safeplan.render.labels import LABELS, _region_label, with_unit
from safeplan.render.numbers import GENERIC, Precision, fmt_fixed, fmt_number

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from safeplan.evaluate.results import GapReport, Outlook, Result

__all__ = [
    "CSS_FONT_FALLBACKS",
    "FIGURE_WIDTH_CM",
    "PREFERRED_CJK_FONTS",
    "CjkFont",
    "chart_figure",
    "chart_filename",
    "chart_rc_params",
    "chart_targets",
    "configure_matplotlib",
    "find_cjk_font",
    "has_region_chart",
    "region_chart_figure",
    "render_chart",
    "render_figure",
    "render_region_chart",
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

FIGURE_WIDTH_CM = 15.5
"""Every chart's width: the text block of an A4 page (GB/T 9704: 156 mm)."""
_CM = 1 / 2.54
_HEIGHT_CM = 8.0
_PNG_DPI = 200
_FONT_SIZE = 9

_PROBE = "中国亿"  # characters a font must have to count as a CJK font
_HASH_SALT = "safeplan"
_MAX_REGIONS = 60  # a region comparison chart beyond this many regions is unreadable

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
    "no_target": "#78909c",
    "target": "#ef6c00",
    "projection": "#6a1b9a",
}
_MARKERS = {"met": "o", "missed": "X", "no_data": "s", "no_target": "D"}

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
        "font.size": _FONT_SIZE,
        "axes.titlesize": _FONT_SIZE + 1,
        "axes.labelsize": _FONT_SIZE,
        "legend.fontsize": _FONT_SIZE - 0.5,
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


def chart_targets(gap: GapReport, *, regions: bool = False) -> list[tuple[str, str | None]]:
    """The ``(indicator id, region)`` pairs that have rows, in the report's order.

    The whole plan (region ``None``) comes first for each indicator; regions follow
    only when ``regions`` is true.
    """
    pairs: dict[tuple[str, str | None], None] = {}
    for row in gap.rows:
        if row.region is None:
            pairs[(row.id, None)] = None
    if regions:
        order = {key[0]: n for n, key in enumerate(pairs)}
        for row in gap.rows:
            if row.region is not None:
                order.setdefault(row.id, len(order))
                pairs[(row.id, row.region)] = None
        return sorted(pairs, key=lambda key: (order[key[0]], key[1] is not None))
    return list(pairs)


def chart_filename(indicator_id: str, region: str | None, fmt: str) -> str:
    """``<id>.<fmt>`` or ``<id>__<region>.<fmt>``, the region made safe for file systems.

    Characters no file system accepts become ``_``; Chinese is kept.
    """
    if region is None:
        return f"{indicator_id}.{fmt}"
    return f"{indicator_id}__{_safe_name(region)}.{fmt}"


def _labels(lang: str) -> dict[str, str]:
    try:
        return LABELS[lang]
    except KeyError:
        raise UsageError(f"unknown language {lang!r}", hint="use zh or en") from None


def _new_figure(height_cm: float = _HEIGHT_CM) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(FIGURE_WIDTH_CM * _CM, height_cm * _CM), layout="constrained")


def chart_figure(
    gap: GapReport,
    indicator_id: str,
    region: str | None = None,
    *,
    lang: Lang = "zh",
    title: bool = True,
) -> Figure:
    """Build one indicator's chart (for one region, or the whole plan) as a Figure.

    The figure is not registered with pyplot, so nothing needs closing; its texts carry
    the fonts of :func:`chart_rc_params`. Without ``title`` (a report's figure, whose
    caption names it) the chart has no title. Raises
    :class:`~safeplan.errors.UsageError` for an unknown language, indicator or region.
    """
    labels = _labels(lang)
    rows = sorted(
        (r for r in gap.rows if r.id == indicator_id and r.region == region),
        key=lambda r: r.year,
    )
    if not rows:
        known = ", ".join(dict.fromkeys(r.id for r in gap.rows))
        where = "the whole plan" if region is None else f"region {region!r}"
        raise UsageError(
            f"no gap rows for indicator {indicator_id!r} in {where}",
            hint=f"indicators in the report: {known}",
        )
    outlook = next((o for o in gap.outlook if o.id == indicator_id and o.region == region), None)
    facts = gap.indicators.get(indicator_id, {})
    p = precisions(gap.rows, gap.indicators).get(indicator_id, GENERIC)

    import matplotlib

    with matplotlib.rc_context(chart_rc_params()):
        figure = _new_figure()
        axes = figure.add_subplot()
        _draw(axes, gap.plan, rows, outlook, facts, p, labels)
        if title:
            where = _region_label(region, gap.plan, lang)
            axes.set_title(
                labels["chart_title"].format(name=rows[0].name, region=where), parse_math=False
            )
        _legend(figure, axes)
    return figure


def _legend(figure: Figure, axes: Axes, extra: Sequence[Any] = ()) -> None:
    """The legend under the plot, without a frame: one row when it fits the width, else
    two rows read left to right."""
    handles, texts = axes.get_legend_handles_labels()
    handles += [h for h in extra]
    texts += [h.get_label() for h in extra]
    if not handles:
        return
    # Roughly: a CJK character is 1 em, others half; each entry adds its handle and a gap.
    em = sum(sum(1 if ord(c) > 0x2E80 else 0.55 for c in t) + 3.5 for t in texts)
    fits = em * (_FONT_SIZE - 0.5) / 72 * 2.54 <= FIGURE_WIDTH_CM - 1
    columns = len(texts) if fits else math.ceil(len(texts) / 2)
    if not fits:  # matplotlib fills columns first: reorder so that rows read in order
        order = [i for c in range(columns) for i in range(c, len(texts), columns)]
        handles, texts = [handles[i] for i in order], [texts[i] for i in order]
    figure.legend(
        handles, texts, loc="outside lower center", ncols=columns, frameon=False,
        handlelength=1.8, columnspacing=1.2,
    )  # fmt: skip


def render_figure(figure: Figure, fmt: ChartFormat = "svg", *, dpi: int = _PNG_DPI) -> bytes:
    """A figure as SVG or PNG bytes (the same figure gives the same bytes)."""
    if fmt not in ("svg", "png"):
        raise UsageError(f"unknown chart format {fmt!r}", hint="use svg or png")
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
                figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        figure.clear()
    return buffer.getvalue()


def render_chart(
    gap: GapReport,
    indicator_id: str,
    region: str | None = None,
    *,
    fmt: ChartFormat = "svg",
    lang: Lang = "zh",
    title: bool = True,
) -> bytes:
    """Draw one indicator's chart (for one region, or the whole plan) as SVG or PNG bytes.

    The same input gives the same bytes. Raises :class:`~safeplan.errors.UsageError`
    for an unknown format, language, indicator or region.
    """
    if fmt not in ("svg", "png"):
        raise UsageError(f"unknown chart format {fmt!r}", hint="use svg or png")
    return render_figure(chart_figure(gap, indicator_id, region, lang=lang, title=title), fmt)


def write_charts(
    gap: GapReport,
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


def _ticks_for(axes: Axes, count: bool, precision: Precision, low: float, high: float) -> None:
    """Whole-number ticks from 0 for counts; a y range from 0 with room above the data."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    top = high * 1.18 if high > 0 else 1.0
    if count:
        top = max(top, 1.0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5, min_n_ticks=2))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: str(round(v))))
    else:
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(round(v, 10))))
    # A sliver below 0, so that values and a target of 0 stay visible above the spine.
    axes.set_ylim(-0.03 * top if low >= 0 else low * 1.1, top)


def _draw(
    axes: Axes,
    plan: Mapping[str, Any],
    rows: Sequence[Result],
    outlook: Outlook | None,
    facts: Mapping[str, Any],
    p: Precision,
    labels: Mapping[str, str],
) -> None:
    baseline_year = int(plan["baseline_year"])
    target_year = int(plan["target_year"])
    # The first target that binds (a region may have none: no target line is drawn).
    target = next((r.target for r in rows if r.target), None) or {"kind": None}
    kind = target["kind"]
    own_baseline = int(target.get("baseline_year") or baseline_year)
    years = [r.year for r in rows]
    values = [_float(r.value) for r in rows]
    shown: list[float] = [v for v in values if not math.isnan(v)]
    count = bool(facts.get("count"))

    axes.plot(years, values, color=_COLORS["series"], linewidth=1.6, label=labels["chart_series"])
    for status in ("met", "missed", "no_data", "no_target"):
        points = [
            (y, v)
            for y, v, r in zip(years, values, rows, strict=True)
            if r.status == status and not math.isnan(v)
        ]
        if points:
            axes.plot(
                [pt[0] for pt in points],
                [pt[1] for pt in points],
                linestyle="none",
                marker=_MARKERS[status],
                markersize=6.5,
                color=_COLORS[status],
                markeredgecolor="white",
                label=labels[f"{status}_word"],
                zorder=3,
            )

    first_year = min([baseline_year, own_baseline, *years])
    last_year = max([target_year, *years])
    if kind in ("max", "min"):
        x = float(target["value"])
        text = fmt_number(target["value"])
        axes.axhline(
            x, color=_COLORS["target"], linewidth=1.3, linestyle="--",
            label=labels["chart_max" if kind == "max" else "chart_min"].format(x=text),
        )  # fmt: skip
        shown.append(x)
        _label_at(axes, last_year + 0.45, x, labels["chart_target_label"].format(x=text))
    elif kind == "decline_pct":
        path: dict[int, float] = {}
        base = next((v for y, v in zip(years, values, strict=True) if y == own_baseline), math.nan)
        if not math.isnan(base):
            path[own_baseline] = base
        for r in rows:
            if r.threshold is not None:
                path[r.year] = float(r.threshold)
        final = outlook.final_threshold if outlook else None
        if final is not None:
            path[target_year] = float(final)
        if path:
            xs = sorted(path)
            axes.plot(
                xs, [path[x] for x in xs], color=_COLORS["target"], linestyle="--",
                linewidth=1.3, label=labels["progress"],
            )  # fmt: skip
            shown += list(path.values())
            if final is not None:
                axes.plot([target_year], [float(final)], marker="o", color=_COLORS["target"])
                _label_at(
                    axes, target_year + 0.45, float(final),
                    labels["chart_target_label"].format(x=fmt_fixed(final, p.threshold)),
                )  # fmt: skip
    elif kind == "yoy_decline":
        thresholds = [_float(r.threshold) for r in rows]
        if not all(math.isnan(t) for t in thresholds):
            axes.plot(
                years, thresholds, color=_COLORS["target"], linestyle=":", linewidth=1.5,
                drawstyle="steps-mid", label=labels["chart_yoy"],
            )  # fmt: skip
            shown += [t for t in thresholds if not math.isnan(t)]

    if outlook is not None and outlook.projected_value is not None:
        latest_year, latest_value = outlook.latest_year, outlook.latest_value
        if latest_year is not None and latest_value is not None and latest_year < target_year:
            projected = float(outlook.projected_value)
            axes.plot(
                [latest_year, target_year], [float(latest_value), projected],
                color=_COLORS["projection"], linestyle=":", linewidth=1.5, marker="o",
                markevery=[1], markerfacecolor="white",
                label=labels["chart_projection"].format(t=target_year),
            )  # fmt: skip
            shown.append(projected)

    unit = facts.get("unit")
    if unit:
        axes.set_ylabel(labels["unit_note"].format(unit=unit))
    span = last_year - first_year + 1
    step = 1 if span <= 12 else 2 if span <= 24 else 5  # keep year labels from overlapping
    axes.set_xticks(range(first_year, last_year + 1, step))
    axes.set_xlim(first_year - 0.5, last_year + 1.6)  # room for the target's label
    axes.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    _ticks_for(axes, count, p, min(shown, default=0.0), max(shown, default=0.0))


def _label_at(axes: Axes, x: float, y: float, text: str) -> None:
    axes.annotate(
        text, (x, y), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
        color=_COLORS["target"], fontsize=_FONT_SIZE - 1, annotation_clip=False,
    )  # fmt: skip


def has_region_chart(gap: GapReport, indicator_id: str, year: int) -> bool:
    """Whether :func:`region_chart_figure` draws a chart: regions, not too many to read."""
    rows = [r for r in gap.rows if r.id == indicator_id and r.year == year and r.region]
    # All zero (no 重特大 accident anywhere): nothing to compare.
    return 0 < len(rows) <= _MAX_REGIONS and any(r.value for r in rows)


def region_chart_figure(
    gap: GapReport,
    indicator_id: str,
    year: int,
    *,
    lang: Lang = "zh",
    title: bool = True,
) -> Figure | None:
    """Each region's value of one indicator in ``year`` against its requirement, as
    horizontal bars coloured by status; None without regions (or with too many to read)."""
    labels = _labels(lang)
    rows = [r for r in gap.rows if r.id == indicator_id and r.year == year and r.region is not None]
    if not rows or len(rows) > _MAX_REGIONS:
        return None
    facts = gap.indicators.get(indicator_id, {})
    p = precisions(gap.rows, gap.indicators).get(indicator_id, GENERIC)

    import matplotlib

    with matplotlib.rc_context(chart_rc_params()):
        figure = _new_figure(max(5.0, 1.6 + 0.75 * len(rows)))
        axes = figure.add_subplot()
        names = [str(r.region) for r in rows][::-1]
        values = [_float(r.value) for r in rows][::-1]
        statuses = [r.status for r in rows][::-1]
        colours = [_COLORS[s] for s in statuses]
        bars = axes.barh(
            names, [0 if math.isnan(v) else v for v in values], color=colours, height=0.6
        )
        for bar, value in zip(bars, values, strict=True):
            text = "—" if math.isnan(value) else fmt_fixed(value, p.value)
            axes.annotate(
                text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                textcoords="offset points", va="center", fontsize=_FONT_SIZE - 1,
            )  # fmt: skip
        thresholds = {r.threshold for r in rows if r.threshold is not None}
        high = max(
            [v for v in values if not math.isnan(v)] + list(map(float, thresholds)), default=1.0
        )
        if len(thresholds) == 1:
            x = float(next(iter(thresholds)))
            axes.axvline(x, color=_COLORS["target"], linestyle="--", linewidth=1.3,
                         label=labels["progress"] + " " + fmt_fixed(x, p.threshold))  # fmt: skip
        elif thresholds:
            axes.plot(
                [_float(r.threshold) for r in rows][::-1], names, linestyle="none", marker="|",
                markersize=14, markeredgewidth=2, color=_COLORS["target"], label=labels["progress"],
            )  # fmt: skip
        from matplotlib.patches import Patch

        shown = [s for s in ("met", "missed", "no_data", "no_target") if s in statuses]
        patches = [Patch(color=_COLORS[s], label=labels[f"{s}_word"]) for s in shown]
        axes.set_xlim(0, high * 1.2 if high > 0 else 1)
        if facts.get("count"):
            from matplotlib.ticker import MaxNLocator

            axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        unit = facts.get("unit")
        if unit:
            axes.set_xlabel(labels["unit_note"].format(unit=unit))
        axes.grid(axis="x", color="#e0e0e0", linewidth=0.8)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if title:
            name = with_unit(rows[0].name, None, lang)
            axes.set_title(labels["region_chart"].format(year=year, name=name), parse_math=False)
        _legend(figure, axes, patches)
    return figure


def render_region_chart(
    gap: GapReport, indicator_id: str, year: int, *, fmt: ChartFormat = "svg", lang: Lang = "zh",
    title: bool = True,
) -> bytes | None:  # fmt: skip
    """:func:`region_chart_figure` as SVG or PNG bytes (None when there is no chart)."""
    figure = region_chart_figure(gap, indicator_id, year, lang=lang, title=title)
    return None if figure is None else render_figure(figure, fmt)


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
