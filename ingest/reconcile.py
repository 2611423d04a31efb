"""Compare what the mail source holds with what was imported: anything missing, or extra.

The comparison is a pure function over two inventories; reading them (IMAP UIDs and Message-IDs,
Maildir keys, submission rows) happens at the edges. A message on the server at or below the
committed position that the store does not hold — by its source key or by its Message-ID — is
missing: that is the one finding that needs a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.mailbox import ImapConnection
from ingest.maildir import MaildirConnection
from store.models import MailboxState, Submission


@dataclass(frozen=True, slots=True)
class Item:
    key: str  # UID or Maildir key
    message_id: str


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    source: str
    on_server: int
    imported: int
    missing: tuple[Item, ...]  # should have been imported and was not
    not_yet_fetched: tuple[Item, ...]  # newer than the committed position: the next poll
    gone_from_server: tuple[Item, ...]  # imported, no longer in the folder (moved or deleted)

    @property
    def ok(self) -> bool:
        return not self.missing


def compare(
    source: str,
    server: list[Item],
    imported: Mapping[str, str],
    imported_message_ids: frozenset[str],
    *,
    position: int | None,
) -> ReconcileReport:
    """``imported`` maps source keys (UID or Maildir key) to Message-IDs; ``position`` is the
    highest committed UID, or None for a source without one (a Maildir: anything not imported
    is simply not fetched yet)."""
    missing, pending = [], []
    server_keys = {item.key for item in server}
    for item in server:
        if item.key in imported:
            continue
        if item.message_id and item.message_id in imported_message_ids:
            continue  # imported under another key (before a UIDVALIDITY change)
        if position is None or int(item.key) > position:
            pending.append(item)
        else:
            missing.append(item)
    gone = [Item(k, m) for k, m in sorted(imported.items()) if k not in server_keys]
    return ReconcileReport(
        source=source,
        on_server=len(server),
        imported=len(imported),
        missing=tuple(missing),
        not_yet_fetched=tuple(pending),
        gone_from_server=tuple(gone),
    )


def _imported(session: Session, prefix: str) -> dict[str, str]:
    rows = session.execute(
        select(Submission.source_key, Submission.message_id).where(
            Submission.source_key.startswith(prefix)
        )
    )
    return {key[len(prefix) :]: mid or "" for key, mid in rows}


def _message_ids(session: Session) -> frozenset[str]:
    rows = session.scalars(
        select(Submission.message_id).where(
            Submission.channel == "email", Submission.message_id.is_not(None)
        )
    )
    return frozenset(r for r in rows if r)


def reconcile_imap(session: Session, connection: ImapConnection, source: str) -> ReconcileReport:
    account = connection.account
    prefix = f"imap:{account.username}:{account.folder}:{connection.uidvalidity}:"
    state = session.scalars(
        select(MailboxState).where(
            MailboxState.account == account.username, MailboxState.folder == account.folder
        )
    ).one_or_none()
    position = state.last_uid if state and state.uidvalidity == connection.uidvalidity else 0
    server = [Item(str(uid), mid) for uid, mid in connection.inventory()]
    return compare(
        source, server, _imported(session, prefix), _message_ids(session), position=position
    )


def reconcile_maildir(
    session: Session, connection: MaildirConnection, source: str
) -> ReconcileReport:
    server = [Item(key, mid) for key, mid in connection.inventory()]
    imported = _imported(session, "maildir:")
    return compare(source, server, imported, _message_ids(session), position=None)
