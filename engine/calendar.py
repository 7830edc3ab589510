"""Working days on China's statutory calendar, offered to rule sets as the FEEL function
`add working days(start, n)`.

The `chinesecalendar` package knows the State Council's holidays and the 调休 make-up working
days for the years it covers. Outside them the function falls back to Monday-Friday and says so
through a note, which the evaluation turns into a finding of the element that asked.
"""
from __future__ import annotations

from contextvars import ContextVar
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

# Set by evaluate.py while an element is evaluated: functions report notes through it.
function_notes: ContextVar[list | None] = ContextVar("function_notes", default=None)


def _is_workday_table():
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - a dependency of the package
        return None
    return chinese_calendar


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> tuple[bool, bool]:
    """(working?, from the statutory calendar?) A date's answer never changes: remembered, as a
    deadline of 10 working days asks about the same few weeks for every case."""
    cc = _is_workday_table()
    if cc is not None:
        try:
            return bool(cc.is_workday(day)), True
        except NotImplementedError:
            pass
    return day.weekday() < 5, False


MAX_WORKING_DAYS = 3660


def add_working_days(start, n):
    """The n-th working day after `start` (start itself is not counted)."""
    from .feel import FeelEvalError
    if not isinstance(start, date) or not isinstance(n, Decimal):
        raise FeelEvalError("add working days needs a date and a number")
    if n != n.to_integral_value() or n < 0 or n > MAX_WORKING_DAYS:
        raise FeelEvalError(f"add working days counts 0 to {MAX_WORKING_DAYS} whole days, not {n}")
    try:
        day, fallback_years = _working_days_after(start.__class__, start, int(n))
    except OverflowError:
        raise FeelEvalError(f"{n} working days after {start.isoformat()} is past the last date (9999-12-31)") from None
    if fallback_years:
        notes = function_notes.get()
        if notes is not None:
            years = ", ".join(str(y) for y in fallback_years)
            notes.append({
                "zh": f"法定节假日日历未覆盖 {years} 年，按周一至周五计算工作日",
                "en": f"the statutory holiday calendar does not cover {years}; working days counted as Monday to Friday",
            })
    return day


@lru_cache(maxsize=8192)
def _working_days_after(cls, start, count: int):
    """(the day, the years counted Monday to Friday, sorted): remembered by start and count, as a
    deadline of 10 working days after one of a few hundred dates is asked for case after case.
    The class is part of the key: a datetime equal in hash to a date is not that date."""
    day = start
    fallback_years = set()
    while count > 0:
        day += timedelta(days=1)
        working, known = is_working_day(day)
        if not known:
            fallback_years.add(day.year)
        if working:
            count -= 1
    return day, tuple(sorted(fallback_years))


def register(registry) -> None:
    registry.register("add working days", add_working_days, params=["start", "n"],
                      doc="The n-th working day after start on China's statutory calendar (调休 included); "
                          "outside the covered years, Monday to Friday with a note.")
