"""The intake step: raw message → archive → submission row, committed before anything else.

getmail6's rule: a message counts as delivered only once it is stored. Here the raw bytes of a
fetch batch are written to the archive and synced, then their submission rows and the source's
new position are committed in one transaction; only after that may the source be told anything
(a move to another folder). A crash anywhere before the commit leaves the position where it was,
so the batch is fetched again; nothing is lost and nothing is stored twice.
A message over the size limit is archived and quarantined for staff, never dropped; after a
UIDVALIDITY change, mail the store already holds (same bytes, or same Message-ID and body) is
recognised and not imported twice.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.faults import fault_point
from ingest.archive import RawArchive
from ingest.sources import FetchedMail, MailConnection, MailSource
from store.db import transaction
from store.models import Submission

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass
class IntakeResult:
    source: str
    stored: int = 0
    skipped: int = 0
    oversized: int = 0
    errors: list[str] = field(default_factory=list)


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID header, read cheaply (headers only); None when absent or unreadable."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:65536])
    except Exception:  # malformed headers are the parser stage's business, not intake's
        return None
    value = headers.get("Message-ID")
    return str(value).strip()[:998] if value else None


def body_digest(raw: bytes) -> str:
    """sha256 of everything after the header block: the same mail with headers a server added."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(separator)
        if at >= 0:
            return hashlib.sha256(raw[at + len(separator) :]).hexdigest()
    return hashlib.sha256(b"").hexdigest()


def already_imported(session: Session, archive: RawArchive, raw: bytes) -> Submission | None:
    """A stored submission of this very mail: same bytes, or same Message-ID and same body."""
    digest = hashlib.sha256(raw).hexdigest()
    same = session.scalars(select(Submission).where(Submission.sha256 == digest).limit(1)).first()
    if same is not None:
        return same
    message_id = header_message_id(raw)
    if not message_id:
        return None
    body = body_digest(raw)
    for candidate in session.scalars(
        select(Submission).where(Submission.message_id == message_id, Submission.channel == "email")
    ):
        try:
            if body_digest(archive.read(candidate.archive_path)) == body:
                return candidate
        except FileNotFoundError:
            continue
    return None


def oversize_reason(size: int, max_bytes: int) -> str:
    return (
        f"邮件大小 {size / 1048576:.2f} MB 超过上限 {max_bytes / 1048576:.2f} MB"
        "（intake.max_message_mb），已原样存档，未自动处理；核实后可用 quarantine retry 处理"
    )


def store_submission(
    session: Session,
    archive: RawArchive,
    mail: FetchedMail,
    *,
    channel: str,
    clock: Clock,
    max_bytes: int = DEFAULT_MAX_BYTES,
    durable: bool = True,
) -> Submission | None:
    """Archive ``mail`` and add its submission row; None if it is already stored. With
    ``durable=False`` the caller syncs the archive before committing."""
    exists = session.scalar(select(Submission.id).where(Submission.source_key == mail.source_key))
    if exists is not None:
        return None
    if mail.resync and already_imported(session, archive, mail.raw) is not None:
        return None
    stored = archive.store(mail.raw, suffix=".eml", durable=durable)
    oversized = stored.size > max_bytes
    submission = Submission(
        channel=channel,
        source_key=mail.source_key,
        sha256=stored.sha256,
        size=stored.size,
        archive_path=stored.relative_path,
        received_at=clock.now(),
        message_id=header_message_id(mail.raw),
        status="quarantined" if oversized else "pending",
        error=oversize_reason(stored.size, max_bytes) if oversized else None,
        attempts=0,
    )
    session.add(submission)
    session.flush()
    return submission


@dataclass
class _Intake:
    connection: MailConnection
    archive: RawArchive
    factory: sessionmaker[Session]
    clock: Clock
    result: IntakeResult
    max_bytes: int

    def commit(self, group: list[FetchedMail]) -> None:
        """Store a fetch batch in one transaction: archive files synced, then rows and the new
        position committed together; only then is the source told (moves)."""
        with transaction(self.factory) as session:
            stored = []
            for mail in group:
                stored.append(
                    store_submission(
                        session,
                        self.archive,
                        mail,
                        channel="email",
                        clock=self.clock,
                        max_bytes=self.max_bytes,
                        durable=False,
                    )
                )
                self.connection.record_committed(session, mail)
            self.archive.sync()
            fault_point("before_commit")
        for mail, submission in zip(group, stored, strict=True):
            self.connection.acknowledge(mail)
            self._count(mail, submission)

    def _count(self, mail: FetchedMail, submission: Submission | None) -> None:
        if submission is None:
            self.result.skipped += 1
        elif submission.status == "quarantined":
            self.result.stored += 1
            self.result.oversized += 1
            log.warning("submission %s quarantined: %s", submission.id, submission.error)
        else:
            self.result.stored += 1
            log.info("stored submission %s from %s", submission.id, mail.source_key)


def take_new_mail(
    connection: MailConnection,
    archive: RawArchive,
    factory: sessionmaker[Session],
    clock: Clock,
    result: IntakeResult,
    *,
    stop: threading.Event | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> IntakeResult:
    """Fetch every new message on an open connection; commit each fetch batch on its own."""
    intake = _Intake(connection, archive, factory, clock, result, max_bytes)
    with factory() as reader:
        pending = connection.fetch_new(reader)
    group: list[FetchedMail] = []
    for mail in pending:
        fault_point("after_fetch")
        group.append(mail)
        if mail.last_in_batch:
            intake.commit(group)
            group = []
            if stop is not None and stop.is_set():
                break
    if group:
        intake.commit(group)
    return result


def poll_mail(
    source: MailSource,
    archive: RawArchive,
    factory: sessionmaker[Session],
    clock: Clock,
    *,
    stop: threading.Event | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> IntakeResult:
    """Open ``source``, take every new message, close."""
    result = IntakeResult(source=source.name)
    connection = source.open()
    try:
        return take_new_mail(
            connection, archive, factory, clock, result, stop=stop, max_bytes=max_bytes
        )
    finally:
        connection.close()
