"""The importer's guarantees: every row exactly one submission, whatever the file looks like."""

from __future__ import annotations

import hashlib
from functools import partial

import pytest
from sqlalchemy import func, select

from ingest.hotline import importer
from ingest.hotline.columns import merged_headers
from ingest.hotline.importer import import_file
from ingest.hotline.worksheet import open_export
from ingest.web import open_json_lines
from store.models import ImportFile, ImportRowError, Submission
from tests.ingest.hotline.conftest import write_export

OPENER = partial(open_export, synonyms=merged_headers({}), in_memory_limit=64 * 1024 * 1024)


def run(service, path, opener=OPENER, channel="hotline", **kwargs):
    return import_file(
        path, deps=service.import_deps, opener=opener, channel=channel, source="test", **kwargs
    )


def submissions(service):
    with service.sessions() as session:
        return session.scalars(select(Submission).order_by(Submission.id)).all()


@pytest.mark.parametrize(
    "name",
    [
        "utf8_bom_comma.csv",
        "gbk_no_bom_header.csv",
        "gb18030_semicolon.csv",
        "excel_unicode_text_utf16_tab.txt",
        "overlap_export_week2.csv",
    ],
)
def test_every_text_format_gives_the_same_records(service, fixture_file, name) -> None:
    summary = run(service, fixture_file(name))
    assert (summary.status, summary.format, summary.new, summary.failed) == ("done", "csv", 3, 0)
    rows = {s.source_key: s.payload for s in submissions(service)}
    assert rows["hotline:CSV0001"]["phone"] == "03592021234"
    assert rows["hotline:CSV0001"]["stated_at"] == "2026-03-05T14:00:00+08:00"
    assert rows["hotline:CSV0003"]["content"] == "内容中有逗号, 以及\n换行"
    assert summary.warnings == 1  # "下午" is no date: imported, reported as a warning


def test_excel_export_with_title_rows_totals_and_bad_rows(service, fixture_file) -> None:
    summary = run(service, fixture_file("merged_title_excel_dates_totals.xlsx"))
    assert (summary.new, summary.failed, summary.skipped) == (3, 1, 2)  # empty + totals skipped
    by_key = {s.source_key: s for s in submissions(service)}
    first = by_key["hotline:YC2026030500001"]
    assert first.payload["stated_at"] == "2026-03-05T14:00:00+08:00"
    assert first.payload["recording"] == "REC0001.mp3"
    assert first.payload["extra"] == {"工单状态": "已转办"}
    assert first.row_number == 4 and first.status == "pending"
    assert by_key["hotline:YC202603050002"].payload["phone"] == "03592021234"  # full-width number
    with service.sessions() as session:
        errors = session.scalars(select(ImportRowError).order_by(ImportRowError.id)).all()
    assert [(e.row_number, e.column, e.fatal) for e in errors] == [
        (5, "联系电话", False),
        (7, "工单编号", True),
        (8, "来电时间", False),
    ]


def test_legacy_xls(service, fixture_file) -> None:
    summary = run(service, fixture_file("legacy_format.xls"))
    assert (summary.format, summary.new) == ("xls", 1)
    (row,) = submissions(service)
    assert row.payload["phone"] == "13900001111"
    assert row.payload["stated_at"] == "2026-02-01T09:15:00+08:00"


def test_streaming_reader_gives_the_same_records_as_calamine(service, tmp_path) -> None:
    path = write_export(tmp_path / "export.xlsx", 300)
    fast = [m.record for m in OPENER(path).rows()]
    stream = partial(open_export, synonyms=merged_headers({}), in_memory_limit=1)(path)
    assert stream.reader == "stream"
    assert [m.record for m in stream.rows()] == fast


@pytest.mark.parametrize("name", ["corrupted_truncated.xlsx", "html_saved_as.xls"])
def test_unreadable_file_fails_with_reason_and_is_archived(service, fixture_file, name) -> None:
    path = fixture_file(name)
    summary = run(service, path)
    assert summary.status == "failed" and summary.error
    with service.sessions() as session:
        imported = session.scalars(select(ImportFile)).one()
    assert imported.status == "failed" and imported.error == summary.error
    assert imported.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert service.archive.read(imported.archive_path) == path.read_bytes()


def test_same_file_and_overlapping_export_add_nothing_twice(
    make_settings, make_service, fixture_file, database_url
) -> None:
    service = make_service(make_settings(database={"url": database_url}))
    week1, week2 = (
        fixture_file("overlap_export_week1.csv"),
        fixture_file("overlap_export_week2.csv"),
    )
    assert run(service, week1).new == 2
    assert run(service, week1).status == "already"
    second = run(service, week2)
    assert (second.new, second.updated, second.unchanged) == (1, 1, 1)
    keys = [s.source_key for s in submissions(service)]
    assert len(keys) == 4 and keys[:2] == ["hotline:CSV0001", "hotline:CSV0002"]
    update = next(s for s in submissions(service) if s.source_key.startswith("hotline:CSV0002@"))
    assert update.kind == "update" and "hotline:CSV0003" in keys
    # The older export again, under another name: still nothing new.
    again = week1.with_name("week1-copy.csv")
    again.write_bytes(week1.read_bytes() + b"\r\n")
    assert run(service, again).new == 0 and len(submissions(service)) == 4


def test_killed_mid_file_resumes_without_duplicates_or_gaps(service, tmp_path, monkeypatch) -> None:
    path = write_export(tmp_path / "export.xlsx", 250)
    real_commit, calls = importer.RowImporter.commit, {"n": 0}

    def dying_commit(self, batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is killed between two batches
        real_commit(self, batch)

    monkeypatch.setattr(importer.RowImporter, "commit", dying_commit)
    with pytest.raises(KeyboardInterrupt):
        run(service, path, batch_rows=50)
    assert len(submissions(service)) == 100
    monkeypatch.setattr(importer.RowImporter, "commit", real_commit)
    resumed = run(service, path, batch_rows=50)
    assert (resumed.status, resumed.new, resumed.unchanged) == ("done", 150, 0)
    numbers = sorted(s.payload["number"] for s in submissions(service))
    assert numbers == [f"GD{n:08d}" for n in range(1, 251)]


def test_website_json_lines(service, fixture_file) -> None:
    summary = run(
        service, fixture_file("website_column_with_bad_lines.jsonl"), open_json_lines, "web"
    )
    assert (summary.new, summary.failed, summary.skipped) == (2, 2, 1)
    by_key = {s.source_key: s for s in submissions(service)}
    assert by_key["web:W001"].payload["respondent"] == "新绛县人民政府"
    assert by_key["web:W001"].payload["extra"] == {"channel_note": "网站"}
    assert by_key["web:4"].payload["stated_at"] == "2026-03-07T00:00:00+08:00"


@pytest.mark.slow
def test_20000_row_export(service, export_20000) -> None:
    summary = run(service, export_20000)
    assert (summary.status, summary.new, summary.failed) == ("done", 20000, 0)
    with service.sessions() as session:
        count = session.scalar(select(func.count()).select_from(Submission))
        last = session.scalars(select(Submission).order_by(Submission.id.desc())).first()
    assert count == 20000 and last is not None and last.payload["number"] == "GD00020000"
    assert run(service, export_20000).status == "already"
