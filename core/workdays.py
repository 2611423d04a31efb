"""Chinese working days (Art. 26: every period in the Measures counts working days).

Official holidays and weekend make-up working days (调休) come from the chinese-calendar package;
a local override file adds days it does not know yet or that the city adjusts. A year that
neither source knows is never a silent guess: the strict methods raise ``UnknownYear``, and the
counting methods compute *provisionally* from weekends plus the statutory holiday dates of
《全国年节及纪念日放假办法》 (from the holidays package) and say which years were provisional, so
every deadline computed that way is marked and recomputed once the year's schedule is entered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar
import holidays

# Sources a day's status can come from, as shown by ``calendar show``.
SOURCE_OVERRIDE = "override"
SOURCE_PACKAGE = "chinese-calendar"
SOURCE_PROVISIONAL = "provisional"
SOURCE_LABELS: Mapping[str, str] = {
    SOURCE_OVERRIDE: "本地调整文件",
    SOURCE_PACKAGE: "国务院放假安排（chinese-calendar）",
    SOURCE_PROVISIONAL: "暂按周末及法定节日推算",
}

_PACKAGE_NAMES: Mapping[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
# The statutory festival days (《全国年节及纪念日放假办法》, as revised in 2024): only these are
# taken from the holidays package for a provisional year; its other entries (substituted days)
# would be a guess at the State Council's arrangement.
_STATUTORY_NAMES = frozenset(
    {"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
)


class UnknownYear(LookupError):
    """The calendar has no official schedule for this year."""

    def __init__(self, year: int) -> None:
        super().__init__(f"{year} 年的法定节假日安排尚未录入，无法准确计算工作日")
        self.year = year


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> Mapping[dt.date, str]:
    """The statutory festival days of ``year`` (no 调休 arrangement), date → Chinese name."""
    table = holidays.China(years=year, observed=False, language="zh_CN")
    days: dict[dt.date, str] = {}
    for day, names in table.items():
        kept = [n for n in str(names).split("; ") if n in _STATUTORY_NAMES]
        if kept:
            days[day] = "、".join(kept)
    return days


def package_knows_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar believes about one day, and where that comes from."""

    day: dt.date
    working: bool
    source: str  # SOURCE_OVERRIDE | SOURCE_PACKAGE | SOURCE_PROVISIONAL
    label: str  # 春节, 调休上班, 周末 … ("" for an ordinary working day)

    @property
    def provisional(self) -> bool:
        return self.source == SOURCE_PROVISIONAL


@dataclass(frozen=True, slots=True)
class CountedDate:
    """A date found by counting working days, with the years that had to be guessed."""

    date: dt.date
    provisional_years: frozenset[int] = frozenset()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


def _weekend_label(day: dt.date) -> str:
    return "周末" if day.weekday() >= 5 else ""


