"""Dates: today's date (injectable), complete and partial years, monitoring periods.

A year is *partial* when a records dataset that an indicator uses declares ``through:``
(统计截止日期) before that year's end, or when the year has not ended by today's date. A
partial year is never compared with a full one: ``check`` refuses it and points to
``safeplan monitor``, ``gap`` stops at the last complete year.

Today's date is ``SAFEPLAN_TODAY`` (``YYYY-MM-DD``) when set — so that tests and
reproducible runs need no real clock — else the system's date.
"""

from __future__ import annotations

import calendar
import os
import re
from datetime import date
from typing import TYPE_CHECKING

from safeplan.errors import DataError, UsageError

if TYPE_CHECKING:
    from safeplan.plan import Plan

__all__ = [
    "TODAY_VARIABLE",
    "last_complete_year",
    "month_end",
    "parse_through",
    "refuse_partial",
    "same_day_a_year_earlier",
    "today",
]

TODAY_VARIABLE = "SAFEPLAN_TODAY"


def today() -> date:
    """Today's date: ``$SAFEPLAN_TODAY`` when set, else the system's date."""
    text = os.environ.get(TODAY_VARIABLE, "").strip()
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"环境变量 {TODAY_VARIABLE}='{text}' 不是 YYYY-MM-DD 格式的日期",
            hint=f"写成如 {TODAY_VARIABLE}=2025-11-05，或删去它（使用系统日期）",
        ) from None


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def same_day_a_year_earlier(day: date) -> date:
    """The same date a year earlier; 29 February maps to 28 February."""
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


_THROUGH = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")


def parse_through(text: str) -> date:
    """``YYYY-MM`` (to the end of that month) or ``YYYY-MM-DD``."""
    match = _THROUGH.match(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month = int(match[1]), int(match[2])
        if match[3] is None:
            return month_end(year, month)
        return date(year, month, int(match[3]))
    except ValueError:
        raise UsageError(
            f"'{text}' 不是统计截止日期：写成 YYYY-MM（到该月月底）或 YYYY-MM-DD",
            hint="例如 safeplan monitor 2025-10 或 safeplan monitor 2025-10-15",
        ) from None


def ledger_ends(plan: Plan) -> list[tuple[str, date]]:
    """(dataset, ``through:``) of every records dataset that an indicator uses and that
    declares the date it is complete to."""
    used = {ref.split(".", 1)[0] for i in plan.indicators for _, ref in i.refs}
    return [
        (name, source.spec.through)
        for name, source in plan.sources.items()
        if name in used and source.spec.records is not None and source.spec.through is not None
    ]


def last_complete_year(plan: Plan) -> tuple[int, str]:
    """The last year that is complete, and why the year after it is not (in Chinese)."""
    now = today()
    last, reason = now.year - 1, f"今天是 {now.isoformat()}，{now.year}年尚未结束"
    for name, through in ledger_ends(plan):
        year = through.year if through == date(through.year, 12, 31) else through.year - 1
        if year < last:
            source = plan.sources[name]
            last = year
            reason = f"事故台账 {name}（{source.display}）统计截止 {through.isoformat()}"
    return last, reason


def refuse_partial(plan: Plan, year: int) -> None:
    """Raise :class:`DataError` (exit 2) when ``year`` is partial, naming ``monitor``."""
    last, reason = last_complete_year(plan)
    if year <= last:
        return
    ends = [through for _, through in ledger_ends(plan) if through.year == year]
    now = today()
    through = min(ends) if ends else (now if now.year == year else None)
    command = f"safeplan monitor {through.isoformat() if through is not None else 'YYYY-MM-DD'}"
    raise DataError(
        f"{year}年的数据不完整（{reason}）：不完整的年份不能与全年目标比较，"
        "年内情况请用 safeplan monitor",
        hint=f"年内进度（1月1日至统计截止日的同比）：{command}；"
        f"全年考核请检查 {last}年或更早的年份",
    )
