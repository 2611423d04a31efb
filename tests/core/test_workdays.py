from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from core.calendar_file import CalendarFile, CalendarFileError, load_overrides, parse_overrides
from core.workdays import (
    SOURCE_OVERRIDE,
    SOURCE_PACKAGE,
    SOURCE_PROVISIONAL,
    UnknownYear,
    WorkdayCalendar,
    calendar_warnings,
)


def test_spring_festival_2026_and_its_make_up_saturdays() -> None:
    calendar = WorkdayCalendar()
    assert not calendar.is_working_day(dt.date(2026, 2, 17))  # Spring Festival
    assert calendar.is_working_day(dt.date(2026, 2, 14))  # Saturday make-up day (调休)
    assert calendar.is_working_day(dt.date(2026, 2, 28))  # and the one after the festival
    # 3 working days after Friday 2026-02-13: Sat 14 (make-up), then Feb 24, 25.
    assert calendar.add_working_days(dt.date(2026, 2, 13), 3) == dt.date(2026, 2, 25)
    info = calendar.day_info(dt.date(2026, 2, 14))
    assert (info.working, info.source, info.label) == (True, SOURCE_PACKAGE, "调休上班（春节）")


def test_national_day_2026_with_sunday_and_saturday_make_up_days() -> None:
    calendar = WorkdayCalendar()
    assert calendar.is_working_day(dt.date(2026, 9, 20))  # Sunday make-up day
    assert calendar.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert calendar.is_working_day(dt.date(2026, 10, 10))  # Saturday make-up day
    assert calendar.add_working_days(dt.date(2026, 10, 8), 2) == dt.date(2026, 10, 10)


def test_unknown_year_is_an_error_for_strict_questions() -> None:
    with pytest.raises(UnknownYear, match="2027 年的法定节假日安排尚未录入"):
        WorkdayCalendar().add_working_days(dt.date(2026, 12, 30), 5)
    with pytest.raises(UnknownYear):
        WorkdayCalendar().is_working_day(dt.date(2027, 3, 1))


def test_unknown_year_counts_provisionally_and_says_so() -> None:
    calendar = WorkdayCalendar()
    # 30 working days from Wednesday 2026-11-25: 2027-01-01 (元旦, statutory) is skipped.
    counted = calendar.count_working_days(dt.date(2026, 11, 25), 30)
    assert counted.date == dt.date(2027, 1, 7)
    assert counted.provisional_years == frozenset({2027})
    # The 2027 Spring Festival statutory days (除夕 Feb 5, 初一–初三 Feb 6–8) are days off.
    assert calendar.count_working_days(dt.date(2027, 2, 4), 1).date == dt.date(2027, 2, 9)
    assert calendar.day_info(dt.date(2027, 2, 5)).source == SOURCE_PROVISIONAL
    # A count that stays inside a known year is not provisional.
    assert not calendar.count_working_days(dt.date(2026, 11, 25), 3).provisional


def test_provisional_counting_can_be_switched_off() -> None:
    with pytest.raises(UnknownYear):
        WorkdayCalendar(allow_provisional=False).count_working_days(dt.date(2026, 12, 30), 5)


def test_override_file_completes_a_year_and_labels_days(tmp_path: Path) -> None:
    path = tmp_path / "workdays.toml"
    path.write_text(
        '[years.2027]\ncomplete = true\nsource = "国办通知"\n'
        'holidays = ["2027-01-01 元旦", "2027-02-09 春节"]\nworkdays = ["2027-01-02"]\n',
        encoding="utf-8",
    )
    calendar = load_overrides(path)
    assert not calendar.is_working_day(dt.date(2027, 1, 1))
    assert calendar.is_working_day(dt.date(2027, 1, 2))  # a Saturday made a working day
    assert calendar.knows_year(2027)
    assert calendar.day_info(dt.date(2027, 2, 9)).label == "春节"
    assert calendar.day_info(dt.date(2027, 3, 1)).source == SOURCE_OVERRIDE
    assert calendar.year_notes[2027] == "国办通知"
    assert not calendar.count_working_days(dt.date(2026, 12, 30), 5).provisional


def test_override_file_problems_are_all_listed() -> None:
    with pytest.raises(CalendarFileError) as raised:
        parse_overrides(
            '[years.2027]\nholidays = ["2027-13-01", "2028-01-01", "2027-02-06"]\n'
            'workdays = ["2027-02-06"]\n'
        )
    problems = raised.value.problems
    assert len(problems) == 3
    assert "“2027-13-01”不是有效日期" in problems[0]
    assert "2028-01-01 不属于 2027 年" in problems[1]
    assert "2027-02-06 同时列为放假和上班" in problems[2]


def test_calendar_file_reloads_after_an_edit_and_survives_a_broken_one(tmp_path: Path) -> None:
    path = tmp_path / "workdays.toml"
    source = CalendarFile(path)
    assert not source.current().knows_year(2027)
    path.write_text('[years.2027]\ncomplete = true\nholidays = ["2027-01-01"]\n')
    os.utime(path, ns=(1, 1))
    assert source.current().knows_year(2027)
    path.write_text("[years.2027\n")  # a typo while editing
    os.utime(path, ns=(2, 2))
    assert source.current().knows_year(2027)  # the last good calendar stays in use
    assert "不是有效的 TOML" in source.last_error


def test_warning_60_days_before_the_known_calendar_runs_out() -> None:
    calendar = WorkdayCalendar()
    assert calendar_warnings(calendar, dt.date(2026, 10, 1)) == []
    (warning,) = calendar_warnings(calendar, dt.date(2026, 11, 25))
    assert (warning.year, warning.days_left) == (2027, 36)
    assert "2027 年的放假安排尚未录入" in warning.message
    (early,) = calendar_warnings(calendar, dt.date(2026, 11, 1), warn_days=60)
    assert early.days_left == 60
    (unknown,) = calendar_warnings(calendar, dt.date(2027, 1, 4))
    assert unknown.known_until is None
