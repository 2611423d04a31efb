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
    "accepted": "已受理",
    "triage": "待人工分办",
    "transferred": "已转办",
    "acknowledged": "已签收",
    "closed": "已办结",
}

ACTIONS: Mapping[str, str] = {
    "accept": "受理",
    "propose_rejection": "提出不予受理意见",
    "reject": "不予受理",
    "send_to_triage": "转人工分办",
    "transfer": "转办",
    "acknowledge": "签收",
    "close_with_result": "办结",
}


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition("accept", ("received", "screening_review"), "accepted"),
    Transition("propose_rejection", ("received",), "screening_review"),
    Transition("reject", ("received", "screening_review"), "not_accepted"),
    Transition("send_to_triage", ("accepted",), "triage"),
    Transition("transfer", ("accepted", "triage"), "transferred"),
    # Art. 13: the unit registers the case and reports back.
    Transition("acknowledge", ("transferred",), "acknowledged"),
    # Art. 14: the written result closes the case (feedback stages come with the workflow issue).
    Transition("close_with_result", ("transferred", "acknowledged"), "closed"),
)

_BY_ACTION = {t.action: t for t in TRANSITIONS}


class InvalidTransition(Exception):
    """The action is not allowed from the case's current state."""


def status_label(status: str) -> str:
    return STATES.get(status, status)


def target_of(action: str, current: str) -> str:
    """The state ``action`` leads to from ``current``, or InvalidTransition with the reason."""
    transition = _BY_ACTION.get(action)
    if transition is None:
        raise InvalidTransition(f"未知的操作：{action}")
    if current not in transition.sources:
        allowed = "、".join(status_label(s) for s in transition.sources)
        raise InvalidTransition(
            f"案件当前状态为“{status_label(current)}”，不能执行“{ACTIONS[action]}”"
            f"（仅在 {allowed} 状态下可以）"
        )
    return transition.target


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
        to_status=after,
    )
