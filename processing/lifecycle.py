"""The case state machine: states and transitions are data, in one place.

Every transition is recorded as an append-only ``CaseEvent`` with actor, time, source message and
reason. An action not allowed from the current state is refused with a message a clerk can read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from store.models import Case, CaseEvent

STATES: Mapping[str, str] = {
    "received": "已收件",
    "screening_review": "不予受理待确认",
    "not_accepted": "不予受理",
    "duplicate": "重复投诉已并案",
    "accepted": "已受理",
    "triage": "待人工分办",
    "transferred": "已转办待签收",
    "acknowledged": "已签收办理中",
    "extension_requested": "延期申请待审批",
    "result_reported": "已报送办理结果",
    "feedback_received": "投诉举报者已评价",
    "appealed": "投诉举报者有异议待审查",
    "supplementary": "补充调查中",
    "closed": "已办结",
}

# States in which a case is still open for the office (not closed, not screened out).
OPEN_STATES = frozenset(STATES) - {"not_accepted", "duplicate", "closed"}

ACTIONS: Mapping[str, str] = {
    "accept": "受理",
    "propose_rejection": "提出不予受理意见",
    "reject": "不予受理",
    "mark_duplicate": "作为重复投诉并案",
    "send_to_triage": "转人工分办",
    "transfer": "转办",
    "acknowledge": "签收",
    "decline": "退回",
    "recall": "撤回转办",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "refuse_extension": "不予延期",
    "report_result": "报送办理结果",
    "record_feedback": "记录满意度评价",
    "appeal": "提出异议",
    "order_supplementary": "要求补充调查",
    "close": "结案",
    "reopen": "重新办理",
    # Recorded without changing the state (target None below).
    "supervise": "督办",
    "request_return_visit": "发送回访函",
    "record_return_visit": "记录回访结果",
    "recuse": "申请回避",
}

_HANDLING = ("transferred", "acknowledged", "extension_requested", "supplementary")
_AFTER_RESULT = ("result_reported", "feedback_received", "appealed", "supplementary", "closed")


@dataclass(frozen=True, slots=True)
class Transition:
    """``action`` is allowed from ``sources``; it leads to ``target`` (None: state unchanged)."""

    action: str
    sources: tuple[str, ...]
    target: str | None


TRANSITIONS: tuple[Transition, ...] = (
    # Art. 9, 12: screening; a rejection proposed by the system waits for a clerk.
    Transition("accept", ("received", "screening_review"), "accepted"),
    Transition("propose_rejection", ("received",), "screening_review"),
    Transition("reject", ("received", "screening_review"), "not_accepted"),
    Transition(
        "mark_duplicate", ("received", "screening_review", "accepted", "triage"), "duplicate"
    ),
    Transition("send_to_triage", ("accepted",), "triage"),
    Transition("transfer", ("accepted", "triage"), "transferred"),
    # Art. 13: the unit registers the case and reports back within 3 working days, or declines
    # with reasons and a suggested unit, which returns the case to routing.
    Transition("acknowledge", ("transferred",), "acknowledged"),
    Transition("decline", ("transferred", "acknowledged"), "triage"),
    Transition("recall", ("transferred", "acknowledged", "extension_requested"), "triage"),
    # Art. 18: a complex case may get one month more on a written, approved request.
    Transition("request_extension", ("acknowledged",), "extension_requested"),
    Transition("approve_extension", ("extension_requested",), "acknowledged"),
    Transition("refuse_extension", ("extension_requested",), "acknowledged"),
    # Art. 14: the written result; Art. 16: the complainant's opinion, an appeal, and a
    # supplementary investigation with a new result.
    Transition("report_result", _HANDLING, "result_reported"),
    Transition("record_feedback", ("result_reported",), "feedback_received"),
    Transition("appeal", ("result_reported", "feedback_received"), "appealed"),
    Transition("order_supplementary", ("appealed",), "supplementary"),
    # Art. 18, 24: the office closes the case, deciding on the credit record.
    Transition("close", ("result_reported", "feedback_received", "appealed"), "closed"),
    Transition("reopen", ("closed",), "triage"),
    Transition("reopen", ("not_accepted", "duplicate"), "screening_review"),
    # Art. 21: supervision while the unit handles the case.
    Transition("supervise", _HANDLING, None),
    # Art. 19: return visits, on cases with a result.
    Transition("request_return_visit", _AFTER_RESULT, None),
    Transition("record_return_visit", _AFTER_RESULT, None),
    # Art. 17(1): a clerk with a direct interest steps aside, whatever the state.
    Transition("recuse", tuple(STATES), None),
)


class InvalidTransition(Exception):
    """The action is not allowed from the case's current state."""


def status_label(status: str) -> str:
    return STATES.get(status, status)


def _transitions_of(action: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == action]


def target_of(action: str, current: str) -> str:
    """The state ``action`` leads to from ``current``, or InvalidTransition with the reason."""
    transitions = _transitions_of(action)
    if not transitions:
        raise InvalidTransition(f"未知的操作：{action}")
    for transition in transitions:
        if current in transition.sources:
            return transition.target or current
    allowed = "、".join(status_label(s) for t in transitions for s in t.sources)
    raise InvalidTransition(
        f"案件当前状态为“{status_label(current)}”，不能执行“{ACTIONS[action]}”"
        f"（仅在 {allowed} 状态下可以）"
    )


def allowed_actions(current: str) -> list[str]:
    """Every action allowed from ``current``, in the order of ``ACTIONS``."""
    possible = {t.action for t in TRANSITIONS if current in t.sources}
    return [a for a in ACTIONS if a in possible]


def record_event(
    session: Session,
    case: Case,
    *,
    kind: str,
    actor: str,
    at: dt.datetime,
    submission_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
) -> CaseEvent:
    """Append one event to the case's history (never updates an existing one)."""
    event = CaseEvent(
        case=case,
        at=at,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        submission_id=submission_id,
        data=dict(data) if data else None,
        note=note,
    )
    session.add(event)
    case.updated_at = at
    return event


def apply_transition(
    session: Session,
    case: Case,
    action: str,
    *,
    actor: str,
    at: dt.datetime,
    submission_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> CaseEvent:
    """Move ``case`` along ``action`` and record the event; raises InvalidTransition."""
    before = case.status
    after = target_of(action, before)
    case.status = after
    if after == "closed":
        case.closed_at = at
    elif before == "closed":
        case.closed_at = None
    return record_event(
        session,
        case,
        kind=action,
        actor=actor,
        at=at,
        submission_id=submission_id,
        data=data,
        note=note,
        from_status=before,
        to_status=after if after != before else None,
    )
