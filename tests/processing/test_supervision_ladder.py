"""The reminder ladder and office hours as pure functions (Art. 21)."""

from __future__ import annotations

import datetime as dt

from core.clock import CHINA_TZ
from core.workdays import WorkdayCalendar
from processing.context import SupervisionRules
from processing.supervision import due_steps, in_office_hours, ladder
from store.models import Deadline

CALENDAR = WorkdayCalendar()
RUNGS = ladder(SupervisionRules())


def deadline(due: str, kind: str = "result", status: str = "open") -> Deadline:
    return Deadline(
        id=1,
        case_id=1,
        stage=f"{kind}:1",
        kind=kind,
        due_on=dt.date.fromisoformat(due),
        status=status,
        provisional=False,
    )


def steps(d: Deadline, today: str, sent: frozenset[str] = frozenset()) -> list[str]:
    return [s.stage for s in due_steps(d, dt.date.fromisoformat(today), CALENDAR, RUNGS, sent)]


def test_notice_one_working_day_before_across_the_national_day() -> None:
    d = deadline("2026-10-08")  # the first working day after the holiday
    assert steps(d, "2026-09-29") == []
    assert steps(d, "2026-09-30") == ["notice:result:1"]  # the working day before
    assert steps(d, "2026-10-08") == ["notice:result:1"]  # still useful on the day itself


def test_supervision_from_the_working_day_after_a_missed_deadline() -> None:
    d = deadline("2026-02-13", kind="acknowledge")  # Friday before the Spring Festival
    assert steps(d, "2026-02-13", frozenset({"notice:acknowledge:1"})) == []
    # Sat Feb 14 is a make-up working day: the day after.
    assert steps(d, "2026-02-14", frozenset({"notice:acknowledge:1"})) == [
        "supervision:acknowledge:1"
    ]
    # Much later (the service was down): still sent, once; the notice is no longer sent.
    assert steps(d, "2026-03-02") == ["supervision:acknowledge:1"]
    assert steps(d, "2026-03-02", frozenset({"supervision:acknowledge:1"})) == []


def test_met_deadlines_and_the_whole_case_deadline_climb_no_ladder() -> None:
    assert steps(deadline("2026-03-02", status="met"), "2026-03-10") == []
    assert steps(deadline("2026-03-02", kind="case"), "2026-03-10") == []


def test_no_notice_rung_when_switched_off() -> None:
    rungs = ladder(SupervisionRules(notice_working_days_before=0))
    assert [r.name for r in rungs] == ["supervision"]


def test_office_hours_on_working_days_only() -> None:
    rules = SupervisionRules()

    def at(day: str, time: str) -> dt.datetime:
        return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=CHINA_TZ)

    assert in_office_hours(at("2026-02-14", "09:00"), CALENDAR, rules)  # make-up Saturday
    assert not in_office_hours(at("2026-02-17", "09:00"), CALENDAR, rules)  # Spring Festival
    assert not in_office_hours(at("2026-03-02", "08:29"), CALENDAR, rules)
    assert not in_office_hours(at("2026-03-02", "17:30"), CALENDAR, rules)
    assert in_office_hours(at("2026-03-02", "17:29"), CALENDAR, rules)
