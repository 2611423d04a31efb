"""Typed SQLAlchemy models. Stages hand work to each other through these tables.

- ``Submission``: one raw intake item (来件), archived unchanged before anything interprets it.
- ``Case``: one complaint (案件) with its routing and current state.
- ``CaseEvent``: the append-only history of every change to a case.
- ``OutboxMessage``: a rendered letter waiting to be sent, sent, or failed.
- ``OutboxThrottle``: per sending account, how hard the mail server asked us to slow down.
- ``MailboxState``: per account and folder, the IMAP UIDVALIDITY and highest committed UID.
- ``CaseCounter``: the sequence behind human-friendly case numbers.
- ``RouteLabel``: training data for routing (staff routes, imported history); ``RouteModel``: the
  trained routing model versions, one active.
- ``ImportFile``, ``ImportRowError``, ``ExpectedRecording``: imported files (12345 exports, the
  website's JSON lines), their row-level errors, and the audio recordings their rows name.
- ``Deadline``: each working-day deadline of a case, with how it was computed (Art. 13, 14, 18).
- ``SupervisionStep``: each notice and 提醒督办函 sent, at most once per case and stage (Art. 21).
- ``CreditDecision``: on closing, whether a dishonesty counts as a credit record (Art. 24).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Submission(Base):
    """One raw intake item: an email, a hotline row, a letter. The raw bytes live in the archive."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | hotline | letter | web
    # Idempotency key per source: imap:<account>:<folder>:<uidvalidity>:<uid>, maildir:<key>, …
    source_key: Mapped[str] = mapped_column(String(512), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    archive_path: Mapped[str] = mapped_column(String(255))  # relative to the archive directory
    received_at: Mapped[dt.datetime]
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    # pending → processed | discarded | quarantined (quarantined → pending on staff retry)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    kind: Mapped[str | None] = mapped_column(String(32))
    kind_reason: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[dt.datetime | None]
    # Record channels (hotline row, website complaint, paper letter): the normalised record.
    # For a row of an imported file, ``sha256`` and ``archive_path`` are the archived file's;
    # ``import_id`` and ``row_number`` say where the row is in that file.
    payload: Mapped[dict[str, Any] | None]
    # sha256 of the canonical payload (a row's content, not its position): a re-exported row
    # with the same content is "unchanged", with other content an update. Kept apart from
    # ``sha256`` (the archived file's), which is indexed: random keys there cost bulk imports.
    record_digest: Mapped[str | None] = mapped_column(String(64))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_files.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)


class Case(Base):
    """One complaint. ``status`` follows the state machine in ``processing.lifecycle``."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime]
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    complainant_name: Mapped[str] = mapped_column(String(200), default="")
    # Indexed: every new email looks up the sender's earlier cases (a re-send is a follow-up).
    complainant_email: Mapped[str] = mapped_column(String(320), default="", index=True)
    complainant_phone: Mapped[str] = mapped_column(String(64), default="")
    complainant_id_number: Mapped[str] = mapped_column(String(32), default="")
    # Postal address of a letter writer (paper letters are answered by post).
    complainant_address: Mapped[str] = mapped_column(String(500), default="")
    respondent: Mapped[str] = mapped_column(String(200), default="")
    unit_code: Mapped[str | None] = mapped_column(String(64), index=True)
    credit_office_code: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    screening: Mapped[str | None] = mapped_column(String(64))
    screening_detail: Mapped[dict[str, Any] | None]
    route_confidence: Mapped[float | None] = mapped_column(Float)
    route_detail: Mapped[dict[str, Any] | None]
    result_text: Mapped[str | None] = mapped_column(Text)
    # Art. 16, 25: the complainant's latest opinion:
    # satisfied | basically_satisfied | dissatisfied
    satisfaction: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="save-update, merge"
    )


class CaseEvent(Base):
    """Append-only history: who or what changed the case, when, from which message, and why."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(
        String(200)
    )  # system | staff:<name> | unit:<code> | complainant
    kind: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    data: Mapped[dict[str, Any] | None]
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")


class OutboxMessage(Base):
    """A rendered outgoing message. Committed before any SMTP connection is opened."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_sent_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One row per (case, letter kind, stage, recipient): "<case_id>:<kind>:<stage>:<recipient>".
    dedupe_key: Mapped[str] = mapped_column(String(512), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(64), default="")
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    # pending → sending → sent | pending (retry) | failed; pending | failed → cancelled;
    # sent → bounced (a permanent DSN, reason in last_error).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # pending: when it may be tried; sending: when the claim expires (a crashed sender's row
    # is then tried again, with the same Message-ID).
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]


class OutboxThrottle(Base):
    """The sending account's slow-down state after throttling replies (NetEase MI:SFQ …)."""

    __tablename__ = "outbox_throttle"

    sender: Mapped[str] = mapped_column(String(320), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    paused_until: Mapped[dt.datetime | None]
    last_throttled_at: Mapped[dt.datetime | None]
    last_reply: Mapped[str] = mapped_column(Text, default="")


class MailboxState(Base):
    """Exactly-once IMAP intake: ``last_uid`` advances only with the stored mail."""

    __tablename__ = "mailbox_state"
    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(320))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    # After a UIDVALIDITY change, UIDs up to this one may be mail imported before: checked first.
    resync_until_uid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    updated_at: Mapped[dt.datetime]


