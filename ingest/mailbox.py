"""The office mailbox over IMAP (ycsxyb123@126.com in production, Dovecot in tests).

Exactly-once: per account and folder the store keeps UIDVALIDITY and the highest committed UID,
advanced in the same transaction that stores each message. Messages are read with BODY.PEEK[]
so flags stay as clerks left them in webmail. NetEase refuses SELECT until the client has sent
the RFC 2971 ID command, so it is sent whenever the server advertises ID.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from imapclient import IMAPClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import Clock
from ingest.sources import FetchedMail
from ingest.tls import client_tls_context
from store.models import MailboxState

log = logging.getLogger(__name__)

FETCH_BATCH = 50


@dataclass(frozen=True, slots=True)
class ImapAccount:
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    security: str = "ssl"  # ssl | starttls | none
    verify_tls: bool = True
    ca_file: str = ""
    timeout: float = 60.0
    client_id: tuple[tuple[str, str], ...] = (("name", "zwsx"),)

    def __repr__(self) -> str:  # never show the password
        return f"ImapAccount({self.username}@{self.host}:{self.port}/{self.folder})"


def connect(account: ImapAccount) -> IMAPClient:
    """Log in, send ID when the server supports it, and return the client (no folder selected)."""
    context = client_tls_context(verify=account.verify_tls, ca_file=account.ca_file)
    client = IMAPClient(
        account.host,
        port=account.port,
        ssl=account.security == "ssl",
        ssl_context=context,
        timeout=account.timeout,
    )
    try:
        if account.security == "starttls":
            client.starttls(context)
        client.login(account.username, account.password)
        if client.has_capability("ID"):
            client.id_(dict(account.client_id))
    except Exception:
        client.shutdown()
        raise
    return client


class ImapConnection:
    def __init__(self, account: ImapAccount, clock: Clock) -> None:
        self.account = account
        self._clock = clock
        self._client = connect(account)
        info = self._client.select_folder(account.folder, readonly=True)
        self.uidvalidity = int(info[b"UIDVALIDITY"])

    def _state(self, session: Session) -> MailboxState | None:
        return session.scalars(
            select(MailboxState).where(
                MailboxState.account == self.account.username,
                MailboxState.folder == self.account.folder,
            )
        ).one_or_none()

    def _last_uid(self, session: Session) -> int:
        state = self._state(session)
        if state is None:
            return 0
        if state.uidvalidity != self.uidvalidity:
            log.warning(
                "UIDVALIDITY of %s changed from %s to %s: rescanning the folder",
                self.account,
                state.uidvalidity,
                self.uidvalidity,
            )
            return 0
        return state.last_uid

    def fetch_new(self, session: Session) -> Iterator[FetchedMail]:
        """Read the position now; fetch lazily afterwards, in batches, without the session."""
        return self._fetch_after(self._last_uid(session))

    def _fetch_after(self, last: int) -> Iterator[FetchedMail]:
        uids = sorted(u for u in self._client.search(["UID", f"{last + 1}:*"]) if u > last)
        prefix = f"imap:{self.account.username}:{self.account.folder}:{self.uidvalidity}:"
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = self._client.fetch(batch, ["BODY.PEEK[]"])
            for uid in batch:
                data = fetched.get(uid)
                if data is None:  # expunged between SEARCH and FETCH
                    continue
                yield FetchedMail(source_key=f"{prefix}{uid}", raw=data[b"BODY[]"], uid=uid)

    def record_committed(self, session: Session, mail: FetchedMail) -> None:
        assert mail.uid is not None
        now = self._clock.now()
        state = self._state(session)
        if state is None:
            session.add(
                MailboxState(
                    account=self.account.username,
                    folder=self.account.folder,
                    uidvalidity=self.uidvalidity,
                    last_uid=mail.uid,
                    updated_at=now,
                )
            )
            session.flush()
            return
        if state.uidvalidity != self.uidvalidity:
            state.uidvalidity, state.last_uid = self.uidvalidity, 0
        state.last_uid = max(state.last_uid, mail.uid)
        state.updated_at = now

    def close(self) -> None:
        try:
            self._client.logout()
        except Exception:  # the server may already be gone; nothing to save
            log.debug("IMAP logout failed", exc_info=True)
            self._client.shutdown()


class ImapSource:
    def __init__(self, account: ImapAccount, clock: Clock) -> None:
        self.account = account
        self._clock = clock
        self.name = f"imap:{account.username}@{account.host}/{account.folder}"

    def open(self) -> ImapConnection:
        return ImapConnection(self.account, self._clock)
