"""The durable outbox: send what is due, record each outcome, retry transient failures.

A message is rendered and committed before any connection is opened. Each send is three steps,
none holding a transaction across the network:

1. claim: ``pending`` → ``sending`` in its own short transaction, with a lease
   (``next_attempt_at`` = when the claim expires); a row another worker claimed is skipped;
2. send over SMTP, outside any transaction;
3. record the outcome in a new transaction: ``sent``, back to ``pending`` with backoff, or
   ``failed`` (5xx) with an alert to staff.

A crash between 1 and 2 leaves a ``sending`` row whose lease expires: it is sent then, once. A
crash between the server's acceptance (2) and the commit (3) does the same, so the worst case is
one duplicate, carrying the same Message-ID (RFC 5322 lets the recipient see it is the same).
The pace is limited per hour and slowed down by throttling replies (``notifications.throttle``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, to_local
from notifications.throttle import (
    ThrottlePolicy,
    ThrottleState,
    after_throttle,
    send_budget,
)
from notifications.transport import (
    PermanentSendError,
    ThrottledSendError,
    TransientSendError,
    Transport,
)
from store.db import transaction
from store.models import OutboxMessage, OutboxThrottle

log = logging.getLogger(__name__)

# Called in the transaction that marks a row failed for good (e.g. to queue an alert to staff).
FailureHook = Callable[[Session, OutboxMessage], None]


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


@dataclass(frozen=True, slots=True)
class SendLimits:
    """How fast the outbox may send, and how long a claim on a row lasts."""

    throttle: ThrottlePolicy = field(default_factory=lambda: ThrottlePolicy(max_per_hour=1_000_000))
    lease_seconds: int = 600


@dataclass
class OutboxResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    held: str = ""  # why sending stopped early (rate limit, throttling), in Chinese
    errors: list[str] = field(default_factory=list)


def recover_expired_claims(factory: sessionmaker[Session], now: dt.datetime) -> int:
    """Rows left ``sending`` by a crashed sender go back to ``pending`` once their lease ends."""
    with transaction(factory) as session:
        expired = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at <= now)
            .values(status="pending", next_attempt_at=now)
            .returning(OutboxMessage.id)
        ).all()
    for (row_id,) in expired:
        log.warning("outbox message %s was being sent when a sender stopped; sending again", row_id)
    return len(expired)


def due_message_ids(session: Session, now: dt.datetime, limit: int = 200) -> list[int]:
    stmt = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def sent_since(session: Session, since: dt.datetime) -> int:
    return int(
        session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.status == "sent", OutboxMessage.sent_at > since
            )
        )
        or 0
    )


def load_throttle(session: Session, sender: str) -> ThrottleState:
    row = session.get(OutboxThrottle, sender.lower())
    if row is None:
        return ThrottleState()
    return ThrottleState(row.level, row.paused_until, row.last_throttled_at, row.last_reply)


def save_throttle(session: Session, sender: str, state: ThrottleState) -> None:
    row = session.get(OutboxThrottle, sender.lower())
    if row is None:
        row = OutboxThrottle(sender=sender.lower())
        session.add(row)
    row.level, row.paused_until = state.level, state.paused_until
    row.last_throttled_at, row.last_reply = state.last_throttled_at, state.last_reply


def claim(factory: sessionmaker[Session], row_id: int, lease_until: dt.datetime) -> bool:
    """Take the row for sending; False if another worker took it or it is no longer pending."""
    with transaction(factory) as session:
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
            .values(status="sending", next_attempt_at=lease_until)
            .returning(OutboxMessage.id)
        ).first()
    return claimed is not None


@dataclass(frozen=True)
class _Sender:
    factory: sessionmaker[Session]
    transport: Transport
    clock: Clock
    sender: str
    policy: RetryPolicy
    limits: SendLimits
    on_failure: FailureHook | None

    def budget(self, result: OutboxResult) -> int:
        now = self.clock.now()
        with self.factory() as session:
            state = load_throttle(session, self.sender)
            sent = sent_since(session, now - dt.timedelta(hours=1))
        budget = send_budget(self.limits.throttle, state, now, sent)
        result.held = budget.reason
        return budget.allowed

    def send_one(self, row_id: int, result: OutboxResult) -> bool:
        """Claim, send, record; False when the sender must stop (throttled)."""
        lease_until = self.clock.now() + dt.timedelta(seconds=self.limits.lease_seconds)
        if not claim(self.factory, row_id, lease_until):
            return True
        with self.factory() as session:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            raw, recipient, message_id = row.raw, row.recipient, row.message_id
        try:
            self.transport.send(
                raw, sender=self.sender, recipients=[recipient], message_id=message_id
            )
        except ThrottledSendError as error:
            self._record_throttle(row_id, error, result)
            return False
        except (TransientSendError, PermanentSendError) as error:
            self._record_failure(row_id, error, result)
            return True
        self._record_sent(row_id, result)
        return True

    def _record_sent(self, row_id: int, result: OutboxResult) -> None:
        with transaction(self.factory) as session:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            row.status, row.sent_at, row.attempts = "sent", self.clock.now(), row.attempts + 1
            row.last_error = None
        result.sent += 1
        log.info("sent outbox message %s (%s) to %s", row_id, row.kind, row.recipient)

    def _record_failure(self, row_id: int, error: Exception, result: OutboxResult) -> None:
        now = self.clock.now()
        with transaction(self.factory) as session:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            row.attempts += 1
            row.last_error = str(error)[:2000]
            if isinstance(error, PermanentSendError) or row.attempts >= self.policy.max_attempts:
                row.status = "failed"
                result.failed += 1
                if self.on_failure is not None:
                    self.on_failure(session, row)
                log.error("outbox message %s to %s failed: %s", row_id, row.recipient, error)
            else:
                row.status, row.next_attempt_at = "pending", now + self.policy.delay(row.attempts)
                result.retried += 1
                log.warning("outbox message %s to %s: %s (retry)", row_id, row.recipient, error)
            result.errors.append(f"{row.subject}：{error}")

    def _record_throttle(self, row_id: int, error: Exception, result: OutboxResult) -> None:
        now = self.clock.now()
        with transaction(self.factory) as session:
            state = after_throttle(
                load_throttle(session, self.sender), str(error), now, self.limits.throttle
            )
            save_throttle(session, self.sender, state)
            row = session.get(OutboxMessage, row_id)
            assert row is not None and state.paused_until is not None
            row.attempts += 1
            row.last_error = str(error)[:2000]
            if row.attempts >= self.policy.max_attempts:
                row.status = "failed"
                result.failed += 1
                if self.on_failure is not None:
                    self.on_failure(session, row)
            else:
                row.status, row.next_attempt_at = "pending", state.paused_until
                result.retried += 1
        until = to_local(state.paused_until).strftime("%H:%M")
        result.held = f"邮件服务器要求放慢发送（{str(error)[:60]}），暂停至 {until}"
        log.warning("mail server throttled us (%s); pausing until %s", error, state.paused_until)


def send_due(
    factory: sessionmaker[Session],
    transport: Transport,
    clock: Clock,
    *,
    sender: str,
    policy: RetryPolicy = RetryPolicy(),
    limits: SendLimits = SendLimits(),
    on_failure: FailureHook | None = None,
    stop: threading.Event | None = None,
) -> OutboxResult:
    """Send every due message within the hourly budget; each outcome committed on its own."""
    worker = _Sender(factory, transport, clock, sender, policy, limits, on_failure)
    result = OutboxResult(recovered=recover_expired_claims(factory, clock.now()))
    allowed = worker.budget(result)
    with factory() as session:
        ids = due_message_ids(session, clock.now(), limit=min(allowed, 200))
    try:
        for message_id in ids:
            if stop is not None and stop.is_set():
                break
            if not worker.send_one(message_id, result):
                break
    finally:
        transport.close()
    return result
