"""The processing pipeline: pending submissions become cases, replies and discards.

The order of steps is data (Mailman's pipelines): ``CASE_STEPS`` names, in order, what happens
to a new case. Each submission is processed in its own transaction; anything unexpected
quarantines that one submission with its traceback and the loop goes on.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.attachments import store_attachment
from processing import cases
from processing.classify import classify_message
from processing.context import ProcessingContext
from processing.followup import apply_reply, find_referenced_case
from processing.normalise import complaint_from_mail
from processing.parse import ParsedMail, parse_mail
from store.db import transaction
from store.models import Case, Submission

log = logging.getLogger(__name__)

CaseStep = Callable[[Session, Case, ProcessingContext], bool]

CASE_STEPS: tuple[str, ...] = ("screen", "categorise", "route", "transfer")

STEP_FUNCTIONS: Mapping[str, CaseStep] = {
    "screen": cases.step_screen,
    "categorise": cases.step_categorise,
    "route": cases.step_route,
    "transfer": cases.step_transfer,
}


@dataclass
class ProcessResult:
    counts: Counter[str] = field(default_factory=Counter)
    quarantined: list[str] = field(default_factory=list)


def run_case_steps(session: Session, case: Case, ctx: ProcessingContext) -> None:
    for name in CASE_STEPS:
        if not STEP_FUNCTIONS[name](session, case, ctx):
            break


def _duplicate_of(session: Session, submission: Submission) -> Case | None:
    """A case already opened from the same message (same Message-ID, or the same bytes)."""
    conditions = [Submission.sha256 == submission.sha256]
    if submission.message_id:
        conditions.append(Submission.message_id == submission.message_id)
    for condition in conditions:
        other = session.scalars(
            select(Submission)
            .where(condition, Submission.id != submission.id, Submission.case_id.is_not(None))
            .order_by(Submission.id)
        ).first()
        if other is not None:
            return session.get(Case, other.case_id)
    return None


def handle_email(
    session: Session, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> str:
    """Classify one parsed email and act on it; returns the kind for the summary."""
    case, how = find_referenced_case(session, mail, ctx)
    kind = classify_message(mail, refers_to_case=how, own_addresses=ctx.own_addresses)
    submission.kind, submission.kind_reason = kind.kind, kind.reason
    if kind.kind in ("auto_reply", "bounce", "own_message"):
        submission.status = "discarded"
        return kind.kind
    if kind.kind == "reply" and case is not None:
        submission.kind_reason = (
            f"{kind.reason}；{apply_reply(session, case, submission, mail, ctx)}"
        )
        return "reply"
    duplicate = _duplicate_of(session, submission)
    if duplicate is not None:
        submission.case_id, submission.kind = duplicate.id, "duplicate"
        submission.kind_reason = f"与案件 {duplicate.number} 的来件相同，未重复立案"
        return "duplicate"
    case = cases.open_case(session, submission, complaint_from_mail(mail), ctx)
    run_case_steps(session, case, ctx)
    return "complaint"


def store_mail_attachments(
    session: Session, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> None:
    """Keep every attachment of a mail that belongs to a case (Art. 22: the complete file)."""
    if submission.case_id is None:
        return
    kind = "result" if submission.kind == "reply" else "email"
    for item in mail.attachments:
        store_attachment(
            session,
            ctx.archive,
            data=item.payload,
            original_name=item.filename,
            content_type=item.content_type,
            kind=kind,
            now=ctx.clock.now(),
            submission_id=submission.id,
            case_id=submission.case_id,
        )


def handle_email_submission(
    session: Session, submission: Submission, ctx: ProcessingContext
) -> str:
    mail = parse_mail(ctx.archive.read(submission.archive_path))
    kind = handle_email(session, submission, mail, ctx)
    if kind in ("complaint", "reply"):
        store_mail_attachments(session, submission, mail, ctx)
    return kind


SubmissionHandler = Callable[[Session, Submission, ProcessingContext], str]

# How each channel's raw submission is turned into cases, replies or discards.
CHANNEL_HANDLERS: Mapping[str, SubmissionHandler] = {
    "email": handle_email_submission,
}


def _process_one(session: Session, submission: Submission, ctx: ProcessingContext) -> str:
    submission.attempts += 1
    handler = CHANNEL_HANDLERS.get(submission.channel)
    if handler is None:
        raise LookupError(f"no handler for channel {submission.channel!r}")
    kind = handler(session, submission, ctx)
    if submission.status == "pending":
        submission.status = "processed"
    submission.processed_at = ctx.clock.now()
    return kind


def _quarantine(factory: sessionmaker[Session], submission_id: int, ctx: ProcessingContext) -> str:
    reason = traceback.format_exc(limit=8)
    with transaction(factory) as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        submission.status = "quarantined"
        submission.attempts += 1
        submission.error = reason[-4000:]
        submission.processed_at = ctx.clock.now()
    return reason.strip().splitlines()[-1]


def process_pending(
    factory: sessionmaker[Session], ctx: ProcessingContext, *, stop: threading.Event | None = None
) -> ProcessResult:
    """Process every pending submission, oldest first, each in its own transaction."""
    result = ProcessResult()
    with factory() as session:
        ids = list(
            session.scalars(
                select(Submission.id).where(Submission.status == "pending").order_by(Submission.id)
            )
        )
    for submission_id in ids:
        if stop is not None and stop.is_set():
            break
        try:
            with transaction(factory) as session:
                submission = session.get(Submission, submission_id)
                if submission is None or submission.status != "pending":
                    continue
                result.counts[_process_one(session, submission, ctx)] += 1
        except Exception:
            log.exception("submission %s quarantined", submission_id)
            reason = _quarantine(factory, submission_id, ctx)
            result.counts["quarantined"] += 1
            result.quarantined.append(f"来件 {submission_id}：{reason}")
    return result
