from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.workdays import UnknownYear, WorkdayCalendar, load_overrides


def test_spring_festival_2026_and_its_make_up_saturday() -> None:
    calendar = WorkdayCalendar()
    assert not calendar.is_working_day(dt.date(2026, 2, 17))  # Spring Festival
    assert calendar.is_working_day(dt.date(2026, 2, 14))  # Saturday make-up day (调休)
    # 3 working days after Friday 2026-02-13: Sat 14 (make-up), then Feb 24, 25.
    assert calendar.add_working_days(dt.date(2026, 2, 13), 3) == dt.date(2026, 2, 25)


def test_national_day_2026() -> None:
    calendar = WorkdayCalendar()
    assert calendar.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert calendar.is_working_day(dt.date(2026, 10, 10))  # Saturday make-up day


def test_unknown_year_is_an_error_not_a_guess() -> None:
    with pytest.raises(UnknownYear, match="2027 年的法定节假日安排尚未录入"):
        WorkdayCalendar().add_working_days(dt.date(2026, 12, 30), 5)


def test_override_file_completes_a_year(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        '[years.2027]\ncomplete = true\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-02"]\n'
    )
    calendar = load_overrides(path)
    assert not calendar.is_working_day(dt.date(2027, 1, 1))
    assert calendar.is_working_day(dt.date(2027, 1, 2))  # a Saturday made a working day
    assert calendar.knows_year(2027)
