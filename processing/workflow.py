"""What a verified reply does to a case: unit commands (Art. 13, 14, 18) and the complainant's
opinion (Art. 16). Whether a reply may act at all is decided before (``processing.followup``).

Every change goes through ``move``: the transition is recorded, the deadlines are recomputed, and
the letters that follow are queued in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.units import Unit, UnitRegistry
from core.clock import to_local
from core.masking import mask_personal_data
from processing.context import WorkflowContext
from processing.deadline_store import open_deadline, sync_deadlines
from processing.documents import read_document
from processing.feedback import Satisfaction
from processing.lifecycle import InvalidTransition, apply_transition, record_event
from processing.notices import (
    chinese_day,
    due_text,
    queue_to_complainant,
    queue_to_unit,
    unit_of,
)
from processing.parse import Attachment
from processing.replies import UnitCommand
from store.models import Case, CaseEvent

SYSTEM = "system"


def move(
    session: Session,
    case: Case,
    action: str,
    wf: WorkflowContext,
    *,
    actor: str,
    submission_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> CaseEvent:
    """Apply the transition, record it, and recompute the case's deadlines."""
    now = wf.clock.now()
    event = apply_transition(
        session,
        case,
        action,
        actor=actor,
        at=now,
        submission_id=submission_id,
        data=data,
        note=note,
    )
    sync_deadlines(session, case, wf.calendar, wf.rules, now)
    return event


def find_suggested_unit(text: str, registry: UnitRegistry, *, exclude: str | None) -> list[Unit]:
    """Handling units named in a decline, the one after 建议/应由/转 first (Art. 13)."""
    names = sorted(
        ((name, unit) for unit in registry if unit.is_handling_unit for name in unit.names),
        key=lambda item: -len(item[0]),
    )
    found: list[tuple[int, Unit]] = []
    taken = [False] * len(text)
    for name, unit in names:
        for match in re.finditer(re.escape(name), text):
            if len(name) < 2 or any(taken[match.start() : match.end()]):
                continue
            taken[match.start() : match.end()] = [True] * len(name)
            if unit.code != exclude:
                found.append((match.start(), unit))
    hint = re.search(r"建议|应由|应转|转交|转至|转给", text)
    after = hint.start() if hint else 0
    found.sort(key=lambda item: (item[0] < after, item[0]))
    ordered: list[Unit] = []
    for _, unit in found:
        if unit not in ordered:
            ordered.append(unit)
    return ordered


def _confirm(
    session: Session,
    wf: WorkflowContext,
    case: Case,
    *,
    command_label: str,
    outcome: str,
    stage: str,
    next_due: str = "",
    in_reply_to: str = "",
) -> None:
    """A short confirmation to the unit for each accepted command."""
    unit = unit_of(wf, case)
    if unit is None:
        return
    queue_to_unit(
        session,
        wf,
        case,
        unit,
        kind="command_confirmation",
        stage=stage,
        context={"command_label": command_label, "outcome": outcome, "next_due_date": next_due},
        in_reply_to=in_reply_to,
    )


def _result_with_documents(
    text: str, attachments: Sequence[Attachment]
) -> tuple[str, list[dict[str, Any]]]:
    """The written result: the reply's text plus the text of Word/plain-text attachments."""
    parts, evidence = [text] if text else [], []
    for item in attachments:
        doc = read_document(item.filename, item.content_type, item.payload)
        evidence.append(
            {
                "name": item.filename,
                "sha256": hashlib.sha256(item.payload).hexdigest(),
                "size": item.size,
                "readable": doc.readable,
                "note": doc.note,
            }
        )
        parts.append(f"【附件：{item.filename}】" + (f"\n{doc.text}" if doc.text else doc.note))
    return "\n\n".join(parts).strip(), evidence


def _acknowledge(session: Session, case: Case, wf: WorkflowContext, **event: Any) -> str:
    move(session, case, "acknowledge", wf, **event)
    return due_text(open_deadline(session, case, "result"))


