"""The local working-day override file: the official schedule of years the package does not
know yet, and the city's own adjustments. Read strictly (every problem listed), reloaded when the
file changes, so an operator entering next year's schedule needs no restart.

Format (TOML)::

    [years.2027]
    complete = true                                   # the whole official schedule is below
    source = "国务院办公厅关于2027年部分节假日安排的通知"   # where the days come from
    holidays = ["2027-01-01 元旦", "2027-02-05 春节"]   # days off that would be working days
    workdays = ["2027-02-20 春节调休上班"]              # 调休: weekend days that are working days

A label after the date is optional.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.workdays import WorkdayCalendar

log = logging.getLogger(__name__)


class CalendarFileError(Exception):
    """The override file cannot be used; ``problems`` says why, in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Parsed:
    overrides: dict[dt.date, bool] = field(default_factory=dict)
    labels: dict[dt.date, str] = field(default_factory=dict)
    complete: set[int] = field(default_factory=set)
    notes: dict[int, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _parse_day(raw: Any, year: int, where: str, parsed: _Parsed) -> tuple[dt.date, str] | None:
    text = str(raw).strip()
    date_part, _, label = text.partition(" ")
    try:
        day = dt.date.fromisoformat(date_part)
    except ValueError:
        parsed.problems.append(f"{where}：“{text}”不是有效日期（应写作 2027-01-01）")
        return None
    if day.year != year:
        parsed.problems.append(f"{where}：{day.isoformat()} 不属于 {year} 年")
        return None
    return day, label.strip()


def _parse_year(key: str, entry: Any, parsed: _Parsed) -> None:
    try:
        year = int(key)
    except ValueError:
        parsed.problems.append(f"[years.{key}]：年份应为四位数字")
        return
    if not isinstance(entry, Mapping):
        parsed.problems.append(f"[years.{key}] 应为一个表")
        return
    for list_name, working in (("holidays", False), ("workdays", True)):
        for raw in entry.get(list_name, []):
            found = _parse_day(raw, year, f"[years.{year}] {list_name}", parsed)
            if found is None:
                continue
            day, label = found
            if day in parsed.overrides and parsed.overrides[day] != working:
                parsed.problems.append(f"[years.{year}]：{day.isoformat()} 同时列为放假和上班")
                continue
            parsed.overrides[day] = working
            if label:
                parsed.labels[day] = label
    if entry.get("complete"):
        parsed.complete.add(year)
    if entry.get("source"):
        parsed.notes[year] = str(entry["source"])


def parse_overrides(text: str, *, allow_provisional: bool = True) -> WorkdayCalendar:
    """Parse the file's text, or raise CalendarFileError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CalendarFileError([f"不是有效的 TOML：{error}"]) from None
    parsed = _Parsed()
    years = data.get("years") or {}
    if not isinstance(years, Mapping):
        raise CalendarFileError(["years 应为一个表，如 [years.2027]"])
    for key, entry in years.items():
        _parse_year(str(key), entry, parsed)
    if parsed.problems:
        raise CalendarFileError(parsed.problems)
    return WorkdayCalendar(
        overrides=parsed.overrides,
        override_years=frozenset(parsed.complete),
        override_labels=parsed.labels,
        year_notes=parsed.notes,
        allow_provisional=allow_provisional,
    )


def load_overrides(path: Path, *, allow_provisional: bool = True) -> WorkdayCalendar:
    """Read the override file; a missing file means no overrides."""
    if not path.exists():
        return WorkdayCalendar(allow_provisional=allow_provisional)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarFileError([f"无法读取工作日调整文件 {path}：{error}"]) from None
    try:
        return parse_overrides(text, allow_provisional=allow_provisional)
    except CalendarFileError as error:
        raise CalendarFileError([f"工作日调整文件 {path}：{p}" for p in error.problems]) from None


@dataclass
class CalendarFile:
    """The current calendar, re-read whenever the override file changes.

    A file broken by an edit keeps the last good calendar in use and says why in ``last_error``
    (the daemon must not stop counting deadlines because of a typo).
    """

    path: Path
    allow_provisional: bool = True
    last_error: str = ""
    _stamp: tuple[int, int] | None = field(default=None, repr=False)
    _calendar: WorkdayCalendar | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _file_stamp(self) -> tuple[int, int]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return (0, 0)
        return (stat.st_mtime_ns, stat.st_size)

    def current(self) -> WorkdayCalendar:
        with self._lock:
            stamp = self._file_stamp()
            if self._calendar is None or stamp != self._stamp:
                self._reload(stamp)
            assert self._calendar is not None
            return self._calendar

    def _reload(self, stamp: tuple[int, int]) -> None:
        try:
            self._calendar = load_overrides(self.path, allow_provisional=self.allow_provisional)
            self.last_error = ""
        except CalendarFileError as error:
            self.last_error = "；".join(error.problems)
            log.error("工作日调整文件有误，继续使用上次读取的内容：%s", self.last_error)
            if self._calendar is None:
                self._calendar = WorkdayCalendar(allow_provisional=self.allow_provisional)
        self._stamp = stamp
