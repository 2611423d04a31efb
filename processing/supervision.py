"""Supervision (Art. 20, 21): the reminder ladder as data, and staff-initiated 督办.

The ladder says, for each kind of deadline a unit carries, what goes out when: a notice one
working day before it falls due, and on the working day after a missed acknowledgement or result
a 提醒督办函 (Art. 21(1)(2)) to the unit, copied to the coordinating credit office. Staff add
督办 for Art. 21(3)–(5) with a reason. Letters go out on working days in office hours only, and
never twice for the same case and stage (a unique ``supervision_steps`` row per stage).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.units import Unit
from core.clock import to_local
from core.workdays import WorkdayCalendar
from processing.context import SupervisionRules, WorkflowContext
from processing.deadlines import KIND_LABELS
from processing.lifecycle import record_event, target_of
from processing.notices import coordinating_office, queue_to_unit, unit_of
from store.models import Case, CaseEvent, Deadline, OutboxMessage, SupervisionStep

SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Rung:
    """One step of the ladder: ``offset`` working days from the due date (negative: before)."""

    name: str  # notice | supervision
    deadline_kinds: tuple[str, ...]
    offset: int
    letter: str
    copy_to_office: bool


UNIT_DEADLINES = ("acknowledge", "result", "supplementary")


def ladder(rules: SupervisionRules) -> tuple[Rung, ...]:
    notice = rules.notice_working_days_before
    rungs = [Rung("supervision", UNIT_DEADLINES, 1, "supervision", True)]
    if notice > 0:
        rungs.insert(0, Rung("notice", UNIT_DEADLINES, -notice, "deadline_notice", False))
    return tuple(rungs)


# Art. 21: a missed acknowledgement is 未按规定反馈 (item 2); a missed result 未在规定期限之内办结
# (item 1).
ARTICLE_ITEMS: Mapping[str, int] = {"acknowledge": 2, "result": 1, "supplementary": 1}
# What the unit must do, as the verb phrase the letters use ("请于…前{obligation}").
OBLIGATIONS: Mapping[str, str] = {
    "acknowledge": "登记签收并向我办反馈",
    "result": "调查核实、依法办理，并将办理结果书面告知我办",
    "supplementary": "完成补充调查并将结果书面告知我办",
}
MISSED_REASONS: Mapping[str, str] = {
    "acknowledge": "转办期满未收到你单位的签收反馈",
    "result": "办理期限届满，未收到你单位的书面办理结果",
    "supplementary": "补充调查期限届满，未收到你单位的补充调查结果",
}
STAFF_ITEMS: Mapping[int, str] = {
    3: "认真办理并按期书面报送办理结果",
    4: "执行转办意见，登记签收并依法办理",
    5: "按督办要求办理并书面反馈",
}


@dataclass(frozen=True, slots=True)
class DueStep:
    rung: Rung
    deadline_id: int
    stage: str  # notice:result:1, supervision:acknowledge:2 …
    trigger_on: dt.date


def trigger_date(rung: Rung, due_on: dt.date, calendar: WorkdayCalendar) -> dt.date:
    if rung.offset < 0:
        return calendar.previous_working_day(due_on, -rung.offset).date
    return calendar.count_working_days(due_on, rung.offset).date


def due_steps(
    deadline: Deadline,
    today: dt.date,
    calendar: WorkdayCalendar,
    rungs: tuple[Rung, ...],
    sent: frozenset[str],
) -> list[DueStep]:
    """The ladder steps ``deadline`` calls for today that were not taken yet.

    A notice is useful only until the due date; a supervision letter goes from the working day
    after it, however late the service runs, while the deadline stays unmet.
    """
    if deadline.status != "open":
        return []
    steps = []
    for rung in rungs:
        stage = f"{rung.name}:{deadline.stage}"
        if deadline.kind not in rung.deadline_kinds or stage in sent:
            continue
        trigger = trigger_date(rung, deadline.due_on, calendar)
        if today < trigger or (rung.offset < 0 and today > deadline.due_on):
            continue
        steps.append(DueStep(rung, deadline.id, stage, trigger))
    return steps


def in_office_hours(now: dt.datetime, calendar: WorkdayCalendar, rules: SupervisionRules) -> bool:
    local = to_local(now)
    if not calendar.day_info(local.date()).working:
        return False
    return rules.office_hours_start <= local.time() < rules.office_hours_end


class SupervisionRefused(Exception):
    """A 督办 that may not be sent (already sent for this stage, no unit …); says why."""


def _letters(
    session: Session,
    wf: WorkflowContext,
    case: Case,
    unit: Unit,
    *,
    kind: str,
    stage: str,
    context: Mapping[str, object],
    copy: bool,
) -> dict[str, int]:
    rows: dict[str, OutboxMessage] = {
        unit.code: queue_to_unit(session, wf, case, unit, kind=kind, stage=stage, context=context)
    }
    office = coordinating_office(wf, case) if copy else None
    if office is not None:
        rows[office.code] = wf.letters.queue(
            session,
            kind=kind,
            case=case,
            to_name=office.name,
            to_address=office.email,
            stage=stage,
            context={"unit": unit, **context},
            now=wf.clock.now(),
        )
    return {code: row.id for code, row in rows.items()}


def _record_step(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    *,
    step: SupervisionStep,
    note: str,
) -> None:
    session.add(step)
    session.flush()
    record_event(
        session,
        case,
        kind="supervise" if step.kind == "supervision" else "deadline_notice",
        actor=step.actor,
        at=wf.clock.now(),
        data={
            "stage": step.stage,
            "article_item": step.article_item,
            "unit": step.unit_code,
            "outbox": step.outbox_ids,
        },
        note=note,
    )


def take_step(
    session: Session, case: Case, deadline: Deadline, wf: WorkflowContext, step: DueStep
) -> None:
    """Queue the letters of one ladder step and record it (once: the stage is unique)."""
    unit = wf.registry.find(deadline.unit_code) or unit_of(wf, case)
    if unit is None:
        return
    now, calendar = wf.clock.now(), wf.calendar
    kind = deadline.kind
    if step.rung.name == "notice":
        context: dict[str, object] = {
            "deadline_kind": kind,
            "deadline_label": KIND_LABELS[kind],
            "due_date": deadline.due_on,
            "provisional": deadline.provisional,
        }
        item, new_due, reason = None, None, ""
    else:
        new_due = calendar.count_working_days(
            to_local(now).date(), wf.supervision.grace_working_days
        ).date
        item, reason = ARTICLE_ITEMS[kind], MISSED_REASONS[kind]
        context = {
            "article_item": item,
            "obligation": OBLIGATIONS[kind],
            "missed_due_date": deadline.due_on,
            "new_due_date": new_due,
            "reason": reason,
        }
    outbox = _letters(
        session,
        wf,
        case,
        unit,
        kind=step.rung.letter,
        stage=step.stage,
        context=context,
        copy=step.rung.copy_to_office,
    )
    row = SupervisionStep(
        case_id=case.id,
        stage=step.stage,
        kind=step.rung.name,
        article_item=str(item) if item else None,
        deadline_id=deadline.id,
        unit_code=unit.code,
        due_on=deadline.due_on,
        new_due_on=new_due,
        reason=reason,
        actor=SYSTEM,
        outbox_ids=outbox,
        created_at=now,
    )
    label = "到期提醒" if step.rung.name == "notice" else "提醒督办函"
    _record_step(
        session, case, wf, step=row, note=f"{label}：{KIND_LABELS[kind]} {deadline.due_on}"
    )


def sent_stages(session: Session, case: Case) -> frozenset[str]:
    stages = session.scalars(
        select(SupervisionStep.stage).where(SupervisionStep.case_id == case.id)
    )
    return frozenset(stages)


def transfer_round(session: Session, case: Case) -> int:
    return int(
        session.scalar(
            select(func.count(CaseEvent.id)).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "transfer"
            )
        )
        or 0
    )


def supervise_by_staff(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    *,
    item: int,
    reason: str,
    actor: str,
    new_due: dt.date | None = None,
) -> SupervisionStep:
    """Art. 21(3)–(5): a 提醒督办函 staff decide on, with their reason, once per stage."""
    if item not in STAFF_ITEMS:
        raise SupervisionRefused(
            "工作人员督办适用第二十一条第（三）（四）（五）项，请用 --item 3、4 或 5"
        )
    if not reason.strip():
        raise SupervisionRefused("请写明督办事由（--reason）")
    target_of("supervise", case.status)
    unit = unit_of(wf, case)
    if unit is None:
        raise SupervisionRefused("本案尚未确定承办单位，无法督办")
    stage = f"staff:{item}:{transfer_round(session, case)}"
    if stage in sent_stages(session, case):
        raise SupervisionRefused(
            f"本案本轮办理已就第二十一条第（{item}）项督办过，同一事项不重复发函"
        )
    now = wf.clock.now()
    due = (
        new_due
        or wf.calendar.count_working_days(
            to_local(now).date(), wf.supervision.grace_working_days
        ).date
    )
    context = {
        "article_item": item,
        "obligation": STAFF_ITEMS[item],
        "missed_due_date": None,
        "new_due_date": due,
        "reason": reason.strip(),
    }
    outbox = _letters(
        session, wf, case, unit, kind="supervision", stage=stage, context=context, copy=True
    )
    row = SupervisionStep(
        case_id=case.id,
        stage=stage,
        kind="supervision",
        article_item=str(item),
        unit_code=unit.code,
        new_due_on=due,
        reason=reason.strip(),
        actor=actor,
        outbox_ids=outbox,
        created_at=now,
    )
    _record_step(
        session, case, wf, step=row, note=f"第二十一条第（{item}）项督办：{reason.strip()}"
    )
    return row