@dataclass(frozen=True)
class WorkdayCalendar:
    """Working days: overrides first, then chinese-calendar, then (counting only) provisional."""

    # date → True (working day) / False (day off), from the local override file.
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    # Years whose schedule the override file declares complete.
    override_years: frozenset[int] = frozenset()
    # date → what the override file says about it (e.g. "春节", "调休上班").
    override_labels: Mapping[dt.date, str] = field(default_factory=dict)
    # year → where the file's entries come from (the notice number, e.g. 国办发明电〔2026〕X号).
    year_notes: Mapping[int, str] = field(default_factory=dict)
    allow_provisional: bool = True
    # day → DayInfo: a calendar never changes once built (a new file makes a new calendar), and
    # every deadline asks about the same few hundred days.
    _days: dict[dt.date, DayInfo] = field(default_factory=dict, compare=False, repr=False)

    def knows_year(self, year: int) -> bool:
        return year in self.override_years or package_knows_year(year)

    def day_info(self, day: dt.date) -> DayInfo:
        """The status of ``day``; a provisional answer for an unknown year (if allowed)."""
        info = self._days.get(day)
        if info is None:
            info = self._days[day] = self._lookup(day)
        return info

    def _lookup(self, day: dt.date) -> DayInfo:
        if day in self.overrides:
            working = self.overrides[day]
            label = self.override_labels.get(day) or ("调休上班" if working else "放假")
            return DayInfo(day, working, SOURCE_OVERRIDE, label)
        if day.year in self.override_years:
            return DayInfo(day, day.weekday() < 5, SOURCE_OVERRIDE, _weekend_label(day))
        try:
            working = bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return self._provisional_day(day)
        _, name = chinese_calendar.get_holiday_detail(day)
        label = _PACKAGE_NAMES.get(str(name), str(name)) if name else _weekend_label(day)
        if name and working:
            label = f"调休上班（{label}）"
        return DayInfo(day, working, SOURCE_PACKAGE, label)

    def _provisional_day(self, day: dt.date) -> DayInfo:
        if not self.allow_provisional:
            raise UnknownYear(day.year)
        festival = statutory_holidays(day.year).get(day)
        if festival:
            return DayInfo(day, False, SOURCE_PROVISIONAL, festival)
        return DayInfo(day, day.weekday() < 5, SOURCE_PROVISIONAL, _weekend_label(day))

    def is_working_day(self, day: dt.date) -> bool:
        """Strict: raises UnknownYear for a day whose status would be a guess."""
        info = self.day_info(day)
        if info.provisional:
            raise UnknownYear(day.year)
        return info.working

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """Strict: the ``days``-th working day after ``start`` (``start`` itself not counted)."""
        counted = self.count_working_days(start, days)
        if counted.provisional:
            raise UnknownYear(min(counted.provisional_years))
        return counted.date

    def count_working_days(self, start: dt.date, days: int) -> CountedDate:
        """The ``days``-th working day after ``start``, marked with any provisional years."""
        if days < 0:
            raise ValueError("days must be non-negative")
        current, remaining, guessed = start, days, set()
        while remaining:
            current += dt.timedelta(days=1)
            info = self.day_info(current)
            if info.provisional:
                guessed.add(current.year)
            if info.working:
                remaining -= 1
        return CountedDate(current, frozenset(guessed))

    def roll_forward(self, day: dt.date) -> CountedDate:
        """``day`` if it is a working day, else the next one (a period ending on a day off)."""
        guessed = set()
        while True:
            info = self.day_info(day)
            if info.provisional:
                guessed.add(day.year)
            if info.working:
                return CountedDate(day, frozenset(guessed))
            day += dt.timedelta(days=1)

    def previous_working_day(self, day: dt.date, days: int = 1) -> CountedDate:
        """The ``days``-th working day before ``day``."""
        current, remaining, guessed = day, days, set()
        while remaining:
            current -= dt.timedelta(days=1)
            info = self.day_info(current)
            if info.provisional:
                guessed.add(current.year)
            if info.working:
                remaining -= 1
        return CountedDate(current, frozenset(guessed))

    def known_until(self, today: dt.date) -> dt.date | None:
        """The last day of the unbroken run of known years starting with ``today``'s year."""
        year = today.year
        if not self.knows_year(year):
            return None
        while self.knows_year(year + 1):
            year += 1
        return dt.date(year, 12, 31)

    def year_days(self, year: int) -> list[DayInfo]:
        day, days = dt.date(year, 1, 1), []
        while day.year == year:
            days.append(self.day_info(day))
            day += dt.timedelta(days=1)
        return days


@dataclass(frozen=True, slots=True)
class CalendarWarning:
    """A reason for staff to enter next year's official schedule."""

    year: int
    known_until: dt.date | None
    days_left: int
    message: str


def calendar_warnings(
    calendar: WorkdayCalendar, today: dt.date, *, warn_days: int = 60
) -> list[CalendarWarning]:
    """Warn ``warn_days`` days before the known calendar runs out (and every day after)."""
    until = calendar.known_until(today)
    if until is None:
        return [
            CalendarWarning(
                today.year,
                None,
                0,
                f"{today.year} 年的法定节假日安排尚未录入：所有期限均为暂按周末及法定节日推算，"
                "请尽快在工作日调整文件中录入国务院公布的放假安排",
            )
        ]
    days_left = (until - today).days
    if days_left > warn_days:
        return []
    year = until.year + 1
    return [
        CalendarWarning(
            year,
            until,
            days_left,
            f"已知的节假日安排只到 {until.isoformat()}（还有 {days_left} 天）："
            f"{year} 年的放假安排尚未录入，涉及 {year} 年的期限暂按周末及法定节日推算；"
            f"国务院公布后请录入工作日调整文件（[years.{year}]，complete = true）",
        )
    ]