def _do_acknowledge(
    session: Session, case: Case, command: UnitCommand, wf: WorkflowContext, event: dict[str, Any]
) -> tuple[str, str]:
    next_due = _acknowledge(session, case, wf, **event, data={"command": command.matched})
    return "已登记签收。请按期调查核实、依法办理，并书面报送办理结果（第十四条）。", next_due


def _do_decline(
    session: Session, case: Case, command: UnitCommand, wf: WorkflowContext, event: dict[str, Any]
) -> tuple[str, str]:
    suggested = find_suggested_unit(command.text, wf.registry, exclude=case.unit_code)
    data = {
        "command": command.matched,
        "declined_unit": case.unit_code,
        "reason": command.text[:2000],
        "suggested_unit": suggested[0].code if suggested else None,
        "suggested_candidates": [u.code for u in suggested],
        "needs_staff": True,
    }
    move(session, case, "decline", wf, **event, data=data, note=command.text[:2000])
    return "已收到你单位的退回意见及理由，我办将审核后重新分办（第十三条）。", ""


def _do_extension(
    session: Session, case: Case, command: UnitCommand, wf: WorkflowContext, event: dict[str, Any]
) -> tuple[str, str]:
    if extension_already_approved(session, case):
        raise InvalidTransition("本案已批准延期一次，第十八条规定只可延长 1 个月")
    if case.status == "transferred":
        _acknowledge(session, case, wf, **event, data={"command": "申请延期（视为签收）"})
    data = {"command": command.matched, "reason": command.text[:2000], "needs_staff": True}
    move(session, case, "request_extension", wf, **event, data=data, note=command.text[:2000])
    outcome = "延期申请已收到，待我办审批后另行告知；审批前请按原期限办理（第十八条）。"
    return outcome, due_text(open_deadline(session, case, "result"))


def _do_result(
    session: Session,
    case: Case,
    command: UnitCommand,
    wf: WorkflowContext,
    event: dict[str, Any],
    *,
    attachments: Sequence[Attachment],
) -> tuple[str, str]:
    result_text, evidence = _result_with_documents(command.text, attachments)
    data = {"command": command.matched, "attachments": evidence}
    result_event = move(
        session, case, "report_result", wf, **event, data=data, note=result_text[:2000]
    )
    case.result_text = result_text
    queue_to_complainant(
        session,
        wf,
        case,
        kind="feedback_request",
        stage=f"result:{result_event.id}",
        context={"result_text": mask_personal_data(result_text)},
    )
    return "办理结果已收到并存档（第十四条），我办将向投诉举报者征询意见（第十六条）。", ""


def extension_already_approved(session: Session, case: Case) -> bool:
    return (
        session.scalars(
            select(CaseEvent.id).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "approve_extension"
            )
        ).first()
        is not None
    )


def apply_unit_command(
    session: Session,
    case: Case,
    command: UnitCommand,
    wf: WorkflowContext,
    *,
    actor: str,
    submission_id: int | None = None,
    attachments: Sequence[Attachment] = (),
    reply_to: str = "",
) -> str:
    """Carry out a unit's command; returns a short description of what happened."""
    event: dict[str, Any] = {"actor": actor, "submission_id": submission_id}
    if command.kind == "unclear":
        _needs_staff(session, case, wf, "unit_reply_unclear", command, event=event)
        return f"承办单位回复无法识别（{command.problem}），已转工作人员处理"
    # Each handler checks before it changes anything: a refused command leaves the case as it was.
    try:
        if command.kind == "result":
            outcome, next_due = _do_result(
                session, case, command, wf, event, attachments=attachments
            )
        else:
            handler = {
                "acknowledge": _do_acknowledge,
                "decline": _do_decline,
                "extension": _do_extension,
            }[command.kind]
            outcome, next_due = handler(session, case, command, wf, event)
    except InvalidTransition as refused:
        _needs_staff(
            session, case, wf, "unit_reply_not_applied", command, event=event, refused=str(refused)
        )
        return f"承办单位指令“{command.label}”未执行：{refused}"
    stage = f"{command.kind}:{submission_id or case.updated_at.isoformat()}"
    _confirm(
        session,
        wf,
        case,
        command_label=command.label,
        outcome=outcome,
        stage=stage,
        next_due=next_due,
        in_reply_to=reply_to,
    )
    return f"承办单位指令“{command.label}”已执行"


