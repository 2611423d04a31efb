"""What every mail source yields, and what the intake asks of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class FetchedMail:
    """One raw message as it came from the source, with the key that makes intake idempotent."""

    source_key: str
    raw: bytes
    # Source-specific position (an IMAP UID); advanced in the same transaction as the store.
    uid: int | None = None
    # Fetched again after the folder's UIDVALIDITY changed: import only what is not yet stored.
    resync: bool = False
    # The highest UID present when the resync began (kept on the position until it is passed).
    resync_until: int = 0
    # The last message of a fetch batch: the intake commits the batch in one transaction here.
    last_in_batch: bool = True


class MailConnection(Protocol):
    """An open connection to one mailbox folder or Maildir."""

    def fetch_new(self, session: Session) -> Iterator[FetchedMail]:
        """Messages not yet committed, oldest first. The position is read from ``session`` at
        call time; the returned iterator must not use the session afterwards."""
        ...

    def record_committed(self, session: Session, mail: FetchedMail) -> None:
        """Advance the source's position in the caller's transaction (before commit)."""
        ...

    def acknowledge(self, mail: FetchedMail) -> None:
        """Tell the source the message is safely stored (after the commit): move it, or nothing."""
        ...

    def close(self) -> None: ...


class MailSource(Protocol):
    """Opens connections; ``name`` identifies the source in logs and status."""

    name: str

    def open(self) -> MailConnection: ...
