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
from processing import cases, records
from processing.bounces import handle_bounce
from processing.classify import (
    DISCARD_KINDS,
    EXPORT_EXTENSIONS,
    MessageKind,
    classify_message,
)
from processing.context import ProcessingContext
from processing.duplicates import resent_case, same_message
from processing.followup import apply_reply, find_referenced_case, record_complainant_followup
from processing.normalise import complaint_from_mail
from processing.parse import ParsedMail, UnparseableMail, parse_mail
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


def run_case_steps(
    session: Session, case: Case, ctx: ProcessingContext, *, after: str | None = None
) -> None:
    """Run ``CASE_STEPS`` in order (those after ``after`` only, e.g. once staff accepted a case
    the screening had proposed to reject), stopping at the first step that holds the case."""
    names = CASE_STEPS[CASE_STEPS.index(after) + 1 :] if after else CASE_STEPS
    for name in names:
        if not STEP_FUNCTIONS[name](session, case, ctx):
            break


def _discard(submission: Submission, kind: MessageKind) -> str:
    submission.status = "discarded"
    return kind.kind


def _handle_duplicate(submission: Submission, earlier: Submission) -> str:
    """The very same message delivered twice (same bytes): nothing new to act on."""
    submission.status, submission.kind = "discarded", "duplicate"
    submission.case_id = earlier.case_id
    submission.kind_reason = f"与来件 {earlier.id} 完全相同（重复投递），未重复处理"
    return "duplicate"


def _handle_complaint(
    session: Session,
    submission: Submission,
    mail: ParsedMail,
    ctx: ProcessingContext,
    earlier: Submission | None,
) -> str:
    if earlier is not None and earlier.case_id is not None:
        case = session.get(Case, earlier.case_id)
        assert case is not None
        submission.case_id, submission.kind = case.id, "duplicate"
        submission.kind_reason = f"与案件 {case.number} 的来件 Message-ID 相同，未重复立案"
        return "duplicate"
    resend = resent_case(session, mail.from_addr, mail.subject, mail.text)
    if resend is not None:
        case, score = resend
        submission.case_id, submission.kind = case.id, "followup"
        submission.kind_reason = (
            f"同一投诉举报者重复来信（与案件 {case.number} 相似度 {score:.2f}）"
        )
        data = {"resend": True, "similarity": round(score, 3)}
        record_complainant_followup(session, case, submission, mail, ctx, data=data)
        return "followup"
    case = cases.open_case(session, submission, complaint_from_mail(mail), ctx)
    run_case_steps(session, case, ctx)
    return "complaint"


def _handle_hotline_export(
    session: Session, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> str:
    """Keep the export's files for the hotline importer; never open a case from the mail."""
    with_kind = [a for a in mail.attachments if a.filename.lower().endswith(EXPORT_EXTENSIONS)]
    for item in with_kind:
        store_attachment(
            session,
            ctx.archive,
            data=item.payload,
            original_name=item.filename,
            content_type=item.content_type,
            kind="hotline_export",
            now=ctx.clock.now(),
            submission_id=submission.id,
        )
    return "hotline_export"


def handle_email(
    session: Session, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> str:
    """Classify one parsed email and act on it; returns the kind for the summary."""
    earlier = same_message(session, submission)
    if earlier is not None and earlier.sha256 == submission.sha256:
        return _handle_duplicate(submission, earlier)
    case, how = find_referenced_case(session, mail, ctx)
    kind = classify_message(
        mail,
        refers_to_case=how,
        own_addresses=ctx.own_addresses,
        hotline_senders=ctx.hotline_senders,
    )
    submission.kind, submission.kind_reason = kind.kind, kind.reason
    if kind.kind == "bounce":
        submission.kind_reason = (
            f"{kind.reason}；{handle_bounce(session, submission, mail.delivery_report, ctx)}"
        )
        submission.status = "discarded" if submission.case_id is None else "processed"
        return "bounce"
    if kind.kind in DISCARD_KINDS:
        return _discard(submission, kind)
    if kind.kind == "hotline_export":
        return _handle_hotline_export(session, submission, mail, ctx)
    if kind.kind == "reply" and case is not None:
        submission.kind_reason = (
            f"{kind.reason}；{apply_reply(session, case, submission, mail, ctx)}"
        )
        return submission.kind or "reply"
    return _handle_complaint(session, submission, mail, ctx, earlier)


def store_mail_attachments(
    session: Session, submission: Submission, mail: ParsedMail, ctx: ProcessingContext
) -> None:
    """Keep every attachment of a mail that belongs to a case (Art. 22: the complete file)."""
    if submission.case_id is None or submission.kind == "duplicate":
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
    if kind in ("complaint", "reply", "followup", "unverified"):
        store_mail_attachments(session, submission, mail, ctx)
    return kind


def handle_record_submission(
    session: Session, submission: Submission, ctx: ProcessingContext
) -> str:
    """A hotline row, website complaint or paper letter: a new record opens its case and runs the
    case steps; a changed version of a known one is recorded on that case."""
    if submission.kind == "update":
        return records.apply_record_update(session, submission, ctx)
    case = records.open_record_case(session, submission, ctx)
    run_case_steps(session, case, ctx)
    return "complaint"


SubmissionHandler = Callable[[Session, Submission, ProcessingContext], str]

# How each channel's raw submission is turned into cases, replies or discards.
CHANNEL_HANDLERS: Mapping[str, SubmissionHandler] = {
    "email": handle_email_submission,
    "hotline": handle_record_submission,
    "web": handle_record_submission,
    "letter": handle_record_submission,
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


def describe_failure(error: BaseException) -> str:
    """One line for staff (in Chinese) saying why a submission could not be processed."""
    if isinstance(error, UnparseableMail):
        return str(error)
    if isinstance(error, FileNotFoundError):
        return f"存档中找不到原始文件：{error.filename or error}"
    return f"处理时发生意外错误：{type(error).__name__}: {error}"


def _quarantine(
    factory: sessionmaker[Session], submission_id: int, ctx: ProcessingContext, error: Exception
) -> str:
    reason = describe_failure(error)
    detail = traceback.format_exc(limit=8)
    with transaction(factory) as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        submission.status = "quarantined"
        submission.attempts += 1
        # The reason goes last: staff tools and the digest show an error's last line.
        submission.error = f"{detail[-7000:]}\n{reason}"
        submission.processed_at = ctx.clock.now()
    return reason


def pending_ids(factory: sessionmaker[Session]) -> list[int]:
    with factory() as session:
        return list(
            session.scalars(
                select(Submission.id).where(Submission.status == "pending").order_by(Submission.id)
            )
        )


def process_pending(
    factory: sessionmaker[Session],
    ctx: ProcessingContext,
    *,
    stop: threading.Event | None = None,
    only: list[int] | None = None,
) -> ProcessResult:
    """Process pending submissions (every one, or those in ``only``), oldest first, each in its
    own transaction; a failure quarantines that one submission and the loop goes on."""
    result = ProcessResult()
    for submission_id in pending_ids(factory) if only is None else sorted(only):
        if stop is not None and stop.is_set():
            break
        try:
            with transaction(factory) as session:
                submission = session.get(Submission, submission_id)
                if submission is None or submission.status != "pending":
                    continue
                result.counts[_process_one(session, submission, ctx)] += 1
        except Exception as error:
            log.exception("submission %s quarantined", submission_id)
            reason = _quarantine(factory, submission_id, ctx, error)
            result.counts["quarantined"] += 1
            result.quarantined.append(f"来件 {submission_id}：{reason}")
    return result
