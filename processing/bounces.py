"""Bounces of our own letters: mark the outbox row and alert staff (a transfer letter that never
arrived means the Art. 13 clock is running against a unit that does not know of the case).

A permanent failure (RFC 3463 status 5.x.x) marks the row ``bounced`` with the report's reason
in ``last_error`` and records a case event with ``needs_staff``; a temporary one (4.x.x, delayed)
only notes the delay on the row and the case.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from processing.context import ProcessingContext
from processing.dsn import DeliveryReport
from processing.lifecycle import record_event
from store.models import Case, OutboxMessage, Submission


def _mark(
    session: Session,
    row: OutboxMessage,
    report: DeliveryReport,
    submission: Submission,
    ctx: ProcessingContext,
) -> str:
    permanent = report.permanent
    reason = report.reason
    if permanent:
        row.status = "bounced"
        row.last_error = f"退信：{reason}"[:4000]
    else:
        row.last_error = f"延迟投递：{reason}"[:4000]
    case = session.get(Case, row.case_id) if row.case_id is not None else None
    if case is not None:
        submission.case_id = case.id
        record_event(
            session,
            case,
            kind="letter_bounced" if permanent else "letter_delayed",
            actor="system",
            at=ctx.clock.now(),
            submission_id=submission.id,
            data={
                "needs_staff": permanent,
                "outbox_id": row.id,
                "letter_kind": row.kind,
                "recipient": row.recipient,
                "statuses": [r.status for r in report.recipients],
            },
            note=reason[:2000],
        )
    label = "被退回" if permanent else "延迟投递"
    return f"发往 {row.recipient} 的{row.kind}函件{label}：{reason}"


def handle_bounce(
    session: Session,
    submission: Submission,
    report: DeliveryReport | None,
    ctx: ProcessingContext,
) -> str:
    """Apply a bounce to the letters it names; returns what was done, for the record."""
    if report is None or not report.original_ids:
        return "退信未能识别所退邮件"
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.message_id.in_(report.original_ids))
    ).all()
    if not rows:
        return "退信所退邮件不是本系统发出的函件"
    return "；".join(_mark(session, row, report, submission, ctx) for row in rows)
