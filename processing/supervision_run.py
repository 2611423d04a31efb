"""One round of the supervision job: recompute deadlines, then climb the reminder ladder.

Every open case's deadlines are recomputed first (a calendar edit or a transfer made elsewhere
shows up here), each case in its own transaction. Notices and 提醒督办函 then go out only on a
working day in office hours (Art. 21; ``SupervisionRules``); outside them the round only counts.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import to_local
from processing.context import WorkflowContext
from processing.deadline_store import sync_deadlines
from processing.lifecycle import OPEN_STATES
from processing.supervision import due_steps, in_office_hours, ladder, sent_stages, take_step
from store.db import transaction
from store.models import Case, CaseEvent

log = logging.getLogger(__name__)


@dataclass
class SupervisionResult:
    cases: int = 0
    recomputed: int = 0
    notices: int = 0
    supervisions: int = 0
    in_hours: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"核对期限 {self.cases} 件，重新计算 {self.recomputed} 项"
        if not self.in_hours:
            return text + "；非工作时间，不发提醒"
        return text + f"；发出到期提醒 {self.notices} 件、提醒督办函 {self.supervisions} 件"


def _recomputed_events(session: Session, case: Case, after_id: int) -> int:
    return len(
        session.scalars(
            select(CaseEvent.id).where(
                CaseEvent.case_id == case.id,
                CaseEvent.kind == "deadline_recomputed",
                CaseEvent.id > after_id,
            )
        ).all()
    )


def _one_case(session: Session, case: Case, wf: WorkflowContext, result: SupervisionResult) -> None:
    now, calendar = wf.clock.now(), wf.calendar
    last = session.scalar(select(CaseEvent.id).order_by(CaseEvent.id.desc()).limit(1)) or 0
    rows = sync_deadlines(session, case, calendar, wf.rules, now)
    result.recomputed += _recomputed_events(session, case, last)
    if not result.in_hours:
        return
    today, rungs = to_local(now).date(), ladder(wf.supervision)
    sent = sent_stages(session, case)
    for deadline in rows:
        for step in due_steps(deadline, today, calendar, rungs, sent):
            take_step(session, case, deadline, wf, step)
            if step.rung.name == "notice":
                result.notices += 1
            else:
                result.supervisions += 1


def open_case_ids(session: Session) -> list[int]:
    """Cases still open (not closed, not screened out, not merged as duplicates)."""
    return list(
        session.scalars(
            select(Case.id).where(Case.status.in_(sorted(OPEN_STATES))).order_by(Case.id)
        )
    )


def run_supervision(
    factory: sessionmaker[Session], wf: WorkflowContext, *, stop: threading.Event | None = None
) -> SupervisionResult:
    result = SupervisionResult(
        in_hours=in_office_hours(wf.clock.now(), wf.calendar, wf.supervision)
    )
    with factory() as session:
        ids = open_case_ids(session)
    for case_id in ids:
        if stop is not None and stop.is_set():
            break
        try:
            with transaction(factory) as session:
                case = session.get(Case, case_id)
                if case is None:
                    continue
                result.cases += 1
                _one_case(session, case, wf, result)
        except Exception as error:
            # One broken case must not stop the reminders of the others; it is logged and shown.
            log.exception("supervision of case %s failed", case_id)
            result.errors.append(f"案件 {case_id}：{type(error).__name__}: {error}")
    return result
