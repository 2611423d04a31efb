"""The worker-process reader gives the importer exactly what the in-process reader gives."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select

from ingest.hotline.columns import merged_headers
from ingest.hotline.importer import import_file
from ingest.hotline.reader_process import ExportReader, open_hotline_export
from ingest.hotline.worksheet import HotlineExport
from store.models import ImportFile, ImportRowError, Submission
from tests.ingest.hotline.conftest import DATA, killed_at_commit, write_export
from tests.ingest.hotline.test_damaged_files import damaged

SYNONYMS = merged_headers({})
IN_PROCESS = partial(open_hotline_export, synonyms=SYNONYMS, in_memory_limit=1 << 26)
WORKER = partial(IN_PROCESS, worker_min_bytes=0)
FIXTURES = sorted(p.name for p in DATA.iterdir() if p.suffix in (".csv", ".txt", ".xls", ".xlsx"))


def run(service, path, opener, **kwargs):
    return import_file(
        path, deps=service.import_deps, opener=opener, channel="hotline", source="t", **kwargs
    )


def stored(service) -> tuple[list[tuple], list[tuple], tuple]:
    with service.sessions() as session:
        rows = [
            (s.source_key, s.record_digest, s.kind, s.payload, s.row_number, s.status)
            for s in session.scalars(select(Submission).order_by(Submission.id))
        ]
        issues = [
            (e.row_number, e.column, e.value, e.reason, e.fatal)
            for e in session.scalars(select(ImportRowError).order_by(ImportRowError.id))
        ]
        f = session.scalars(select(ImportFile)).one()
        state = (f.status, f.error, f.format, f.last_row, f.rows_new, f.rows_failed, f.rows_skipped)
    return rows, issues, state


@pytest.fixture
def two_services(make_settings, make_service, tmp_path):
    return [
        make_service(
            make_settings(hotline={"settle_seconds": 0}, database={"url": f"sqlite:///{db}"})
        )
        for db in (tmp_path / "in_process.db", tmp_path / "worker.db")
    ]


@pytest.mark.parametrize("name", FIXTURES)
def test_worker_and_in_process_store_the_same_submissions_and_issues(
    two_services, fixture_file, name
) -> None:
    here, worker = two_services
    path = fixture_file(name)
    first, second = run(here, path, IN_PROCESS), run(worker, path, WORKER)
    assert first.reader != "" or first.status == "failed"
    assert (second.status, second.error, second.format, second.reader) == (
        first.status,
        first.error,
        first.format,
        first.reader,
    )
    assert (second.new, second.failed, second.skipped, second.warnings) == (
        first.new,
        first.failed,
        first.skipped,
        first.warnings,
    )
    assert stored(worker) == stored(here)


def test_small_files_are_read_in_process_large_ones_by_a_worker(tmp_path) -> None:
    path = write_export(tmp_path / "export.xlsx", 50)
    small = IN_PROCESS(path)
    assert isinstance(small, HotlineExport)
    small.close()
    large = partial(IN_PROCESS, worker_min_bytes=path.stat().st_size)(path)
    assert isinstance(large, ExportReader) and large.reader == "calamine"
    assert [m.record.number for m in large.rows() if m.record] == [
        f"GD{n:08d}" for n in range(1, 51)
    ]
    large.close()


def test_worker_streamed_export_reports_progress_and_resumes(two_services, tmp_path) -> None:
    """Through the streaming reader: the sheet's dimension as the total, and start_after."""
    service = two_services[1]
    path = write_export(tmp_path / "export.xlsx", 3000)
    stream = partial(WORKER, in_memory_limit=1)
    totals = []
    summary = run(
        service,
        path,
        stream,
        batch_rows=1000,
        progress=lambda done, total: totals.append((done, total)),
    )
    assert (summary.reader, summary.new) == ("stream", 3000)
    assert totals == [(1000, 3000), (2000, 3000), (3000, 3000)]
    reader = stream(path)
    assert [m.row for m in reader.rows(start_after=2998)] == [2999, 3000, 3001]
    reader.close()


def test_worker_export_breaking_mid_stream_keeps_the_rows_before(service, tmp_path) -> None:
    """Review A23 through the worker: the rows before the damage, the last partial batch
    included, are committed; the file fails with the worker's reason."""
    broken = damaged("xml_broken_mid_sheet", tmp_path)
    first = run(service, broken, partial(WORKER, in_memory_limit=1), batch_rows=500)
    assert first.status == "failed" and "行附近损坏" in first.error
    assert first.new == 1998
    with service.sessions() as session:
        imported = session.scalars(select(ImportFile)).one()
    assert (imported.status, imported.last_row) == ("failed", 1999)


def test_unforeseen_error_in_the_worker_fails_the_file_with_that_error(service, tmp_path) -> None:
    broken = partial(open_hotline_export, synonyms={"number": None}, in_memory_limit=1 << 26)
    summary = run(
        service, write_export(tmp_path / "e.xlsx", 5), partial(broken, worker_min_bytes=0)
    )
    assert summary.status == "failed" and "意外错误" in summary.error
    assert "TypeError" in summary.error


def test_import_stopped_mid_file_ends_the_worker_and_resumes(service, tmp_path) -> None:
    path = write_export(tmp_path / "export.xlsx", 250)
    readers: list[ExportReader] = []

    def opener(p):
        readers.append(WORKER(p))
        return readers[-1]

    with killed_at_commit(3), pytest.raises(KeyboardInterrupt):
        run(service, path, opener, batch_rows=50)
    assert readers[0]._process.poll() is not None  # no worker left behind
    resumed = run(service, path, opener, batch_rows=50)
    assert (resumed.status, resumed.new, resumed.unchanged) == ("done", 150, 0)
    rows, _issues, _state = stored(service)
    assert sorted(r[3]["number"] for r in rows) == [f"GD{n:08d}" for n in range(1, 251)]


def test_worker_that_dies_fails_the_file_and_the_retry_reads_it(service, tmp_path) -> None:
    """A worker killed (out of memory, say) fails the file with a reason; nothing is lost."""
    path = write_export(tmp_path / "export.xlsx", 120)

    def killed(p):
        reader = WORKER(p)
        reader._process.kill()
        return reader

    summary = run(service, path, killed, batch_rows=50)
    assert summary.status == "failed" and "读取子进程意外退出" in summary.error
    retried = run(service, path, WORKER, batch_rows=50)
    assert (retried.status, retried.new) == ("done", 120)
