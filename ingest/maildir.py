"""A local Maildir as a mail source: the embedded default, and for sites whose MTA delivers locally.

Messages are read and left in place; intake is idempotent by the Maildir key, which is unique
and stable for the life of the message.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.sources import FetchedMail
from store.models import Submission

COMMIT_BATCH = 50


class MaildirConnection:
    def __init__(self, path: Path, prefix: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._box = mailbox.Maildir(path, factory=None, create=True)
        self._prefix = prefix

    def _known_keys(self, session: Session) -> set[str]:
        rows = session.scalars(
            select(Submission.source_key).where(Submission.source_key.startswith(self._prefix))
        )
        return {row[len(self._prefix) :] for row in rows}

    def _ordered_keys(self) -> list[str]:
        # Maildir names start with the delivery time, so sorting is roughly arrival order.
        return sorted(self._box.keys())

    def fetch_new(self, session: Session) -> Iterator[FetchedMail]:
        """Read what is already stored now; read message files lazily afterwards."""
        return self._fetch_unknown(self._known_keys(session))

    def _fetch_unknown(self, known: set[str]) -> Iterator[FetchedMail]:
        keys = [key for key in self._ordered_keys() if key not in known]
        for number, key in enumerate(keys, start=1):
            try:
                raw = self._box.get_bytes(key)
            except KeyError:  # removed by someone else since listing
                continue
            last = number % COMMIT_BATCH == 0 or number == len(keys)
            yield FetchedMail(source_key=f"{self._prefix}{key}", raw=raw, last_in_batch=last)

    def record_committed(self, session: Session, mail: FetchedMail) -> None:
        """Nothing to advance: the unique source key in the store is the position."""

    def acknowledge(self, mail: FetchedMail) -> None:
        """Messages stay where the MTA delivered them; the store remembers what was taken."""

    def inventory(self) -> list[tuple[str, str]]:
        """Every (key, Message-ID) in the Maildir now, for reconciliation."""
        found = []
        for key in self._ordered_keys():
            try:
                with self._box.get_file(key) as handle:
                    headers = BytesHeaderParser(policy=compat32).parse(handle)  # type: ignore[arg-type]
            except KeyError:  # removed since listing
                continue
            found.append((key, str(headers.get("Message-ID", "")).strip()))
        return found

    def close(self) -> None:
        self._box.close()


class MaildirSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"maildir:{path}"

    def open(self) -> MaildirConnection:
        return MaildirConnection(self.path, prefix="maildir:")