def _needs_staff(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    kind: str,
    command: UnitCommand,
    *,
    event: dict[str, Any],
    refused: str = "",
) -> None:
    record_event(
        session,
        case,
        kind=kind,
        at=wf.clock.now(),
        data={
            "needs_staff": True,
            "command": command.label,
            "problem": refused or command.problem,
            "highlighted": command.highlighted[:4000],
        },
        note=(refused or command.problem) + "\n" + command.highlighted[:2000],
        **event,
    )


def apply_feedback(
    session: Session,
    case: Case,
    satisfaction: Satisfaction,
    wf: WorkflowContext,
    *,
    actor: str,
    submission_id: int | None = None,
) -> str:
    """Record the complainant's opinion; 不满意 with an objection opens an appeal (Art. 16)."""
    data = {"satisfaction": satisfaction.kind, "objection": satisfaction.objection[:4000]}
    event: dict[str, Any] = {"actor": actor, "submission_id": submission_id, "data": data}
    case.satisfaction = satisfaction.kind
    if satisfaction.opens_appeal:
        move(session, case, "appeal", wf, **event, note=satisfaction.objection[:4000])
        record_event(
            session,
            case,
            kind="appeal_needs_review",
            actor=SYSTEM,
            at=wf.clock.now(),
            data={"needs_staff": True},
            note="投诉举报者对办理结果不满意并提出异议，请审查是否要求承办单位补充调查（第十六条）",
        )
        return "投诉举报者不满意并提出异议，已转工作人员审查"
    if case.status == "result_reported":
        move(session, case, "record_feedback", wf, **event, note=satisfaction.objection or None)
    else:
        record_event(session, case, kind="feedback_updated", at=wf.clock.now(), **event)
    return f"投诉举报者评价：{satisfaction.label}"


def transfer_to_unit(
    session: Session,
    case: Case,
    unit: Unit,
    wf: WorkflowContext,
    *,
    actor: str = SYSTEM,
    note: str | None = None,
) -> CaseEvent:
    """Send the 转办函 with its due dates and mark the case transferred (Art. 13, 14).

    The routing step and staff re-routing both end here, so every transfer gets its letter and
    its deadlines the same way.
    """
    now, calendar, rules = wf.clock.now(), wf.calendar, wf.rules
    today = to_local(now).date()
    ack = calendar.count_working_days(today, rules.acknowledge_working_days)
    result = calendar.count_working_days(today, rules.result_working_days)
    case.unit_code = unit.code
    letter = wf.letters.queue_transfer(
        session,
        case,
        unit,
        now,
        ack_due=ack.date,
        result_due=result.date,
        ack_due_provisional=ack.provisional,
        result_due_provisional=result.provisional,
    )
    data = {"unit": unit.code, "outbox_id": letter.id, "message_id": letter.message_id}
    return move(session, case, "transfer", wf, actor=actor, data=data, note=note)


def accept(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    *,
    actor: str = SYSTEM,
    data: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> CaseEvent:
    """受理 (Art. 12), and tell the complainant the case number and what happens next."""
    event = move(session, case, "accept", wf, actor=actor, data=data, note=note)
    queue_to_complainant(
        session,
        wf,
        case,
        kind="acknowledgement",
        stage=f"accept:{event.id}",
        context={
            "accepted_date": chinese_day(to_local(event.at).date()),
            "case_due_date": due_text(open_deadline(session, case, "case")),
        },
    )
    return event
