"""``safeplan classify``: every accident record with its class and why, and a summary.

The class of each record comes from :mod:`safeplan.domain.classes` (国务院令第493号 第三条); the
reason names the measure(s) that decided it, e.g. ``重大: 直接经济损失 5000 万元 ≥ 5000``.

A national ledger has a million records: the result keeps them column by column, and
:meth:`Classified.fields` gives any of their fields for a range of records at a time, so
that renderers write them in chunks, each distinct text (a date, a region, a reason's
shape) built once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from safeplan.domain.classes import (
    CLASS_NAMES_EN,
    CLASS_NAMES_ZH,
    CLASSES,
    Classification,
    describe_all,
)
from safeplan.findings import ValidationReport
from safeplan.ingest.load import InvalidDataError, used_columns
from safeplan.ingest.records import load_records
from safeplan.plan import Plan

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    import numpy as np

    from safeplan.ingest.dataset import Records

#: The fields of each classified record, in the order the JSON output lists them.
RECORD_FIELDS = (
    "line",
    "date",
    "year",
    "region",
    "sector",
    "deaths",
    "serious_injuries",
    "direct_loss",
    "class",
    "class_zh",
    "class_en",
    "reason_zh",
    "reason_en",
)


#: Records formatted at a time by :meth:`Classified.chunks`.
CHUNK = 50_000


@dataclass
class Classified:
    """The classified records of one dataset and the counts by year (× region) × class."""

    dataset: str
    file: str
    summary: list[dict[str, Any]]
    _records: Records = field(repr=False)
    _coded: dict[str, tuple[np.ndarray[Any, Any], list[Any]]] = field(
        default_factory=dict, repr=False
    )
    _lines: np.ndarray[Any, Any] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        """Number of records."""
        return len(self._records.rows)

    @property
    def has_region(self) -> bool:
        """Whether the records (or the summary) are by region."""
        return (bool(len(self)) and self._records.region_codes is not None) or any(
            "region" in s for s in self.summary
        )

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every record as a mapping of :data:`RECORD_FIELDS` (built on each call)."""
        columns = self.fields(RECORD_FIELDS)
        rows = zip(*columns.values(), strict=True)
        return [dict(zip(RECORD_FIELDS, values, strict=True)) for values in rows]

    def fields(self, keys: Sequence[str]) -> dict[str, list[Any]]:
        """The fields ``keys`` (of :data:`RECORD_FIELDS`) of every record, column by column:
        ``line``, ``year`` and ``deaths`` are ints, ``serious_injuries`` an int or None (not
        recorded), ``direct_loss`` the loss as written in 万元 or None, ``region`` and
        ``sector`` None without such a column."""
        chunks = self.chunks(keys, lambda key, values: values, max(len(self), 1))
        return dict(zip(keys, next(chunks, [[] for _ in keys]), strict=True))

    def chunks(
        self,
        keys: Sequence[str],
        format_all: Callable[[str, list[Any]], list[Any]],
        size: int = CHUNK,
        *,
        join: Any = None,
        once: bool = False,
    ) -> Iterator[list[list[Any]]]:
        """The fields ``keys`` of ``size`` records at a time, formatted: for each chunk, one
        list per key, of ``format_all(key, values)`` of the values (as :meth:`fields` gives
        them), which turns a list of values into a list of texts. Each distinct date,
        region, number or class is formatted once for all chunks; the kinds of record
        (numbers, class and reason: hundreds of thousands where losses differ) only a chunk
        at a time, so that no more than a chunk's texts are held — unless ``once``, which
        formats every one of them once (faster, for a renderer whose texts are small).

        With ``join``, neighbouring fields that one code determines (a date and its year; a
        record's numbers, class and reason) come as one list, their texts joined by
        ``join`` once per code.
        """
        import numpy as np

        runs: list[list[str]] = []
        for key in keys:
            if join is not None and runs and key != "line" and runs[-1][-1] != "line":
                if self._code_of(runs[-1][-1]) is self._code_of(key):
                    runs[-1].append(key)
                    continue
            runs.append([key])

        def texts(run: list[str], chosen: Sequence[int] | None) -> np.ndarray[Any, Any]:
            """The formatted texts of the distinct values ``chosen`` (all when None)."""
            parts = []
            for key in run:
                values = self._coded_column(key)[1]
                if chosen is not None:
                    values = list(map(values.__getitem__, chosen))
                parts.append(format_all(key, values))
            out = np.empty(len(parts[0]), dtype=object)
            out[:] = parts[0] if len(run) == 1 else list(map(join.join, zip(*parts, strict=True)))
            return out

        formatted: dict[str, np.ndarray[Any, Any]] = {}
        for start in range(0, len(self), size):
            window = slice(start, min(start + size, len(self)))
            out = []
            for run in runs:
                if run == ["line"]:
                    out.append(format_all("line", self._line_numbers()[window].tolist()))
                    continue
                codes = self._code_of(run[0])[window]
                if not once and len(self._coded_column(run[0])[1]) > size:
                    # More distinct values than records in a chunk: only this chunk's.
                    chosen, codes = np.unique(codes, return_inverse=True)
                    out.append(texts(run, chosen.tolist())[codes].tolist())
                    continue
                if run[0] not in formatted:
                    formatted[run[0]] = texts(run, None)
                out.append(formatted[run[0]][codes].tolist())
            yield out

    def _line_numbers(self) -> np.ndarray[Any, Any]:
        """The line (sheet row) of each record."""
        import numpy as np

        if self._lines is None:
            self._lines = np.asarray(self._records.table.lines)[self._records.rows]
        return self._lines

    def _code_of(self, key: str) -> np.ndarray[Any, Any]:
        return self._coded_column(key)[0]

    def _coded_column(self, key: str) -> tuple[np.ndarray[Any, Any], list[Any]]:
        """Each record's code into the distinct values of field ``key`` (not ``line``),
        computed once. Fields that one code determines share that very array: a date and
        its year; a record's numbers, class and reason (its kind)."""
        coded = self._coded.get(key)
        if coded is None:
            coded = self._coded[key] = self._code(key)
        return coded

    def _code(self, key: str) -> tuple[np.ndarray[Any, Any], list[Any]]:
        import numpy as np

        records = self._records
        table = records.table
        if key == "date":
            codes, texts = table.factorize("date" if "date" in table.header else "year")
            return codes[records.rows], texts
        if key == "year":
            codes, one = self._each("date")
            return codes, records.year[one].tolist()
        if key in ("region", "sector"):
            pair = records.region_codes if key == "region" else records.sector_codes
            if pair is None:
                return np.zeros(len(self), dtype=np.int64), [None]
            return pair[0], pair[1].tolist()
        if key == "loss_text":  # "" where not recorded
            return records.loss_texts()
        if key == "reason_zh":
            missing = records.injuries_missing
            loss_codes, loss_texts = self._coded_column("loss_text")
            return describe_all(
                records.classes,
                records.deaths,
                records.injuries,
                np.ones(len(self), dtype=bool) if missing is None else ~missing,
                loss_codes,
                loss_texts,
                lang="zh",
            )
        # The kind of each record: its class, the measures its reason names and lacks, and
        # their values — every field below is one value per kind.
        codes, one = self._each("reason_zh")
        if key == "reason_en":
            missing = records.injuries_missing
            loss_codes, loss_texts = self._coded_column("loss_text")
            classes = records.classes
            kinds, reasons = describe_all(
                Classification(
                    classes.code[one],
                    classes.by_deaths[one],
                    classes.by_injuries[one],
                    classes.by_loss[one],
                ),
                records.deaths[one],
                records.injuries[one],
                np.ones(len(one), dtype=bool) if missing is None else ~missing[one],
                loss_codes[one],
                loss_texts,
                lang="en",
            )
            return codes, [reasons[kind] for kind in kinds.tolist()]
        if key == "deaths":
            return codes, records.deaths[one].tolist()
        if key == "serious_injuries":
            values = records.injuries[one].astype(object)
            if records.injuries_missing is not None:
                values[records.injuries_missing[one]] = None  # not recorded
            return codes, values.tolist()
        if key == "direct_loss":
            loss_codes, loss_texts = self._coded_column("loss_text")
            return codes, [loss_texts[c] or None for c in loss_codes[one].tolist()]
        if key in ("class", "class_zh", "class_en"):
            names = {"class": CLASSES, "class_zh": CLASS_NAMES_ZH, "class_en": CLASS_NAMES_EN}
            return codes, [names[key][c] for c in records.classes.code[one].tolist()]
        raise KeyError(key)

    def _each(self, key: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """The codes of field ``key`` and a record of each code."""
        import numpy as np

        codes, values = self._coded_column(key)
        one = np.zeros(len(values), dtype=np.int64)
        one[codes] = np.arange(len(codes))
        return codes, one


def classify_plan(plan: Plan, dataset: str | None = None) -> Classified:
    """Read, check and classify a records dataset (the first one unless named)."""
    dataset = plan.records_dataset(dataset)
    source = plan.sources[dataset]
    loaded, findings = load_records(plan, source, used_columns(plan)[dataset])
    report = ValidationReport(findings=findings, files=[source.display])
    if loaded is None or not report.valid:
        raise InvalidDataError(report)
    records = loaded.derived
    assert records is not None, "a records dataset has its records"
    frame = loaded.frame
    keys = ["year", "region"] if loaded.has_region else ["year"]
    counts = ["accidents", *CLASSES, "major_or_above", "larger_or_above"]
    columns = [frame[k].tolist() for k in keys]
    columns += [frame[c].to_numpy().astype("int64").tolist() for c in counts]
    columns[0] = [int(y) for y in columns[0]]
    summary = [dict(zip(keys + counts, row, strict=True)) for row in zip(*columns, strict=True)]
    return Classified(dataset=dataset, file=source.display, summary=summary, _records=records)
