"""The office mailbox over IMAP (ycsxyb123@126.com in production, Dovecot in tests).

Exactly-once: per account and folder the store keeps UIDVALIDITY and the highest committed UID,
advanced in the same transaction that stores each message. When UIDVALIDITY changes (the folder
was recreated or the provider migrated it), every message is fetched again in resync mode and
only what the store does not already hold is imported. Messages are read with BODY.PEEK[] so
flags stay as clerks left them in webmail; moving to a folder happens only after the commit.
NetEase refuses SELECT until the client has sent the RFC 2971 ID command, so it is sent
whenever the server advertises ID.
"""

from __future__ import annotations

import logging
import threading
import time
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
# A fetch batch never holds more than this much mail in memory (bar one larger message).
MAX_BATCH_BYTES = 32 * 1024 * 1024
# How often an IDLE wait looks at the stop flag; not a timing assumption about the server.
IDLE_POLL_SECONDS = 1.0


class MailboxError(Exception):
    """The mailbox cannot be used as configured; the message says why, in Chinese."""


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
    move_to: str = ""
    fetch_batch: int = FETCH_BATCH

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
        if client.has_capability("ID"):  # RFC 2971; NetEase: "Unsafe Login" without it
            client.id_(dict(account.client_id))
    except Exception:
        client.shutdown()
        raise
    return client


@dataclass(frozen=True, slots=True)
class Position:
    last_uid: int
    # UIDs up to this one are checked against the store before import (after a UIDVALIDITY change).
    resync_until: int


