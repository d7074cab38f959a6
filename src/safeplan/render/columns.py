"""Results as columns of display cells, shared by the text and Markdown renderers."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

from safeplan.render.batch import _format_each, _format_each_object
from safeplan.render.labels import LABELS, _region_label, target_text
from safeplan.render.numbers import _pair_columns, fmt_gap, fmt_number

if TYPE_CHECKING:
    from safeplan.evaluate.results import Outlook, Result


def _result_fields(results: Sequence[Result]) -> dict[str, Sequence[Any]]:
    """The fields of results, column by column (results are tuples: one C call)."""
    from safeplan.evaluate.results import Result

    columns = zip(*results, strict=True) if results else repeat(())
    return dict(zip(Result._fields, columns, strict=False))


def _result_columns(
    fields: dict[str, Sequence[Any]], plan: dict[str, Any], lang: str
) -> list[Sequence[str]]:
    """The cells of results (given by :func:`_result_fields`) as people read them, column
    by column: indicator, region, value, target, threshold, gap and status."""
    values, thresholds = _pair_columns(fields["value"], fields["threshold"])
    return [
        fields["name"],
        _format_each(fields["region"], lambda region: _region_label(region, plan, lang)),
        values,
        _format_each_object(
            fields["target"], lambda target: target_text(target, plan["baseline_year"], lang)
        ),
        thresholds,
        _format_each(fields["gap"], fmt_gap),
        list(map(LABELS[lang].__getitem__, fields["status"])),
    ]


def _headers(lang: str) -> list[str]:
    labels = LABELS[lang]
    return [
        labels[k] for k in ("indicator", "region", "value", "target", "threshold", "gap", "status")
    ]


def _outlook_columns(outlook: Sequence[Outlook | None], lang: str) -> list[list[str]]:
    """The outlook cells as people read them, column by column: latest year, latest value,
    final threshold, projected value, on track, required change (all "—" without one)."""
    labels = LABELS[lang]

    def track(on_track: bool | None) -> str:
        return labels["unknown"] if on_track is None else labels["yes" if on_track else "no"]

    def numbers(name: str) -> list[str]:
        return _format_each([None if o is None else getattr(o, name) for o in outlook], fmt_number)

    return [
        ["—" if o is None or o.latest_year is None else str(o.latest_year) for o in outlook],
        numbers("latest_value"),
        numbers("final_threshold"),
        numbers("projected_value"),
        ["—" if o is None else track(o.on_track) for o in outlook],
        [
            "—"
            if o is None or o.required_annual_change_pct is None
            else f"{o.required_annual_change_pct:+.2f}"
            for o in outlook
        ],
    ]
