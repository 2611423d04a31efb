"""Deadlines as a function of history, over real holiday dates (Art. 13, 14, 16, 18, 26)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.calendar_file import parse_overrides
from core.clock import CHINA_TZ
from core.workdays import WorkdayCalendar
from processing.deadlines import DeadlineRules, HistoryEvent, add_months, compute_deadlines

CALENDAR = WorkdayCalendar()
RULES = DeadlineRules()


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), CHINA_TZ)


def history(*items: tuple[str, str] | tuple[str, str, dict]) -> list[HistoryEvent]:
    events = []
    for number, item in enumerate(items, start=1):
        kind, day, *rest = item
        data = rest[0] if rest else {}
        to_status = "triage" if kind == "reopen" else None
        events.append(HistoryEvent(number, kind, at(day), to_status, {"unit": "yanhu", **data}))
    return events


def by_stage(events: list[HistoryEvent], calendar: WorkdayCalendar = CALENDAR) -> dict:
    return {s.stage: s for s in compute_deadlines(events, calendar, RULES)}


def test_spring_festival_2026_with_make_up_saturdays() -> None:
    specs = by_stage(history(("accept", "2026-02-13"), ("transfer", "2026-02-13")))
    # Sat 14 is a make-up working day (1); Feb 15–23 off; Tue 24 (2), Wed 25 (3).
    assert specs["acknowledge:1"].due_on == dt.date(2026, 2, 25)
    # 30 working days, counting both make-up Saturdays (Feb 14 and Feb 28).
    assert specs["result:1"].due_on == dt.date(2026, 4, 2)
    assert specs["case:1"].due_on == dt.date(2026, 4, 13)
    assert not any(s.provisional for s in specs.values())
    assert specs["acknowledge:1"].rule == "自转办之日（2026年2月13日）起 3 个工作日"


def test_national_day_2026_with_sunday_and_saturday_make_up_days() -> None:
    specs = by_stage(history(("accept", "2026-09-18"), ("transfer", "2026-09-18")))
    # Sun Sep 20 is a make-up working day (1), then Mon 21 (2), Tue 22 (3).
    assert specs["acknowledge:1"].due_on == dt.date(2026, 9, 22)
    specs = by_stage(history(("accept", "2026-09-30"), ("transfer", "2026-09-30")))
    # Oct 1–7 off; Thu 8 (1), Fri 9 (2), Sat 10 make-up (3).
    assert specs["acknowledge:1"].due_on == dt.date(2026, 10, 10)
    # Two months from Sep 30 is Nov 30 (a Monday).
    assert specs["case:1"].due_on == dt.date(2026, 11, 30)


def test_a_case_accepted_today_has_provisional_2027_deadlines() -> None:
    specs = by_stage(history(("accept", "2026-11-25"), ("transfer", "2026-11-25")))
    assert specs["acknowledge:1"].due_on == dt.date(2026, 11, 30)
    assert not specs["acknowledge:1"].provisional
    assert specs["result:1"].due_on == dt.date(2027, 1, 7)  # 元旦 2027-01-01 skipped
    assert specs["result:1"].provisional_years == frozenset({2027})
    assert specs["case:1"].due_on == dt.date(2027, 1, 25)
    assert specs["case:1"].provisional


def test_entering_the_2027_schedule_recomputes_and_clears_the_mark() -> None:
    # A made-up schedule for the test: 2027-01-04 also off, Sat 2027-01-09 a working day.
    official = parse_overrides(
        '[years.2027]\ncomplete = true\nholidays = ["2027-01-01", "2027-01-04"]\n'
        'workdays = ["2027-01-09"]\n'
    )
    events = history(("accept", "2026-11-25"), ("transfer", "2026-11-25"))
    specs = by_stage(events, official)
    assert specs["result:1"].due_on == dt.date(2027, 1, 8)
    assert not specs["result:1"].provisional


def test_acknowledgement_met_and_result_met() -> None:
    specs = by_stage(
        history(
            ("accept", "2026-03-02"),
            ("transfer", "2026-03-02"),
            ("acknowledge", "2026-03-04"),
            ("report_result", "2026-03-20"),
            ("close", "2026-03-25"),
        )
    )
    assert [specs[s].status for s in ("acknowledge:1", "result:1", "case:1")] == ["met"] * 3
    assert specs["acknowledge:1"].settled_event_id == 3


def test_decline_meets_acknowledgement_voids_result_and_retransfer_starts_over() -> None:
    specs = by_stage(
        history(
            ("accept", "2026-03-02"),
            ("transfer", "2026-03-02"),
            ("decline", "2026-03-03"),
            ("transfer", "2026-03-05", {"unit": "linyi"}),
        )
    )
    assert specs["acknowledge:1"].status == "met"
    assert specs["result:1"].status == "void"
    assert specs["acknowledge:2"].unit_code == "linyi"
    assert specs["acknowledge:2"].due_on == dt.date(2026, 3, 10)
    assert specs["case:1"].due_on == dt.date(2026, 5, 6)  # May 2 → Sat; May 1–5 off; May 6


def test_extension_adds_a_month_to_the_case_and_the_result() -> None:
    specs = by_stage(
        history(
            ("accept", "2026-03-02"),
            ("transfer", "2026-03-02"),
            ("acknowledge", "2026-03-03"),
            ("request_extension", "2026-03-20"),
            ("approve_extension", "2026-03-23"),
        )
    )
    assert specs["case:1"].due_on == dt.date(2026, 6, 2)
    assert "经批准延长 1 个月" in specs["case:1"].rule
    # Result: 30 working days from Mar 2 is Apr 14; one month later May 14.
    assert specs["result:1"].basis["original_due"] == "2026-04-14"
    assert specs["result:1"].due_on == dt.date(2026, 5, 14)


def test_supplementary_investigation_gets_a_new_result_deadline() -> None:
    specs = by_stage(
        history(
            ("accept", "2026-03-02"),
            ("transfer", "2026-03-02"),
            ("report_result", "2026-03-10"),
            ("appeal", "2026-03-12"),
            ("order_supplementary", "2026-09-18", {"working_days": 3}),
        )
    )
    assert specs["supplementary:1"].due_on == dt.date(2026, 9, 22)
    assert specs["supplementary:1"].unit_code == "yanhu"
    assert "要求补充调查" in specs["supplementary:1"].rule


def test_reopen_opens_a_new_whole_case_deadline() -> None:
    specs = by_stage(
        history(
            ("accept", "2026-03-02"),
            ("transfer", "2026-03-02"),
            ("report_result", "2026-03-10"),
            ("close", "2026-03-12"),
            ("reopen", "2026-06-01"),
        )
    )
    assert specs["case:1"].status == "met"
    assert specs["case:2"].due_on == dt.date(2026, 8, 3)  # Aug 1 is a Saturday


def test_working_days_month_rule_is_configurable() -> None:
    rules = DeadlineRules(month_rule="working_days", working_days_per_month=21)
    specs = compute_deadlines(history(("accept", "2026-03-02")), CALENDAR, rules)
    assert specs[0].due_on == CALENDAR.count_working_days(dt.date(2026, 3, 2), 42).date
    assert "每月按 21 个工作日计" in specs[0].rule


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-01-31", 1, "2026-02-28"),
        ("2026-11-25", 2, "2027-01-25"),
    ],
)
def test_add_months_clamps_to_month_end(day: str, months: int, expected: str) -> None:
    assert add_months(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)
