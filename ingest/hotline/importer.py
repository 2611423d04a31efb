"""Import a file of records (12345 export, website JSON lines): every row exactly one submission.

Order of events, each step committed before the next (Art. 22, getmail6's rule):
1. the whole file is copied into the raw archive and its ``ImportFile`` row committed, before
   any row is read;
2. rows are read and mapped, and committed in batches (``batches.py``): new work orders become
   pending submissions, a changed row of a known work order an ``update`` submission, an
   identical one nothing; each batch also advances ``ImportFile.last_row``, so a run killed
   mid-file resumes after the last committed row, without duplicates or gaps;
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from ingest.archive import ArchivedFile, RawArchive
from ingest.attachments import safe_suffix
from ingest.hotline.batches import RowImporter
from ingest.hotline.recordings import RecordingFinder
from ingest.hotline.report import write_error_report
from ingest.hotline.rows import MappedRow
from ingest.hotline.tables import UnreadableFile
from store.db import transaction
from store.models import ImportFile, ImportRowError

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
