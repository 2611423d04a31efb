"""Chinese working days (Art. 26: every period in the Measures counts working days).

Official holidays and weekend make-up working days (调休) come from the chinese-calendar package;
a local override file adds days it does not know yet or that the city adjusts. A date in a year
that neither source knows raises ``UnknownYear``: never a silent guess. (The workflow issue adds
provisional computation for such years on top of this.)
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar


class UnknownYear(LookupError):
    """The calendar has no official schedule for this year."""

    def __init__(self, year: int) -> None:
        super().__init__(f"{year} 年的法定节假日安排尚未录入，无法准确计算工作日")
        self.year = year


@dataclass(frozen=True)
class WorkdayCalendar:
    """Working days: overrides first, then chinese-calendar, for the years either knows."""

    # date → True (working day) / False (day off), from the local override file.
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    # Years whose schedule the override file declares complete.
    override_years: frozenset[int] = frozenset()

    def knows_year(self, year: int) -> bool:
        if year in self.override_years:
            return True
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.override_years:
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise UnknownYear(day.year) from None

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
        if days < 0:
            raise ValueError("days must be non-negative")
        current, remaining = start, days
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current


def load_overrides(path: Path) -> WorkdayCalendar:
    """Read an override file::

    [years.2027]
    complete = true                         # the whole official schedule is below
    holidays = ["2027-01-01", …]            # days off that would be working days
    workdays = ["2027-02-06", …]            # 调休: weekend days that are working days
    """
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    overrides: dict[dt.date, bool] = {}
    complete: set[int] = set()
    for year, entry in (data.get("years") or {}).items():
        for value in entry.get("holidays", []):
            overrides[dt.date.fromisoformat(str(value))] = False
        for value in entry.get("workdays", []):
            overrides[dt.date.fromisoformat(str(value))] = True
        if entry.get("complete"):
            complete.add(int(year))
    return WorkdayCalendar(overrides=overrides, override_years=frozenset(complete))
