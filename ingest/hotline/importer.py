"""Import a file of records (12345 export, website JSON lines): every row exactly one submission.

Order of events, each step committed before the next (Art. 22, getmail6's rule):
1. the whole file is copied into the raw archive and its ``ImportFile`` row committed, before
   any row is read;
2. rows are read and mapped, and committed in batches: new work orders become pending
   submissions, a changed row of a known work order an ``update`` submission, an identical one
   nothing; each batch also advances ``ImportFile.last_row``, so a run killed mid-file resumes
   after the last committed row, without duplicates or gaps;
3. the row-level problems go to ``import_row_errors`` with the batch, and to an error report
   written beside the processed file at the end.
A file no reader can open (or that breaks off mid-way, or fails on an unforeseen error) is marked
failed with the reason; the rows read before a break are committed and stay imported. Retried,
the file resumes after them, and the attempt's channel and source are recorded as the file's.
A file none of whose rows could be imported (typically one put through the wrong door: a 12345
CSV in the website folder) is failed too, not done, with a reason naming the right door; the same
bytes imported again, through either door, are read from the start.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from ingest.archive import ArchivedFile, RawArchive
from ingest.attachments import safe_suffix
from ingest.hotline.recordings import RecordingFinder, attach_recordings
from ingest.hotline.report import write_error_report
from ingest.hotline.rows import MappedRow, SourceRecord
from ingest.hotline.tables import UnreadableFile
from store.bulk import bulk_insert, insert_values, lookup
from store.db import transaction
from store.models import ImportFile, ImportRowError, Submission

log = logging.getLogger(__name__)

DEFAULT_BATCH_ROWS = 5000
# Why a file none of whose rows could be imported failed, by the channel it was imported as.
NOTHING_IMPORTED = {
    "web": (
        "没有一行是有效的网站来件（每行应为一个 JSON 对象），各行原因见错误报告；"
        "如果这是 12345 工单导出，请放入 12345 工单投放文件夹或执行 python main.py hotline import"
    ),
    "hotline": (
        "没有一行能导入，各行原因见错误报告：请核对文件是否为 12345 工单导出、列名对照是否正确；"
        "如果这是信用网站的 JSON Lines 文件，请执行 python main.py web import"
    ),
}
Progress = Callable[[int, int | None], None]


class RecordFile(Protocol):
    """An opened file of records, positioned after its header."""

    @property
    def format(self) -> str: ...

    @property
    def reader(self) -> str: ...

    def estimated_rows(self) -> int | None: ...

    def rows(self, start_after: int = 0) -> Iterator[MappedRow]:
        """The mapped rows after ``start_after``. The importer relies on a row's
        ``payload_json`` and ``digest`` for the content, and on its record only for channel,
        number, row and recording: the reader worker sends no more (reader_process.py)."""
        ...

    def close(self) -> None: ...


Opener = Callable[[Path], RecordFile]


@dataclass(frozen=True)
class ImportDeps:
    sessions: sessionmaker[Session]
    archive: RawArchive
    clock: Clock


@dataclass
class ImportSummary:
    """What one import did, for the CLI table, the job summary and tests."""

    name: str
    status: str = "done"  # done | already | failed
    import_id: int | None = None
    format: str = ""
    reader: str = ""
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    warnings: int = 0
    recordings: int = 0
    error: str = ""
    report_path: Path | None = None

    @property
    def rows(self) -> int:
        return self.new + self.updated + self.unchanged + self.failed


def _claim(
    session: Session,
    stored: ArchivedFile,
    name: str,
    *,
    channel: str,
    source: str,
    now: dt.datetime,
) -> ImportFile:
    """The file's import row: new, or the earlier one (done, failed, or interrupted)."""
    existing = session.scalars(select(ImportFile).where(ImportFile.sha256 == stored.sha256)).first()
    if existing is not None:
        if existing.status != "done":  # retried or resumed: this attempt reads it, from here
            if existing.source != source[:512] or existing.channel != channel:
                log.info("import %s: now from %s (was %s)", existing.id, source, existing.source)
            existing.channel, existing.source, existing.original_name = channel, source[:512], name
        if existing.status == "failed":  # retried: a setting may have been fixed since
            existing.status, existing.error = "reading", None
        if existing.status != "done" and existing.last_row == 0:
            _restart(session, existing)
        return existing
    row = ImportFile(
        channel=channel,
        source=source[:512],
        original_name=name,
        sha256=stored.sha256,
        size=stored.size,
        archive_path=stored.relative_path,
        status="reading",
        last_row=0,
        rows_new=0,
        rows_updated=0,
        rows_unchanged=0,
        rows_failed=0,
        rows_skipped=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _restart(session: Session, imported: ImportFile) -> None:
    """Read from the start: forget the counts and row problems of an attempt that stored no row
    (its error report, already written, stays with the file)."""
    session.execute(delete(ImportRowError).where(ImportRowError.import_id == imported.id))
    imported.rows_new = imported.rows_updated = imported.rows_unchanged = 0
    imported.rows_failed = imported.rows_skipped = 0
    imported.report_path = None


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


def _batches(rows: Iterator[MappedRow], size: int) -> Iterator[list[MappedRow]]:
    batch: list[MappedRow] = []
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
    except UnreadableFile:
        if batch:  # the rows read before the damage are committed before the file fails
            yield batch
        raise
    if batch:
        yield batch


def _finish(deps: ImportDeps, import_id: int, *, error: str = "") -> str:
    """Mark the import done or failed; returns the error, which is set when not one row of the
    file could be imported (then the next attempt reads it from the start)."""
    with transaction(deps.sessions) as session:
        imported = session.get(ImportFile, import_id)
        assert imported is not None
        stored = imported.rows_new + imported.rows_updated + imported.rows_unchanged
        if not error and imported.rows_failed and not stored:
            error = NOTHING_IMPORTED.get(imported.channel, NOTHING_IMPORTED["hotline"])
            imported.last_row = 0
        imported.status = "failed" if error else "done"
        imported.error = error or None
        imported.finished_at = deps.clock.now()
    return error


def import_file(
    path: Path,
    *,
    deps: ImportDeps,
    opener: Opener,
    channel: str,
    source: str,
    name: str | None = None,
    finder: RecordingFinder | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Progress | None = None,
) -> ImportSummary:
    """Archive ``path``, then import its rows; see the module docstring for the guarantees."""
    name = name or path.name
    stored = deps.archive.store_file(path, suffix=safe_suffix(name))
    with transaction(deps.sessions) as session:
        imported = _claim(
            session, stored, name, channel=channel, source=source, now=deps.clock.now()
        )
        if imported.status == "done":
            return ImportSummary(name, "already", imported.id, imported.format)
        start_after = imported.last_row
    summary = ImportSummary(name, import_id=imported.id)
    importer = RowImporter(deps, imported, finder)
    error = ""
    try:
        record_file = opener(deps.archive.file(stored.relative_path))
    except UnreadableFile as problem:
        error = str(problem)
    except Exception as problem:  # a bug or the unforeseen: this file fails, the caller goes on
        error = _unexpected(imported.id, problem)
    else:
        summary.format, summary.reader = record_file.format, record_file.reader
        try:
            _set_format(deps, imported.id, record_file.format)
        except BaseException:
            record_file.close()  # a reader worker must not outlive its import
            raise
        error = _run(importer, record_file, start_after, batch_rows, progress)
    error = _finish(deps, imported.id, error=error)
    counts = importer.summary_counts
    summary.status = "failed" if error else "done"
    summary.error = error
    summary.new, summary.updated, summary.unchanged = (
        counts["new"],
        counts["update"],
        counts["unchanged"],
    )
    summary.failed, summary.skipped = counts["failed"], counts["skipped"]
    summary.warnings, summary.recordings = importer.warnings, importer.recordings
    return summary


def _set_format(deps: ImportDeps, import_id: int, fmt: str) -> None:
    with transaction(deps.sessions) as session:
        session.execute(update(ImportFile).where(ImportFile.id == import_id).values(format=fmt))


def _run(
    importer: RowImporter,
    record_file: RecordFile,
    start_after: int,
    batch_rows: int,
    progress: Progress | None,
) -> str:
    done = 0
    try:
        with _heap_frozen():
            for batch in _batches(record_file.rows(start_after), batch_rows):
                importer.commit(batch)
                done += len(batch)
                if progress is not None:
                    progress(done, record_file.estimated_rows())
    except UnreadableFile as problem:
        return str(problem)
    except Exception as problem:  # committed batches stay; the rest waits for a retry
        return _unexpected(importer.import_id, problem)
    finally:
        record_file.close()
    return ""


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Keep the objects alive before the import out of the garbage collector's full passes.

    An import allocates a few tracked objects per row, enough for several full collections per
    file, and each would traverse the whole service heap (ORM metadata, routing model, jieba's
    dictionary) although nothing there becomes garbage because of the import: about 0.3 s of a
    100,000-row import in bench/import_hotline.py, more in the service. Objects created during
    the import are collected as usual.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _unexpected(import_id: int, error: Exception) -> str:
    """The reason recorded for a file that failed on an unforeseen error (logged in full)."""
    log.exception("import %s failed unexpectedly", import_id)
    return (
        f"读取过程中出现意外错误（{type(error).__name__}: {error}），已提交的行保留；"
        "请将本文件和此原因告知技术人员"
    )


def write_import_report(deps: ImportDeps, import_id: int, path: Path) -> Path | None:
    """Write the row-level error report of an import to ``path`` (None when there were no
    problems) and remember where it is."""
    with transaction(deps.sessions) as session:
        issues = session.scalars(
            select(ImportRowError)
            .where(ImportRowError.import_id == import_id)
            .order_by(ImportRowError.row_number, ImportRowError.id)
        ).all()
        if not issues:
            return None
        written = write_error_report(path, issues)
        session.execute(
            update(ImportFile).where(ImportFile.id == import_id).values(report_path=str(written))
        )
        return written
