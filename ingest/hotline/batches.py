"""Storing one file's mapped rows, batch by batch: work-order versions and submissions.

Each batch is one transaction (``RowImporter.commit``): the rows' work orders are looked up, a row
identical to the latest stored version of its work order is left out, a new work order becomes a
pending submission under ``<channel>:<number>``, a changed one the next version ``…@<n>`` (an
``update`` submission); the row problems go to ``import_row_errors``, recordings named in the
rows are attached, and ``ImportFile.last_row`` and its counts advance in the same transaction, so
a run killed mid-file resumes after the last committed batch (``importer.py`` drives the file).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ingest.hotline.recordings import RecordingFinder, attach_recordings
from ingest.hotline.rows import MappedRow, SourceRecord
from store.bulk import bulk_insert, insert_values, lookup
from store.db import transaction
from store.models import ImportFile, ImportRowError, Submission

if TYPE_CHECKING:
    from ingest.hotline.importer import ImportDeps

log = logging.getLogger(__name__)


def _existing(session: Session, keys: Iterable[str]) -> dict[str, str]:
    """The stored record digest of each of ``keys`` that is already a submission."""
    table: Any = Submission.__table__
    wanted = list(dict.fromkeys(keys))
    found = lookup(session.connection(), table, "source_key", "record_digest", wanted)
    return {key: digest or "" for key, digest in found.items()}


def _latest(session: Session, keys: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Work-order key → (digest of its latest stored version, number of that version).

    Version 1 is stored under the key itself, version n under ``<key>@<n>``; the versions of the
    known keys are probed by exact key (indexed), one query per version number actually stored.
    """
    latest = {key: (digest, 1) for key, digest in _existing(session, keys).items()}
    probe, version = list(latest), 2
    while probe:
        found = _existing(session, [f"{key}@{version}" for key in probe])
        probe = [key for key in probe if f"{key}@{version}" in found]
        for key in probe:
            latest[key] = (found[f"{key}@{version}"], version)
        version += 1
    return latest


class Stored(NamedTuple):
    """A row to store: its record, the submission's source key, and whether it is new."""

    row: MappedRow
    record: SourceRecord
    key: str
    kind: str  # new | update


def _classify(rows: list[MappedRow], latest: dict[str, tuple[str, int]]) -> list[Stored]:
    """The rows to store, with their source keys; rows identical to the latest known version of
    their work order are left out.

    Each row is compared with the latest version (not with every version ever seen), so a row
    changed and later changed back (A → B → A) is two updates. A changed row is stored as the
    next version, ``<key>@<n>``. ``latest`` is updated as rows are taken, so a work order that
    occurs more than once in the same file is compared with its previous occurrence.
    """
    out = []
    for row in rows:
        assert row.record is not None
        key, digest = row.record.key, row.digest
        known = latest.get(key)
        if known is None:
            latest[key] = (digest, 1)
            out.append(Stored(row, row.record, key, "new"))
        elif known[0] != digest:
            latest[key] = (digest, known[1] + 1)
            out.append(Stored(row, row.record, f"{key}@{known[1] + 1}", "update"))
    return out


# The per-row columns of an imported row's submission; the others are the file's.
_SUBMISSION_COLUMNS = ("source_key", "record_digest", "kind", "payload", "row_number")
_KIND = {"new": None, "update": "update"}  # a submission's kind: None for a first version


class RowImporter:
    """Commits the mapped rows of one file, batch by batch."""

    def __init__(self, deps: ImportDeps, imported: ImportFile, finder: RecordingFinder | None):
        self.deps, self.finder = deps, finder
        self.import_id, self.archive_path = imported.id, imported.archive_path
        self.size, self.channel, self.sha256 = imported.size, imported.channel, imported.sha256
        self.summary_counts = {"new": 0, "update": 0, "unchanged": 0, "failed": 0, "skipped": 0}
        self.warnings = 0
        self.recordings = 0

    def commit(self, batch: list[MappedRow]) -> None:
        """One transaction; a unique-key clash with a concurrent import is retried once."""
        for attempt in (1, 2):
            try:
                with transaction(self.deps.sessions) as session:
                    self._commit(session, batch)
                return
            except IntegrityError:
                if attempt == 2:
                    raise
                log.info("import %s: concurrent writer, retrying batch", self.import_id)

    def _commit(self, session: Session, batch: list[MappedRow]) -> None:
        now = self.deps.clock.now()
        rows = [m for m in batch if m.record is not None]
        to_store = _classify(rows, _latest(session, [m.record.key for m in rows if m.record]))
        insert_values(
            session.connection(),
            Submission.__table__,  # type: ignore[arg-type]
            _SUBMISSION_COLUMNS,
            [
                (s.key, s.row.digest, _KIND[s.kind], s.row.payload_json, s.record.row)
                for s in to_store
            ],
            serialised=("payload",),  # serialised once, where the row was read
            constants={
                "channel": self.channel,
                "sha256": self.sha256,
                "size": self.size,
                "archive_path": self.archive_path,
                "received_at": now,
                "status": "pending",
                "attempts": 0,
                "import_id": self.import_id,
            },
        )
        counts = self._count(batch, to_store)
        self._store_issues(session, batch, now)
        if self.finder is not None:
            self.recordings += attach_recordings(
                session, self.deps.archive, self.finder, to_store, now=now
            )
        session.execute(
            update(ImportFile)
            .where(ImportFile.id == self.import_id)
            .values(
                last_row=batch[-1].row,
                rows_new=ImportFile.rows_new + counts["new"],
                rows_updated=ImportFile.rows_updated + counts["update"],
                rows_unchanged=ImportFile.rows_unchanged + counts["unchanged"],
                rows_failed=ImportFile.rows_failed + counts["failed"],
                rows_skipped=ImportFile.rows_skipped + counts["skipped"],
            )
        )
        for name, value in counts.items():
            self.summary_counts[name] += value

    @staticmethod
    def _count(batch: list[MappedRow], stored: list[Stored]) -> dict[str, int]:
        new = sum(1 for item in stored if item.kind == "new")
        records = sum(1 for m in batch if m.record is not None)
        return {
            "new": new,
            "update": len(stored) - new,
            "unchanged": records - len(stored),
            "failed": sum(1 for m in batch if m.record is None and not m.skipped),
            "skipped": sum(1 for m in batch if m.skipped),
        }

    def _store_issues(self, session: Session, batch: list[MappedRow], now: dt.datetime) -> None:
        issues = [
            {
                "row_number": issue.row,
                "column": issue.column[:200],
                "value": issue.value[:500],
                "reason": issue.reason,
                "fatal": issue.fatal,
            }
            for m in batch
            for issue in m.issues
        ]
        self.warnings += sum(1 for i in issues if not i["fatal"])
        bulk_insert(
            session.connection(),
            ImportRowError.__table__,  # type: ignore[arg-type]
            issues,
            constants={"import_id": self.import_id, "created_at": now},
        )
