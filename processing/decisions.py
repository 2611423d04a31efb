"""Staff decisions on a case, each audited and each asking for the reason the Measures imply.

Every function checks recusal first (Art. 17(1): a clerk who declared an interest in the case
cannot act on it), then the state machine, then changes the case, recomputes its deadlines and
queues the letters that follow — all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processing.context import WorkflowContext
from processing.credit import CreditFacts, record_credit_decision
from processing.deadline_store import open_deadline
from processing.feedback import SATISFACTION_LABELS, Satisfaction
from processing.lifecycle import InvalidTransition, record_event, target_of
from processing.notices import due_text, queue_to_complainant, queue_to_unit, unit_of
from processing.replies import parse_unit_command
from processing.screen import ALL_RULES, RULES_BY_CODE
from processing.workflow import (
    accept,
    apply_feedback,
    apply_unit_command,
    extension_already_approved,
    move,
)
from store.models import Case, CaseEvent, CreditDecision


class DecisionRefused(Exception):
    """The decision cannot be taken as asked; the message says why, in Chinese."""


# Art. 8, 9, 12: the reasons a complaint is not accepted, by code, with the article and label.
# The screening rules are the one source: the codes staff type are those screening proposes and
# the README lists.
REJECTION_REASONS: Mapping[str, tuple[str, str]] = {
    rule.code: (rule.article, rule.label) for rule in ALL_RULES
}


def staff_actor(name: str) -> str:
    return f"staff:{name}"


def recused_staff(session: Session, case: Case) -> set[str]:
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "recuse")
    )
    return {str((e.data or {}).get("staff", "")) for e in events}


def check_may_act(session: Session, case: Case, staff: str) -> None:
    """Art. 17(1): refuse any act by a clerk who declared an interest in this case."""
    if staff in recused_staff(session, case):
        raise DecisionRefused(
            f"{staff} 已就案件 {case.number} 申请回避（第十七条第（一）项），不能办理本案"
        )


def _require(reason: str, what: str) -> str:
    if not reason.strip():
        raise DecisionRefused(f"请写明{what}（--reason）")
    return reason.strip()


def _check(session: Session, case: Case, staff: str, action: str) -> str:
    check_may_act(session, case, staff)
    try:
        target_of(action, case.status)
    except InvalidTransition as refused:
        raise DecisionRefused(str(refused)) from None
    return staff_actor(staff)


def accept_case(
    session: Session, case: Case, wf: WorkflowContext, *, staff: str, reason: str
) -> CaseEvent:
    """受理 after review of a proposed rejection (Art. 12); the 受理回执 goes to the complainant."""
    actor = _check(session, case, staff, "accept")
    return accept(session, case, wf, actor=actor, data={"by_staff": True}, note=reason or None)


def reject_case(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    *,
    staff: str,
    codes: Sequence[str],
    reason: str,
) -> CaseEvent:
    """不予受理 (Art. 8, 9, 12) with reasons, told to the complainant with the lawful channel."""
    actor = _check(session, case, staff, "reject")
    unknown = [c for c in codes if c not in REJECTION_REASONS]
    if not codes or unknown:
        raise DecisionRefused(
            "请用 --code 指明不予受理的依据，可选："
            + "、".join(f"{c}（{a}）" for c, (a, _) in REJECTION_REASONS.items())
        )
    reasons = [
        {"article": REJECTION_REASONS[c][0], "label": REJECTION_REASONS[c][1]} for c in codes
    ]
    # Where the complainant can turn instead: the first reason that names a channel.
    channel = next((RULES_BY_CODE[c].channel for c in codes if RULES_BY_CODE[c].channel), "")
    data = {"codes": list(codes), "reasons": reasons, "lawful_channel": channel}
    event = move(session, case, "reject", wf, actor=actor, data=data, note=reason or None)
    queue_to_complainant(
        session,
        wf,
        case,
        kind="not_accepted",
        stage=f"reject:{event.id}",
        context={"reasons": reasons, "lawful_channel": channel},
    )
    return event


def mark_duplicate(
    session: Session, case: Case, wf: WorkflowContext, *, staff: str, original: Case, reason: str
) -> CaseEvent:
    actor = _check(session, case, staff, "mark_duplicate")
    if original.id == case.id:
        raise DecisionRefused("不能与本案自身并案")
    data = {"original": original.number}
    note = f"与案件 {original.number} 为同一事项：{_require(reason, '并案理由')}"
    return move(session, case, "mark_duplicate", wf, actor=actor, data=data, note=note)


def decide_extension(
    session: Session, case: Case, wf: WorkflowContext, *, staff: str, approve: bool, reason: str
) -> CaseEvent:
    """Art. 18: approve (one month more, once) or refuse the unit's written request."""
    action = "approve_extension" if approve else "refuse_extension"
    actor = _check(session, case, staff, action)
    if approve and extension_already_approved(session, case):
        raise DecisionRefused("本案已批准延期一次，第十八条规定只可延长 1 个月")
    if not approve:
        _require(reason, "不予延期的理由")
    event = move(
        session,
        case,
        action,
        wf,
        actor=actor,
        data={"months": wf.rules.extension_months},
        note=reason or None,
    )
    case_due = due_text(open_deadline(session, case, "case"))
    if approve:
        months = wf.rules.extension_months
        outcome = f"经审核，同意延期 {months} 个月（第十八条），全案办结期限延至{case_due}。"
    else:
        outcome = f"经审核，不同意延期。理由：{reason.strip()}。请按原期限办理。"
    unit = unit_of(wf, case)
    if unit is not None:
        queue_to_unit(
            session,
            wf,
            case,
            unit,
            kind="command_confirmation",
            stage=f"{action}:{event.id}",
            context={
                "command_label": "申请延期",
                "outcome": outcome,
                "next_due_date": due_text(open_deadline(session, case, "result")),
            },
        )
    return event


