"""Read-only views of deadlines and supervision for staff: the digest, ``deadlines list``.

- ``due_soon``: open deadlines falling due within N working days (the digest uses 2);
- ``overdue``: open deadlines whose date has passed;
- ``provisional``: open deadlines counted over a year whose holidays are not yet entered;
- ``supervision_sent``: notices and 提醒督办函 recorded in a time window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.workdays import WorkdayCalendar
from processing.deadlines import KIND_LABELS
from store.models import Case, Deadline, SupervisionStep


@dataclass(frozen=True, slots=True)
class DeadlineLine:
    number: str
    title: str
    status: str
    kind: str
    label: str
    unit_code: str | None
    due_on: dt.date
    provisional: bool
    days_late: int  # calendar days past due (0 if not yet due)
    rule: str


def _lines(session: Session, today: dt.date, *conditions: object) -> list[DeadlineLine]:
    rows = session.execute(
        select(Deadline, Case)
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.status == "open", *conditions)  # type: ignore[arg-type]
        .order_by(Deadline.due_on, Case.number)
    )
    return [
        DeadlineLine(
            number=case.number,
            title=case.title,
            status=case.status,
            kind=d.kind,
            label=KIND_LABELS[d.kind],
            unit_code=d.unit_code or case.unit_code,
            due_on=d.due_on,
            provisional=d.provisional,
            days_late=max(0, (today - d.due_on).days),
            rule=d.rule,
        )
        for d, case in rows
    ]


def due_soon(
    session: Session, today: dt.date, calendar: WorkdayCalendar, *, working_days: int = 2
) -> list[DeadlineLine]:
    """Open deadlines due from today up to ``working_days`` working days ahead."""
    until = calendar.count_working_days(today, working_days).date
    return _lines(session, today, Deadline.due_on >= today, Deadline.due_on <= until)


def overdue(session: Session, today: dt.date) -> list[DeadlineLine]:
    return _lines(session, today, Deadline.due_on < today)


def provisional(session: Session, today: dt.date) -> list[DeadlineLine]:
    return _lines(session, today, Deadline.provisional.is_(True))


def all_open(session: Session, today: dt.date) -> list[DeadlineLine]:
    return _lines(session, today)


@dataclass(frozen=True, slots=True)
class SupervisionLine:
    number: str
    kind: str  # notice | supervision
    stage: str
    article_item: str | None
    unit_code: str | None
    due_on: dt.date | None
    new_due_on: dt.date | None
    reason: str
    actor: str
    at: dt.datetime


def supervision_sent(
    session: Session, start: dt.datetime, end: dt.datetime
) -> list[SupervisionLine]:
    rows = session.execute(
        select(SupervisionStep, Case.number)
        .join(Case, Case.id == SupervisionStep.case_id)
        .where(SupervisionStep.created_at > start, SupervisionStep.created_at <= end)
        .order_by(SupervisionStep.created_at)
    )
    return [
        SupervisionLine(
            number=number,
            kind=s.kind,
            stage=s.stage,
            article_item=s.article_item,
            unit_code=s.unit_code,
            due_on=s.due_on,
            new_due_on=s.new_due_on,
            reason=s.reason,
            actor=s.actor,
            at=s.created_at,
        )
        for s, number in rows
    ]