class Attachment(Base):
    """A file that came with a submission (email attachment, hotline recording, letter scan) or a
    written result. Stored in the raw archive under a generated name; the original name is data."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # email | audio | scan | result | hotline_export | other
    kind: Mapped[str] = mapped_column(String(32))
    original_name: Mapped[str] = mapped_column(Text, default="")
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    archive_path: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime]


class SourceHealth(Base):
    """Last outcome of each intake source (mailbox, hotline folder …) for status and digest."""

    __tablename__ = "source_health"

    source: Mapped[str] = mapped_column(String(512), primary_key=True)
    last_attempt_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_count: Mapped[int] = mapped_column(Integer, default=0)


class ImportFile(Base):
    """One imported file (12345 work-order export, website JSON lines), archived whole by sha256
    before any row is read (Art. 22). ``last_row`` advances with each committed batch, so an
    import killed mid-file resumes where it stopped; the same bytes are never imported twice."""

    __tablename__ = "import_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # hotline | web
    # Where it came from: drop:<folder>, cli, mail:<attachment id>
    source: Mapped[str] = mapped_column(String(512))
    original_name: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    archive_path: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16), default="")  # xlsx | xls | csv | jsonl
    # reading → done | failed (cannot be read at all; ``error`` says why)
    status: Mapped[str] = mapped_column(String(16), default="reading", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    last_row: Mapped[int] = mapped_column(Integer, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    report_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class ImportRowError(Base):
    """A problem with one row of an imported file: ``fatal`` rows were not imported; the others
    were imported and the problem is a warning (an unreadable date, a guessed phone number)."""

    __tablename__ = "import_row_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    fatal: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime]


class ExpectedRecording(Base):
    """An audio recording a hotline row names (录音文件); ``attachment_id`` is set once the file
    has been found in the drop folder and archived (Art. 22 keeps audio)."""

    __tablename__ = "expected_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255), index=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    created_at: Mapped[dt.datetime]


class CaseCounter(Base):
    """Last case sequence number used, per prefix and year."""

    __tablename__ = "case_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class RouteLabel(Base):
    """Training data for the routing model: a route staff confirmed or corrected on a case, or a
    labelled message imported from earlier history. Append-only; the latest row of a case wins."""

    __tablename__ = "route_labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))  # staff_route | import
    unit_code: Mapped[str] = mapped_column(String(64), default="")
    sector: Mapped[str] = mapped_column(String(64), default="")
    previous_unit: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Imported history only (a case's text stays on the case): the text and a content key.
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class RouteModel(Base):
    """A trained routing model (``processing.model.LinearModel`` bytes). One is active."""

    __tablename__ = "route_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    examples: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any] | None]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class Deadline(Base):
    """One deadline of a case, derived from its history; recomputed when the case or the calendar
    changes. ``provisional`` marks a date counted over a year whose holidays are not yet known."""

    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("case_id", "stage"),
        Index("ix_deadlines_open", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(64))  # acknowledge:1, result:1, case:1 …
    kind: Mapped[str] = mapped_column(String(32))  # acknowledge | result | supplementary | case
    unit_code: Mapped[str | None] = mapped_column(String(64))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    provisional_years: Mapped[str] = mapped_column(String(64), default="")
    rule: Mapped[str] = mapped_column(Text)  # how it was computed, in Chinese
    basis: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | met | void
    settled_at: Mapped[dt.datetime | None]
    settled_event_id: Mapped[int | None] = mapped_column(Integer)
    settled_note: Mapped[str] = mapped_column(Text, default="")
    computed_at: Mapped[dt.datetime]


class SupervisionStep(Base):
    """A notice before a deadline, or a 提醒督办函 (automatic or by staff), sent once."""

    __tablename__ = "supervision_steps"
    __table_args__ = (UniqueConstraint("case_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(64))  # notice:result:1, supervision:result:1 …
    kind: Mapped[str] = mapped_column(String(16))  # notice | supervision
    article_item: Mapped[str | None] = mapped_column(String(16))  # Art. 21 item: 1 … 5
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    unit_code: Mapped[str | None] = mapped_column(String(64))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    new_due_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200))
    outbox_ids: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)


class CreditDecision(Base):
    """Art. 24: whether a confirmed dishonesty becomes a credit record, with its evidence.
    A reopened and re-closed case gets a new row; the newest one is in force."""

    __tablename__ = "credit_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    respondent: Mapped[str] = mapped_column(String(200), default="")
    unit_code: Mapped[str | None] = mapped_column(String(64))
    dishonesty_confirmed: Mapped[bool] = mapped_column(Boolean)
    corrected: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(32))
    counts_as_record: Mapped[bool] = mapped_column(Boolean, index=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any] | None]
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime]


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or delete a recorded case event."""


@event.listens_for(Session, "before_flush")
def _forbid_event_changes(session: Session, _context: object, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, CaseEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation("case events are append-only; record a new event instead")
