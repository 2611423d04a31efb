"""Mail about an existing case: tie it to the case, decide whether it may act, then dispatch.

Tying uses the signed Message-ID token of our letter (In-Reply-To/References) first, then a case
number in the subject. Whether the reply may act is ``processing.trust.assess_reply``; what a
trusted unit reply does is ``apply_unit_reply`` (the reply grammar lives in
``processing.replies``). Anything untrusted is attached to the case as an unverified note,
flagged for staff, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.tokens import find_case_token
from processing.context import ProcessingContext
from processing.feedback import parse_satisfaction
from processing.lifecycle import OPEN_STATES, record_event, status_label
from processing.parse import ParsedMail
from processing.replies import parse_unit_command
from processing.trust import ReplyTrust, assess_reply
from processing.workflow import apply_feedback, apply_unit_command
from store.models import Case, OutboxMessage, Submission
from store.numbering import find_case_numbers


def _reference_ids(mail: ParsedMail) -> list[str]:
    ids = [mail.in_reply_to, *mail.references] if mail.in_reply_to else list(mail.references)
    return [i for i in ids if i]


def find_referenced_case(
    session: Session, mail: ParsedMail, ctx: ProcessingContext
) -> tuple[Case | None, str]:
    """The case a mail is about, and how that was decided ('' when it is about none)."""
    token = find_case_token(ctx.token_secret, _reference_ids(mail))
    if token is not None:
        case = session.get(Case, token.case_id)
        if case is not None:
            return case, f"回复了本系统发出的邮件（{token.kind}，签名有效）"
    for number in find_case_numbers(mail.subject, ctx.case_prefix):
        case = session.scalars(select(Case).where(Case.number == number)).one_or_none()
        if case is not None:
            return case, f"邮件主题含案件编号 {number}"
    return None, ""


def sender_role(case: Case, mail: ParsedMail, ctx: ProcessingContext) -> str:
    """``unit``, ``complainant`` or ``unknown``, by the From address alone."""
    unit = ctx.registry.find(case.unit_code)
    if unit is not None and mail.from_addr and mail.from_addr == unit.email.lower():
        return "unit"
    if mail.from_addr and mail.from_addr == (case.complainant_email or "").lower():
        return "complainant"
    return "unknown"


def answered_letter_time(session: Session, case: Case, mail: ParsedMail) -> dt.datetime | None:
    """When the letter of ``case`` that this mail answers was queued (None if not known)."""
    ids = _reference_ids(mail)
    if not ids:
        return None
    return session.scalar(
        select(OutboxMessage.created_at)
        .where(OutboxMessage.case_id == case.id, OutboxMessage.message_id.in_(ids))
        .order_by(OutboxMessage.created_at.desc())
        .limit(1)
    )


def is_replay(session: Session, case: Case, submission: Submission, mail: ParsedMail) -> bool:
    """True when another message with the same Message-ID already acted on this case."""
    if not mail.message_id:
        return False
    earlier = session.scalar(
        select(Submission.id).where(
            Submission.message_id == mail.message_id,
            Submission.id != submission.id,
            Submission.case_id == case.id,
            Submission.sha256 != submission.sha256,
        )
    )
    return earlier is not None


def check_reply(
    session: Session, case: Case, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> ReplyTrust:
    return assess_reply(
        sender_role(case, mail, ctx),
        mail,
        replayed=is_replay(session, case, submission, mail),
        letter_created_at=answered_letter_time(session, case, mail),
    )


def apply_unit_reply(
    session: Session, case: Case, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> str:
    """Carry out the unit's command (``processing.workflow``); returns what happened."""
    command = parse_unit_command(mail.new_text or mail.text, has_attachments=bool(mail.attachments))
    return apply_unit_command(
        session,
        case,
        command,
        ctx.workflow,
        actor=f"unit:{case.unit_code}",
        submission_id=submission.id,
        attachments=mail.attachments,
        reply_to=mail.message_id,
    )


# States in which the complainant's reply is read as their opinion of the result (Art. 16).
FEEDBACK_STATES = ("result_reported", "feedback_received")


def apply_complainant_reply(
    session: Session, case: Case, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> str:
    """An opinion on the result (满意/基本满意/不满意), or further information for the case."""
    if case.status not in FEEDBACK_STATES:
        return record_complainant_followup(session, case, submission, mail, ctx)
    satisfaction = parse_satisfaction(mail.new_text or mail.text)
    if satisfaction.kind != "unclear":
        return apply_feedback(
            session,
            case,
            satisfaction,
            ctx.workflow,
            actor="complainant",
            submission_id=submission.id,
        )
    record_complainant_followup(
        session, case, submission, mail, ctx, data={"needs_staff": True, "awaiting": "opinion"}
    )
    return "投诉举报者回复中未见满意度评价，已附入案件并转工作人员处理"


def record_complainant_followup(
    session: Session,
    case: Case,
    submission: Submission,
    mail: ParsedMail,
    ctx: ProcessingContext,
    *,
    data: Mapping[str, Any] | None = None,
) -> str:
    """Attach the complainant's mail to the case; on a case no longer handled (不予受理, merged,
    closed) it goes to staff: the not-accepted letter promises a new review on reply (Art. 9),
    and a closed case may have to be reopened."""
    note = (mail.new_text or mail.text)[:4000]
    inactive = case.status not in OPEN_STATES
    if inactive:
        data = {**(data or {}), "needs_staff": True, "case_status": case.status}
        note = f"（案件{status_label(case.status)}，投诉举报者来信，请审查是否重新办理）\n{note}"
    record_event(
        session,
        case,
        kind="complainant_followup",
        actor="complainant",
        at=ctx.clock.now(),
        submission_id=submission.id,
        data=data,
        note=note,
    )
    if inactive:
        return f"投诉举报者来信已附入案件（案件{status_label(case.status)}），已转工作人员审查"
    return "投诉举报者补充材料已附入案件"


def record_unverified(
    session: Session,
    case: Case,
    submission: Submission,
    mail: ParsedMail,
    ctx: ProcessingContext,
    *,
    trust: ReplyTrust,
) -> str:
    record_event(
        session,
        case,
        kind="unverified_reply",
        actor=f"unknown:{mail.from_addr or '无发件人'}",
        at=ctx.clock.now(),
        submission_id=submission.id,
        data={"needs_staff": True, "claimed_role": trust.role, "reason": trust.reason},
        note=(mail.new_text or mail.text)[:4000],
    )
    return f"{trust.reason}；作为未核实备注附入案件，未改变案件状态"


def apply_reply(
    session: Session, case: Case, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> str:
    """The dispatch point for replies: check who may act, then hand to the role's handler.

    Sets ``submission.kind`` to ``reply`` (a trusted unit reply), ``followup`` (the complainant)
    or ``unverified`` (anything else)."""
    submission.case_id = case.id
    trust = check_reply(session, case, submission, mail, ctx)
    if not trust.trusted:
        submission.kind = "unverified"
        return record_unverified(session, case, submission, mail, ctx, trust=trust)
    if trust.role == "unit":
        submission.kind = "reply"
        return apply_unit_reply(session, case, submission, mail, ctx)
    submission.kind = "followup"
    return apply_complainant_reply(session, case, submission, mail, ctx)
