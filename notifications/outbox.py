"""The durable outbox: send what is due, record each outcome, retry transient failures.

A message is committed (rendered) before any connection is opened. After a successful send the
row is marked sent in its own transaction; a crash between the server's acceptance and that
commit can at worst send one duplicate, and it carries the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from notifications.transport import PermanentSendError, TransientSendError, Transport
from store.db import transaction
from store.models import OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: int = 60
    cap_seconds: int = 3600

    def delay(self, attempts: int) -> dt.timedelta:
        """Capped exponential backoff: base, 2×base, 4×base … never above the cap."""
        return dt.timedelta(
            seconds=min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        )


@dataclass
class OutboxResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def due_message_ids(session: Session, now: dt.datetime, limit: int = 200) -> list[int]:
    stmt = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _record_failure(
    row: OutboxMessage, error: Exception, *, permanent: bool, policy: RetryPolicy, now: dt.datetime
) -> str:
    row.attempts += 1
    row.last_error = str(error)[:2000]
    if permanent or row.attempts >= policy.max_attempts:
        row.status = "failed"
        return "failed"
    row.next_attempt_at = now + policy.delay(row.attempts)
    return "retried"


def send_due(
    factory: sessionmaker[Session],
    transport: Transport,
    clock: Clock,
    *,
    sender: str,
    policy: RetryPolicy = RetryPolicy(),
    stop: threading.Event | None = None,
) -> OutboxResult:
    """Send every due message once; each outcome is committed before the next send."""
    result = OutboxResult()
    with factory() as session:
        ids = due_message_ids(session, clock.now())
    try:
        for message_id in ids:
            if stop is not None and stop.is_set():
                break
            _send_one(
                factory,
                transport=transport,
                clock=clock,
                row_id=message_id,
                sender=sender,
                policy=policy,
                result=result,
            )
    finally:
        transport.close()
    return result


def _send_one(
    factory: sessionmaker[Session],
    *,
    transport: Transport,
    clock: Clock,
    row_id: int,
    sender: str,
    policy: RetryPolicy,
    result: OutboxResult,
) -> None:
    with transaction(factory) as session:
        # Row lock on PostgreSQL so two instances never send the same row; SQLite ignores it.
        row = session.get(OutboxMessage, row_id, with_for_update={"skip_locked": True})
        if row is None or row.status != "pending":
            return  # sent or cancelled by another worker meanwhile
        try:
            transport.send(
                row.raw, sender=sender, recipients=[row.recipient], message_id=row.message_id
            )
        except (TransientSendError, PermanentSendError) as error:
            permanent = isinstance(error, PermanentSendError)
            outcome = _record_failure(
                row, error, permanent=permanent, policy=policy, now=clock.now()
            )
            setattr(result, outcome, getattr(result, outcome) + 1)
            result.errors.append(f"{row.subject}：{error}")
            log.warning("outbox message %s to %s: %s (%s)", row.id, row.recipient, error, outcome)
            return
        row.status, row.sent_at, row.attempts = "sent", clock.now(), row.attempts + 1
        row.last_error = None
        result.sent += 1
        log.info("sent outbox message %s (%s) to %s", row.id, row.kind, row.recipient)
