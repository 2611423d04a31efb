"""Mail about an existing case: tie it to the case, check who sent it, apply what it asks.

A reply changes a case only when its sender is the registered address of the case's handling
unit (commands) or the case's complainant (follow-ups). Anything else is attached to the case
as an unverified note for staff and changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.tokens import find_case_token
from processing.context import ProcessingContext
from processing.lifecycle import InvalidTransition, apply_transition, record_event
from processing.parse import ParsedMail
from processing.replies import parse_unit_command, strip_quoted
from store.models import Case, Submission
from store.numbering import find_case_numbers


def find_referenced_case(
    session: Session, mail: ParsedMail, ctx: ProcessingContext
) -> tuple[Case | None, str]:
    """The case a mail is about, and how that was decided ('' when it is about none)."""
    ids = [mail.in_reply_to, *mail.references] if mail.in_reply_to else list(mail.references)
    token = find_case_token(ctx.token_secret, [i for i in ids if i])
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
    """``unit``, ``complainant`` or ``unknown``."""
    unit = ctx.registry.find(case.unit_code)
    if unit is not None and mail.from_addr and mail.from_addr == unit.email.lower():
        return "unit"
    if mail.from_addr and mail.from_addr == (case.complainant_email or "").lower():
        return "complainant"
    return "unknown"


def apply_unit_reply(
    session: Session, case: Case, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> str:
    """Carry out the unit's command; returns a short description of what happened."""
    command = parse_unit_command(mail.text)
    now = ctx.clock.now()
    actor = f"unit:{case.unit_code}"
    if command.kind == "unclear":
        record_event(
            session,
            case,
            kind="unit_reply_unclear",
            actor=actor,
            at=now,
            submission_id=submission.id,
            data={"needs_staff": True},
            note=command.text[:2000],
        )
        return "承办单位回复未包含可识别的指令，已转工作人员处理"
    action = "acknowledge" if command.kind == "acknowledge" else "close_with_result"
    try:
        if action == "close_with_result":
            case.result_text = command.text
        apply_transition(
            session,
            case,
            action,
            actor=actor,
            at=now,
            submission_id=submission.id,
            data={"command": command.matched},
            note=command.text[:2000],
        )
    except InvalidTransition as refused:
        record_event(
            session,
            case,
            kind="unit_reply_not_applied",
            actor=actor,
            at=now,
            submission_id=submission.id,
            data={"needs_staff": True, "command": command.matched},
            note=str(refused),
        )
        return f"承办单位指令“{command.matched}”未执行：{refused}"
    return f"承办单位指令“{command.matched}”已执行"


def apply_reply(
    session: Session, case: Case, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> str:
    """Dispatch a reply on ``case`` by who sent it."""
    submission.case_id = case.id
    role = sender_role(case, mail, ctx)
    if role == "unit":
        return apply_unit_reply(session, case, submission, mail, ctx)
    now = ctx.clock.now()
    if role == "complainant":
        record_event(
            session,
            case,
            kind="complainant_followup",
            actor="complainant",
            at=now,
            submission_id=submission.id,
            note=strip_quoted(mail.text)[:4000],
        )
        return "投诉举报者补充材料已附入案件"
    record_event(
        session,
        case,
        kind="unverified_reply",
        actor=f"unknown:{mail.from_addr or '无发件人'}",
        at=now,
        submission_id=submission.id,
        data={"needs_staff": True},
        note=strip_quoted(mail.text)[:4000],
    )
    return "发件人不是该案承办单位或投诉举报者，作为未核实备注附入案件，未改变案件状态"
