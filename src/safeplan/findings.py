"""Findings: problems in the data, as data.

Every check yields :class:`Finding` records with a stable kebab-case ``code``; a
:class:`ValidationReport` collects all of them. Nothing here raises.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

#: Every finding code, with its severity and a one-line description (documented in README).
CODES: dict[str, tuple[Severity, str]] = {
    "file-not-found": ("error", "a data file named in the plan does not exist"),
    "file-unreadable": ("error", "a data file cannot be read (permissions, a directory)"),
    "file-too-large": ("error", "a data file is too large to be statistics"),
    "unsupported-format": ("error", "not a CSV or .xlsx file"),
    "bad-encoding": ("error", "the bytes are neither UTF-8 nor GB18030"),
    "mixed-encoding": ("error", "part of the file is UTF-8 and part is not"),
    "empty-file": ("error", "the file has no header"),
    "no-data-rows": ("error", "the file has a header but no data rows"),
    "wrong-delimiter": ("error", "fields are separated by ; or tab instead of commas"),
    "unclosed-quote": ("error", "a quoted cell is never closed"),
    "bad-quote": ("error", "text follows a closing quote"),
    "nul-byte": ("error", "the file contains NUL bytes"),
    "blank-header": ("error", "a column has no name"),
    "duplicate-header": ("error", "two columns have the same name"),
    "ragged-row": ("error", "a row has more or fewer cells than the header"),
    "missing-year-column": ("error", "no year (年份) column"),
    "missing-column": ("error", "a column the plan uses is not in the file"),
    "missing-year": ("error", "a row without a year"),
    "non-integer-year": ("error", "a year that is not a whole number"),
    "implausible-year": ("error", "a year outside 1900–2200"),
    "missing-region": ("error", "a row without a region although the file has a region column"),
    "duplicate-row": ("error", "two rows for the same year (and region)"),
    "non-numeric": ("error", "a cell that is not a number"),
    "non-finite": ("error", "infinity, NaN or a number too large"),
    "negative-value": ("error", "a negative count or amount"),
    "non-integer-count": ("error", "a count (deaths, accidents, …) that is not a whole number"),
    "zero-denominator": ("error", "a denominator that is zero"),
    "missing-value": ("warning", "a blank cell in a used column: that result is no_data"),
    "rule-violated": ("error", "a consistency rule from the plan does not hold"),
    "large-change": ("warning", "a used column changes more than the allowed % in a year"),
    "year-gap": ("warning", "a year is missing from the sequence"),
    "bad-date": ("error", "an accident date that cannot be read"),
    "unknown-sector": ("warning", "sector values that belong to no sector group"),
    "outside-plan-years": ("warning", "records dated outside every year the plan uses"),
    "missing-sector-column": ("error", "sector groups are defined but there is no sector column"),
    "missing-deaths-column": ("error", "accident records without a deaths (死亡人数) column"),
}


@dataclass(frozen=True)
class Finding:
    """One problem at one place in one file."""

    code: str
    severity: Severity
    file: str
    message: str
    line: int | None = None
    column: int | None = None
    column_name: str | None = None
    value: str | None = None
    hint: str | None = None
    cell: str | None = None
    """For .xlsx: ``Sheet!B7``."""

    @property
    def location(self) -> str:
        """``file:line:col`` for text files, ``file:Sheet!B7`` for workbooks."""
        if self.cell:
            return f"{self.file}:{self.cell}"
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)


def finding(code: str, file: str, message: str, **where: Any) -> Finding:
    """A finding with the severity registered for ``code``."""
    severity = where.pop("severity", None) or CODES[code][0]
    return Finding(code=code, severity=severity, file=file, message=message, **where)


@dataclass
class ValidationReport:
    """Everything ``validate`` found, in file order."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def extend(self, findings: Iterable[Finding]) -> None:
        """Add findings."""
        self.findings.extend(findings)

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity error."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """The findings of severity warning."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def ok(self, fail_on: Severity = "error") -> bool:
        """True when nothing at or above ``fail_on`` was found."""
        return not (self.findings if fail_on == "warning" else self.errors)

    def counts(self) -> dict[str, int]:
        """Number of errors and warnings."""
        return {"errors": len(self.errors), "warnings": len(self.warnings)}

    def by_code(self) -> Counter[str]:
        """How many findings of each code."""
        return Counter(f.code for f in self.findings)

    def to_dict(self, fail_on: Severity = "error") -> dict[str, Any]:
        """The JSON envelope of ``validate --format json``."""
        return {
            "schema_version": 1,
            "ok": self.ok(fail_on),
            "counts": self.counts(),
            "files": list(self.files),
            "findings": [f.to_dict() for f in self.findings],
        }
