"""Keep the ``deadlines`` table equal to what the case's history implies.

Called after every change to a case, and by the supervision job for every open case (which is how
deadlines follow a calendar edit, or a transfer made by a command that does not call this). A
deadline whose date or provisional mark changes is recorded on the case as an event.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.workdays import WorkdayCalendar
from processing.deadlines import DeadlineRules, DeadlineSpec, HistoryEvent, compute_deadlines
from processing.lifecycle import record_event
from store.models import Case, CaseEvent, Deadline

SYSTEM = "system"


def case_history(session: Session, case: Case) -> list[HistoryEvent]:
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return [HistoryEvent(e.id, e.kind, e.at, e.to_status, e.data or {}) for e in events]


def _years(spec: DeadlineSpec) -> str:
    return ",".join(str(y) for y in sorted(spec.provisional_years))


def _copy(row: Deadline, spec: DeadlineSpec, now: dt.datetime) -> None:
    row.kind, row.unit_code = spec.kind, spec.unit_code
    row.starts_on, row.due_on = spec.starts_on, spec.due_on
    row.provisional, row.provisional_years = spec.provisional, _years(spec)
    row.rule, row.basis = spec.rule, dict(spec.basis)
    row.status, row.settled_at = spec.status, spec.settled_at
    row.settled_event_id, row.settled_note = spec.settled_event_id, spec.settled_note
    row.computed_at = now


def _changed(row: Deadline, spec: DeadlineSpec) -> bool:
    return (row.due_on, row.provisional) != (spec.due_on, spec.provisional)


def sync_deadlines(
    session: Session,
    case: Case,
    calendar: WorkdayCalendar,
    rules: DeadlineRules,
    now: dt.datetime,
) -> list[Deadline]:
    """Bring the case's deadline rows in line with its history; returns them, oldest first."""
    session.flush()
    specs = compute_deadlines(case_history(session, case), calendar, rules)
    rows = {
        r.stage: r for r in session.scalars(select(Deadline).where(Deadline.case_id == case.id))
    }
    for spec in specs:
        row = rows.get(spec.stage)
        if row is None:
            row = Deadline(case_id=case.id, stage=spec.stage)
            _copy(row, spec, now)
            session.add(row)
            rows[spec.stage] = row
            continue
        if _changed(row, spec) and spec.status == "open":
            _record_recomputed(session, case, row, spec, now)
        if _changed(row, spec) or (row.status, row.rule) != (spec.status, spec.rule):
            _copy(row, spec, now)
    session.flush()
    return sorted(rows.values(), key=lambda r: r.id)


def _record_recomputed(
    session: Session, case: Case, row: Deadline, spec: DeadlineSpec, now: dt.datetime
) -> None:
    before = f"{row.due_on.isoformat()}{'（暂定）' if row.provisional else ''}"
    after = f"{spec.due_on.isoformat()}{'（暂定）' if spec.provisional else ''}"
    record_event(
        session,
        case,
        kind="deadline_recomputed",
        actor=SYSTEM,
        at=now,
        data={
            "stage": spec.stage,
            "before": row.due_on.isoformat(),
            "after": spec.due_on.isoformat(),
            "provisional": spec.provisional,
        },
        note=f"{spec.rule}：由 {before} 重新计算为 {after}",
    )


def open_deadline(session: Session, case: Case, kind: str) -> Deadline | None:
    """The case's open deadline of ``kind`` (the newest), if any."""
    return session.scalars(
        select(Deadline)
        .where(Deadline.case_id == case.id, Deadline.kind == kind, Deadline.status == "open")
        .order_by(Deadline.id.desc())
    ).first()
