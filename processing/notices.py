"""Deciding who gets which letter: queue a letter kind to the complainant, a unit or an office.

The letters themselves (templates, outbox) belong to ``notifications``; this module only knows
the recipients and the context each kind is rendered with. Dates in contexts are strings such as
"2026年11月30日"; ``provisional`` says a date was counted over a year whose holiday schedule is
not yet known. A letter that cannot go (no address) is recorded on the case for staff, so the
complainant is told another way (Art. 13, 16): never silently skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from config.units import Unit
from notifications.letters import HeaderError, checked_address
from processing.context import WorkflowContext
from processing.lifecycle import record_event
from store.models import Case, Deadline, OutboxMessage

SYSTEM = "system"


def chinese_day(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def due_text(deadline: Deadline | None) -> str:
    """ "2027年1月7日（暂定）" for a provisional date, "" for none."""
    if deadline is None:
        return ""
    return chinese_day(deadline.due_on) + ("（暂定）" if deadline.provisional else "")


def queue_to_complainant(
    session: Session,
    wf: WorkflowContext,
    case: Case,
    *,
    kind: str,
    stage: str,
    context: Mapping[str, Any],
    in_reply_to: str = "",
) -> OutboxMessage | None:
    """Queue ``kind`` to the complainant's email address, or record that staff must tell them."""
    now = wf.clock.now()
    address = (case.complainant_email or "").strip()
    problem = ""
    if not address or address.lower() in wf.own_addresses:
        problem = "投诉举报者没有电子邮箱，请以电话或信件等方式告知"
    else:
        try:
            checked_address(address)
        except HeaderError:
            problem = "投诉举报者的电子邮箱格式不正确，无法发信，请以电话或信件等方式告知"
    if problem:
        record_event(
            session,
            case,
            kind="letter_not_sent",
            actor=SYSTEM,
            at=now,
            data={"letter": kind, "stage": stage, "needs_staff": True},
            note=problem,
        )
        return None
    return wf.letters.queue(
        session,
        kind=kind,
        case=case,
        to_name=case.complainant_name or "投诉举报人",
        to_address=address,
        stage=stage,
        context=context,
        now=now,
        in_reply_to=in_reply_to,
    )


def queue_to_unit(
    session: Session,
    wf: WorkflowContext,
    case: Case,
    unit: Unit,
    *,
    kind: str,
    stage: str,
    context: Mapping[str, Any],
    in_reply_to: str = "",
) -> OutboxMessage:
    return wf.letters.queue(
        session,
        kind=kind,
        case=case,
        to_name=unit.name,
        to_address=unit.email,
        stage=stage,
        context={"unit": unit, **context},
        now=wf.clock.now(),
        in_reply_to=in_reply_to,
    )


def coordinating_office(wf: WorkflowContext, case: Case) -> Unit | None:
    """The credit office a copy of a supervision letter goes to (Art. 5, 15), unless it is the
    office's own mailbox (it would only come back as the service's own mail)."""
    unit = wf.registry.find(case.credit_office_code) or wf.registry.find(wf.city_credit_office)
    if unit is None or unit.email.lower() in wf.own_addresses:
        return None
    return unit


def unit_of(wf: WorkflowContext, case: Case) -> Unit | None:
    return wf.registry.find(case.unit_code)
