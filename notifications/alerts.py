"""Staff alerts: a letter that failed for good (5xx) is reported at once, not only in the digest.

A unit that never got its transfer letter cannot meet its Art. 13 deadline, so staff hear of a
permanent failure immediately. Letters to staff themselves (digests, alerts) raise no alert:
the address that failed would be the one alerted.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from core.clock import Clock
from notifications.letters import LETTER_KINDS, LetterWriter
from notifications.outbox import FailureHook
from store.models import Case, OutboxMessage


def make_failure_alert(
    letters: LetterWriter, recipients: Sequence[str], clock: Clock
) -> FailureHook | None:
    """A hook queueing an ``outbox_alert`` to every staff address; None without staff."""
    if not recipients:
        return None

    def alert(session: Session, row: OutboxMessage) -> None:
        label, audience = LETTER_KINDS.get(row.kind, (row.kind, ""))
        if audience == "staff":
            return
        case = session.get(Case, row.case_id) if row.case_id else None
        for address in recipients:
            letters.queue(
                session,
                kind="outbox_alert",
                case=case,
                to_name="",
                to_address=address,
                stage=f"outbox-{row.id}",
                context={
                    "letter_label": label,
                    "recipient": row.recipient,
                    "subject": row.subject,
                    "attempts": row.attempts,
                    "error": row.last_error or "",
                    "outbox_id": row.id,
                },
                now=clock.now(),
            )

    return alert
