"""The monthly summary: statistics as a pure function, sent on the month's first working day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from config.units import Unit, UnitRegistry
from core.clock import CHINA_TZ
from core.workdays import WorkdayCalendar
from daemon.jobs import DigestJob
from notifications.monthly import CaseFacts, first_working_day_of_month, summarise_month
from store.models import OutboxMessage

REGISTRY = UnitRegistry(
    (Unit(code="yanhu", name="盐湖区人民政府", kind="county", email="y@u.example"),)
)


def test_statistics() -> None:
    cases = [
        CaseFacts("email", "illegal_fees", "closed", "yanhu"),
        CaseFacts("email", "illegal_fees", "transferred", "yanhu"),
        CaseFacts("hotline", "other", "not_accepted", None),
        CaseFacts("hotline", None, "screening_review", None),
        CaseFacts("letter", "other", "triage", "yanhu"),
    ]
    stats = summarise_month(
        "2026-10", cases, ["满意", "basically_satisfied", "不满意", ""], REGISTRY
    )
    assert (stats.received, stats.accepted, stats.not_accepted, stats.undecided) == (5, 3, 1, 1)
    assert stats.closed == 1 and stats.completion_rate == 1 / 3
    assert stats.by_channel == (("电子邮件", 2), ("12345热线", 2), ("信件", 1))
    assert [(u.unit_name, u.transferred, u.closed) for u in stats.units] == [
        ("盐湖区人民政府", 2, 1)
    ]
    assert stats.satisfaction == (("满意", 1), ("基本满意", 1), ("不满意", 1))
    assert stats.satisfaction_rate == 2 / 3


def test_no_answers_means_no_rate() -> None:
    stats = summarise_month("2026-10", [], [], REGISTRY)
    assert stats.completion_rate is None and stats.satisfaction_rate is None


def test_first_working_day_follows_the_holiday_calendar() -> None:
    cal = WorkdayCalendar()
    # National Day 2026: 1–7 October off, the 8th is the first working day.
    assert not first_working_day_of_month(cal, dt.date(2026, 10, 1))
    assert first_working_day_of_month(cal, dt.date(2026, 10, 8))
    assert not first_working_day_of_month(cal, dt.date(2026, 10, 9))
    assert first_working_day_of_month(cal, dt.date(2026, 12, 1))


def test_sent_once_on_the_first_working_day(make_settings, make_service, clock) -> None:
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ))
    service = make_service(make_settings(staff={"emails": ["clerk@office.example"]}))
    DigestJob(service).run_once()
    DigestJob(service).run_once()
    with service.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "monthly_summary")
        ).all()
    assert [(r.stage, r.recipient) for r in rows] == [("2026-11", "clerk@office.example")]
    assert "2026年11月" in rows[0].subject