def order_supplementary(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    *,
    staff: str,
    reason: str,
    working_days: int | None = None,
) -> CaseEvent:
    """Art. 16: after an objection, the unit investigates further, with a new result deadline."""
    actor = _check(session, case, staff, "order_supplementary")
    what = _require(reason, "需补充调查的事项")
    days = working_days or wf.rules.supplementary_working_days
    event = move(
        session,
        case,
        "order_supplementary",
        wf,
        actor=actor,
        data={"working_days": days},
        note=what,
    )
    deadline = open_deadline(session, case, "supplementary")
    unit = unit_of(wf, case)
    if unit is not None and deadline is not None:
        queue_to_unit(
            session,
            wf,
            case,
            unit,
            kind="supplementary_investigation",
            stage=f"supplementary:{event.id}",
            context={
                "reason": what,
                "due_date": deadline.due_on,
                "provisional": deadline.provisional,
            },
        )
    return event


def record_feedback(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    *,
    staff: str,
    kind: str,
    objection: str,
    how: str,
) -> str:
    """The complainant's opinion received by telephone or letter (Art. 16)."""
    check_may_act(session, case, staff)
    if kind not in SATISFACTION_LABELS:
        raise DecisionRefused("评价应为 满意、基本满意 或 不满意")
    opinion = Satisfaction(kind, objection.strip())
    action = "appeal" if opinion.opens_appeal else "record_feedback"
    if case.status != "feedback_received" or action == "appeal":
        _check(session, case, staff, action)
    outcome = apply_feedback(session, case, opinion, wf, actor=staff_actor(staff))
    record_event(
        session,
        case,
        kind="feedback_channel",
        actor=staff_actor(staff),
        at=wf.clock.now(),
        data={"how": how},
        note=f"评价由工作人员通过{how}获得",
    )
    return outcome


def return_visit(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    *,
    staff: str,
    result: str = "",
    request: bool = False,
) -> CaseEvent:
    """Art. 19: send the return-visit request, or record what the visit found."""
    action = "request_return_visit" if request else "record_return_visit"
    actor = _check(session, case, staff, action)
    if request:
        event = move(session, case, action, wf, actor=actor)
        queue_to_complainant(
            session, wf, case, kind="return_visit_request", stage=f"visit:{event.id}", context={}
        )
        return event
    return move(
        session, case, action, wf, actor=actor, note=_require(result, "回访结果（--result）")
    )


def recuse(
    session: Session, case: Case, wf: WorkflowContext, *, staff: str, reason: str, clerk: str = ""
) -> CaseEvent:
    """Art. 17(1): ``clerk`` (default: the one acting) steps aside from this case."""
    who = clerk or staff
    if who in recused_staff(session, case):
        raise DecisionRefused(f"{who} 已就本案申请回避")
    data = {"staff": who, "recorded_by": staff}
    return move(
        session,
        case,
        "recuse",
        wf,
        actor=staff_actor(staff),
        data=data,
        note=_require(reason, "回避理由"),
    )


def close_case(
    session: Session,
    case: Case,
    wf: WorkflowContext,
    *,
    staff: str,
    facts: CreditFacts,
    reason: str,
    evidence: str = "",
) -> CreditDecision:
    """结案 (Art. 18) with the Art. 24 decision on a credit record and its evidence."""
    actor = _check(session, case, staff, "close")
    why = _require(reason, "结案及失信认定的理由")
    decision = record_credit_decision(
        session, case, facts, reason=why, actor=actor, at=wf.clock.now(), extra_evidence=evidence
    )
    data: dict[str, Any] = {
        "credit_decision_id": decision.id,
        "dishonesty_confirmed": decision.dishonesty_confirmed,
        "counts_as_record": decision.counts_as_record,
    }
    move(session, case, "close", wf, actor=actor, data=data, note=decision.reason)
    return decision


def recall_transfer(
    session: Session, case: Case, wf: WorkflowContext, *, staff: str, reason: str
) -> CaseEvent:
    """Take a transferred case back to triage to re-route it; the unit's deadlines lapse."""
    actor = _check(session, case, staff, "recall")
    why = _require(reason, "撤回转办的理由")
    return move(session, case, "recall", wf, actor=actor, data={"unit": case.unit_code}, note=why)


def reopen_case(
    session: Session, case: Case, wf: WorkflowContext, *, staff: str, reason: str
) -> CaseEvent:
    actor = _check(session, case, staff, "reopen")
    return move(session, case, "reopen", wf, actor=actor, note=_require(reason, "重新办理的理由"))


def unit_reply_on_behalf(
    session: Session, case: Case, wf: WorkflowContext, *, staff: str, command: str, text: str
) -> str:
    """A unit's 签收/退回/申请延期/办结 received by telephone or on paper, entered by staff."""
    check_may_act(session, case, staff)
    parsed = parse_unit_command(f"{command}\n{text}", has_attachments=False)
    if parsed.kind == "unclear" or parsed.label != command:
        raise DecisionRefused(parsed.problem or f"无法按“{command}”登记")
    before = case.status
    outcome = apply_unit_command(session, case, parsed, wf, actor=staff_actor(staff))
    if case.status == before and parsed.kind != "unclear":
        raise DecisionRefused(outcome)
    return outcome