class ImapConnection:
    def __init__(self, account: ImapAccount, clock: Clock) -> None:
        self.account = account
        self._clock = clock
        self._client = connect(account)
        try:
            self._check_move_support()
            info = self._client.select_folder(account.folder, readonly=not account.move_to)
        except Exception:
            self._client.shutdown()
            raise
        self.uidvalidity = int(info[b"UIDVALIDITY"])

    def _check_move_support(self) -> None:
        if self.account.move_to and not (
            self._client.has_capability("MOVE") or self._client.has_capability("UIDPLUS")
        ):
            raise MailboxError(
                f"设置了 imap.move_to，但服务器 {self.account.host} 不支持 MOVE 或 UIDPLUS，"
                "无法安全移动邮件；请清空 imap.move_to"
            )

    @property
    def supports_idle(self) -> bool:
        return bool(self._client.has_capability("IDLE"))

    def _state(self, session: Session) -> MailboxState | None:
        return session.scalars(
            select(MailboxState).where(
                MailboxState.account == self.account.username,
                MailboxState.folder == self.account.folder,
            )
        ).one_or_none()

    def position(self, session: Session) -> Position:
        """Where intake stands in this folder; a new UIDVALIDITY starts a resync from UID 1."""
        state = self._state(session)
        if state is None:
            return Position(0, 0)
        if state.uidvalidity != self.uidvalidity:
            log.warning(
                "UIDVALIDITY of %s changed from %s to %s: resynchronising the folder",
                self.account,
                state.uidvalidity,
                self.uidvalidity,
            )
            return Position(0, -1)  # -1: the resync bound is not known yet, take it from SEARCH
        return Position(state.last_uid, state.resync_until_uid)

    def fetch_new(self, session: Session) -> Iterator[FetchedMail]:
        """Read the position now; fetch lazily afterwards, in batches, without the session."""
        return self._fetch_after(self.position(session))

    def new_uids(self, last: int) -> list[int]:
        return sorted(u for u in self._client.search(["UID", f"{last + 1}:*"]) if u > last)

    def _batches(self, uids: list[int]) -> Iterator[list[int]]:
        """UIDs in batches of at most ``fetch_batch`` messages and ``MAX_BATCH_BYTES``."""
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), 500):
            fetched = self._client.fetch(uids[start : start + 500], ["RFC822.SIZE"])
            sizes.update({uid: int(data.get(b"RFC822.SIZE", 0)) for uid, data in fetched.items()})
        batch: list[int] = []
        total = 0
        for uid in uids:
            size = sizes.get(uid, 0)
            if batch and (len(batch) >= self.account.fetch_batch or total + size > MAX_BATCH_BYTES):
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += size
        if batch:
            yield batch

    def _fetch_after(self, position: Position) -> Iterator[FetchedMail]:
        uids = self.new_uids(position.last_uid)
        resync_until = position.resync_until
        if resync_until < 0:
            resync_until = max(uids, default=0)
        prefix = f"imap:{self.account.username}:{self.account.folder}:{self.uidvalidity}:"
        for batch in self._batches(uids):
            fetched = self._client.fetch(batch, ["BODY.PEEK[]"])
            present = [uid for uid in batch if uid in fetched]  # others expunged meanwhile
            for uid in present:
                yield FetchedMail(
                    source_key=f"{prefix}{uid}",
                    raw=fetched[uid][b"BODY[]"],
                    uid=uid,
                    resync=uid <= resync_until,
                    resync_until=resync_until,
                    last_in_batch=uid == present[-1],
                )

    def record_committed(self, session: Session, mail: FetchedMail) -> None:
        assert mail.uid is not None
        now = self._clock.now()
        state = self._state(session)
        if state is None:
            state = MailboxState(
                account=self.account.username,
                folder=self.account.folder,
                uidvalidity=self.uidvalidity,
                last_uid=0,
                resync_until_uid=mail.resync_until if mail.resync else 0,
                updated_at=now,
            )
            session.add(state)
        elif state.uidvalidity != self.uidvalidity:
            state.uidvalidity, state.last_uid = self.uidvalidity, 0
            state.resync_until_uid = mail.resync_until
        state.last_uid = max(state.last_uid, mail.uid)
        state.updated_at = now
        session.flush()

    def acknowledge(self, mail: FetchedMail) -> None:
        """After the commit: move the message to ``move_to`` if configured, else leave it."""
        if not self.account.move_to or mail.uid is None:
            return
        if self._client.has_capability("MOVE"):  # RFC 6851
            self._client.move([mail.uid], self.account.move_to)
            return
        # RFC 4315: UID EXPUNGE removes only this message, never others a clerk marked deleted.
        self._client.copy([mail.uid], self.account.move_to)
        self._client.add_flags([mail.uid], [b"\\Deleted"], silent=True)
        self._client.uid_expunge([mail.uid])

    def wait_for_change(self, seconds: float, stop: threading.Event) -> bool:
        """IDLE (RFC 2177) until the folder changes, ``seconds`` pass, or ``stop`` is set."""
        if self._announced_since_last_look():
            return True
        deadline = time.monotonic() + seconds
        self._client.idle()
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                responses = self._client.idle_check(timeout=IDLE_POLL_SECONDS)
                if any(isinstance(r, tuple) and b"EXISTS" in r for r in responses):
                    return True
        finally:
            self._client.idle_done()
        return False

    def _announced_since_last_look(self) -> bool:
        """True when the server announced new mail (EXISTS) alongside an earlier response.

        A message that arrives between our SEARCH and the IDLE command is announced with the
        SEARCH/FETCH response, not during IDLE; imaplib keeps such untagged responses in
        ``untagged_responses``, so they are looked at (and cleared) before idling.
        """
        pending = self._client._imap.untagged_responses
        announced = pending.pop("EXISTS", None) is not None
        return pending.pop("RECENT", None) is not None or announced

    def inventory(self) -> list[tuple[int, str]]:
        """Every (UID, Message-ID) in the folder now, for reconciliation."""
        uids = sorted(self._client.search(["ALL"]))
        found: list[tuple[int, str]] = []
        field = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
        for start in range(0, len(uids), 500):
            batch = uids[start : start + 500]
            fetched = self._client.fetch(batch, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            for uid in batch:
                header = (fetched.get(uid) or {}).get(field, b"") or b""
                value = header.decode("ascii", "replace").partition(":")[2].strip()
                found.append((uid, value))
        return found

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
