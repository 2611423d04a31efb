"""The intake step: raw message → archive → submission row, committed before anything else.

getmail6's rule: a message counts as delivered only once it is stored. Here the raw bytes are
written to the archive, then the submission row and the source's new position are committed in
one transaction; only after that may the source be told anything.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from ingest.archive import RawArchive
from ingest.sources import FetchedMail, MailSource
from store.db import transaction
from store.models import Submission

log = logging.getLogger(__name__)


@dataclass
class IntakeResult:
    source: str
    stored: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID header, read cheaply (headers only); None when absent or unreadable."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:65536])
    except Exception:  # malformed headers are the parser stage's business, not intake's
        return None
    value = headers.get("Message-ID")
    return str(value).strip()[:998] if value else None


def store_submission(
    session: Session, archive: RawArchive, mail: FetchedMail, *, channel: str, clock: Clock
) -> Submission | None:
    """Archive ``mail`` and add its submission row; None if this source key is already stored."""
    exists = session.scalar(select(Submission.id).where(Submission.source_key == mail.source_key))
    if exists is not None:
        return None
    stored = archive.store(mail.raw, suffix=".eml")
    submission = Submission(
        channel=channel,
        source_key=mail.source_key,
        sha256=stored.sha256,
        size=stored.size,
        archive_path=stored.relative_path,
        received_at=clock.now(),
        message_id=header_message_id(mail.raw),
        status="pending",
        attempts=0,
    )
    session.add(submission)
    session.flush()
    return submission


def poll_mail(
    source: MailSource,
    archive: RawArchive,
    factory: sessionmaker[Session],
    clock: Clock,
    *,
    stop: threading.Event | None = None,
) -> IntakeResult:
    """Fetch every new message from ``source`` and commit each one on its own."""
    result = IntakeResult(source=source.name)
    connection = source.open()
    try:
        with factory() as reader:
            pending = connection.fetch_new(reader)
        for mail in pending:
            if stop is not None and stop.is_set():
                break
            with transaction(factory) as session:
                submission = store_submission(session, archive, mail, channel="email", clock=clock)
                connection.record_committed(session, mail)
            if submission is None:
                result.skipped += 1
            else:
                result.stored += 1
                log.info("stored submission %s from %s", submission.id, mail.source_key)
    finally:
        connection.close()
    return result
